"""The ``math`` module's functions as generic functions (``dispatchjit.math.sin``...), whose
built-in methods on the built-in numbers compile to what ``math.sin`` does; ``math.sin(x)`` in
compiled code calls the generic function when ``x`` is a user type, so a method for it
(``@dispatchjit.math.sin.method``) is what runs."""

import math

from .. import library
from ..generic import GenericFunction
from .ops import _numbers1, _numbers2


def _math(name: str, arity: int = 1) -> GenericFunction:
    apply = getattr(math, name)
    f = GenericFunction(name, name, __name__, f"``math.{name}``")
    f.method(_numbers1(apply) if arity == 1 else _numbers2(apply))
    library.register(f, stands_for=(apply,), by_name=False)   # ops.pow is **, not math.pow
    return f


sqrt, exp, expm1, log, log2, log10, log1p = map(_math, ("sqrt", "exp", "expm1", "log", "log2", "log10", "log1p"))
log.method(_numbers2(math.log))
sin, cos, tan, asin, acos, atan = map(_math, ("sin", "cos", "tan", "asin", "acos", "atan"))
sinh, cosh, tanh, asinh, acosh, atanh = map(_math, ("sinh", "cosh", "tanh", "asinh", "acosh", "atanh"))
fabs, erf, erfc, gamma, lgamma = map(_math, ("fabs", "erf", "erfc", "gamma", "lgamma"))
floor, ceil, trunc, isnan, isinf, isfinite = map(_math, ("floor", "ceil", "trunc", "isnan", "isinf", "isfinite"))
atan2, hypot, pow, copysign, fmod = (_math(n, 2) for n in ("atan2", "hypot", "pow", "copysign", "fmod"))
if hasattr(math, "cbrt"):   # Python 3.11 and later
    cbrt, exp2 = _math("cbrt"), _math("exp2")
