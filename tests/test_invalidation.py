"""Backedges and invalidation: new methods and redefinitions make exactly the affected
specializations stale (transitively through callers), and no others; invalidation records;
world age (a running call finishes with the code it started with)."""

import re
import threading
import time

import numpy as np
import pytest

import dispatchjit
from dispatchjit import (AbstractFloat, AmbiguityError, Float32, Float64, Int32, Int64, Number, Real, Specialization,
                         code_llvm, generic, typeof)
from dispatchjit.methods import current_world

HERE = __file__


def spec_for(f, *types):
    """The valid specialization record of ``f`` at these argument types (None if none)."""
    for s in f.specializations:
        if s.signature == tuple(types):
            return s
    return None


def line_of(text, marker):
    """The 1-based line of this file holding ``marker`` (on a def line)."""
    with open(HERE) as fh:
        for i, line in enumerate(fh, 1):
            if marker in line:
                return i
    raise AssertionError(marker)


F64V = typeof(np.ones(3))
I64V = typeof(np.ones(3, dtype=np.int64))


# --- the issue's example -----------------------------------------------------------------------
def test_issue_example_scale_total():
    @generic
    def scale(x: Real):
        return 2 * x

    @generic
    def total(xs):
        s = 0.0
        for i in range(len(xs)):
            s += scale(xs[i])
        return s

    assert total(np.ones(3)) == 6.0
    assert total.compilations == 1
    assert [s.signature for s in total.specializations] == [(F64V,)]
    # scale was compiled into total's module (a record with no entry point of its own) ...
    assert scale.compilations == 0
    assert [s.signature for s in scale.specializations] == [(Float64,)]
    # ... and inlined: the optimized module of total has no call to scale left
    llvm = code_llvm(total, F64V)
    assert not re.search(r"call [^\n]*scale", llvm), llvm

    assert total(np.ones(3, dtype=np.int64)) == 6.0
    assert total.compilations == 2
    int_spec = spec_for(total, I64V)
    float_spec = spec_for(total, F64V)
    scale_int = spec_for(scale, Int64)
    assert int_spec is not None and float_spec is not None and scale_int is not None
    assert total.invalidated == [] and scale.invalidated == []

    @generic
    def scale(x: Float64):  # NEWSCALE: a more specific method arrives
        return 10 * x

    # invalidated at definition: the Float64 path is gone, the Int64 path is the same object
    assert spec_for(total, F64V) is None
    assert spec_for(total, I64V) is int_spec
    assert spec_for(scale, Int64) is scale_int
    assert total.invalidated == [float_spec]
    assert total.compilations == 2

    assert total(np.ones(3)) == 30.0                     # recompiled with the new method
    assert total.compilations == 3
    assert total(np.ones(3, dtype=np.int64)) == 6.0      # never affected, not recompiled
    assert total.compilations == 3
    assert spec_for(total, I64V) is int_spec and int_spec.valid
    assert int_spec.calls == 2
    new_float = spec_for(total, F64V)
    assert new_float is not float_spec and new_float.valid
    assert spec_for(scale, Float64).method is scale.methods()[1]

    # repeated calls hit the compiled code (no more compiles)
    for _ in range(5):
        assert total(np.ones(4)) == 40.0
        assert total(np.arange(4)) == 12.0
    assert total.compilations == 3

    # the records: the invalidated specializations name the new method, with file:line
    rec = total.invalidated[0]
    assert rec is float_spec and not rec.valid
    new_method = scale.methods()[1]
    assert rec.invalidated_by is new_method
    assert str(rec.invalidated_by) == f"scale(x::Float64) @ {HERE}:{line_of(HERE, '# NEWSCALE')}"
    assert isinstance(rec.invalidated_in_world, int) and 0 < rec.invalidated_in_world <= current_world()
    assert "invalidated by scale(x::Float64)" in repr(rec)
    # scale's own Float64 record (from the Real method) is invalidated too
    assert [s.signature for s in scale.invalidated] == [(Float64,)]
    assert scale.invalidated[0].invalidated_by is new_method
    assert scale.invalidated[0].method is scale.methods()[0]


# --- redefinition ---------------------------------------------------------------------------------
def test_redefinition_same_signature_new_body():
    @generic
    def f(x: Float64):
        return x + 1.0

    @generic
    def caller(x):
        return f(x) * 2.0

    @generic
    def other(x):  # unrelated: never calls f
        return x - 1.0

    assert caller(1.0) == 4.0 and f(1.0) == 2.0 and other(1.0) == 0.0
    assert caller.compilations == 1 and f.compilations == 1 and other.compilations == 1
    other_spec = spec_for(other, Float64)
    old_caller = spec_for(caller, Float64)
    old_method = f.methods()[0]

    @generic
    def f(x: Float64):  # REDEF: same signature, new body
        return x + 100.0

    assert len(f.methods()) == 1 and f.methods()[0] is not old_method
    assert spec_for(caller, Float64) is None and spec_for(f, Float64) is None
    assert f(1.0) == 101.0                      # the new body at the next call
    assert caller(1.0) == 202.0                 # the caller compiled before sees the new callee
    assert caller.compilations == 2 and f.compilations == 2
    assert other(1.0) == 0.0 and other.compilations == 1 and spec_for(other, Float64) is other_spec
    assert other.invalidated == []
    assert caller.invalidated == [old_caller]
    assert old_caller.invalidated_by is f.methods()[0]
    assert str(old_caller.invalidated_by).endswith(f"{HERE}:{line_of(HERE, '# REDEF')}")
    # f's own Float64 specialization was invalidated by its redefinition
    assert len(f.invalidated) == 1 and f.invalidated[0].method is old_method

    # redefine again: and again the new body
    @generic
    def f(x: Float64):
        return x + 1000.0

    assert caller(1.0) == 2002.0 and f(2.0) == 1002.0
    assert caller.compilations == 3
    assert len(caller.invalidated) == 2


def test_redefinition_via_fast_path_never_runs_stale_code():
    """Warm the dispatcher (many calls), redefine, and call through the same object."""
    @generic
    def g(x: Int64):
        return x * 3

    @generic
    def h(x: Int64):
        return g(x) + 1

    for _ in range(50):
        assert h(2) == 7 and g(2) == 6
    calls_before = spec_for(h, Int64).calls
    assert calls_before == 50

    @generic
    def g(x: Int64):
        return x * 5

    for _ in range(50):
        assert h(2) == 11 and g(2) == 10
    assert h.compilations == 2 and g.compilations == 2
    assert spec_for(h, Int64).calls == 50


# --- transitive invalidation ----------------------------------------------------------------------
def test_transitive_invalidation_through_callers():
    @generic
    def f(x: Real):
        return x + 1

    @generic
    def g(x):
        return f(x) * 2

    @generic
    def h(x):
        return g(x) + 1

    @generic
    def unrelated(x):
        return x * 7

    assert h(1.0) == 5.0 and h(1) == 5
    assert g(1.0) == 4.0 and unrelated(1.0) == 7.0
    assert h.compilations == 2 and g.compilations == 1 and unrelated.compilations == 1
    h_int, h_float = spec_for(h, Int64), spec_for(h, Float64)
    g_int, g_float = spec_for(g, Int64), spec_for(g, Float64)
    un = spec_for(unrelated, Float64)
    assert None not in (h_int, h_float, g_int, g_float, un)
    assert g_int.compiled is None  # only compiled inside h's module

    @generic
    def f(x: Float64):  # NEWF: changes g's call at Float64 only
        return x + 10

    new = f.methods()[1]
    # g's and h's Float64 specializations are stale; the Int64 ones and unrelated are untouched
    assert spec_for(g, Float64) is None and spec_for(h, Float64) is None
    assert spec_for(g, Int64) is g_int and spec_for(h, Int64) is h_int
    assert spec_for(unrelated, Float64) is un and unrelated.invalidated == []
    assert g.invalidated == [g_float] and h.invalidated == [h_float]
    assert g_float.invalidated_by is new and h_float.invalidated_by is new
    assert h_float.invalidated_in_world == g_float.invalidated_in_world

    assert h(1.0) == 23.0 and g(1.0) == 22.0
    assert h(1) == 5 and unrelated(1.0) == 7.0
    assert h.compilations == 3 and g.compilations == 2 and unrelated.compilations == 1
    assert spec_for(h, Int64) is h_int


def test_new_method_for_other_types_invalidates_nothing():
    @generic
    def f(x: Real):
        return x * 2

    @generic
    def g(x):
        return f(x) + 1

    assert g(1.0) == 3.0 and g(2) == 5
    before = {s.signature: s for s in g.specializations}
    f_before = {s.signature: s for s in f.specializations}

    @generic
    def f(x: Int32):  # no existing call has Int32 arguments
        return x * 100

    @generic
    def f(x: Number):  # less specific than Real for every existing call
        return x * 1000

    assert {s.signature: s for s in g.specializations} == before
    assert {s.signature: s for s in f.specializations} == f_before
    assert g.invalidated == [] and f.invalidated == []
    assert g(1.0) == 3.0 and g(2) == 5 and g.compilations == 2
    assert g(np.int32(2)) == 201 and g(1 + 0j) == 1001 + 0j
    assert g.compilations == 4


def test_method_of_unrelated_function_invalidates_nothing():
    @generic
    def a(x):
        return x + 1

    @generic
    def b(x):
        return a(x) * 2

    assert b(1) == 4
    spec = spec_for(b, Int64)

    @generic
    def c(x: Int64):
        return x

    @generic
    def c(x: Float64):
        return x

    assert spec_for(b, Int64) is spec and b.invalidated == [] and a.invalidated == []
    assert b(1) == 4 and b.compilations == 1


def test_function_passed_as_argument_invalidated():
    @generic
    def sq(x: Real):
        return x * x

    @generic
    def apply(fn, x):
        return fn(x) + 0.5

    assert apply(sq, 3.0) == 9.5 and apply(sq, 3) == 9.5
    int_spec = spec_for(apply, typeof(sq), Int64)
    assert int_spec is not None and apply.compilations == 2

    @generic
    def sq(x: Float64):
        return -x

    assert apply(sq, 3.0) == -2.5 and apply(sq, 3) == 9.5
    assert apply.compilations == 3 and spec_for(apply, typeof(sq), Int64) is int_spec
    assert [s.signature for s in apply.invalidated] == [(typeof(sq), Float64)]


def test_recursive_function_redefined_callee():
    @generic
    def leaf(n: Int64):
        return 1

    @generic
    def tree(n: Int64):
        if n <= 0:
            return leaf(n)
        return tree(n - 1) + tree(n - 2)

    assert tree(10) == 144
    @generic
    def leaf(n: Int64):
        return 2

    assert tree(10) == 288 and tree.compilations == 2
    assert len(tree.invalidated) == 1


# --- ambiguity --------------------------------------------------------------------------------
def test_method_creating_only_an_ambiguity():
    @generic
    def f(x: Real, y: Real):
        return 1.0

    @generic
    def f(x: Float64, y: Real):
        return 2.0

    @generic
    def g(x, y):
        return f(x, y) + 0.5

    @generic
    def unrelated(x):
        return x

    assert g(1.0, 1.0) == 2.5 and g(1, 1) == 1.5 and unrelated(1) == 1
    int_spec = spec_for(g, Int64, Int64)
    float_spec = spec_for(g, Float64, Float64)
    un = spec_for(unrelated, Int64)

    @generic
    def f(x: Real, y: Float64):  # AMBIG: (Float64, Float64) is now ambiguous
        return 3.0

    # the call that became ambiguous: its caller is stale (its compiled code would run method 2)
    assert spec_for(g, Float64, Float64) is None
    assert g.invalidated == [float_spec] and float_spec.invalidated_by is f.methods()[2]
    # others keep their compiled code
    assert spec_for(g, Int64, Int64) is int_spec and spec_for(unrelated, Int64) is un
    # at run time: AmbiguityError (a MethodError), every time, nothing crashes
    for _ in range(3):
        with pytest.raises(AmbiguityError) as err:
            g(1.0, 1.0)
        with pytest.raises(AmbiguityError):
            f(1.0, 1.0)
    assert "f(x::Float64, y::Real)" in str(err.value) and "f(x::Real, y::Float64)" in str(err.value)
    assert isinstance(err.value, dispatchjit.MethodError)
    # unaffected paths still run their old code
    assert g(1, 1) == 1.5 and g(1.0, 1) == 2.5 and g(1, 1.0) == 3.5
    assert spec_for(g, Int64, Int64) is int_spec
    assert unrelated(1) == 1 and unrelated.compilations == 1

    # resolving the ambiguity makes the call work again
    @generic
    def f(x: Float64, y: Float64):
        return 4.0

    assert g(1.0, 1.0) == 4.5 and f(1.0, 1.0) == 4.0
    assert g(1, 1) == 1.5 and spec_for(g, Int64, Int64) is int_spec


def test_ambiguity_raised_from_compiled_code_deep_in_call_chain():
    @generic
    def f(x: Real, y: Real):
        return 1

    @generic
    def mid(x, y):
        return f(x, y) + 1

    @generic
    def top(x, y):
        if x > 100.0:
            return 0
        return mid(x, y) + 1

    assert top(1.0, 2.0) == 3

    @generic
    def f(x: Float64, y: Real):
        return 10

    @generic
    def f(x: Real, y: Float64):
        return 20

    with pytest.raises(AmbiguityError):
        top(1.0, 2.0)
    with pytest.raises(AmbiguityError):
        mid(1.0, 2.0)
    assert top(1, 2.0) == 22 and top(1.0, 2) == 12 and top(1, 2) == 3


# --- records ------------------------------------------------------------------------------------
def test_invalidated_records_accumulate_oldest_first():
    @generic
    def f(x: Real):
        return 1

    @generic
    def g(x):
        return f(x)

    assert g(1.0) == 1
    first = spec_for(g, Float64)

    @generic
    def f(x: AbstractFloat):
        return 2

    assert g(1.0) == 2
    second = spec_for(g, Float64)

    @generic
    def f(x: Float64):
        return 3

    assert g(1.0) == 3
    assert g.invalidated == [first, second]
    assert all(isinstance(s, Specialization) and not s.valid for s in g.invalidated)
    assert first.invalidated_by is f.methods()[1] and second.invalidated_by is f.methods()[2]
    assert first.invalidated_in_world < second.invalidated_in_world <= current_world()
    assert g.compilations == 3 and all(s.valid for s in g.specializations)





# --- world age ---------------------------------------------------------------------------------
def test_running_call_finishes_with_the_code_it_started_with():
    @generic
    def step(x: Real):
        return x * 0.5 + 1.0

    @generic(nogil=True)
    def kernel(flag, n):
        flag[0] = 1.0  # started
        acc = 0.0
        for i in range(n):
            acc = step(acc)
        flag[1] = 1.0  # finished
        return acc

    flag = np.zeros(2)
    assert kernel(flag, 10) == pytest.approx(2.0 * (1 - 0.5 ** 10))
    assert kernel.compilations == 1

    # calibrate n so the kernel runs for a few tenths of a second
    n = 10_000_000
    t0 = time.perf_counter()
    kernel(np.zeros(2), n)
    per = (time.perf_counter() - t0) / n
    n = int(min(max(0.6 / max(per, 1e-10), 1e7), 3e9))
    old = kernel(np.zeros(2), 100)
    assert old == pytest.approx(2.0)

    flag = np.zeros(2)
    result = {}

    def run():
        result["value"] = kernel(flag, n)

    th = threading.Thread(target=run)
    th.start()
    deadline = time.monotonic() + 30
    while flag[0] == 0.0 and time.monotonic() < deadline:
        time.sleep(0.0005)
    assert flag[0] == 1.0, "the kernel did not start"
    assert flag[1] == 0.0, "the kernel finished before the new method; increase n"

    @generic
    def step(x: Float64):  # more specific: changes the kernel's inlined call
        return x * 0.25 + 3.0

    # the method was added while the kernel was still running (in compiled code, without the GIL)
    still_running = flag[1] == 0.0
    assert spec_for(kernel, typeof(flag), Int64) is None
    th.join(60)
    assert not th.is_alive()
    assert still_running, "the kernel finished before the method was added; increase n"
    # old version: fixed point of x*0.5+1 is 2.0; new: x*0.25+3 converges to 4.0
    assert result["value"] == pytest.approx(2.0)
    assert kernel(np.zeros(2), 100) == pytest.approx(4.0)
    assert kernel.compilations == 2
