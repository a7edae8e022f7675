"""Lowering rules for array operations (the ``Prim``s ``arrays`` produces) and array stores.

An array value is the struct ``{owner, data, shape[N], strides[N], writeable}`` (strides in
bytes, as NumPy's). Element addresses of C and F arrays are computed from the shape alone, so
LLVM sees unit-stride accesses in inner loops; 'A' arrays use the strides. Indices are
normalized as Python's (negative counts from the end) and, unless the function was compiled
with ``boundscheck=False``, checked: an ``IndexError`` names the index, the axis and its size.
Every rule that returns an array returns a new reference to its owner.
"""

from __future__ import annotations

import math

import numpy as np

from llvmlite import ir as ll

from .. import ir
from ..array_calls import NEWAXIS, SLICE
from ..errors import CompileError
from ..lattice import ArrayType, Int64, JType
from ..runtime import arrays as rt
from ..runtime.cpython import declare
from ..runtime.exceptions import register_site
from .abi import I1, I32, I64, PTR, PYERR
from .reprs import (DATA, OWNER, SHAPE, STRIDES, WRITEABLE, convert_value, element_type, llvm_type, repr_of,
                    shape_of, strides_of, struct_from_ndarray)

__all__ = ["ARRAY_RULES", "store_element", "normalize", "shape_of", "make_array"]

def normalize(fl, i: ll.Value, n: ll.Value, axis: int, node: ir.Expr) -> ll.Value:
    """Python's index rule (``-1`` is the last element), bounds-checked unless disabled or
    proved in bounds by loop versioning (``bce``)."""
    b = fl.b
    if id(node) in fl.unchecked:
        return i
    j = b.select(b.icmp_signed("<", i, I64(0)), b.add(i, n), i)
    if fl.options.get("boundscheck", True):
        fl.check(b.icmp_unsigned(">=", j, n), IndexError, "index {} is out of bounds for axis {} with size {}",
                 node.loc, [i, I64(axis), n], ("i", "i", "i"))
    return j


def element_pointer(fl, arr, t: ArrayType, indices: list[ll.Value]) -> ll.Value:
    b = fl.b
    data = b.extract_value(arr, DATA)
    if not indices:
        return data
    if t.layout in ("C", "F"):
        shape = shape_of(b, arr, t)
        order = range(t.ndim) if t.layout == "C" else range(t.ndim - 1, -1, -1)
        offset = None
        for k in order:
            offset = indices[k] if offset is None else b.add(b.mul(offset, shape[k]), indices[k])
        return b.gep(data, [offset], inbounds=True)
    byte = None
    for i, s in zip(indices, strides_of(b, arr, t)):
        term = b.mul(i, s)
        byte = term if byte is None else b.add(byte, term)
    raw = b.gep(b.bitcast(data, PTR), [byte], inbounds=True)
    return b.bitcast(raw, data.type)


def load_element(b, ptr, dtype: JType) -> ll.Value:
    return repr_of(dtype).from_memory(b, b.load(ptr), dtype)


def store_element(fl, arr, t: ArrayType, indices: list[ll.Value], value: ll.Value, loc) -> None:
    check_writeable(fl, arr, loc)
    fl.b.store(_stored(fl.b, value, t), element_pointer(fl, arr, t, indices))


def check_writeable(fl, arr, loc) -> None:
    fl.check(fl.b.not_(fl.b.extract_value(arr, WRITEABLE)), ValueError,
             "assignment destination is read-only", loc)


# --- rules -----------------------------------------------------------------------------------
def _getitem(fl, e, args):
    arr, *idx = args
    t = e.args[0].type
    shape = shape_of(fl.b, arr, t)
    indices = [normalize(fl, i, shape[k], k, e.args[k + 1]) for k, i in enumerate(idx)]
    return load_element(fl.b, element_pointer(fl, arr, t, indices), t.dtype)


def _flat(fl, e, args):
    """Element ``i`` of the array in its memory order when it is contiguous (C or F: the flat
    offset itself, the order NumPy's reductions take), else in C order (the index unraveled
    over the shape). The library's loops over every element use it and keep ``i`` in range."""
    b, (arr, i) = fl.b, args
    t = e.args[0].type
    data = b.extract_value(arr, DATA)
    if t.ndim == 0:
        return load_element(b, data, t.dtype)
    if t.layout in ("C", "F"):
        return load_element(b, b.gep(data, [i], inbounds=True), t.dtype)
    shape = shape_of(b, arr, t)
    indices = []
    for k in range(t.ndim - 1, 0, -1):
        indices.append(b.urem(i, shape[k]))
        i = b.udiv(i, shape[k])
    indices.append(i)
    return load_element(b, element_pointer(fl, arr, t, indices[::-1]), t.dtype)


def _at(fl, e, args):
    """An element at indices the library keeps in range: no normalizing, no check."""
    arr, *idx = args
    return load_element(fl.b, element_pointer(fl, arr, e.args[0].type, idx), e.type)


def _setflat(fl, e, args):
    """Store element ``i`` of a contiguous array in its memory order (``flat``'s counterpart)."""
    b, (arr, i, value) = fl.b, args
    t = e.args[0].type
    check_writeable(fl, arr, e.loc)
    data = b.extract_value(arr, DATA)
    b.store(_stored(b, value, t), data if t.ndim == 0 else b.gep(data, [i], inbounds=True))
    return ll.Constant(llvm_type(e.type), None)


def _broadcast_view(fl, e, args):
    """``np.broadcast_to``: the source's axes aligned to the shape's last ones; an axis whose
    length differs from the shape's (a 1, checked by the caller) and each new leading axis
    repeat with stride 0. Read-only, as NumPy's."""
    b, (arr, shape_tuple) = fl.b, args
    t = e.args[0].type
    nd = e.type.ndim
    shape = [b.extract_value(shape_tuple, k) for k in range(nd)]
    src_shape, src_strides = shape_of(b, arr, t), strides_of(b, arr, t)
    strides = [I64(0)] * (nd - t.ndim)
    for k in range(t.ndim):
        same = b.icmp_signed("==", src_shape[k], shape[nd - t.ndim + k])
        strides.append(b.select(same, src_strides[k], I64(0)))
    return make_array(fl, e.type, b.extract_value(arr, OWNER), b.extract_value(arr, DATA), shape, strides, I1(0))


def _strided_view(fl, e, args):
    """A view at a byte offset with the given shape and byte strides (the library's shape
    functions compute them inside the array's memory)."""
    b, (arr, shape_tuple, strides_tuple, offset) = fl.b, args
    nd = e.type.ndim
    shape = [b.extract_value(shape_tuple, k) for k in range(nd)]
    strides = [b.extract_value(strides_tuple, k) for k in range(nd)]
    return make_array(fl, e.type, b.extract_value(arr, OWNER), _offset(b, arr, offset), shape, strides,
                      b.extract_value(arr, WRITEABLE))


def _contiguous_view(fl, e, args):
    """A C-contiguous array's elements at another shape (the caller checked the size)."""
    b, (arr, shape_tuple) = fl.b, args
    shape = [b.extract_value(shape_tuple, k) for k in range(e.type.ndim)]
    strides, step = [], I64(np.dtype(e.type.dtype.dtype).itemsize)
    for n in reversed(shape):
        strides.insert(0, step)
        step = b.mul(step, n)
    return make_array(fl, e.type, b.extract_value(arr, OWNER), b.extract_value(arr, DATA), shape, strides,
                      b.extract_value(arr, WRITEABLE))


def _offset(b, arr, offset: ll.Value) -> ll.Value:
    """The array's data pointer moved by ``offset`` bytes."""
    data = b.extract_value(arr, DATA)
    return b.bitcast(b.gep(b.bitcast(data, PTR), [offset], inbounds=True), data.type)


def _strides(fl, e, args):
    b, (arr,) = fl.b, args
    agg = ll.Constant(llvm_type(e.type), None)
    for k, s in enumerate(strides_of(b, arr, e.args[0].type)):
        agg = b.insert_value(agg, s, k)
    return agg


def _extent(b, arr, t: ArrayType):
    """The byte addresses [lo, hi) an array's elements lie in, and whether it has none."""
    lo = hi = b.ptrtoint(b.extract_value(arr, DATA), I64)
    empty = I1(0)
    for n, s in zip(shape_of(b, arr, t), strides_of(b, arr, t)):
        span = b.mul(b.sub(n, I64(1)), s)
        negative = b.icmp_signed("<", span, I64(0))
        lo = b.add(lo, b.select(negative, span, I64(0)))
        hi = b.add(hi, b.select(negative, I64(0), span))
        empty = b.or_(empty, b.icmp_signed("==", n, I64(0)))
    return lo, b.add(hi, I64(np.dtype(t.dtype.dtype).itemsize)), empty


def _is_writeable(fl, e, args):
    return fl.b.extract_value(args[0], WRITEABLE)


def _unsafe_alias(fl, e, args):
    """Overlapping memory, unless laid out identically (each element read just before it is
    written)."""
    b, (x, out) = fl.b, args
    xt, ot = e.args[0].type, e.args[1].type
    (xlo, xhi, xempty), (olo, ohi, oempty) = _extent(b, x, xt), _extent(b, out, ot)
    overlap = b.and_(b.icmp_unsigned("<", xlo, ohi), b.icmp_unsigned("<", olo, xhi))
    overlap = b.and_(overlap, b.not_(b.or_(xempty, oempty)))
    if xt.ndim != ot.ndim or xt.dtype != ot.dtype:
        return overlap
    same = b.icmp_unsigned("==", b.ptrtoint(b.extract_value(x, DATA), I64), b.ptrtoint(b.extract_value(out, DATA), I64))
    for xs, os_ in zip(shape_of(b, x, xt) + strides_of(b, x, xt), shape_of(b, out, ot) + strides_of(b, out, ot)):
        same = b.and_(same, b.icmp_signed("==", xs, os_))
    return b.and_(overlap, b.not_(same))


def _slice(fl, e, args):
    agg = ll.Constant(ll.LiteralStructType([I64, I64, I64]), None)
    for k, (part, v) in enumerate(zip(e.args, args)):
        if part.type != SLICE:
            agg = fl.b.insert_value(agg, v, k)
    return agg


def _view(fl, e, args):
    """Basic indexing: integers drop an axis, slices keep it with a new length and stride, a
    new axis (None) has length 1."""
    b = fl.b
    arr, *parts = args
    t, result_t = e.args[0].type, e.type
    shape, strides = shape_of(b, arr, t), strides_of(b, arr, t)
    offset = I64(0)
    new_shape, new_strides = [], []
    k = 0   # the axis of the array the next part indexes
    for node, part in zip(e.args[1:], parts):
        if node.type == NEWAXIS:
            new_shape.append(I64(1))
            new_strides.append(I64(0))
            continue
        if node.type != SLICE:
            i = normalize(fl, part, shape[k], k, node)
            offset = b.add(offset, b.mul(i, strides[k]))
        else:
            start, length, step = _slice_bounds(fl, node, part, shape[k])
            offset = b.add(offset, b.mul(start, strides[k]))
            new_shape.append(length)
            new_strides.append(b.mul(strides[k], step))
        k += 1
    new_shape += shape[k:]
    new_strides += strides[k:]
    return make_array(fl, result_t, b.extract_value(arr, OWNER), _offset(b, arr, offset), new_shape, new_strides,
                      b.extract_value(arr, WRITEABLE))


def _slice_bounds(fl, node: ir.Prim, value, n):
    """``PySlice_AdjustIndices``: (start, length, step) of ``lower:upper:step`` on ``n``."""
    b = fl.b
    lower, upper, step_node = node.args
    if step_node.type == SLICE:
        step = I64(1)
    else:
        step = b.extract_value(value, 2)
        fl.check(b.icmp_signed("==", step, I64(0)), ValueError, "slice step cannot be zero", step_node.loc)
    negative = b.icmp_signed("<", step, I64(0))

    def clamp(v, default_pos, default_neg, present):
        if not present:
            return b.select(negative, default_neg, default_pos)
        v = b.select(b.icmp_signed("<", v, I64(0)), b.add(v, n), v)
        low = b.select(negative, I64(-1), I64(0))
        high = b.select(negative, b.sub(n, I64(1)), n)
        v = b.select(b.icmp_signed("<", v, I64(0)), low, v)
        return b.select(b.icmp_signed(">=", v, n), high, v)

    start = clamp(b.extract_value(value, 0), I64(0), b.sub(n, I64(1)), lower.type != SLICE)
    stop = clamp(b.extract_value(value, 1), n, I64(-1), upper.type != SLICE)
    # As for range(): unsigned division, so no step (not even -2**63) overflows.
    up = b.add(b.udiv(b.sub(b.sub(stop, start), I64(1)), step), I64(1))
    down = b.add(b.udiv(b.sub(b.sub(start, stop), I64(1)), b.neg(step)), I64(1))
    length = b.select(negative, b.select(b.icmp_signed("<", stop, start), down, I64(0)),
                      b.select(b.icmp_signed("<", start, stop), up, I64(0)))
    return start, length, step


def make_array(fl, t: ArrayType, owner, data, shape, strides, writeable) -> ll.Value:
    """A new array struct sharing ``owner`` (whose reference count it takes one of)."""
    b = fl.b
    agg = ll.Constant(llvm_type(t), None)
    agg = b.insert_value(agg, owner, OWNER)
    agg = b.insert_value(agg, data, DATA)
    for k, (n, s) in enumerate(zip(shape, strides)):
        agg = b.insert_value(agg, n, [SHAPE, k])
        agg = b.insert_value(agg, s, [STRIDES, k])
    agg = b.insert_value(agg, writeable, WRITEABLE)
    fl.incref(agg, t)
    return agg


def _shape(fl, e, args):
    b, (arr,) = fl.b, args
    agg = ll.Constant(llvm_type(e.type), None)
    for k, n in enumerate(shape_of(b, arr, e.args[0].type)):
        agg = b.insert_value(agg, n, k)
    return agg


def _size(fl, e, args):
    b, (arr,) = fl.b, args
    size = I64(1)
    for n in shape_of(b, arr, e.args[0].type):
        size = b.mul(size, n)
    return size


def _transpose(fl, e, args):
    b, (arr,) = fl.b, args
    t = e.args[0].type
    shape, strides = shape_of(b, arr, t), strides_of(b, arr, t)
    return make_array(fl, e.type, b.extract_value(arr, OWNER), b.extract_value(arr, DATA), shape[::-1],
                 strides[::-1], b.extract_value(arr, WRITEABLE))


# --- allocation ------------------------------------------------------------------------------
def allocate(fl, t: ArrayType, shape: list[ll.Value], zeros: bool, loc) -> ll.Value:
    """A new NumPy array (through ``dispatchjit.runtime.arrays.allocate``), as an owned struct."""
    b = fl.b
    if not fl.mb.target.python_objects:
        raise CompileError("cannot create an array in a GPU kernel", loc,
                           hint="allocate it on the host (or the device) and pass it in")
    if fl.mb.nogil:
        raise CompileError("cannot create an array in a function compiled with nogil=True: allocation "
                           "needs the GIL", loc, hint="allocate the array outside and pass it in")
    # NumPy's PyArray_Empty/PyArray_Zeros, as np.empty/np.zeros; where NumPy refuses (a negative
    # dimension, no memory) the request goes again through dispatchjit.runtime.arrays.allocate,
    # which raises NumPy's error at the user's line.
    dims = fl.alloca(ll.ArrayType(I64, max(t.ndim, 1)), "alloc.dims")
    for k, n in enumerate(shape):
        b.store(n, b.gep(dims, [I32(0), I32(k)]))
    descr = fl.mb.object_ref(b, t.dtype.dtype)
    b.call(declare(b.module, "Py_IncRef"), [descr])   # the call steals it
    make = declare(b.module, "PyArray_Zeros" if zeros else "PyArray_Empty")
    fast = b.call(make, [I32(t.ndim), b.bitcast(dims, I64.as_pointer()), descr, I32(int(t.layout == "F"))])
    made = b.block
    with b.if_then(b.icmp_unsigned("==", fast, ll.Constant(PTR, None)), likely=False):
        b.call(declare(b.module, "PyErr_Clear"), [])
        again = _allocate_in_python(fl, t, shape, zeros, loc)   # raises, unless memory came free since
        retried = b.block
    obj = b.phi(PTR)
    obj.add_incoming(fast, made)
    obj.add_incoming(again, retried)
    return struct_from_ndarray(b, obj, t, writeable=I1(1))


def _allocate_in_python(fl, t: ArrayType, shape: list[ll.Value], zeros: bool, loc) -> ll.Value:
    """The allocation NumPy refused, asked again of ``runtime.arrays.allocate``, which raises
    NumPy's error at the user's line (the raise site's)."""
    b = fl.b
    request = fl.alloca(ll.ArrayType(I64, 6 + t.ndim), "alloc.request")
    site = register_site(MemoryError, None, loc)  # only its location is used, for NumPy's errors
    code = rt.dtype_code(t.dtype)
    head = [I64(rt.ZEROS if zeros else rt.EMPTY), I64(code), I64(int(t.layout == "F")),
            I64(t.ndim), fl.mb.site_ref(b, site)]
    dtype = [b.ptrtoint(fl.mb.object_ref(b, t.dtype.dtype), I64)] if code < 0 else []
    for k, v in enumerate(head + list(shape) + dtype):
        b.store(v, b.gep(request, [I32(0), I32(k)]))
    return call_python(fl, rt.allocate, b.bitcast(request, PTR))


def call_python(fl, fn, pointer: ll.Value) -> ll.Value:
    """``fn(address)`` for a Python function of one address; its exception propagates."""
    b, module = fl.b, fl.mb.module
    callee = fl.mb.object_ref(b, fn)
    address = b.call(declare(module, "PyLong_FromVoidPtr"), [pointer])
    result = b.call(declare(module, "PyObject_CallOneArg"), [callee, address])
    b.call(declare(module, "Py_DecRef"), [address])
    with b.if_then(b.icmp_unsigned("==", result, ll.Constant(PTR, None)), likely=False):
        fl.fail(PYERR)  # a Python exception is set already
    return result


def _alloc_rule(zeros: bool):
    def rule(fl, e, args):
        return allocate(fl, e.type, list(args), zeros, e.loc)
    return rule


# --- loops over every element ----------------------------------------------------------------
def for_each_index(fl, shape: list[ll.Value], body) -> None:
    """Emit nested loops over ``shape`` (last axis innermost), calling ``body(indices)``."""
    b = fl.b
    if not shape:
        body([])
        return
    counters = [fl.alloca(I64, f"nd.{k}") for k in range(len(shape))]

    def level(k):
        b.store(I64(0), counters[k])
        cond, loop, done = (fl.new_block(f"nd{k}.{n}") for n in ("cond", "body", "end"))
        b.branch(cond)
        b.position_at_end(cond)
        b.cbranch(b.icmp_signed("<", b.load(counters[k]), shape[k]), loop, done)
        b.position_at_end(loop)
        if k + 1 < len(shape):
            level(k + 1)
        else:
            body([b.load(c) for c in counters])
        b.store(b.add(b.load(counters[k]), I64(1)), counters[k])
        b.branch(cond)
        b.position_at_end(done)

    level(0)


def _fill(fl, e, args):
    b, (arr, value) = fl.b, args
    t = e.args[0].type
    check_writeable(fl, arr, e.loc)
    for_each_index(fl, shape_of(b, arr, t),
                   lambda idx: b.store(_stored(b, value, t), element_pointer(fl, arr, t, idx)))
    return ll.Constant(llvm_type(e.type), None)


def _stored(b, value, t: ArrayType):
    return repr_of(t.dtype).to_memory(b, value, t.dtype)


def _filled(fl, e, args):
    b, (arr, value) = fl.b, args
    t = e.type
    for_each_index(fl, shape_of(b, arr, t),
                   lambda idx: b.store(_stored(b, value, t), element_pointer(fl, arr, t, idx)))
    fl.incref(arr, t)  # the result is a new reference; the argument's is released after
    return arr


def _copy(fl, e, args):
    b, (src,) = fl.b, args
    st, dt = e.args[0].type, e.type
    shape = shape_of(b, src, st)
    dst = allocate(fl, dt, shape, False, e.loc)

    def body(idx):
        b.store(b.load(element_pointer(fl, src, st, idx)), element_pointer(fl, dst, dt, idx))

    for_each_index(fl, shape, body)
    return dst


def _arange(fl, e, args):
    """``np.arange``: ceil((stop - start) / step) elements, start + k*step each."""
    b, (start, stop, step) = fl.b, args
    t = e.type
    if start.type == I64:
        fl.check(b.icmp_signed("==", step, I64(0)), ValueError, "arange: step must not be zero", e.loc)
        count = fl.trip_count(start, stop, step, e.args[2])
    else:
        fl.check(b.fcmp_ordered("==", step, ll.Constant(step.type, 0.0)), ValueError,
                 "arange: step must not be zero", e.loc)
        ceil = fl.mb.target.math_function(fl.mb.module, "ceil", step.type)
        span = b.call(ceil, [b.fdiv(b.fsub(stop, start), step)])
        count = b.fptosi(b.select(b.fcmp_ordered(">", span, ll.Constant(span.type, 0.0)), span,
                                  ll.Constant(span.type, 0.0)), I64)
    arr = allocate(fl, t, [count], False, e.loc)
    work = e.args[0].type

    def body(idx):
        (k,) = idx
        if start.type == I64:
            value = b.add(start, b.mul(k, step))
        else:
            value = b.fadd(start, b.fmul(b.sitofp(k, step.type), step))
        if work.kind == "float" and t.dtype.kind in ("int", "uint", "bool"):
            value, work_t = b.fptosi(value, I64), Int64  # NumPy truncates
        else:
            work_t = work
        b.store(_stored(b, convert_value(b, value, work_t, t.dtype), t), element_pointer(fl, arr, t, [k]))

    for_each_index(fl, [count], body)
    return arr


def _uint_index(fl, e, args):
    (i,) = args
    fl.check(fl.b.icmp_signed("<", i, I64(0)), IndexError, "index {} is out of bounds", e.loc, [i], ("u",))
    return i


# --- GPU kernels: shared memory and atomics ---------------------------------------------------
def _shared_array(fl, e, args):
    """The block's shared memory for this call site, laid out at compile time; where it lives
    is the target's business (``Target.shared_memory``)."""
    t = e.type
    dims = [a.value for a in e.args]
    itemsize = max(t.dtype.bits // 8, 1)
    data = fl.mb.target.shared_memory(fl, e, element_type(t.dtype), math.prod(dims), itemsize)
    strides = [math.prod(dims[k + 1:]) * itemsize for k in range(len(dims))]
    return make_array(fl, t, ll.Constant(PTR, None), data, [I64(n) for n in dims], [I64(s) for s in strides], I1(1))


def _atomic(op: str):
    def rule(fl, e, args):
        arr, *idx, value = args
        t = e.args[0].type
        shape = shape_of(fl.b, arr, t)
        indices = [normalize(fl, i, shape[k], k, e.args[k + 1]) for k, i in enumerate(idx)]
        check_writeable(fl, arr, e.loc)
        kind = t.dtype.kind
        llvm_op = {"add": "fadd" if kind == "float" else "add",
                   "max": "max" if kind == "int" else "umax", "min": "min" if kind == "int" else "umin"}[op]
        return fl.b.atomic_rmw(llvm_op, element_pointer(fl, arr, t, indices), value, "monotonic")
    return rule


ARRAY_RULES = {
    "uint_index": _uint_index,
    "getitem": _getitem, "flat": _flat, "setflat": _setflat, "at": _at, "broadcast_view": _broadcast_view,
    "strided_view": _strided_view, "contiguous_view": _contiguous_view, "strides": _strides, "unsafe_alias": _unsafe_alias, "is_writeable": _is_writeable, "slice": _slice, "view": _view, "shape": _shape, "size": _size,
    "transpose": _transpose, "empty": _alloc_rule(False), "zeros": _alloc_rule(True), "fill": _fill,
    "filled": _filled, "copy": _copy, "arange": _arange,
    "cuda.shared.array": _shared_array, "cuda.atomic.add": _atomic("add"), "cuda.atomic.max": _atomic("max"),
    "cuda.atomic.min": _atomic("min"),
}
