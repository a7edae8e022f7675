"""NumPy's reductions along axes in compiled code: ``np.sum``, ``np.prod``, ``np.min`` (and
``np.amin``), ``np.max`` (``np.amax``), ``np.mean``, ``np.var``, ``np.std``, ``np.argmin``,
``np.argmax``, ``np.any``, ``np.all`` as functions and as array methods, with ``axis=None``, an
integer axis (negative too), a tuple of axes (where NumPy takes one), ``keepdims=True``,
``dtype=`` (sum, prod, mean) and ``ddof=`` (var, std); ``np.cumsum`` / ``np.cumprod`` with and
without an axis.

Every result is checked against NumPy 2 itself on generated inputs (float64, float32, int32,
int64 and bool arrays of 1 to 3 dimensions, zero-length axes included, in C, F, transposed and
strided ``x[..., ::2]`` layouts, NaNs and infinities among the floats): the values, the dtype
and the shape. Float elements are multiples of 1/8 of moderate size, so that every sum is exact
in any order and a difference in the order of the additions cannot hide a wrong answer behind
the tolerance. Errors are NumPy's: the same class and message, raised at the user's line."""

import os
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatchjit.errors import TypingError
from numpy_support import layout, outcome, pair, same

FILE = os.path.abspath(__file__)
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DTYPES = [np.float64, np.float32, np.int32, np.int64, np.bool_]
LAYOUTS = ["C", "F", "T", "strided"]


# --- helpers ------------------------------------------------------------------------------------

def line_of(marker):
    """The line of this file that ends with ``#@marker``."""
    with open(FILE) as fh:
        for n, text in enumerate(fh, 1):
            if text.rstrip().endswith(f"#@{marker}"):
                return n
    raise LookupError(marker)


def last_frame(exc):
    return traceback.extract_tb(exc.__traceback__)[-1]


def _numpy(f, *args):
    """NumPy's outcome, without its warnings (the mean of nothing is NaN, with a warning)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return outcome(f, *args)


def _tolerance(dtype):
    return {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}.get(np.dtype(dtype), 0)


def _same(got, want, exact=False):
    """``same``, floats to a relative ``1e-12`` (float32 ``1e-5``) unless ``exact``."""
    same(got, want, None if exact else _tolerance)

def _check(pair, *args, exact=False):
    py, compiled = pair
    _same(outcome(compiled, *args), _numpy(py, *args), exact)


def _values(dtype, shape):
    return (np.arange(int(np.prod(shape))) * 3 % 7 - 2).astype(dtype).reshape(shape)


SMALL_FLOATS = [0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 3.0, -3.0]


def _elements(dtype, small):
    """Booleans; integers in [-100, 100] (``small``: [-3, 3], for products); floats that are
    multiples of 1/8 in [-100, 100] (``small``: halves of magnitude 0.5 to 3, or 0, so that a
    product of 64 of them neither overflows nor underflows float32)."""
    if dtype is np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        return st.integers(-3, 3) if small else st.integers(-100, 100)
    if small:
        return st.sampled_from(SMALL_FLOATS)
    return st.integers(-800, 800).map(lambda k: k / 8)


@st.composite
def _arrays(draw, dtypes=DTYPES, min_dims=1, max_dims=3, min_side=0, max_side=4, small=False, specials=True):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    a = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, small)))
    if specials and a.dtype.kind == "f" and a.size:
        for i in draw(st.lists(st.integers(0, a.size - 1), max_size=3)):
            a.flat[i] = draw(st.sampled_from([np.nan, np.nan, np.inf, -np.inf]))
    return layout(a, draw(st.sampled_from(LAYOUTS)))


@st.composite
def _axes(draw, ndim, tuples=True):
    """``None``, an integer axis (negative or not), or a tuple of distinct axes in any order,
    each negative or not (not the empty tuple: test_an_empty_tuple_of_axes_...)."""
    kind = draw(st.sampled_from(["none", "int", "tuple"] if tuples else ["none", "int"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=0, max_size=ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


# --- the functions under test -------------------------------------------------------------------
# Each: NumPy's function, the method with a positional axis, and both with keepdims=True.

def sum_forms(x, axis):
    return np.sum(x, axis=axis), x.sum(axis), np.sum(x, axis=axis, keepdims=True), x.sum(axis=axis, keepdims=True)


def prod_forms(x, axis):
    return np.prod(x, axis=axis), x.prod(axis), np.prod(x, axis=axis, keepdims=True), x.prod(axis=axis, keepdims=True)


def min_forms(x, axis):
    return np.min(x, axis=axis), x.min(axis), np.amin(x, axis=axis, keepdims=True), x.min(axis=axis, keepdims=True)


def max_forms(x, axis):
    return np.max(x, axis=axis), x.max(axis), np.amax(x, axis=axis, keepdims=True), x.max(axis=axis, keepdims=True)


def mean_forms(x, axis):
    return np.mean(x, axis=axis), x.mean(axis), np.mean(x, axis=axis, keepdims=True), x.mean(axis=axis, keepdims=True)


def argmin_forms(x, axis):
    return (np.argmin(x, axis=axis), x.argmin(axis), np.argmin(x, axis=axis, keepdims=True),
            x.argmin(axis=axis, keepdims=True))


def argmax_forms(x, axis):
    return (np.argmax(x, axis=axis), x.argmax(axis), np.argmax(x, axis=axis, keepdims=True),
            x.argmax(axis=axis, keepdims=True))


def any_forms(x, axis):
    return np.any(x, axis=axis), x.any(axis), np.any(x, axis=axis, keepdims=True), x.any(axis=axis, keepdims=True)


def all_forms(x, axis):
    return np.all(x, axis=axis), x.all(axis), np.all(x, axis=axis, keepdims=True), x.all(axis=axis, keepdims=True)


def moments(x, axis, ddof):
    return (np.var(x, axis=axis, ddof=ddof), x.std(axis, ddof=ddof), np.std(x, axis=axis, ddof=ddof, keepdims=True),
            x.var(axis=axis, ddof=ddof, keepdims=True), np.std(x, axis=axis))


def with_dtype(x, axis, dtype):
    return (np.sum(x, axis=axis, dtype=dtype), x.prod(axis=axis, dtype=dtype), np.mean(x, axis=axis, dtype=dtype),
            x.sum(axis=axis, dtype=dtype, keepdims=True), np.mean(x, axis=axis, dtype=dtype, keepdims=True))


def sum_prod_with_dtype(x, axis, dtype):
    return np.sum(x, axis=axis, dtype=dtype), x.prod(axis=axis, dtype=dtype)


def cumulative(x, axis):
    return np.cumsum(x), x.cumprod(), np.cumsum(x, axis=axis), x.cumsum(axis), np.cumprod(x, axis=axis)


def cumulative_with_dtype(x, axis, dtype):
    return np.cumsum(x, axis=axis, dtype=dtype), x.cumprod(axis=axis, dtype=dtype)


# name: (the pair, whether NumPy takes a tuple axis, whether the elements are small)
CASES = {
    "sum": (pair(sum_forms), True, False), "prod": (pair(prod_forms), True, True),
    "min": (pair(min_forms), True, False), "max": (pair(max_forms), True, False),
    "mean": (pair(mean_forms), True, False),
    "argmin": (pair(argmin_forms), False, False), "argmax": (pair(argmax_forms), False, False),
    "any": (pair(any_forms), True, False), "all": (pair(all_forms), True, False),
}
EXACT = {"min", "max", "argmin", "argmax", "any", "all"}
MOMENTS = pair(moments)
WITH_DTYPE, SUM_PROD_WITH_DTYPE = pair(with_dtype), pair(sum_prod_with_dtype)
CUMULATIVE, CUMULATIVE_WITH_DTYPE = pair(cumulative), pair(cumulative_with_dtype)


# --- every reduction, every form ------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
@SETTINGS
@given(data=st.data())
def test_reduction_along_axes_matches_numpy(name, data):
    """Values, dtypes and shapes of ``np.f(x, axis=...)``, ``x.f(axis)`` and both with
    ``keepdims=True``; over an empty axis, min, max, argmin and argmax raise NumPy's error."""
    pair, tuples, small = CASES[name]
    x = data.draw(_arrays(small=small), label="x")
    axis = data.draw(_axes(x.ndim, tuples), label="axis")
    _check(pair, x, axis, exact=name in EXACT)


@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_var_and_std_with_ddof_match_numpy(data):
    """``np.var``, ``np.std`` and the methods, with and without ``ddof`` and ``keepdims``."""
    x = data.draw(_arrays(), label="x")
    axis = data.draw(_axes(x.ndim), label="axis")
    ddof = data.draw(st.integers(0, 2), label="ddof")
    _check(MOMENTS, x, axis, ddof)


@SETTINGS
@given(data=st.data())
def test_sum_prod_mean_with_a_dtype_match_numpy(data):
    x = data.draw(_arrays(small=True), label="x")
    axis = data.draw(_axes(x.ndim), label="axis")
    # integer dtypes only for integer inputs: NaN to an integer is NumPy's undefined behaviour
    choices = [np.float64, np.float32] + ([np.int64] if x.dtype.kind in "biu" else [])
    dtype = data.draw(st.sampled_from(choices), label="dtype")
    if dtype is np.int64:   # NumPy's mean with an integer dtype: test_mean_with_an_integer_dtype_is_numpys
        _check(SUM_PROD_WITH_DTYPE, x, axis, dtype)
    else:
        _check(WITH_DTYPE, x, axis, dtype)


@SETTINGS
@given(data=st.data())
def test_cumsum_and_cumprod_match_numpy(data):
    """Without an axis: the running sums and products of the elements in C order (a vector);
    with one, along that axis; ints accumulate in int64, as NumPy's."""
    x = data.draw(_arrays(small=True), label="x")
    axis = data.draw(_axes(x.ndim, tuples=False), label="axis")
    _check(CUMULATIVE, x, axis)


@SETTINGS
@given(data=st.data())
def test_cumsum_and_cumprod_with_a_dtype_match_numpy(data):
    x = data.draw(_arrays(dtypes=[np.int32, np.bool_, np.float32], small=True), label="x")
    axis = data.draw(_axes(x.ndim, tuples=False), label="axis")
    dtype = data.draw(st.sampled_from([np.float64, np.float32] + ([np.int64] if x.dtype.kind != "f" else [])))
    _check(CUMULATIVE_WITH_DTYPE, x, axis, dtype)


# --- deterministic cases --------------------------------------------------------------------------
# (Each function here compiles once per signature: a few signatures each keep the file fast.)

def every_reduction(x):
    return (np.sum(x, axis=0), np.prod(x, axis=0), np.min(x, axis=0), np.max(x, axis=0), np.mean(x, axis=0),
            np.std(x, axis=0), np.argmin(x, axis=0), np.argmax(x, axis=0), np.any(x, axis=0), np.all(x, axis=0),
            np.cumsum(x, axis=0))


def extremes(x):
    return (np.min(x, axis=None), np.min(x, axis=1), x.max(axis=0), x.max(-1),
            np.argmin(x, axis=None), np.argmin(x, axis=1), x.argmax(axis=0), np.argmax(x, axis=-1))


def three_d(x, axis):
    return np.sum(x, axis=axis), x.max(axis=axis), np.var(x, axis=axis, ddof=1)


def identities(x, axis):
    return np.sum(x, axis=axis), np.prod(x, axis=axis), np.mean(x, axis=axis), np.any(x, axis=axis), x.all(axis)


def plain(x, axis):
    return np.sum(x, axis=axis), np.prod(x, axis=axis), x.min(axis=axis), np.mean(x, axis=axis), np.var(x, axis=axis)


def plain_kept(x, axis):
    return np.sum(x, axis=axis, keepdims=True), x.max(axis=axis, keepdims=True)


EVERY_REDUCTION, EXTREMES, THREE_D = pair(every_reduction), pair(extremes), pair(three_d)
IDENTITIES, PLAIN, PLAIN_KEPT = pair(identities), pair(plain), pair(plain_kept)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_result_dtypes_are_numpy_2s(dtype):
    """Integer and boolean sums, products and running sums in int64; their means and
    deviations in float64; float32 stays float32; min and max keep the element type;
    argmin and argmax are int64; any and all bool."""
    x = _values(dtype, (4, 3))
    _check(EVERY_REDUCTION, x)
    got = EVERY_REDUCTION[1](x)
    integer = dtype in (np.int32, np.int64, np.bool_)
    total = np.int64 if integer else dtype
    moment = np.float64 if integer else dtype
    assert [r.dtype for r in got] == [np.dtype(t) for t in (total, total, dtype, dtype, moment, moment,
                                                           np.int64, np.int64, bool, bool, total)]
    assert all(r.shape == (3,) for r in got[:10]) and got[10].shape == (4, 3)


def test_nan_propagates_through_min_and_max_and_argmin_argmax_point_at_the_first_nan():
    x = np.array([[3.0, np.nan, -1.0, np.nan],
                  [np.inf, 2.0, -np.inf, 0.5],
                  [np.nan, 7.0, 1.0, -2.0]])
    for how in ("C", "F", "strided"):
        y = layout(x, how)
        _check(EXTREMES, y, exact=True)
        mn, mn_rows, mx_cols, mx_rows, am, am_rows, ax_cols, ax_rows = EXTREMES[1](y)
        assert np.isnan(mn) and np.isnan(mx_cols[[0, 1, 3]]).all() and mx_cols[2] == 1.0
        assert np.isnan(mn_rows[[0, 2]]).all() and mn_rows[1] == -np.inf
        assert np.isnan(mx_rows[[0, 2]]).all() and mx_rows[1] == np.inf
        assert am == 1 and am_rows.tolist() == [1, 2, 0]    # the first NaN, in C order
        assert ax_cols.tolist() == [2, 0, 2, 0] and ax_rows.tolist() == [1, 0, 0]


def test_argmin_and_argmax_of_ties_are_the_first():
    x = np.array([[2, 1, 1, 2], [5, 5, 5, 5], [0, 3, 0, 3]], dtype=np.int32)
    for how in ("F", "strided"):
        y = layout(x, how)
        _check(EXTREMES, y, exact=True)
        _, _, _, _, am, am_rows, ax_cols, ax_rows = EXTREMES[1](y)
        assert am == 8 and am_rows.tolist() == [1, 0, 0]
        assert ax_cols.tolist() == [1, 1, 1, 1] and ax_rows.tolist() == [0, 0, 1]


def test_reductions_of_a_3d_array_over_every_axis_set():
    x = (np.arange(60.0).reshape(3, 4, 5) * 7 % 11 - 5) / 4
    for axis in [None, 0, 1, 2, -1, -3, (0,), (2, 0), (-1, 1), (0, -2), (0, 1, 2), (1, -1, 0)]:
        _check(THREE_D, x, axis)
    x = layout(x, "strided")
    for axis in [(2, 0), (-1, 1), (1, 0), (2, -2)]:
        _check(THREE_D, x, axis)
    np.testing.assert_array_equal(THREE_D[1](x, (2, 0))[0], x.sum(axis=2).sum(axis=0))
    np.testing.assert_array_equal(THREE_D[1](x, (-1, 1))[1], x.max(axis=2).max(axis=1))


def test_reductions_over_zero_length_axes_are_numpys():
    """Sum, prod, mean, any and all of nothing are 0, 1, NaN, False and True; over the other
    axis of a (0, 3) array, the result is empty."""
    for dtype in (np.float64, np.bool_):
        for shape in ((0, 3), (3, 0), (0, 0)):
            e = np.zeros(shape, dtype)
            for axis in (None, 0, 1, -1):
                _check(IDENTITIES, e, axis)
    got = IDENTITIES[1](np.zeros((0, 3)), 0)
    assert [r.tolist() for r in got[:2]] == [[0.0] * 3, [1.0] * 3] and np.isnan(got[2]).all()
    assert got[3].tolist() == [False] * 3 and got[4].tolist() == [True] * 3
    assert IDENTITIES[1](np.zeros((0, 3)), 1)[0].shape == (0,)


@pytest.mark.parametrize("dtype, how", [(np.float64, "strided"), (np.int32, "C"), (np.bool_, "C")],
                         ids=["float64", "int32", "bool"])
def test_an_empty_tuple_of_axes_reduces_nothing(dtype, how):
    """``axis=()``: each element is its own reduction (a copy, in the result dtype; var 0)."""
    x = layout(_values(dtype, (2, 3)), how)
    _check(PLAIN, x, ())
    got = PLAIN[1](x, ())
    assert got[0].shape == (2, 3) and not np.shares_memory(got[0], x)
    _check(PLAIN, np.zeros((0, 3), dtype), ())   # no ValueError for min and max: nothing is reduced


def test_an_empty_tuple_of_axes_with_keepdims():
    _check(PLAIN_KEPT, _values(np.float64, (2, 3)), ())


# --- errors -------------------------------------------------------------------------------------------

def min_along(x, axis):
    return np.min(x, axis=axis)  #@min_along


def max_along(x, axis):
    return x.max(axis=axis)  #@max_along


def argmin_along(x, axis):
    return np.argmin(x, axis=axis)  #@argmin_along


def argmax_along(x, axis):
    return x.argmax(axis)  #@argmax_along


EMPTY_ERRORS = {"min_along": pair(min_along), "max_along": pair(max_along),
                "argmin_along": pair(argmin_along), "argmax_along": pair(argmax_along)}


@pytest.mark.parametrize("name", list(EMPTY_ERRORS))
@pytest.mark.parametrize("shape, axis", [((0, 3), 0), ((0, 3), None), ((3, 0), -1), ((2, 0, 4), 1), ((0,), 0)])
def test_min_max_argmin_argmax_of_nothing_raise_numpys_value_error_at_the_users_line(name, shape, axis):
    py, compiled = EMPTY_ERRORS[name]
    x = np.zeros(shape)
    want = _numpy(py, x, axis)
    assert type(want) is ValueError
    with pytest.raises(ValueError) as info:
        compiled(x if x.ndim != 2 else np.asfortranarray(x), axis)
    assert type(info.value) is ValueError
    assert str(info.value) == str(want)
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(name))


def test_the_value_error_messages_are_numpys():
    with pytest.raises(ValueError, match=r"^zero-size array to reduction operation minimum which has no identity$"):
        EMPTY_ERRORS["min_along"][1](np.zeros((0, 3)), 0)
    with pytest.raises(ValueError, match=r"^zero-size array to reduction operation maximum which has no identity$"):
        EMPTY_ERRORS["max_along"][1](np.zeros((4, 0)), 1)
    with pytest.raises(ValueError, match=r"^attempt to get argmin of an empty sequence$"):
        EMPTY_ERRORS["argmin_along"][1](np.zeros((0, 3)), 0)
    with pytest.raises(ValueError, match=r"^attempt to get argmax of an empty sequence$"):
        EMPTY_ERRORS["argmax_along"][1](np.zeros(0), None)


def sum_along(x, axis):
    return np.sum(x, axis=axis)  #@sum_along


def var_along(x, axis):
    return x.var(axis=axis, ddof=1)  #@var_along


def cumsum_along(x, axis):
    return np.cumsum(x, axis=axis)  #@cumsum_along


def sum_along_axis_5(x):
    return np.sum(x, axis=5)  #@sum_along_axis_5


AXIS_ERRORS = {"sum_along": pair(sum_along), "var_along": pair(var_along), "cumsum_along": pair(cumsum_along),
               **EMPTY_ERRORS}


@pytest.mark.parametrize("name", list(AXIS_ERRORS))
@pytest.mark.parametrize("axis", [2, -3, 7])
def test_an_out_of_range_axis_is_numpys_axis_error_at_run_time(name, axis):
    """Not a TypingError: the axis is a run-time integer, checked when the call runs (the
    specialization compiled for a good axis serves, no compilation), with NumPy's message."""
    py, compiled = AXIS_ERRORS[name]
    x = np.arange(6.0).reshape(2, 3)
    compiled(x, 1)
    compilations = compiled.compilations
    want = _numpy(py, x, axis)
    assert type(want) is np.exceptions.AxisError
    with pytest.raises(np.exceptions.AxisError) as info:
        compiled(x, axis)
    assert type(info.value) is np.exceptions.AxisError
    assert str(info.value) == str(want) == f"axis {axis} is out of bounds for array of dimension 2"
    assert compiled.compilations == compilations
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(name))


@pytest.mark.parametrize("axis", [(0, 2), (-3, 1), (1, 5)])
def test_an_out_of_range_axis_in_a_tuple_is_numpys_axis_error(axis):
    py, compiled = AXIS_ERRORS["sum_along"]
    x = np.ones((2, 3))
    want = _numpy(py, x, axis)
    assert type(want) is np.exceptions.AxisError
    with pytest.raises(np.exceptions.AxisError) as info:
        compiled(x, axis)
    assert str(info.value) == str(want)
    assert last_frame(info.value).lineno == line_of("sum_along")


@pytest.mark.parametrize("axis", [(0, 0), (1, -1), (0, 1, 0)])
def test_a_repeated_axis_is_numpys_value_error(axis):
    x = np.ones((2, 3))
    for name in ("sum_along", "var_along", "min_along"):
        py, compiled = AXIS_ERRORS[name]
        want = _numpy(py, x, axis)
        assert type(want) is ValueError and str(want) == "duplicate value in 'axis'"
        _same(outcome(compiled, x, axis), want)


def test_a_constant_out_of_range_axis_is_also_an_axis_error_when_the_call_runs():
    _, compiled = pair(sum_along_axis_5)
    with pytest.raises(np.exceptions.AxisError, match=r"^axis 5 is out of bounds for array of dimension 2$") as info:
        compiled(np.ones((2, 3)))
    assert last_frame(info.value).lineno == line_of("sum_along_axis_5")
    with pytest.raises(np.exceptions.AxisError, match=r"^axis 5 is out of bounds for array of dimension 1$"):
        compiled(np.ones(3))


# --- keywords the compiler does not take yet --------------------------------------------------------

def sum_where(x):
    return np.sum(x, where=x > 0)  #@sum_where


def sum_method_where(x):
    return x.sum(axis=0, where=x > 0)  #@sum_method_where


def mean_where(x):
    return np.mean(x, axis=1, where=x > 0)  #@mean_where


def min_initial(x):
    return np.min(x, axis=0, initial=5.0)  #@min_initial


def sum_out(x, out):
    return np.sum(x, axis=0, out=out)  #@sum_out


def cumsum_out(x, out):
    return np.cumsum(x, out=out)  #@cumsum_out


def var_correction(x):
    return np.var(x, axis=0, correction=1)  #@var_correction


@pytest.mark.parametrize("f, call, keyword, supported", [
    (sum_where, "np.sum()", "where", "axis, keepdims, dtype"),
    (sum_method_where, "ndarray.sum()", "where", "axis, keepdims, dtype"),
    (mean_where, "np.mean()", "where", "axis, keepdims, dtype"),
    (min_initial, "np.min()", "initial", "axis, keepdims"),
    (sum_out, "np.sum()", "out", "axis, keepdims, dtype"),
    (cumsum_out, "np.cumsum()", "out", "axis, dtype"),
    (var_correction, "np.var()", "correction", "axis, keepdims, dtype, ddof"),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_keywords_not_supported_yet_are_a_typing_error_at_the_users_line(f, call, keyword, supported):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    args = (x, np.zeros(x.shape[1:] if f is sum_out else x.size)) if f in (sum_out, cumsum_out) else (x,)
    f(*args)   # NumPy takes them
    _, compiled = pair(f)
    with pytest.raises(TypingError) as info:
        compiled(*args)
    message = str(info.value)
    assert f"{call}: the argument '{keyword}' is not supported in compiled code yet" in message
    assert f"test_numpy_axis_reductions.py:{line_of(f.__name__)}:" in message
    assert f" in {f.__name__}: " in message
    assert f"supported: {supported}" in message


# --- realistic uses -----------------------------------------------------------------------------------

def softmax(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def assign(p, c):
    d = ((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1)


SOFTMAX, ASSIGN = pair(softmax), pair(assign)


@SETTINGS
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
                    elements=st.floats(-50, 50)),
       how=st.sampled_from(LAYOUTS))
def test_row_softmax_matches_numpy(x, how):
    y = layout(x, how)
    got = SOFTMAX[1](y)
    _same(got, softmax(y))
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-12)


def test_row_softmax_of_large_values_and_of_infinities():
    x = np.array([[1000.0, 1001.0, 999.0], [-1e300, 0.0, 1e300], [5.0, 5.0, 5.0], [-np.inf, 0.0, 1.0]])
    got = SOFTMAX[1](x)
    _same(got, _numpy(softmax, x))
    assert np.all(np.isfinite(got))
    x[0, 1] = np.inf
    _same(SOFTMAX[1](x), _numpy(softmax, x))   # inf - inf: a NaN row, as NumPy's


@SETTINGS
@given(data=st.data(), how_p=st.sampled_from(LAYOUTS), how_c=st.sampled_from(["C", "F"]),
       n=st.integers(1, 12), k=st.integers(1, 5), dim=st.integers(1, 4))
def test_k_means_assignment_matches_numpy(data, how_p, how_c, n, k, dim):
    """Coordinates on a grid of 1/8 (exact squared distances, so ties are real ties and the
    first centre wins, as NumPy's argmin)."""
    coords = st.integers(-40, 40).map(lambda v: v / 8)
    p = layout(data.draw(hnp.arrays(np.float64, (n, dim), elements=coords)), how_p)
    c = layout(data.draw(hnp.arrays(np.float64, (k, dim), elements=coords)), how_c)
    _same(ASSIGN[1](p, c), assign(p, c), exact=True)


def test_k_means_assignment_of_two_clusters():
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.normal(-5, 1, (50, 3)), rng.normal(5, 1, (50, 3))])
    c = np.array([[4.0, 4.0, 4.0], [-4.0, -4.0, -4.0]])
    labels = ASSIGN[1](p, c)
    assert labels.dtype == np.int64 and labels.shape == (100,)
    assert labels.tolist() == [1] * 50 + [0] * 50
    _same(labels, assign(p, c), exact=True)


# --- edge cases: no degree of freedom left, a narrower dtype, an empty result, a tuple for argmin ----

@pytest.mark.parametrize("shape, axis, ddof", [((0, 3), 0, 0), ((0, 3), None, 0), ((2, 3), 0, 2), ((2, 3), None, 6),
                                               ((3, 1), 1, 1)])
def test_var_and_std_of_too_few_elements_are_nan_or_inf(shape, axis, ddof):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    _check(MOMENTS, x, axis, ddof)


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8], ids=lambda d: np.dtype(d).name)
def test_an_integer_dtype_is_the_result_dtype(dtype):
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    _check(SUM_PROD_WITH_DTYPE, x, 0, dtype)
    _check(SUM_PROD_WITH_DTYPE, x, None, dtype)
    _check(CUMULATIVE_WITH_DTYPE, x, 1, dtype)


def mean_forms_int64(x, axis):
    return np.mean(x, axis=axis, dtype=np.int64), x.mean(dtype=np.int64)


def test_mean_with_an_integer_dtype_is_numpys():
    _check(pair(mean_forms_int64), np.arange(6, dtype=np.int32).reshape(2, 3), 0)


@pytest.mark.parametrize("name", list(EMPTY_ERRORS))
@pytest.mark.parametrize("shape, axis", [((0, 0), 0), ((0, 0), -1), ((2, 0, 0), 1)])
def test_nothing_to_reduce_into_an_empty_result_is_numpys_value_error(name, shape, axis):
    py, compiled = EMPTY_ERRORS[name]
    x = np.zeros(shape)
    want = _numpy(py, x, axis)
    assert type(want) is ValueError
    _same(outcome(compiled, x, axis), want)


@pytest.mark.parametrize("axis", [(0,), (1,), (0, 1)])
def test_argmin_and_argmax_refuse_a_tuple_axis(axis):
    x = np.arange(6.0).reshape(2, 3)
    for name in ("argmin_along", "argmax_along"):
        with pytest.raises(TypeError):   # NumPy's TypeError, or a TypingError (a TypeError) when compiling
            EMPTY_ERRORS[name][1](x, axis)
