"""Operators, builtins and math functions as generic functions; conversion and promotion.

Julia's manual (Conversion and Promotion) ported: ``convert``, ``promote_rule`` (one direction
is enough), ``promote_type``, ``promote``, and a new number type that mixes with the built-in
ones given only a rule and a convert method. The operators' built-in methods cover the built-in
numbers (and cannot be taken over), users add methods for their types, struct classes forward
Python's operators to the same generic functions, and compiled code on built-in numbers still
applies the machine operation directly.
"""

import math
import os
from typing import TypeVar

import numpy as np
import pytest

import dispatchjit
from dispatchjit import (Bool, Float32, Float64, InexactError, Int8, Int64, MethodError, Number, Real, Type,
                         TypingError, UInt8, UInt64, code_typed, convert, generic, ops, promote, promote_rule,
                         promote_type, struct, typeof)

R = TypeVar("R", bound=Real)


@struct
class MyNum(Number):
    v: float


@ops.add.method
def _(a: MyNum, b: MyNum):
    return MyNum(a.v + b.v)


@ops.mul.method
def _(a: MyNum, b: MyNum):
    return MyNum(a.v * b.v)


@convert.method
def _(t: Type[MyNum], x: Real):
    return MyNum(float(x))


@promote_rule.method
def _(a: Type[MyNum], b: Type[R]):
    return MyNum


@struct
class Unrelated(Number):
    v: float


@ops.mul.method
def _(a: Unrelated, b: Unrelated):
    return Unrelated(a.v * b.v)


@generic
def plus(a, b):
    return a + b


@generic
def times(a, b):
    return a * b


# --- conversion and promotion ----------------------------------------------------------------
def test_convert_between_built_in_numbers_keeps_values_or_raises_inexact_error():
    assert convert(Float64, 1) == 1.0 and type(convert(Float64, 1)) is float
    assert convert(Int64, 3.0) == 3 and type(convert(Int64, 3.0)) is int
    assert convert(Float32, 0.1) == np.float32(0.1)          # floats round
    assert convert(UInt8, 200) == 200 and type(convert(UInt8, 200)) is np.uint8
    for t, x in ((Int64, 3.5), (UInt8, 300), (UInt64, -1), (Bool, 2), (Int8, -129), (Int64, math.nan)):
        with pytest.raises(InexactError):
            convert(t, x)


def test_promote_type_and_promote_follow_julia():
    assert promote_type(Int64, Float32) is Float32 and promote_type(Int8, UInt8) is UInt8
    assert promote_type(int, float) is Float64 and promote_type(Int64, Int64) is Int64
    p = promote(1, 2.5)
    assert p == (1.0, 2.5) and all(type(x) is float for x in p)
    assert promote_type(typeof(MyNum(1.0)), Int64) == typeof(MyNum(1.0))
    assert promote_type(Int64, typeof(MyNum(1.0))) == typeof(MyNum(1.0))   # one direction is enough
    assert promote(MyNum(1.0), 2) == (MyNum(1.0), MyNum(2.0))
    assert promote_type(typeof(Unrelated(1.0)), Int64) is dispatchjit.Bottom


def test_a_new_number_type_mixes_with_the_built_in_ones():
    # Julia's manual: with a promote_rule and a convert method, MyNum(1.0) + 2 == 2 + MyNum(1.0).
    assert MyNum(1.0) + 2 == MyNum(3.0) and 2 + MyNum(1.0) == MyNum(3.0)
    assert plus(MyNum(1.0), 2) == MyNum(3.0) and plus(2, MyNum(1.0)) == MyNum(3.0)
    assert plus(MyNum(1.0), 2.5) == MyNum(3.5) and times(3, MyNum(2.0)) == MyNum(6.0)
    assert type(plus(MyNum(1.0), 2)) is MyNum


def test_a_missing_rule_is_a_method_error_naming_the_operation_and_types():
    with pytest.raises(MethodError, match=r"no method matching mul\(::Unrelated, ::Int64\).*promote_rule"):
        times(Unrelated(1.0), 2)
    with pytest.raises(MethodError, match=r"no method matching mul\(::Unrelated, ::Int64\)"):
        Unrelated(1.0) * 2
    with pytest.raises(MethodError, match=r"no method matching sub\(::MyNum, ::MyNum\)"):
        MyNum(1.0) - 2


def test_a_rule_defined_later_is_used_by_code_compiled_before_it():
    @struct
    class Late(Number):
        v: float

    @ops.add.method
    def _(a: Late, b: Late):
        return Late(a.v + b.v)

    with pytest.raises(MethodError):
        plus(Late(1.0), 2)

    @convert.method
    def _(t: Type[Late], x: Real):
        return Late(float(x))

    @promote_rule.method
    def _(a: Type[Late], b: Type[Int64]):
        return Late

    assert plus(Late(1.0), 2) == Late(3.0)


# --- the operators' generic functions ----------------------------------------------------------
def test_operators_called_from_python_are_the_built_in_operations():
    assert ops.add(1, 2) == 3 and type(ops.add(1, 2)) is int and ops.add(1, 2.5) == 3.5
    assert ops.lt(1, 2.5) is True and ops.neg(3) == -3 and ops.truediv(1, 2) == 0.5
    assert ops.add((1,), (2.0,)) == (1, 2.0) and ops.abs(-3) == 3 and ops.max(1, 2.5) == 2.5
    assert dispatchjit.math.sin(0.5) == math.sin(0.5) and dispatchjit.math.log(8.0, 2.0) == 3.0


def test_built_in_numbers_methods_are_sealed():
    with pytest.raises(TypeError, match=r"ops.add\(Int64, Real\) would apply to the built-in numbers"):
        @ops.add.method
        def _(a: int, b: Real):
            return 0
    with pytest.raises(TypeError, match="would apply to the built-in numbers"):
        @ops.neg.method
        def _(a: float):
            return 0.0

    @ops.sub.method                                # a user type on one side: allowed
    def _(a: Unrelated, b: Real):
        return Unrelated(a.v - b)
    assert Unrelated(3.0) - 1 == Unrelated(2.0)


@generic
def prim_add(x, y):
    return x + y


def test_operators_on_built_in_numbers_compile_to_the_machine_operation():
    text = code_typed(prim_add, float, int)
    assert "add(" in text and "invoke" not in text
    assert "invoke" in code_typed(prim_add, typeof(MyNum(1.0)), typeof(MyNum(1.0)))


@struct
class V2:
    x: float
    y: float

    def __add__(self, other: "V2"):
        return V2(self.x + other.x, self.y + other.y)

    def __mul__(self, k: float):
        return V2(self.x * k, self.y * k)

    def __neg__(self):
        return V2(-self.x, -self.y)

    def __abs__(self):
        return math.sqrt(self.x * self.x + self.y * self.y)


@generic
def combine(a, b):
    return abs(-(a + b * 2.0))


def test_dunder_methods_in_the_class_body_become_methods():
    assert V2(1, 2) + V2(3, 4) == V2(4.0, 6.0) and -V2(1, 2) == V2(-1.0, -2.0) and abs(V2(3, 4)) == 5.0
    assert combine(V2(1, 2), V2(1, 1)) == pytest.approx(math.hypot(3, 4))
    where = [m.location for m in ops.add.methods() if m.sig[0] == typeof(V2(1.0, 1.0))]
    assert where and where[0].startswith(__file__)
    with pytest.raises(MethodError, match=r"no method matching sub\(::V2, ::V2\)"):
        V2(1, 2) - V2(1, 2)


@struct
class Meters:
    v: float

    def __mul__(self, k: float):
        return Meters(self.v * k)

    def __rmul__(self, k: float):          # k * m
        return Meters(k * self.v)

    def __rtruediv__(self, k: float):      # k / m: the operands' order is kept
        return Meters(k / self.v)


@generic
def scaled(m, k):
    return k * m, m * k, k / m


def test_reflected_dunders_become_methods_with_the_operands_swapped():
    assert 3.0 * Meters(2.0) == Meters(6.0) and Meters(2.0) * 3.0 == Meters(6.0) and 8.0 / Meters(2.0) == Meters(4.0)
    assert scaled(Meters(2.0), 4.0) == (Meters(8.0), Meters(8.0), Meters(2.0))
    sigs = [m.sig for m in ops.truediv.methods() if typeof(Meters(1.0)) in m.sig]
    assert sigs == [(Float64, typeof(Meters(1.0)))]


@generic
def sine(d):
    return math.sin(d)


@dispatchjit.math.sin.method
def _(d: MyNum):
    return MyNum(math.sin(d.v))


def test_math_functions_dispatch_to_methods_for_user_types():
    assert sine(MyNum(0.5)) == MyNum(math.sin(0.5)) and sine(0.5) == math.sin(0.5)
    with pytest.raises(TypingError, match="does not accept"):
        sine((1.0,))


@generic
def same(a, b):
    return a == b, a != b


def test_equality_compares_fields_unless_a_method_says_otherwise():
    assert same(V2(1, 2), V2(1, 2)) == (True, False) and same(V2(1, 2), V2(1, 3)) == (False, True)
    assert same(MyNum(2.0), 2) == (True, False)      # promoted, then compared
    assert same(Unrelated(2.0), 2) == (False, True)   # no promotion: not equal (Julia's ===)
    assert same((1, 2.0), (1, 2.0)) == (True, False)


# --- differential: dual numbers against their derivative -----------------------------------------
@struct
class Dual(Number):
    val: float
    der: float


@ops.add.method
def _(a: Dual, b: Dual):
    return Dual(a.val + b.val, a.der + b.der)


@ops.mul.method
def _(a: Dual, b: Dual):
    return Dual(a.val * b.val, a.der * b.val + a.val * b.der)


@ops.sub.method
def _(a: Dual, b: Dual):
    return Dual(a.val - b.val, a.der - b.der)


@convert.method
def _(t: Type[Dual], x: Real):
    return Dual(float(x), 0.0)


@promote_rule.method
def _(a: Type[Dual], b: Type[R]):
    return Dual


@generic
def poly(x):
    return 3 * x * x * x - 2 * x + 1


@pytest.mark.parametrize("x", [-2.5, -1.0, 0.0, 0.3, 1.0, 7.25])
def test_dual_numbers_give_the_derivative(x):
    d = poly(Dual(x, 1.0))
    assert d.val == pytest.approx(3 * x ** 3 - 2 * x + 1, rel=1e-12, abs=1e-12)
    assert d.der == pytest.approx(9 * x ** 2 - 2, rel=1e-12, abs=1e-12)
    assert poly(x) == pytest.approx(3 * x ** 3 - 2 * x + 1, rel=1e-12, abs=1e-12)


def test_the_readme_example_runs_as_documented(tmp_path):
    """The User types section's example, run as a module of its own (a fresh set of types)."""
    import re
    import subprocess
    import sys
    text = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")).read()
    section = text[text.index("## User types"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("Point(1, 2.0)                         #", "_bad = Point(1, 2.0) if False else None  #")
    checks = '''
assert total((Circle(1.0), Rect(2.0, 3))) == math.pi + 6.0
assert repr(Point(1, 2)) == "Point[Int64](x=1, y=2)" and repr(Point[Float64](1, 2)) == "Point[Float64](x=1.0, y=2.0)"
try:
    Point(1, 2.0)
    raise AssertionError("no MethodError")
except dispatchjit.MethodError as e:
    assert "Point" in str(e)
assert norm2(Point(1, 2)) == 5 and c.n == 10
assert (MyNum(1.0) + 2, 2 + MyNum(1.0)) == (MyNum(3.0), MyNum(3.0))
print("ok")
'''
    path = tmp_path / "readme_example.py"
    path.write_text("import dispatchjit\n" + code + checks)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
