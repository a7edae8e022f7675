"""Extending a generic function from elsewhere with ``@f.method`` (a function of any name,
defined anywhere), as Julia code adds methods to ``Base.+``."""

import numpy as np
import pytest

from dispatchjit import Float64, Real, generic


@generic
def shrink(x: Real):
    return x / 2


@generic
def shrink_all(xs):
    s = 0.0
    for i in range(len(xs)):
        s += shrink(xs[i])
    return s


def test_a_method_added_from_a_function_body_joins_the_module_function():
    assert shrink_all(np.ones(4)) == 2.0 and shrink_all.compilations == 1

    def install():
        @shrink.method
        def anything_named(x: Float64):
            return x / 4
        return anything_named

    assert install() is shrink
    assert len(shrink.methods()) == 2 and "shrink(x::Float64)" in str(shrink.methods()[1])
    assert shrink(1.0) == 0.25 and shrink(1) == 0.5
    assert shrink_all(np.ones(4)) == 1.0 and shrink_all.compilations == 2   # recompiled once


def test_method_rejects_unknown_options():
    def f(x):
        return x
    f.__dispatchjit_options__ = {"speed": "max"}
    with pytest.raises(TypeError, match="unknown generic"):
        shrink.method(f)
