"""NumPy's boolean-mask indexing in the language: ``a[m]`` reads the elements where the boolean
array ``m`` (of ``a``'s shape) is true, in C order, into a new 1-d array; ``a[m] = v`` writes
``v`` there (a number, or a 1-d array with one element per true entry, or a single element).

Both are loop nests over the shape, generated for the number of axes, so they serve every
layout; the compiler's ``x[m]`` calls them when the index is a boolean array of ``x``'s rank
(``array_calls.boolean_mask`` refuses other masks at the line).
"""

import numpy as np  # noqa: F401 - generated bodies

from .. import library
from ..generic import generic
from ..lattice import ArrayType
from .shapes import _source

__all__ = ["mask_read", "mask_write"]


def _checked(a: ArrayType, m: ArrayType) -> list[str]:
    """NumPy's IndexError for a mask whose shape is not the array's."""
    lines = []
    for k in range(a.ndim):
        lines += [f"if m.shape[{k}] != a.shape[{k}]:",
                  f"    raise IndexError(f'boolean index did not match indexed array along axis {k}; size of axis "
                  f"is {{a.shape[{k}]}} but size of corresponding boolean axis is {{m.shape[{k}]}}')"]
    return lines


def _nest(ndim: int, body: list[str]) -> list[str]:
    """``body`` inside loops over ``a``'s axes, ``i0, i1, ...``, in C order."""
    return ([f"{'    ' * k}for i{k} in range(a.shape[{k}]):" for k in range(ndim)]
            + [f"{'    ' * ndim}{line}" for line in body])


def _ix(ndim: int) -> str:
    return ", ".join(f"i{k}" for k in range(ndim))


def _count(ndim: int) -> list[str]:
    """``n``: the number of true entries of ``m``."""
    return ["n = 0"] + _nest(ndim, [f"if m[{_ix(ndim)}]:", "    n += 1"])


@generic(generated=True)
def mask_read(a, m):
    """``a[m]``: a new 1-d array of ``a``'s elements where ``m`` is true, in C order."""
    ix = _ix(a.ndim)
    lines = _checked(a, m) + _count(a.ndim)
    lines += ["out = np.empty(n, a.dtype)", "k = 0"]
    lines += _nest(a.ndim, [f"if m[{ix}]:", f"    out[k] = a[{ix}]", "    k += 1"])
    return _source("mask_read", "a, m", lines + ["return out"])


@generic(generated=True)
def mask_write(a, m, v):
    """``a[m] = v``: ``v`` (a number, a 1-d array of one element per true entry of ``m``, or of
    one element) written where ``m`` is true, in C order."""
    ix = _ix(a.ndim)
    lines = _checked(a, m)
    if not isinstance(v, ArrayType):
        return _source("mask_write", "a, m, v", lines + _nest(a.ndim, [f"if m[{ix}]:", f"    a[{ix}] = v"]))
    lines += _count(a.ndim)
    lines += ["if v.shape[0] != n and v.shape[0] != 1:",
              "    raise ValueError(f'NumPy boolean array indexing assignment cannot assign {v.shape[0]} input "
              "values to the {n} output values where the mask is true')",
              "step = 1 if v.shape[0] != 1 else 0", "k = 0"]
    lines += _nest(a.ndim, [f"if m[{ix}]:", f"    a[{ix}] = v[k]", "    k += step"])
    return _source("mask_write", "a, m, v", lines)


for _f in (mask_read, mask_write):
    library.register(_f)
