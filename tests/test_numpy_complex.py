"""Complex numbers through NumPy's ufuncs in compiled code, against NumPy itself: the
transcendental functions (the C library's, as NumPy's loops call them, or NumPy's own
formulas), ``power`` (products for small integer exponents, ``cpow`` otherwise, NumPy's
scalar-exponent loops), ``reciprocal``; and Python's complex ``**`` on scalars against CPython,
its errors included."""

import linecache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatchjit import generic
from numpy_support import pair

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-300, 1e300]
UFUNCS = ["sqrt", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh",
          "arccosh", "arctanh", "log10", "log2", "exp2", "expm1", "log1p", "reciprocal", "square", "absolute", "sign",
          "rint", "isinf", "isfinite", "isnan"]


def _specials() -> np.ndarray:
    """Every pair of special parts: zeros of both signs, infinities, NaN, tiny and huge."""
    return np.array([complex(re, im) for re in SPECIAL for im in SPECIAL])


def _complex_arrays(dtype):
    parts = st.floats(-30, 30, allow_nan=False, width=32 if dtype == np.complex64 else 64)
    return st.lists(st.tuples(parts, parts), min_size=0, max_size=40).map(
        lambda ps: np.array([complex(a, b) for a, b in ps], dtype=dtype))


def _unary(name):
    """``np.<name>(z)`` as a function of its own (by name: one generic function each)."""
    source = f"def complex_{name}(z):\n    return np.{name}(z)\n"
    file = f"<complex {name}>"
    linecache.cache[file] = (len(source), None, source.splitlines(True), file)
    namespace = {"np": np}
    exec(compile(source, file, "exec"), namespace)
    return pair(namespace[f"complex_{name}"])


CASES = {name: _unary(name) for name in UFUNCS}


def _same(got, want, exact=True):
    """Equal values, dtypes and shapes: to the bit, or within ``exact`` of the largest value
    (False: the single precision tolerance)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if exact is True:
        np.testing.assert_array_equal(got, want)
        return
    tol = 2e-6 if exact is False else exact
    finite = np.abs(want[np.isfinite(want)])
    scale = finite.max() if finite.size else 1.0   # a part may cancel: its error is the whole's
    for part in (np.real, np.imag):   # (assert_allclose misreads complex infinities)
        np.testing.assert_allclose(part(got), part(want), rtol=tol, atol=tol * scale)


# NumPy's vectorized loops for these (complex multiply with FMA, a scaled absolute value)
# round differently from the C expressions, by the machine: agreement to a few ulps.
SIMD = {"square": 1e-15, "absolute": 1e-15}


@pytest.mark.parametrize("name", UFUNCS)
def test_special_values_are_numpys(name):
    py, jit = CASES[name]
    z = _specials()
    if name in SIMD:   # (whose infinities and NaNs of overflow fall as the vector loop's do)
        z = z[np.abs(z) < 1e150]
    with np.errstate(all="ignore"):
        _same(jit(z), py(z), SIMD.get(name, True))


@pytest.mark.parametrize("name", UFUNCS)
@SETTINGS
@given(z=_complex_arrays(np.complex128))
def test_complex128_values_are_numpys_to_the_bit(name, z):
    py, jit = CASES[name]
    with np.errstate(all="ignore"):
        _same(jit(z), py(z), SIMD.get(name, True))


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "sin", "arctan", "log10", "expm1", "reciprocal"])
@SETTINGS
@given(z=_complex_arrays(np.complex64))
def test_complex64_keeps_its_type(name, z):
    py, jit = CASES[name]
    with np.errstate(all="ignore"):
        _same(jit(z), py(z), exact=False)


def test_numbers_too():
    py, jit = CASES["sqrt"]
    assert jit(-4 + 0j) == py(-4 + 0j) == 2j
    py, jit = CASES["exp"]
    assert jit(1j) == py(1j)


def power(a, b):
    return a ** b


def np_power(a, b):
    return np.power(a, b)


POWER = pair(power)
NP_POWER = pair(np_power)


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -5, 0, 7, 99, 100, 101, 0.5, 2.5, -0.5, 1.5 + 0.5j, 2 + 0j, 1j])
def test_power_of_arrays_by_a_number(exponent):
    py, jit = POWER
    z = np.concatenate([_specials(), np.random.default_rng(3).normal(size=(200, 2)) @ np.array([3, 3j])])
    if exponent == 2:   # np.square's vector loop
        z = z[np.abs(z) < 1e150]
    with np.errstate(all="ignore"):
        _same(jit(z, exponent), py(z, exponent), SIMD["square"] if exponent == 2 else True)


@SETTINGS
@given(z=_complex_arrays(np.complex128), w=_complex_arrays(np.complex128))
def test_power_of_arrays_by_arrays(z, w):
    n = min(len(z), len(w))
    z, w = z[:n], w[:n]
    w[::3] = np.round(w[::3].real)   # integer exponents, taken by products
    py, jit = NP_POWER
    with np.errstate(all="ignore"):
        _same(jit(z, w), py(z, w))


@generic
def python_power(x, y):
    return x ** y


@pytest.mark.parametrize("y", [2, -2, 5, 0, 0.5, -3.0, 101, 2.5, 1.5 + 0.5j, -1j])
def test_python_complex_power_is_cpythons(y):
    rng = np.random.default_rng(5)
    for x in [complex(a, b) for a, b in rng.normal(size=(100, 2)) * 3] + [1j, -1 + 0j, 2 + 0j]:
        want = x ** y
        got = python_power(x, y)
        assert got == want or (got != got and want != want), (x, y, got, want)


@pytest.mark.parametrize("y", [-1, -2.0, 1j, -0.5])
def test_python_complex_power_of_zero_is_cpythons_error(y):
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative or complex power"):
        python_power(0j, y)
    assert python_power(0j, 2) == 0j ** 2 and python_power(0j, 0) == 1


def escape_time(c):
    z = 0j
    for i in range(100):
        z = z ** 2 + c
        if abs(z) > 2.0:
            return i
    return 100


def test_mandelbrot_compiles_and_agrees():
    py, jit = pair(escape_time)
    for c in [0.3 + 0.5j, -0.75 + 0.1j, 0.25 + 0.0j, -2.0 + 0.0j, 0.4 + 0.6j, 0.2 + 0.55j]:
        assert jit(c) == py(c)
