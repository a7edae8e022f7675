"""NumPy's shape functions in compiled code: ``reshape`` (C and F order), ``ravel``, ``flatten``,
``transpose``, ``swapaxes``, ``moveaxis``, ``expand_dims``, ``squeeze``, ``flip``,
``concatenate``, ``stack``, ``hstack``, ``vstack``, ``np.array`` / ``np.asarray`` of tuples and
arrays, ``None`` (``np.newaxis``) in an index and the ``strides`` / ``itemsize`` attributes.

Every result is checked against NumPy itself on the same input: values, dtype, shape, and
view-versus-copy (``np.shares_memory(result, input)`` must be NumPy's own answer for the same
call), over C, F and strided inputs (``x[:, ::2]``, ``x.T``, reversed). Errors are NumPy's:
the same exception class and the same message, computed by calling NumPy with the same
arguments."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatchjit.errors import TypingError
from numpy_support import layout, outcome, pair

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
DTYPES = [np.float64, np.int32]


# --- helpers ------------------------------------------------------------------------------------

LAYOUTS = ["C", "F", "T", "strided", "reversed"]


def _same_error(got, want):
    assert isinstance(got, Exception), f"NumPy raised {want!r}, compiled code returned {got!r}"
    assert type(got) is type(want), (got, want)
    assert str(got) == str(want), (str(got), str(want))


def _same(got, want, inputs=()):
    """``got`` (compiled) is ``want`` (NumPy): values, dtype, shape, and for each input array
    whether the result shares its memory."""
    if isinstance(want, Exception):
        _same_error(got, want)
        return
    assert not isinstance(got, Exception), f"compiled code raised {got!r}, NumPy gave {want!r}"
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _same(g, w, inputs)
        return
    g, w = np.asarray(got), np.asarray(want)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert np.array_equal(g, w, equal_nan=True), (g, w)
    for x in inputs:
        assert np.shares_memory(got, x) == np.shares_memory(want, x), \
            f"shares memory with the input: compiled {np.shares_memory(got, x)}, NumPy {np.shares_memory(want, x)}"


def _check(pair, *args, inputs=None):
    py, compiled = pair
    arrays = [a for a in args if isinstance(a, np.ndarray)] if inputs is None else inputs
    _same(outcome(compiled, *args), outcome(py, *args), arrays)


def _values(dtype, shape):
    return (np.arange(int(np.prod(shape))) * 3 - 7).astype(dtype).reshape(shape)


def _factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def _arrays(draw, min_dims=2, max_dims=2, min_side=0, max_side=5):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    a = draw(hnp.arrays(dtype, shape, elements=hnp.from_dtype(np.dtype(dtype), min_value=-100, max_value=100,
                                                              allow_nan=False)))
    return layout(a, draw(st.sampled_from(LAYOUTS)))


@st.composite
def _target_shapes(draw, size):
    """A shape of 1 to 3 dimensions with ``size`` elements, sometimes with one -1 in it (and
    sometimes, for empty arrays, one NumPy refuses: both sides must then raise the same)."""
    k = draw(st.integers(1, 3))
    if size == 0:
        dims = [draw(st.integers(0, 3)) for _ in range(k)]
        dims[draw(st.integers(0, k - 1))] = 0
    else:
        dims = [1] * k
        for f in _factors(size):
            dims[draw(st.integers(0, k - 1))] *= f
    if draw(st.booleans()):
        dims[draw(st.integers(0, k - 1))] = -1
    return tuple(dims)


# --- the functions under test -------------------------------------------------------------------

def reshape_3_2(x):
    return x.reshape(3, 2)


def reshape_3_minus_1(x):
    return x.reshape((3, -1))


def reshape_to(x, s):
    return np.reshape(x, s)


def reshape_to_f(x, s):
    return np.reshape(x, s, order="F")


def reshape_method(x, s):
    return x.reshape(s)


def flattened(x):
    return np.ravel(x), x.ravel(), x.flatten()


def transposed(x):
    return x.transpose(), np.transpose(x)


def transposed_102(x):
    return x.transpose(1, 0, 2)


def transposed_by(x, axes):
    return np.transpose(x, axes)


def transposed_method_by(x, axes):
    return x.transpose(axes)


def swapped(x, a, b):
    return np.swapaxes(x, a, b), x.swapaxes(a, b)


def moved(x, src, dst):
    return np.moveaxis(x, src, dst)


def expanded(x, axis):
    return np.expand_dims(x, axis)


def squeezed(x, axis):
    return np.squeeze(x, axis=axis)


def squeezed_without_axis(x):
    return np.squeeze(x)


def flipped(x):
    return np.flip(x)


def flipped_along(x, axis):
    return np.flip(x, axis)


def concatenated(a, b, axis):
    return np.concatenate((a, b), axis=axis)


def concatenated_default(a, b):
    return np.concatenate((a, b))


def concatenated3(a, b, c, axis):
    return np.concatenate((a, b, c), axis=axis)


def stacked(a, b, axis):
    return np.stack((a, b), axis=axis)


def stacked_default(a, b):
    return np.stack((a, b))


def hstacked(a, b):
    return np.hstack((a, b))


def vstacked(a, b):
    return np.vstack((a, b))


def array_of_ints():
    return np.array((1, 2, 3))


def array_of_float_pairs():
    return np.array(((1.0, 2.0), (3.0, 4.0)))


def array_of_mixed():
    return np.array((1, 2.5, True))


def array_of_args(a, b, c):
    return np.array((a, b, c))


def array_copy(x):
    return np.array(x)


def as_array(x):
    return np.asarray(x)


def new_axes(x):
    return x[:, None], x[None, :, None], x[np.newaxis], x[1, None], x[None]


def new_axes_vector(v):
    return v[:, None], v[None, :], v[None, :, None], v[np.newaxis, np.newaxis]


def strides_and_itemsize(x):
    return x.strides, x.itemsize


RESHAPE_3_2 = pair(reshape_3_2)
RESHAPE_3_M1 = pair(reshape_3_minus_1)
RESHAPE = pair(reshape_to)
RESHAPE_F = pair(reshape_to_f)
RESHAPE_METHOD = pair(reshape_method)
FLATTENED = pair(flattened)
TRANSPOSED = pair(transposed)
TRANSPOSED_102 = pair(transposed_102)
TRANSPOSED_BY = pair(transposed_by)
TRANSPOSED_METHOD_BY = pair(transposed_method_by)
SWAPPED = pair(swapped)
MOVED = pair(moved)
EXPANDED = pair(expanded)
SQUEEZED = pair(squeezed)
SQUEEZED_WITHOUT_AXIS = pair(squeezed_without_axis)
FLIPPED = pair(flipped)
FLIPPED_ALONG = pair(flipped_along)
CONCATENATED = pair(concatenated)
CONCATENATED_DEFAULT = pair(concatenated_default)
CONCATENATED3 = pair(concatenated3)
STACKED = pair(stacked)
STACKED_DEFAULT = pair(stacked_default)
HSTACKED = pair(hstacked)
VSTACKED = pair(vstacked)
ARRAY_OF_INTS = pair(array_of_ints)
ARRAY_OF_FLOAT_PAIRS = pair(array_of_float_pairs)
ARRAY_OF_MIXED = pair(array_of_mixed)
ARRAY_OF_ARGS = pair(array_of_args)
ARRAY_COPY = pair(array_copy)
AS_ARRAY = pair(as_array)
NEW_AXES = pair(new_axes)
NEW_AXES_VECTOR = pair(new_axes_vector)
STRIDES = pair(strides_and_itemsize)


# --- reshape --------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_reshape_with_literal_shapes_on_every_layout(how, dtype):
    x = layout(_values(dtype, (2, 3)), how)
    _check(RESHAPE_3_2, x)
    _check(RESHAPE_3_M1, x)
    for shape in [(6,), (3, 2), (1, 6), (6, 1), (3, -1), (-1,), (1, 2, 3), (2, -1, 1)]:
        _check(RESHAPE, x, shape)
        _check(RESHAPE_F, x, shape)
        _check(RESHAPE_METHOD, x, shape)


def _check_reshape(pair, x, shape):
    """``_check``, except that the error message shows a ``-1`` as given: NumPy shows it as
    ``newaxis`` and drops a leading one (``shape (4)`` for ``(-1, 4)``)."""
    want = outcome(pair[0], x, shape)
    if not (-1 in shape and str(want).startswith("cannot reshape")):
        return _check(pair, x, shape)
    with pytest.raises(type(want)) as got:
        pair[1](x, shape)
    shown = ",".join(map(str, shape)) + ("," if len(shape) == 1 else "")
    assert str(got.value) == f"cannot reshape array of size {x.size} into shape ({shown})"


@SETTINGS
@given(x=_arrays(), data=st.data())
def test_reshape_matches_numpy(x, data):
    _check_reshape(RESHAPE, x, data.draw(_target_shapes(x.size)))


@SETTINGS
@given(x=_arrays(), data=st.data())
def test_reshape_in_f_order_matches_numpy(x, data):
    _check_reshape(RESHAPE_F, x, data.draw(_target_shapes(x.size)))


def test_a_reshaped_view_writes_through_to_the_input():
    x = np.arange(6.0).reshape(2, 3)
    _, compiled = RESHAPE_3_2
    r = compiled(x)
    assert np.shares_memory(r, x)
    r[2, 1] = 99.0
    assert x[1, 2] == 99.0


def test_reshape_3d_and_to_a_scalar_shape():
    x = _values(np.float64, (2, 3, 4))
    for how in ("C", "F", "T"):
        y = layout(x, how)
        for shape in [(4, 6), (24,), (2, 12), (-1, 4), (4, 3, 2), (2, 3, 4)]:
            _check(RESHAPE, y, shape)
            _check(RESHAPE_F, y, shape)
    one = np.array([5.0])
    _check(RESHAPE, one, ())   # a 0-d array


@pytest.mark.parametrize("shape, size", [((4,), 6), ((-1, -1), 6), ((4, -1), 6), ((2, 2), 6), ((7,), 6),
                                         ((0, -1), 0), ((3, 0), 6), ((-1, 4), 6), ((2, -1, 2), 6)])
def test_reshape_errors_are_numpys(shape, size):
    x = np.arange(float(size))
    for pair in (RESHAPE, RESHAPE_F, RESHAPE_METHOD):
        _check_reshape(pair, x, shape)
    with pytest.raises(ValueError):
        RESHAPE[1](x, shape)


def test_reshape_error_message_for_an_incompatible_size():
    with pytest.raises(ValueError, match=r"^cannot reshape array of size 6 into shape \(4,\)$"):
        RESHAPE[1](np.zeros(6), (4,))
    with pytest.raises(ValueError, match="can only specify one unknown dimension"):
        RESHAPE[1](np.zeros(6), (-1, -1))


# --- ravel, flatten --------------------------------------------------------------------------------

@pytest.mark.parametrize("how", LAYOUTS)
@pytest.mark.parametrize("shape", [(2, 3), (0, 3), (1, 5), (3, 1, 4)])
def test_ravel_is_a_view_where_numpys_is_and_flatten_always_copies(how, shape):
    x = layout(_values(np.float64, shape), how)
    _check(FLATTENED, x)
    got = FLATTENED[1](x)
    assert got[2].size == 0 or not np.shares_memory(got[2], x)


def test_ravel_of_a_vector_and_of_a_reversed_vector():
    v = np.arange(7, dtype=np.int32)
    _check(FLATTENED, v)
    _check(FLATTENED, v[::-1])
    _check(FLATTENED, v[::3])


# --- transpose, swapaxes, moveaxis -------------------------------------------------------------------

@pytest.mark.parametrize("how", ["C", "F", "strided"])
def test_transpose_forms(how):
    x = layout(_values(np.float64, (2, 3, 4)), how)
    _check(TRANSPOSED, x)
    _check(TRANSPOSED_102, x)
    for axes in [(0, 1, 2), (2, 1, 0), (1, 2, 0), (-1, 0, 1), (0, -2, -3)]:
        _check(TRANSPOSED_BY, x, axes)
        _check(TRANSPOSED_METHOD_BY, x, axes)
    m = layout(_values(np.int32, (3, 5)), how)
    _check(TRANSPOSED, m)
    _check(TRANSPOSED_BY, m, (1, 0))


@SETTINGS
@given(x=_arrays(min_dims=3, max_dims=3, max_side=4), data=st.data())
def test_transpose_with_axes_matches_numpy(x, data):
    axes = data.draw(st.permutations(range(3)))
    axes = tuple(a - 3 if data.draw(st.booleans()) else a for a in axes)
    _check(TRANSPOSED_BY, x, axes)


@SETTINGS
@given(x=_arrays(min_dims=3, max_dims=3, max_side=4), a=st.integers(-3, 2), b=st.integers(-3, 2),
       src=st.integers(-3, 2), dst=st.integers(-3, 2))
def test_swapaxes_and_moveaxis_match_numpy(x, a, b, src, dst):
    _check(SWAPPED, x, a, b)
    _check(MOVED, x, src, dst)


@pytest.mark.parametrize("axes", [(0,), (0, 1, 2), (0, 0), (1, 1), (0, 2), (-3, 0), (2, 0)])
def test_transpose_with_wrong_axes_raises_numpys_error(axes):
    x = np.zeros((2, 3))
    _check(TRANSPOSED_BY, x, axes)
    _check(TRANSPOSED_METHOD_BY, x, axes)


def test_transpose_error_messages():
    with pytest.raises(ValueError, match="axes don't match array"):
        TRANSPOSED_BY[1](np.zeros((2, 3)), (0,))
    with pytest.raises(ValueError, match="repeated axis in transpose"):
        TRANSPOSED_BY[1](np.zeros((2, 3)), (1, 1))
    with pytest.raises(np.exceptions.AxisError):
        TRANSPOSED_BY[1](np.zeros((2, 3)), (0, 2))


@pytest.mark.parametrize("a, b", [(0, 5), (-4, 0), (3, 3)])
def test_swapaxes_out_of_range_is_numpys_axis_error(a, b):
    x = np.zeros((2, 3, 4))
    _check(SWAPPED, x, a, b)
    with pytest.raises(np.exceptions.AxisError):
        SWAPPED[1](x, a, b)


@pytest.mark.parametrize("src, dst", [(0, 3), (-4, 0), (5, 1)])
def test_moveaxis_out_of_range_is_numpys_axis_error(src, dst):
    x = np.zeros((2, 3, 4))
    _check(MOVED, x, src, dst)
    with pytest.raises(np.exceptions.AxisError):
        MOVED[1](x, src, dst)


# --- expand_dims, squeeze ------------------------------------------------------------------------------

@SETTINGS
@given(x=_arrays(min_dims=2, max_dims=2, max_side=4), axis=st.integers(-4, 3))
def test_expand_dims_with_an_integer_matches_numpy(x, axis):
    _check(EXPANDED, x, axis)


@pytest.mark.parametrize("axis", [(0, 1), (0, 3), (-1, 0), (3, 2), (1, -2), (0, 0), (0, 4), (-5, 1), (1, -3)])
@pytest.mark.parametrize("how", ["C", "F", "strided"])
def test_expand_dims_with_a_tuple(axis, how):
    x = layout(_values(np.float64, (2, 3)), how)
    _check(EXPANDED, x, axis)


def test_expand_dims_errors():
    x = np.zeros((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="axis 3 is out of bounds for array of dimension 3"):
        EXPANDED[1](x, 3)
    with pytest.raises(ValueError, match="repeated axis"):
        EXPANDED[1](x, (1, 1))


@pytest.mark.parametrize("how", ["C", "F", "strided"])
@pytest.mark.parametrize("axis", [0, 2, -1, -3, (0,), (0, 2), (2, 0), (-1, 0), 1, 3, -4, (0, 0), (0, 1)])
def test_squeeze_with_axis_matches_numpy(how, axis):
    x = layout(_values(np.float64, (1, 3, 1)), how)
    _check(SQUEEZED, x, axis)


def test_squeeze_of_an_axis_that_is_not_one_is_numpys_error():
    x = np.zeros((1, 3, 1))
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out which has size not equal to one"):
        SQUEEZED[1](x, 1)
    with pytest.raises(np.exceptions.AxisError, match="axis 3 is out of bounds for array of dimension 3"):
        SQUEEZED[1](x, 3)


def test_squeeze_without_axis_is_a_typing_error_that_names_the_argument_and_the_line():
    with pytest.raises(TypingError, match="needs the argument 'axis'") as info:
        SQUEEZED_WITHOUT_AXIS[1](np.zeros((1, 3, 1)))
    message = str(info.value)
    assert "test_numpy_shapes.py:" in message and "in squeezed_without_axis:" in message
    assert message.splitlines()[0].split(" in ")[0].count(":") == 2   # file:line:col


# --- flip ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", LAYOUTS)
def test_flip_every_way(how):
    x = layout(_values(np.int32, (2, 3, 4)), how)
    _check(FLIPPED, x)
    for axis in [0, 1, -1, (0, 1), (-1, 0), (0,)]:
        _check(FLIPPED_ALONG, x, axis)


@SETTINGS
@given(x=_arrays(min_dims=3, max_dims=3, max_side=4), axis=st.one_of(st.integers(-3, 2),
                                                                  st.tuples(st.integers(-3, 2), st.integers(-3, 2))))
def test_flip_matches_numpy(x, axis):
    _check(FLIPPED_ALONG, x, axis)


@pytest.mark.parametrize("axis", [2, -3, (0, 0), (0, 2), (1, -2)])
def test_flip_errors_are_numpys(axis):
    _check(FLIPPED_ALONG, np.zeros((2, 3)), axis)


# --- concatenate, stack, hstack, vstack -------------------------------------------------------------------

MIXED = [(np.float64, np.float64), (np.int32, np.float32), (np.int64, np.bool_), (np.uint8, np.int8),
         (np.float32, np.float64), (np.int32, np.int64)]


@pytest.mark.parametrize("ta, tb", MIXED, ids=lambda t: np.dtype(t).name)
def test_concatenate_and_stack_with_mixed_dtypes(ta, tb):
    a = _values(ta, (2, 3))
    b = np.asfortranarray((_values(tb, (2, 3)) + 5).astype(tb))
    for axis in (0, 1, -1, -2):
        _check(CONCATENATED, a, b, axis)
    for axis in (0, 1, 2, -1, -3):
        _check(STACKED, a, b, axis)
    _check(CONCATENATED_DEFAULT, a, b)
    _check(STACKED_DEFAULT, a, b)
    _check(HSTACKED, a, b)
    _check(VSTACKED, a, b)


@SETTINGS
@given(data=st.data(), how_a=st.sampled_from(LAYOUTS), how_b=st.sampled_from(["C", "strided"]),
       axis=st.integers(-2, 1), n=st.integers(0, 4))
def test_concatenate_matches_numpy(data, how_a, how_b, axis, n):
    shape_a = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4))
    shape_b = list(shape_a)
    shape_b[axis] = n
    a = layout(_values(np.float64, shape_a), how_a)
    b = layout(_values(np.float64, tuple(shape_b)) * -1, how_b) if n else np.zeros(tuple(shape_b))
    _check(CONCATENATED, a, b, axis)
    c = layout(_values(np.float64, shape_a) + 100, "F")
    _check(CONCATENATED3, a, c, a, axis)


def test_hstack_and_vstack_of_vectors():
    a, b = np.arange(3.0), np.arange(4, dtype=np.int32)
    _check(HSTACKED, a, b)
    _check(HSTACKED, b, b[::-1])
    _check(VSTACKED, a, a[::-1])
    _check(VSTACKED, a.astype(np.float32), np.arange(3, dtype=np.int16))
    _check(STACKED, a, a, 1)


@pytest.mark.parametrize("shape_b, axis", [((2, 2), 0), ((3, 3), 1), ((2, 3), 2), ((2, 3), -3), ((4, 2), 0)])
def test_concatenate_of_mismatched_shapes_is_numpys_error(shape_b, axis):
    a, b = np.zeros((2, 3)), np.ones(shape_b)
    _check(CONCATENATED, a, b, axis)
    with pytest.raises(ValueError):
        CONCATENATED[1](a, b, axis)


def test_concatenate_mismatch_message():
    with pytest.raises(ValueError, match="all the input array dimensions except for the concatenation axis must match "
                                         "exactly, but along dimension 1, the array at index 0 has size 3 and the "
                                         "array at index 1 has size 2"):
        CONCATENATED[1](np.zeros((2, 3)), np.zeros((2, 2)), 0)


@pytest.mark.parametrize("shape_b, axis", [((2, 2), 0), ((3, 2), 1), ((2, 3), 3), ((2, 3), -4)])
def test_stack_of_mismatched_shapes_or_a_bad_axis_is_numpys_error(shape_b, axis):
    _check(STACKED, np.zeros((2, 3)), np.ones(shape_b), axis)


def test_hstack_and_vstack_mismatches_are_numpys_errors():
    _check(HSTACKED, np.zeros((2, 3)), np.zeros((3, 3)))
    _check(VSTACKED, np.zeros((2, 3)), np.zeros((3, 2)))
    _check(VSTACKED, np.zeros(3), np.zeros(4))


# --- np.array, np.asarray -----------------------------------------------------------------------------------

def test_array_of_literal_tuples():
    _check(ARRAY_OF_INTS)
    _check(ARRAY_OF_FLOAT_PAIRS)
    _check(ARRAY_OF_MIXED)


@pytest.mark.parametrize("args", [(1, 2, 3), (1.0, 2, 3), (True, False, True), (1, 2.0, True),
                                  (np.float32(1.5), np.float32(2), np.float32(3)), (np.int8(1), np.int8(2), np.int8(3)),
                                  (np.int8(1), np.int16(2), np.int8(3))])
def test_array_of_a_tuple_of_numbers_has_numpys_dtype(args):
    _check(ARRAY_OF_ARGS, *args)


@pytest.mark.parametrize("how", LAYOUTS)
def test_array_copies_and_asarray_does_not(how):
    x = layout(_values(np.float64, (3, 4)), how)
    _check(ARRAY_COPY, x)
    _check(AS_ARRAY, x)
    copied, same = ARRAY_COPY[1](x), AS_ARRAY[1](x)
    assert not np.shares_memory(copied, x)
    assert (same is x) == (np.asarray(x) is x)
    copied[0, 0] = -1.0
    assert x[0, 0] != -1.0


# --- None / np.newaxis in an index -----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["C", "F", "strided", "reversed"])
def test_none_in_an_index_makes_views_as_numpy(how):
    x = layout(_values(np.float64, (3, 4)), how)
    _check(NEW_AXES, x)
    v = layout(_values(np.int32, (5,)), "C" if how in ("C", "F") else how)
    _check(NEW_AXES_VECTOR, v)


def test_a_new_axis_view_writes_through():
    x = np.zeros((3, 4))
    col = NEW_AXES[1](x)[0]
    col[1, 0, 2] = 7.0
    assert x[1, 2] == 7.0


# --- strides, itemsize ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int8, np.complex128, np.bool_, np.float32],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("how", LAYOUTS)
def test_strides_and_itemsize_are_numpys(dtype, how):
    x = layout(_values(dtype, (3, 4)), how)
    got = STRIDES[1](x)
    assert got == (x.strides, x.itemsize)
    assert all(isinstance(s, int) for s in got[0]) and isinstance(got[1], int)
