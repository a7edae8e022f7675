"""End to end: generic functions compiled per signature give the right values of the right types.

The issue's example, Julia's integer semantics, and the supported Python subset (tuples, loops,
boolean operators, comparisons, recursion, builtins and ``math``), each checked through real
calls: values, result types and which specializations were compiled.
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_defs as d  # noqa: E402
from e2e_defs import FILE, line_of  # noqa: E402

from dispatchjit import Bool, Float32, Float64, Int32, Int64, Tuple, UInt8, generic  # noqa: E402


def sigs(f):
    return [s.signature for s in f.specializations]


def spec(f, *signature):
    (s,) = [s for s in f.specializations if s.signature == signature]
    return s


# --- the issue's example ------------------------------------------------------------------------
def test_issue_example_hypot2_compiles_once_per_signature():
    r = d.hypot2(3, 4)
    assert r == 25 and type(r) is int
    assert sigs(d.hypot2) == [(Int64, Int64)]

    r = d.hypot2(3.0, 4)
    assert r == 25.0 and type(r) is float
    assert sigs(d.hypot2) == [(Int64, Int64), (Float64, Int64)]

    # a repeated call compiles nothing and is counted
    before = {s.signature: s for s in d.hypot2.specializations}
    for _ in range(5):
        assert d.hypot2(3.0, 4) == 25.0
    assert d.hypot2(1, 2) == 5
    after = {s.signature: s for s in d.hypot2.specializations}
    assert list(after) == list(before)
    assert all(after[k] is before[k] for k in after)
    ii, fi = spec(d.hypot2, Int64, Int64), spec(d.hypot2, Float64, Int64)
    assert ii.calls == 2 and fi.calls == 6
    for s in (ii, fi):
        assert s.method is d.hypot2.methods()[0]
        assert s.compile_time > 0
    assert ii.return_type is Int64 and fi.return_type is Float64


def test_issue_example_area_and_fib():
    r = d.area(2, 3)
    assert r == 6 and type(r) is int
    r = d.area(1.5)
    assert r == pytest.approx(3.141592653589793 * 2.25) and type(r) is float
    assert len(d.area.methods()) == 2
    locations = [m.location for m in d.area.methods()]
    assert locations == [f"{FILE}:{line_of(d.area, 'area_r')}", f"{FILE}:{line_of(d.area, 'area_wh')}"]
    assert sorted(map(repr, sigs(d.area))) == ["(Float64,)", "(Int64, Int64)"]

    r = d.fib(30)
    assert r == 832040 and type(r) is int
    assert sigs(d.fib) == [(Int64,)]
    assert spec(d.fib, Int64).calls == 1  # recursive calls stay in compiled code


def test_locally_defined_recursive_function():
    @generic
    def local_fact(n):
        if n <= 1:
            return 1
        return n * local_fact(n - 1)

    assert local_fact(10) == 3628800


# --- integer semantics (Julia) ------------------------------------------------------------------
@generic
def mul(a, b):
    return a * b


@generic
def add(a, b):
    return a + b


@generic
def tdiv(a, b):
    return a / b


@generic
def fdiv(a, b):
    return a // b


@generic
def fmod(a, b):
    return a % b


@generic
def power(a, b):
    return a ** b


def wrap64(v):
    return ((v + 2**63) % 2**64) - 2**63


@pytest.mark.parametrize("a, b", [(2**62, 4), (2**62, 3), (-(2**62), 5), (2**63 - 1, 2), (3**39, 3**3)])
def test_int64_multiplication_wraps(a, b):
    r = mul(a, b)
    assert type(r) is int and r == wrap64(a * b)


def test_int64_addition_wraps_and_int32_stays_int32():
    assert add(2**63 - 1, 1) == -(2**63)
    r = mul(np.int32(2**30), np.int32(4))
    assert type(r) is np.int32 and r == 0
    r = add(np.int32(7), np.int32(8))
    assert type(r) is np.int32 and r == 15
    r = add(np.uint8(200), np.uint8(100))
    assert type(r) is np.uint8 and r == 44
    r = add(np.int32(7), 1)  # Int32 + Int64 promotes to Int64
    assert type(r) is int and r == 8


def test_true_division_of_ints_is_float():
    r = tdiv(7, 2)
    assert r == 3.5 and type(r) is float
    r = tdiv(6, 3)
    assert r == 2.0 and type(r) is float


@pytest.mark.parametrize("a, b", [(7, 2), (-7, 2), (7, -2), (-7, -2), (6, -3), (0, -5),
                                  (7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7.5, -2.0), (-0.0, 3.0)])
def test_floor_division_and_modulo_follow_python(a, b):
    q, r = fdiv(a, b), fmod(a, b)
    assert (q, r) == (a // b, a % b)
    assert type(q) is type(a // b) and type(r) is type(a % b)
    assert math.copysign(1, r) == math.copysign(1, a % b)


@pytest.mark.parametrize("f", [fdiv, fmod])
@pytest.mark.parametrize("zero", [0, 0.0])
def test_division_and_modulo_by_zero_raise(f, zero):
    with pytest.raises(ZeroDivisionError):
        f(1, zero)
    with pytest.raises(ZeroDivisionError):
        f(1.5, zero)


@pytest.mark.parametrize("zero", [0, 0.0])
def test_true_division_by_zero_raises(zero):
    with pytest.raises(ZeroDivisionError):
        tdiv(1, zero)


@pytest.mark.parametrize("huge", [2**70, -(2**64), 2**63, -(2**63) - 1])
def test_huge_python_ints_raise_overflow_error(huge):
    n = len(add.specializations)
    for args in ((huge, 1), (1, huge), ((1, huge), 2)):
        with pytest.raises(OverflowError, match=f"{huge}.*Int64"):
            add(*args)
    assert len(add.specializations) == n
    assert add(2**63 - 1, -(2**63)) == -1


def test_int_power_negative_exponent_raises_value_error():
    assert power(2, 10) == 1024 and type(power(2, 10)) is int
    assert power(2.0, -1) == 0.5
    with pytest.raises(ValueError):
        power(2, -1)


# --- tuples -------------------------------------------------------------------------------------
@generic
def tuple_ops(x, y):
    t = (x, (y, x + y))
    a, (b, c) = t
    return t[-1][-1], t[0], t[-2], a + b + c, t, len(t)


@generic
def swap(p):
    a, b = p
    return b, a


@generic
def empty_tuple():
    return ()


def test_tuples_build_index_unpack_nest_and_return():
    r = tuple_ops(1, 2.5)
    assert r == (3.5, 1, 1, 7.0, (1, (2.5, 3.5)), 2)
    assert type(r) is tuple and type(r[4][1]) is tuple
    assert [type(v) for v in r[:4]] == [float, int, int, float]
    assert sigs(tuple_ops) == [(Int64, Float64)]
    assert spec(tuple_ops, Int64, Float64).return_type == Tuple[Float64, Int64, Int64, Float64,
                                                                 Tuple[Int64, Tuple[Float64, Float64]], Int64]
    assert swap((1, 2.5)) == (2.5, 1)
    assert sigs(swap) == [(Tuple[Int64, Float64],)]
    assert empty_tuple() == ()


# --- loops --------------------------------------------------------------------------------------
@generic
def range_sum(start, stop, step):
    s = 0
    for i in range(start, stop, step):
        s += i
    return s


@generic
def range_one(n):
    s = 0
    for i in range(n):
        s = s * 3 + i
    return s


@generic
def range_two(a, b):
    s = 0
    for i in range(a, b):
        s = s * 3 + i
    return s


@generic
def while_loop(n):
    s = 0
    i = 0
    while True:
        i += 1
        if i > n:
            break
        if i % 3 == 0:
            continue
        s += i
    return s


@generic
def nested_loops(n):
    c = 0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            if (i + j) % 2:
                continue
            c += 1
    return c


@pytest.mark.parametrize("start, stop, step", [(0, 10, 1), (0, 10, 3), (10, 0, -1), (10, 0, -3), (5, 5, 1),
                                               (5, 0, 1), (0, 5, -1), (-7, 8, 4), (3, -9, -5)])
def test_for_range_three_args(start, stop, step):
    assert range_sum(start, stop, step) == sum(range(start, stop, step))


def test_for_range_one_and_two_args_and_while_break_continue():
    def horner(values):
        s = 0
        for i in values:
            s = s * 3 + i
        return s

    for n in (0, 1, 7, -3):
        assert range_one(n) == horner(range(n))
    for a, b in ((3, 8), (8, 3), (-4, 2)):
        assert range_two(a, b) == horner(range(a, b))
    assert while_loop(10) == sum(i for i in range(1, 11) if i % 3)
    assert nested_loops(7) == sum(1 for i in range(7) for j in range(i + 1) if (i + j) % 2 == 0)


def test_range_of_float_is_typing_error():
    from dispatchjit import TypingError
    with pytest.raises(TypingError, match="range"):
        range_one(2.5)


# --- expressions --------------------------------------------------------------------------------
@generic
def bool_ops(a, b):
    return a and b, a or b, (a and b) or 7, not a


@generic
def chained(a, b, c):
    return a < b < c, a < b > c, 1 <= a <= 10, a == b == c, a != b != c


@generic
def cond_expr(x):
    return x if x > 0 else -x


@generic
def no_return(x):
    y = x + 1  # noqa: F841


@generic
def bare_return(x):
    if x > 0:
        return
    return None


@generic
def augmented(x):
    x += 1
    x *= 3
    x -= 2
    x //= 2
    x **= 2
    x %= 7
    x <<= 3
    x |= 1
    x ^= 5
    x &= 0xFF
    x >>= 1
    return x


def augmented_py(x):
    x += 1
    x *= 3
    x -= 2
    x //= 2
    x **= 2
    x %= 7
    x <<= 3
    x |= 1
    x ^= 5
    x &= 0xFF
    x >>= 1
    return x


@pytest.mark.parametrize("a, b", [(0, 5), (3, 5), (3, 0), (0, 0), (0.0, 2.5), (1.5, 2.5), (True, False)])
def test_and_or_return_operands(a, b):
    r = bool_ops(a, b)
    expected = (a and b, a or b, (a and b) or 7, not a)
    assert r == expected
    assert [type(v) for v in r[:2]] == [type(a), type(a)]


@pytest.mark.parametrize("a, b, c", [(1, 2, 3), (1, 3, 2), (11, 3, 2), (2, 2, 2), (1, 2, 1), (1.5, 2, 2.5)])
def test_chained_comparisons(a, b, c):
    assert chained(a, b, c) == (a < b < c, a < b > c, 1 <= a <= 10, a == b == c, a != b != c)


def test_conditional_expression_no_return_and_augmented_assignment():
    assert cond_expr(-3) == 3 and type(cond_expr(-3)) is int
    assert cond_expr(2.5) == 2.5
    assert no_return(1) is None
    assert bare_return(1) is None and bare_return(-1) is None
    assert spec(no_return, Int64).return_type == typeof_none()
    for x in (5, -4, 100):
        assert augmented(x) == augmented_py(x)


def typeof_none():
    from dispatchjit import Nothing
    return Nothing


# --- recursion ----------------------------------------------------------------------------------
@generic
def is_even(n: int):
    if n == 0:
        return True
    return is_odd(n - 1)


@generic
def is_odd(n: int):
    if n == 0:
        return False
    return is_even(n - 1)


def test_mutual_recursion():
    assert is_even(10) is True
    assert is_even(7) is False
    assert is_odd(7) is True
    assert sigs(is_even) == [(Int64,)] and sigs(is_odd) == [(Int64,)]
    assert spec(is_even, Int64).return_type is Bool
    assert spec(is_even, Int64).calls == 2 and spec(is_odd, Int64).calls == 1


@generic
def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1


def test_deep_recursion_raises_recursion_error_not_crash():
    assert depth(500) == 500
    with pytest.raises(RecursionError):
        depth(10**8)


# --- builtins and math --------------------------------------------------------------------------
@generic
def math_fns(x):
    return (math.sqrt(x), math.sin(x), math.cos(x), math.exp(x), math.log(x), math.floor(x), math.ceil(x),
            math.hypot(x, 3.0), math.atan2(x, 1.0), math.pi, math.isnan(x), math.fabs(-x))


@generic
def math_log_base(x, b):
    return math.log(x, b)


@generic
def builtin_fns(x, y):
    return (abs(x), min(x, y), max(x, y), int(x), float(y), bool(x), complex(x, y), round(x), divmod(x, y),
            pow(x, 2), min(x, y, -100), max(x, y, 100))


@generic
def round_digits(x, n):
    return round(x, n)


@pytest.mark.parametrize("x", [2.0, 0.5, 7, 10.25])
def test_math_functions(x):
    r = math_fns(x)
    expected = (math.sqrt(x), math.sin(x), math.cos(x), math.exp(x), math.log(x), math.floor(x), math.ceil(x),
                math.hypot(x, 3.0), math.atan2(x, 1.0), math.pi, math.isnan(x), math.fabs(-x))
    assert r == pytest.approx(expected, rel=1e-15)
    assert [type(v) for v in r] == [type(v) for v in expected]


def test_math_domain_error_is_value_error():
    with pytest.raises(ValueError, match="math domain error"):
        math_fns(-1.0)


def test_math_log_with_base():
    assert math_log_base(8.0, 2.0) == pytest.approx(3.0)
    assert math_log_base(100, 10) == pytest.approx(2.0)


@pytest.mark.parametrize("x, y", [(-7, 2), (7, -2), (-7.5, 2.0), (2.5, 1), (True, 3), (0, 5)])
def test_builtins(x, y):
    r = builtin_fns(x, y)
    expected = (abs(x), min(x, y), max(x, y), int(x), float(y), bool(x), complex(x, y), round(x), divmod(x, y),
                pow(x, 2), min(x, y, -100), max(x, y, 100))
    assert r == expected
    promoted = type(x + y)
    assert [type(v) for v in r] == [type(abs(x)) if type(x) is not bool else int, promoted, promoted, int,
                                    float, bool, complex, int, tuple, type(pow(x, 2)), promoted, promoted]


@pytest.mark.parametrize("x, n", [(2.675, 2), (0.5, 0), (1.5, 0), (2.5, 0), (-1.25, 1), (1234.5, -2), (7, 1)])
def test_round_with_digits(x, n):
    r = round_digits(x, n)
    assert r == round(x, n) and type(r) is type(round(x, n))


def test_numpy_scalar_types_come_back():
    r = mul(np.float32(1.5), np.float32(2.0))
    assert type(r) is np.float32 and r == 3.0
    r = mul(np.float32(1.5), 2)  # Float32 * Int64 -> Float32 (Julia)
    assert type(r) is np.float32 and r == 3.0
    r = mul(np.int32(3), 2.0)
    assert type(r) is float
    assert (Float32, Int64) in sigs(mul) and (Int32, Float64) in sigs(mul)
    r = add(True, True)
    assert r == 2 and type(r) is int
    r = add(np.uint8(1), True)
    assert type(r) is np.uint8
    assert (UInt8, Bool) in sigs(add)


@generic
def imag_part(z):
    return z.imag


@pytest.mark.parametrize("value", [np.complex64(1 + 2j), np.complex128(3 - 4j), 5 - 6j, np.uint64(2**64 - 1),
                                   np.int8(-128), np.int16(-5), np.uint32(2**32 - 1), np.float32(1.1)], ids=repr)
def test_numpy_scalars_round_trip_exactly(value):
    r = mul(value, True)  # x * True: the same type back
    assert r == value
    assert type(r) is (complex if type(value) is np.complex128 else type(value))


def test_complex64_keeps_its_imaginary_part():
    z = np.complex64(1 + 2j)
    r = imag_part(z)
    assert r == 2.0 and type(r) is np.float32
    r = add(z, z)
    assert r == np.complex64(2 + 4j) and type(r) is np.complex64
