"""NumPy's element functions of complex numbers, the methods of its ufuncs' inner loops for
Complex64 and Complex128.

NumPy's complex loops call the C library's functions (``csqrt``, ``cexp``, ``casin``, ...: the
``numpy_op`` intrinsics of complex numbers call the same ones, so the results are NumPy's to the
bit), and compute the others by formulas of their own, written here as NumPy writes them:
``log10``, ``log2`` (the natural logarithm scaled), ``exp2``, ``expm1``, ``log1p``, and
``power``, which multiplies for small integer exponents and calls ``cpow`` otherwise.
Complex64 computes in Complex128 and rounds once (NumPy's single-precision functions may differ
from that in the last bit).
"""

import numpy as np

from .. import library
from ..array_intrinsics import numpy_op
from ..generic import generic
from ..lattice import Complex64, Complex128

__all__ = ["library_methods", "formula_methods", "power_methods", "reciprocal_methods", "python_power"]

LIBRARY = frozenset({"sqrt", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
                     "asinh", "acosh", "atanh"})
_exp, _log, _sqrt = numpy_op("exp"), numpy_op("log"), numpy_op("sqrt")
_divide, _cpow = numpy_op("true_divide"), numpy_op("power")
_LOG10E, _LOG2E, _LN2 = 0.43429448190325182765, 1.44269504088896340736, 0.69314718055994530942


def _widened(f):
    """The methods computing ``f`` (of Complex128) on both complex types."""
    def wide(z: Complex128):
        return f(z)

    def narrow(z: Complex64):
        return Complex64(f(Complex128(z)))
    return wide, narrow


def library_methods(name: str) -> tuple:
    """The C library's complex ``name`` (a ``math`` name: ``asin``), NumPy's loop for both types."""
    return _widened(numpy_op(name))


@generic
def _log10(z):
    w = _log(z)
    return complex(w.real * _LOG10E, w.imag * _LOG10E)


@generic
def _log2(z):
    w = _log(z)
    return complex(w.real * _LOG2E, w.imag * _LOG2E)


@generic
def _exp2(z):
    return _exp(complex(z.real * _LN2, z.imag * _LN2))


@generic
def _expm1(z):
    a = np.sin(z.imag / 2)
    return complex(np.expm1(z.real) * np.cos(z.imag) - 2 * a * a, np.exp(z.real) * np.sin(z.imag))


@generic
def _log1p(z):
    return complex(np.log(np.hypot(z.real + 1, z.imag)), np.arctan2(z.imag, z.real + 1))


_FORMULAS = {"log10": _log10, "log2": _log2, "exp2": _exp2, "expm1": _expm1, "log1p": _log1p}


def formula_methods(name: str) -> tuple:
    """NumPy's own formula for the complex ``name`` (a ``math`` name), when it has one."""
    f = _FORMULAS.get(name)
    return () if f is None else _widened(f)


@generic
def reciprocal(z):
    """NumPy's complex reciprocal (Smith's division of 1 by ``z``)."""
    if np.abs(z.imag) <= np.abs(z.real):
        r = _divide(z.imag, z.real)
        d = z.real + z.imag * r
        return complex(_divide(1.0, d), _divide(-r, d))
    r = _divide(z.real, z.imag)
    d = z.real * r + z.imag
    return complex(_divide(r, d), _divide(-1.0, d))


@generic
def _power(x, y):
    """NumPy's complex power: 1 for a zero exponent, 0 for zero to one of positive real part
    (NaN for other powers of zero), products for integer exponents below 100 in size, else
    ``cpow``; the exponents NumPy's scalar loops treat apart (0.5, -1) as NumPy computes them."""
    if y.real == 0.0 and y.imag == 0.0:
        return complex(1.0, 0.0)
    if y.imag == 0.0 and y.real == 0.5:
        return _sqrt(x)
    if y.imag == 0.0 and y.real == -1.0:
        return reciprocal(x)
    if x.real == 0.0 and x.imag == 0.0:
        if y.real > 0:
            return complex(0.0, 0.0)
        return complex(np.nan, np.nan)
    n = int(y.real) if y.imag == 0 and -100 < y.real < 100 else 0
    if n != 0 and n == y.real:
        if n == 1:
            return x
        if n == 2:
            return x * x
        if n == 3:
            return x * x * x
        return _integer_power(x, n)
    return _cpow(x, y)


@generic
def _integer_power(x, n):
    """``x ** n`` by squaring, as NumPy multiplies (the reciprocal for a negative ``n``)."""
    m = -n if n < 0 else n
    result = complex(1.0, 0.0)
    p = x
    mask = 1
    while True:
        if m & mask:
            result = result * p
        mask <<= 1
        if m < mask:
            break
        p = p * p
    return one_over(result) if n < 0 else result


@generic
def one_over(b):
    """``1 / b`` as NumPy's complex division computes it (Smith's, scaled by a reciprocal)."""
    br, bi = b.real, b.imag
    if np.abs(br) >= np.abs(bi):
        if br == 0.0 and bi == 0.0:
            return complex(_divide(1.0, np.abs(br)), _divide(0.0, np.abs(br)))
        rat = _divide(bi, br)
        scl = _divide(1.0, br + bi * rat)
        return complex((1.0 + 0.0 * rat) * scl, (0.0 - rat) * scl)
    rat = _divide(br, bi)
    scl = _divide(1.0, bi + br * rat)
    return complex((rat + 0.0) * scl, (0.0 * rat - 1.0) * scl)


@generic
def python_power(x, y):
    """Python's ``x ** y`` of Complex128 numbers (CPython's algorithm: products for integer
    exponents up to 100 in size, else polar form), with its ZeroDivisionError and OverflowError."""
    if y.imag == 0.0 and y.real == np.floor(y.real) and np.abs(y.real) <= 100.0:
        n = int(y.real)
        if n >= 0:
            return _integer_power(x, n) if n > 0 else complex(1.0, 0.0)
        if x.real == 0.0 and x.imag == 0.0:
            raise ZeroDivisionError("0.0 to a negative or complex power")
        return 1 / _integer_power(x, -n)
    if x.real == 0.0 and x.imag == 0.0:
        if y.imag != 0.0 or y.real < 0.0:
            raise ZeroDivisionError("0.0 to a negative or complex power")
        return complex(0.0, 0.0)
    vabs = np.hypot(x.real, x.imag)
    length = np.power(vabs, y.real)
    at = np.arctan2(x.imag, x.real)
    phase = at * y.real
    if y.imag != 0.0:
        length = _divide(length, np.exp(at * y.imag))
        phase += y.imag * np.log(vabs)
    if np.isinf(length) and np.isfinite(vabs):
        raise OverflowError("complex exponentiation")
    return complex(length * np.cos(phase), length * np.sin(phase))


def _power_wide(x: Complex128, y: Complex128):
    return _power(x, y)


def _power_narrow(x: Complex64, y: Complex64):
    return Complex64(_power(Complex128(x), Complex128(y)))


power_methods = (_power_wide, _power_narrow)
library.register(python_power)


def _reciprocal_wide(z: Complex128):
    return reciprocal(z)


def _reciprocal_narrow(z: Complex64):
    return Complex64(reciprocal(Complex128(z)))


reciprocal_methods = (_reciprocal_wide, _reciprocal_narrow)
