"""Memory of arrays made and passed through compiled code: temporaries are freed (resident memory
stays flat over 10^5 calls and over 10^5 allocations inside one compiled loop), results own their
memory, and the reference counts of input arrays come back to where they were.

A leaked 1 MB temporary per call would grow the process by tens of GB over these loops; each
temporary writes its first and last element, so even a leaked never-touched page range costs
at least two resident pages (8 KB) per leak: 800 MB over 10^5 calls, far above the bound.
"""

import gc
import os
import sys

import numpy as np
import pytest

from dispatchjit import generic

MB = 1 << 20
N = MB // 8             # float64 elements in 1 MB
BOUND = 50 * MB


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@generic
def temp_per_call(n):
    a = np.empty(n)
    a[0] = 1.0
    a[n - 1] = 2.0
    return a[0] + a[n - 1]


@generic
def temp_per_iteration(n, k):
    s = 0.0
    for i in range(k):
        a = np.zeros(n)
        a[0] = i
        a[n - 1] = 1.0
        s += a[0] + a[n - 1]
    return s


@generic
def make_and_return(n):
    a = np.zeros(n)
    a[n - 1] = 1.0
    return a


@generic
def view_of_temp(n):
    a = np.zeros(n)
    a[0] = 3.0
    return a[::2]


@generic
def inner_alloc(n):
    a = np.zeros(n)
    a[n - 1] = 5.0
    return a


@generic
def nested_temps(n):
    b = inner_alloc(n)
    c = inner_alloc(n)[1:]
    return b[0] + c[n - 2]


@generic
def temp_then_raise(n, x):
    a = np.empty(n)
    a[0] = 1.0
    a[n - 1] = 1.0
    v = x[1:]
    return a[n] + v[0]  # always out of bounds


def flat(fn, *args, calls):
    fn(*args)  # compile first
    gc.collect()
    before = rss()
    for _ in range(calls):
        fn(*args)
    gc.collect()
    return rss() - before


def test_temporary_per_call_is_freed():
    assert temp_per_call(N) == 3.0
    growth = flat(temp_per_call, N, calls=100_000)
    assert growth < BOUND, f"RSS grew by {growth / MB:.1f} MB over 100000 calls"


def test_temporary_per_iteration_inside_compiled_loop_is_freed():
    assert temp_per_iteration(N, 10) == sum(range(10)) + 10
    gc.collect()
    before = rss()
    assert temp_per_iteration(N, 100_000) == sum(range(100_000)) + 100_000.0
    growth = rss() - before
    assert growth < BOUND, f"RSS grew by {growth / MB:.1f} MB over 100000 iterations"


@pytest.mark.parametrize("fn", [make_and_return, view_of_temp, nested_temps])
def test_results_and_nested_temporaries_are_freed(fn):
    growth = flat(fn, N, calls=20_000)
    assert growth < BOUND, f"RSS grew by {growth / MB:.1f} MB over 20000 calls of {fn.__name__}"


def test_temporaries_freed_when_compiled_code_raises():
    x = np.zeros(10)
    with pytest.raises(IndexError):
        temp_then_raise(N, x)
    gc.collect()
    count = sys.getrefcount(x)
    before = rss()
    for _ in range(20_000):
        try:
            temp_then_raise(N, x)
        except IndexError:
            pass
    gc.collect()
    growth = rss() - before
    assert growth < BOUND, f"RSS grew by {growth / MB:.1f} MB over 20000 raising calls"
    assert sys.getrefcount(x) == count


def test_returned_arrays_own_their_memory():
    r = make_and_return(10)
    assert type(r) is np.ndarray and r.flags.owndata and r.flags.writeable
    assert sys.getrefcount(r) == 2  # only `r` (and the call's argument) hold it


def test_returned_view_of_a_temporary_has_an_ndarray_base():
    v = view_of_temp(10)
    assert v.flags.owndata or isinstance(v.base, np.ndarray)
    np.testing.assert_array_equal(v, [3, 0, 0, 0, 0])


def test_view_keeps_base_alive_after_input_is_deleted():
    @generic
    def middle(a):
        return a[100:-100:3]

    x = np.arange(10_000.0)
    expected = x[100:-100:3].copy()
    v = middle(x)
    del x
    gc.collect()
    scratch = [np.full(10_000, -1.0) for _ in range(20)]  # reuse any freed memory
    np.testing.assert_array_equal(v, expected)
    del scratch


@generic
def give_back(x):
    return x


@generic
def give_views(x):
    return x[1:], x[::-1], x.T


@generic
def give_tuple(x):
    return (x, (x[0:2], 1.5), x)


@generic
def use_and_drop(x):
    y = x[2:]
    z = give_back(y)
    return z[0] + x[0]


@generic
def iterate_rows(m):
    s = 0.0
    for row in m:
        s += row[0]
    return s


@generic
def fields_of_tuples(t):
    # Fields of a borrowed tuple are borrowed; of a call's result (a temporary), owned.
    a = t[0]
    b = t[1][0]
    c = give_tuple(a)[1][0]
    a = a[1:]
    return (b, t[1][1], c, a)


@generic
def rebinds_to_own_field(t):
    t2 = (t[0][1:], t[1])            # the view lives only in t2 (and x)
    x = t2[0]
    t2 = (t2[1][0], (x, t2[0]))      # built from the old value's fields, which then goes
    return t2[0][0] + t2[1][0][0] + x[0] + t2[1][1][0]


@pytest.mark.parametrize("fn, make", [
    (fields_of_tuples, lambda: (np.zeros(10), (np.ones(3), np.arange(4.0)))),
    (rebinds_to_own_field, lambda: (np.zeros(2), (np.ones(3), np.arange(4.0)))),
])
def test_refcounts_of_arrays_read_from_tuple_fields(fn, make):
    t = make()
    parts = [t[0], t[1][0], t[1][1]]
    fn(t)
    gc.collect()
    counts = [sys.getrefcount(p) for p in parts]
    for _ in range(10_000):
        r = fn(t)
    del r
    assert [sys.getrefcount(p) for p in parts] == counts


def test_tuple_fields_read_by_compiled_code_have_python_values():
    t = (np.arange(5.0), (np.ones(3), np.arange(4.0)))
    b, second, c, a = fields_of_tuples(t)
    assert b is t[1][0] and second is t[1][1]
    np.testing.assert_array_equal(c, t[0][0:2])
    np.testing.assert_array_equal(a, t[0][1:])
    assert rebinds_to_own_field((np.array([0.0, 1.0]), (np.full(3, 2.0), np.arange(4.0)))) == 5.0


@pytest.mark.parametrize("fn, make", [
    (give_back, lambda: np.zeros(10)),
    (give_views, lambda: np.zeros(10)),
    (give_tuple, lambda: np.zeros(10)),
    (use_and_drop, lambda: np.zeros(10)),
    (give_back, lambda: np.zeros((4, 5)).T),
    (iterate_rows, lambda: np.zeros((4, 5))),
])
def test_input_refcount_unchanged_after_many_calls(fn, make):
    x = make()
    fn(x)
    gc.collect()
    count = sys.getrefcount(x)
    for _ in range(10_000):
        fn(x)
    assert sys.getrefcount(x) == count
    r = fn(x)
    del r
    assert sys.getrefcount(x) == count


def test_returned_input_is_the_same_object_and_refcounted():
    x = np.zeros(5)
    count = sys.getrefcount(x)
    held = [give_back(x) for _ in range(100)]
    assert all(h is x for h in held)
    assert sys.getrefcount(x) == count + 100
    del held
    assert sys.getrefcount(x) == count
