"""Methods from Python functions and MethodTable resolution (dispatchjit.methods)."""

import typing

import pytest

from dispatchjit.errors import AmbiguityError, MethodError
from dispatchjit.methods import MethodTable, current_world, format_call, methods_from_function
from dispatchjit.lattice import (
    Any, Array, ArrayType, Float32, Float64, Int64, Integer, Nothing, PyObjectType, Real, Tuple,
    TupleType, Type, TypeType, typeof,
)

T = typing.TypeVar("T")
R = typing.TypeVar("R", bound=Real)
HERE = __file__


def table(*funcs, name="f"):
    t = MethodTable(name)
    for fn in funcs:
        for m in methods_from_function(fn, name):
            t.add(m)
    return t


def chosen(t, *argtypes):
    return t.resolve(tuple(argtypes))[0].func


def where(fn):
    return f"{HERE}:{fn.__code__.co_firstlineno}"


# --- methods_from_function ---------------------------------------------------------------------
def area(w: Int64, h: Int64): ...
def area_r(r: float): ...
def scale(x: int, k: float = 2.0, z=None): ...
def total(*xs: Int64): ...
def anyrest(x, *rest): ...
def same(x: T, y: T): ...
def bounded(x: R, y: Tuple[R, R]): ...


def test_method_fields_and_display():
    (m,) = methods_from_function(area)
    assert m.name == "area" and m.sig == (Int64, Int64) and m.vararg is None and m.typevars == ()
    assert m.file == HERE and m.line == area.__code__.co_firstlineno
    assert str(m) == f"area(w::Int64, h::Int64) @ {where(area)}"
    assert methods_from_function(area_r)[0].sig == (Float64,)


def test_varargs_and_typevars_display():
    (m,) = methods_from_function(total)
    assert m.sig == () and m.vararg == Int64 and str(m) == f"total(xs::Int64...) @ {where(total)}"
    (m,) = methods_from_function(anyrest)
    assert m.sig == (Any,) and m.vararg is Any and str(m).startswith("anyrest(x, rest...) @")
    (m,) = methods_from_function(same)
    assert len(m.typevars) == 1 and m.sig[0] is m.sig[1] is m.typevars[0]
    assert str(m).startswith("same(x::T, y::T) where T @")
    (m,) = methods_from_function(bounded)
    assert m.sig[1].params[0] is m.sig[0] and str(m).startswith("bounded(x::R, y::Tuple[R, R]) where R<:Real @")


def test_defaults_make_shorter_methods():
    full, one, two = methods_from_function(scale)
    assert full.sig == (Int64, Float64, Any) and full.defaults_of is None
    assert (one.sig, one.ngiven, one.defaults_of) == ((Int64,), 1, full)
    assert (two.sig, two.ngiven, two.defaults_of) == ((Int64, Float64), 2, full)
    t = table(scale, name="scale")
    assert len(t.methods) == 3
    assert t.resolve((Int64,))[0] == one and t.resolve((Int64, Float64))[0] == two
    assert t.resolve((Int64, Float64, Nothing))[0] == full


def test_decorated_def_line():
    def deco(fn):
        return fn

    @deco
    @deco
    def inner(x: Int64): ...
    (m,) = methods_from_function(inner)
    assert m.line == inner.__code__.co_firstlineno + 2


def test_rejects_star_keywords_and_bad_defaults():
    def kw(x, *args, y): ...
    def kwargs(x, **kw): ...
    def bad_default(x: int, y="s"): ...
    def big_default(x: int, y=1 << 70): ...
    def bad_annotation(x: "NoSuchName"): ...  # noqa: F821
    for fn in (kw, kwargs, bad_default, big_default, bad_annotation):
        with pytest.raises(TypeError, match=rf"`{fn.__name__}` at {HERE}:{fn.__code__.co_firstlineno}"):
            methods_from_function(fn)


def test_default_tuples_ok():
    def ok(x: int, y=(1, 2.0, None, True, 1j)): ...
    assert len(methods_from_function(ok)) == 2


# --- resolution ---------------------------------------------------------------------------------
def num(x: Real): ...
def intg(x: Integer): ...
def i64(x: Int64): ...
def anything(x): ...


def test_abstract_tower_most_specific_wins_any_order():
    for order in [(num, intg, i64, anything), (anything, i64, intg, num), (intg, anything, num, i64)]:
        t = table(*order)
        assert chosen(t, Int64) is i64
        assert chosen(t, Float32) is num
        assert chosen(t, PyObjectType(str)) is anything
        assert chosen(t, typeof(True)) is intg


def test_union_method():
    def u(x: Int64 | Float64): ...
    def r(x: Real): ...
    t = table(u, r)
    assert chosen(t, Float64) is u and chosen(t, Float32) is r


def test_typevar_methods():
    def gen(x, y): ...
    t = table(same, gen)
    assert chosen(t, Int64, Int64) is same
    assert t.resolve((Int64, Int64))[1] == {t.methods[0].typevars[0]: Int64}
    assert chosen(t, Int64, Float64) is gen

    def typed(t_: Type[T], x: T): ...
    t = table(typed, gen)
    assert chosen(t, TypeType(Float64), Float64) is typed
    assert chosen(t, TypeType(Float64), Int64) is gen

    def rr(x: R, y: R): ...
    t = table(rr, gen)
    assert chosen(t, Float32, Float32) is rr
    assert chosen(t, PyObjectType(str), PyObjectType(str)) is gen


def test_tuple_methods():
    def pair(p: Tuple[Int64, Int64]): ...
    def many(p: Tuple[Int64, ...]): ...
    def anyt(p: tuple): ...
    t = table(anyt, many, pair)
    assert chosen(t, Tuple[Int64, Int64]) is pair
    assert chosen(t, Tuple[()]) is many and chosen(t, Tuple[Int64]) is many
    assert chosen(t, Tuple[Int64, Float64]) is anyt


def test_varargs_methods():
    def one(x: Int64): ...
    def rest(*xs: Int64): ...
    def num_(x: Real): ...
    t = table(rest, one)
    assert chosen(t, Int64) is one and chosen(t, Int64, Int64) is rest and chosen(t) is rest
    def lead(x: Int64, *xs: Int64): ...
    t = table(num_, lead)
    assert chosen(t, Int64) is lead and chosen(t, Float64) is num_


def test_array_methods():
    def vec(a: Array[Real, 1]): ...
    def cvec(a: Array[Float64, 1, "C"]): ...
    def arr(a: Array[Any]): ...
    def elem(a: Array[T, 1], x: T): ...
    def loose(a, x): ...
    t = table(arr, vec, cvec, elem, loose)
    assert chosen(t, ArrayType(Float64, 1, "C")) is cvec
    assert chosen(t, ArrayType(Float64, 1, "F")) is vec
    assert chosen(t, ArrayType(Int64, 1, "A")) is vec
    assert chosen(t, ArrayType(Int64, 2, "C")) is arr
    assert chosen(t, ArrayType(Float64, 1, "C"), Float64) is elem
    assert chosen(t, ArrayType(Float64, 1, "C"), Int64) is loose


def test_redefinition_replaces_and_bumps_world():
    def first(x: Int64): ...
    def second(x: Int64): ...
    def renamed(y: T): ...
    def again(z: T): ...
    t = table(first)
    w = current_world()
    old = t.add(methods_from_function(second, "f")[0])
    assert old.func is first and [m.func for m in t.methods] == [second]
    assert current_world() > w and t.world == current_world()
    t.add(methods_from_function(renamed, "f")[0])
    assert t.add(methods_from_function(again, "f")[0]).func is renamed
    assert [m.func for m in t.methods] == [second, again]
    assert t.add(methods_from_function(area_r, "f")[0]) is None


def test_redefinition_without_variables_compares_each_position():
    """Signatures without ``where`` variables are the same type exactly when each position is:
    a union written out is the type it spells, an array's element type decides."""
    def ints(x: typing.Union[Int64, Integer], y: Array[Float64]): ...
    def integer(x: Integer, y: Array[Float64]): ...
    def float32s(x: Integer, y: Array[Float32]): ...
    def rest(x: Integer, *ys: Real): ...
    def rest_again(x: Integer, *ys: typing.Union[Real, Float64]): ...
    t = table(ints, float32s, rest)
    assert t.add(methods_from_function(integer, "f")[0]).func is ints
    assert t.add(methods_from_function(rest_again, "f")[0]).func is rest
    assert [m.func for m in t.methods] == [integer, float32s, rest_again]


def _shapes():
    def a(x, y=2, /, z=3, *args, k, m=4, **kw): ...
    def b(x, y: Int64 = 1): ...
    def c(*xs): ...
    def d(): ...
    def e(x, *, y): ...
    def f(x, /, **kw): ...
    return [a, b, c, d, e, f, lambda x, *r, q=1: x]


@pytest.mark.parametrize("fn", _shapes(), ids=lambda fn: fn.__name__)
def test_parameters_read_from_code_are_inspects(fn):
    import inspect
    from dispatchjit.methods import _parameters
    def described(params):
        return [(p.name, p.kind, p.default) for p in params]
    assert described(_parameters(fn)) == described(inspect.signature(fn).parameters.values())


def test_applicable_lists_in_definition_order():
    t = table(num, intg, i64, anything)
    assert [m.func for m in t.applicable((Int64,))] == [num, intg, i64, anything]
    assert [m.func for m in t.applicable((Float64,))] == [num, anything]


# --- errors -------------------------------------------------------------------------------------
def test_method_error_closest_candidates():
    t = table(area_r, area, name="area")
    with pytest.raises(MethodError) as info:
        t.resolve((Int64, Float64))
    assert type(info.value) is MethodError
    msg = str(info.value)
    assert msg.splitlines()[0] == "no method matching area(::Int64, ::Float64)"
    assert msg.splitlines()[1] == "Closest candidates are:"
    assert msg.splitlines()[2] == f"  area(w::Int64, !Matched::Int64) @ {where(area)}"
    assert f"area(r::Float64) @ {where(area_r)}" in msg


def test_method_error_marks_vararg_and_limits_candidates():
    def a(x: Int64): ...
    def b(x: Int64, y: Int64): ...
    def c(x: Float64, y: Int64): ...
    def d(x: Int64, y: Float32): ...
    def e(*xs: Float32): ...
    t = table(a, b, c, d, e, name="g")
    msg = str(pytest.raises(MethodError, t.resolve, (Int64, PyObjectType(str))).value)
    assert len(msg.splitlines()) == 2 + 3
    assert "g(!Matched::Float32...)" not in msg  # 0 of 2 arguments match: ranked below
    msg = str(pytest.raises(MethodError, t.resolve, (Float32, Int64)).value)
    assert "g(!Matched::Float32...)" in msg


def test_method_error_no_methods():
    with pytest.raises(MethodError, match="`h` has no methods"):
        MethodTable("h").resolve((Int64,))


def test_ambiguity_error_with_fix():
    def left(x: Int64, y): ...
    def right(x, y: Int64): ...
    t = table(left, right)
    with pytest.raises(AmbiguityError) as info:
        t.resolve((Int64, Int64))
    msg = str(info.value)
    assert msg.splitlines()[0] == "f(::Int64, ::Int64) is ambiguous."
    assert f"f(x::Int64, y) @ {where(left)}" in msg and f"f(x, y::Int64) @ {where(right)}" in msg
    assert msg.endswith("Possible fix, define\n  f(::Int64, ::Int64)")
    assert chosen(t, Int64, Float64) is left

    def fix(x: Int64, y: Int64): ...
    t.add(methods_from_function(fix, "f")[0])
    assert chosen(t, Int64, Int64) is fix


def test_ambiguity_fix_uses_intersection_or_call():
    def p(x: Integer, y: Real): ...
    def q(x: Real, y: Integer): ...
    t = table(p, q)
    assert str(pytest.raises(AmbiguityError, t.resolve, (Int64, Int64)).value).endswith(
        "f(::Integer, ::Integer)")

    def u(x: T, y: T): ...
    def v(x: Int64, y): ...
    t = table(u, v)
    assert str(pytest.raises(AmbiguityError, t.resolve, (Int64, Int64)).value).endswith(
        "f(::Int64, ::Int64)")


def test_ambiguity_lists_only_rivals():
    def left(x: Int64, y): ...
    def right(x, y: Int64): ...
    def top(x, y): ...
    msg = str(pytest.raises(AmbiguityError, table(top, left, right).resolve, (Int64, Int64)).value)
    assert "f(x, y) @" not in msg


def test_format_call():
    assert format_call("area", (Float64, PyObjectType(str))) == "area(::Float64, ::PyObject[str])"
    assert format_call("f", (TupleType((Int64,)),)) == "f(::Tuple[Int64])"
