"""Each kind of type's machine representation, in one place.

One ``Repr`` per kind of lattice type says everything the back end needs to know about its
values: the LLVM type holding one, whether it holds Python references (and how to count them),
its truth value, numeric conversion, how an entry point unboxes it from a Python object and boxes
it back, how the vectorcall dispatcher recognizes its Python objects, and how it is passed to a
GPU kernel as flat parameters. Lowering, the CPU target's entry points and dispatcher, the PTX
target and the kernel launcher all ask ``repr_of(t)``; a new kind of type is one new class here
and one entry in ``_REPRS``.

The hooks that emit code for the CPython boundary receive the emitter that called them (``e``:
an entry point being built, see ``targets.boxing``; ``c``: the dispatcher's checks, see
``targets.dispatcher``), which supplies the builder and the C API helpers.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir as ll

from ..errors import InternalCompilerError
from ..lattice import (TYPE_VALUES, ArrayType, Bool, Bottom, Float32, Float64, FunctionType, Int64, JType, PrimitiveType,
                       PyObjectType, SingletonType, StructType, TupleType, TypeType, UnionType, Val, ValType)
from ..runtime import arrays as rt
from ..runtime.cpython import declare, slot_offset
from .abi import EMPTY, F32, F64, I1, I8, I32, I64, PTR

__all__ = ["Repr", "CAPIEmitter", "repr_of", "llvm_type", "element_type", "is_refcounted", "incref", "decref", "truth",
           "convert_value", "dispatch_checkable", "OWNER", "DATA", "SHAPE", "STRIDES", "WRITEABLE",
           "shape_of", "strides_of", "struct_from_ndarray", "box_record"]


class CAPIEmitter:
    """What the boundary hooks need of the code calling them: a builder ``b``, C API calls and
    a way out with a Python exception set (``pyerr``: an entry point returns NULL, compiled code
    leaves with status ``PYERR``)."""

    b: ll.IRBuilder

    def call(self, name: str, *args) -> ll.Value:
        return self.b.call(declare(self.b.module, name), list(args))

    def object_constant(self, obj) -> ll.Value:
        raise NotImplementedError

    def pyerr(self) -> None:
        raise NotImplementedError

    def fail_if(self, cond: ll.Value) -> None:
        with self.b.if_then(cond, likely=False):
            self.pyerr()

    def fail_if_error(self, value: ll.Value, sentinel: ll.Constant) -> None:
        """C API converters return a sentinel on error *or* for that value: ask PyErr_Occurred."""
        b = self.b
        maybe = b.fcmp_ordered("==", value, sentinel) if value.type in (F32, F64) else b.icmp_signed("==", value, sentinel)
        with b.if_then(maybe, likely=False):
            err = self.call("PyErr_Occurred")
            self.fail_if(b.icmp_unsigned("!=", err, ll.Constant(PTR, None)))

    def new_ref(self, obj) -> ll.Value:
        p = self.object_constant(obj)
        self.call("Py_IncRef", p)
        return p


class Repr:
    """The representation of one kind of type; the defaults fit a value with no data (a
    singleton, a type, a function: everything is known from the type)."""

    def llvm_type(self, t: JType) -> ll.Type:
        return EMPTY

    def refcounted(self, t: JType) -> bool:
        """Whether values hold Python references (and so are counted)."""
        return False

    def refcount(self, b: ll.IRBuilder, v: ll.Value, t: JType, fn: str) -> None:
        """Apply the C API's ``fn`` (``Py_IncRef``/``Py_DecRef``) to each reference ``v`` holds."""

    def truth(self, b: ll.IRBuilder, v: ll.Value, t: JType) -> ll.Value:
        return I1(1)

    def constant(self, mb, b: ll.IRBuilder, value, t: JType) -> ll.Value:
        """The Python constant ``value`` as a value of ``t``, in a function of the module ``mb``."""
        return ll.Constant(self.llvm_type(t), None)

    def convert(self, b: ll.IRBuilder, v: ll.Value, src: JType, dst: JType) -> ll.Value:
        raise InternalCompilerError(f"cannot convert {src} to {dst}")

    def unbox(self, e, obj: ll.Value, t: JType) -> ll.Value:
        """The machine value of the Python object ``obj`` (an argument: borrowed)."""
        return ll.Constant(self.llvm_type(t), None)

    def box(self, e, v: ll.Value, t: JType) -> ll.Value:
        """A new reference to the Python object for ``v`` (NULL with an exception set)."""
        return e.new_ref(None)

    def checkable(self, t: JType) -> bool:
        """Whether the dispatcher can tell this type's objects from their Python objects."""
        return False

    def dispatch_check(self, c, obj: ll.Value, t: JType) -> ll.Value:
        """An i1: whether ``obj`` is of type ``t`` (what ``typeof`` would answer)."""
        raise InternalCompilerError(f"the dispatcher cannot recognize arguments of type {t}")

    def memory_type(self, t: JType) -> ll.Type:
        """How a value is stored as an array element (NumPy's layout: a bool is a byte)."""
        return self.llvm_type(t)

    def from_memory(self, b: ll.IRBuilder, v: ll.Value, t: JType) -> ll.Value:
        """The value of an element loaded as ``memory_type``."""
        return v

    def to_memory(self, b: ll.IRBuilder, v: ll.Value, t: JType) -> ll.Value:
        """The value as stored in an element (``memory_type``)."""
        return v

    def kernel_params(self, t: JType) -> list[tuple[ll.Type, str]] | None:
        """The flat kernel parameters a value is passed as, with a description of each; None
        when kernels cannot take it."""
        return None

    def from_kernel_params(self, b: ll.IRBuilder, params, t: JType) -> ll.Value:
        """The value rebuilt from the iterator ``params`` of the kernel's parameters."""
        return ll.Constant(self.llvm_type(t), None)

    def kernel_values(self, t: JType, value) -> list:
        """What a launcher passes for ``value`` as ``kernel_params`` describes (NumPy scalars)."""
        return []


class _Primitive(Repr):
    """Bool (i1; a byte in memory), integers, floats, and complex as a pair of floats."""

    def llvm_type(self, t: PrimitiveType) -> ll.Type:
        if t.kind == "bool":
            return I1
        if t.kind in ("int", "uint"):
            return ll.IntType(t.bits)
        if t.kind == "float":
            return {16: ll.HalfType(), 32: F32}.get(t.bits, F64)
        part = F32 if t.bits == 64 else F64
        return ll.LiteralStructType([part, part])

    def constant(self, mb, b, value, t: PrimitiveType):
        ty = self.llvm_type(t)
        if t.kind == "complex":
            c = complex(value)
            return ll.Constant(ty, [c.real, c.imag])
        if t.kind == "float":
            return ll.Constant(ty, float(value))
        return ll.Constant(ty, int(value) & ((1 << t.bits) - 1))   # wrapped to the width, as Julia's

    def truth(self, b, v, t: PrimitiveType):
        if t == Bool:
            return v
        if t.kind == "complex":
            zero = ll.Constant(v.type.elements[0], 0.0)
            re, im = b.extract_value(v, 0), b.extract_value(v, 1)
            return b.or_(b.fcmp_unordered("!=", re, zero), b.fcmp_unordered("!=", im, zero))
        if t.kind == "float":
            return b.fcmp_unordered("!=", v, ll.Constant(v.type, 0.0))
        return b.icmp_unsigned("!=", v, ll.Constant(v.type, 0))

    def convert(self, b, v, src, dst):
        """Numeric conversion; integers wrap, as Julia's."""
        if not isinstance(src, PrimitiveType) or not isinstance(dst, PrimitiveType):
            raise InternalCompilerError(f"cannot convert {src} to {dst}")
        ty = self.llvm_type(dst)
        if dst.kind == "complex":
            if src.kind == "complex":
                re, im = (self.convert(b, b.extract_value(v, i), complex_part(src), complex_part(dst)) for i in (0, 1))
            else:
                re, im = self.convert(b, v, src, complex_part(dst)), ll.Constant(ty.elements[0], 0.0)
            return b.insert_value(b.insert_value(ll.Constant(ty, None), re, 0), im, 1)
        if src.kind == "complex":
            raise InternalCompilerError(f"cannot convert {src} to {dst}")
        if dst.kind == "float":
            if src.kind == "float":
                return b.fpext(v, ty) if dst.bits > src.bits else b.fptrunc(v, ty)
            return b.sitofp(v, ty) if src.kind == "int" else b.uitofp(v, ty)
        if src.kind == "float":
            raise InternalCompilerError(f"float to integer conversion of {src} must be checked (toint)")
        if dst.kind == "bool":
            return b.icmp_unsigned("!=", v, ll.Constant(v.type, 0))
        width, to = v.type.width, ty.width
        if to < width:
            return b.trunc(v, ty)
        if to > width:
            return b.sext(v, ty) if src.kind == "int" else b.zext(v, ty)
        return v

    # --- the CPython boundary ----------------------------------------------------------------
    def unbox(self, e, obj, t: PrimitiveType):
        b = e.b
        if t.kind == "bool":
            v = e.call("PyObject_IsTrue", obj)
            e.fail_if(b.icmp_signed("<", v, I32(0)))
            return b.icmp_signed("!=", v, I32(0))
        if t.kind == "uint" and t.bits == 64:
            return self._unbox_uint64(e, obj)
        if t.kind in ("int", "uint"):
            v = e.call("PyLong_AsLongLong", obj)
            e.fail_if_error(v, I64(-1))
            return b.trunc(v, self.llvm_type(t)) if t.bits < 64 else v
        if t.kind == "float":
            v = self._unbox_float(e, obj)
            return b.fptrunc(v, self.llvm_type(t)) if t.bits < 64 else v
        # Before 3.13 the C API reads NumPy complex scalars as reals: go through complex().
        pycomplex = e.call("PyObject_CallOneArg", e.object_constant(complex), obj)
        e.fail_if(b.icmp_unsigned("==", pycomplex, ll.Constant(PTR, None)))
        re = e.call("PyComplex_RealAsDouble", pycomplex)
        im = e.call("PyComplex_ImagAsDouble", pycomplex)
        e.call("Py_DecRef", pycomplex)
        if t.bits == 64:
            re, im = b.fptrunc(re, F32), b.fptrunc(im, F32)
        return b.insert_value(b.insert_value(ll.Constant(self.llvm_type(t), None), re, 0), im, 1)

    @staticmethod
    def _unbox_float(e, obj):
        """An exact ``float`` is read in place (``ob_fval``); anything else goes through
        ``PyFloat_AsDouble`` (float subclasses, NumPy scalars)."""
        b = e.b
        exact = b.icmp_unsigned("==", b.load(b.bitcast(b.gep(obj, [I64(8)]), PTR.as_pointer())),
                                e.object_constant(float))
        with b.if_else(exact, likely=True) as (inline, general):
            with inline:
                fast = b.load(b.bitcast(b.gep(obj, [I64(16)]), F64.as_pointer()))
                fast_block = b.block
            with general:
                slow = e.call("PyFloat_AsDouble", obj)
                e.fail_if_error(slow, F64(-1.0))
                slow_block = b.block
        v = b.phi(F64)
        v.add_incoming(fast, fast_block)
        v.add_incoming(slow, slow_block)
        return v

    @staticmethod
    def _unbox_uint64(e, obj):
        # PyLong_AsUnsignedLongLong takes only exact ints: go through __index__ (NumPy scalars).
        b = e.b
        index = e.call("PyNumber_Index", obj)
        e.fail_if(b.icmp_unsigned("==", index, ll.Constant(PTR, None)))
        v = e.call("PyLong_AsUnsignedLongLong", index)
        e.call("Py_DecRef", index)
        e.fail_if_error(v, I64(-1))
        return v

    def box(self, e, v, t: PrimitiveType):
        b = e.b
        if t.kind == "bool":
            return e.call("PyBool_FromLong", b.zext(v, I64))
        if t.kind in ("int", "uint"):
            wide = v if t.bits == 64 else (b.sext(v, I64) if t.kind == "int" else b.zext(v, I64))
            name = "PyLong_FromUnsignedLongLong" if t.kind == "uint" else "PyLong_FromLongLong"
            return self._as_numpy_scalar(e, e.call(name, wide), t)
        if t.kind == "float":
            return self._as_numpy_scalar(e, e.call("PyFloat_FromDouble", b.fpext(v, F64) if t.bits < 64 else v), t)
        re, im = b.extract_value(v, 0), b.extract_value(v, 1)
        if t.bits == 64:
            re, im = b.fpext(re, F64), b.fpext(im, F64)
        return self._as_numpy_scalar(e, e.call("PyComplex_FromDoubles", re, im), t)

    @staticmethod
    def _as_numpy_scalar(e, pyobj, t: PrimitiveType):
        """Results keep their type: an Int32 comes back as ``numpy.int32``, not a Python int."""
        if t.pytype in (int, float, bool, complex):
            return pyobj
        e.fail_if(e.b.icmp_unsigned("==", pyobj, ll.Constant(PTR, None)))
        scalar = e.call("PyObject_CallOneArg", e.object_constant(t.pytype), pyobj)
        e.call("Py_DecRef", pyobj)
        return scalar

    def memory_type(self, t: PrimitiveType):
        return I8 if t.kind == "bool" else self.llvm_type(t)

    def from_memory(self, b, v, t: PrimitiveType):
        return b.icmp_unsigned("!=", v, I8(0)) if t.kind == "bool" else v

    def to_memory(self, b, v, t: PrimitiveType):
        return b.zext(v, I8) if t.kind == "bool" else v

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: PrimitiveType):
        if t is Int64:   # an exact int only if it fits: larger ones take the slow path's OverflowError
            return c.b.or_(c.type_is(obj, t.dtype.type), c.all_of([lambda: c.type_is(obj, int),
                                                                   lambda: c.small_int(obj)]))
        return c.type_is(obj, *_PYTHON_TYPES.get(t.name, ()), t.dtype.type)

    # --- GPU kernels -------------------------------------------------------------------------
    def kernel_params(self, t: PrimitiveType):
        if t.kind == "complex":
            return None
        return [(I8 if t.kind == "bool" else self.llvm_type(t), repr(t))]

    def from_kernel_params(self, b, params, t: PrimitiveType):
        v = next(params)
        return b.icmp_unsigned("!=", v, I8(0)) if t.kind == "bool" else v

    def kernel_values(self, t: PrimitiveType, value) -> list:
        return [np.uint8(bool(value)) if t.kind == "bool" else t.dtype.type(value)]


_PYTHON_TYPES = {"Int64": (int,), "Float64": (float,), "Bool": (bool,), "Complex128": (complex,)}


def complex_part(t: PrimitiveType) -> PrimitiveType:
    """The float type of a complex type's parts."""
    return Float32 if t.bits == 64 else Float64


class _Aggregate(Repr):
    """A literal struct of its parts' representations (a tuple's elements, a struct's fields),
    stored in an array element as the struct of the parts' stored forms."""

    def parts(self, t) -> tuple[JType, ...]:
        raise NotImplementedError

    def part_values(self, t, value) -> list:
        """The Python values of a Python object's parts (a tuple's items, a struct's fields)."""
        raise NotImplementedError

    def llvm_type(self, t):
        return ll.LiteralStructType([llvm_type(p) for p in self.parts(t)])

    def refcounted(self, t):
        return any(is_refcounted(p) for p in self.parts(t))

    def refcount(self, b, v, t, fn):
        for i, p in enumerate(self.parts(t)):
            if is_refcounted(p):
                repr_of(p).refcount(b, b.extract_value(v, i), p, fn)

    def constant(self, mb, b, value, t):
        agg = ll.Constant(llvm_type(t), None)
        for i, (v, p) in enumerate(zip(self.part_values(t, value), self.parts(t))):
            agg = b.insert_value(agg, repr_of(p).constant(mb, b, v, p), i)
        return agg

    def memory_type(self, t):
        return ll.LiteralStructType([element_type(p) for p in self.parts(t)])

    def from_memory(self, b, v, t):
        return self._each(b, v, t, llvm_type(t), lambda p, x: repr_of(p).from_memory(b, x, p))

    def to_memory(self, b, v, t):
        return self._each(b, v, t, self.memory_type(t), lambda p, x: repr_of(p).to_memory(b, x, p))

    def _each(self, b, v, t, ty, fn):
        agg = ll.Constant(ty, None)
        for i, p in enumerate(self.parts(t)):
            agg = b.insert_value(agg, fn(p, b.extract_value(v, i)), i)
        return agg

    # A kernel takes the parts' parameters one after the other.
    def kernel_params(self, t):
        params = [repr_of(p).kernel_params(p) for p in self.parts(t)]
        if any(ps is None for ps in params):
            return None
        return [(ty, f"{t!r} part {i}: {what}") for i, ps in enumerate(params) for ty, what in ps]

    def from_kernel_params(self, b, params, t):
        agg = ll.Constant(llvm_type(t), None)
        for i, p in enumerate(self.parts(t)):
            agg = b.insert_value(agg, repr_of(p).from_kernel_params(b, params, p), i)
        return agg

    def kernel_values(self, t, value) -> list:
        return [x for p, v in zip(self.parts(t), self.part_values(t, value)) for x in repr_of(p).kernel_values(p, v)]


class _Tuple(_Aggregate):
    """A literal struct of the elements' representations."""

    def parts(self, t: TupleType):
        return t.params

    def part_values(self, t, value):
        return value

    def truth(self, b, v, t: TupleType):
        return I1(int(bool(t.params)))

    def convert(self, b, v, src, dst):
        if not isinstance(dst, TupleType):
            raise InternalCompilerError(f"cannot convert {src} to {dst}")
        agg = ll.Constant(llvm_type(dst), None)
        for i, (s, d) in enumerate(zip(src.params, dst.params)):
            agg = b.insert_value(agg, convert_value(b, b.extract_value(v, i), s, d), i)
        return agg

    def unbox(self, e, obj, t: TupleType):
        b = e.b
        agg = ll.Constant(llvm_type(t), None)
        for i, p in enumerate(t.params):
            item = e.call("PyTuple_GetItem", obj, I64(i))
            e.fail_if(b.icmp_unsigned("==", item, ll.Constant(PTR, None)))
            agg = b.insert_value(agg, repr_of(p).unbox(e, item, p), i)
        return agg

    def box(self, e, v, t: TupleType):
        b = e.b
        tup = e.call("PyTuple_New", I64(len(t.params)))
        e.fail_if(b.icmp_unsigned("==", tup, ll.Constant(PTR, None)))
        for i, p in enumerate(t.params):
            item = repr_of(p).box(e, b.extract_value(v, i), p)
            with b.if_then(b.icmp_unsigned("==", item, ll.Constant(PTR, None)), likely=False):
                e.call("Py_DecRef", tup)
                e.pyerr()
            e.call("PyTuple_SetItem", tup, I64(i), item)  # steals the reference
        return tup

    def checkable(self, t: TupleType):
        return all(dispatch_checkable(p) for p in t.params)

    def dispatch_check(self, c, obj, t: TupleType):
        b = c.b
        item = lambda i: c.field(obj, 24 + 8 * i, PTR)  # noqa: E731  (PyTupleObject.ob_item)
        return c.all_of([lambda: c.type_is(obj, tuple),
                         lambda: b.icmp_signed("==", c.field(obj, 16, I64), I64(len(t.params))),
                         *(lambda i=i, p=p: repr_of(p).dispatch_check(c, item(i), p) for i, p in enumerate(t.params))])


# An array value is the struct {owner, data, shape[N], strides[N], writeable} (strides in bytes,
# as NumPy's); ``owner`` is the ndarray whose memory it is (NULL for a GPU kernel's arrays).
OWNER, DATA, SHAPE, STRIDES, WRITEABLE = range(5)


class _Array(Repr):
    def llvm_type(self, t: ArrayType):
        dims = ll.ArrayType(I64, t.ndim)
        return ll.LiteralStructType([PTR, element_type(t.dtype).as_pointer(), dims, dims, I1])

    def refcounted(self, t):
        return True

    def refcount(self, b, v, t, fn):
        b.call(declare(b.module, fn), [b.extract_value(v, OWNER)])  # NULL-safe (Py_XINCREF)

    def convert(self, b, v, src, dst):
        # An array of any layout stored where any strides are allowed (a struct's 'A' field):
        # the same struct, relabelled.
        if isinstance(dst, ArrayType) and dst.layout == "A" and (src.dtype, src.ndim) == (dst.dtype, dst.ndim):
            return v
        raise InternalCompilerError(f"cannot convert {src} to {dst}")

    def constant(self, mb, b, value, t: ArrayType):
        # A global array read by compiled code: the array itself (the module keeps it alive), so
        # reads see its contents and writes change it, as in CPython.
        return struct_from_ndarray(b, mb.object_ref(b, value), t)

    def unbox(self, e, obj, t: ArrayType):
        return struct_from_ndarray(e.b, obj, t)  # borrowed: the caller's argument keeps it alive

    def box(self, e, v, t: ArrayType):
        # The owner itself when the struct describes it exactly (an array made here, or passed
        # in and returned): a new reference, no call; otherwise a view, by ``runtime.arrays.box``.
        b = e.b
        owner = b.extract_value(v, OWNER)
        head, dims, exact, slow, done = (b.append_basic_block(f"box.{n}")
                                         for n in ("head", "dims", "exact", "view", "done"))
        b.cbranch(b.icmp_unsigned("!=", owner, ll.Constant(PTR, None)), head, slow)
        for block, test, then in ((head, _same_head, dims), (dims, _same_dims, exact)):
            b.position_at_end(block)
            b.cbranch(test(b, v, owner, t), then, slow)
        b.position_at_end(exact)
        b.call(declare(b.module, "Py_IncRef"), [owner])
        b.branch(done)
        b.position_at_end(slow)
        record = box_record(b, v, t, b.alloca)
        address = e.call("PyLong_FromVoidPtr", record)
        e.fail_if(b.icmp_unsigned("==", address, ll.Constant(PTR, None)))
        view = e.call("PyObject_CallOneArg", e.object_constant(rt.box), address)
        e.call("Py_DecRef", address)
        b.branch(done)
        viewed = b.block
        b.position_at_end(done)
        boxed = b.phi(PTR)
        boxed.add_incoming(owner, exact)
        boxed.add_incoming(view, viewed)
        return boxed

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: ArrayType):
        b = c.b
        descr = lambda: c.field(obj, 56, PTR)  # noqa: E731  (PyArrayObject.descr)
        if isinstance(t.dtype, StructType):   # the struct's own dtype object (others: the slow path)
            kind = lambda: b.icmp_unsigned("==", descr(), c.const(t.dtype.dtype))  # noqa: E731
        else:
            kind = lambda: b.and_(b.icmp_unsigned("==", c.field(descr(), 16, PTR), c.const(t.dtype.dtype.type)),  # noqa: E731
                                  b.icmp_unsigned("!=", c.field(descr(), 26, I8), I8(ord(">"))))  # native order
        flags = lambda: b.and_(c.field(obj, rt.FLAGS_OFFSET, I32), I32(3))  # noqa: E731
        layout = {"C": lambda: b.icmp_unsigned("!=", b.and_(flags(), I32(1)), I32(0)),
                  "F": lambda: b.icmp_unsigned("==", flags(), I32(2)),
                  "A": lambda: b.icmp_unsigned("==", flags(), I32(0))}[t.layout]
        return c.all_of([
            lambda: c.type_is(obj, np.ndarray), kind,
            lambda: b.icmp_signed("==", c.field(obj, rt.NDIM_OFFSET, I32), I32(t.ndim)),
            layout])

    def kernel_params(self, t: ArrayType):
        return ([(element_type(t.dtype).as_pointer(), f"data of {t!r}")] +
                [(I64, f"shape[{k}]") for k in range(t.ndim)] + [(I64, f"strides[{k}]") for k in range(t.ndim)])

    def from_kernel_params(self, b, params, t: ArrayType):
        arr = ll.Constant(llvm_type(t), None)
        arr = b.insert_value(arr, ll.Constant(PTR, None), OWNER)
        arr = b.insert_value(arr, next(params), DATA)
        for part in (SHAPE, STRIDES):
            for k in range(t.ndim):
                arr = b.insert_value(arr, next(params), [part, k])
        return b.insert_value(arr, I1(1), WRITEABLE)

    def kernel_values(self, t: ArrayType, value) -> list:
        """A device array (``gpu.DeviceArray``): its device pointer, shape and byte strides."""
        return [np.uint64(value.device_ptr), *(np.int64(n) for n in (*value.shape, *value.strides))]


def shape_of(b, arr, t: ArrayType) -> list[ll.Value]:
    return [b.extract_value(arr, [SHAPE, k]) for k in range(t.ndim)]


def strides_of(b, arr, t: ArrayType) -> list[ll.Value]:
    return [b.extract_value(arr, [STRIDES, k]) for k in range(t.ndim)]


def struct_from_ndarray(b, obj: ll.Value, t: ArrayType, writeable: ll.Value | None = None) -> ll.Value:
    """The array struct for the ``ndarray`` ``obj`` (read through NumPy's stable field layout);
    the struct borrows ``obj`` as its owner."""
    def field(offset, ty):
        return b.load(b.bitcast(b.gep(obj, [I64(offset)]), ty.as_pointer()))

    agg = ll.Constant(llvm_type(t), None)
    agg = b.insert_value(agg, obj, OWNER)
    agg = b.insert_value(agg, b.bitcast(field(rt.DATA_OFFSET, PTR), element_type(t.dtype).as_pointer()), DATA)
    dims, strides = field(rt.DIMS_OFFSET, I64.as_pointer()), field(rt.STRIDES_OFFSET, I64.as_pointer())
    for k in range(t.ndim):
        agg = b.insert_value(agg, b.load(b.gep(dims, [I64(k)])), [SHAPE, k])
        agg = b.insert_value(agg, b.load(b.gep(strides, [I64(k)])), [STRIDES, k])
    if writeable is None:
        flags = field(rt.FLAGS_OFFSET, I32)
        writeable = b.icmp_unsigned("!=", b.and_(flags, I32(rt.WRITEABLE)), I32(0))
    return b.insert_value(agg, writeable, WRITEABLE)


def _owner_field(b, owner: ll.Value, offset: int, ty):
    return b.load(b.bitcast(b.gep(owner, [I64(offset)]), ty.as_pointer()))


def _same_head(b, arr: ll.Value, owner: ll.Value, t: ArrayType) -> ll.Value:
    """Whether the ``ndarray`` ``owner`` has the array struct's data pointer and ndim."""
    data = b.bitcast(b.extract_value(arr, DATA), PTR)
    return b.and_(b.icmp_unsigned("==", _owner_field(b, owner, rt.DATA_OFFSET, PTR), data),
                  b.icmp_signed("==", _owner_field(b, owner, rt.NDIM_OFFSET, I32), I32(t.ndim)))


def _same_dims(b, arr: ll.Value, owner: ll.Value, t: ArrayType) -> ll.Value:
    """Whether ``owner`` (of the struct's ndim) has its shape and strides."""
    same = I1(1)
    for offset, part in ((rt.DIMS_OFFSET, SHAPE), (rt.STRIDES_OFFSET, STRIDES)):
        words = _owner_field(b, owner, offset, I64.as_pointer())
        for k in range(t.ndim):
            same = b.and_(same, b.icmp_signed("==", b.load(b.gep(words, [I64(k)])), b.extract_value(arr, [part, k])))
    return same


def box_record(b, arr: ll.Value, t: ArrayType, alloca) -> ll.Value:
    """The record ``dispatchjit.runtime.arrays.box`` reads, for the array ``arr``."""
    record = alloca(ll.ArrayType(I64, 4 + 2 * t.ndim))
    words = [b.ptrtoint(b.extract_value(arr, OWNER), I64), b.ptrtoint(b.extract_value(arr, DATA), I64),
             I64(t.ndim), b.zext(b.extract_value(arr, WRITEABLE), I64)]
    words += shape_of(b, arr, t) + strides_of(b, arr, t)
    for k, w in enumerate(words):
        b.store(w, b.gep(record, [I32(0), I32(k)]))
    return b.bitcast(record, PTR)


class _PyObject(Repr):
    """An object the compiler has no type for: a pointer, passed through untouched."""

    def llvm_type(self, t):
        return PTR

    def refcounted(self, t):
        return True

    def refcount(self, b, v, t, fn):
        b.call(declare(b.module, fn), [v])  # NULL-safe (Py_XINCREF)

    def constant(self, mb, b, value, t):
        return mb.object_ref(b, value)   # borrowed: the module keeps the object alive

    def unbox(self, e, obj, t):
        return obj  # borrowed: the caller's argument keeps it alive for the call

    def box(self, e, v, t):
        e.call("Py_IncRef", v)
        return v

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: PyObjectType):
        if issubclass(t.cls, type):
            # Classes are opaque objects, except those that are Type[...] values (int, float...;
            # user types' classes are of another metaclass, so ``type_is`` already tells them).
            return c.all_of([lambda: c.type_is(obj, t.cls),
                             *(lambda k=k: c.b.icmp_unsigned("!=", obj, c.const(k)) for k in TYPE_VALUES)])
        return c.type_is(obj, t.cls)


def _slot(b: ll.IRBuilder, obj: ll.Value, t: StructType, i: int) -> ll.Value:
    """A pointer to field ``i``'s slot (a ``PyObject *``) in the instance ``obj`` of ``t``."""
    offset = slot_offset(t.pyclass, t.field_names[i])
    return b.bitcast(b.gep(obj, [I64(offset)]), PTR.as_pointer())


def new_instance(e, t: StructType, values: list[ll.Value]) -> ll.Value:
    """A new Python instance of ``t`` holding the fields ``values`` boxed (allocated as
    ``object.__new__`` does, so no constructor runs: the values already have the fields' types).
    On failure it releases what it made and leaves with the Python error."""
    obj = e.call("PyType_GenericAlloc", e.object_constant(t.pyclass), I64(0))
    e.fail_if(e.b.icmp_unsigned("==", obj, ll.Constant(PTR, None)))
    for i, (v, f) in enumerate(zip(values, t.field_types)):
        item = repr_of(f).box(e, v, f)
        with e.b.if_then(e.b.icmp_unsigned("==", item, ll.Constant(PTR, None)), likely=False):
            e.call("Py_DecRef", obj)
            e.pyerr()
        e.b.store(item, _slot(e.b, obj, t, i))
    return obj


class _Struct(_Aggregate):
    """An immutable struct: by value, a literal struct of its fields' representations. Its Python
    object keeps each field as a Python object in a slot; in an array (a NumPy structured array
    of ``t.dtype``) it is stored as its fields' stored forms, NumPy's aligned layout."""

    def parts(self, t: StructType):
        return t.field_types

    def part_values(self, t, value):
        return [getattr(value, name) for name in t.field_names]

    def unbox(self, e, obj, t: StructType):
        agg = ll.Constant(llvm_type(t), None)
        for i, f in enumerate(t.field_types):
            item = e.b.load(_slot(e.b, obj, t, i))
            agg = e.b.insert_value(agg, repr_of(f).unbox(e, item, f), i)
        return agg

    def box(self, e, v, t: StructType):
        return new_instance(e, t, [e.b.extract_value(v, i) for i in range(len(t.field_types))])

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: StructType):
        return c.type_is(obj, t.pyclass)   # one class per concrete type


class _MutableStruct(_PyObject):
    """A mutable struct: its Python object itself, shared by reference; compiled code reads and
    writes the fields in the object's slots, so Python sees every write."""

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: StructType):
        return c.type_is(obj, t.pyclass)

    def load_field(self, e, obj: ll.Value, t: StructType, i: int) -> ll.Value:
        """Field ``i`` of ``obj`` as a machine value (a borrowed one: the object holds it). The
        constructor and ``__setattr__`` convert what they store, so the unboxing cannot fail."""
        f = t.field_types[i]
        return repr_of(f).unbox(e, e.b.load(_slot(e.b, obj, t, i)), f)

    def new_object(self, e, values: list[ll.Value], t: StructType) -> ll.Value:
        return new_instance(e, t, values)

    def store_field(self, e, obj: ll.Value, t: StructType, i: int, v: ll.Value) -> None:
        slot = _slot(e.b, obj, t, i)
        old = e.b.load(slot)
        f = t.field_types[i]
        item = repr_of(f).box(e, v, f)
        e.fail_if(e.b.icmp_unsigned("==", item, ll.Constant(PTR, None)))
        e.b.store(item, slot)
        e.call("Py_DecRef", old)


_STRUCT, _MUTABLE_STRUCT = _Struct(), _MutableStruct()


class _Function(Repr):
    """A generic function: a compile-time constant (its calls are direct)."""

    def box(self, e, v, t: FunctionType):
        return e.new_ref(t.func)

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t: FunctionType):
        return c.b.icmp_unsigned("==", obj, c.const(t.func))

    def kernel_params(self, t):
        return []   # compiled in (cuda.map's f): no parameter


class _Type(Repr):
    """``Type[T]`` (and ``Val[v]``): the type says everything."""

    def box(self, e, v, t: TypeType):
        return e.new_ref(Val(t.param.value) if isinstance(t, ValType) else t.param)


class _Singleton(Repr):
    """``Nothing`` and the other one-value types."""

    def truth(self, b, v, t):
        return I1(0)

    def checkable(self, t):
        return True

    def dispatch_check(self, c, obj, t):
        return c.b.icmp_unsigned("==", obj, c.const(None))


class _Bottom(Repr):
    """The type of an expression that never produces a value (a call that always raises)."""

    def convert(self, b, v, src, dst):
        return v


_REPRS: dict[type, Repr] = {
    PrimitiveType: _Primitive(), TupleType: _Tuple(), ArrayType: _Array(), PyObjectType: _PyObject(),
    FunctionType: _Function(), TypeType: _Type(), ValType: _Type(), SingletonType: _Singleton(),
}
_BOTTOM = _Bottom()


def repr_of(t: JType) -> Repr:
    """The representation of values of the concrete type ``t``."""
    found = _REPRS.get(type(t))
    if found is not None:
        return found
    if isinstance(t, StructType) and t.is_concrete:
        return _MUTABLE_STRUCT if t.mutable else _STRUCT
    if t == Bottom:
        return _BOTTOM
    if isinstance(t, UnionType):
        raise InternalCompilerError(f"no machine representation for the union {t}")
    raise InternalCompilerError(f"no machine representation for type {t}")


def llvm_type(t: JType) -> ll.Type:
    """The LLVM type holding a value of lattice type ``t``."""
    return repr_of(t).llvm_type(t)


def element_type(t: JType) -> ll.Type:
    """How an array element is stored: as NumPy does (a bool is a byte)."""
    return repr_of(t).memory_type(t)


def is_refcounted(t: JType) -> bool:
    """Whether values of ``t`` hold Python references."""
    return repr_of(t).refcounted(t)


def incref(b: ll.IRBuilder, v: ll.Value, t: JType) -> None:
    if is_refcounted(t):
        repr_of(t).refcount(b, v, t, "Py_IncRef")


def decref(b: ll.IRBuilder, v: ll.Value, t: JType) -> None:
    if is_refcounted(t):
        repr_of(t).refcount(b, v, t, "Py_DecRef")


def truth(b: ll.IRBuilder, v: ll.Value, t: JType) -> ll.Value:
    """Python truthiness of a lowered value of type ``t``."""
    return repr_of(t).truth(b, v, t)


def convert_value(b: ll.IRBuilder, v: ll.Value, src: JType, dst: JType) -> ll.Value:
    """Numeric (and elementwise tuple) conversion of a lowered value; integers wrap."""
    if src == dst:
        return v
    return repr_of(src).convert(b, v, src, dst)


def dispatch_checkable(t: JType) -> bool:
    """Whether the dispatcher can recognize arguments of ``t`` from their Python objects."""
    if isinstance(t, StructType):
        return t.is_concrete
    found = _REPRS.get(type(t))   # abstract types, unions and Bottom have no objects to check
    return found is not None and found.checkable(t)
