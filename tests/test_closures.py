"""Closures: nested ``def`` and ``lambda`` in compiled code, captured by value, passed to generic
functions and called there directly, returned to Python as callables; ``generic(lambda ...)``.
Values against CPython on generated inputs; errors at the user's line."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dispatchjit as dj
from dispatchjit import CompileError, TypingError, generic, struct, typeof
from dispatchjit.lattice import StructType

SETTINGS = dict(max_examples=40, deadline=None, database=None, derandomize=True)
floats = st.floats(-1e3, 1e3, allow_nan=False)
vectors = st.lists(floats, min_size=0, max_size=12).map(lambda v: np.array(v, dtype=np.float64))
small = st.integers(-50, 50)


def compiled(f):
    g = generic(f)
    g.__wrapped__ = f
    return g


def line_of(func, text: str) -> int:
    """The file line of the first line of ``func``'s source containing ``text``."""
    import inspect
    lines, first = inspect.getsourcelines(func.__wrapped__ if hasattr(func, "__wrapped__") else func)
    return first + next(i for i, line in enumerate(lines) if text in line)


# --- library code the closures are passed to -----------------------------------------------------
@generic
def map_reduce(f, op, a, init):
    acc = init
    for i in range(len(a)):
        acc = op(acc, f(a[i]))
    return acc


@generic
def apply_to(f, x):
    return f(x)


# --- values against CPython ----------------------------------------------------------------------
def _map_reduce_py(f, op, a, init):
    acc = init
    for v in a:
        acc = op(acc, f(v))
    return acc


@compiled
def shifted_squares(a, c):
    return map_reduce(lambda x: (x - c) * (x - c), lambda p, q: p + q, a, 0.0)


@settings(**SETTINGS)
@given(vectors, floats)
def test_a_lambda_over_a_variable_passed_to_a_generic_function(a, c):
    expected = _map_reduce_py(lambda x: (x - c) * (x - c), lambda p, q: p + q, a, 0.0)
    assert shifted_squares(a, c) == pytest.approx(expected, rel=1e-12, abs=1e-9)


@compiled
def scaled_sum(a, k):
    def scale(v, s=2):
        return v * k * s
    t = 0.0
    for i in range(len(a)):
        t += scale(a[i]) + scale(a[i], 3)
    return t


@settings(**SETTINGS)
@given(vectors, floats)
def test_a_nested_def_with_a_default_over_a_parameter(a, k):
    assert scaled_sum(a, k) == pytest.approx(scaled_sum.__wrapped__(a, k), rel=1e-12, abs=1e-9)


@compiled
def nested_twice(x, k):
    def outer(y):
        inner = lambda z: z * k + y
        return inner(2) + inner(x)
    return outer(x + 1)


@settings(**SETTINGS)
@given(small, small)
def test_closures_nest_and_capture_through_the_middle_one(x, k):
    assert nested_twice(x, k) == nested_twice.__wrapped__(x, k)


@compiled
def per_iteration(a):
    t = 0.0
    for i in range(len(a)):
        t += apply_to(lambda v: v * i, a[i])
    return t


@compiled
def in_generator(n, m):
    return sum(apply_to(lambda v: v * i + m, i) for i in range(n))


@settings(**SETTINGS)
@given(vectors, st.integers(0, 20), small)
def test_a_closure_made_in_a_loop_or_generator_sees_that_iteration(a, n, m):
    assert per_iteration(a) == pytest.approx(sum(v * i for i, v in enumerate(a)), rel=1e-12, abs=1e-9)
    assert in_generator(n, m) == sum(i * i + m for i in range(n))


@compiled
def varargs_closure(x, y):
    total = lambda *vs: sum(v for v in vs) * x
    return total(x, y), total(y), total()


@settings(**SETTINGS)
@given(small, small)
def test_a_closure_with_star_args(x, y):
    assert varargs_closure(x, y) == varargs_closure.__wrapped__(x, y)


@struct
class Pair:
    a: float
    b: float


@struct(mutable=True)
class Cell:
    n: int


@compiled
def captures_kinds(arr, t, p, c):
    f = lambda i: arr[i] + t[1] + p.b + c.n
    c.n += 1        # a mutable struct is shared: the closure sees the write, as in Python
    return f(0)


def test_arrays_tuples_and_structs_are_captured_mutable_ones_by_reference():
    got = captures_kinds(np.array([1.5, 2.0]), (1, 2), Pair(0.5, 0.25), Cell(10))
    assert got == captures_kinds.__wrapped__(np.array([1.5, 2.0]), (1, 2), Pair(0.5, 0.25), Cell(10)) == 14.75


@compiled
def captures_a_function(g, x):
    h = lambda y: g(y) + 1
    return h(x)


def test_a_generic_function_held_in_a_variable_is_captured():
    sq = generic(lambda x: x * x)
    assert captures_a_function(sq, 3) == 10 and captures_a_function(sq, 1.5) == 3.25


# --- closures as values: types, specializations, the boundary ------------------------------------
@generic
def adder(k):
    return lambda y: y + k


adder_line = adder.methods()[0].line + 1   # the decorator's line, then the lambda's


def test_a_returned_closure_is_a_callable_struct_typed_by_what_it_captured():
    add3, add_half = adder(3), adder(0.5)
    assert add3(2) == 5 and add3(2.5) == 5.5 and add_half(1) == 1.5
    t = typeof(add3)
    assert isinstance(t, StructType) and t.params == (dj.Int64,) and add3.k == 3
    assert typeof(add_half) != t and type(add_half).__qualname__.startswith(f"adder.<locals>.<lambda:{adder_line}>")
    assert np.array_equal(add3(np.arange(3)), [3, 4, 5])


def test_a_closure_passed_back_into_compiled_code_is_called_directly():
    @generic
    def twice(f, x):
        return f(f(x))
    add3 = adder(3)
    assert twice(add3, 1) == 7 and twice(adder(4), 1) == 9
    assert len(twice.specializations) == 1   # one closure type: Int64 captured
    typed = dj.code_typed(twice, typeof(add3), dj.Int64)
    assert "invoke call(" in typed
    llvm = dj.code_llvm(twice, typeof(add3), dj.Int64)
    assert "add" in llvm and "call i64" not in llvm.split("define", 2)[1]   # inlined into the caller


def test_a_closure_is_a_value_of_each_capture_type_one_specialization_each():
    @generic
    def count_calls(a, c):
        return map_reduce(lambda x: x + c, lambda p, q: p + q, a, 0.0)
    before = list(map_reduce.specializations)
    for c in (1, 2, 3):
        assert count_calls(np.ones(4), c) == 4 + 4 * c
    count_calls(np.ones(4), 1.5)
    assert len(count_calls.specializations) == 2              # (array, Int64), (array, Float64)
    new = [s for s in map_reduce.specializations if not any(s is b for b in before)]
    assert len(new) == 2 and all(s.calls == 0 for s in new)   # one per closure type, called directly


def test_dispatchjit_map_takes_closures_and_generic_lambdas():
    assert np.array_equal(dj.map(adder(2), np.arange(4.0)), np.arange(4.0) + 2)
    assert np.array_equal(dj.map(generic(lambda x: x * 3), np.arange(3)), [0, 3, 6])
    with pytest.raises(TypeError, match="decorate it with @generic"):
        dj.map(lambda x: x, np.arange(3.0))


def test_a_generic_lambda_compiles_and_errors_point_at_it():
    cube = generic(lambda x: x * x * x)
    assert cube(3) == 27 and cube(0.5) == 0.125
    wrong = lambda x: x + "a"  # noqa: E731 - the user's spelling under test
    with pytest.raises(TypingError) as got:
        generic(wrong)(1)
    assert f"{__file__}:{wrong.__code__.co_firstlineno}:" in str(got.value)
    two = (lambda x: x, lambda x: x + 1)  # noqa: E731 - the user's spelling under test
    with pytest.raises(CompileError, match="which lambda"):
        generic(two[1])(1)


def test_a_closure_cannot_be_pickled_cleanly_refused():
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(adder(1))


def test_redefining_the_enclosing_function_makes_new_closures_old_ones_still_work():
    def make():
        @generic
        def maker_redefined(k):
            return lambda y: y + k
        return maker_redefined
    first = make()
    old = first(1)

    @first.method
    def maker_redefined(k: int):
        return lambda y: y * k
    assert first(3)(2) == 6 and old(2) == 3


# --- errors at the user's line -------------------------------------------------------------------
@compiled
def reassigned_after(x):
    g = lambda y: y + x
    x = 2
    return g(1)


@compiled
def uses_nonlocal(x):
    def g():
        nonlocal x
        x = 3
    g()
    return x


@compiled
def recursive_nested(n):
    def fact(k):
        return 1 if k <= 1 else k * fact(k - 1)
    return fact(n)


@compiled
def default_from_variable(n):
    t = 3
    g = lambda y, t=t: y + t
    return g(n)


@compiled
def error_in_body(n):
    g = lambda y: y.no_such_field
    return g(n)


@compiled
def keyword_only_nested(n):
    def g(y, *, z=1):
        return y + z
    return g(n)


@pytest.mark.parametrize("func, text, error, words", [
    (reassigned_after, "x = 2", CompileError, "assigned here after the nested function"),
    (uses_nonlocal, "nonlocal x", CompileError, "`nonlocal` is not supported"),
    (recursive_nested, "def fact", CompileError, "calls itself"),
    (default_from_variable, "t=t", CompileError, "defaults must be number constants"),
    (error_in_body, "y.no_such_field", TypingError, "no_such_field"),
    (keyword_only_nested, "def g", CompileError, "keyword-only"),
])
def test_unsupported_closures_are_errors_at_the_line(func, text, error, words):
    with pytest.raises(error) as got:
        func(1)
    message = str(got.value)
    assert f"{__file__}:{line_of(func, text)}:" in message and words in message


def test_a_variable_assigned_before_the_closure_is_fine():
    @generic
    def assigned_before(x):
        x = x + 1
        g = lambda y: y + x
        return g(1)
    assert assigned_before(1) == 3


def test_the_readme_closures_example_runs_as_documented(tmp_path):
    import os
    import re
    import subprocess
    import sys
    text = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")).read()
    section = text[text.index("**Closures.**"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    checks = """
assert spread(a, 0.5) == sum((x - 0.5) ** 2 for x in a) == 0.625
assert add3(2) == 5 and add3(2.5) == 5.5 and add3.k == 3
assert np.array_equal(dispatchjit.map(add3, a), a + 3)
print("ok")
"""
    path = tmp_path / "readme_closures.py"
    path.write_text(code + checks)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


def test_lambdas_differentiate_without_perturbation_confusion():
    from dispatchjit.ad import derivative, gradient

    @generic
    def confusion(a):
        return derivative(lambda x: x * derivative(lambda y: x + y, 1.0), a)

    @generic
    def grad_shift(x, c):
        return gradient(lambda v: (v[0] - c) ** 2 + v[1] * c, x)
    assert confusion(1.0) == 1.0
    assert np.array_equal(grad_shift(np.array([1.0, 2.0]), 3.0), [-4.0, 3.0])


# --- keyword-only parameters and keyword calls in compiled code ---------------------------------
@generic
def newton_sqrt2(x, *, tol=1e-8, maxiter=50):
    it = 0
    while abs(x * x - 2.0) > tol and it < maxiter:
        x = x - (x * x - 2.0) / (2.0 * x)
        it += 1
    return x, it


@generic
def calls_with_keywords(x):
    return newton_sqrt2(x, tol=0.1), newton_sqrt2(x, maxiter=1), newton_sqrt2(x)


@generic
def needs_k(x, *, k):
    return x * k


def test_keyword_only_parameters_from_python_and_compiled_code_match_cpython():
    py = newton_sqrt2.methods()[0].func
    for kw in ({}, {"tol": 1e-3}, {"maxiter": 2}, {"tol": 0.5, "maxiter": 3}):
        assert newton_sqrt2(1.0, **kw) == py(1.0, **kw)
    assert calls_with_keywords(1.0) == (py(1.0, tol=0.1), py(1.0, maxiter=1), py(1.0))
    assert needs_k(2, k=3) == 6 and needs_k(2.5, k=2) == 5.0
    assert "; tol, maxiter" in str(newton_sqrt2.methods()[0])


def test_keyword_only_parameters_are_not_positional_and_errors_say_so():
    with pytest.raises(dj.MethodError):
        newton_sqrt2(1.0, 1e-3)                 # a keyword-only slot is not filled positionally
    with pytest.raises(TypeError, match="missing required keyword-only argument: 'k'"):
        needs_k(2)
    with pytest.raises(dj.MethodError, match="keyword argument"):
        newton_sqrt2(1.0, tl=2)

    @generic
    def misspelled(x):
        return newton_sqrt2(x, tl=0.1)
    with pytest.raises(TypingError) as got:
        misspelled(1.0)
    assert f"{__file__}:" in str(got.value) and "tl" in str(got.value)
