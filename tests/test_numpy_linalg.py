"""Matrix products and norms in compiled code (issue 13, part 7): ``a @ b``, ``np.matmul``,
``np.dot`` and ``np.linalg.norm``, library code (``dispatchjit/base/linalg.py``), against NumPy
for every layout, mixed dtypes, vectors and mismatched shapes."""

import numpy as np
import pytest

from dispatchjit import generic


@generic
def product(a, b):
    return a @ b


@generic
def products(a, b):
    return np.dot(a, b), np.matmul(a, b)


@generic
def norm(x):
    return np.linalg.norm(x)


for _f in (product, products, norm):
    _f.max_specializations = 1000

RNG = np.random.default_rng(7)
A, B = RNG.normal(size=(5, 7)), RNG.normal(size=(7, 3))


def _layouts(m):
    return [m, np.asfortranarray(m), np.repeat(m, 2, axis=1)[:, ::2]]


@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64),
                                    (np.int64, np.int64), (np.complex128, np.float64)])
def test_matrix_products_match_numpy_for_every_layout(dtypes):
    for a in _layouts(A.astype(dtypes[0]) if dtypes[0] != np.int64 else (A * 10).astype(np.int64)):
        for b in _layouts(B.astype(dtypes[1]) if dtypes[1] != np.int64 else (B * 10).astype(np.int64)):
            got, want = product(a, b), a @ b
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5 if np.float32 in dtypes else 1e-12)


def test_vectors_as_numpy_treats_them():
    v, w = RNG.normal(size=7), RNG.normal(size=5)
    for a, b in ((A, v), (w, A), (v, v)):
        got, want = product(a, b), a @ b
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        for g in products(a, b):
            np.testing.assert_allclose(g, want, rtol=1e-12)


def test_mismatched_shapes_raise_numpys_value_error_at_the_users_line():
    with pytest.raises(ValueError, match="mismatch in its core dimension 0") as info:
        product(A, A)
    assert "return a @ b" in str(info.traceback[-1].statement)


def test_norms_of_vectors_and_matrices():
    assert np.isclose(norm(A[:, 0]), np.linalg.norm(A[:, 0]))
    assert np.isclose(norm(A), np.linalg.norm(A)) and np.isclose(norm(np.asfortranarray(A)), np.linalg.norm(A))
    assert np.isclose(norm(A[:, 0] * 1j), np.linalg.norm(A[:, 0] * 1j))
