"""Whole-array reductions of NumPy (``np.sum``, ``np.prod``, ``np.min``, ``np.max``,
``np.mean``, ``np.any``, ``np.all`` and the array methods of those names), as generic functions written in the
language. The result types are NumPy 2's: integer sums and products in Int64 (UInt64 for
unsigned elements; wrapping as NumPy's do), Bool sums count; floats and complex keep their
type. A float sum is NumPy's pairwise summation (blocks of 128 with eight accumulators, halves
above), so it is as accurate as NumPy's, and for an array NumPy sums in one pass (contiguous,
of a float dtype) the same to the last bit.
Reductions along an axis come later (issue 13).
"""

import numpy as np

from .. import library
from ..array_intrinsics import flat
from ..generic import generic
from ..lattice import (AbstractArray, Array, Bool, Complex64, Complex128, Float32, Float64, Int8, Int16, Int32, Int64,
                       TypeVar, UInt8, UInt16, UInt32, UInt64, make_union)
from .ops import gt, lt

__all__ = ["sum", "prod", "min", "max", "mean", "any", "all"]

SIGNED = TypeVar("SIGNED", make_union(Bool, Int8, Int16, Int32, Int64))
UNSIGNED = TypeVar("UNSIGNED", make_union(UInt8, UInt16, UInt32, UInt64))
INTEGER = TypeVar("INTEGER", make_union(Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64))
INEXACT = TypeVar("INEXACT", make_union(Float32, Float64, Complex64, Complex128))


@generic
def sum(a: Array[SIGNED]):
    """``np.sum(a)`` of the whole array."""
    return sequential_sum(a, Int64)


@generic
def sum(a: Array[UNSIGNED]):  # noqa: F811
    return sequential_sum(a, UInt64)


@generic
def sequential_sum(a, t):
    """The elements added in order as values of ``t`` (integers: exact, or wrapping as NumPy's)."""
    s = t(0)
    for i in range(a.size):
        s += t(flat(a, i))
    return s


@generic
def sum(a: Array[INEXACT]):  # noqa: F811
    return total(a, a.dtype)


@generic
def total(a, t):
    """The sum of ``a``'s elements as values of type ``t``, as NumPy's reduction adds them:
    zero plus the pairwise sum of all of them (so a sum of negative zeros is 0.0, as NumPy's)."""
    return t(0) + pairwise(a, 0, a.size, t)


@generic
def pairwise(a, lo, n, t):
    """NumPy's pairwise summation of ``n`` elements from flat index ``lo``, in type ``t``."""
    if n < 8:
        s = t(0)
        for i in range(lo, lo + n):
            s += t(flat(a, i))
        return s
    if n <= 128:
        r0, r1, r2, r3 = t(flat(a, lo)), t(flat(a, lo + 1)), t(flat(a, lo + 2)), t(flat(a, lo + 3))
        r4, r5, r6, r7 = t(flat(a, lo + 4)), t(flat(a, lo + 5)), t(flat(a, lo + 6)), t(flat(a, lo + 7))
        end = lo + n - n % 8
        for i in range(lo + 8, end, 8):
            r0 += t(flat(a, i))
            r1 += t(flat(a, i + 1))
            r2 += t(flat(a, i + 2))
            r3 += t(flat(a, i + 3))
            r4 += t(flat(a, i + 4))
            r5 += t(flat(a, i + 5))
            r6 += t(flat(a, i + 6))
            r7 += t(flat(a, i + 7))
        s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(end, lo + n):
            s += t(flat(a, i))
        return s
    half = n // 2
    half -= half % 8
    return pairwise(a, lo, half, t) + pairwise(a, lo + half, n - half, t)


@generic
def prod(a: Array[SIGNED]):
    """``np.prod(a)`` of the whole array (in order, as NumPy multiplies)."""
    return sequential_product(a, Int64)


@generic
def prod(a: Array[UNSIGNED]):  # noqa: F811
    return sequential_product(a, UInt64)


@generic
def prod(a: Array[INEXACT]):  # noqa: F811
    return sequential_product(a, a.dtype)


@generic
def sequential_product(a, t):
    p = t(1)
    for i in range(a.size):
        p *= t(flat(a, i))
    return p


@generic
def min(a: AbstractArray):
    """``np.min(a)``: a NaN anywhere gives NaN; an empty array raises ValueError, as NumPy."""
    if a.size == 0:
        raise ValueError("zero-size array to reduction operation minimum which has no identity")
    return extreme(a, lt)


@generic
def max(a: AbstractArray):
    """``np.max(a)``: a NaN anywhere gives NaN; an empty array raises ValueError, as NumPy."""
    if a.size == 0:
        raise ValueError("zero-size array to reduction operation maximum which has no identity")
    return extreme(a, gt)


@generic
def extreme(a, better):
    """The element no other is ``better`` than (the first NaN, if there is one)."""
    m = flat(a, 0)
    for i in range(1, a.size):
        v = flat(a, i)
        if better(v, m) or v != v:
            m = v
    return m


@generic
def mean(a: Array[INEXACT]):
    """``np.mean(a)``: the pairwise sum over the size, in the element type (NaN for an empty
    array, as NumPy gives, without its warning)."""
    if a.size == 0:
        return a.dtype(np.nan)
    return total(a, a.dtype) / a.dtype(a.size)


@generic
def mean(a: Array[INTEGER]):  # noqa: F811
    """Integers average in Float64, summed as NumPy sums them (converted, then pairwise)."""
    if a.size == 0:
        return np.nan
    return total(a, Float64) / Float64(a.size)


@generic
def any(a: AbstractArray):
    """``np.any(a)``: whether some element is true (nonzero; NaN is true)."""
    for i in range(a.size):
        if flat(a, i):
            return True
    return False


@generic
def all(a: AbstractArray):
    """``np.all(a)``: whether every element is true (so True for an empty array)."""
    for i in range(a.size):
        if not flat(a, i):
            return False
    return True


library.register(sum, stands_for=(np.sum,), by_name=False)
library.register(any, stands_for=(np.any,), by_name=False)
library.register(all, stands_for=(np.all,), by_name=False)
library.register(prod, stands_for=(np.prod,), by_name=False)
library.register(min, stands_for=(np.min, np.amin), by_name=False)
library.register(max, stands_for=(np.max, np.amax), by_name=False)
library.register(mean, stands_for=(np.mean,), by_name=False)
