"""Array functions for the differential tests (tests/test_arrays_differential.py).

Loaded twice: once with the global ``generic`` bound to ``dispatchjit.generic`` and once to the
identity (plain CPython on the same NumPy arrays). Functions call each other by global name, so
in the compiled load those calls are calls between generic functions.

Every function stays inside the common ground of the two semantics: accumulators start as
``0.0`` (Float64 in both), integer arithmetic stays far from overflow for the generated values,
and results are numbers, tuples of numbers or arrays.
"""

import numpy as np

try:
    generic  # noqa: B018 -- injected by the loader
except NameError:  # imported directly: plain CPython
    def generic(fn):
        return fn


# --- 1-D reductions ------------------------------------------------------------------------------
@generic
def total(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i]
    return s


@generic
def total_iter(x):
    s = 0.0
    for v in x:
        s += v
    return s


@generic
def dot(x, y):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * y[i]
    return s


@generic
def argmax_loop(x):
    best = 0
    m = x[0]
    for i in range(1, len(x)):
        if x[i] > m:
            m = x[i]
            best = i
    return best


@generic
def count_positive(x):
    c = 0
    for v in x:
        if v > 0:
            c += 1
    return c


@generic
def slice_sums(x):
    return total(x[1:-1]), total(x[::2]), total(x[::-1]), total(x[-3:]), total(x[len(x) // 2::-3])


@generic
def negative_index(x, k):
    return x[-k]


@generic
def window_sum(x, lo, hi):
    """A loop ``bce`` versions (indices i + c), with bounds that may leave the array."""
    s = 0.0
    for i in range(lo, hi):
        s += x[i - 1] * 2.0 + x[i + 1]
    return s


# --- 1-D producing or mutating arrays ------------------------------------------------------------
@generic
def prefix_sum(x):
    out = np.empty(len(x))
    s = 0.0
    for i in range(len(x)):
        s += x[i]
        out[i] = s
    return out


@generic
def prefix_sum_inplace(x):
    for i in range(1, len(x)):
        x[i] += x[i - 1]
    return x


@generic
def reversed_copy(x):
    out = np.empty_like(x)
    n = len(x)
    for i in range(n):
        out[i] = x[n - 1 - i]
    return out


@generic
def reverse_inplace(x):
    n = len(x)
    for i in range(n // 2):
        t = x[i]
        x[i] = x[n - 1 - i]
        x[n - 1 - i] = t


@generic
def stencil1d(u):
    out = np.zeros(len(u))
    for i in range(1, len(u) - 1):
        out[i] = u[i - 1] - 2.0 * u[i] + u[i + 1]
    return out


@generic
def write_out(x, out):
    """Writes ``out[i]`` for every ``i`` of ``x``: raises after the writes that fit when ``out``
    is shorter (the differential test compares the partial writes too)."""
    for i in range(len(x)):
        out[i] = 2.0 * x[i] + 1.0
    return len(x)


@generic
def write_shifted(x, out, lo, hi):
    for i in range(lo, hi):
        out[i + 1] = x[i] - x[i - 2]


@generic
def stepped_loop(x, out, lo, hi, step):
    """A counted loop with a step and several offsets into two arrays of their own lengths."""
    s = 0.0
    for i in range(lo, hi, step):
        out[i] = x[i + 2] - x[i - 1]
        s += out[i]
    return s


@generic
def fill_slices(x):
    x[1:3] = 7
    x[::-2] = 1
    x[len(x) // 2:].fill(3)
    return x


@generic
def copy_then_modify(x):
    y = x.copy()
    if len(y) > 0:
        y[0] = 9
    return y


# --- 2-D ----------------------------------------------------------------------------------------
@generic
def sum2d(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j] * (i + 1)
    return s


@generic
def col_sums(a):
    out = np.zeros(a.shape[1])
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]
    return out


@generic
def row_totals(a):
    """Iteration over rows (views), calling another generic function on each."""
    out = np.zeros(len(a))
    k = 0
    for row in a:
        out[k] = total(row)
        k += 1
    return out


@generic
def mark_rows(a):
    for row in a:
        if len(row) > 0:
            row[0] = row[-1]


@generic
def laplace(u):
    out = np.zeros_like(u)
    for i in range(1, u.shape[0] - 1):
        for j in range(1, u.shape[1] - 1):
            out[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1]) - u[i, j]
    return out


@generic
def transpose_weighted(a):
    b = a.T
    s = 0.0
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            s += b[i, j] * (i + 2 * j + 1)
    return s


@generic
def matvec(a, v):
    out = np.zeros(a.shape[0])
    for i in range(a.shape[0]):
        s = 0.0
        for j in range(a.shape[1]):
            s += a[i, j] * v[j]
        out[i] = s
    return out


@generic
def column_view_sum(a, j):
    return total(a[:, j])


@generic
def submatrix_sum(a):
    return sum2d(a[1:, ::2]) + sum2d(a[::-1, 1:-1])


@generic
def scale_inplace(a, f):
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            a[i, j] = a[i, j] * f
