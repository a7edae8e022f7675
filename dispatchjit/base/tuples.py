"""Tuple operations, as generated functions over the tuple's length (each specialization is
its elements written out, which LLVM folds): ``t + u``, ``t * k``, constant slices ``t[a:b:c]``,
``t[i]`` with an integer known only when the code runs (homogeneous tuples), and ``v in t``.
The compiler calls them for the operators, so a tuple made by a call is evaluated once."""

from .. import library
from ..generic import generic
from .shapes import _source

__all__ = ["tuple_concat", "tuple_repeat", "tuple_slice", "tuple_getitem", "tuple_contains"]


def _items(parts: list[str]) -> str:
    return "(" + "".join(f"{p}, " for p in parts) + ")"


@generic(generated=True)
def tuple_concat(t, u):
    """``t + u``."""
    parts = [f"t[{k}]" for k in range(len(t.params))] + [f"u[{k}]" for k in range(len(u.params))]
    return _source("tuple_concat", "t, u", [f"return {_items(parts)}"])


@generic(generated=True)
def tuple_repeat(t, times):
    """``t * k`` (``times`` is ``Val(k)``; ``k <= 0`` gives ``()``, as Python)."""
    parts = [f"t[{k}]" for k in range(len(t.params))] * max(times.param.value, 0)
    return _source("tuple_repeat", "t, times", [f"return {_items(parts)}"])


@generic(generated=True)
def tuple_slice(t, bounds):
    """``t[start:stop:step]`` for constant bounds (``bounds`` is ``Val((start, stop, step))``,
    ``None`` where omitted), by Python's rules for a slice of ``len(t)`` elements."""
    picked = range(*slice(*bounds.param.value).indices(len(t.params)))
    return _source("tuple_slice", "t, bounds", [f"return {_items([f't[{k}]' for k in picked])}"])


@generic(generated=True)
def tuple_getitem(t, i):
    """``t[i]`` of a tuple whose elements have one type, ``i`` known when the code runs:
    negative indices count from the end; IndexError outside, as Python's."""
    n = len(t.params)
    lines = ["if i < 0:", f"    i += {n}",
             f"if i < 0 or i >= {n}:", "    raise IndexError('tuple index out of range')"]
    lines += [f"if i == {k}:\n        return t[{k}]" for k in range(n - 1)]
    lines += [f"return t[{n - 1}]"] if n else []
    return _source("tuple_getitem", "t, i", lines)


@generic(generated=True)
def tuple_contains(t, v):
    """``v in t``: an element equal to ``v`` (``==``, as Python's ``in`` asks)."""
    test = " or ".join(f"v == t[{k}]" for k in range(len(t.params))) or "False"
    return _source("tuple_contains", "t, v", [f"return {test}"])


for _f in (tuple_concat, tuple_repeat, tuple_slice, tuple_getitem, tuple_contains):
    library.register(_f)
