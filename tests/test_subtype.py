"""Subtyping, matching, specificity and intersection on the lattice (dispatchjit.subtype)."""

import typing

import pytest

from dispatchjit.methods import Method
from dispatchjit.subtype import free_typevars, issubtype, match, morespecific, typeintersect
from dispatchjit.lattice import (
    AbstractArray, AbstractFloat, Any, Array, ArrayType, Bool, Bottom, Float32, Float64, FunctionType,
    Int8, Int64, Integer, Nothing, Number, PyObjectType, Real, Signed, Tuple, TupleType, Type, TypeType,
    TypeVar, UInt8, Unsigned, from_annotation, make_union,
)


class A: ...
class B(A): ...
class C(B): ...


def method(*sig, vararg=None):
    """A bare Method over ``sig`` (its typevars collected from the types)."""
    tvs = tuple(free_typevars(TupleType(sig, vararg)))
    return Method("f", None, tuple(sig), vararg, tvs, "t.py", 1)


@pytest.mark.parametrize("a, b, expected", [
    (Int64, Signed, True), (Int64, Integer, True), (Int64, Real, True), (Int64, Number, True),
    (Int64, Any, True), (Bool, Integer, True), (Bool, Signed, False), (UInt8, Unsigned, True),
    (Integer, Real, True), (Real, Integer, False), (Float64, Integer, False), (Float64, AbstractFloat, True),
    (Int64, Int8, False), (Int64, Int64, True), (Any, Int64, False), (Nothing, Any, True),
    (Nothing, Number, False), (Bottom, Int64, True), (Int64, Bottom, False), (Bottom, Bottom, True),
])
def test_tower(a, b, expected):
    assert issubtype(a, b) is expected


def test_unions():
    u = make_union(Int64, Float64)
    assert issubtype(u, Real) and not issubtype(u, Integer)
    assert issubtype(Int64, u) and not issubtype(Float32, u)
    assert issubtype(make_union(Int64, Int8), make_union(Signed, Nothing))
    assert not issubtype(make_union(Int64, Nothing), Signed)


def test_tuples_covariant_and_vararg():
    assert issubtype(Tuple[Int64, Float64], Tuple[Integer, Real])
    assert not issubtype(Tuple[Int64, Float64], Tuple[Integer, Integer])
    assert not issubtype(Tuple[Int64], Tuple[Int64, Int64])
    assert issubtype(Tuple[Int64, Int64], Tuple[Int64, ...])
    assert issubtype(Tuple[()], Tuple[Int64, ...])
    assert issubtype(Tuple[Int64, ...], Tuple[Integer, ...])
    assert not issubtype(Tuple[Integer, ...], Tuple[Int64, ...])
    assert not issubtype(Tuple[Int64, ...], Tuple[Int64, Int64, ...])  # holds the empty tuple
    assert issubtype(Tuple[Int64, Int64, ...], Tuple[Int64, ...])
    assert not issubtype(Tuple[Int64, ...], Tuple[Int64])
    assert issubtype(Tuple[Int64, Float64], from_annotation(tuple))


def test_type_types_invariant():
    assert issubtype(Type[Int64], Type[Int64])
    assert not issubtype(Type[Int64], Type[Real])
    assert issubtype(Type[Int64], from_annotation(type))  # bare Type holds every type object
    assert issubtype(Type[Real], Type[Any])
    assert not issubtype(Type[Int64], Int64)


def test_pyobjects_functions_nothing():
    assert issubtype(PyObjectType(C), PyObjectType(A))
    assert not issubtype(PyObjectType(A), PyObjectType(C))
    assert issubtype(PyObjectType(str), Any) and not issubtype(PyObjectType(int), Integer)
    f, g = FunctionType(len), FunctionType(abs)
    assert issubtype(f, f) and issubtype(f, Any) and not issubtype(f, g)
    assert issubtype(Nothing, make_union(Nothing, Int64))


def test_arrays():
    c, f, a = ArrayType(Int64, 1, "C"), ArrayType(Int64, 1, "F"), ArrayType(Int64, 1, "A")
    assert issubtype(c, Array[Real, 1]) and issubtype(c, Array[Int64])
    assert not issubtype(ArrayType(Float64, 1, "C"), Array[Integer, 1])
    assert not issubtype(ArrayType(Int64, 2, "C"), Array[Int64, 1])
    assert issubtype(c, Array[Int64, 1, "A"]) and issubtype(f, Array[Int64, 1, "A"])
    assert not issubtype(a, Array[Int64, 1, "C"]) and not issubtype(f, Array[Int64, 1, "C"])
    assert issubtype(Array[Int64, 1], Array[Real]) and not issubtype(Array[Real], Array[Int64])
    assert issubtype(c, AbstractArray) and issubtype(Array[Real], AbstractArray)
    assert not issubtype(AbstractArray, Array[Any])


def test_match_binds_and_applies_diagonal_rule():
    T = TypeVar("T", Any)
    m = method(T, T)
    assert match((Int64, Int64), m) == {T: Int64}
    assert match((Int64, Float64), m) is None
    assert match((Int64,), m) is None


def test_match_checks_bound():
    T = TypeVar("T", Real)
    m = method(T, T)
    assert match((Float64, Float64), m) == {T: Float64}
    assert match((PyObjectType(str), PyObjectType(str)), m) is None


def test_match_type_param_invariant_then_covariant():
    T = TypeVar("T", Any)
    m = method(TypeType(T), T)
    assert match((Type[Int64], Int64), m) == {T: Int64}
    assert match((Type[Real], Int64), m) == {T: Real}  # Julia: f(Real, 1) binds T = Real
    assert match((Type[Int64], Float64), m) is None
    assert match((Int64, Int64), m) is None


def test_match_nested_tuple_and_vararg():
    T = TypeVar("T", Any)
    assert match((Tuple[Int64, Int64],), method(TupleType((T, T)))) == {T: Int64}
    assert match((Tuple[Int64, Float64],), method(TupleType((T, T)))) is None
    assert match((Int64, Int64, Int64), method(vararg=T)) == {T: Int64}
    assert match((Int64, Float64), method(vararg=T)) is None
    assert match((), method(vararg=T)) == {}  # T stays unbound, as in Julia


def test_match_array_element_binds_exactly():
    T = TypeVar("T", Any)
    m = method(ArrayType(T, 1), T)
    assert match((ArrayType(Float64, 1, "C"), Float64), m) == {T: Float64}
    assert match((ArrayType(Float64, 1, "C"), Int64), m) is None
    assert match((ArrayType(Float64, 2, "C"), Float64), m) is None


def test_match_union_with_typevar():
    T = TypeVar("T", Any)
    m = method(make_union(T, Nothing))
    assert match((Nothing,), m) == {}
    assert match((Int64,), m) == {T: Int64}


def test_typevars_from_shared_constructors_are_one_variable():
    T = typing.TypeVar("T")
    tvs = {}
    tup, plain = from_annotation(Tuple[T, T], tvs), from_annotation(T, tvs)
    assert tup.params[0] is tup.params[1] is plain


def test_morespecific_strict_subtype():
    assert morespecific(method(Int64), method(Real))
    assert not morespecific(method(Real), method(Int64))
    assert not morespecific(method(Int64), method(Int64))
    assert not morespecific(method(Int64, Any), method(Any, Int64))
    assert not morespecific(method(Any, Int64), method(Int64, Any))


def test_morespecific_typevars():
    T, S = TypeVar("T", Any), TypeVar("S", Any)
    assert morespecific(method(T, T), method(Any, Any))
    assert not morespecific(method(Any, Any), method(T, T))
    assert morespecific(method(Int64, Int64), method(S, S))
    R = TypeVar("R", Real)
    assert morespecific(method(R, R), method(T, T))
    assert morespecific(method(TypeType(R)), method(TypeType(T)))
    assert not morespecific(method(T, Int64), method(S, S))


def test_morespecific_varargs():
    assert morespecific(method(Int64), method(vararg=Int64))
    assert not morespecific(method(vararg=Int64), method(Int64))
    assert morespecific(method(Int64, vararg=Int64), method(vararg=Int64))
    # Neither signature contains the other: compared at the call's arity.
    assert not morespecific(method(Int64, vararg=Int64), method(Number))
    assert morespecific(method(Int64, vararg=Int64), method(Number), 1)
    assert not morespecific(method(Number), method(Int64, vararg=Int64), 1)
    assert not morespecific(method(Int64, vararg=Any), method(Number, vararg=Int64), 1)
    assert not morespecific(method(Number, vararg=Int64), method(Int64, vararg=Any), 1)


def test_typeintersect():
    assert typeintersect(Integer, Real) == Integer
    assert typeintersect(Integer, AbstractFloat) == Bottom
    assert typeintersect(make_union(Int64, Float64), Integer) == Int64
    assert typeintersect(Tuple[Int64, Any], Tuple[Any, Int64]) == Tuple[Int64, Int64]
    assert typeintersect(Tuple[Int64, ...], Tuple[Any, Int64]) == Tuple[Int64, Int64]
    assert typeintersect(TupleType((Int64,), Any), TupleType((), Int64)) == TupleType((Int64,), Int64)
    assert typeintersect(Tuple[Int64], Tuple[Int64, Int64]) == Bottom
    assert typeintersect(Array[Real, 1], Array[Integer]) == Array[Integer, 1]
    assert typeintersect(Array[Real, 1, "C"], Array[Real, 1, "F"]) == Bottom
    assert typeintersect(TypeVar("T", Any), Int64) is None
