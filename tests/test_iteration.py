"""Tuples, iteration helpers, generator expressions and isinstance in compiled code, each
against CPython on generated inputs (the language issue's first part)."""

import numbers

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dispatchjit import CompileError, TypingError, generic, struct

SETTINGS = dict(max_examples=40, deadline=None, database=None, derandomize=True)
floats = st.floats(-1e3, 1e3, allow_nan=False)
vectors = st.lists(floats, min_size=0, max_size=12).map(lambda v: np.array(v, dtype=np.float64))
small = st.integers(-8, 8)


def both(f, *args):
    """``f`` compiled and ``f`` run by CPython on the same arguments: the values, or the same
    exception class."""
    try:
        expected = f.__wrapped__(*args)
    except Exception as err:  # noqa: BLE001 - whatever CPython raises, compiled code must too
        with pytest.raises(type(err)):
            f(*args)
        return None
    got = f(*args)
    assert _plain(got) == _plain(expected) and _kinds(got) == _kinds(expected), (args, got, expected)
    return got


def _plain(v):
    return tuple(map(_plain, v)) if isinstance(v, tuple) else v


def _kinds(v):
    """The types a user sees, NumPy's float64 and bool scalars (what CPython's arithmetic on
    array elements gives) as the Python float and bool that compiled Float64 and Bool return."""
    if isinstance(v, tuple):
        return tuple(map(_kinds, v))
    return {np.float64: float, np.bool_: bool}.get(type(v), type(v))


def compiled(f):
    g = generic(f)
    g.__wrapped__ = f
    return g


# --- tuples --------------------------------------------------------------------------------------
@compiled
def item(t, i):
    return t[i]


@compiled
def slices(t):
    return t[1:], t[:-1], t[::-1], t[1:4:2], t[-2:], t[5:], t[::2]


@compiled
def membership(t, v):
    return v in t, v not in t


@compiled
def repeated(t):
    return t * 2, 3 * t, t * 0


@given(st.lists(floats, min_size=1, max_size=6).map(tuple), small)
@settings(**SETTINGS)
def test_tuple_index_slice_membership_repeat(t, i):
    both(item, t, i)
    both(slices, t)
    both(membership, t, t[abs(i) % len(t)])
    both(membership, t, 12345.5)
    both(repeated, t)


def test_a_tuple_index_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="tuple index out of range"):
        item((1, 2, 3), 3)
    assert item((1, 2, 3), -3) == 1


@compiled
def mixed_item(t, i):
    return t[i]


def test_a_run_time_index_into_a_mixed_tuple_is_a_typing_error():
    with pytest.raises(TypingError, match="needs a constant index"):
        mixed_item((1, 2.5), 0)


@struct(mutable=True)
class Calls:
    n: int


@compiled
def counted_pair(c):
    c.n += 1
    return (1, 2)


@compiled
def concatenated(c):
    return counted_pair(c) + (3,)


def test_a_tuple_made_by_a_call_is_evaluated_once():
    c = Calls(0)
    assert concatenated(c) == (1, 2, 3) and c.n == 1


# --- enumerate, zip, reversed ------------------------------------------------------------------
@compiled
def weighted(x):
    s = 0.0
    for i, v in enumerate(x):
        if v < 0:
            continue
        s += i * v
    return s


@compiled
def weighted_from(x, start):
    s = 0.0
    for i, v in enumerate(x, start=start):
        s += i * v
        if s > 1e4:
            break
    return s


@compiled
def dotted(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s += a * b
    return s


@compiled
def numbered_pairs(x, y):
    s = 0.0
    for k, (a, b) in enumerate(zip(x, y)):
        s += k * (a - b)
    return s


@compiled
def backwards(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v
    return s


@compiled
def backwards_range(a, b, c):
    s = 0
    k = 1
    for i in reversed(range(a, b, c)):
        s += i * k
        k += 1
    return s


@given(vectors, vectors, small)
@settings(**SETTINGS)
def test_enumerate_zip_reversed_over_arrays(x, y, start):
    both(weighted, x)
    both(weighted_from, x, start)
    both(dotted, x, y)
    both(numbered_pairs, x, y)
    both(backwards, x)


@given(small, small, small)
@settings(**SETTINGS)
def test_reversed_range(a, b, c):
    both(backwards_range, a, b, c)     # c == 0: ValueError, as Python's range


@compiled
def over_tuples(t, u):
    s = 0.0
    for i, (a, b) in enumerate(zip(t, u)):
        s += i * a + b
    for v in reversed(t):
        s = s * 2 + v
    return s


def test_iteration_helpers_over_tuples_unroll():
    both(over_tuples, (1, 2.5, 3), (4.0, 5.0))
    both(over_tuples, (), (1.0,))


# --- generator expressions ---------------------------------------------------------------------
@compiled
def reductions(x, n):
    return (sum(v * v for v in x), sum((i for i in range(n) if i % 3), 10), max(abs(v) for v in x),
            min(v for v in x if v > 0), any(v > 500 for v in x), all(v > -500 for v in x),
            sum(i * j for i in range(n) for j in range(i) if j % 2))


@given(vectors, st.integers(0, 9))
@settings(**SETTINGS)
def test_generator_expressions_into_reductions(x, n):
    both(reductions, x, n)     # min/max of nothing: ValueError, as Python's


@compiled
def nested_generators(x, n):
    return sum(sum(j for j in range(i)) for i in range(n)), any(all(v > i for v in x) for i in range(n))


@given(vectors, st.integers(0, 9))
@settings(**SETTINGS)
def test_generators_inside_generators_run_in_their_loop(x, n):
    both(nested_generators, x, n)


@compiled
def scoped(n):
    i = 100
    s = sum(i * i for i in range(n))
    return s, i


def test_generator_variables_do_not_leak():
    assert scoped(4) == (14, 100)


@compiled
def first_positive_inverse(x):
    return any(1.0 / x[i] > 0 for i in range(len(x) + 5))   # stops before running off the end


def test_any_stops_at_the_first_true():
    assert first_positive_inverse(np.array([-1.0, 2.0])) is True
    with pytest.raises(IndexError):
        first_positive_inverse(np.array([-1.0, -2.0]))


def test_min_of_nothing_is_python_s_value_error():
    with pytest.raises(ValueError, match=r"min\(\) arg is an empty sequence"):
        reductions(np.array([-1.0]), 0)


@compiled
def conditional_generator(x, flag):
    return sum(v for v in x) if flag else 0.0


@compiled
def shadowed(x):
    sum = max
    return sum(v for v in x)


def test_generator_errors_name_the_line():
    with pytest.raises(CompileError, match="conditional expression") as err:
        conditional_generator(np.ones(2), True)
    assert "test_iteration.py" in str(err.value)
    with pytest.raises(TypingError, match="the builtin sum"):
        shadowed(np.ones(2))


# --- isinstance ------------------------------------------------------------------------------------
@struct
class Box:
    v: float


@compiled
def describe(x):
    if isinstance(x, bool):
        return 0
    if isinstance(x, int):
        return 1
    if isinstance(x, (float, complex)):
        return 2
    if isinstance(x, np.ndarray):
        return 3
    if isinstance(x, Box):
        return 4
    if not isinstance(x, tuple):
        return 5
    return 6


@compiled
def unboxed(x):
    if isinstance(x, Box):
        return x.v          # not typed for a float: the branch is decided while compiling
    return x


@pytest.mark.parametrize("value", [True, 3, 2.5, 1j, np.zeros(2), Box(1.0), None, (1, 2), np.int32(3),
                                   np.float32(1.5)])
def test_isinstance_answers_as_python(value):
    both(describe, value)


def test_isinstance_decides_branches_while_compiling():
    assert unboxed(Box(2.0)) == 2.0 and unboxed(3.0) == 3.0


@compiled
def real(x):
    return isinstance(x, numbers.Real)


def test_isinstance_of_abstract_number_classes():
    assert [real(v) for v in (1.5, 1j, np.float32(2), 3)] == [True, False, True, True]
