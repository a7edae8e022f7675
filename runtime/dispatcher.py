"""The call fast path: generic functions are objects CPython calls through *vectorcall*.

A generic function is an instance of a heap type made here with ``PyType_FromSpec``: a header, a
vectorcall pointer and a ``__dict__``. The pointer is a dispatcher generated in LLVM for that
function: it compares the arguments' Python types (and, for arrays, dtype, ndim and layout)
against every compiled signature and jumps straight into the matching entry point, with no
Python frame, tuple or type object built on the way. A miss calls the Python slow path
(resolution, compilation), as does every call while the pointer is NULL (before anything is
compiled, and between an invalidation and the next rebuild).
"""

from __future__ import annotations

import ctypes
import itertools
import sys
from ctypes import POINTER, Structure, c_char_p, c_int, c_ssize_t, c_uint, c_void_p, py_object

import numpy as np
from llvmlite import ir as ll

from ..lattice import (TYPE_VALUES, ArrayType, FunctionType, Int64, JType, PrimitiveType, PyObjectType,
                               SingletonType, TupleType)

from . import arrays as rt_arrays
from .cpython import declare

__all__ = ["callable_type", "set_vectorcall", "emit_dispatcher", "compile_dispatcher", "fast_checkable"]

VECTORCALL_OFFSET, DICT_OFFSET, BASICSIZE = 16, 24, 32
_TPFLAGS_DEFAULT, _TPFLAGS_HAVE_VECTORCALL = 1 << 18, 1 << 11
_SLOT_CALL, _SLOT_NEW, _SLOT_MEMBERS = 50, 65, 72      # typeslots.h
_T_PYSSIZET, _READONLY = 19, 1                           # structmember.h
_ARGS_OFFSET_MASK = (1 << 63) - 1                        # ~PY_VECTORCALL_ARGUMENTS_OFFSET

I1, I8, I32, I64 = ll.IntType(1), ll.IntType(8), ll.IntType(32), ll.IntType(64)
PTR = I8.as_pointer()


class _Slot(Structure):
    _fields_ = [("slot", c_int), ("pfunc", c_void_p)]


class _Spec(Structure):
    _fields_ = [("name", c_char_p), ("basicsize", c_int), ("itemsize", c_int), ("flags", c_uint),
                ("slots", POINTER(_Slot))]


class _Member(Structure):
    _fields_ = [("name", c_char_p), ("type", c_int), ("offset", c_ssize_t), ("flags", c_int), ("doc", c_char_p)]


_keep: list = []   # the spec records a type points into live as long as the process


def callable_type(name: str, namespace: type) -> type:
    """A new type named ``name`` whose instances are called by vectorcall and have a
    ``__dict__``, with every attribute of the plain class ``namespace`` (methods, properties, a
    Python ``__call__`` used while an instance has no dispatcher)."""
    api = ctypes.pythonapi
    members = (_Member * 3)(_Member(b"__vectorcalloffset__", _T_PYSSIZET, VECTORCALL_OFFSET, _READONLY, None),
                            _Member(b"__dictoffset__", _T_PYSSIZET, DICT_OFFSET, _READONLY, None),
                            _Member(None, 0, 0, 0, None))
    address = lambda fn: ctypes.cast(getattr(api, fn), c_void_p).value  # noqa: E731
    slots = (_Slot * 4)(_Slot(_SLOT_CALL, address("PyVectorcall_Call")),
                        _Slot(_SLOT_MEMBERS, ctypes.cast(members, c_void_p).value),
                        _Slot(_SLOT_NEW, address("PyType_GenericNew")), _Slot(0, None))
    spec = _Spec(name.encode(), BASICSIZE, 0, _TPFLAGS_DEFAULT | _TPFLAGS_HAVE_VECTORCALL, slots)
    _keep.extend((members, slots, spec, spec.name))
    from_spec = api.PyType_FromSpec
    from_spec.restype, from_spec.argtypes = py_object, [POINTER(_Spec)]
    cls = from_spec(ctypes.byref(spec))
    for attr, value in vars(namespace).items():
        if attr not in ("__dict__", "__weakref__", "__module__"):
            setattr(cls, attr, value)
    return cls


def set_vectorcall(obj, address: int | None) -> None:
    """Install a dispatcher (``None``: calls go to the Python ``__call__``)."""
    ctypes.c_void_p.from_address(id(obj) + VECTORCALL_OFFSET).value = address


# --- the generated dispatcher ----------------------------------------------------------------
_PYTHON_TYPES = {"Int64": (int,), "Float64": (float,), "Bool": (bool,), "Complex128": (complex,)}


def fast_checkable(t: JType) -> bool:
    """Whether the dispatcher can recognize arguments of ``t`` from their Python objects."""
    if isinstance(t, TupleType):
        return all(fast_checkable(p) for p in t.params)
    return isinstance(t, (PrimitiveType, ArrayType, PyObjectType, FunctionType, SingletonType))


class _Checks:
    def __init__(self, b: ll.IRBuilder, keepalive: list):
        self.b, self.keepalive = b, keepalive

    def const(self, obj) -> ll.Value:
        self.keepalive.append(obj)
        return I64(id(obj)).inttoptr(PTR)

    def field(self, obj, offset: int, ty) -> ll.Value:
        return self.b.load(self.b.bitcast(self.b.gep(obj, [I64(offset)]), ty.as_pointer()))

    def type_is(self, obj, *classes) -> ll.Value:
        tp = self.field(obj, 8, PTR)
        result = I1(0)
        for cls in classes:
            result = self.b.or_(result, self.b.icmp_unsigned("==", tp, self.const(cls)))
        return result

    def check(self, obj, t: JType) -> ll.Value:
        """Whether ``obj`` has lattice type ``t`` (what ``typeof`` would answer)."""
        b = self.b
        if t is Int64:
            return b.or_(self.type_is(obj, t.dtype.type), self.all_of([lambda: self.type_is(obj, int),
                                                                      lambda: self.small_int(obj)]))
        if isinstance(t, PrimitiveType):
            return self.type_is(obj, *_PYTHON_TYPES.get(t.name, ()), t.dtype.type)
        if isinstance(t, ArrayType):
            return self.array(obj, t)
        if isinstance(t, TupleType):
            return self.tuple(obj, t)
        if isinstance(t, PyObjectType) and issubclass(t.cls, type):
            # Classes are opaque objects, except those that are Type[...] values (int, float...).
            return self.all_of([lambda: self.type_is(obj, t.cls),
                                *(lambda c=c: b.icmp_unsigned("!=", obj, self.const(c)) for c in TYPE_VALUES)])
        if isinstance(t, PyObjectType):
            return self.type_is(obj, t.cls)
        if isinstance(t, FunctionType):
            return b.icmp_unsigned("==", obj, self.const(t.func))
        return b.icmp_unsigned("==", obj, self.const(None))  # Nothing

    def small_int(self, obj) -> ll.Value:
        """An exact ``int`` of at most two 30-bit digits surely fits Int64; larger ones go to the
        slow path, which converts or raises OverflowError as ``typeof`` does."""
        b = self.b
        if sys.version_info >= (3, 12):  # lv_tag: digit count << 3 | sign
            return b.icmp_unsigned("<=", b.lshr(self.field(obj, 16, I64), I64(3)), I64(2))
        return b.icmp_unsigned("<=", b.add(self.field(obj, 16, I64), I64(2)), I64(4))  # |ob_size| <= 2

    def all_of(self, conditions) -> ll.Value:
        """Short-circuit ``and`` of the conditions (callables emitting an i1): a later one may
        read memory that only the earlier ones make safe to read."""
        b = self.b
        done = b.append_basic_block("all.done")
        incoming = []
        for condition in conditions:
            value = condition()
            incoming.append((I1(0), b.block))
            more = b.append_basic_block("all.more")
            b.cbranch(value, more, done)
            b.position_at_end(more)
        incoming.append((I1(1), b.block))
        b.branch(done)
        b.position_at_end(done)
        phi = b.phi(I1)
        for value, block in incoming:
            phi.add_incoming(value, block)
        return phi

    def tuple(self, obj, t: TupleType) -> ll.Value:
        b = self.b
        item = lambda i: self.field(obj, 24 + 8 * i, PTR)  # noqa: E731  (PyTupleObject.ob_item)
        return self.all_of([lambda: self.type_is(obj, tuple),
                            lambda: b.icmp_signed("==", self.field(obj, 16, I64), I64(len(t.params))),
                            *(lambda i=i, p=p: self.check(item(i), p) for i, p in enumerate(t.params))])

    def array(self, obj, t: ArrayType) -> ll.Value:
        b = self.b
        descr = lambda: self.field(obj, 56, PTR)  # noqa: E731  (PyArrayObject.descr)
        flags = lambda: b.and_(self.field(obj, rt_arrays.FLAGS_OFFSET, I32), I32(3))  # noqa: E731
        layout = {"C": lambda: b.icmp_unsigned("!=", b.and_(flags(), I32(1)), I32(0)),
                  "F": lambda: b.icmp_unsigned("==", flags(), I32(2)),
                  "A": lambda: b.icmp_unsigned("==", flags(), I32(0))}[t.layout]
        return self.all_of([
            lambda: self.type_is(obj, np.ndarray),
            lambda: b.icmp_unsigned("==", self.field(descr(), 16, PTR), self.const(t.dtype.dtype.type)),
            lambda: b.icmp_unsigned("!=", self.field(descr(), 26, I8), I8(ord(">"))),  # native order
            lambda: b.icmp_signed("==", self.field(obj, rt_arrays.NDIM_OFFSET, I32), I32(t.ndim)),
            layout])


def emit_dispatcher(module: ll.Module, name: str, cases: list[tuple[tuple[JType, ...], int]], slow,
                    keepalive: list) -> ll.Function:
    """``PyObject *name(callable, args, nargsf, kwnames)``: call the entry point at the address
    of the first case whose signature the arguments have, else ``slow(*args, **kw)``."""
    fnty = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64, PTR])
    f = ll.Function(module, fnty, name)
    _, args, nargsf, kwnames = f.args
    b = ll.IRBuilder(f.append_basic_block("entry"))
    checks = _Checks(b, keepalive)
    nargs = b.and_(nargsf, I64(_ARGS_OFFSET_MASK))
    miss = f.append_basic_block("miss")
    positional = f.append_basic_block("positional")
    b.cbranch(b.icmp_unsigned("==", kwnames, ll.Constant(PTR, None)), positional, miss)
    b.position_at_end(positional)
    entry_type = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64])
    for argtypes, address in cases:
        next_case = f.append_basic_block("next")
        body = f.append_basic_block("case")
        b.cbranch(b.icmp_unsigned("==", nargs, I64(len(argtypes))), body, next_case)
        b.position_at_end(body)
        ok = checks.all_of([lambda i=i, t=t: checks.check(b.load(b.gep(args, [I64(i)])), t)
                            for i, t in enumerate(argtypes)])
        hit = f.append_basic_block("hit")
        b.cbranch(ok, hit, next_case)
        b.position_at_end(hit)
        entry = b.inttoptr(I64(address), entry_type.as_pointer())
        b.ret(b.call(entry, [ll.Constant(PTR, None), args, nargs]))
        b.position_at_end(next_case)
    b.branch(miss)
    b.position_at_end(miss)
    vectorcall = declare(module, "PyObject_Vectorcall")
    b.ret(b.call(vectorcall, [checks.const(slow), args, nargsf, kwnames]))
    return f


_dispatcher_ids = itertools.count()


def compile_dispatcher(func, cases, slow) -> tuple[int, list]:
    """Machine code dispatching calls of ``func`` to the entry points of ``cases`` (signature,
    entry address), else to ``slow``; returns its address and what it keeps alive."""
    from llvmlite import binding as llvm

    from ..spec import COMPILE_LOCK
    from ..targets import host

    from .jit import engine
    target = host()
    with COMPILE_LOCK:
        module = ll.Module(name=f"dispatch.{func.__name__}")
        module.triple, module.data_layout = target.triple, target.datalayout
        name = f"dispatch.{func.__name__}.{next(_dispatcher_ids)}"
        keepalive: list = []
        emit_dispatcher(module, name, cases, slow, keepalive)
        module_ref = llvm.parse_assembly(str(module))
        target.optimize(module_ref, 2)
        eng = engine(target)
        eng.add(module_ref)
        return eng.function_address(name), keepalive
