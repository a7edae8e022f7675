"""The compile state's one owner (``dispatchjit.state``): edges, invalidation, the kernel cache."""

import numpy as np

from dispatchjit import Float64, Int64, Real, driver, generic, typeof
from dispatchjit.reflection import _key
from dispatchjit.state import Edge, all_current, state


@generic
def leaf(x: Real):
    return 2 * x


@generic
def middle(x):
    return leaf(x) + 1


@generic
def top(x):
    return middle(x) * 3


@generic
def unrelated(x):
    return x - 1


def test_an_edge_is_current_until_a_new_method_changes_its_answer():
    @generic
    def f(x: Real):
        return x
    edge = Edge.of(_key(f, (Float64,)))
    other = Edge.of(_key(f, (Int64,)))
    assert edge.current() and other.current() and all_current([edge, other])

    @generic
    def f(x: Float64):  # noqa: F811 - a second method of f
        return -x
    assert not edge.current() and other.current() and not all_current([edge, other])
    assert Edge(f, (Float64,), None).resolves_now() is f.resolve_types((Float64,))[0]


def test_invalidation_drops_the_stale_typed_ir_and_its_callers_only():
    assert top(1.0) == 9.0 and unrelated(1.0) == 0.0 and top(1) == 9
    keys = {name: _key(fn, (Float64,)) for name, fn in (("top", top), ("middle", middle), ("leaf", leaf),
                                                         ("unrelated", unrelated))}
    assert all(k in state.typed for k in keys.values())
    assert Edge(leaf, (Float64,), keys["leaf"].method) in state.typed[keys["middle"]].edges

    @leaf.method
    def _(x: Float64):
        return 10 * x
    assert keys["leaf"] not in state.typed    # its own signature resolves elsewhere now
    assert keys["middle"] not in state.typed and keys["top"] not in state.typed
    assert keys["unrelated"] in state.typed and _key(top, (Int64,)) in state.typed
    assert top(1.0) == 33.0 and top(1) == 9


def test_the_kernel_cache_recompiles_only_when_a_compiled_call_changes():
    @generic
    def scale(v):
        return v * 2.0

    @generic
    def kern(out, x):
        out[0] = scale(x[0])

    compiled = []

    def compile_fn():
        compiled.append(1)
        return driver.compile_emulated(kern, key.argtypes)

    x = np.ones(1)
    key = _key(kern, (typeof(x), typeof(x)))
    cache_key = (kern, key.argtypes, "test-state")
    first = state.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key))
    assert state.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key)) is first
    assert len(compiled) == 1 and cache_key in state.kernels()

    @generic
    def unrelated_new_method(v: Int64):   # defining something else: the kernel stays
        return v
    assert state.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key)) is first

    @scale.method
    def _(v: Float64):
        return v * 3.0
    again = state.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key))
    assert again is not first and len(compiled) == 2


def test_emulated_kernels_load_into_the_one_engine_and_keep_reference_counting():
    """The emulator is a CPU target: its code goes into the process's one MCJIT engine, and a
    kernel marked nogil still counts references there (the launcher holds the GIL), so it may
    allocate, as before the targets had files of their own."""
    from dispatchjit import cuda
    from dispatchjit.runtime import jit

    @generic(nogil=True)
    def fills(out):
        tmp = np.zeros(3)
        out[cuda.threadIdx.x] = tmp[0] + 1.0

    out = np.zeros(4)
    before = jit.engine.cache_info().currsize
    fills[1, 4](out)
    assert np.array_equal(out, np.ones(4))
    assert jit.engine.cache_info().currsize == max(before, 1)
