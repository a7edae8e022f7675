"""The loop nest that computes a broadcast expression whose operands do not all have the
result's shape and layout (``e / s`` with ``s`` of shape ``(n, 1)``): its versions of the
innermost loop for operands repeated along it (a zero stride) and for rows contiguous in
memory, and its general loop for the rest (strided rows, more operands than are versioned, a
read-only destination). Every case is checked against NumPy: values, dtype and shape."""

import numpy as np
import pytest

from dispatchjit import generic


@generic
def divide(a, b):
    return a / b


@generic
def subtract(a, b):
    return a - b


@generic
def three(a, b, c):
    return a * b + c


@generic
def four(a, b, c, d):
    return a * b + c - d


@generic
def into(out, a, b):
    out[:] = a - b
    return out


@generic
def into_middle(out, a, b):
    out[1:-1] = a + b
    return out


def _values(shape, dtype=np.float64, start=1):
    return (np.arange(start, start + int(np.prod(shape))) % 7 + 1).astype(dtype).reshape(shape)


def _layout(a, how):
    if how == "C":
        return a
    if how == "F":
        return np.asfortranarray(a)
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)   # rows with a stride of 2 elements
    wide[..., ::2] = a
    return wide[..., ::2]


def _same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


SHAPES = [((4, 5), (4, 1)), ((4, 5), (1, 5)), ((4, 5), (5,)), ((4, 1), (1, 5)), ((4, 1), (4, 1)),
          ((2, 3, 4), (2, 1, 4)), ((2, 3, 4), (3, 1)), ((3, 0), (3, 1)), ((0, 5), (1, 5)), ((1, 5), (4, 1))]


@pytest.mark.parametrize("how", ["C", "F", "strided"])
@pytest.mark.parametrize("left, right", SHAPES)
def test_two_operands_broadcast_as_numpy(left, right, how):
    a, b = _layout(_values(left), how), _layout(_values(right, start=3), how)
    _same(divide(a, b), a / b)
    _same(divide(b, a), b / a)
    _same(subtract(a, b), a - b)
    _same(subtract(b, a), b - a)


def test_integer_operands_keep_numpys_dtypes():
    a, b = _values((4, 5), np.int32), _values((4, 1), np.int8)
    _same(subtract(a, b), a - b)
    _same(divide(a, b), a / b)


@pytest.mark.parametrize("shapes", [((4, 5), (4, 1), (1, 5)), ((4, 5), (4, 5), (4, 1)), ((4, 1), (4, 1), (4, 1)),
                                    ((2, 3, 4), (1, 3, 1), (2, 1, 4))])
def test_three_operands_every_mix_of_repeated_and_contiguous(shapes):
    a, b, c = (_values(s, start=k) for k, s in enumerate(shapes))
    _same(three(a, b, c), a * b + c)
    _same(three(c, a, b), c * a + b)


def test_more_operands_than_are_versioned_take_the_general_loop():
    a, b, c, d = _values((4, 5)), _values((4, 1), start=2), _values((1, 5), start=3), _values((4, 5), start=4)
    _same(four(a, b, c, d), a * b + c - d)
    _same(four(_layout(a, "strided"), b, c, d.T.copy().T), a * b + c - d)


@pytest.mark.parametrize("how", ["C", "F", "strided"])
def test_written_into_an_existing_array(how):
    a, b = _values((4, 5)), _values((4, 1), start=2)
    out = _layout(np.zeros((4, 5)), how)
    assert into(out, a, b) is out
    _same(out, a - b)
    out = _layout(np.zeros((6, 5)), how)
    into_middle(out, a, b)
    want = np.zeros((6, 5))
    want[1:-1] = a + b
    _same(out, want)


def test_a_read_only_destination_is_refused_before_anything_is_written():
    a, b = _values((4, 5)), _values((4, 1), start=2)
    out = np.zeros((4, 5))
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        into(out, a, b)
    assert not out.any()


def test_a_destination_overlapping_a_repeated_operand_reads_the_old_values():
    x = _values((4, 5))
    want = x - x[:, :1]
    into(x, x, x[:, :1])   # the first column is written while it is still being read
    _same(x, want)
