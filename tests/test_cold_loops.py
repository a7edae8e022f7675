"""Cold loops: the checked copy of a versioned loop is compiled when first run, not with the
function (``lowering.function.ColdLoop``). What a user relies on: the same values and exceptions as
Python whichever copy runs, the checked copy compiled once, references and threads intact."""

import gc
import os
import sys
import threading
import traceback

import numpy as np
import pytest

from dispatchjit import driver, generic

FILE = os.path.abspath(__file__)


def line_of(marker):
    with open(FILE) as fh:
        for n, text in enumerate(fh, 1):
            if text.rstrip().endswith(f"#@{marker}"):
                return n
    raise LookupError(marker)


@generic
def shifted_sum(x, lo, hi):
    s = 0
    for i in range(lo, hi):
        s += x[i - 1]  #@shifted
    return s


def py_shifted_sum(x, lo, hi):
    return sum(int(x[i - 1]) for i in range(lo, hi))


def test_in_bounds_calls_never_compile_the_checked_copy():
    x = np.arange(10)
    before = driver.cold_compiles
    assert shifted_sum(x, 1, 11) == py_shifted_sum(x, 1, 11)
    assert driver.cold_compiles == before
    assert len(shifted_sum.specializations) == 1


def test_checked_copy_compiles_once_and_wraps_negative_indices_like_python():
    x = np.arange(10)
    shifted_sum(x, 1, 11)
    before = driver.cold_compiles
    for lo in (0, -5, 0):   # x[-1], x[-6]...: Python's wrap-around, only the checked copy does it
        assert shifted_sum(x, lo, 8) == py_shifted_sum(x, lo, 8)
    assert driver.cold_compiles == before + 1
    assert len(shifted_sum.specializations) == 1


def test_checked_copy_raises_at_the_users_line_after_earlier_writes():
    @generic
    def fill_upto(out, n):
        for i in range(n):
            out[i] = i + 1.0  #@fill
        return n

    out = np.zeros(4)
    with pytest.raises(IndexError, match="^index 4 is out of bounds for axis 0 with size 4$") as info:
        fill_upto(out, 6)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == (FILE, line_of("fill"))
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0, 4.0])


@generic
def first_negative(x, n):
    for i in range(n):
        if x[i - 1] < 0:
            return i
        if x[i - 1] > 100:
            break
        if x[i - 1] == 7:
            continue
    return -1


def test_return_break_and_continue_inside_the_checked_copy():
    for values in ([5, 7, 9, -3, 1], [5, 1, 200, -1, 4], [1, 2, 3, 4, 5], [-1, 2, 3, 4, 5]):
        x = np.array(values)
        expected = next((i for i in range(5) if values[i - 1] < 0 and all(
            values[j - 1] <= 100 for j in range(i))), -1)
        assert first_negative(x, 5) == expected, values


@generic
def running_tail(x, n):
    # ``last`` (an array) is rebound inside the loop: the caller owns it across the call.
    last = x[0:1]
    total = 0
    for i in range(n):
        last = x[i - 1:i] if i > 0 else x[-1:]
        total += x[i - 1]
    return total + last[0]


def test_references_held_by_the_loop_are_released_on_every_exit():
    x = np.arange(6)
    before, compiles = sys.getrefcount(x), driver.cold_compiles
    for _ in range(50):
        running_tail(x, 6)
        with pytest.raises(IndexError):
            running_tail(x, 9)
    assert driver.cold_compiles == compiles + 1      # x[-1] at i = 0: the checked copy ran
    assert running_tail(x, 6) == sum(int(x[i - 1]) for i in range(6)) + x[4]
    gc.collect()   # the tracebacks of the IndexErrors hold frames that hold x
    assert sys.getrefcount(x) == before


@generic
def row_wrap(a, i):
    s = 0
    for j in range(a.shape[1]):
        s += a[i, j - 1]
    return s


@generic
def outer_wrap(a, lo):
    s = 0
    for i in range(lo, a.shape[0]):
        s += a[i - 1, 0] + row_wrap(a, i)   # a callee with a versioned loop of its own
    return s


def py_outer_wrap(a, lo):
    return sum(int(a[i - 1, 0]) + sum(int(a[i, j - 1]) for j in range(a.shape[1])) for i in range(lo, a.shape[0]))


def test_a_callees_checked_copy_is_compiled_once_however_it_is_reached():
    a = np.arange(12).reshape(3, 4)
    compiles = driver.cold_compiles
    assert outer_wrap(a, 1) == py_outer_wrap(a, 1)   # row_wrap's j - 1 wraps: its checked copy
    assert driver.cold_compiles == compiles + 1
    assert outer_wrap(a, 0) == py_outer_wrap(a, 0)   # outer's checked copy, calling row_wrap again
    assert driver.cold_compiles == compiles + 2


@generic
def deep(a, n):
    s = 0
    for i in range(-1, 2):
        s += a[i] + (deep(a, n - 1) if n > 0 and i == 0 else 0)
    return s


def test_recursion_through_a_checked_copy_compiles_it_once():
    a = np.arange(5)
    compiles = driver.cold_compiles
    assert deep(a, 300) == 301 * (int(a[-1]) + int(a[0]) + int(a[1]))
    assert driver.cold_compiles == compiles + 1


@generic
def squash(a, out, lo):
    for i in range(lo, a.shape[0]):
        v = a[i - 1]
        v = v * v + 1.0   # a float temporary, not carried between iterations: not serial
        out[i] = v


def test_a_float_temporary_does_not_make_a_loop_serial():
    a, out = np.arange(6.0), np.zeros(6)
    compiles = driver.cold_compiles
    squash(a, out, 1)
    squash(a, out, 0)   # a[-1]: the checked copy, so the loop was versioned
    assert driver.cold_compiles == compiles + 1
    np.testing.assert_array_equal(out, np.roll(a, 1) ** 2 + 1)


@generic(nogil=True)
def wrap_total(x):
    s = 0
    for i in range(x.shape[0]):
        s += x[i - 1]
    return s


def test_many_threads_reaching_the_stub_at_once_compile_it_once():
    x = np.arange(1000)
    before = driver.cold_compiles
    results, barrier = [], threading.Barrier(8)

    def work():
        barrier.wait()
        results.append(wrap_total(x))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [int(x.sum())] * 8
    assert driver.cold_compiles == before + 1


def test_a_failed_compile_of_the_checked_copy_raises_in_the_caller(monkeypatch):
    from dispatchjit.errors import InternalCompilerError

    @generic
    def wrap_first(x, lo):
        s = 0
        for i in range(lo, 3):  #@wrap_first
            s += x[i - 1]
        return s

    x = np.arange(5)
    assert wrap_first(x, 1) == x[0] + x[1]    # compiled, the checked copy not run

    def broken(*args):
        raise InternalCompilerError("no code today")

    monkeypatch.setattr(driver, "compile_cold", broken)
    with pytest.raises(InternalCompilerError, match="no code today") as info:
        wrap_first(x, 0)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(info.value.__traceback__)]
    assert (FILE, line_of("wrap_first")) in frames   # the traceback passes through the user's loop
    monkeypatch.undo()
    assert wrap_first(x, 0) == x[-1] + x[0] + x[1]   # the next call compiles it after all


@generic
def float_total(x, lo):
    s = 0.0
    for i in range(lo, x.shape[0]):
        s += x[i - 1]
    return s


def test_a_serial_float_loop_keeps_its_checks_and_needs_no_checked_copy():
    """``s += x[i]`` stays scalar without fastmath, so it is not versioned (see bce)."""
    x = np.arange(10.0)
    before = driver.cold_compiles
    assert float_total(x, 1) == sum(x[i - 1] for i in range(1, 10))
    assert float_total(x, 0) == sum(x[i - 1] for i in range(0, 10))
    with pytest.raises(IndexError, match="^index -11 is out of bounds for axis 0 with size 10$"):
        float_total(x, -10)
    assert driver.cold_compiles == before


@generic
def scaled_wrap(x, n, flag):
    if flag:
        k = 3
    s = 0
    for i in range(n):
        s += x[i - 1] * k   # k: read (never assigned) in the loop, and maybe unbound
    return s


def test_a_variable_the_checked_copy_only_reads_and_its_unbound_check():
    x = np.arange(5)
    assert scaled_wrap(x, 5, True) == 3 * sum(int(x[i - 1]) for i in range(5))
    with pytest.raises(UnboundLocalError, match="'k'"):
        scaled_wrap(x, 5, False)
    assert scaled_wrap(x, 0, False) == 0


@generic
def allocates_in_loop(a, lo, n):
    for i in range(lo, a.shape[0]):
        a[i - 1] = 1
        b = np.zeros(n)   # n < 0: NumPy raises (a Python error set by a C API call)
        a[i - 1] = b.shape[0]
    return 0


def test_a_python_error_in_the_checked_copy_on_its_first_run():
    compiles = driver.cold_compiles
    for _ in range(2):   # the first run compiles the checked copy, the second runs it directly
        with pytest.raises(ValueError, match="negative dimensions"):
            allocates_in_loop(np.zeros(4), 0, -1)
    assert driver.cold_compiles == compiles + 1
