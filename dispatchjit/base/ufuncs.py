"""NumPy's ufuncs as generic functions (``dispatchjit.numpy.sqrt`` is what ``np.sqrt`` means in
compiled code), and the operators on arrays.

Each ufunc has three kinds of methods:
- on arrays and Broadcasteds (``ArrayLike``), a lazy ``broadcasted`` of itself: an array
  expression fuses into one loop (``broadcast``);
- on the built-in numbers, NumPy's inner loop for their dtypes (``ufunc_loop`` asks NumPy
  which: ``np.sqrt`` of an Int8 computes in Float16, ``/`` of integers in Float64), then the
  ufunc's *kernel*, a generic function with one method per kind of number giving NumPy's
  results (``1 // 0`` is 0, ``1.0 / 0.0`` is inf, ``sqrt(-1.0)`` is NaN: no exception, and no
  warning either);
- on anything else (users' structs), the operator or ``math`` function of the same meaning
  (``ops.add``, ``dispatchjit.math.sqrt``), whose methods users write, so an array of Duals
  broadcasts through the user's ``+``. A method added to the ufunc itself
  (``@dispatchjit.numpy.sqrt.method``) takes precedence.

``+ - * / // % ** & | ^ << >> < <= > >= == !=``, unary ``- + ~`` and ``abs`` on arrays are the
ufuncs of the same meaning (``ops.add``'s method for arrays is ``broadcasted(add, a, b)``).
"""

import operator
import types
import typing

import numpy as np

from .. import library
from ..array_intrinsics import numpy_op, result_type, ufunc_loop
from ..generic import GenericFunction, generic
from ..lattice import (Any, ArrayType, Bool, Complex64, Complex128, Float16, Float32, Float64, Int8, Int16, Int32, Int64,
                       UInt8, UInt16, UInt32, UInt64, make_union, typeof)
import dispatchjit.base.complexmath as complexmath  # (not `from . import`: that names the package)
import dispatchjit.base.mathfuncs as mathfuncs
import dispatchjit.base.ops as ops
from .broadcast import ArrayLike, broadcasted, is_broadcasted, lazy
from .indexing import nonzero
from .promotion import NUMBERS

FLOATS = make_union(Float16, Float32, Float64)
INTEGERS = make_union(Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64)
COMPLEX = make_union(Complex64, Complex128)
T = typing.TypeVar("T", bound=NUMBERS)
FT = typing.TypeVar("FT", bound=FLOATS)
IT = typing.TypeVar("IT", bound=INTEGERS)
CT = typing.TypeVar("CT", bound=COMPLEX)
REAL = typing.TypeVar("REAL", bound=make_union(FLOATS, INTEGERS, Bool))
INEXACT = typing.TypeVar("INEXACT", bound=make_union(FLOATS, COMPLEX))
NONBOOL = make_union(FLOATS, INTEGERS, COMPLEX)


def _generic(name: str, doc: str, **registered) -> GenericFunction:
    f = GenericFunction(name, name, __name__, doc)
    library.register(f, by_name=False, **registered)
    return f


# --- method templates ------------------------------------------------------------------------
def _arrays1(f):
    @lazy
    def elementwise(x: ArrayLike):
        return broadcasted(f, x)
    return elementwise


def _arrays2(f):
    @lazy
    def elementwise(x: ArrayLike, y: ArrayLike):
        return broadcasted(f, x, y)

    @lazy
    def left(x: ArrayLike, y: Any):
        return broadcasted(f, x, y)

    @lazy
    def right(x: Any, y: ArrayLike):
        return broadcasted(f, x, y)
    return elementwise, left, right


def _numbers1(f, kernel):
    def builtin(x: NUMBERS):
        return ufunc_loop(f, kernel, x)
    return builtin


def _numbers2(f, kernel):
    def builtin(x: NUMBERS, y: NUMBERS):
        return ufunc_loop(f, kernel, x, y)
    return builtin




def ufunc(np_ufunc, kernel: GenericFunction, fallback=None) -> GenericFunction:
    """The generic function standing for ``np_ufunc`` in compiled code, computing elements of
    built-in types with ``kernel`` and others with ``fallback``."""
    name = np_ufunc.__name__
    f = _generic(name, f"``np.{name}``, elementwise over arrays (a generic function: add methods for your types)",
                 stands_for=(np_ufunc,))
    unary = np_ufunc.nin == 1
    for m in (_arrays1(f),) if unary else _arrays2(f):
        f.method(m)
    f.method((_numbers1 if unary else _numbers2)(f, kernel))
    if fallback is not None:
        f.method((ops._numbers1 if unary else ops._numbers2)(fallback, Any))   # anything else: ``fallback``
    return f


def kernel(name: str, *methods) -> GenericFunction:
    """NumPy's element function ``name`` on numbers of one type (the ufunc's inner loops)."""
    k = GenericFunction(f"{name}_loop", f"{name}_loop", __name__, f"the inner loops of ``np.{name}``")
    for m in methods:
        k.method(m)
    return k


def _same(apply, kind=T):
    """The kernel method ``apply(x, y)`` for two numbers of one type of ``kind``."""
    return ops._numbers2(apply, kind)


def _one(apply, kind=T):
    return ops._numbers1(apply, kind)


def _ieee1(name: str):
    """A float function without Python's domain checks; Float16 computes in Float32 (as NumPy's)."""
    op = numpy_op(name)

    def loop(x: FT):
        return op(x)

    def half(x: Float16):
        return Float16(op(Float32(x)))
    return loop, half


def _ieee2(name: str):
    op = numpy_op(name)

    def loop(x: FT, y: FT):
        return op(x, y)

    def half(x: Float16, y: Float16):
        return Float16(op(Float32(x), Float32(y)))
    return loop, half


def _annotated(fn, kind):
    """``fn`` as a method for arguments of ``kind`` (one body serving several kernels)."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__annotations__ = {p: kind for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]}
    copy.__qualname__, copy.__module__ = fn.__qualname__, fn.__module__
    return copy


def _identity(x):
    return x


def _square(x):
    return x * x


def _false(x):
    return False


def _true(x):
    return True


# --- arithmetic --------------------------------------------------------------------------------
add = ufunc(np.add, kernel("add", _same(operator.add), _same(operator.or_, Bool)), ops.add)
subtract = ufunc(np.subtract, kernel("subtract", _same(operator.sub)), ops.sub)
multiply = ufunc(np.multiply, kernel("multiply", _same(operator.mul), _same(operator.and_, Bool)), ops.mul)
true_divide = ufunc(np.true_divide, kernel("true_divide", _same(numpy_op("true_divide"), INEXACT)), ops.truediv)
floor_divide = ufunc(np.floor_divide, kernel("floor_divide", _same(numpy_op("floor_divide"), REAL)), ops.floordiv)
remainder = ufunc(np.remainder, kernel("remainder", _same(numpy_op("remainder"), REAL)), ops.mod)


def _integer_power(x: IT, y: IT):
    if y < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    return x ** y


_pow, _sqrt, _divide = numpy_op("power"), numpy_op("sqrt"), numpy_op("true_divide")


def _float_power(x: FT, y: FT):
    # NumPy's loops for a scalar exponent: 2 squares, 0.5 is the square root (so -inf ** 0.5 is
    # NaN and -0.0 ** 0.5 is -0.0, as np.sqrt's), -1 the reciprocal; others call pow.
    if y == 2:
        return x * x
    if y == 0.5:
        return _sqrt(x)
    if y == -1:
        return _divide(typeof(x)(1), x)
    return _pow(x, y)


power = ufunc(np.power, kernel("power", _float_power, _integer_power, *complexmath.power_methods), ops.pow)
bitwise_and = ufunc(np.bitwise_and, kernel("bitwise_and", _same(operator.and_, REAL)), ops.and_)
bitwise_or = ufunc(np.bitwise_or, kernel("bitwise_or", _same(operator.or_, REAL)), ops.or_)
bitwise_xor = ufunc(np.bitwise_xor, kernel("bitwise_xor", _same(operator.xor, REAL)), ops.xor)
left_shift = ufunc(np.left_shift, kernel("left_shift", _same(operator.lshift, IT)), ops.lshift)
right_shift = ufunc(np.right_shift, kernel("right_shift", _same(operator.rshift, IT)), ops.rshift)

negative = ufunc(np.negative, kernel("negative", _one(operator.neg)), ops.neg)
positive = ufunc(np.positive, kernel("positive", _one(operator.pos)), ops.pos)
invert = ufunc(np.invert, kernel("invert", _one(operator.invert, IT), _one(operator.not_, Bool)), ops.invert)
absolute = ufunc(np.absolute, kernel("absolute", _one(operator.abs, NONBOOL), _annotated(_identity, Bool)), ops.abs)
fabs = ufunc(np.fabs, kernel("fabs", *_ieee1("fabs")), mathfuncs.fabs)
square = ufunc(np.square, kernel("square", _annotated(_square, T), _annotated(_identity, Bool)))
_divide = numpy_op("true_divide")


def _reciprocal(x: INEXACT):
    return _divide(typeof(x)(1), x)


def _reciprocal_integer(x: IT):
    return x if x == 1 or x == -1 else typeof(x)(0)   # 1 // x truncated, as C divides (and 0 for 0)


reciprocal = ufunc(np.reciprocal, kernel("reciprocal", _reciprocal, _reciprocal_integer,
                                          *complexmath.reciprocal_methods))


def _sign(x: REAL):
    if x > 0:
        return typeof(x)(1)
    if x < 0:
        return typeof(x)(-1)
    return x   # 0 (and -0.0) and NaN are their own sign, as NumPy's


def _sign_complex(x: CT):
    """NumPy 2's sign of a complex number: ``x / abs(x)`` (0 for 0; an infinite part's direction;
    NaN for two infinite parts or a NaN)."""
    re, im = x.real, x.imag
    if np.isinf(re) and np.isinf(im):
        return typeof(x)(complex(np.nan, np.nan))
    if np.isinf(re):   # (before NaN: NumPy's sign of inf + nan*j is 1)
        return typeof(x)(complex(1.0 if re > 0 else -1.0, 0.0))
    if np.isinf(im):
        return typeof(x)(complex(0.0, 1.0 if im > 0 else -1.0))
    if re != re or im != im:
        return typeof(x)(complex(np.nan, np.nan))
    size = np.hypot(re, im)
    if size == 0:
        return typeof(x)(0)
    return typeof(x)(complex(_divide(re, size), _divide(im, size)))


sign = ufunc(np.sign, kernel("sign", _sign, _sign_complex))


# --- comparisons -------------------------------------------------------------------------------
def _mixed(apply):
    """NumPy 2 compares an Int64 with a UInt64 exactly (no type holds both): a negative Int64
    is below every UInt64."""
    below, above = apply(-1, 0), apply(0, -1)

    def signed_unsigned(x: Int64, y: UInt64):
        return below if x < 0 else apply(UInt64(x), y)

    def unsigned_signed(x: UInt64, y: Int64):
        return above if y < 0 else apply(x, UInt64(y))
    return signed_unsigned, unsigned_signed


def _lexicographic(apply):
    """NumPy orders complex numbers by their real parts, then their imaginary parts."""
    def loop(x: CT, y: CT):
        return apply(x.real, y.real) if x.real != y.real else apply(x.imag, y.imag)
    return loop


def _comparison(np_ufunc, apply, op):
    complex_loop = _same(apply, CT) if apply in (operator.eq, operator.ne) else _lexicographic(apply)
    return ufunc(np_ufunc, kernel(np_ufunc.__name__, _same(apply, REAL), complex_loop, *_mixed(apply)), op)


less = _comparison(np.less, operator.lt, ops.lt)
less_equal = _comparison(np.less_equal, operator.le, ops.le)
greater = _comparison(np.greater, operator.gt, ops.gt)
greater_equal = _comparison(np.greater_equal, operator.ge, ops.ge)
equal = _comparison(np.equal, operator.eq, ops.eq)
not_equal = _comparison(np.not_equal, operator.ne, ops.ne)


def _maximum(x: REAL, y: REAL):
    return x if x > y or x != x else y   # a NaN on either side wins; of equals, the second (as NumPy)


def _minimum(x: REAL, y: REAL):
    return x if x < y or x != x else y


def _fmax(x: REAL, y: REAL):
    return y if x < y or x != x else x    # a NaN on one side loses


def _fmin(x: REAL, y: REAL):
    return y if x > y or x != x else x


@generic
def _first_is_larger(x, y):   # complex numbers in NumPy's (lexicographic) order
    return x.real > y.real or x.real == y.real and x.imag >= y.imag


def _maximum_complex(x: CT, y: CT):
    return x if x != x or y == y and _first_is_larger(x, y) else y


def _minimum_complex(x: CT, y: CT):
    return x if x != x or y == y and _first_is_larger(y, x) else y


def _fmax_complex(x: CT, y: CT):
    return y if x != x or y == y and not _first_is_larger(x, y) else x


def _fmin_complex(x: CT, y: CT):
    return y if x != x or y == y and not _first_is_larger(y, x) else x


maximum_loop, minimum_loop = kernel("maximum", _maximum, _maximum_complex), kernel("minimum", _minimum, _minimum_complex)
maximum = ufunc(np.maximum, maximum_loop, ops.max)
minimum = ufunc(np.minimum, minimum_loop, ops.min)
fmax = ufunc(np.fmax, kernel("fmax", _fmax, _fmax_complex), ops.max)
fmin = ufunc(np.fmin, kernel("fmin", _fmin, _fmin_complex), ops.min)

# --- floating point ----------------------------------------------------------------------------
_MATH = {"sqrt": "sqrt", "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2",
         "log10": "log10", "log1p": "log1p", "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin",
         "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
         "arccosh": "acosh", "arctanh": "atanh"}
for _np_name, _math_name in _MATH.items():
    _complex = complexmath.library_methods(_math_name) if _math_name in complexmath.LIBRARY \
        else complexmath.formula_methods(_math_name)
    globals()[_np_name] = ufunc(getattr(np, _np_name), kernel(_np_name, *_ieee1(_math_name), *_complex),
                                getattr(mathfuncs, _math_name, None))
arctan2 = ufunc(np.arctan2, kernel("arctan2", *_ieee2("atan2")), mathfuncs.atan2)
hypot = ufunc(np.hypot, kernel("hypot", *_ieee2("hypot")), mathfuncs.hypot)


def _rounding(name: str):
    """floor, ceil, trunc, rint: of floats, the machine's; of integers (NumPy 2 keeps them), the value."""
    return kernel(name, *_ieee1(name), _annotated(_identity, make_union(INTEGERS, Bool)))


floor = ufunc(np.floor, _rounding("floor"), mathfuncs.floor)
ceil = ufunc(np.ceil, _rounding("ceil"), mathfuncs.ceil)
trunc = ufunc(np.trunc, _rounding("trunc"), mathfuncs.trunc)
def _rint_complex(x: CT):
    return typeof(x)(complex(np.rint(x.real), np.rint(x.imag)))


rint = ufunc(np.rint, kernel("rint", *_ieee1("rint"), _annotated(_identity, make_union(INTEGERS, Bool)), _rint_complex))


def _isnan(x: FT):
    return x != x


def _isnan_complex(x: CT):
    return x.real != x.real or x.imag != x.imag


def _isinf(x: FT):
    return x == x and x - x != x - x   # inf - inf is NaN; a finite x - x is 0


def _isfinite(x: FT):
    return x - x == x - x


_EXACT = make_union(INTEGERS, Bool)
isnan = ufunc(np.isnan, kernel("isnan", _isnan, _isnan_complex, _annotated(_false, _EXACT)), mathfuncs.isnan)
def _isinf_complex(x: CT):
    return np.isinf(x.real) or np.isinf(x.imag)


def _isfinite_complex(x: CT):
    return np.isfinite(x.real) and np.isfinite(x.imag)


isinf = ufunc(np.isinf, kernel("isinf", _isinf, _isinf_complex, _annotated(_false, _EXACT)), mathfuncs.isinf)
isfinite = ufunc(np.isfinite, kernel("isfinite", _isfinite, _isfinite_complex, _annotated(_true, _EXACT)),
                 mathfuncs.isfinite)

# --- the operators on arrays -------------------------------------------------------------------
for _op, _u in ((ops.add, add), (ops.sub, subtract), (ops.mul, multiply), (ops.truediv, true_divide),
                (ops.floordiv, floor_divide), (ops.mod, remainder), (ops.pow, power), (ops.and_, bitwise_and),
                (ops.or_, bitwise_or), (ops.xor, bitwise_xor), (ops.lshift, left_shift), (ops.rshift, right_shift),
                (ops.lt, less), (ops.le, less_equal), (ops.gt, greater), (ops.ge, greater_equal), (ops.eq, equal),
                (ops.ne, not_equal)):
    for _m in _arrays2(_u):
        _op.method(_m)
for _op, _u in ((ops.neg, negative), (ops.pos, positive), (ops.invert, invert), (ops.abs, absolute)):
    _op.method(_arrays1(_u))


# --- where and clip ----------------------------------------------------------------------------
def _where_numbers(c: Any, x: NUMBERS, y: NUMBERS):
    t = result_type(x, y)
    return t(x) if c else t(y)


def _where_any(c: Any, x: Any, y: Any):
    return x if c else y


where_element = kernel("where", _where_numbers, _where_any)


def _clip_numbers(x: NUMBERS, lo: NUMBERS, hi: NUMBERS):
    t = result_type(x, lo, hi)
    return minimum_loop(maximum_loop(t(x), t(lo)), t(hi))


clip_element = kernel("clip", _clip_numbers)


def _lazy_or_eager(element: str, types) -> str:
    """The body of a NumPy function applied elementwise: lazy when an argument is an array."""
    params = ", ".join(f"a{k}" for k in range(len(types)))
    arrays = any(isinstance(t, ArrayType) or is_broadcasted(t) for t in types)
    call = f"broadcasted({element}, {params})" if arrays else f"{element}({params})"
    return f"def elementwise({params}):\n    return {call}\n"


@generic(lazy=True, generated=True)
def where(c, x, y):
    """``np.where(c, x, y)``: ``x`` where ``c`` is true, else ``y``, elementwise, in the dtype
    NumPy's promotion gives ``x`` and ``y``."""
    return _lazy_or_eager("where_element", (c, x, y))


@generic
def where(c):
    """``np.where(c)``: ``np.nonzero(c)``."""
    return nonzero(c)


@generic(lazy=True, generated=True)
def clip(x, lo, hi):
    """``np.clip(x, lo, hi)``: ``minimum(maximum(x, lo), hi)`` elementwise (NaN propagates)."""
    return _lazy_or_eager("clip_element", (x, lo, hi))


library.register(where, stands_for=(np.where,), by_name=False)
library.register(clip, stands_for=(np.clip,), by_name=False)
