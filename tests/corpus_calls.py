"""Differential corpus, part 2: functions that call other ``@generic`` functions (and themselves).

The test loads this one file twice under two module names (see ``load_calls_corpus`` in
``tests/test_differential.py``): once with ``generic`` bound to ``dispatchjit.generic``, and once
with ``generic`` bound to the identity, which gives the plain-Python twins that CPython runs as the
oracle.  Calls between the functions below resolve by global name in their own module, so the
compiled functions only ever call compiled functions and the plain ones only plain ones.
"""

import math

try:
    generic  # noqa: B018 -- injected by the loader before the module body runs
except NameError:  # imported the ordinary way: compile
    from dispatchjit import generic


@generic
def sq(x):
    return x * x


@generic
def norm2(x, y):
    return sq(x) + sq(y)


@generic
def clamp(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


@generic
def clamp_both(a, x):
    # the same callee at two signatures: (Int64, Int64, Int64) and (Float64, Float64, Float64)
    return clamp(a, -100, 100), clamp(x, -1.5, 2.5)


@generic
def fact_rec(n):
    if n <= 1:
        return 1
    return n * fact_rec(n - 1)


@generic
def fib_rec(n):
    if n < 2:
        return n
    return fib_rec(n - 1) + fib_rec(n - 2)


@generic
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


@generic
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


@generic
def ackermann_small(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann_small(m - 1, 1)
    return ackermann_small(m - 1, ackermann_small(m, n - 1))


@generic
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


@generic
def mandel_sum(xmin, xmax, ymin, ymax, width, height, maxiter):
    total = 0
    dx = (xmax - xmin) / width
    dy = (ymax - ymin) / height
    for j in range(height):
        ci = ymin + j * dy
        for i in range(width):
            total += escape(xmin + i * dx, ci, maxiter)
    return total


@generic
def checked_sqrt(x):
    if x < 0:
        raise ValueError("checked_sqrt of a negative number")
    return math.sqrt(x)


@generic
def sum_checked_sqrt(a, b):
    # the callee raises for negative inputs; the exception has to cross the generic call
    return checked_sqrt(a) + checked_sqrt(b)


@generic
def divmod_sum(a, b):
    q, r = divmod(a, b)
    return sq(q) + r, (q, r)


@generic
def gcd_rec(a, b):
    if b == 0:
        return a
    return gcd_rec(b, a % b)


@generic
def horner3(x, c0, c1, c2, c3):
    return ((c3 * x + c2) * x + c1) * x + c0


@generic
def poly_roots_count(lo, hi, n):
    # sign changes of a cubic over a grid; the callee returns float for float x
    count = 0
    h = (hi - lo) / n
    prev = horner3(lo, -1.0, 0.5, 2.0, -1.0)
    for k in range(1, n + 1):
        cur = horner3(lo + k * h, -1.0, 0.5, 2.0, -1.0)
        if (prev < 0.0) != (cur < 0.0):
            count += 1
        prev = cur
    return count
