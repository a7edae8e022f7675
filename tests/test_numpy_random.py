"""``np.random`` in compiled code against NumPy's legacy generator: for the same seed, every
function draws the same stream as ``np.random.RandomState(seed)`` (values, dtypes, shapes, and
what is left for the next draw); NumPy's errors; the state is compiled code's own, and
``dispatchjit.random.get_state``/``set_state`` carry NumPy's across."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dispatchjit
from dispatchjit import generic
from numpy_support import pair

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2**32 - 1)


def _same(got, want):
    assert np.shape(got) == np.shape(want) and np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


@generic
def seeded(s):
    np.random.seed(s)


# Each case runs as written by NumPy (its global legacy generator, seeded by np.random.seed)
# and compiled (compiled code's generator, seeded alike): the same source, the same draws.
def random_case(n):
    return np.random.random(n), np.random.random_sample((2, n)), np.random.rand(), np.random.rand(n, 2)


def normal_case(n):
    return (np.random.randn(n), np.random.standard_normal((n, 3)), np.random.randn(), np.random.normal(2.0, 0.5, n),
            np.random.normal(), np.random.normal(1.0))


def integers_case(n):
    return (np.random.randint(0, 10, n), np.random.randint(n + 1), np.random.randint(-5, 2**40, (2, n)),
            np.random.randint(3, size=n), np.random.randint(-(2**62), 2**62, n))


def uniform_case(n):
    return np.random.uniform(-1.0, 2.0, n), np.random.uniform(), np.random.uniform(3, 4), np.random.uniform(5.0, size=(n, 2))


def permutations_case(n):
    x = np.arange(n) * 1.5
    np.random.shuffle(x)
    rows = np.arange(3 * n).reshape(n, 3)
    np.random.shuffle(rows)
    return x, rows, np.random.permutation(n), np.random.permutation(np.arange(n) + 10), np.random.permutation(rows)


def choices_case(n):
    a = np.arange(n) * 2 + 1
    return (np.random.choice(a, 5), np.random.choice(n, (2, 3)), np.random.choice(a), np.random.choice(n, 3, replace=False),
            np.random.choice(a, replace=False), np.random.choice(n, n, False))


CASES = [pair(f) for f in (random_case, normal_case, integers_case, uniform_case, permutations_case, choices_case)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0].__name__)
@SETTINGS
@given(s=SEEDS, n=st.integers(3, 40))
def test_same_streams_as_numpy_for_the_same_seed(case, s, n):
    py, compiled = case
    np.random.seed(s)
    seeded(s)
    for got, want in zip(compiled(n), py(n), strict=True):
        _same(got, want)
    # and the streams go on alike: the state left behind is NumPy's
    state, want = dispatchjit.random.get_state(), np.random.get_state()
    assert state[0] == want[0] and state[2:] == want[2:]
    np.testing.assert_array_equal(state[1], want[1])


@generic
def many(n):
    return np.random.random(n)


def test_a_long_stream_crosses_many_twists():
    seeded(7)
    _same(many(5000), np.random.RandomState(7).random(5000))


def test_state_carries_across_from_numpy_and_back():
    r = np.random.RandomState(99)
    r.randn()    # a cached normal is part of the state
    dispatchjit.random.set_state(r.get_state())
    got = normals(4)
    _same(got, r.randn(4))
    back = np.random.RandomState()
    back.set_state(dispatchjit.random.get_state())
    seen = many(3)
    _same(back.random(3), seen)


@generic
def normals(n):
    return np.random.randn(n)


@generic
def numpy_global_untouched():
    np.random.seed(1)
    return np.random.random()


def test_compiled_state_is_its_own():
    np.random.seed(5)
    want = np.random.RandomState(5).random(2)
    numpy_global_untouched()
    _same(np.random.random(2), want)   # NumPy's own generator did not move


def bad_seed(s):
    np.random.seed(s)


def empty_range(lo, hi):
    return np.random.randint(lo, hi)


def too_many(n):
    return np.random.choice(3, n, replace=False)


def not_flat(a):
    return np.random.choice(a)


def empty_population(a):
    return np.random.choice(a)


def negative_scale(s):
    return np.random.normal(0.0, s)


def unsized(x):
    return np.random.permutation(x)


@pytest.mark.parametrize("f, args", [
    (bad_seed, (-1,)), (bad_seed, (2**32,)), (empty_range, (5, 5)), (empty_range, (5, 2)), (too_many, (5,)),
    (not_flat, (np.zeros((2, 2)),)), (empty_population, (np.zeros(0),)), (empty_population, (0,)),
    (negative_scale, (-1.0,)), (unsized, (np.zeros(()),))])
def test_numpys_errors(f, args):
    with pytest.raises(Exception) as want:
        f(*args)
    with pytest.raises(want.type) as got:
        generic(f)(*args)
    assert str(got.value) == str(want.value)
