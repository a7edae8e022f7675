"""NumPy's sorting and searching in the language: ``np.sort``, ``x.sort()``, ``np.argsort``
(``x.argsort()``), ``np.searchsorted`` and ``np.unique``.

Every sort is one stable merge sort (``merge_sort``: runs of 16 sorted by insertion, then merged
bottom-up between two buffers) of a contiguous copy of each line along the axis. The order is
NumPy's (``ordered``): NaN after every number; complex numbers by real part, then imaginary part,
NaN last in each. The sort is stable whatever ``kind=`` asks for, which is a valid answer for
NumPy's quicksort too and equal to its ``kind='stable'``.
"""

import numpy as np

from .. import library
from ..generic import generic
from ..lattice import (AbstractArray, Any, Array, ArrayType, Complex64, Complex128, Float16, Float32, Float64, Integer,
                       Nothing, TypeVar, make_union)
from .promotion import promote
from .reductions import lines_along
from .shapes import _source, ravel_c

__all__ = ["ordered", "merge_sort", "sort", "argsort", "searchsorted", "unique"]

FLOAT = TypeVar("FLOAT", make_union(Float16, Float32, Float64))
COMPLEX = TypeVar("COMPLEX", make_union(Complex64, Complex128))
_RUN = 16   # elements sorted by insertion before merging: where insertion stops paying
_KINDS = ("q", "m", "h", "s")   # NumPy takes any word starting so: 'quicksort', 'stable', ...


@generic
def ordered(x, y):
    """Whether ``x`` sorts before ``y`` in NumPy's order (numbers of one type)."""
    return x < y


@generic
def ordered(x: FLOAT, y: FLOAT):  # noqa: F811
    return x < y or (y != y and x == x)


@generic
def ordered(x: COMPLEX, y: COMPLEX):  # noqa: F811
    if ordered(x.real, y.real):
        return True
    if ordered(y.real, x.real):
        return False
    return ordered(x.imag, y.imag)


@generic
def before(x, y):
    """``ordered`` of two numbers of any types, compared in their promoted type."""
    p = promote(x, y)
    return ordered(p[0], p[1])


def _moves(perm: bool, dst: str, d: str, src: str, s: str) -> list[str]:
    """``dst[d] = src[s]`` for the keys (``k``) and, when sorting a permutation along, for it (``p``)."""
    return [f"{dst}k[{d}] = {src}k[{s}]"] + ([f"{dst}p[{d}] = {src}p[{s}]"] if perm else [])


def _indented(lines: list[str], depth: int) -> list[str]:
    return ["    " * depth + line for line in lines]


@generic(generated=True, boundscheck=False)
def merge_sort(k, p):
    """Sort the contiguous 1-d array ``k`` in place, stably; ``p`` (an array of ``k``'s length,
    or None) is permuted along with it (``argsort`` sorts ``arange(n)`` with the keys)."""
    perm = isinstance(p, ArrayType)
    lines = ["n = k.shape[0]", f"for lo in range(0, n, {_RUN}):", f"    hi = min(lo + {_RUN}, n)",
             "    for i in range(lo + 1, hi):", "        x = k[i]"]
    lines += ["        y = p[i]"] if perm else []
    lines += ["        j = i - 1", "        while j >= lo and ordered(x, k[j]):"]
    lines += _indented(_moves(perm, "", "j + 1", "", "j") + ["j -= 1"], 3)
    lines += ["        k[j + 1] = x"] + (["        p[j + 1] = y"] if perm else [])
    lines += ["xk = k", "yk = np.empty(n, k.dtype)"] + (["xp = p", "yp = np.empty(n, p.dtype)"] if perm else [])
    lines += [f"width = {_RUN}", "flipped = False", "while width < n:",
              "    for lo in range(0, n, 2 * width):",
              "        mid = min(lo + width, n)", "        hi = min(lo + 2 * width, n)", "        i = lo",
              "        j = mid", "        o = lo",
              # halves already in order (a sorted input) are copied through
              "        if mid < hi and ordered(xk[mid], xk[mid - 1]):",
              "            while i < mid and j < hi:", "                if ordered(xk[j], xk[i]):"]
    lines += _indented(_moves(perm, "y", "o", "x", "j") + ["j += 1"], 5) + ["                else:"]
    lines += _indented(_moves(perm, "y", "o", "x", "i") + ["i += 1"], 5) + ["                o += 1"]
    for var, end in (("i", "mid"), ("j", "hi")):
        lines += [f"        while {var} < {end}:"] + _indented(_moves(perm, "y", "o", "x", var) + [f"{var} += 1", "o += 1"], 3)
    lines += ["    xk, yk = yk, xk"] + (["    xp, yp = yp, xp"] if perm else [])
    lines += ["    flipped = not flipped", "    width *= 2", "if flipped:", "    for i in range(n):"]
    lines += _indented(_moves(perm, "", "i", "x", "i"), 2)
    return _source("merge_sort", "k, p", lines)


@generic
def contiguous_copy(a: Array[Any, 1]):
    """A new C array of the 1-d ``a``'s elements."""
    out = np.empty(a.shape[0], a.dtype)
    for i in range(a.shape[0]):
        out[i] = a[i]
    return out


@generic
def sorted_line(out, a):
    """``out`` (a line of the result, maybe ``a`` itself) the elements of the line ``a`` sorted."""
    k = contiguous_copy(a)
    merge_sort(k, None)
    for i in range(k.shape[0]):
        out[i] = k[i]


@generic
def argsorted_line(out, a):
    """``out`` (a line of Int64) the indices that sort the line ``a``, stably."""
    k = contiguous_copy(a)
    p = np.arange(k.shape[0])
    merge_sort(k, p)
    for i in range(k.shape[0]):
        out[i] = p[i]


def _kind_error(rest) -> list[str]:
    """NumPy's ValueError for a ``kind=`` it does not know (``rest``: the types of ``kind`` and
    what follows it, constants such as ``Val('stable')``)."""
    value = rest[0].param.value if rest else None
    if value is None or (isinstance(value, str) and value[:1].lower() in _KINDS):
        return []
    return [f"raise ValueError(\"sort kind must be one of 'quick', 'heap', or 'stable' (got {value!r})\")"]


def _sorting(name: str, doc: str):
    """The generic function ``name(a, axis=-1, kind=None, ...)``, whose method checks ``kind``
    and calls ``name`` at the axis (the methods below, by the axis's type)."""
    def generator(a, *rest):
        call = f"{name}(a, {'rest[0]' if rest else '-1'}, None)"
        return _source(name, "a, *rest", _kind_error(rest[1:]) + [call if name == "sort_in_place" else f"return {call}"])

    generator.__name__ = generator.__qualname__ = name
    generator.__doc__ = doc
    generator.__annotations__ = {"a": AbstractArray}
    generator.__dispatchjit_options__ = {"generated": True}
    return generic(generator)


sort = _sorting("sort", """``np.sort(a, axis, kind)``: a new array, each line along ``axis`` sorted
    (``axis=None``: the elements in C order, sorted).""")
sort_in_place = _sorting("sort_in_place", "``x.sort(axis, kind)``: each line of ``x`` along ``axis`` sorted, in place.")
argsort = _sorting("argsort", """``np.argsort(a, axis, kind)``: Int64 indices that sort each line along
    ``axis`` (the elements in C order for ``axis=None``), stably.""")


@sort.method
def _(a: AbstractArray, axis: Nothing, checked: Nothing):
    k = contiguous_copy(ravel_c(a))
    merge_sort(k, None)
    return k


@sort.method
def _(a: AbstractArray, axis: Integer, checked: Nothing):
    out = a.copy()
    lines_along(sorted_line, out, out, axis)
    return out


@sort_in_place.method
def _(a: AbstractArray, axis: Integer, checked: Nothing):
    lines_along(sorted_line, a, a, axis)


@argsort.method
def _(a: AbstractArray, axis: Nothing, checked: Nothing):
    flat = ravel_c(a)
    out = np.empty(flat.shape[0], np.int64)
    argsorted_line(out, flat)
    return out


@argsort.method
def _(a: Array[Any, 0], axis: Integer, checked: Nothing):
    return np.zeros(1, np.int64)   # NumPy's: the one element, whatever the axis


@argsort.method
def _(a: AbstractArray, axis: Integer, checked: Nothing):
    out = np.empty(a.shape, np.int64)
    lines_along(argsorted_line, out, a, axis)
    return out


# --- searchsorted -------------------------------------------------------------------------------
@generic
def insertion_point(a, x, right):
    """Where ``x`` goes in the sorted 1-d ``a``: before the first element not before it (after
    the last element not after it, when ``right``), by binary search."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if before(x, a[mid]) if right else not before(a[mid], x):
            hi = mid
        else:
            lo = mid + 1
    return lo


@generic(generated=True)
def searchsorted(a, v, *rest):
    """``np.searchsorted(a, v, side)``: the insertion points of ``v`` (a number, or an array:
    one per element, of its shape) into the sorted 1-d array ``a``."""
    side = rest[0].param.value if rest else "left"
    right = side == "right"
    if side not in ("left", "right"):
        lines = [f"raise ValueError(\"search side must be 'left' or 'right' (got {side!r})\")"]
    elif len(rest) > 1 and rest[1] is not Nothing:
        lines = ["raise TypeError('searchsorted(): sorter= is not supported in compiled code')"]
    elif a.ndim != 1:
        lines = [f"raise ValueError('object {'too deep' if a.ndim else 'of too small depth'} for desired array')"]
    elif not isinstance(v, ArrayType):
        lines = [f"return insertion_point(a, v, {right})"]
    elif v.ndim == 0:
        lines = [f"return insertion_point(a, v[()], {right})"]
    else:
        lines = ["out = np.empty(v.shape, np.int64)", "flat = ravel_c(v)", "into = ravel_c(out)",
                 "for i in range(flat.shape[0]):", f"    into[i] = insertion_point(a, flat[i], {right})",
                 "return out"]
    return _source("searchsorted", "a, v, *rest", lines)


# --- unique --------------------------------------------------------------------------------------
@generic
def distinct(x, y):
    """Whether the neighbours ``x`` and ``y`` (``x`` first in sorted order) differ, NaNs being
    one value (NumPy's ``equal_nan=True``)."""
    return ordered(x, y) and not (x != x and y != y)


@generic(generated=True)
def unique(ar, *flags):
    """``np.unique(ar, ...)``: the sorted distinct elements of ``ar`` (NaNs as one); with the
    flags, also the index of each one's first occurrence, the index into them of each element
    (of ``ar``'s shape), and how often each occurs, as a tuple in NumPy's order."""
    flags = [f.param.value for f in flags] + [False] * (3 - len(flags))
    perm = flags[0] or flags[1]
    lines = ["flat = ravel_c(ar)", "n = flat.shape[0]", "k = contiguous_copy(flat)"]
    lines += ["p = np.arange(n)", "merge_sort(k, p)"] if perm else ["merge_sort(k, None)"]
    lines += ["m = 0", "for i in range(n):", "    if i == 0 or distinct(k[i - 1], k[i]):", "        m += 1",
              "values = np.empty(m, ar.dtype)"]
    made = [("first = np.empty(m, np.int64)", "first[j] = p[i]", None),
            ("inverse = np.empty(ar.shape, np.int64)", None, "into[p[i]] = j"),
            ("counts = np.zeros(m, np.int64)", None, "counts[j] += 1")]
    lines += [alloc for flag, (alloc, _, _) in zip(flags, made) if flag]
    lines += ["into = ravel_c(inverse)"] if flags[1] else []
    lines += ["j = -1", "for i in range(n):", "    if i == 0 or distinct(k[i - 1], k[i]):", "        j += 1",
              "        values[j] = k[i]"]
    lines += [f"        {at_new}" for flag, (_, at_new, _) in zip(flags, made) if flag and at_new]
    lines += [f"    {each}" for flag, (_, _, each) in zip(flags, made) if flag and each]
    results = ["values"] + [name for flag, name in zip(flags, ("first", "inverse", "counts")) if flag]
    lines.append(f"return ({', '.join(results)},)" if len(results) > 1 else "return values")
    return _source("unique", "ar, *flags", lines)


_SORT_KEYWORDS = {"axis": -1, "kind": None}
library.register(sort, stands_for=(np.sort,), by_name=False, keywords=_SORT_KEYWORDS, static=("kind",))
library.register(sort_in_place, stands_for=(np.ndarray.sort,), by_name=False, keywords=_SORT_KEYWORDS,
                 static=("kind",))
library.register(argsort, stands_for=(np.argsort, np.ndarray.argsort), by_name=False, keywords=_SORT_KEYWORDS,
                 static=("kind",))
library.register(searchsorted, stands_for=(np.searchsorted,), by_name=False, keywords={"v": None, "side": "left"},
                 static=("side",))
library.register(unique, stands_for=(np.unique,), by_name=False,
                 keywords={"return_index": False, "return_inverse": False, "return_counts": False},
                 static=("return_index", "return_inverse", "return_counts"))
