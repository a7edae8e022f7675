"""The CPython boundary: entry points that take Python objects, unbox them into machine values,
call a compiled specialization and box its result.

An entry point has CPython's ``METH_FASTCALL`` signature,

    PyObject *entry(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

so the loader can expose it as a real builtin function: a call from Python goes straight into
machine code with no ctypes conversion. Unboxing uses the C API's own converters
(``PyFloat_AsDouble`` accepts float subclasses and NumPy scalars alike) and checks their error
returns, so a wrong argument becomes a Python exception, never a crash. When the compiled code
reports an exception, the entry point hands its ``ExcInfo`` to ``raise_from_excinfo``.
"""

from __future__ import annotations


from llvmlite import ir as ll

from ..lower_arrays import box_record, struct_from_ndarray
from ..lower_llvm import EXCINFO, F32, F64, I32, I64, PTR, STATUS, decref, llvm_type
from ..lattice import (ArrayType, FunctionType, JType, PrimitiveType, PyObjectType,
                               SingletonType, TupleType, TypeType, Val, ValType)

from . import arrays, exceptions
from .cpython import declare

__all__ = ["emit_entry"]

class _Entry:
    def __init__(self, mb):
        self.mb, self.module = mb, mb.module

    def call(self, name: str, *args) -> ll.Value:
        return self.b.call(declare(self.module, name), list(args))

    def object_constant(self, obj) -> ll.Value:
        """A pointer to ``obj``, kept alive as long as the compiled code."""
        return self.mb.object_ref(self.b, obj)

    def fail_if(self, cond: ll.Value):
        with self.b.if_then(cond, likely=False):
            self.b.ret(ll.Constant(PTR, None))

    def fail_if_error(self, value: ll.Value, sentinel: ll.Constant):
        """C API converters return a sentinel on error *or* for that value: ask PyErr_Occurred."""
        b = self.b
        maybe = b.fcmp_ordered("==", value, sentinel) if value.type in (F32, F64) else b.icmp_signed("==", value, sentinel)
        with b.if_then(maybe, likely=False):
            err = self.call("PyErr_Occurred")
            self.fail_if(b.icmp_unsigned("!=", err, ll.Constant(PTR, None)))

    # --- unboxing ------------------------------------------------------------------------
    def unbox(self, obj: ll.Value, t: JType) -> ll.Value:
        b = self.b
        if isinstance(t, PrimitiveType):
            if t.kind == "bool":
                v = self.call("PyObject_IsTrue", obj)
                self.fail_if(b.icmp_signed("<", v, I32(0)))
                return b.icmp_signed("!=", v, I32(0))
            if t.kind == "uint" and t.bits == 64:
                return self.unbox_uint64(obj)
            if t.kind in ("int", "uint"):
                v = self.call("PyLong_AsLongLong", obj)
                self.fail_if_error(v, I64(-1))
                return b.trunc(v, llvm_type(t)) if t.bits < 64 else v
            if t.kind == "float":
                v = self.unbox_float(obj)
                return b.fptrunc(v, llvm_type(t)) if t.bits < 64 else v
            # Before 3.13 the C API reads NumPy complex scalars as reals: go through complex().
            pycomplex = self.call("PyObject_CallOneArg", self.object_constant(complex), obj)
            self.fail_if(b.icmp_unsigned("==", pycomplex, ll.Constant(PTR, None)))
            re = self.call("PyComplex_RealAsDouble", pycomplex)
            im = self.call("PyComplex_ImagAsDouble", pycomplex)
            self.call("Py_DecRef", pycomplex)
            ty = llvm_type(t)
            if t.bits == 64:
                re, im = b.fptrunc(re, F32), b.fptrunc(im, F32)
            return b.insert_value(b.insert_value(ll.Constant(ty, None), re, 0), im, 1)
        if isinstance(t, TupleType):
            agg = ll.Constant(llvm_type(t), None)
            for i, p in enumerate(t.params):
                item = self.call("PyTuple_GetItem", obj, I64(i))
                self.fail_if(b.icmp_unsigned("==", item, ll.Constant(PTR, None)))
                agg = b.insert_value(agg, self.unbox(item, p), i)
            return agg
        if isinstance(t, ArrayType):
            return struct_from_ndarray(b, obj, t)  # borrowed: the caller's argument keeps it alive
        if isinstance(t, PyObjectType):
            return obj  # borrowed: the caller's argument keeps it alive for the call
        return ll.Constant(llvm_type(t), None)

    def unbox_float(self, obj: ll.Value) -> ll.Value:
        """An exact ``float`` is read in place (``ob_fval``); anything else goes through
        ``PyFloat_AsDouble`` (float subclasses, NumPy scalars)."""
        b = self.b
        exact = b.icmp_unsigned("==", b.load(b.bitcast(b.gep(obj, [I64(8)]), PTR.as_pointer())),
                                self.object_constant(float))
        with b.if_else(exact, likely=True) as (inline, general):
            with inline:
                fast = b.load(b.bitcast(b.gep(obj, [I64(16)]), F64.as_pointer()))
                fast_block = b.block
            with general:
                slow = self.call("PyFloat_AsDouble", obj)
                self.fail_if_error(slow, F64(-1.0))
                slow_block = b.block
        v = b.phi(F64)
        v.add_incoming(fast, fast_block)
        v.add_incoming(slow, slow_block)
        return v

    def unbox_uint64(self, obj: ll.Value) -> ll.Value:
        # PyLong_AsUnsignedLongLong takes only exact ints: go through __index__ (NumPy scalars).
        b = self.b
        index = self.call("PyNumber_Index", obj)
        self.fail_if(b.icmp_unsigned("==", index, ll.Constant(PTR, None)))
        v = self.call("PyLong_AsUnsignedLongLong", index)
        self.call("Py_DecRef", index)
        self.fail_if_error(v, I64(-1))
        return v

    # --- boxing --------------------------------------------------------------------------
    def box(self, v: ll.Value, t: JType) -> ll.Value:
        """A new reference to the Python object for ``v`` (NULL with an exception set on failure)."""
        b = self.b
        if isinstance(t, PrimitiveType):
            return self.box_number(v, t)
        if isinstance(t, TupleType):
            tup = self.call("PyTuple_New", I64(len(t.params)))
            self.fail_if(b.icmp_unsigned("==", tup, ll.Constant(PTR, None)))
            for i, p in enumerate(t.params):
                item = self.box(b.extract_value(v, i), p)
                with b.if_then(b.icmp_unsigned("==", item, ll.Constant(PTR, None)), likely=False):
                    self.call("Py_DecRef", tup)
                    b.ret(ll.Constant(PTR, None))
                self.call("PyTuple_SetItem", tup, I64(i), item)  # steals the reference
            return tup
        if isinstance(t, ArrayType):
            record = box_record(b, v, t, b.alloca)
            address = self.call("PyLong_FromVoidPtr", record)
            self.fail_if(b.icmp_unsigned("==", address, ll.Constant(PTR, None)))
            boxed = self.call("PyObject_CallOneArg", self.object_constant(arrays.box), address)
            self.call("Py_DecRef", address)
            return boxed
        if isinstance(t, PyObjectType):
            self.call("Py_IncRef", v)
            return v
        if isinstance(t, FunctionType):
            return self.new_ref(t.func)
        if isinstance(t, ValType):
            return self.new_ref(Val(t.param.value))
        if isinstance(t, TypeType):
            return self.new_ref(t.param)
        if isinstance(t, SingletonType):
            return self.new_ref(None)
        return self.new_ref(None)  # Bottom: never reached, the call raised

    def new_ref(self, obj) -> ll.Value:
        p = self.object_constant(obj)
        self.call("Py_IncRef", p)
        return p

    def box_number(self, v: ll.Value, t: PrimitiveType) -> ll.Value:
        b = self.b
        if t.kind == "bool":
            return self.call("PyBool_FromLong", b.zext(v, I64))
        if t.kind in ("int", "uint"):
            wide = v if t.bits == 64 else (b.sext(v, I64) if t.kind == "int" else b.zext(v, I64))
            name = "PyLong_FromUnsignedLongLong" if t.kind == "uint" else "PyLong_FromLongLong"
            return self.as_numpy_scalar(self.call(name, wide), t)
        if t.kind == "float":
            return self.as_numpy_scalar(self.call("PyFloat_FromDouble", b.fpext(v, F64) if t.bits < 64 else v), t)
        re, im = b.extract_value(v, 0), b.extract_value(v, 1)
        if t.bits == 64:
            re, im = b.fpext(re, F64), b.fpext(im, F64)
        return self.as_numpy_scalar(self.call("PyComplex_FromDoubles", re, im), t)

    def as_numpy_scalar(self, pyobj: ll.Value, t: PrimitiveType) -> ll.Value:
        """Results keep their type: an Int32 comes back as ``numpy.int32``, not a Python int."""
        if t.pytype in (int, float, bool, complex):
            return pyobj
        b = self.b
        self.fail_if(b.icmp_unsigned("==", pyobj, ll.Constant(PTR, None)))
        scalar = self.call("PyObject_CallOneArg", self.object_constant(t.pytype), pyobj)
        self.call("Py_DecRef", pyobj)
        return scalar


def emit_entry(mb, callee: ll.Function, argtypes: tuple[JType, ...], nfixed: int | None,
               return_type: JType, name: str, release_gil: bool = False) -> ll.Function:
    """Emit the entry point ``name`` calling ``callee`` on Python arguments of ``argtypes``; for a
    vararg method (``nfixed`` fixed parameters) the arguments after those are packed into the
    trailing tuple ``callee`` takes. It also counts its calls in the global ``name.calls``."""
    module = mb.module
    e = _Entry(mb)
    fnty = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64])
    f = ll.Function(module, fnty, name)
    e.b = b = ll.IRBuilder(f.append_basic_block("entry"))
    counter = ll.GlobalVariable(module, I64, f"{name}.calls")
    counter.initializer = I64(0)
    b.store(b.add(b.load(counter), I64(1)), counter)

    _, args, nargs = f.args
    with b.if_then(b.icmp_signed("!=", nargs, I64(len(argtypes))), likely=False):
        text = f"this specialization takes {len(argtypes)} arguments\0".encode()
        message = ll.GlobalVariable(module, ll.ArrayType(ll.IntType(8), len(text)), f"{name}.nargs_message")
        message.initializer = ll.Constant(message.type.pointee, bytearray(text))
        message.global_constant, message.linkage = True, "internal"
        e.call("PyErr_SetString", e.object_constant(TypeError), b.bitcast(message, PTR))
        b.ret(ll.Constant(PTR, None))
    values = [e.unbox(b.load(b.gep(args, [I64(i)])), t) for i, t in enumerate(argtypes)]
    if nfixed is not None:
        rest = ll.Constant(llvm_type(TupleType(argtypes[nfixed:])), None)
        for i, v in enumerate(values[nfixed:]):
            rest = b.insert_value(rest, v, i)
        values = values[:nfixed] + [rest]

    ret = b.alloca(llvm_type(return_type))
    excinfo = b.alloca(EXCINFO)
    stack_limit = b.sub(b.ptrtoint(excinfo, I64), I64(exceptions.STACK_BUDGET))
    b.store(stack_limit, b.gep(excinfo, [I32(0), I32(2)]))
    if release_gil:  # other Python threads run while the machine code does
        thread_state = e.call("PyEval_SaveThread")
        status = b.call(callee, [ret, excinfo, *values])
        e.call("PyEval_RestoreThread", thread_state)
    else:
        status = b.call(callee, [ret, excinfo, *values])
    with b.if_then(b.icmp_signed("==", status, STATUS(2)), likely=False):
        b.ret(ll.Constant(PTR, None))  # a Python exception is already set
    with b.if_then(b.icmp_signed("!=", status, STATUS(0)), likely=False):
        raiser = e.object_constant(exceptions.raise_from_excinfo)
        address = e.call("PyLong_FromVoidPtr", b.bitcast(excinfo, PTR))
        e.fail_if(b.icmp_unsigned("==", address, ll.Constant(PTR, None)))
        result = e.call("PyObject_CallOneArg", raiser, address)
        e.call("Py_DecRef", address)
        with b.if_then(b.icmp_unsigned("!=", result, ll.Constant(PTR, None))):
            e.call("Py_DecRef", result)  # the raiser always raises; never leak if it did not
        b.ret(ll.Constant(PTR, None))
    result = b.load(ret)
    boxed = e.box(result, return_type)
    decref(b, result, return_type)  # compiled code returned its own reference
    b.ret(boxed)
    return f

