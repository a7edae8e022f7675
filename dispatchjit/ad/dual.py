"""Dual numbers: ``Dual[G, V, N]``, a value of type ``V`` and ``N`` partial derivatives, an
ordinary ``@struct`` below ``Real`` whose arithmetic and ``math`` functions are methods of the
generic functions every operator already is (ForwardDiff.jl's design). Generic code written for
numbers runs on duals unchanged and carries the derivatives along.

``G`` is the tag, an integer: 0 for a dual made by hand, and for the duals a driver seeds one
more than the highest tag in the function and the point it differentiates at (``drivers``), so
a derivative taken inside another sees its own perturbation only. Duals of two tags meet as a
nested dual, the higher tag outside (``Dual[2, Dual[1, Float64, 1], 1]``), by promotion. The
partials are a tuple, so a dual lives in registers and its arithmetic vectorizes.

Comparisons, ``abs``, ``min``/``max`` and branches see the value only, as in ForwardDiff, and
``float(d)``/``int(d)`` are errors: they would drop the derivatives.
"""

import math
from typing import Generic, TypeVar

from ..base import mathfuncs as m, ops
from ..base.shapes import _source
from ..base.promotion import convert, promote_rule, promote_type, promoting
from ..generic import generic
from ..lattice import NTuple, Real, Type, Val, typeof
from ..structs import struct

__all__ = ["Dual", "value", "partials", "tag_of"]

G, H = TypeVar("G"), TypeVar("H")
N, M = TypeVar("N"), TypeVar("M")
V, W = TypeVar("V", bound=Real), TypeVar("W", bound=Real)
R = TypeVar("R", bound=Real)


@struct
class Dual(Real, Generic[G, V, N]):
    """A value and ``N`` partial derivatives: ``Dual(1.5, 1.0)`` is 1.5 with the derivative 1
    (tag 0); ``Dual[G, V, N](value, partials)`` names every parameter."""
    value: V
    partials: NTuple[N, V]

    def __eq__(self, other: Real):    # the values compare, as ForwardDiff's ==
        return value(self) == value(other)

    def __ne__(self, other: Real):
        return value(self) != value(other)

    def __hash__(self):
        return hash(self.value)


@Dual.method
def _(x: V, *ps: V):
    return Dual[0, V, len(ps)](x, ps)


@Dual.method
def _(x: Real, *ps: Real):
    t = promote_type(typeof(x), _eltype(ps))
    return Dual[0, t, len(ps)](convert(t, x), _converted(t, ps))


@generic
def value(d: Dual):
    """The value part of a dual (the number itself for other numbers)."""
    return d.value


@generic
def value(x: Real):  # noqa: F811
    return x


@generic
def partials(d: Dual):
    """The partial derivatives of a dual, a tuple."""
    return d.partials


@generic
def tag_of(d: Dual[G, V, N]):
    return G


# --- the partials: tuples of N, written out per length ---------------------------------------
def _tuple_of(name: str, params: str, element: str, n: int) -> str:
    """The source of ``name(params)`` returning ``(element(0), ..., element(n - 1))``, where
    ``element`` uses ``{k}`` for the index."""
    items = "".join(element.format(k=k) + ", " for k in range(n))
    return _source(name, params, [f"return ({items})"])


@generic(generated=True)
def _plus(p, q):
    return _tuple_of("_plus", "p, q", "p[{k}] + q[{k}]", len(p.params))


@generic(generated=True)
def _minus(p, q):
    return _tuple_of("_minus", "p, q", "p[{k}] - q[{k}]", len(p.params))


@generic(generated=True)
def _negated(p):
    return _tuple_of("_negated", "p", "-p[{k}]", len(p.params))


@generic(generated=True)
def _scaled(p, s):
    return _tuple_of("_scaled", "p, s", "p[{k}] * s", len(p.params))


@generic(generated=True)
def _combined(p, a, q, b):
    return _tuple_of("_combined", "p, a, q, b", "p[{k}] * a + q[{k}] * b", len(p.params))


@generic(generated=True)
def _converted(t, p):
    """The elements of the tuple ``p``, each converted to ``t``."""
    return _tuple_of("_converted", "t, p", "convert(t, p[{k}])", len(p.params))


@generic(generated=True)
def _zeros(t, n):
    """``N`` zeros of type ``t`` (``n`` is ``Val(N)``)."""
    return _source("_zeros", "t, n", ["z = convert(t, 0)", "return (" + "z, " * n.param.value + ")"])


@generic(generated=True)
def _eltype(ps):
    """The type the elements of the (non-empty) tuple ``ps`` promote to."""
    names = ", ".join(f"typeof(ps[{k}])" for k in range(len(ps.params)))
    return _source("_eltype", "ps", [f"return _promote_all({names})"])


@generic
def _promote_all(t):
    return t


@generic
def _promote_all(t, u, *rest):  # noqa: F811
    return _promote_all(promote_type(t, u), *rest)


# --- promotion: a number meets a dual as a constant; two tags nest, the higher outside -------
@promote_rule.method
def _(a: Type[Dual[G, V, N]], b: Type[R]):
    return Dual[G, promote_type(V, R), N]


@promote_rule.method
def _(a: Type[Dual[G, V, N]], b: Type[Dual[H, W, M]]):
    if G > H:
        return Dual[G, promote_type(V, Dual[H, W, M]), N]
    if H > G:
        return Dual[H, promote_type(Dual[G, V, N], W), M]
    return Dual[G, promote_type(V, W), N]


@convert.method
def _(t: Type[Dual[G, V, N]], x: Real):
    return Dual[G, V, N](convert(V, x), _zeros(V, Val(N)))


@convert.method
def _(t: Type[Dual[G, V, N]], x: Dual[G, W, N]):
    return Dual[G, V, N](convert(V, x.value), _converted(V, x.partials))


@convert.method
def _(t: Type[Dual[G, V, N]], x: Dual[G, V, N]):   # (more specific than both above)
    return x


# --- arithmetic ----------------------------------------------------------------------------
# Each operator has a method for two duals of one tag, one for a dual and another number (a
# constant: no partials of its own), and one for duals of two tags, which promotes them (the
# lower-tagged becomes the value of a dual of the higher tag) and calls the operator again.
def _on_pairs(op, same, left, right):
    """Add the three methods of the binary operator ``op``; ``left``'s dual is the first operand."""
    same.__annotations__ = {"a": Dual[G, V, N], "b": Dual[G, W, N]}
    left.__annotations__ = {"a": Dual[G, V, N], "b": Real}
    right.__annotations__ = {"a": Real, "b": Dual[G, V, N]}
    for method in (same, left, right):
        op.method(method)

    def mixed(a: Dual, b: Dual):
        return promoting(op, a, b)
    op.method(mixed)


def _add_same(a, b):
    x = a.value + b.value
    return Dual[G, typeof(x), N](x, _plus(a.partials, b.partials))


def _add_left(a, b):
    x = a.value + b
    return Dual[G, typeof(x), N](x, a.partials)


def _add_right(a, b):
    x = a + b.value
    return Dual[G, typeof(x), N](x, b.partials)


def _sub_same(a, b):
    x = a.value - b.value
    return Dual[G, typeof(x), N](x, _minus(a.partials, b.partials))


def _sub_left(a, b):
    x = a.value - b
    return Dual[G, typeof(x), N](x, a.partials)


def _sub_right(a, b):
    x = a - b.value
    return Dual[G, typeof(x), N](x, _negated(b.partials))


def _mul_same(a, b):
    x = a.value * b.value
    return Dual[G, typeof(x), N](x, _combined(a.partials, b.value, b.partials, a.value))


def _mul_left(a, b):
    x = a.value * b
    return Dual[G, typeof(x), N](x, _scaled(a.partials, b))


def _mul_right(a, b):
    x = a * b.value
    return Dual[G, typeof(x), N](x, _scaled(b.partials, a))


def _div_same(a, b):
    x = a.value / b.value
    inv = 1 / b.value
    return Dual[G, typeof(x), N](x, _combined(a.partials, inv, b.partials, -x * inv))


def _div_left(a, b):
    x = a.value / b
    return Dual[G, typeof(x), N](x, _scaled(a.partials, 1 / b))


def _div_right(a, b):
    x = a / b.value
    return Dual[G, typeof(x), N](x, _scaled(b.partials, -x / b.value))


_on_pairs(ops.add, _add_same, _add_left, _add_right)
_on_pairs(ops.sub, _sub_same, _sub_left, _sub_right)
_on_pairs(ops.mul, _mul_same, _mul_left, _mul_right)
_on_pairs(ops.truediv, _div_same, _div_left, _div_right)


def _floordiv_same(a, b):   # piecewise constant: the derivatives are zero
    return _constant(a.value // b.value, a)


def _floordiv_left(a, b):
    return _constant(a.value // b, a)


def _floordiv_right(a, b):
    return _constant(a // b.value, b)


def _mod_same(a, b):        # x - y * floor(x / y)
    x = a.value % b.value
    q = (a.value - x) / b.value
    return Dual[G, typeof(x), N](x, _combined(a.partials, 1, b.partials, -q))


def _mod_left(a, b):
    x = a.value % b
    return Dual[G, typeof(x), N](x, a.partials)


def _mod_right(a, b):
    x = a % b.value
    q = (a - x) / b.value
    return Dual[G, typeof(x), N](x, _scaled(b.partials, -q))


_on_pairs(ops.floordiv, _floordiv_same, _floordiv_left, _floordiv_right)
_on_pairs(ops.mod, _mod_same, _mod_left, _mod_right)


@generic
def _constant(x, like: Dual[G, V, N]):
    """``x`` as a dual of ``like``'s tag and length with zero partials."""
    return Dual[G, typeof(x), N](x, _zeros(typeof(x), Val(N)))


# ``**``: x ** n (an integer n), x ** y, c ** x. The slopes of x ** 0 and x ** 1 are written
# out, so they exist at x = 0 (Python raises for 0.0 ** -1), and c ** x at c = 0 takes its limit.
@generic
def _power_slope(x, y):
    """d(x ** y)/dx."""
    if y == 0:
        return 0 * x
    if y == 1:
        return 1 + 0 * x
    return y * x ** (y - 1)   # (x a nested dual at 0 keeps its own partials: no shortcut here)


@generic
def _exponent_slope(x, v):
    """d(x ** y)/dy, given v = x ** y."""
    if x == 0:
        return 0 * v
    return v * math.log(x)


def _pow_same(a, b):
    x = a.value ** b.value
    da = _power_slope(a.value, b.value)
    db = _exponent_slope(a.value, x)
    return Dual[G, typeof(x), N](x, _combined(a.partials, da, b.partials, db))


def _pow_left(a, b):
    x = a.value ** b
    return Dual[G, typeof(x), N](x, _scaled(a.partials, _power_slope(a.value, b)))


def _pow_right(a, b):
    x = a ** b.value
    return Dual[G, typeof(x), N](x, _scaled(b.partials, _exponent_slope(a, x)))


_on_pairs(ops.pow, _pow_same, _pow_left, _pow_right)


# --- comparisons: the values decide ---------------------------------------------------------
def _compare(op):
    def duals(a: Dual, b: Dual):
        return op(a.value, b.value)

    def left(a: Dual, b: Real):
        return op(a.value, b)

    def right(a: Real, b: Dual):
        return op(a, b.value)
    for method in (duals, left, right):
        op.method(method)


for _op in (ops.lt, ops.le, ops.gt, ops.ge):
    _compare(_op)


@ops.neg.method
def _(a: Dual[G, V, N]):
    return Dual[G, V, N](-a.value, _negated(a.partials))


@ops.pos.method
def _(a: Dual):
    return a


@ops.abs.method
def _(a: Dual):
    return -a if a.value < 0 else a


@generic
def _smaller(a, b):
    """Python's ``min(a, b)``: ``a`` unless ``b < a``; the result has the promoted type."""
    return b if b < a else a


@generic
def _larger(a, b):
    return b if b > a else a


def _extremum(op, pick):
    def duals(a: Dual, b: Dual):
        return pick(a, b)

    def left(a: Dual, b: Real):
        return pick(a, b)

    def right(a: Real, b: Dual):
        return pick(a, b)
    for method in (duals, left, right):
        op.method(method)


_extremum(ops.min, _smaller)
_extremum(ops.max, _larger)


@ops.float.method
def _(a: Dual):
    raise TypeError("cannot convert a Dual to a float: that would drop its derivatives; "
                    "use dispatchjit.ad.value(x) where the value alone is meant")


@ops.int.method
def _(a: Dual):
    raise TypeError("cannot convert a Dual to an int: that would drop its derivatives; "
                    "use math.floor(x) or round(x), which take the value")


@ops.bool.method
def _(a: Dual):
    return a.value != 0


@ops.round.method
def _(a: Dual):
    return round(a.value)


def _of_value(f):
    def on_value(a: Dual):
        return f(a.value)
    f.method(on_value)


for _f in (m.floor, m.ceil, m.trunc, m.isnan, m.isinf, m.isfinite):
    _of_value(_f)


# --- the math module: f(x) and f'(x) (DiffRules.jl's table) ---------------------------------
def _unary(f, slope):
    """The method of ``f`` on duals: the chain rule with ``slope(x, f(x))``, f's derivative."""
    def rule(a: Dual[G, V, N]):
        x = f(a.value)
        return Dual[G, typeof(x), N](x, _scaled(a.partials, slope(a.value, x)))
    f.method(rule)


_LN2, _LN10, _TWO_OVER_ROOT_PI = math.log(2.0), math.log(10.0), 2.0 / math.sqrt(math.pi)


@generic
def _d_sqrt(x, v): return 0.5 / v
@generic
def _d_exp(x, v): return v
@generic
def _d_expm1(x, v): return v + 1
@generic
def _d_exp2(x, v): return v * _LN2
@generic
def _d_log(x, v): return 1 / x
@generic
def _d_log2(x, v): return 1 / (x * _LN2)
@generic
def _d_log10(x, v): return 1 / (x * _LN10)
@generic
def _d_log1p(x, v): return 1 / (1 + x)
@generic
def _d_sin(x, v): return math.cos(x)
@generic
def _d_cos(x, v): return -math.sin(x)
@generic
def _d_tan(x, v): return 1 + v * v
@generic
def _d_asin(x, v): return 1 / math.sqrt(1 - x * x)
@generic
def _d_acos(x, v): return -1 / math.sqrt(1 - x * x)
@generic
def _d_atan(x, v): return 1 / (1 + x * x)
@generic
def _d_sinh(x, v): return math.cosh(x)
@generic
def _d_cosh(x, v): return math.sinh(x)
@generic
def _d_tanh(x, v): return 1 - v * v
@generic
def _d_asinh(x, v): return 1 / math.sqrt(x * x + 1)
@generic
def _d_acosh(x, v): return 1 / math.sqrt(x * x - 1)
@generic
def _d_atanh(x, v): return 1 / (1 - x * x)
@generic
def _d_erf(x, v): return _TWO_OVER_ROOT_PI * math.exp(-x * x)
@generic
def _d_erfc(x, v): return -_TWO_OVER_ROOT_PI * math.exp(-x * x)
@generic
def _d_gamma(x, v): return v * digamma(x)
@generic
def _d_lgamma(x, v): return digamma(x)
@generic
def _d_cbrt(x, v): return v / (3 * x) if x != 0 else 1 / (3 * v * v)
@generic
def _d_fabs(x, v): return -1.0 if x < 0 else 1.0


for _name in ("sqrt", "exp", "expm1", "exp2", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
              "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "gamma", "lgamma",
              "cbrt", "fabs"):
    if hasattr(m, _name):
        _unary(getattr(m, _name), globals()[f"_d_{_name}"])


@m.log.method
def _(a: Dual, base: Real):
    return m.log(a) / math.log(base)


@generic
def digamma(x):
    """The digamma function ψ(x) = Γ'(x)/Γ(x) (the derivative of ``lgamma``): the recurrence up
    to x >= 10, then the asymptotic series; the reflection formula below 1/2."""
    if x < 0.5:
        return digamma(1 - x) - math.pi / math.tan(math.pi * x)
    shift = 0 * x
    while x < 10:
        shift -= 1 / x
        x += 1
    f = 1 / (x * x)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
    return shift + math.log(x) - 0.5 / x - series


# Two-argument functions: the slopes in each argument, given the value.
def _binary_math(f, slopes):
    def same(a: Dual[G, V, N], b: Dual[G, W, N]):
        x = f(a.value, b.value)
        dx, dy = slopes(a.value, b.value, x)
        return Dual[G, typeof(x), N](x, _combined(a.partials, dx, b.partials, dy))

    def left(a: Dual[G, V, N], b: Real):
        x = f(a.value, b)
        dx, dy = slopes(a.value, b, x)
        return Dual[G, typeof(x), N](x, _scaled(a.partials, dx))

    def right(a: Real, b: Dual[G, V, N]):
        x = f(a, b.value)
        dx, dy = slopes(a, b.value, x)
        return Dual[G, typeof(x), N](x, _scaled(b.partials, dy))

    def mixed(a: Dual, b: Dual):
        return promoting(f, a, b)
    for method in (same, left, right, mixed):
        f.method(method)


@generic
def _d_atan2(y, x, v):
    r = x * x + y * y
    return x / r, -y / r


@generic
def _d_hypot(x, y, v):
    return x / v, y / v


_binary_math(m.atan2, _d_atan2)
_binary_math(m.hypot, _d_hypot)
