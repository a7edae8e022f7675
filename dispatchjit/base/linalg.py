"""Matrix products and norms (``a @ b``, ``np.matmul``, ``np.dot``, ``np.linalg.norm``) as
generic functions of the library.

The product of two 2-D arrays is an ``i, p, j`` loop nest: the innermost loop runs along a row
of ``b`` and of the result, so it vectorizes for C arrays, and every layout is correct (a
blocked kernel that rivals BLAS is the performance issue's). Operands of different dtypes are
converted first to the type NumPy's promotion gives; 1-D operands are vectors as NumPy's
``matmul`` treats them, and two vectors give their dot product.
"""

import math

import numpy as np

import dispatchjit.base.ops as ops
from .. import library
from ..array_intrinsics import flat, result_type
from ..generic import generic
from ..lattice import Array, Number

__all__ = ["matmul", "dot", "norm"]


@generic
def matmul(a: Array[Number, 2], b: Array[Number, 2]):
    """``a @ b`` of two matrices."""
    n, k = a.shape
    k2, m = b.shape
    if k != k2:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 (size {k2} is "
                         f"different from {k})")
    t = result_type(flat(a, 0), flat(b, 0))
    out = np.zeros((n, m), t)
    for i in range(n):
        for p in range(k):
            aip = t(a[i, p])
            for j in range(m):
                out[i, j] += aip * t(b[p, j])
    return out


@generic
def matmul(a: Array[Number, 1], b: Array[Number, 2]):  # noqa: F811
    """A vector times a matrix: a vector."""
    k, m = b.shape
    if a.shape[0] != k:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 (size {k} is "
                         f"different from {a.shape[0]})")
    t = result_type(flat(a, 0), flat(b, 0))
    out = np.zeros(m, t)
    for p in range(k):
        ap = t(a[p])
        for j in range(m):
            out[j] += ap * t(b[p, j])
    return out


@generic
def matmul(a: Array[Number, 2], b: Array[Number, 1]):  # noqa: F811
    """A matrix times a vector: a vector."""
    n, k = a.shape
    if k != b.shape[0]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 (size {b.shape[0]} "
                         f"is different from {k})")
    t = result_type(flat(a, 0), flat(b, 0))
    out = np.zeros(n, t)
    for i in range(n):
        s = t(0)
        for p in range(k):
            s += t(a[i, p]) * t(b[p])
        out[i] = s
    return out


@generic
def matmul(a: Array[Number, 1], b: Array[Number, 1]):  # noqa: F811
    """Two vectors: their dot product, a number."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 (size {b.shape[0]} "
                         f"is different from {a.shape[0]})")
    t = result_type(flat(a, 0), flat(b, 0))
    s = t(0)
    for i in range(a.shape[0]):
        s += t(a[i]) * t(b[i])
    return s


@generic
def dot(a, b):
    """``np.dot``: ``matmul`` for vectors and matrices."""
    return matmul(a, b)


@generic
def dot(a: Number, b: Number):  # noqa: F811
    return a * b


@generic
def norm(x: Array[Number, 1]):
    """``np.linalg.norm`` of a vector: its 2-norm."""
    s = 0.0
    for i in range(x.shape[0]):
        v = abs(x[i])
        s += v * v
    return math.sqrt(s)


@generic
def norm(x: Array[Number, 2]):  # noqa: F811
    """``np.linalg.norm`` of a matrix: its Frobenius norm."""
    s = 0.0
    for i in range(x.size):
        v = abs(flat(x, i))
        s += v * v
    return math.sqrt(s)


library.register(matmul, stands_for=(np.matmul,), by_name=False)
library.register(dot, stands_for=(np.dot,), by_name=False)
library.register(norm, stands_for=(np.linalg.norm,), by_name=False)
for _m in matmul.table.methods:
    ops.matmul.method(_m.func)
