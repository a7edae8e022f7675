"""Compiler features the AD library needed, each for every user: ``NTuple[N, T]``, value
parameters of structs (``S[3, Float64]``), callable structs (``__call__``), variables whose
values promote by a user's ``promote_rule``, ``Val(N)`` and constant comparisons in compiled
code."""

from typing import Generic, TypeVar

import pytest

from dispatchjit import (Float64, Int64, MethodError, NTuple, Real, Tuple, Type, TypingError, Val, convert, generic,
                         promote_rule, struct, typeof)
from dispatchjit.subtype import issubtype

T = TypeVar("T", bound=Real)
N = TypeVar("N")
K = TypeVar("K")


@struct
class Poly(Generic[N, T]):
    """A polynomial of N coefficients: the field's length is the parameter."""
    coeffs: NTuple[N, T]


@generic
def degree(p: Poly[N, T]):
    return N - 1


@generic
def horner(p: Poly[N, T], x):
    s = 0.0 * x
    for c in reversed_coeffs(p):
        s = s * x + c
    return s


@generic(generated=True)
def reversed_coeffs(p):
    n = p.params[0].value
    return "def reversed_coeffs(p):\n    return (" + "".join(f"p.coeffs[{k}], " for k in reversed(range(n))) + ")\n"


def test_ntuple_is_a_tuple_of_its_length():
    assert NTuple[3, Float64] == Tuple[Float64, Float64, Float64]
    assert NTuple[0, Int64] == Tuple[()]
    assert issubtype(Tuple[Float64, Float64], NTuple[N, Float64])
    assert not issubtype(Tuple[Float64, Int64], NTuple[N, Float64])
    assert repr(NTuple[N, T]) == "NTuple[N, T]"
    with pytest.raises(TypeError, match="non-negative int"):
        NTuple[-1, Float64]


def test_struct_value_parameters_size_a_field():
    p = Poly[3, Float64]((1, 2, 3))
    assert p.coeffs == (1.0, 2.0, 3.0) and typeof(p) == Poly[3, Float64]
    assert repr(typeof(p)) == "Poly[3, Float64]"
    assert degree(p) == 2 and degree(Poly[1, Int64]((5,))) == 0
    assert horner(p, 2.0) == 1 + 2 * 2 + 3 * 4
    with pytest.raises(TypeError):
        Poly[2, Float64]((1.0, 2.0, 3.0))   # three coefficients for N = 2


@generic
def length_of(t: NTuple[N, T]):
    return N


def test_ntuple_annotation_binds_the_length():
    assert length_of((1.0, 2.0, 3.0)) == 3 and length_of((1, 2)) == 2
    with pytest.raises(MethodError):
        length_of((1, 2.0))   # not one element type


@generic
def make_poly(x):
    return Poly[2, Float64]((x, x + 1))


@generic
def grow(p: Poly[N, T]):
    return Poly[N, T](p.coeffs)


def test_value_parameters_in_compiled_code():
    assert make_poly(1.5) == Poly[2, Float64]((1.5, 2.5))
    assert grow(Poly[2, Int64]((1, 2))) == Poly[2, Int64]((1, 2))


@struct
class Shift(Generic[T]):
    by: T

    def __call__(self, x):
        return x + self.by


@struct
class NotCallable:
    x: float


@generic
def twice(f, x):
    return f(f(x))


def test_callable_structs_are_called_from_python_and_compiled_code():
    s = Shift(1.5)
    assert s(1.0) == 2.5
    assert twice(s, 1.0) == 4.0 and twice(Shift(2), 3) == 7
    with pytest.raises(MethodError, match=r"call\(::NotCallable"):
        twice(NotCallable(1.0), 1.0)


@struct
class Meters(Real):
    v: float

    def __add__(self, other: "Meters"):
        return Meters(self.v + other.v)


@promote_rule.method
def _(a: Type[Meters], b: Type[Float64]):
    return Meters


@convert.method
def _(t: Type[Meters], x: Float64):
    return Meters(x)


@generic
def total_length(xs):
    s = 0.0                 # a Float64, then a Meters: the variable takes the promoted type
    for x in xs:
        s = s + x
    return s


@generic
def either(flag, m):
    return m if flag else 0.0


def test_variables_take_the_type_their_values_promote_to():
    assert total_length((Meters(1.0), Meters(2.5))) == Meters(3.5)
    assert typeof(either(True, Meters(2.0))) == typeof(Meters(2.0))
    assert either(False, Meters(2.0)) == Meters(0.0)


@generic
def mixed_without_rule(flag):
    x = 1.0
    if flag:
        x = (1, 2)
    return x


def test_values_that_do_not_promote_still_name_both_lines():
    with pytest.raises(TypingError, match="cannot merge"):
        mixed_without_rule(True)


@generic
def by_value(v: Val[K]):
    return K * 2


@generic
def lifted(x):
    return by_value(Val(3)) + x


@generic
def pick(a: Val[K], b: Val[N]):
    if K > N:            # two constants: decided while compiling, the other branch not typed
        return 1.0
    return (1, 2)


def test_val_and_constant_comparisons_in_compiled_code():
    assert lifted(1) == 7
    assert pick(Val(2), Val(1)) == 1.0 and pick(Val(1), Val(2)) == (1, 2)
