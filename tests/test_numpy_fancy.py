"""NumPy's advanced indexing in compiled code against NumPy itself: one integer (or 1-d boolean)
index array per subscript, on any axis, with integers, slices and ``None`` around it (the
indexed axis moves to the front when an integer and the array are apart); reads and writes
(``a[idx] = v`` with a number or an array broadcast to the result, repeated indices, ``+=``);
boolean masks of fewer dimensions than the array; ``np.nonzero``, ``np.where`` (one argument),
``np.argwhere`` and ``np.flatnonzero``.

Every subscript is a module-level function whose body is the NumPy expression, run by NumPy
and compiled (``pair``). Each distinct subscript and argument types is a new specialization,
so the types (array dtype, dimensions and layout, index dtype and layout) are parametrized: a
fixed set of cases rotating through float64, int32, bool and complex128 arrays in C, F,
transposed, strided and reversed layouts, int64, int32, uint8 and bool index arrays in C,
strided and reversed layouts. Hypothesis varies the data: the shapes (zero-length axes
included), the values, and the index arrays (negative, repeated and empty). Values, dtypes and
shapes are compared exactly; errors are NumPy's: the same class and message."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatchjit.errors import TypingError
from numpy_support import layout, outcome, pair

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
DTYPES = [np.float64, np.int32, np.bool_, np.complex128]
LAYOUTS = ["C", "F", "T", "strided", "reversed"]
INDEX_DTYPES = [np.int64, np.int32, np.uint8, np.bool_]
INDEX_LAYOUTS = ["C", "strided", "reversed"]


# --- the subscripts: reads ---------------------------------------------------------------------

def first(a, i):
    return a[i]


def second(a, i):
    return a[:, i]


def third(a, i):
    return a[:, :, i]


def int_slice_array(a, i):      # an integer, a slice, the array: the indexed axis moves to the front
    return a[0, :, i]


def slice_int_array(a, i):      # the integer and the array side by side: the axis stays
    return a[:, 0, i]


def int_array_slice(a, i):
    return a[-1, i, :]


def array_slice(a, i):
    return a[i, 1:3]


def array_int(a, i):
    return a[i, -1]


def array_slice_int(a, i):      # apart again, but the array is first already
    return a[i, :, 0]


def newaxis_array(a, i):
    return a[None, i]


def int_newaxis_array(a, i):    # a None between the integer and the array: to the front
    return a[0, None, i]


def array_newaxis(a, i):
    return a[i, None]


def slice_newaxis_array(a, i):
    return a[:, None, i]


# --- writes ------------------------------------------------------------------------------------

def put_first(a, i, v):
    a[i] = v
    return a


def put_second(a, i, v):
    a[:, i] = v
    return a


def put_front(a, i, v):
    a[0, :, i] = v
    return a


def put_array_slice(a, i, v):
    a[i, 1:3] = v
    return a


def add_first(a, i):
    a[i] += 1
    return a


def add_second(a, i):
    a[:, i] += 2
    return a


def sub_front(a, i):
    a[0, :, i] -= 1
    return a


def add_values(a, i, v):
    a[i] += v
    return a


# --- masks of fewer dimensions, and the positions of the nonzero entries ----------------------

def masked(a, m):
    return a[m]


def nonzero_of(a):
    return np.nonzero(a)


def where_of(a):
    return np.where(a)


def argwhere_of(a):
    return np.argwhere(a)


def flatnonzero_of(a):
    return np.flatnonzero(a)


PAIRS = {}


def compiled(f):
    """``f``'s pair, one per function for the whole module (its specializations are shared)."""
    if f not in PAIRS:
        PAIRS[f] = pair(f)
    return PAIRS[f]


# --- helpers -----------------------------------------------------------------------------------

def _name(x):
    return x.__name__ if hasattr(x, "__name__") else str(x)


def _values(data, dtype, shape):
    """An array of ``dtype`` and ``shape`` with small values (-4 to 4, zeros among them)."""
    base = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-4, 4)))
    if dtype == np.bool_:
        return base > 0
    if dtype == np.complex128:
        return base * (1 - 2j) + (base % 2) * 1j
    return base.astype(dtype)


def _shape(data, ndim, how="C", ints=(), wide=()):
    """A shape of ``ndim`` axes of 0 to 4: at least 1 along the axes an integer indexes, and at
    least 2 along all of them for a layout other than C (along ``wide``, those an index array
    of another layout indexes), so that the layout, and the specialization, does not change
    with the shape (an array of no elements, or of one row, is C-contiguous to NumPy). Zero-
    length axes are the C cases'."""
    shape = data.draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=0 if how == "C" else 2,
                                       max_side=4)) if ndim else ()
    return tuple(max(s, 2) if k in wide else max(s, 1) if k in ints else s for k, s in enumerate(shape))


def _index(data, n, dtype, how):
    """An index array into an axis of ``n``: booleans of its length, or up to 6 integers in
    range (negative too but for uint8; repeats likely; none too in the C layout), in the
    layout ``how`` (then at least 2 of them, that the layout stays)."""
    if dtype == np.bool_:
        i = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    else:
        lo = 0 if dtype == np.uint8 else -n
        least = 0 if how == "C" else 2
        i = np.array(data.draw(st.lists(st.integers(lo, n - 1), min_size=least, max_size=6)) if n else [], dtype)
    return layout(i, how)


def _wide(axis, index_how):
    return () if index_how == "C" else (axis,)


def _same(got, want):
    assert type(got) is type(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_array_equal(got, want)


def _same_error(got, want):
    assert isinstance(want, Exception), want
    assert type(got) is type(want) and str(got) == str(want), (got, want)


def _rotated(cases, dtypes=DTYPES):
    """Each case with array and index types in turn, so that 16 cases together take every
    dtype with every index dtype, and every layout (one specialization each)."""
    out = []
    for c, case in enumerate(cases):
        types = (dtypes[c % len(dtypes)], LAYOUTS[c % 5], INDEX_DTYPES[(c + c // 4) % 4], INDEX_LAYOUTS[c % 3])
        out.append(pytest.param(*case, *types, id="-".join(_name(x) for x in (*case, *types))))
    return out


# --- reads -------------------------------------------------------------------------------------

# (subscript, dimensions of the array, the axis the index array indexes, the axes integers index)
READS = [(first, 1, 0, ()), (first, 2, 0, ()), (first, 3, 0, ()), (second, 2, 1, ()), (second, 3, 1, ()),
         (third, 3, 2, ()), (int_slice_array, 3, 2, (0,)), (slice_int_array, 3, 2, (1,)),
         (int_array_slice, 3, 1, (0,)), (array_slice, 2, 0, ()), (array_int, 2, 0, (1,)),
         (array_slice_int, 3, 0, (2,)), (newaxis_array, 2, 0, ()), (int_newaxis_array, 2, 1, (0,)),
         (array_newaxis, 1, 0, ()), (slice_newaxis_array, 2, 1, ())]
READ_CASES = _rotated(READS)


@pytest.mark.parametrize("f, ndim, axis, ints, dtype, how, index_dtype, index_how", READ_CASES)
@SETTINGS
@given(data=st.data())
def test_reads_match_numpy(f, ndim, axis, ints, dtype, how, index_dtype, index_how, data):
    py, jit = compiled(f)
    a = layout(_values(data, dtype, _shape(data, ndim, how, ints, _wide(axis, index_how))), how)
    i = _index(data, a.shape[axis], index_dtype, index_how)
    _same(jit(a, i), py(a, i))


def test_the_indexed_axis_moves_to_the_front_as_in_numpy():
    a, i = np.arange(80.0).reshape(4, 4, 5), np.array([3, 0, -1, 2, 2, 1])
    for f, shape in [(int_slice_array, (6, 4)), (slice_int_array, (4, 6)), (int_array_slice, (6, 5)),
                     (array_slice_int, (6, 4)), (int_newaxis_array, (6, 1, 5))]:
        py, jit = compiled(f)
        want = py(a, i)
        assert want.shape == shape
        _same(jit(a, i), want)


# --- writes ------------------------------------------------------------------------------------

# (write, the read of the same subscript, dimensions, indexed axis, integer axes, the value: a
# number, an array of the result's dimensions (axes of 1 broadcast), or of its last axis only)
WRITES = [(put_first, first, 1, 0, (), kind) for kind in ("number", "full")] + \
         [(put_first, first, 2, 0, (), kind) for kind in ("number", "full", "last")] + \
         [(put_second, second, 2, 1, (), kind) for kind in ("number", "full", "last")] + \
         [(put_second, second, 3, 1, (), kind) for kind in ("full", "last")] + \
         [(put_front, int_slice_array, 3, 2, (0,), kind) for kind in ("number", "full", "last")] + \
         [(put_array_slice, array_slice, 2, 0, (), kind) for kind in ("number", "full")]


def _value(data, kind, dtype, shape):
    if kind == "number":
        return data.draw({np.float64: st.floats(-8, 8, width=16), np.int32: st.integers(-8, 8),
                          np.bool_: st.booleans(), np.complex128: st.complex_numbers(max_magnitude=8, width=64)}[dtype])
    if kind == "last":
        shape = shape[-1:]
    shape = tuple(data.draw(st.sampled_from([1, s])) for s in shape)
    return _values(data, dtype, shape) + (np.arange(np.prod(shape, dtype=int)).reshape(shape) * 3).astype(dtype)


@pytest.mark.parametrize("f, read, ndim, axis, ints, kind, dtype, how, index_dtype, index_how", _rotated(WRITES))
@SETTINGS
@given(data=st.data())
def test_writes_match_numpy(f, read, ndim, axis, ints, kind, dtype, how, index_dtype, index_how, data):
    """``a[...idx...] = v``: a number, or an array broadcast against the indexing result (the
    last write wins for a repeated index, as in NumPy); the array itself is returned."""
    py, jit = compiled(f)
    x = _values(data, dtype, _shape(data, ndim, how, ints, _wide(axis, index_how)))
    i = _index(data, x.shape[axis], index_dtype, index_how)
    v = _value(data, kind, dtype, read(x, i).shape)
    want, a = py(x.copy(), i, v), layout(x.copy(), how)
    assert jit(a, i, v) is a
    _same(np.ascontiguousarray(a), want)


def test_values_are_cast_to_the_arrays_dtype_as_numpy_casts_them():
    py, jit = compiled(put_second)
    x, i = np.arange(12, dtype=np.int32).reshape(3, 4), np.array([3, 0, 3])
    for v in (2.75, -2.75, np.array([0.5, -1.5, 7.9]), np.array([[9.99], [-0.01], [3.5]])):
        _same(jit(x.copy(), i, v), py(x.copy(), i, v))


INPLACE = [(add_first, 1, 0, ()), (add_first, 2, 0, ()), (add_second, 2, 1, ()), (add_second, 3, 1, ()),
           (sub_front, 3, 2, (0,))]


@pytest.mark.parametrize("f, ndim, axis, ints, dtype, how, index_dtype, index_how",
                         _rotated(INPLACE, [np.float64, np.int32, np.complex128]))
@SETTINGS
@given(data=st.data())
def test_inplace_updates_match_numpy(f, ndim, axis, ints, dtype, how, index_dtype, index_how, data):
    """``a[idx] += 1``: a repeated index is incremented once, as in NumPy (a read, then a write)."""
    py, jit = compiled(f)
    x = _values(data, dtype, _shape(data, ndim, how, ints, _wide(axis, index_how)))
    i = _index(data, x.shape[axis], index_dtype, index_how)
    want, a = py(x.copy(), i), layout(x.copy(), how)
    assert jit(a, i) is a
    _same(np.ascontiguousarray(a), want)


def test_a_repeated_index_is_incremented_once_and_written_last_wins():
    py, jit = compiled(add_first)
    i = np.array([0, 0, 0, 4, -1, 2])
    _same(jit(np.arange(5), i), py(np.arange(5), i))
    assert list(jit(np.zeros(5), i)) == [1.0, 0.0, 1.0, 0.0, 1.0]
    py, jit = compiled(add_values)
    v = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    _same(jit(np.zeros(5), i, v), py(np.zeros(5), i, v))
    py, jit = compiled(put_first)
    _same(jit(np.zeros(5), i, v), py(np.zeros(5), i, v))
    assert list(jit(np.zeros(5), i, v)) == [3.0, 0.0, 6.0, 0.0, 5.0]


@pytest.mark.parametrize("f, x, i, v", [
    (put_first, np.zeros(5), np.array([0, 1]), np.zeros(3)),
    (put_first, np.zeros((3, 4)), np.array([0, 1, 2]), np.zeros((2, 4))),
    (put_first, np.zeros((3, 4)), np.array([0, 1, 2]), np.zeros(3)),
    (put_second, np.zeros((3, 4)), np.array([0, 1]), np.zeros((3, 3))),
    (put_front, np.zeros((2, 3, 4)), np.array([2, 0]), np.zeros((3, 1)))])
def test_values_that_do_not_broadcast_are_a_value_error(f, x, i, v):
    """NumPy's class (its message, "shape mismatch: value array of shape ... could not be
    broadcast to indexing result of shape ...", is not matched word for word)."""
    py, jit = compiled(f)
    assert isinstance(outcome(py, x.copy(), i, v), ValueError)
    with pytest.raises(ValueError):
        jit(x.copy(), i, v)


def test_values_with_more_leading_axes_of_one_broadcast():
    py, jit = compiled(put_first)
    x, i, v = np.zeros((3, 4)), np.array([2, 0, 1, 2]), np.arange(4.0)[None, None, :]
    _same(jit(x.copy(), i, v), py(x.copy(), i, v))


# --- errors ------------------------------------------------------------------------------------

OUT_OF_BOUNDS = [(first, 1, 0, ()), (first, 3, 0, ()), (second, 2, 1, ()), (int_slice_array, 3, 2, (0,)),
                 (slice_int_array, 3, 2, (1,)), (newaxis_array, 2, 0, ()), (int_newaxis_array, 2, 1, (0,)),
                 (put_first, 2, 0, ()), (put_second, 2, 1, ()), (add_first, 1, 0, ())]


@pytest.mark.parametrize("f, ndim, axis, ints, index_dtype",
                         [case + ([np.int64, np.int32][c % 2],) for c, case in enumerate(OUT_OF_BOUNDS)],
                         ids=lambda x: _name(x))
@SETTINGS
@given(data=st.data())
def test_an_index_out_of_bounds_is_numpys_index_error(f, ndim, axis, ints, index_dtype, data):
    """One index out of bounds (at or past the end, or before the start, among good ones):
    NumPy's IndexError, "index 11 is out of bounds for axis 0 with size 10", the axis the
    original array's (None parts not counted)."""
    py, jit = compiled(f)
    x = _values(data, np.float64, _shape(data, ndim, "C", ints))
    n = x.shape[axis]
    good = data.draw(st.lists(st.integers(-n, n - 1), max_size=4)) if n else []
    bad = data.draw(st.one_of(st.integers(n, n + 300), st.integers(-n - 300, -n - 1)))
    i = np.array(good[:2] + [bad] + good[2:], index_dtype)
    extra = (7.0,) if f in (put_first, put_second) else ()
    want = outcome(py, x.copy(), i, *extra)
    _same_error(outcome(jit, x.copy(), i, *extra), want)


def test_an_unsigned_index_out_of_bounds_is_numpys_message():
    py, jit = compiled(first)
    x, i = np.arange(5.0), np.array([1, 250], np.uint8)
    _same_error(outcome(jit, x, i), outcome(py, x, i))


@pytest.mark.parametrize("f, x, i, extra", [
    (first, np.zeros(4), np.ones(3, bool), ()),
    (first, np.zeros((4, 2)), np.ones(5, bool), ()),
    (second, np.zeros((4, 2)), np.ones(3, bool), ()),
    (int_slice_array, np.zeros((2, 3, 4)), np.ones(3, bool), ()),
    (int_newaxis_array, np.zeros((2, 3)), np.ones(2, bool), ()),
    (put_first, np.zeros((4, 2)), np.ones(1, bool), (5.0,)),
    (put_second, np.zeros((4, 2)), np.ones(4, bool), (5.0,)),
    (masked, np.zeros((2, 3, 4)), np.ones((2, 4), bool), ())], ids=lambda x: _name(x) if callable(x) else None)
def test_a_boolean_index_of_the_wrong_length_is_numpys_index_error(f, x, i, extra):
    py, jit = compiled(f)
    _same_error(outcome(jit, x.copy(), i, *extra), outcome(py, x.copy(), i, *extra))


@pytest.mark.parametrize("f", [first, second, put_first])
def test_an_empty_boolean_index_selects_nothing(f):
    py, jit = compiled(f)
    x, i = np.zeros((2, 3)), np.array([], bool)
    extra = (1.0,) if f is put_first else ()
    _same(jit(x.copy(), i, *extra), py(x.copy(), i, *extra))


# --- boolean masks of fewer dimensions ---------------------------------------------------------

# (dimensions of the array, of the mask)
MASKS = [(1, 1), (2, 1), (3, 1), (3, 2), (2, 1), (3, 2)]


@pytest.mark.parametrize("ndim, k, dtype, how, _index_dtype, mask_how",
                         _rotated([(ndim, k) for ndim, k in MASKS]))
@SETTINGS
@given(data=st.data())
def test_masks_of_leading_axes_read_subarrays(ndim, k, dtype, how, _index_dtype, mask_how, data):
    """``a[m]`` with ``m`` of ``a.shape[:k]``: shape ``(count,) + a.shape[k:]``, C order."""
    py, jit = compiled(masked)
    a = layout(_values(data, dtype, _shape(data, ndim, how, wide=() if mask_how == "C" else range(k))), how)
    m = layout(_values(data, np.bool_, a.shape[:k]), mask_how)
    _same(jit(a, m), py(a, m))


MASK_WRITES = [(1, 1, "number"), (2, 1, "number"), (2, 1, "rows"), (2, 1, "one"), (2, 1, "sub"),
               (3, 1, "rows"), (3, 1, "sub"), (3, 2, "number"), (3, 2, "rows"), (3, 2, "sub")]


@pytest.mark.parametrize("ndim, k, kind, dtype, how, _index_dtype, _index_how", _rotated(MASK_WRITES))
@SETTINGS
@given(data=st.data())
def test_masks_of_leading_axes_write_subarrays(ndim, k, kind, dtype, how, _index_dtype, _index_how, data):
    """``a[m] = v``: a number, a subarray per true entry (``rows``) or one for all (``one``), or
    an array broadcast to a subarray (``sub``, axes of 1 included)."""
    py, jit = compiled(put_first)
    x = _values(data, dtype, _shape(data, ndim, how))
    m = _values(data, np.bool_, x.shape[:k])
    rest = x.shape[k:]
    if kind == "number":
        v = _value(data, "number", dtype, ())
    elif kind == "rows":
        v = _values(data, dtype, (int(m.sum()),) + rest)
    elif kind == "one":
        v = _values(data, dtype, (1,) + rest)
    else:
        v = _values(data, dtype, tuple(data.draw(st.sampled_from([1, s])) for s in rest))
    want, a = py(x.copy(), m, v), layout(x.copy(), how)
    assert jit(a, m, v) is a
    _same(np.ascontiguousarray(a), want)


# --- np.nonzero, np.where, np.argwhere, np.flatnonzero -----------------------------------------

POSITIONS = [(f, ndim) for ndim in (1, 2, 3) for f in (nonzero_of, where_of, argwhere_of, flatnonzero_of)]
POSITION_CASES = [pytest.param(f, ndim, DTYPES[(c + c // 4) % 4], LAYOUTS[c % 5],
                               id=f"{f.__name__}-{ndim}d-{DTYPES[(c + c // 4) % 4].__name__}-{LAYOUTS[c % 5]}")
                  for c, (f, ndim) in enumerate(POSITIONS)]


@pytest.mark.parametrize("f, ndim, dtype, how", POSITION_CASES)
@SETTINGS
@given(data=st.data())
def test_positions_of_nonzero_entries_match_numpy(f, ndim, dtype, how, data):
    """The values, Int64 dtype and shapes: a tuple of one array per axis (nonzero, where), an
    ``(n, ndim)`` array (argwhere), the flat C-order indices (flatnonzero), in C order."""
    py, jit = compiled(f)
    a = layout(_values(data, dtype, _shape(data, ndim, how)), how)
    got, want = jit(a), py(a)
    if isinstance(want, tuple):
        assert type(got) is tuple and len(got) == len(want) == ndim
        for g, w in zip(got, want):
            _same(g, w)
    else:
        _same(got, want)


@pytest.mark.parametrize("f", [argwhere_of, flatnonzero_of])
@pytest.mark.parametrize("x", [np.array(0.0), np.array(2.5), np.array(True), np.array(0j), np.array(-3, np.int32)],
                         ids=repr)
def test_argwhere_and_flatnonzero_of_a_0d_array(f, x):
    py, jit = compiled(f)
    _same(jit(x), py(x))


@pytest.mark.parametrize("f", [nonzero_of, where_of])
def test_nonzero_of_a_0d_array_is_numpys_value_error(f):
    py, jit = compiled(f)
    for x in (np.array(1.0), np.array(0, np.int32), np.array(True)):
        _same_error(outcome(jit, x), outcome(py, x))


def nonzero_of_expression(a):
    return np.nonzero(a > 0)


def argwhere_of_expression(a):
    return np.argwhere(a > 0)


def flatnonzero_of_expression(a):
    return np.flatnonzero(a > 0)


def where_of_expression(a):
    return np.where(a > 0)


def select_nonzero(a):
    m = a > 0
    return a[0][np.flatnonzero(m[0])], a[np.nonzero(m)[0]], a[:, np.argwhere(m[0])[:, 0]]


def test_where_of_an_expression_and_positions_used_as_an_index():
    x = np.array([[3.0, -1.0, 0.0], [2.0, 5.0, -5.0]])
    py, jit = compiled(where_of_expression)
    for g, w in zip(jit(x), py(x)):
        _same(g, w)
    py, jit = compiled(select_nonzero)
    for g, w in zip(jit(x), py(x)):
        _same(g, w)


@pytest.mark.parametrize("f", [nonzero_of_expression, argwhere_of_expression, flatnonzero_of_expression])
def test_positions_of_an_array_expression(f):
    py, jit = compiled(f)
    x = np.array([3.0, -1.0, 0.0, 2.0])
    got, want = jit(x), py(x)
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        _same(g, w)


@pytest.mark.parametrize("f", [argwhere_of, flatnonzero_of])
def test_argwhere_and_flatnonzero_of_a_number(f):
    py, jit = compiled(f)
    _same(jit(2.5), py(2.5))


def test_the_cases_take_every_type():
    """The rotation gives every array dtype with every index dtype, and every layout."""
    seen = {(p.values[4], p.values[6]) for p in READ_CASES}
    assert seen == set(itertools.product(DTYPES, INDEX_DTYPES))
    assert {p.values[5] for p in READ_CASES} == set(LAYOUTS)
    assert {p.values[7] for p in READ_CASES} == set(INDEX_LAYOUTS)

