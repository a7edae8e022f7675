"""Conversion and promotion as generic functions, as in Julia.

``convert(T, x)`` is ``x`` as a ``T``; ``promote_rule(Type[A], Type[B])`` names the type two
types promote to (one direction is enough: ``promote_type`` asks both); ``promote_type`` and
``promote`` apply the rules. The operators' fallbacks (``ops``) promote mixed arguments and call
the operator again, so a new number type needs only a rule and a ``convert`` method to mix with
the built-in numbers. Everything but the final conversions is decided while the calling code
compiles: the types are known then.
"""

from .. import library
from ..builtin_calls import egal, inexact, lossy, no_promotion, not_defined, promote_builtin
from ..generic import generic
from ..lattice import PRIMITIVES, Any, Bottom, Type, TypeVar, make_union, typeof

__all__ = ["NUMBERS", "convert", "promote_rule", "promote_type", "promote", "promoting", "equal_promoting"]

# The built-in numbers: the methods on them are the machine operations.
NUMBERS = make_union(*PRIMITIVES)
T = TypeVar("T", Any)
N1, N2 = TypeVar("N1", NUMBERS), TypeVar("N2", NUMBERS)


@generic
def convert(t: Type[T], x: T):
    """``convert(T, x)``: ``x`` as a value of type ``T``. Numbers convert when the value is
    kept (``InexactError`` otherwise; floats round); add methods for your own types."""
    return x


@generic
def convert(t: Type[N1], x: N1):  # noqa: F811
    return x


@generic
def convert(t: Type[N1], x: N2):  # noqa: F811
    if lossy(t, x):
        inexact(t, x)
    return t(x)


@generic
def promote_rule(a: Type, b: Type):
    """The type values of ``a`` and ``b`` promote to, or ``Bottom`` for none: define a method for
    one order of your types (``promote_type`` tries both)."""
    return Bottom


@generic
def promote_type(a: Type, b: Type):
    """The type values of types ``a`` and ``b`` convert to for arithmetic (``Bottom``: none)."""
    if a is b:
        return a
    return promote_result(promote_rule(a, b), promote_rule(b, a))


@generic
def promote_type(a: Type[N1], b: Type[N2]):  # noqa: F811
    return promote_builtin(a, b)


@generic
def promote_type(a: Type):  # noqa: F811
    return a


@generic
def promote_result(r: Type, s: Type):
    """What two rules (``promote_rule`` in each order) say together."""
    if r is Bottom:
        return s
    if s is Bottom:
        return r
    return promote_type(r, s)


@generic
def promote(x, y):
    """``x`` and ``y`` converted to their promoted type."""
    t = promote_type(typeof(x), typeof(y))
    if t is Bottom:
        no_promotion(promote, x, y)
    return convert(t, x), convert(t, y)


@generic
def promote(x):  # noqa: F811
    return (x,)


@generic
def promoting(op, x, y):
    """Julia's fallback ``op(x::Number, y::Number) = op(promote(x, y)...)``: ``op`` again on the
    promoted arguments; a MethodError naming ``op`` when they do not promote, or when they
    already have one type (``op`` has no method for it)."""
    t = promote_type(typeof(x), typeof(y))
    if t is Bottom:
        no_promotion(op, x, y)
    if typeof(x) is t:
        if typeof(y) is t:
            not_defined(op, x, y)
    return op(convert(t, x), convert(t, y))


@generic
def equal_promoting(op, x, y):
    """``==``'s fallback: promoted values compare; values that do not promote, or of one type
    with no method, compare their fields (Julia's ``===``)."""
    t = promote_type(typeof(x), typeof(y))
    if t is Bottom:
        return egal(x, y)
    if typeof(x) is t:
        if typeof(y) is t:
            return egal(x, y)
    return op(convert(t, x), convert(t, y))



library.register(convert)
library.register(promote_type)
