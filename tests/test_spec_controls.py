"""Specialization controls: nospecialize, Val, tuple lengths as types, precompile, generated
methods and the specialization limit with its interpreter fallback."""

import typing
import warnings

import numpy as np
import pytest

import dispatchjit
from dispatchjit import (CompileError, Float32, Float64, Int64, Real, SpecializationLimitWarning, Tuple,
                         TypingError, Val, config, generic, precompile, typeof)
from dispatchjit.lattice import Literal, ValType

N = typing.TypeVar("N")
HERE = __file__


@pytest.fixture(autouse=True)
def restore_config():
    saved = config.max_specializations
    yield
    config.max_specializations = saved


def sigs(f):
    return [s.signature for s in f.specializations]


# --- nospecialize -----------------------------------------------------------------------------
def test_nospecialize_one_specialization_for_every_type():
    @generic(nospecialize="obj")
    def tag(obj, n):
        return (obj, n + 1)

    arr = np.arange(3.0)
    values = ["s", 1.5, (1, 2.0), arr, None, 7, 1 + 2j, {"k": 1}]
    for v in values:
        out = tag(v, 1)
        assert out[0] is v and out[1] == 2 and type(out[1]) is int
    assert len(tag.specializations) == 1
    assert tag.compilations == 1
    (spec,) = tag.specializations
    assert spec.signature[1] == Int64 and spec.calls == len(values)
    # the non-nospecialized argument still specializes
    assert tag("s", 1.5) == ("s", 2.5)
    assert len(tag.specializations) == 2 and tag.compilations == 2
    assert tag(arr, 2.5)[0] is arr
    assert len(tag.specializations) == 2 and tag.compilations == 2


def test_nospecialize_tuple_of_names():
    @generic(nospecialize=("a", "b"))
    def swap(a, b, n):
        return (b, a, n * 2)

    assert swap("x", 1.5, 2) == (1.5, "x", 4)
    assert swap(None, (1,), 3) == ((1,), None, 6)
    assert swap(np.float32(1), [1], 4) == ([1], np.float32(1), 8)
    assert len(swap.specializations) == 1 and swap.compilations == 1


def test_nospecialize_passed_through_to_other_generic_functions():
    @generic
    def ident(x):
        return x

    @generic(nospecialize="obj")
    def wrap(obj, k):
        return (ident(obj), k)

    o = object()
    assert wrap(o, 1)[0] is o and wrap("a", 2) == ("a", 2) and wrap(2.5, 3) == (2.5, 3)
    assert len(wrap.specializations) == 1


def test_nospecialize_dispatch_inside_is_on_the_runtime_type():
    """Julia's @nospecialize changes what is compiled, never which method a call runs."""
    @generic
    def describe(x: Float64):
        return 1

    @generic
    def describe(x):
        return 0

    @generic(nospecialize="obj")
    def d(obj, n):
        return describe(obj) + n

    try:
        got = [d(1.5, 10), d("s", 10), d(2, 10)]
    except CompileError:
        return  # refusing to compile is acceptable; a silently wrong method is not
    assert got == [11, 10, 10]


def test_nospecialize_operations_are_typing_errors():
    @generic(nospecialize="obj")
    def bad(obj, n):
        return obj + n

    with pytest.raises(TypingError, match="PyObject"):
        bad(1.5, 1)


# --- Val -------------------------------------------------------------------------------------------
def test_val_separate_specializations_constant_inside():
    @generic
    def rep(x, n: Val[N]):
        s = 0.0
        for i in range(N):
            s += x
        return s

    assert rep(1.5, Val(3)) == 4.5
    assert rep(1.5, Val(4)) == 6.0
    assert rep(1.5, Val(3)) == 4.5
    assert sigs(rep) == [(Float64, Val[3]), (Float64, Val[4])]
    assert rep.compilations == 2
    assert [repr(s[1]) for s in sigs(rep)] == ["Val[3]", "Val[4]"]
    assert typeof(Val(3)) == Val[3] == ValType(Literal(3))

    @generic
    def times(x, n: Val[N]):
        return x * N

    assert times(2, Val(3)) == 6 and times(2.0, Val(5)) == 10.0
    assert sigs(times) == [(Int64, Val[3]), (Float64, Val[5])]


def test_val_dispatch_on_literal():
    @generic
    def flag(x, mode: Val[1]):
        return x + 1

    @generic
    def flag(x, mode: Val[2]):
        return x * 2

    assert flag(10, Val(1)) == 11 and flag(10, Val(2)) == 20
    with pytest.raises(dispatchjit.MethodError):
        flag(10, Val(3))


def test_returning_a_val_returns_a_val():
    @generic
    def back(n: Val[N]):
        return n

    @generic
    def pair(x, n: Val[N]):
        return (n, x + N)

    out = back(Val(3))
    assert isinstance(out, Val) and out == Val(3) and out.value == 3
    p = pair(1, Val(4))
    assert isinstance(p[0], Val) and p[0].value == 4 and p[1] == 5


def test_val_passed_to_other_generic_function():
    @generic
    def inner(n: Val[N]):
        t = 0
        for i in range(N):
            t += i
        return t

    @generic
    def outer(x, n):
        return inner(n) + x

    assert outer(100, Val(4)) == 106 and outer(100, Val(5)) == 110
    assert len(outer.specializations) == 2


def test_tuple_length_is_part_of_the_type():
    @generic
    def tlen(t):
        return len(t)

    @generic
    def count(t):
        c = 0
        for i in range(len(t)):
            c += 1
        return c

    assert tlen((1.0, 2.0, 3.0)) == 3 and tlen((1.0, 2.0)) == 2 and tlen(()) == 0
    assert sigs(tlen) == [(Tuple[Float64, Float64, Float64],), (Tuple[Float64, Float64],), (Tuple[()],)]
    assert count((1.0, 2.0, 3.0)) == 3 and count((1, 2.0, 3, 4)) == 4
    assert len(count.specializations) == 2
    three = Tuple[Float64, Float64, Float64]
    # len(t) is a constant: inference sees range(0, 3) and LLVM folds the loop to the constant
    assert "range(0::Int64, 3::Int64" in dispatchjit.code_typed(count, three)
    llvm = dispatchjit.code_llvm(count, three)
    assert "store i64 3" in llvm and "br " not in llvm


def test_tuple_length_constant_usable_as_index():
    @generic
    def last(t):
        return t[len(t) - 1]

    assert last((1.0, 2, 3.5)) == 3.5 and last((7,)) == 7


# --- precompile ------------------------------------------------------------------------------------
def test_precompile_function_form():
    @generic
    def mul(x, y):
        return x * y

    assert mul.compilations == 0
    spec = precompile(mul, Float64, Int64)
    assert mul.compilations == 1
    assert spec.signature == (Float64, Int64) and spec.calls == 0 and spec.valid
    assert sigs(mul) == [(Float64, Int64)]
    assert mul(2.0, 3) == 6.0
    assert mul.compilations == 1 and spec.calls == 1
    for _ in range(10):
        assert mul(1.5, 2) == 3.0
    assert mul.compilations == 1 and spec.calls == 11
    assert mul.specializations[0] is spec


def test_precompile_method_form_and_python_classes():
    @generic
    def add(x, y):
        return x + y

    spec = add.precompile(float, int)
    assert add.compilations == 1 and spec.signature == (Float64, Int64)
    spec2 = add.precompile(Float32, Float32)
    assert add.compilations == 2
    assert add(np.float32(1), np.float32(2)) == np.float32(3) and spec2.calls == 1
    assert add(1.0, 2) == 3.0 and spec.calls == 1
    assert add.compilations == 2
    # precompiling again is a no-op
    assert add.precompile(Float64, Int64) is spec and add.compilations == 2


def test_precompile_abstract_types_are_type_errors():
    @generic
    def f(x, y):
        return x + y

    with pytest.raises(TypeError, match="Real"):
        precompile(f, Real, Int64)
    with pytest.raises(TypeError):
        f.precompile(Float64, dispatchjit.Number)
    assert f.compilations == 0 and f.specializations == []


def test_precompile_no_method_is_method_error():
    @generic
    def only_int(x: Int64):
        return x

    with pytest.raises(dispatchjit.MethodError):
        precompile(only_int, Float64)


def test_precompile_array_type():
    @generic
    def s(xs):
        t = 0.0
        for i in range(len(xs)):
            t += xs[i]
        return t

    a = np.arange(4.0)
    spec = precompile(s, typeof(a))
    assert s.compilations == 1
    assert s(a) == 6.0 and s.compilations == 1 and spec.calls == 1


# --- generated -------------------------------------------------------------------------------------
def test_generated_unrolled_tuple_sum():
    seen = []

    @generic(generated=True)
    def usum(t):
        seen.append(t)
        n = len(t.params)
        return "def usum(t):\n    return " + " + ".join(f"t[{i}]" for i in range(n)) + "\n"

    assert usum((1.0, 2.0, 3.0)) == 6.0
    assert usum((1, 2)) == 3
    assert usum((1, 2)) == 3 and usum((4, 5)) == 9 and usum((1.0, 2.0, 3.0)) == 6.0
    assert usum((1.5, 2, 3, 4)) == 10.5
    # one body per signature: the generator ran once per signature, with types
    assert seen == [Tuple[Float64, Float64, Float64], Tuple[Int64, Int64], Tuple[Float64, Int64, Int64, Int64]]
    assert len(usum.specializations) == 3 and usum.compilations == 3


def test_generated_returning_a_function():
    @generic(generated=True)
    def pick(x):
        if x == Float64:
            def body(x):
                return x * 2.0
        else:
            def body(x):
                return x + 1
        return body

    assert pick(2.0) == 4.0 and pick(2) == 3
    assert len(pick.specializations) == 2


def test_generated_called_from_compiled_code():
    @generic(generated=True)
    def usum(t):
        return "def usum(t):\n    return " + " + ".join(f"t[{i}]" for i in range(len(t.params))) + "\n"

    @generic
    def caller(a, b):
        return usum((a, b, a)) * 2

    assert caller(1.0, 2.0) == 8.0 and caller(1, 5) == 14


def test_generated_unsupported_construct_is_compile_error_at_generated_line():
    @generic(generated=True)
    def gen(x):
        return "def gen(x):\n    y = [1, 2]\n    return x\n"

    with pytest.raises(CompileError) as err:
        gen(1)
    msg = str(err.value)
    assert "<generated" in msg and ":2:" in msg and "y = [1, 2]" in msg


def test_generated_syntax_error_is_compile_error():
    @generic(generated=True)
    def gen(x):
        return "def gen(x):\n    return x +\n"

    with pytest.raises(CompileError):
        gen(1)


def test_generated_typing_error_in_generated_source():
    @generic(generated=True)
    def gen(x):
        return "def gen(x):\n    y = (1, 2)\n    y = 3.0\n    return y\n"

    with pytest.raises(TypingError):
        gen(1)


def test_generated_bad_return_values_are_compile_errors():
    @generic(generated=True)
    def not_source(x):
        return 42

    @generic(generated=True)
    def no_def(x):
        return "x = 1\n"

    with pytest.raises(CompileError, match="must return a function or the source"):
        not_source(1)
    with pytest.raises(CompileError, match="exactly one"):
        no_def(1)
    assert not_source.specializations == [] and no_def.specializations == []


# --- specialization limit --------------------------------------------------------------------------
def test_per_function_limit_warns_once_and_interprets():
    @generic
    def lim(x):
        return x * 2

    lim.max_specializations = 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert lim(1) == 2 and lim(1.5) == 3.0
        assert not [x for x in w if issubclass(x.category, SpecializationLimitWarning)]
        r32 = lim(np.int32(3))
        assert r32 == 6 and type(r32) is np.int32         # the Python body's result
        assert lim(np.float32(2)) == 4.0
        assert lim(1 + 2j) == 2 + 4j
        assert lim(np.int32(5)) == 10
        assert lim(1) == 2 and lim(2.5) == 5.0
    limit_warnings = [x for x in w if issubclass(x.category, SpecializationLimitWarning)]
    assert len(limit_warnings) == 1
    assert "lim" in str(limit_warnings[0].message)
    assert limit_warnings[0].filename == HERE            # points at the caller
    assert len(lim.specializations) == 2 and lim.compilations == 2
    assert sigs(lim) == [(Int64,), (Float64,)]


def test_global_limit_from_config():
    config.max_specializations = 1

    @generic
    def g(x):
        return x + 1

    with pytest.warns(SpecializationLimitWarning, match="g"):
        assert g(1) == 2 and g(1.5) == 2.5
    assert g(np.float32(1.5)) == 2.5
    assert len(g.specializations) == 1 and g.compilations == 1
    # a per-function setting overrides the global one
    g.max_specializations = 3
    assert g(np.float32(1.5)) == 2.5
    assert len(g.specializations) <= 3


def test_interpreted_body_still_calls_compiled_generics_and_raises_python_errors():
    @generic
    def helper(x):
        return x * 10

    @generic
    def top(x):
        if x < 0:
            raise ValueError("negative")
        return helper(x) + 1

    top.max_specializations = 1
    assert top(1) == 11
    with pytest.warns(SpecializationLimitWarning):
        assert top(1.5) == 16.0
    with pytest.raises(ValueError, match="negative"):
        top(-1.0)
    assert len(top.specializations) == 1
    assert (Float64,) in sigs(helper)


def test_limit_fallback_reconsidered_after_new_method():
    @generic
    def f(x):
        return 1

    f.max_specializations = 1
    assert f(1) == 1
    with pytest.warns(SpecializationLimitWarning):
        assert f(1.5) == 1

    @generic
    def f(x: Float64):
        return 2

    assert f(1.5) == 2 and f(1) == 1


# --- controls meet invalidation ------------------------------------------------------------------
def test_nospecialize_specialization_invalidated_by_method_for_one_served_type():
    @generic(nospecialize="obj")
    def tag(obj, n):
        return (obj, n + 1)

    assert tag("s", 1) == ("s", 2) and tag(1.5, 1) == (1.5, 2)
    (boxed,) = tag.specializations

    @generic
    def tag(obj: Float64, n):
        return (obj * 2, n + 100)

    # the Float64 call now runs the new method; the str call still the boxed one
    assert tag(1.5, 1) == (3.0, 101)
    assert tag("s", 1) == ("s", 2) and tag((1,), 1) == ((1,), 2)
    assert all(s.valid for s in tag.specializations)


def test_precompiled_specialization_invalidated_and_recompiled():
    @generic
    def f(x: Real):
        return x + 1

    @generic
    def g(x):
        return f(x) * 2

    spec = precompile(g, Float64)
    assert g.compilations == 1

    @generic
    def f(x: Float64):
        return x + 10

    assert not spec.valid and g.invalidated == [spec]
    assert g(1.0) == 22.0 and g.compilations == 2


def test_generated_function_regenerated_after_redefinition():
    @generic(generated=True)
    def gen(t):
        return "def gen(t):\n    return " + " + ".join(f"t[{i}]" for i in range(len(t.params))) + "\n"

    @generic
    def use(a):
        return gen((a, a))

    assert use(2) == 4

    @generic(generated=True)
    def gen(t):
        return "def gen(t):\n    return " + " * ".join(f"t[{i}]" for i in range(len(t.params))) + "\n"

    assert gen((3, 3)) == 9 and use(2) == 4 and use(5) == 25 and gen((2, 3, 4)) == 24
    assert len(use.invalidated) == 1
