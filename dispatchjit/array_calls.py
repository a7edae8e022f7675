"""Typing rules for NumPy arrays in compiled code: indexing, slicing, attributes, methods and the
array constructors. Like ``builtins``, each rule returns typed IR built from ``Prim`` operations,
which ``lowering.arrays`` implements.

Layout is part of the type (``Array[Float64, 2, C]``) because it decides how an element's
address is computed: for C and F arrays from the shape alone, so LLVM sees unit strides and
vectorizes; for any-stride ('A') arrays from the strides. A view keeps its base's layout only
when it is provably still contiguous in that order.
"""

from __future__ import annotations

import numpy as np

from . import ir, library
from . import kernel_lang
from .errors import TypingError
from .lattice import (ArrayType, Bool, Bottom, Float64, Int64, JType, Nothing, PrimitiveType, SingletonType,
                      StructType, TupleType, TypeType, UInt64, Val, dtype_to_type, is_lazy, join_types, typeof)

__all__ = ["SLICE", "NEWAXIS", "ATTRIBUTES", "index", "setitem", "assignment_cast", "stored_value", "attribute", "method_call", "ARRAY_FUNCTIONS"]

# The type of a typed slice ``Prim('slice', (lower, upper, step))``; each part Int64 or None.
SLICE = SingletonType("Slice")
# The type of ``None`` (``np.newaxis``) in a subscript: a new axis of length 1.
NEWAXIS = SingletonType("NewAxis")


def _is_int(t: JType) -> bool:
    return isinstance(t, PrimitiveType) and t.kind in ("int", "uint", "bool")


def _parts(inf, index: ir.Expr, lone: ir.Expr | None) -> list[ir.Expr]:
    """The typed parts of a subscript: Int64 indices, slices and new axes (``lone``: the
    subscript typed already, when it is one expression)."""
    raw = index.elts if isinstance(index, ir.TupleExpr) else (index,)
    parts = []
    for p in raw:
        if isinstance(p, ir.Slice):
            bounds = [ir.Const(None, type=SLICE, loc=p.loc) if x is None else _int_index(inf, inf.expr(x))
                      for x in (p.lower, p.upper, p.step)]
            parts.append(ir.Prim("slice", tuple(bounds), type=SLICE, loc=p.loc))
            continue
        typed = lone if lone is not None else inf.expr(p)
        if is_lazy(typed.type):
            typed = inf.materialize(typed)
        if isinstance(typed.type, ArrayType):   # an index array: base.indexing's take and put
            parts.append(typed)
            continue
        parts.append(ir.Const(None, type=NEWAXIS, loc=p.loc) if typed.type == Nothing else _int_index(inf, typed))
    return parts


def _int_index(inf, typed: ir.Expr) -> ir.Expr:
    loc = typed.loc
    if typed.type == Bool:   # NumPy: a[True] is a mask (a new axis of length 1), not a[1]
        raise TypingError("a boolean index is a mask in NumPy (a[True] has a new axis), not an integer; "
                          "boolean indexing is not supported in compiled code yet", loc,
                          hint="index with int(flag) if you meant the element")
    if not _is_int(typed.type):
        raise TypingError(f"array indices must be integers, slices or None, not {typed.type}", loc)
    if typed.type == UInt64:  # values past Int64 must not wrap around to negative indices
        return ir.Prim("uint_index", (typed,), type=Int64, loc=loc)
    return inf.convert(typed, Int64, explicit=True)


def _lone(inf, idx: ir.Expr) -> ir.Expr | None:
    """The subscript typed (a lazy expression computed: ``x[x > 0]``), when it is one expression
    (not a tuple or a slice)."""
    if isinstance(idx, (ir.TupleExpr, ir.Slice)):
        return None
    typed = inf.expr(idx)
    return inf.materialize(typed) if is_lazy(typed.type) else typed


def _mask(inf, t: ArrayType, lone: ir.Expr | None) -> ir.Expr | None:
    """The lone subscript when it is a boolean array of at most the rank of ``t`` (``x[x > 0]``:
    a mask of the leading axes), else None."""
    if lone is None or not isinstance(lone.type, ArrayType) or lone.type.dtype != Bool:
        return None
    if not 1 <= lone.type.ndim <= t.ndim:
        raise TypingError(f"a boolean index of {lone.type.ndim} dimension(s) into an array of {t.ndim} is not "
                          "supported in compiled code (a mask of at most the array's dimensions is)", lone.loc)
    return lone


def index(inf, array: ir.Expr, idx: ir.Expr, loc) -> ir.Expr:
    """``x[i, j]`` (an element) or ``x[i]``, ``x[1:-1]``, ``x[:, j]`` (a view, no copy); ``x[m]``
    for a boolean array ``m`` and ``x[:, idx]`` for an index array ``idx``, a new array
    (``base.indexing``)."""
    t: ArrayType = array.type
    lone = _lone(inf, idx)
    mask = _mask(inf, t, lone)
    if mask is not None:
        return inf.invoke(library.named("mask_read"), (array, mask), loc)
    parts = _parts(inf, idx, lone)
    if _advanced(t, parts, loc):
        return inf.invoke(library.named("take"), _take_args(array, parts, loc), loc)
    return _basic(array, parts, loc)


def _advanced(t: ArrayType, parts: list[ir.Expr], loc) -> bool:
    """Whether the subscript holds an index array (then exactly one, 1-d, of integers or
    booleans); NumPy's IndexError for too many indices."""
    indexed = sum(p.type != NEWAXIS for p in parts)
    if indexed > t.ndim:
        raise TypingError(f"too many indices for array: array is {t.ndim}-dimensional, "
                          f"but {indexed} were indexed", loc)
    arrays = [p for p in parts if isinstance(p.type, ArrayType)]
    if len(arrays) > 1:
        raise TypingError("a subscript with more than one index array is not supported in compiled code",
                          arrays[1].loc, hint="index one axis at a time: a[i][:, j]")
    for p in arrays:
        if p.type.ndim != 1 or not _is_int(p.type.dtype):
            raise TypingError(f"an index array must be 1-d, of integers or booleans, in compiled code, not {p.type}",
                              p.loc)
    return bool(arrays)


def _take_args(array: ir.Expr, parts: list[ir.Expr], loc) -> tuple[ir.Expr, ...]:
    """``x[..., idx, ...]`` as ``take``'s (and ``put``'s) arguments: the view of the other parts
    (a full slice for ``idx``), ``idx``, and the constants that place the indexed axis."""
    k = next(i for i, p in enumerate(parts) if isinstance(p.type, ArrayType))
    none = ir.Const(None, type=SLICE, loc=loc)
    rest = parts[:k] + [ir.Prim("slice", (none, none, none), type=SLICE, loc=loc)] + parts[k + 1:]
    view = ir.Prim("view", (array, *rest), type=_view_type(array.type, rest), loc=loc)
    advanced = [i for i, p in enumerate(parts) if i == k or p.type == Int64]
    # NumPy: integers and the index array apart (a slice between them) put the indexed axis first
    front = advanced[-1] - advanced[0] + 1 != len(advanced)
    axis = sum(p.type != Int64 for p in parts[:k])
    orig = sum(p.type != NEWAXIS for p in parts[:k])
    constants = tuple(ir.Const(Val(c), type=typeof(Val(c)), loc=loc) for c in (axis, front, orig))
    return (view, parts[k]) + constants


def _basic(array: ir.Expr, parts: list[ir.Expr], loc) -> ir.Expr:
    t: ArrayType = array.type
    if len(parts) == t.ndim and all(p.type == Int64 for p in parts):
        return ir.Prim("getitem", (array, *parts), type=t.dtype, loc=loc)
    return ir.Prim("view", (array, *parts), type=_view_type(t, parts), loc=loc)


def _view_type(t: ArrayType, parts: list[ir.Expr]) -> ArrayType:
    kinds = ["int" if p.type == Int64 else _slice_kind(p) for p in parts if p.type != NEWAXIS]
    kinds += ["full"] * (t.ndim - len(kinds))
    ndim = sum(k != "int" for k in kinds) + sum(p.type == NEWAXIS for p in parts)
    # a new axis has length 1 (its index is always 0), so it leaves the layout as it was
    return ArrayType(t.dtype, ndim, _view_layout(t.layout, kinds))


def _slice_kind(p: ir.Prim) -> str:
    lower, upper, step = p.args
    if step.type != SLICE and not (isinstance(step, ir.Const) and step.value == 1):
        return "strided"
    return "full" if lower.type == SLICE and upper.type == SLICE else "range"


def _view_layout(layout: str, kinds: list[str]) -> str:
    """C stays C when the view is leading integers, at most one unit-step range, then full
    slices (F mirrored); anything else may have gaps."""
    order = kinds if layout == "C" else list(reversed(kinds)) if layout == "F" else None
    if order is None or any(k == "strided" for k in kinds):
        return "A"
    i = 0
    while i < len(order) and order[i] == "int":
        i += 1
    if i < len(order) and order[i] == "range":
        i += 1
    if all(k == "full" for k in order[i:]):
        return layout
    return "A"


def setitem(inf, s: ir.SetItem) -> ir.Stmt:
    """``x[i, j] = v`` stores an element; ``x[a:b] = v`` with a scalar fills the view."""
    target = inf.expr(s.target)
    t = target.type
    if not isinstance(t, ArrayType):
        raise TypingError(f"cannot assign to an item of {t}", s.loc)
    value = inf.operand(s.value)
    lone = _lone(inf, s.index)
    mask = _mask(inf, t, lone)
    if mask is not None:
        write = inf.invoke(library.named("mask_write"), (target, mask, inf.materialize(value)), s.loc)
        return ir.ExprStmt(write, loc=s.loc)
    parts = _parts(inf, s.index, lone)
    if _advanced(t, parts, s.loc):   # x[idx] = v; x[idx] += v reads x[idx] into a new array first
        args = _take_args(target, parts, s.loc)
        write = inf.invoke(library.named("put"), args[:2] + (inf.materialize(value),) + args[2:], s.loc)
        return ir.ExprStmt(write, loc=s.loc)
    located = _basic(target, parts, s.loc)
    if isinstance(s.value, ir.BinOp) and s.value.inplace and isinstance(value, ir.Invoke) \
            and value.target.func is library.named("inplace"):
        return ir.ExprStmt(value, loc=s.loc)   # x[1:] += y: the view is updated in place already
    if located.op != "getitem" and (isinstance(value.type, ArrayType) or is_lazy(value.type)):
        # x[1:-1] = a * b: the expression's loop writes into the view, no temporary
        into = inf.invoke(library.named("broadcast_into"), (located, value), s.loc)
        return ir.ExprStmt(into, loc=s.loc)
    element = stored_value(inf, inf.materialize(value), t, s.loc)
    if located.op == "getitem":
        return ir.SetItem(target, ir.TupleExpr(located.args[1:], loc=s.loc), element, loc=s.loc)
    return ir.ExprStmt(ir.Prim("fill", (located, element), type=Nothing, loc=s.loc), loc=s.loc)


def stored_value(inf, value: ir.Expr, t: ArrayType, loc) -> ir.Expr:
    """``value`` as an element of the array type ``t``: cast as NumPy assigns; an array of
    structs holds exactly its struct."""
    if isinstance(t.dtype, StructType):
        if value.type not in (t.dtype, Bottom):
            raise TypingError(f"cannot store a {value.type} into {t}", value.loc)
        return value
    if not isinstance(value.type, PrimitiveType):
        raise TypingError(f"cannot store a {value.type} into {t} (only numbers)", value.loc)
    if value.type.kind == "complex" and t.dtype.kind != "complex":
        raise TypingError(f"cannot store a complex value into {t}", value.loc)
    return assignment_cast(inf, value, t.dtype, loc)


def _plain_struct(t: JType) -> bool:
    """A struct an array can hold: immutable, of numbers (and such structs) only."""
    if not (isinstance(t, StructType) and t.is_concrete and not t.mutable):
        return False
    try:
        t.dtype
    except TypeError:
        return False
    return True


def assignment_cast(inf, value: ir.Expr, dtype: PrimitiveType, loc) -> ir.Expr:
    """NumPy's assignment cast: floats into integer arrays truncate (NaN and inf raise); a
    Python integer the dtype cannot hold raises OverflowError, as NumPy 2 does (NEP 50; a
    computed Int64 wraps, as NumPy's int64 scalars do)."""
    if isinstance(value, ir.Const) and type(value.value) is int and dtype.kind in ("int", "uint"):
        lo, hi = dtype.int_range
        if not lo <= value.value <= hi:
            return inf.throw(OverflowError, f"Python integer {value.value} out of bounds for {dtype.dtype}", loc)
    if dtype.kind in ("int", "uint") and value.type.kind == "float":
        value = ir.Prim("toint", (value,), type=Int64, loc=loc)
    if dtype.kind == "bool":
        return inf.truth(value)
    return inf.convert(value, dtype, explicit=True)


ATTRIBUTES = frozenset({"shape", "strides", "ndim", "size", "itemsize", "dtype", "T"})
# The array methods that are NumPy functions of the array (x.sum(axis=0) is np.sum(x, axis=0)).
METHODS = {"sum": np.sum, "prod": np.prod, "min": np.min, "max": np.max, "mean": np.mean, "any": np.any,
           "all": np.all, "var": np.var, "std": np.std, "argmin": np.argmin, "argmax": np.argmax,
           "cumsum": np.cumsum, "cumprod": np.cumprod, "reshape": np.reshape, "ravel": np.ravel, "flatten": np.ndarray.flatten,
           "transpose": np.transpose, "swapaxes": np.swapaxes, "squeeze": np.squeeze, "nonzero": np.nonzero,
           "sort": np.ndarray.sort, "argsort": np.argsort, "searchsorted": np.searchsorted}
_VARARG_METHODS = frozenset({"reshape", "transpose"})   # x.reshape(3, 2): the shape as separate arguments


def numpy_method(name: str):
    """The library's generic function for the array method ``name``, if it has one."""
    py = METHODS.get(name)
    return None if py is None else library.builtin(py)


def method_arguments(e: ir.Call) -> ir.Call:
    """``x.reshape(3, 2)`` as ``x.reshape((3, 2))``: NumPy's methods taking a shape or axes as
    separate arguments."""
    if e.func.attr in _VARARG_METHODS and len(e.args) > 1:
        return ir.replace(e, args=(ir.TupleExpr(tuple(e.args), loc=e.loc),))
    return e


def attribute(inf, array: ir.Expr, attr: str, loc) -> ir.Expr:
    t: ArrayType = array.type
    if attr == "shape":
        return ir.Prim("shape", (array,), type=TupleType((Int64,) * t.ndim), loc=loc)
    if attr == "strides":   # in bytes, as NumPy's
        return ir.Prim("strides", (array,), type=TupleType((Int64,) * t.ndim), loc=loc)
    if attr == "ndim":
        return ir.Const(t.ndim, type=Int64, loc=loc)
    if attr == "itemsize":
        return ir.Const(np.dtype(t.dtype.dtype).itemsize, type=Int64, loc=loc)
    if attr == "size":
        return ir.Prim("size", (array,), type=Int64, loc=loc)
    if attr == "dtype":
        return ir.Const(t.dtype, type=TypeType(t.dtype), loc=loc)
    if attr == "T":
        return _transpose(array, loc)
    raise TypingError(f"arrays have no attribute '{attr}' in compiled code", loc)


def _transpose(array: ir.Expr, loc) -> ir.Expr:
    t: ArrayType = array.type
    layout = {"C": "F", "F": "C"}.get(t.layout, "A") if t.ndim > 1 else t.layout
    return ir.Prim("transpose", (array,), type=ArrayType(t.dtype, t.ndim, layout), loc=loc)


def method_call(inf, array: ir.Expr, name: str, args, loc) -> ir.Expr:
    t: ArrayType = array.type
    if name == "copy" and not args:
        return ir.Prim("copy", (array,), type=ArrayType(t.dtype, t.ndim, "C"), loc=loc)
    if name == "fill" and len(args) == 1:
        return ir.Prim("fill", (array, assignment_cast(inf, args[0], t.dtype, loc)), type=Nothing, loc=loc)
    if name == "astype" and len(args) == 1 and isinstance(args[0].type, TypeType):
        return inf.invoke(library.named("astype"), (array, args[0]), loc)
    raise TypingError(f"arrays have no method '{name}' with {len(args)} argument(s) in compiled code", loc)


def length(array: ir.Expr, loc) -> ir.Expr:
    if array.type.ndim == 0:
        raise TypingError("len() of a 0-dimensional array", loc)
    return ir.GetField(ir.Prim("shape", (array,), type=TupleType((Int64,) * array.type.ndim), loc=loc),
                       0, type=Int64, loc=loc)


# --- constructors ----------------------------------------------------------------------------
def _dtype(inf, kwargs: dict, args: list, position: int, default: JType, loc) -> PrimitiveType:
    """The ``dtype`` argument: a type value (``np.float32``, ``Float32``, ``x.dtype``) or a string."""
    spec = kwargs.pop("dtype", None)
    if spec is None and len(args) > position:
        spec = args[position]
    if spec is None:
        return default
    if isinstance(spec, ir.Const) and isinstance(spec.value, str):
        return _known_dtype(np.dtype(spec.value), loc)
    typed = inf.expr(spec)
    if typed.type == Bottom:   # typeof(an element that always raises): the raise, not an array
        raise _Raises(typed)
    if isinstance(typed.type, TypeType) and isinstance(typed.type.param, PrimitiveType):
        return typed.type.param
    if isinstance(typed.type, TypeType) and _plain_struct(typed.type.param):
        return typed.type.param   # an array of structs: NumPy's structured dtype
    raise TypingError(f"dtype must be a NumPy scalar type, a dispatchjit type or a string, not {typed.type}", spec.loc)


def _known_dtype(dtype, loc) -> PrimitiveType:
    try:
        return dtype_to_type(dtype)
    except TypeError as err:
        raise TypingError(str(err), loc) from None


def _shape(inf, spec: ir.Expr, loc) -> list[ir.Expr]:
    typed = inf.expr(spec)
    t = typed.type
    if _is_int(t):
        return [inf.convert(typed, Int64, explicit=True)]
    if isinstance(t, TupleType) and all(_is_int(p) for p in t.params):
        return [inf.convert(inf.getfield(typed, i, loc), Int64, explicit=True) for i in range(len(t.params))]
    raise TypingError(f"an array shape must be an integer or a tuple of integers, not {t}", spec.loc)


class _Raises(Exception):
    """An argument that always raises: the call is that raise (its type Bottom)."""

    def __init__(self, raising: ir.Expr):
        self.raising = raising


def _raising(rule):
    def checked(inf, args, kwargs, e):
        try:
            return rule(inf, args, kwargs, e)
        except _Raises as r:
            return r.raising
    return checked


def _constructor(kind: str):
    @_raising
    def rule(inf, args, kwargs, e):
        kwargs = dict(kwargs)
        if not args:
            raise TypingError(f"np.{kind}() needs a shape", e.loc)
        fill = None
        if kind == "full":
            if len(args) < 2 and "fill_value" not in kwargs:
                raise TypingError("np.full() needs a fill value", e.loc)
            fill = inf.expr(kwargs.pop("fill_value", None) or args[1])
            if isinstance(fill.type, ArrayType) or is_lazy(fill.type):
                raise TypingError(f"np.full() fills with a single value in compiled code, not {fill.type}", fill.loc)
        position = 2 if kind == "full" else 1
        default = fill.type if fill is not None and isinstance(fill.type, PrimitiveType) else Float64
        dtype = _dtype(inf, kwargs, list(args), position, default, e.loc)
        order = _order(kwargs, e.loc)
        _no_more(kwargs, kind, e.loc)
        shape = _shape(inf, args[0], e.loc)
        return _allocation(inf, kind, shape, ArrayType(dtype, len(shape), order), fill, e.loc)
    return rule


def _allocation(inf, kind: str, shape: list[ir.Expr], result: ArrayType, fill, loc) -> ir.Prim:
    """A new array of ``result``'s type and ``shape``: uninitialized, zeroed, or filled with
    ones or ``fill``."""
    alloc = ir.Prim("zeros" if kind == "zeros" else "empty", tuple(shape), type=result, loc=loc)
    if kind not in ("ones", "full"):
        return alloc
    value = ir.Const(1, type=Int64, loc=loc) if kind == "ones" else fill
    return ir.Prim("filled", (alloc, assignment_cast(inf, value, result.dtype, loc)), type=result, loc=loc)


def _order(kwargs: dict, loc) -> str:
    order = kwargs.pop("order", None)
    if order is None:
        return "C"
    if isinstance(order, ir.Const) and order.value in ("C", "F"):
        return order.value
    raise TypingError("order must be the constant 'C' or 'F'", loc)


def _no_more(kwargs: dict, name: str, loc) -> None:
    if kwargs:
        raise TypingError(f"np.{name}() got unsupported keyword arguments {sorted(kwargs)}", loc)


def _like(kind: str):
    def rule(inf, args, kwargs, e):
        kwargs = dict(kwargs)
        if not args:
            raise TypingError(f"np.{kind}_like() needs an array", e.loc)
        base = inf.expr(args[0])
        if not isinstance(base.type, ArrayType):
            raise TypingError(f"np.{kind}_like() needs an array, not {base.type}", args[0].loc)
        t = base.type
        fill = None
        if kind == "full":
            if len(args) < 2 and "fill_value" not in kwargs:
                raise TypingError("np.full_like() needs a fill value", e.loc)
            fill = inf.expr(kwargs.pop("fill_value", None) or args[1])
            if isinstance(fill.type, ArrayType) or is_lazy(fill.type):
                raise TypingError(f"np.full() fills with a single value in compiled code, not {fill.type}", fill.loc)
        dtype = _dtype(inf, kwargs, list(args), 2 if kind == "full" else 1, t.dtype, e.loc)
        _no_more(kwargs, f"{kind}_like", e.loc)
        shape = [ir.GetField(ir.Prim("shape", (base,), type=TupleType((Int64,) * t.ndim), loc=e.loc), i,
                             type=Int64, loc=e.loc) for i in range(t.ndim)]
        result = ArrayType(dtype, t.ndim, "F" if t.layout == "F" else "C")
        return _allocation(inf, kind, shape, result, fill, e.loc)
    return rule


def _arange(inf, args, kwargs, e):
    kwargs = dict(kwargs)
    typed = [inf.expr(a) for a in args]
    if not 1 <= len(typed) <= 3 or any(not isinstance(a.type, PrimitiveType) or a.type.kind == "complex"
                                        for a in typed):
        raise TypingError("np.arange() takes 1 to 3 real numbers", e.loc)
    natural = Int64 if all(_is_int(a.type) for a in typed) else Float64
    t = natural
    for a in typed:
        t = join_types(t, a.type) if a.type != Bool else t
    dtype = _dtype(inf, kwargs, [], 3, t, e.loc)
    _no_more(kwargs, "arange", e.loc)
    if len(typed) == 1:
        typed = [ir.Const(0, type=Int64, loc=e.loc), typed[0]]
    if len(typed) == 2:
        typed.append(ir.Const(1, type=Int64, loc=e.loc))
    work = Int64 if natural == Int64 else Float64
    bounds = tuple(inf.convert(a, work, explicit=True) for a in typed)
    return ir.Prim("arange", bounds, type=ArrayType(dtype, 1, "C"), loc=e.loc)


# --- GPU kernels: shared memory and atomics ---------------------------------------------------
def _shared_array(inf, args, kwargs, e):
    """``cuda.shared.array(shape, dtype)``: the block's memory, laid out at compile time, so the
    shape must be a constant."""
    kwargs = dict(kwargs)
    shape_arg = kwargs.pop("shape", None) or (args[0] if args else None)
    if shape_arg is None:
        raise TypingError("cuda.shared.array() needs a shape", e.loc)
    dtype = _dtype(inf, kwargs, list(args), 1, Float64, e.loc)
    _no_more(kwargs, "cuda.shared.array", e.loc)
    dims = [_constant_int(n) for n in _shape(inf, shape_arg, e.loc)]
    if not all(isinstance(n, int) and n > 0 for n in dims):
        raise TypingError("the shape of a shared array must be a constant of positive integers "
                          "(shared memory is laid out when the kernel is compiled)", shape_arg.loc)
    shape = tuple(ir.Const(n, type=Int64, loc=e.loc) for n in dims)
    return ir.Prim("cuda.shared.array", shape, type=ArrayType(dtype, len(shape), "C"), loc=e.loc)


def _constant_int(e: ir.Expr) -> int | None:
    """The value of an integer expression inference has folded to a constant, if it has."""
    if isinstance(e, ir.Convert):
        return _constant_int(e.value)
    if isinstance(e, ir.GetField) and isinstance(e.value, ir.TupleExpr):
        return _constant_int(e.value.elts[e.index])
    return e.value if isinstance(e, ir.Const) and isinstance(e.value, int) else None


def _atomic(op: str):
    def rule(inf, args, kwargs, e):
        if kwargs or len(args) != 3:
            raise TypingError(f"cuda.atomic.{op}() takes (array, index, value)", e.loc)
        array = inf.expr(args[0])
        t = array.type
        if not isinstance(t, ArrayType):
            raise TypingError(f"cuda.atomic.{op}() updates an array, not {t}", args[0].loc)
        if t.dtype.kind not in ("int", "uint") and not (op == "add" and t.dtype.kind == "float"):
            raise TypingError(f"cuda.atomic.{op}() works on integer arrays{' and float ones' if op == 'add' else ''},"
                              f" not {t}", e.loc)
        indices = _shape(inf, args[1], e.loc)
        if len(indices) != t.ndim:
            raise TypingError(f"cuda.atomic.{op}() needs {t.ndim} indices for {t}, got {len(indices)}", args[1].loc)
        value = assignment_cast(inf, inf.expr(args[2]), t.dtype, e.loc)
        return ir.Prim(f"cuda.atomic.{op}", (array, *indices, value), type=t.dtype, loc=e.loc)
    return rule


ARRAY_FUNCTIONS = {
    np.empty: _constructor("empty"), np.zeros: _constructor("zeros"), np.ones: _constructor("ones"),
    np.full: _constructor("full"), np.empty_like: _like("empty"), np.zeros_like: _like("zeros"),
    np.ones_like: _like("ones"), np.full_like: _like("full"), np.arange: _arange,
    kernel_lang.shared.array: _shared_array, kernel_lang.atomic.add: _atomic("add"),
    kernel_lang.atomic.max: _atomic("max"), kernel_lang.atomic.min: _atomic("min"),
}
