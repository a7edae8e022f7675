"""Scalar benchmark kernels, written once.

``bench/scalar.py`` loads this file three times under different module names, with the global
``jit`` bound first to ``dispatchjit.generic``, then to ``numba.njit``, then to nothing (CPython),
so all three runs execute the same source.  Calls between kernels (``mandel_grid`` calls
``escape``, ``fib`` calls itself) resolve by global name in the module they were loaded into.
"""

try:
    jit  # noqa: B018 -- injected by bench/scalar.py before the module body runs
except NameError:  # imported directly: plain CPython
    def jit(fn):
        return fn


@jit
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


@jit
def escape(cr, ci, maxiter):
    zr = 0.0
    zi = 0.0
    for k in range(maxiter):
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            return k
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
    return maxiter


@jit
def mandel_grid(xmin, xmax, ymin, ymax, width, height, maxiter):
    total = 0
    dx = (xmax - xmin) / width
    dy = (ymax - ymin) / height
    for j in range(height):
        ci = ymin + (j + 0.5) * dy
        for i in range(width):
            total += escape(xmin + (i + 0.5) * dx, ci, maxiter)
    return total


@jit
def leibniz(n):
    s = 0.0
    sign = 1.0
    for k in range(n):
        s += sign / (2 * k + 1)
        sign = -sign
    return 4.0 * s
