"""NumPy's sorting and searching in compiled code against NumPy itself: ``np.sort`` and
``x.sort()`` (in place, views included), ``np.argsort`` and ``x.argsort()``, ``np.searchsorted``
and ``x.searchsorted()``, ``np.unique`` with every combination of its flags.

Inputs: float64, float32, int64, int32, uint8, bool and complex128 (no NaN) arrays of 0 to 3
dimensions, zero-length axes included and lines of up to 70 elements (across the merge sort's
runs of 16), in C, F, transposed, strided ``x[..., ::2]`` and reversed layouts, every axis
(negative ones and None); elements drawn from a few values (many ties: the compiled argsort is
always stable, so it is checked against NumPy's ``kind='stable'`` whatever ``kind=`` says) or
from the whole range; NaNs, infinities and -0.0 among the floats (NaN sorts last; -0.0 and 0.0
are equal, compared by value). Values, dtypes and shapes must be NumPy's exactly; errors must be
NumPy's class and message.

Compiling a specialization costs time (a layout is part of the type: C, F and A differ), so each
test keeps its types few: dtypes are covered in one layout and one number of dimensions, the
layouts and dimensions in float64, and hypothesis varies the data, the shapes and the axes."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numpy_support import layout, outcome, pair, same

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.bool_, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]
LAYOUTS = ["C", "F", "T", "strided", "reversed"]
LONG_SIDES = [33, 16, 17, 15, 31, 32, 47, 48, 49, 63, 64, 65, 70, 1, 0]   # around the runs of 16 and merges
HALVES = [k / 2 for k in range(-6, 7)]


# --- helpers ------------------------------------------------------------------------------------

def compiled(f):
    return pair(f)[1]


def _elements(dtype):
    """One element: booleans; small integers (many ties) or any of the type's; halves, -0.0,
    infinities and NaN; complex numbers of halves (no NaN)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(info.min, -4), 4) | st.integers(int(info.min), int(info.max))
    parts = st.sampled_from(HALVES + [-0.0])
    if dtype.kind == "c":
        return st.builds(complex, parts, parts)
    return st.sampled_from(HALVES + [-0.0, np.inf, -np.inf, np.nan, np.nan])


def _wide(rng, dtype, size):
    """``size`` elements from (nearly) the whole range: few ties."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size, dtype=dtype, endpoint=True)
    if dtype.kind == "c":    # ties in the real part: ordered by the imaginary part
        return (rng.integers(-3, 4, size) + 1j * rng.standard_normal(size)).astype(dtype)
    a = rng.standard_normal(size).astype(dtype)
    a[rng.random(size) < 0.1] = np.nan
    a[rng.random(size) < 0.05] = -0.0
    return a


@st.composite
def _shapes(draw, ndim):
    """``ndim`` sides of 0 to 4 (0 now and then), one of them (any) up to 70 long."""
    sides = [draw(st.sampled_from([3, 1, 4, 2, 3, 4, 2, 0])) for _ in range(ndim)]
    if ndim:
        sides[draw(st.integers(0, ndim - 1))] = draw(st.sampled_from(LONG_SIDES) | st.integers(1, 70))
    return tuple(sides)


@st.composite
def _arrays(draw, dtype, ndim, shape=None):
    """A C array: its elements from a few drawn values (ties) or from the whole range, placed by a
    generator seeded by hypothesis (cheap for the longer arrays)."""
    shape = draw(_shapes(ndim)) if shape is None else shape
    size = int(np.prod(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        pool = np.array(draw(st.lists(_elements(dtype), min_size=1, max_size=6)), dtype)
        a = pool[rng.integers(0, len(pool), size)]
    else:
        a = _wide(rng, dtype, size)
    return np.ascontiguousarray(a.reshape(shape), dtype)


def _axis(ndim):
    return st.integers(-ndim, ndim - 1)


# --- np.sort and np.argsort over the dtypes (2-d C arrays) ---------------------------------------

def sorts(x, axis):
    return (np.sort(x, axis), np.sort(x, axis=None), np.argsort(x, axis=axis), x.argsort(None),
            x.argsort(axis=axis, kind="stable"))


def sorts_reference(x, axis):
    return (np.sort(x, axis), np.sort(x, axis=None), np.argsort(x, axis=axis, kind="stable"),
            x.argsort(None, kind="stable"), x.argsort(axis=axis, kind="stable"))


SORTS = compiled(sorts)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@SETTINGS
@given(data=st.data())
def test_sort_and_argsort_of_every_dtype_match_numpy(dtype, data):
    """Each line along the axis (negative too) sorted, and the flattened array (``axis=None``);
    argsort's indices are NumPy's stable ones, ties included; the dtypes are the input's (int64
    for argsort)."""
    x = data.draw(_arrays(dtype, 2), label="x")
    axis = data.draw(_axis(2), label="axis")
    same(SORTS(x, axis), sorts_reference(x, axis))


@pytest.mark.parametrize("ndim", [1, 2, 3])
@SETTINGS
@given(data=st.data())
def test_sort_and_argsort_in_every_layout_and_ndim_match_numpy(ndim, data):
    x = data.draw(_arrays(np.float64, ndim), label="x")
    how = data.draw(st.sampled_from(LAYOUTS), label="how")
    axis = data.draw(_axis(ndim), label="axis")
    y = layout(x, how)
    same(SORTS(y, axis), sorts_reference(y, axis))


PATTERNS = {
    "random": lambda rng, n: rng.standard_normal(n),
    "ties": lambda rng, n: rng.integers(0, 3, n).astype(float),
    "sorted": lambda rng, n: np.arange(n, dtype=float),
    "reversed": lambda rng, n: np.arange(n, dtype=float)[::-1].copy(),
    "equal": lambda rng, n: np.full(n, 2.0),
    "sawtooth": lambda rng, n: (np.arange(n) % 7).astype(float),
    "runs reversed": lambda rng, n: (np.arange(n)[::-1] // 16).astype(float),
    "nans": lambda rng, n: np.where(rng.random(n) < 0.3, np.nan, rng.integers(-2, 3, n)),
    "zeros": lambda rng, n: np.where(rng.random(n) < 0.5, -0.0, 0.0),
}


def sort_1d(x):
    return np.sort(x), np.argsort(x)


def sort_1d_reference(x):
    return np.sort(x), np.argsort(x, kind="stable")


SORT_1D = compiled(sort_1d)


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_sort_of_lengths_across_the_runs_and_merges(pattern):
    """Every length near a multiple of the runs of 16 (an odd number of runs, a last short run,
    halves already in order): float64 and int64 (a second specialization)."""
    rng = np.random.default_rng(7)
    for n in [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 70, 95, 96, 97, 127, 128, 129, 200, 257]:
        x = PATTERNS[pattern](rng, n)
        same(SORT_1D(x), sort_1d_reference(x))
        if not np.isnan(x).any():
            i = x.astype(np.int64)
            same(SORT_1D(i), sort_1d_reference(i))


def test_nan_sorts_last_and_complex_by_real_then_imaginary_part():
    x = np.array([3.0, np.nan, -np.inf, 1.0, np.nan, -0.0, np.inf, 0.0, -1.0])
    got = SORT_1D(x)
    same(got, sort_1d_reference(x))
    assert np.isnan(got[0][-2:]).all() and got[0][0] == -np.inf and got[0][-3] == np.inf
    assert got[1].tolist() == [2, 8, 5, 7, 3, 0, 6, 1, 4]
    z = np.array([1 + 2j, 0 + 5j, 1 + 1j, -1 - 1j, 1 + 1j, 0 - 5j])
    got = SORT_1D(z)
    same(got, sort_1d_reference(z))
    assert got[0].tolist() == [-1 - 1j, -5j, 5j, 1 + 1j, 1 + 1j, 1 + 2j] and got[1].tolist() == [3, 5, 1, 2, 4, 0]


def sort_flat(x):
    return np.sort(x, axis=None), np.argsort(x, axis=None), np.unique(x, return_inverse=True)


SORT_FLAT = compiled(sort_flat)


def test_a_0d_array_flattened_is_a_vector():
    for x in (np.array(5.0), np.array(3, np.int32)):
        same(SORT_FLAT(x), sort_flat(x))


# --- kind= ---------------------------------------------------------------------------------------

def kinds(x):
    return (np.sort(x, kind="quicksort"), np.sort(x, kind="mergesort"), np.sort(x, kind="heapsort"),
            np.sort(x, kind="stable"), np.sort(x, 0, "quicksort"), np.sort(x, axis=None, kind="heapsort"),
            np.sort(x, kind=None),
            np.argsort(x, kind="quicksort"), np.argsort(x, kind="heapsort"), x.argsort(kind="mergesort"),
            x.argsort(axis=0, kind="stable"), np.argsort(x, None, "quicksort"), x.argsort(-2, None))


def kinds_reference(x):
    stable = "stable"
    return (np.sort(x, kind="quicksort"), np.sort(x, kind="mergesort"), np.sort(x, kind="heapsort"),
            np.sort(x, kind="stable"), np.sort(x, 0, "quicksort"), np.sort(x, axis=None, kind="heapsort"),
            np.sort(x, kind=None),
            np.argsort(x, kind=stable), np.argsort(x, kind=stable), x.argsort(kind=stable),
            x.argsort(axis=0, kind=stable), np.argsort(x, None, stable), x.argsort(-2, stable))


KINDS = compiled(kinds)


@SETTINGS
@given(data=st.data())
def test_every_kind_sorts_as_numpy_and_argsort_is_numpys_stable_one(data):
    """Every ``kind=`` (keyword or positional, None too) gives NumPy's values; the indices are
    NumPy's ``kind='stable'`` ones (a valid answer for quicksort and heapsort too)."""
    dtype = data.draw(st.sampled_from([np.float64, np.int32]), label="dtype")
    x = data.draw(_arrays(dtype, 2), label="x")
    x = layout(x, "F") if dtype is np.int32 else x
    same(KINDS(x), kinds_reference(x))


# --- x.sort() in place -----------------------------------------------------------------------------

def sort_in_place(x, axis):
    return x.sort(axis=axis, kind="stable")


def sort_in_place_default(x):
    x.sort()


SORT_IN_PLACE, SORT_IN_PLACE_DEFAULT = compiled(sort_in_place), compiled(sort_in_place_default)
VIEWS = {
    "whole": lambda b: b,
    "rows": lambda b: b[1:],
    "every other column": lambda b: b[:, ::2],
    "transposed": lambda b: b.T,
    "reversed": lambda b: b[::-1, ::-1],
    "block": lambda b: b[1:-1, 1:-1],
}
LINE_VIEWS = {"a row": lambda b: b[1], "a column": lambda b: b[:, 1], "a reversed row": lambda b: b[-1, ::-1]}


@SETTINGS
@given(data=st.data())
def test_sort_in_place_of_a_view_writes_through_to_its_base(data):
    """``x.sort(axis)`` of a view sorts the base's elements the view sees, nothing else, and
    returns None."""
    shape = (data.draw(st.integers(2, 6), label="rows"), data.draw(st.sampled_from([2, 3, 17, 33, 40]), label="cols"))
    base = data.draw(_arrays(np.float64, 2, shape), label="base")
    view = data.draw(st.sampled_from(list(VIEWS)), label="view")
    axis = data.draw(st.sampled_from([0, 1, -1, -2]), label="axis")
    want_base = base.copy()
    want = sort_in_place(VIEWS[view](want_base), axis)
    got = SORT_IN_PLACE(VIEWS[view](base), axis)
    same(got, want)
    same(base, want_base)


@SETTINGS
@given(data=st.data())
def test_sort_in_place_with_the_default_axis_of_line_and_2d_views(data):
    dtype = data.draw(st.sampled_from([np.int32, np.float64]), label="dtype")
    base = data.draw(_arrays(dtype, 2, (4, data.draw(st.sampled_from([3, 16, 35]), label="cols"))), label="base")
    views = LINE_VIEWS if dtype is np.float64 else {**LINE_VIEWS, "every other column": VIEWS["every other column"]}
    view = data.draw(st.sampled_from(list(views)), label="view")
    want_base = base.copy()
    want = sort_in_place_default(views[view](want_base))
    got = SORT_IN_PLACE_DEFAULT(views[view](base))
    assert got is None and want is None
    same(base, want_base)


# --- np.searchsorted --------------------------------------------------------------------------------

def searches(a, v):
    return (np.searchsorted(a, v), np.searchsorted(a, v, side="right"), np.searchsorted(a, v, "left"),
            np.searchsorted(a, v=v, side="left"), a.searchsorted(v), a.searchsorted(v, side="right"))


SEARCHES = compiled(searches)


def _probes(a, kind):
    """Values between, equal to, below and above the elements of the sorted ``a`` (and NaN,
    infinities for floats), as Python numbers of ``kind`` ('float', 'int', 'complex', 'bool')."""
    finite = [x for x in a.tolist() if x == x] if a.dtype.kind != "c" else a.tolist()
    if kind == "bool":
        return [False, True]
    if kind == "complex":
        base = finite + [0j, -1 + 0j, 1 + 1j]
        return [complex(x) for x in base] + [complex(x) + 0.5j for x in base] + [complex(x) - 0.5 for x in base] \
            + [-100 + 0j, 100 + 0j]
    if kind == "int":
        ints = [int(x) for x in finite] + [0]
        probes = {x + d for x in ints for d in (-1, 0, 1)} | {-1, 300, min(ints) - 5, max(ints) + 5}
        return sorted(x for x in probes if -2**63 <= x < 2**63)   # (a Python int the compiler takes: Int64)
    numbers = [float(x) for x in finite] + [0.0]
    mids = [(x + y) / 2 for x, y in zip(numbers, numbers[1:])]
    return numbers + mids + [min(numbers) - 1, max(numbers) + 1, -0.0, np.nan, np.inf, -np.inf]


# (the sorted array's dtype, the values: a Python number's kind or the dimensions and dtype of an
# array, the sorted array's layouts: each one a specialization)
SEARCH_CASES = [
    (np.float64, "float", ["C", "reversed"]), (np.float64, (1, np.float64), ["C"]),
    (np.float64, (3, np.float64), ["strided"]), (np.float32, (2, np.float32), ["C"]), (np.float32, "float", ["C"]),
    (np.int64, "float", ["C"]), (np.int64, "int", ["reversed"]), (np.int32, (1, np.float64), ["strided"]),
    (np.uint8, "int", ["C"]), (np.uint8, (2, np.int64), ["C"]), (np.bool_, (1, np.bool_), ["C"]),
    (np.complex128, "complex", ["C"]), (np.complex128, (1, np.complex128), ["reversed"]),
]


def _search_id(dtype, values, layouts):
    v = values if isinstance(values, str) else f"{values[0]}d-{np.dtype(values[1]).name}"
    return f"{np.dtype(dtype).name}-{v}-{'-'.join(layouts)}"


@pytest.mark.parametrize("dtype, values, layouts", SEARCH_CASES, ids=[_search_id(*c) for c in SEARCH_CASES])
@SETTINGS
@given(data=st.data())
def test_searchsorted_matches_numpy(dtype, values, layouts, data):
    """Both sides, as function and method, for values between, equal to, below and above the
    elements; NaN after every number; integer arrays searched for floats; an array of values
    gives insertion points of its shape (int64); the sorted array contiguous or not."""
    a = np.sort(data.draw(_arrays(dtype, 1), label="a"))
    a = layout(a, data.draw(st.sampled_from(layouts), label="how"))
    if isinstance(values, str):
        probes = _probes(a, values)
        for v in data.draw(st.lists(st.sampled_from(probes), min_size=1, max_size=4), label="v"):
            same(SEARCHES(a, v), searches(a, v))
        return
    ndim, vtype = values
    kind = {"f": "float", "i": "int", "b": "bool", "c": "complex"}[np.dtype(vtype).kind]
    shape = data.draw(st.tuples(*[st.integers(0, 4)] * ndim), label="shape")
    v = np.array(data.draw(st.lists(st.sampled_from(_probes(a, kind)), min_size=int(np.prod(shape)),
                                    max_size=int(np.prod(shape))), label="v"), vtype).reshape(shape)
    same(SEARCHES(a, v), searches(a, v))


def test_searchsorted_of_ties_nans_and_nothing():
    a = np.array([1.0, 2.0, 2.0, 2.0, 3.0, np.nan, np.nan])
    v = np.array([[np.nan, 2.0, 0.0], [3.0, 4.0, -np.inf]])
    got = SEARCHES(a, v)
    same(got, searches(a, v))
    assert got[0].tolist() == [[5, 1, 0], [4, 5, 0]] and got[1].tolist() == [[7, 4, 0], [5, 5, 0]]
    same(SEARCHES(a, np.nan), searches(a, np.nan))
    same(SEARCHES(np.zeros(0), np.ones((2, 0))), searches(np.zeros(0), np.ones((2, 0))))
    same(SEARCHES(np.zeros(0), 1.0), searches(np.zeros(0), 1.0))
    i = np.array([1, 3, 3, 5], np.int32)
    same(SEARCHES(i, np.array([2.5, 3.0, 3.5, np.nan, -0.5])), searches(i, np.array([2.5, 3.0, 3.5, np.nan, -0.5])))


def search_0d(a, v):
    return np.searchsorted(a, v)


def test_searchsorted_of_0d_values_is_a_scalar():
    a, v = np.array([1.0, 2.0, 3.0]), np.array(2.5)
    same(compiled(search_0d)(a, v), search_0d(a, v))


# --- np.unique ---------------------------------------------------------------------------------------

def uniques(x):
    return (np.unique(x), np.unique(x, return_index=True), np.unique(x, return_inverse=True),
            np.unique(x, return_counts=True), np.unique(x, True, True),
            np.unique(x, return_index=True, return_counts=True),
            np.unique(x, return_inverse=True, return_counts=True), np.unique(x, True, True, True),
            np.unique(x, return_index=False, return_inverse=False, return_counts=False))


def unique_all(x):
    return np.unique(x), np.unique(x, return_index=True, return_inverse=True, return_counts=True)


UNIQUES, UNIQUE_ALL = compiled(uniques), compiled(unique_all)


@pytest.mark.parametrize("dtype", [np.float64, np.int32], ids=["float64", "int32"])
@SETTINGS
@given(data=st.data())
def test_unique_with_every_combination_of_flags_matches_numpy(dtype, data):
    """The sorted distinct values (NaNs as one), then as asked the index of each one's first
    occurrence (C order), the index into them of each element (of the input's shape) and the
    counts, as NumPy's tuple in NumPy's order."""
    x = data.draw(_arrays(dtype, 2), label="x")
    same(UNIQUES(x), uniques(x))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@SETTINGS
@given(data=st.data())
def test_unique_of_every_dtype_matches_numpy(dtype, data):
    x = data.draw(_arrays(dtype, 2), label="x")
    same(UNIQUE_ALL(x), unique_all(x))


@pytest.mark.parametrize("ndim, layouts", [(0, ["C"]), (1, ["C", "strided", "reversed"]), (3, LAYOUTS)])
@SETTINGS
@given(data=st.data())
def test_unique_in_every_layout_and_ndim_matches_numpy(ndim, layouts, data):
    x = data.draw(_arrays(np.float64, ndim), label="x")
    y = layout(x, data.draw(st.sampled_from(layouts), label="how"))
    same(UNIQUE_ALL(y), unique_all(y))


def test_unique_of_nans_zeros_and_nothing():
    x = np.array([[np.nan, 1.0, -0.0], [0.0, np.nan, 1.0]])
    got = UNIQUES(x)
    same(got, uniques(x))
    values, first, inverse, counts = got[7]
    assert values[:2].tolist() == [0.0, 1.0] and np.isnan(values[2]) and values.shape == (3,)
    assert first.tolist() == [2, 1, 0] and inverse.tolist() == [[2, 1, 0], [0, 2, 1]] and counts.tolist() == [2, 2, 2]
    for shape in ((0, 3), (2, 0)):
        e = np.zeros(shape)
        same(UNIQUES(e), uniques(e))
        assert UNIQUES(e)[2][1].shape == shape


# --- errors -------------------------------------------------------------------------------------------

def sort_along(x, axis):
    return np.sort(x, axis=axis)


def argsort_along(x, axis):
    return np.argsort(x, axis)


def sort_method_along(x, axis):
    return x.sort(axis)


def argsort_method_along(x, axis):
    return x.argsort(axis=axis)


AXIS_CASES = {f.__name__: pair(f) for f in (sort_along, argsort_along, sort_method_along, argsort_method_along)}


@pytest.mark.parametrize("name", list(AXIS_CASES))
@pytest.mark.parametrize("axis", [2, -3, 7, -8])
def test_an_out_of_range_axis_is_numpys_axis_error(name, axis):
    py, f = AXIS_CASES[name]
    x = np.arange(6.0).reshape(2, 3)[:, ::-1]
    same(f(x.copy(), 1), py(x.copy(), 1))
    want = outcome(py, x.copy(), axis)
    assert type(want) is np.exceptions.AxisError
    same(outcome(f, x.copy(), axis), want)


def sort_default(x):
    return np.sort(x)


def sort_method_default(x):
    return x.sort()


def argsort_default(x):
    return np.argsort(x)


def argsort_method_default(x):
    return x.argsort()


@pytest.mark.parametrize("f", [sort_default, sort_method_default], ids=lambda f: f.__name__)
def test_sorting_a_0d_array_along_the_last_axis_is_numpys_axis_error(f):
    x = np.array(2.5)
    want = outcome(f, x.copy())
    assert type(want) is np.exceptions.AxisError
    same(outcome(compiled(f), x.copy()), want)
    for axis in (0, -1, 1):
        same(outcome(AXIS_CASES["sort_along"][1], x.copy(), axis), outcome(sort_along, x.copy(), axis))
        same(outcome(AXIS_CASES["sort_method_along"][1], x.copy(), axis), outcome(sort_method_along, x.copy(), axis))
    same(AXIS_CASES["sort_along"][1](x, None), sort_along(x, None))


@pytest.mark.parametrize("f", [argsort_default, argsort_method_default], ids=lambda f: f.__name__)
def test_argsort_of_a_0d_array_is_numpys(f):
    x = np.array(2.5)
    same(outcome(compiled(f), x), outcome(f, x))


def test_argsort_of_a_0d_array_without_an_axis_is_numpys():
    x = np.array(2.5)
    same(AXIS_CASES["argsort_along"][1](x, None), argsort_along(x, None))


def sort_kind_x(x):
    return np.sort(x, kind="x")


def argsort_kind_empty(x):
    return np.argsort(x, kind="")


def sort_method_kind(x):
    return x.sort(kind="bogus")


def argsort_method_kind(x):
    return x.argsort(0, "x")


def sort_kind_prefix(x):
    return np.sort(x, kind="quack"), x.argsort(kind="mergey"), np.sort(x, kind="heap"), np.sort(x, kind="stab")


@pytest.mark.parametrize("f", [sort_kind_x, argsort_kind_empty, sort_method_kind, argsort_method_kind],
                         ids=lambda f: f.__name__)
def test_an_unknown_kind_is_numpys_value_error(f):
    x = np.array([3.0, 1.0, 2.0])
    want = outcome(f, x.copy())
    assert type(want) is ValueError and str(want).startswith("sort kind must be one of 'quick', 'heap', or 'stable'")
    same(outcome(compiled(f), x.copy()), want)


def test_a_kind_numpy_takes_by_its_first_letter_is_taken():
    x = np.array([3.0, 1.0, 2.0, 1.0])
    want = outcome(sort_kind_prefix, x)
    if isinstance(want, Exception):
        same(outcome(compiled(sort_kind_prefix), x), want)
    else:
        got = compiled(sort_kind_prefix)(x)
        same(got[0], want[0])
        same(got[1], np.argsort(x, kind="stable"))
        same(got[2:], want[2:])


def search_left(a, v):
    return np.searchsorted(a, v)


def search_side(a, v):
    return np.searchsorted(a, v, side="middle")


def search_sorter(a, v):
    return np.searchsorted(a, v, sorter=np.arange(a.shape[0]))


@pytest.mark.parametrize("a", [np.ones((2, 3)), np.ones((2, 1, 3), np.int32)], ids=["2d", "3d"])
def test_searchsorted_in_more_than_one_dimension_is_numpys_value_error(a):
    want = outcome(search_left, a, 1.0)
    assert type(want) is ValueError and str(want) == "object too deep for desired array"
    same(outcome(compiled(search_left), a, 1.0), want)
    same(outcome(compiled(search_left), a, np.ones(2)), outcome(search_left, a, np.ones(2)))


def test_searchsorted_in_a_0d_array_is_numpys_value_error():
    a = np.array(1.0)
    same(outcome(compiled(search_left), a, 1.0), outcome(search_left, a, 1.0))


def test_an_unknown_side_is_numpys_value_error_and_sorter_a_type_error():
    a = np.array([1.0, 2.0])
    want = outcome(search_side, a, 1.5)
    assert type(want) is ValueError
    same(outcome(compiled(search_side), a, 1.5), want)
    assert search_sorter(a, 1.5) == 1   # NumPy takes it; compiled code does not
    with pytest.raises(TypeError):
        compiled(search_sorter)(a, 1.5)
