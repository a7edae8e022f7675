"""The compile state's one owner (``dispatchjit.world``): edges, invalidation, the kernel cache."""

import numpy as np

from dispatchjit import Float64, Int64, Real, driver, generic, typeof
from dispatchjit.reflection import _key
from dispatchjit.world import Edge, all_current, world


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
    assert all(k in world.typed for k in keys.values())
    assert Edge(leaf, (Float64,), keys["leaf"].method) in world.typed[keys["middle"]].edges

    @leaf.method
    def _(x: Float64):
        return 10 * x
    assert keys["leaf"] not in world.typed    # its own signature resolves elsewhere now
    assert keys["middle"] not in world.typed and keys["top"] not in world.typed
    assert keys["unrelated"] in world.typed and _key(top, (Int64,)) in world.typed
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
    cache_key = (kern, key.argtypes, "test-world")
    first = world.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key))
    assert world.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key)) is first
    assert len(compiled) == 1 and cache_key in world.kernels()

    @generic
    def unrelated_new_method(v: Int64):   # defining something else: the kernel stays
        return v
    assert world.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key)) is first

    @scale.method
    def _(v: Float64):
        return v * 3.0
    again = world.kernel(cache_key, compile_fn, lambda k: driver.calls_made(k.key))
    assert again is not first and len(compiled) == 2
