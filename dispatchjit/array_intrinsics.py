"""The intrinsics of the array library (``dispatchjit.base``: broadcasting, the ufuncs, the
reductions): what its generic functions cannot write in the language itself.

Two kinds. Machine operations: an element in memory order without a bounds check (``flat``,
``setflat``), a broadcast view with zero strides (``broadcast_view``), a test for memory shared
in a way an elementwise loop cannot survive (``unsafe_alias``), and NumPy's IEEE arithmetic,
where division by zero gives inf or NaN and integer division by zero gives 0
(``numpy_op``). And NumPy's type rules, decided while a function compiles: the dtype a weak
Python scalar takes next to arrays (``weak``, NEP 50) and the inner loop a ufunc picks for its
operand dtypes (``ufunc_loop``), both asked of NumPy itself so the answers are NumPy's.

Each is a Python function meaning the same when called from Python (the library's code runs
uncompiled too); compiled, its handler returns typed IR.
"""

from __future__ import annotations

import numpy as np

from . import ir, library
from .array_calls import assignment_cast, stored_value
from .builtin_calls import BUILTINS
from .errors import InternalCompilerError, MethodError, TypingError
from .lattice import (ArrayType, Bool, Bottom, Complex128, Float64, FunctionType, Int64, Nothing, PrimitiveType, TupleType,
                      TypeType, dtype_to_type)

__all__ = ["flat", "setflat", "at", "cold_range", "result_type", "broadcast_view", "strided_view", "contiguous_view",
           "unsafe_alias", "is_writeable", "numpy_op", "weak", "ufunc_loop"]


def flat(a, i: int):
    """Element ``i`` of the array ``a`` in its memory order if it is contiguous, else in C
    order (the order a reduction may take); in compiled code the caller keeps ``i`` in range."""
    return a.ravel(order="K" if a.flags.f_contiguous and not a.flags.c_contiguous else "C")[i]


def setflat(a, i: int, v) -> None:
    """Store ``v`` (cast as NumPy assigns) as element ``i`` of the contiguous array ``a`` in its
    memory order; in compiled code the caller keeps ``i`` in range."""
    a.reshape(-1, order="K" if a.flags.f_contiguous and not a.flags.c_contiguous else "C")[i] = v


def at(a, *indices):
    """Element ``a[indices]``; compiled, without normalizing or checking the indices (the
    library's loops keep them in range)."""
    return a[indices]


def cold_range(*args) -> range:
    """``range``, for a loop most calls never reach (the library's general case): compiled
    only when first run, so the common case's first call does not wait for it."""
    return range(*args)


def broadcast_view(a, shape: tuple):
    """A read-only view of ``a`` with ``shape``, axes of length 1 (and missing leading ones)
    repeated by a zero stride; compiled, the caller has checked that ``a`` broadcasts."""
    return np.broadcast_to(a, shape)


class _Interface:
    """An ``__array_interface__`` holder keeping the memory's owner alive (as NumPy's ``as_strided``)."""

    def __init__(self, interface: dict, base):
        self.__array_interface__ = interface
        self.base = base


def strided_view(a, shape: tuple, strides: tuple, offset: int):
    """A view of ``a``'s memory with ``shape`` and byte ``strides``, its first element ``offset``
    bytes from ``a``'s; as writeable as ``a``. Compiled, the caller keeps every element inside
    ``a``'s memory (the library's shape functions: transpose, flip, axis reductions)."""
    interface = dict(a.__array_interface__, shape=tuple(shape), strides=tuple(strides))
    address, readonly = interface["data"]
    interface["data"] = (address + offset, readonly)
    return np.asarray(_Interface(interface, a))


def contiguous_view(a, shape: tuple):
    """``a``'s elements in C order as an array of ``shape`` (a C-contiguous view); compiled, the
    caller has checked that ``a`` is C-contiguous and that the sizes agree."""
    return a.reshape(shape)


def unsafe_alias(a, out) -> bool:
    """Whether writing ``out`` element by element could change elements of ``a`` not yet read:
    their memory overlaps and ``a`` is not laid out exactly as ``out`` (same start, shape and
    strides, where each element is read just before the same element is written)."""
    same = (a.ndim == out.ndim and a.shape == out.shape and a.strides == out.strides
            and a.__array_interface__["data"][0] == out.__array_interface__["data"][0])
    return bool(np.may_share_memory(a, out)) and not same


def is_writeable(a) -> bool:
    """``a.flags.writeable``. A loop that tests it first lets LLVM drop the check each element
    store makes (and vectorize the loop): within the test, it is known to be true."""
    return bool(a.flags.writeable)


# NumPy's element functions the machine provides without Python's checks (math.sqrt(-1) raises;
# np.sqrt(-1) is NaN).
_IEEE = frozenset({"true_divide", "floor_divide", "remainder", "power", "sqrt", "exp", "exp2", "expm1", "log",
                   "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                   "asinh", "acosh", "atanh", "atan2", "hypot", "floor", "ceil", "trunc", "rint", "fabs",
                   "maximum", "minimum"})


_NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh", "acosh": "arccosh",
                "atanh": "arctanh", "atan2": "arctan2"}
_numpy_ops: dict = {}


def numpy_op(name: str):
    """The intrinsic computing NumPy's ``name`` on numbers of one type, with IEEE results where
    Python would raise (``numpy_op("sqrt")(-1.0)`` is NaN)."""
    if name not in _IEEE:
        raise ValueError(f"no NumPy operation {name!r} (known: {sorted(_IEEE)})")
    op = _numpy_ops.get(name)
    if op is None:
        def op(*xs, _f=getattr(np, _NUMPY_NAMES.get(name, name))):
            return _f(*xs)
        op.__name__ = op.__qualname__ = f"numpy_{name}"
        _numpy_ops[name] = op
        BUILTINS[op] = _numpy_op_rule(name)
    return op


def _numpy_op_rule(name: str):
    def rule(inf, args, e):
        t = args[0].type if args else None
        if not isinstance(t, PrimitiveType) or t.kind not in ("float", "complex", "int", "uint") \
                or any(x.type != t for x in args):
            raise TypingError(f"numpy_op({name!r}) takes numbers of one type, not "
                              f"{', '.join(str(x.type) for x in args)}", e.loc)
        return ir.Prim(f"np.{name}", tuple(args), type=t, loc=e.loc)
    return rule


def _setflat(inf, args, e):
    if len(args) != 3 or not isinstance(args[0].type, ArrayType) or args[0].type.layout not in ("C", "F") \
            or args[1].type != Int64:
        raise TypingError("setflat(a, i, v) takes a contiguous array, an Int64 index and a value", e.loc)
    a, i, v = args
    return ir.Prim("setflat", (a, i, stored_value(inf, v, a.type, e.loc)), type=Nothing, loc=e.loc)


def _flat(inf, args, e):
    if len(args) != 2 or not isinstance(args[0].type, ArrayType) or args[1].type != Int64:
        raise TypingError("flat(a, i) takes an array and an Int64 index", e.loc)
    return ir.Prim("flat", tuple(args), type=args[0].type.dtype, loc=e.loc)


def _at(inf, args, e):
    if not args or not isinstance(args[0].type, ArrayType) or len(args) != args[0].type.ndim + 1 \
            or any(i.type != Int64 for i in args[1:]):
        raise TypingError("at(a, *indices) takes an array and an Int64 index per dimension", e.loc)
    return ir.Prim("at", tuple(args), type=args[0].type.dtype, loc=e.loc)


def _broadcast_view(inf, args, e):
    a, shape = args if len(args) == 2 else (None, None)
    if a is None or not isinstance(a.type, ArrayType) or not isinstance(shape.type, TupleType) \
            or any(p != Int64 for p in shape.type.params) or len(shape.type.params) < a.type.ndim:
        raise TypingError("broadcast_view(a, shape) takes an array and a shape of at least its dimensions", e.loc)
    result = ArrayType(a.type.dtype, len(shape.type.params), "A")
    return ir.Prim("broadcast_view", (a, shape), type=result, loc=e.loc)


def _int_tuple(x, n: int | None = None) -> bool:
    t = x.type
    return isinstance(t, TupleType) and all(p == Int64 for p in t.params) and (n is None or len(t.params) == n)


def _strided_view(inf, args, e):
    if len(args) != 4 or not isinstance(args[0].type, ArrayType) or not _int_tuple(args[1]) \
            or not _int_tuple(args[2], len(args[1].type.params)) or args[3].type != Int64:
        raise TypingError("strided_view(a, shape, strides, offset) takes an array, a shape, as many byte "
                          "strides and an Int64 byte offset", e.loc)
    result = ArrayType(args[0].type.dtype, len(args[1].type.params), "A")
    return ir.Prim("strided_view", tuple(args), type=result, loc=e.loc)


def _contiguous_view(inf, args, e):
    if len(args) != 2 or not isinstance(args[0].type, ArrayType) or not _int_tuple(args[1]):
        raise TypingError("contiguous_view(a, shape) takes an array and a shape", e.loc)
    result = ArrayType(args[0].type.dtype, len(args[1].type.params), "C")
    return ir.Prim("contiguous_view", tuple(args), type=result, loc=e.loc)


def _is_writeable(inf, args, e):
    if len(args) != 1 or not isinstance(args[0].type, ArrayType):
        raise TypingError("is_writeable(a) takes an array", e.loc)
    return ir.Prim("is_writeable", tuple(args), type=Bool, loc=e.loc)


def _unsafe_alias(inf, args, e):
    if len(args) != 2 or not all(isinstance(a.type, ArrayType) for a in args):
        raise TypingError("unsafe_alias(a, out) takes two arrays", e.loc)
    return ir.Prim("unsafe_alias", tuple(args), type=Bool, loc=e.loc)


# --- NumPy's type rules ------------------------------------------------------------------------
# The types a Python scalar has in compiled code; next to arrays they are weak (NEP 50): the
# arrays' dtype decides, so float32_array * 2.0 stays float32.
_WEAK = {Int64: 0, Float64: 0.0, Complex128: 0j}


def weak(x, f, *types):
    """``x`` as NumPy 2 converts a Python scalar operand of ``f`` next to operands of dtypes
    ``types``. (A Python integer compared with integers is compared exactly, as NumPy 2 does:
    it keeps its type.)"""
    return x


_COMPARISONS = frozenset({np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal})


def _weak(inf, args, e):
    x, f, others = args[0], args[1], args[2:]
    if x.type not in _WEAK or not others or not all(isinstance(t.type, TypeType) for t in others):
        return x
    if x.type == Int64 and isinstance(f.type, FunctionType) and _stands_for(f.type.func) in _COMPARISONS:
        return x
    dtypes = [t.type.param for t in others]
    if not all(isinstance(t, PrimitiveType) for t in dtypes):
        return x   # next to a user type's elements a number stays what it is
    target = _weak_target(_stands_for(f.type.func) if isinstance(f.type, FunctionType) else None,
                          [t.dtype for t in dtypes], x.type)
    if target is None or target == x.type:
        return x
    if x.type == Int64 and target.kind in ("int", "uint") and not isinstance(x, ir.Const):
        return _checked_int(inf, x, target, e.loc)
    return assignment_cast(inf, x, target, e.loc)


def _weak_target(ufunc, dtypes: list, t: PrimitiveType) -> PrimitiveType | None:
    """The type a Python scalar of type ``t`` takes next to ``dtypes``: the input type of the
    loop the ufunc picks for them (``bool_array ** 2`` is ``int8``), else NumPy's promotion."""
    if isinstance(ufunc, np.ufunc) and ufunc.nin == len(dtypes) + 1:
        try:
            return dtype_to_type(ufunc.resolve_dtypes((*dtypes, type(_WEAK[t])) + (None,) * ufunc.nout)[len(dtypes)])
        except TypeError:
            return None   # no loop: the element's call raises NumPy's error
    return dtype_to_type(np.result_type(*dtypes, _WEAK[t]))


def _checked_int(inf, x: ir.Expr, target: PrimitiveType, loc) -> ir.Expr:
    """A Python integer as a narrower integer type, or NumPy's OverflowError when it does not fit."""
    lo, hi = target.int_range
    hi = min(hi, 2**63 - 1)
    bounds = (ir.Const(lo, type=Int64, loc=loc), x, ir.Const(hi, type=Int64, loc=loc))
    fits = ir.Compare(("<=", "<="), bounds, (Int64, Int64), type=Bool, loc=loc)
    fail = inf.throw(OverflowError, f"Python integer {{}} out of bounds for {target.dtype}", loc, (x,))
    return ir.IfExp(fits, inf.convert(x, target, explicit=True), fail, type=target, loc=loc)


def result_type(*xs):
    """The type NumPy's promotion gives values of these (strong) types: ``np.result_type``."""
    return dtype_to_type(np.result_type(*(np.asarray(x).dtype for x in xs)))


def _result_type(inf, args, e):
    if not args or not all(isinstance(x.type, PrimitiveType) for x in args):
        raise TypingError("result_type(*xs) takes numbers", e.loc)
    t = dtype_to_type(np.result_type(*(x.type.dtype for x in args)))
    return ir.Const(t, type=TypeType(t), loc=e.loc)


def _stands_for(f):
    try:
        return library.stands_for(f)
    except KeyError:   # a user's function, broadcast
        return None


def ufunc_loop(f, kernel, *xs):
    """``kernel`` applied to ``xs`` converted to the inner loop NumPy's ufunc (the one the
    generic function ``f`` stands for) selects for their dtypes."""
    ufunc = library.stands_for(f)
    loop = ufunc.resolve_dtypes(tuple(np.asarray(x).dtype for x in xs) + (None,) * ufunc.nout)
    return kernel(*(np.asarray(x).astype(t)[()] for x, t in zip(xs, loop)))


def _ufunc_loop(inf, args, e):
    f, kernel, xs = args[0], args[1], args[2:]
    if not (isinstance(f.type, FunctionType) and isinstance(kernel.type, FunctionType)) \
            or not all(isinstance(x.type, PrimitiveType) for x in xs):
        raise TypingError("ufunc_loop(f, kernel, *xs) takes two generic functions and numbers", e.loc)
    ufunc = library.stands_for(f.type.func)
    try:
        loop = [dtype_to_type(d) for d in ufunc.resolve_dtypes(tuple(x.type.dtype for x in xs) + (None,) * ufunc.nout)]
    except TypeError as err:   # NumPy has no loop for these dtypes (bool - bool): its error, when run
        return inf.throw(TypeError, str(err).replace("{", "{{").replace("}", "}}"), e.loc)
    converted = tuple(inf.convert(x, t, explicit=True) for x, t in zip(xs, loop))
    try:
        inf.ctx.resolve(kernel.type.func, tuple(t for t in loop[:len(xs)]))
    except MethodError:
        shown = ", ".join(str(t) for t in loop[:len(xs)])
        raise TypingError(f"np.{ufunc.__name__} is not supported for {shown} in compiled code yet", e.loc) from None
    result = inf.invoke(kernel.type.func, converted, e.loc)
    if result.type not in (loop[-1], Bottom):
        raise InternalCompilerError(f"the kernel of np.{ufunc.__name__} returned {result.type} for {loop}, "
                                    f"where NumPy's loop gives {loop[-1]}", e.loc)
    return result


BUILTINS.update({flat: _flat, at: _at, result_type: _result_type, setflat: _setflat, broadcast_view: _broadcast_view,
                 strided_view: _strided_view, contiguous_view: _contiguous_view, unsafe_alias: _unsafe_alias,
                 is_writeable: _is_writeable, weak: _weak, ufunc_loop: _ufunc_loop})
