"""Boolean-mask indexing in compiled code against NumPy: ``a[m]`` reads (a new 1-d array in C
order) and ``a[m] = v`` writes (a number, one value per true entry, or a single value) for masks
of the array's shape, every layout; NumPy's errors for a mask of another shape and for the
wrong number of values; a TypingError at the line for what is not compiled (two index arrays
in one subscript, a 2-d index array, a mask of more dimensions than the array's; the other
advanced indexing is tests/test_numpy_fancy.py's)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatchjit import generic
from dispatchjit.errors import TypingError
from numpy_support import layout

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@generic
def positives(a):
    return a[a > 0]


@generic
def selected(a, m):
    return a[m]


@generic
def zeroed(a, m):
    a[m] = 0
    return a


@generic
def put(a, m, v):
    a[m] = v
    return a


def _arrays():
    return hnp.arrays(st.sampled_from([np.float64, np.int32]), hnp.array_shapes(min_dims=1, max_dims=3, min_side=0,
                                                                                 max_side=4),
                      elements=st.integers(-5, 5))


def _same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(x=_arrays(), how=st.sampled_from(["C", "F", "T", "strided"]))
def test_reads_match_numpy(x, how):
    y = layout(x, how)
    _same(positives(y), y[y > 0])
    m = layout((x % 2 == 0), how)
    _same(selected(y, m), y[m])


@SETTINGS
@given(x=_arrays(), how=st.sampled_from(["C", "F", "strided"]))
def test_writes_match_numpy(x, how):
    y, want = layout(x.copy(), how), x.copy()
    m = x < 0
    want[m] = 0
    assert zeroed(y, layout(m, how)) is y
    _same(np.ascontiguousarray(y), want)
    y, want = layout(x.copy(), how), x.copy()
    values = np.arange(int(m.sum()), dtype=np.float64) + 0.5
    want[m] = values
    put(y, layout(m, how), values)
    _same(np.ascontiguousarray(y), want)


def test_a_single_value_is_repeated_and_a_wrong_count_is_numpys_error():
    x, want = np.arange(6.0), np.arange(6.0)
    want[want > 2] = 7.0
    _same(put(x, x > 2, np.array([7.0])), want)
    with pytest.raises(ValueError, match="cannot assign 2 input values to the 3 output values"):
        put(np.arange(6.0), np.arange(6.0) > 2, np.array([1.0, 2.0]))


def test_a_mask_of_another_shape_is_numpys_index_error():
    x = np.zeros((2, 3))
    with pytest.raises(IndexError) as got:
        selected(x, np.ones((2, 4), bool))
    with pytest.raises(IndexError) as want:
        x[np.ones((2, 4), bool)]
    assert str(got.value) == str(want.value)


def two_index_arrays(a, i, j):
    return a[i, j]


def by_a_2d_index(a, i):
    return a[i]


def by_a_3d_mask(a, m):
    return a[m]


@pytest.mark.parametrize("f, args, message", [
    (two_index_arrays, (np.zeros((3, 3)), np.array([0, 1]), np.array([1, 2])),
     "a subscript with more than one index array is not supported in compiled code"),
    (by_a_2d_index, (np.zeros(3), np.array([[0, 1], [2, 0]])),
     "an index array must be 1-d, of integers or booleans, in compiled code, not Array[Int64, 2, C]"),
    (by_a_3d_mask, (np.zeros((2, 3)), np.ones((2, 3, 1), bool)),
     "a boolean index of 3 dimension(s) into an array of 2 is not supported in compiled code")])
def test_what_is_not_compiled_yet_is_a_typing_error_at_the_line(f, args, message):
    with pytest.raises(TypingError) as got:
        generic(f)(*args)
    text = str(got.value)
    assert message in text
    line = f.__code__.co_firstlineno + 1
    assert f"{__file__}:{line}:" in text
