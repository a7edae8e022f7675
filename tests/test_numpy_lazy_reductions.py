"""Reductions of array expressions along one axis (``((p[:, None] - c[None]) ** 2).sum(axis=2)``):
the expression is never materialized, each line along the axis is computed into one reused
buffer and reduced by the reduction's own code, so results are NumPy's (values, dtypes,
shapes, errors) and memory is the result's. Other arguments (a tuple axis, ``keepdims``,
``dtype``) compute the expression first, with the same results."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatchjit import generic
from numpy_support import layout, outcome, pair

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def distances(points, centroids):
    return ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)


def assign(points, centroids):
    return np.argmin(np.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1)


def every_reduction(x, axis):
    return ((x * 2).max(axis=axis), np.min(x - 1, axis=axis), np.mean(x + 1, axis=axis), np.var(x * x, axis=axis, ddof=1),
            (x > 0).any(axis=axis), np.all(x < 3, axis=axis), np.argmax(x * 3, axis=axis), np.prod(x + 1, axis=axis),
            np.std(x - 2, axis=axis), np.argmin(-x, axis=axis), np.sum(x * x, axis=axis))


def with_more_arguments(x):
    return ((x + 1).sum(axis=1, keepdims=True), (x * 2).sum(axis=(0, 1)), (x - 1).sum(axis=0, dtype=np.float32),
            (x + x).mean(axis=None), (x * 1).max())


CASES = {f.__name__: pair(f) for f in (distances, assign, every_reduction, with_more_arguments)}


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(n=st.integers(0, 30), k=st.integers(1, 17), d=st.integers(1, 9), seed=st.integers(0, 100))
def test_distances_and_assignment_are_numpys(n, k, d, seed):
    rng = np.random.default_rng(seed)
    points, centroids = rng.normal(size=(n, d)), rng.normal(size=(k, d))
    for name in ("distances", "assign"):
        py, jit = CASES[name]
        _same(jit(points, centroids), py(points, centroids))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # NumPy's var of one element (ddof=1): NaN, warned
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
@SETTINGS
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5),
                    elements=st.floats(-4, 4, allow_nan=False)), how=st.sampled_from(["C", "F", "strided"]))
def test_every_reduction_along_each_axis_is_numpys(axis, x, how):
    py, jit = CASES["every_reduction"]
    x = layout(x, how)
    for got, want in zip(jit(x, axis), py(x, axis), strict=True):
        _same(got, want)


def test_empty_lines_raise_as_numpy_and_bad_axes_are_axis_errors():
    py, jit = CASES["every_reduction"]
    for x, axis in ((np.zeros((2, 0, 3)), 1), (np.zeros((0, 3)), 0), (np.ones((2, 3)), 2), (np.ones((2, 3)), -3)):
        want, got = outcome(py, x, axis), outcome(jit, x, axis)
        assert type(got) is type(want) and str(got) == str(want), (x.shape, axis, got, want)


@SETTINGS
@given(x=hnp.arrays(np.float64, (3, 4), elements=st.floats(-4, 4, allow_nan=False)))
def test_other_arguments_compute_the_expression_first(x):
    py, jit = CASES["with_more_arguments"]
    for got, want in zip(jit(x), py(x), strict=True):
        _same(got, want)


def test_no_temporary_of_the_expressions_shape():
    _, jit = CASES["distances"]
    rng = np.random.default_rng(0)
    points, centroids = rng.normal(size=(20_000, 4)), rng.normal(size=(16, 4))
    jit(points, centroids)   # compiled
    tracemalloc.start()
    try:
        result = jit(points, centroids)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.shape == (20_000, 16)
    assert result.nbytes <= peak < result.nbytes * 1.2   # materialized, (20000, 16, 4) would be 4x the result
