"""NumPy's constructors written in the language (issue 13, part 4, started): ``np.linspace``,
``np.eye``, ``np.identity`` (``dispatchjit/base/creation.py``), bit for bit against NumPy."""

import numpy as np
import pytest

from dispatchjit import generic


@generic
def spaced(a, b, n):
    return np.linspace(a, b, n)


@generic
def spaced_default(a, b):
    return np.linspace(a, b)


@generic
def diagonals(n, m, k):
    return np.eye(n, m, k), np.eye(n), np.identity(m)


@pytest.mark.parametrize("a, b, n", [(0, 1, 5), (0.0, 1.0, 7), (-3.5, 2.25, 11), (1, 1, 3), (0.0, 1.0, 1),
                                     (0.0, 1.0, 0), (0.0, 1e-310, 4), (5, -5, 6), (np.float32(0.1), np.float32(0.7), 9)])
def test_linspace_is_numpys_to_the_bit(a, b, n):
    got, want = spaced(a, b, n), np.linspace(a, b, n)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_linspace_defaults_and_errors():
    assert np.array_equal(spaced_default(0.0, 3.0), np.linspace(0.0, 3.0))
    with pytest.raises(ValueError, match="Number of samples, -1, must be non-negative") as info:
        spaced(0, 1, -1)
    assert "np.linspace(a, b, n)" in str(info.traceback[-1].statement)


@pytest.mark.parametrize("n, m, k", [(3, 3, 0), (3, 5, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0), (2, 4, -3)])
def test_eye_and_identity(n, m, k):
    for got, want in zip(diagonals(n, m, k), (np.eye(n, m, k), np.eye(n), np.identity(m))):
        assert got.dtype == want.dtype and np.array_equal(got, want)
