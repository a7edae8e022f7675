"""NumPy's whole-array reductions in compiled code (issue 13, first part): ``np.sum``,
``np.prod``, ``np.min``, ``np.max``, ``np.mean`` and the array methods of those names, written as
generic functions of the library (``dispatchjit/base/reductions.py``). Checked against NumPy
itself: values (the float sum to the last bit where NumPy sums in one pass), result dtypes,
every layout, empty arrays and NaNs."""

import math

import numpy as np
import pytest

from dispatchjit import TypingError, code_typed, generic, typeof


@generic
def reductions(a):
    return np.sum(a), np.prod(a), np.mean(a)


@generic
def methods(a):
    return a.sum(), a.prod(), a.mean()


@generic
def extremes(a):
    return np.min(a), np.max(a), a.min(), a.max()


for _f in (reductions, methods, extremes):
    _f.max_specializations = 10_000   # every dtype, ndim and layout below compiles

DTYPES = [np.bool_, np.int8, np.int32, np.int64, np.uint8, np.uint64, np.float32, np.float64, np.complex128]


def _array(rng, dtype, shape):
    if dtype is np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -3), min(info.max, 4), shape).astype(dtype)
    values = rng.normal(size=shape)
    if dtype is np.complex128:
        values = values + 1j * rng.normal(size=shape)
    return values.astype(dtype)


def _layouts(a):
    yield a                                   # C
    if a.ndim >= 2:
        yield np.asfortranarray(a)            # F
        yield a[:, ::2]                       # any strides
    if a.ndim == 1 and a.size > 2:
        yield a[::-2]


def _same(got, want, exact: bool):
    assert np.asarray(got).dtype == np.asarray(want).dtype, (got, want)
    if exact:
        assert np.array_equal(np.asarray(got), np.asarray(want), equal_nan=True), (got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12 if np.asarray(want).dtype.itemsize >= 8 else 1e-5)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (129,), (1000,), (6, 5), (3, 4, 5)])
def test_sum_prod_mean_agree_with_numpy(dtype, shape):
    rng = np.random.default_rng(hash((np.dtype(dtype).name, shape)) % 2**32)
    kind = np.dtype(dtype).kind
    for a in _layouts(_array(rng, dtype, shape)):
        contiguous = a.flags.c_contiguous or a.flags.f_contiguous
        empty_mean = (np.float64 if kind in "biu" else a.dtype.type)(np.nan)   # NumPy warns, then gives it
        want = (np.sum(a), np.prod(a), np.mean(a) if a.size else empty_mean)
        got = reductions(a)
        # Integers exactly; a real float sum and mean to the last bit where NumPy sums in one
        # pass (contiguous), else (and complex sums, which NumPy pairs otherwise) to rounding.
        for g, w, which in zip(got, want, ("sum", "prod", "mean")):
            _same(g, w, exact=kind in "biu" or (kind == "f" and contiguous and which != "prod"))
        assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(methods(a), got))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d is not np.complex128], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(1,), (9,), (6, 5), (3, 4, 5)])
def test_min_and_max_agree_with_numpy(dtype, shape):
    rng = np.random.default_rng(7)
    for a in _layouts(_array(rng, dtype, shape)):
        for g, w in zip(extremes(a), (np.min(a), np.max(a), a.min(), a.max())):
            _same(g, w, exact=True)


@generic
def truths(a):
    return np.any(a), np.all(a), a.any(), a.all()


@pytest.mark.parametrize("values", [[], [0], [1], [0, 0, 2], [1, 2, 3], [0.0, np.nan], [0j, 1j], [True, False]])
def test_any_and_all_agree_with_numpy(values):
    a = np.array(values)
    for layout in _layouts(a.reshape(len(values), 1) if len(values) > 1 else a):
        assert truths(layout) == (np.any(layout), np.all(layout), layout.any(), layout.all())


def test_min_and_max_propagate_nan_and_refuse_empty_arrays():
    a = np.array([1.0, np.nan, -3.0, 7.0])
    assert all(math.isnan(v) for v in extremes(a))
    for empty in (np.zeros(0), np.zeros((0, 3))):
        with pytest.raises(ValueError, match="zero-size array to reduction operation minimum"):
            extremes(empty)


def test_the_float_sum_is_numpys_pairwise_sum_to_the_last_bit_and_as_accurate():
    rng = np.random.default_rng(1)
    x = rng.normal(size=10**6) * 10.0 ** rng.integers(-8, 8, 10**6)   # ill-conditioned
    exact = math.fsum(x)
    assert reductions(x)[0] == np.sum(x)
    assert abs(reductions(x)[0] - exact) <= abs(np.sum(x) - exact)
    serial = 0.0
    for v in x[:10**5]:
        serial += v
    assert abs(reductions(x[:10**5])[0] - math.fsum(x[:10**5])) <= abs(serial - math.fsum(x[:10**5]))


def test_reductions_are_library_code_that_code_typed_shows():
    text = code_typed(reductions, typeof(np.zeros(3)))
    assert "invoke sum(" in text and "invoke mean(" in text


@generic
def sum_where(a):
    return np.sum(a, where=a > 0)


def test_arguments_not_supported_yet_are_a_typing_error_at_the_line():
    with pytest.raises(TypingError, match="np.sum\\(\\): the argument 'where' is not supported in compiled code yet") as info:
        sum_where(np.zeros((2, 2)))
    assert "test_numpy_reductions.py" in str(info.value) and "supported: axis" in str(info.value)
