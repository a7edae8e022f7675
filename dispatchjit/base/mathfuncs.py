"""The ``math`` module's functions as generic functions (``dispatchjit.math.sin``...), whose
built-in methods on the built-in numbers compile to what ``math.sin`` does today; ``math.sin(x)``
in compiled code calls the generic function when ``x`` is a user type, so a method for it
(``@dispatchjit.math.sin.method``) is what runs."""

import math

from .. import library
from ..builtin_calls import MATH_BINARY, MATH_UNARY
from ..generic import GenericFunction
from .ops import _numbers1, _numbers2

__all__ = list(MATH_UNARY + MATH_BINARY) + ["floor", "ceil", "trunc", "isnan", "isinf", "isfinite"]

for _name in __all__:
    _apply = getattr(math, _name, None)
    if _apply is None:   # exp2 and cbrt are new in Python 3.11
        continue
    _f = GenericFunction(_name, _name, __name__, f"``math.{_name}``")
    _f.method(_numbers2(_apply) if _name in MATH_BINARY else _numbers1(_apply))
    globals()[_name] = _f
    library.register(_f, stands_for=(_apply,), by_name=False)   # ops.pow is **, not math.pow
log.method(_numbers2(math.log))  # noqa: F821  (defined by the loop)
