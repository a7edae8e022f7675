"""Differential tests: CPython is the oracle, dispatchjit must agree with it.

Every function of ``tests/corpus_scalar.py`` runs undecorated (CPython) and as ``generic(fn)``;
``tests/corpus_calls.py`` is loaded twice, once compiled and once plain (its ``@generic`` functions
call each other).  For every generated input the two runs must give the same value of the same
Python type (tuples compared element by element, floats exactly or within a stated relative
tolerance, NaN equal to NaN, the sign of a zero significant), or both raise the same exception class.

The strategies stay inside the documented common ground of the two semantics: integers that cannot
overflow int64 (except for the wrap-around cases, compared with CPython's result wrapped to int64),
shift counts below 64, no ``int ** negative int``, no function whose return or local types depend on
the path taken.  Documented differences are tested on their own at the end of the file.
"""

import cmath
import importlib.util
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dispatchjit import generic

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus_scalar as cs  # noqa: E402

NAN = float("nan")
INF = float("inf")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def load_calls_corpus(name, decorator):
    """Load tests/corpus_calls.py as a fresh module whose global ``generic`` is ``decorator``."""
    path = os.path.join(HERE, "corpus_calls.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.generic = decorator
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


cc_py = load_calls_corpus("corpus_calls_plain", lambda fn: fn)
cc_jit = load_calls_corpus("corpus_calls_jit", generic)


# ------------------------------------------------------------------------------ comparison

def wrap64(v):
    """CPython's result as int64 arithmetic would give it (ints wrap, everything else as is)."""
    if isinstance(v, tuple):
        return tuple(wrap64(x) for x in v)
    if type(v) is int:
        return ((v + 2**63) % 2**64) - 2**63
    return v


def float_same(a, b, rel, abs_tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        # the sign of a zero is part of the value (1/x, atan2, copysign see it)
        return a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)
    if math.isinf(a) or math.isinf(b):
        return False
    return rel > 0 and math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def complex_same(a, b, rel, abs_tol):
    if all(float_same(x, y, 0.0, 0.0) for x, y in ((a.real, b.real), (a.imag, b.imag))):
        return True
    if rel == 0 or not (cmath.isfinite(a) and cmath.isfinite(b)):
        return False
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol)


def same(expected, got, rel=0.0, abs_tol=0.0):
    if type(expected) is not type(got):
        return False
    if isinstance(expected, tuple):
        return len(expected) == len(got) and all(
            same(x, y, rel, abs_tol) for x, y in zip(expected, got))
    if isinstance(expected, float):
        return float_same(expected, got, rel, abs_tol)
    if isinstance(expected, complex):
        return complex_same(expected, got, rel, abs_tol)
    return expected == got


def outcome(fn, args):
    try:
        return True, fn(*args)
    except Exception as exc:  # noqa: BLE001 -- the class is what gets compared
        return False, exc


def show(ok, value):
    if ok:
        return f"{value!r} ({type(value).__name__})"
    return f"raised {type(value).__name__}: {value}"


def check(case, py_fn, jit_fn, args):
    ok_py, expected = outcome(py_fn, args)
    ok_jit, got = outcome(jit_fn, args)
    where = f"{case.name}{args!r}: CPython {show(ok_py, expected)}, dispatchjit {show(ok_jit, got)}"
    if not ok_py:
        agree = not ok_jit and type(got) is type(expected)
        if agree and case.check_message and str(got) != str(expected):
            raise AssertionError(where + " (messages differ)")
    else:
        agree = ok_jit and same(wrap64(expected) if case.wrap else expected, got,
                                case.rel, case.abs_tol)
    if not agree:
        raise AssertionError(where)


# ------------------------------------------------------------------------------ strategies

ints_small = st.integers(-1000, 1000)
ints_tiny = st.integers(-3, 3)
ints_med = st.integers(-(2**20), 2**20)            # products of two stay far from 2**63
ints_full = st.integers(INT64_MIN, INT64_MAX)
floats_mod = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.0, 0.1, 1e-3]),
)
floats_cmp = st.one_of(floats_mod, st.sampled_from([NAN, INF, -INF]))
floats_all = st.floats(allow_nan=True, allow_infinity=True)
numbers = st.one_of(ints_small, ints_med, floats_mod)
numbers_cmp = st.one_of(ints_small, floats_cmp)


near_int64_ends = st.one_of(st.integers(INT64_MAX - 20, INT64_MAX),
                            st.integers(INT64_MIN, INT64_MIN + 20))
BIG_STEPS = [2**62, -(2**62), INT64_MAX, INT64_MIN, -INT64_MAX, 2**61 + 3, -(2**61) - 3]


def same_type(n, ints=ints_med, floats=floats_mod):
    """n arguments, all int or all float (for functions whose values move between variables)."""
    return st.one_of(st.tuples(*[ints] * n), st.tuples(*[floats] * n))


@dataclass
class Case:
    name: str
    py: object
    jit: object
    args: object                      # strategy of argument tuples
    examples: list = field(default_factory=list)
    rel: float = 0.0                  # 0: exact
    abs_tol: float = 0.0
    wrap: bool = False                # compare with CPython's result wrapped to int64
    check_message: bool = False


_compiled = {}


def compiled(fn):
    """generic(fn), once per function: generic() registers methods by module and qualname, so a
    second generic(fn) would redefine the method rather than make an independent copy."""
    if fn not in _compiled:
        _compiled[fn] = generic(fn)
    return _compiled[fn]


def scalar(fn, *strategies, tuples=None, **kw):
    """A case for a plain function of corpus_scalar, compiled here with generic(fn)."""
    args = tuples if tuples is not None else st.tuples(*strategies)
    return Case(fn.__name__, fn, compiled(fn), args, **kw)


def calls(name, *strategies, tuples=None, **kw):
    """A case for a function of corpus_calls (already @generic in the compiled load)."""
    args = tuples if tuples is not None else st.tuples(*strategies)
    return Case(name, getattr(cc_py, name), getattr(cc_jit, name), args, **kw)


MATH = {"rel": 1e-12, "abs_tol": 1e-15}
ZERO_DIV = [(7, 0), (0, 0), (-7, 0), (7.5, 0.0), (7.5, -0.0), (3, 0.0), (2.0, 0)]
FLOOR_EDGES = [(7, 2), (-7, 2), (7, -2), (-7, -2), (7.5, 2.0), (-7.5, 2.0), (7.5, -2.0),
               (-0.0, 5.0), (0.0, -5.0), (6.0, -3.0), (-6.0, 3.0), (0.1, 0.01), (1.0, 0.1),
               (-1, 3.0), (5, -0.5), (1e6, 1e-3)]

CASES = [
    # arithmetic
    scalar(cs.arith_mix, numbers, numbers),
    scalar(cs.true_div, numbers, numbers, examples=ZERO_DIV + [(1, 3), (-7, 2)]),
    scalar(cs.floor_div, numbers, numbers, examples=ZERO_DIV + FLOOR_EDGES),
    scalar(cs.modulo, numbers, numbers, examples=ZERO_DIV + FLOOR_EDGES),
    scalar(cs.divmod_builtin, numbers, numbers, examples=ZERO_DIV + FLOOR_EDGES),
    scalar(cs.floor_mod_special, floats_cmp, floats_cmp,
           examples=[(1.0, INF), (-1.0, INF), (1.0, -INF), (-1.0, -INF), (INF, 2.0), (NAN, 1.0),
                     (1.0, NAN), (0.0, INF), (-0.0, -INF), (INF, INF), (5.0, 0.0), (INF, 0.0)]),
    scalar(cs.safe_div, tuples=same_type(2), examples=[(7, 0), (7.0, 0.0), (-7, 2)]),
    scalar(cs.int_pow_wrap, st.integers(-50, 50), st.integers(0, 200), wrap=True,
           examples=[(3, 50), (-3, 41), (2, 63), (2, 64), (2, 100), (-1, 199), (7, 0)]),
    scalar(cs.neg_abs_wrap, ints_full, wrap=True,
           examples=[(INT64_MIN,), (INT64_MAX,), (INT64_MIN + 1,), (-1,), (0,)]),
    scalar(cs.int_pow, st.integers(-20, 20), st.integers(0, 12),
           examples=[(0, 0), (-3, 3), (2, 12), (-1, 7)]),
    scalar(cs.float_pow, st.floats(1e-3, 100.0), st.floats(-5.0, 5.0),
           examples=[(2.0, 0.5), (4.0, -0.5), (10.0, 3.0)]),
    scalar(cs.mixed_pow, st.floats(-10.0, 10.0).filter(lambda x: abs(x) >= 1e-3),
           st.integers(-5, 5), examples=[(-2.0, 3), (-2.0, -3), (0.5, 0)]),
    scalar(cs.unary_ops, st.one_of(numbers, floats_cmp, st.booleans()),
           examples=[(0,), (-0.0,), (True,), (False,), (NAN,)]),
    scalar(cs.bool_arith, st.booleans(), st.booleans(), ints_small),
    scalar(cs.bool_div, st.booleans(), st.booleans()),
    # bit operations
    scalar(cs.bitops, ints_full, ints_full, examples=[(-1, 0), (INT64_MIN, INT64_MAX)]),
    scalar(cs.shifts, ints_med, st.integers(-3, 62), wrap=True,
           examples=[(1, 62), (-1, 62), (5, -1), (-(2**20), 3), (12345, 0)]),
    # comparisons and logic
    scalar(cs.chained_cmp, numbers_cmp, numbers_cmp, numbers_cmp,
           examples=[(1, 1, 1), (0, 1.0, 1), (NAN, 1, 2), (1, 2.0, NAN)]),
    scalar(cs.int_float_cmp, st.integers(-(2**53), 2**53),
           st.one_of(floats_all, st.integers(-(2**53), 2**53).map(float)),
           examples=[(3, 3.0), (3, 3.5), (-3, -3.5), (0, -0.0), (5, NAN), (5, INF)]),
    scalar(cs.chain_short, numbers, numbers, st.one_of(ints_tiny, ints_small),
           examples=[(2, 1, 0), (1, 2, 0), (1, 1, 0), (0, 1, 3), (1.5, 0.5, 0)]),
    scalar(cs.logic_ops, st.one_of(ints_tiny, ints_small), st.one_of(ints_tiny, ints_small),
           examples=[(0, 0), (0, 5), (5, 0), (2, 3)]),
    scalar(cs.float_logic, floats_cmp, floats_cmp,
           examples=[(0.0, 2.5), (-0.0, 0.0), (NAN, 0.0), (1.5, 0.0)]),
    scalar(cs.short_circuit, st.one_of(ints_tiny, ints_small), examples=[(0,), (33,), (-1,)]),
    # control flow
    scalar(cs.classify, numbers_cmp, examples=[(-10,), (0,), (10,), (0.0,), (NAN,), (-INF,)]),
    scalar(cs.sign_cond, numbers_cmp, examples=[(0,), (-0.0,), (NAN,)]),
    scalar(cs.collatz_steps, st.integers(1, 10000), examples=[(1,), (27,)]),
    scalar(cs.gcd_loop, ints_med, ints_med, examples=[(0, 0), (12, -18), (-12, 18), (7, 0)]),
    scalar(cs.sum_squares, st.integers(-5, 3000), examples=[(0,), (1,), (-1,)]),
    scalar(cs.range_two, st.integers(-50, 50), st.integers(-50, 200)),
    scalar(cs.range_step, st.integers(-100, 100), st.integers(-100, 100), st.integers(-7, 7),
           examples=[(0, 10, 0), (10, 0, -1), (10, 0, -3), (0, 10, 3), (-5, -20, -4), (0, 0, 1)]),
    scalar(cs.countdown, st.integers(-3, 60), examples=[(0,), (-1,), (60,)]),
    scalar(cs.break_continue, st.integers(0, 500), st.integers(0, 5000)),
    scalar(cs.nested_loops, st.integers(0, 40), st.integers(0, 40)),
    scalar(cs.while_break, st.one_of(st.integers(0, 10**6), st.floats(0.0, 1e6))),
    scalar(cs.while_continue, st.integers(-2, 800)),
    scalar(cs.range_extreme, st.one_of(near_int64_ends, ints_tiny), st.one_of(near_int64_ends, ints_tiny),
           st.one_of(st.integers(-7, 7), st.sampled_from(BIG_STEPS)),
           examples=[(INT64_MAX - 3, INT64_MAX, 2), (INT64_MIN + 3, INT64_MIN, -2),
                     (INT64_MAX - 10, INT64_MAX, 3), (INT64_MIN, INT64_MAX, 2**62),
                     (INT64_MAX, INT64_MIN, -(2**62)), (INT64_MIN, INT64_MAX, INT64_MAX),
                     (INT64_MAX, INT64_MIN, INT64_MIN), (0, INT64_MAX, 2**62 + 1),
                     (INT64_MAX - 1, INT64_MAX, 1), (INT64_MIN + 1, INT64_MIN, -1)]),
    scalar(cs.newton_sqrt, st.floats(1e-6, 1e12), rel=1e-12, examples=[(2.0,), (1e-6,)]),
    scalar(cs.maybe_unbound, st.integers(-5, 5), examples=[(1,), (0,)]),
    scalar(cs.loop_var_after, st.integers(-3, 10), examples=[(3,), (0,)]),
    scalar(cs.loop_var_reassigned, st.integers(-3, 30), examples=[(7,), (0,)]),
    scalar(cs.early_return, st.integers(-10, 10000), examples=[(0,), (1,), (4,), (97,)]),
    scalar(cs.no_return, numbers, examples=[(6,), (5.5,)]),
    scalar(cs.aug_assign, ints_med, ints_med),
    scalar(cs.float_aug, numbers, numbers),
    scalar(cs.promote_local, st.integers(-2, 1000), examples=[(0,), (-1,), (3,)]),
    # tuples
    scalar(cs.tuples, numbers, numbers),
    scalar(cs.sort3, tuples=same_type(3, floats=floats_cmp),
           examples=[(3, 2, 1), (1.0, NAN, 0.0), (2, 2, 1)]),
    scalar(cs.fib_iter, st.integers(0, 90)),
    # math module
    scalar(cs.math_basic, st.floats(1e-10, 1e6), **MATH),
    scalar(cs.math_int_results, st.one_of(st.floats(-1e15, 1e15), ints_med),
           examples=[(-0.5,), (-0.0,), (2.5,), (-3,), (NAN,), (INF,), (-INF,)]),
    scalar(cs.math_two, st.floats(-1e3, 1e3), st.floats(-50.0, 50.0), **MATH,
           examples=[(0.0, 0.0), (-0.0, 0.0), (-1.0, -0.0)]),
    scalar(cs.math_consts, floats_all, **MATH),
    scalar(cs.sqrt_any, floats_all, examples=[(-1.0,), (-0.0,), (NAN,), (INF,), (-INF,), (2.0,)]),
    # builtins
    scalar(cs.builtins_int, ints_med, ints_med),
    scalar(cs.builtins_float, floats_cmp, floats_cmp,
           examples=[(0.0, -0.0), (-0.0, 0.0), (NAN, 1.0), (1.0, NAN)]),
    scalar(cs.conversions, st.one_of(st.floats(-1e18, 1e18), st.sampled_from([NAN, INF, -INF])),
           examples=[(-2.7,), (2.7,), (-0.0,), (NAN,), (INF,), (-INF,), (0.0,)]),
    scalar(cs.int_conversions, st.integers(INT64_MIN, INT64_MAX - 1),
           examples=[(0,), (2**53 + 1,), (INT64_MIN,)]),
    scalar(cs.rounding,
           st.one_of(st.floats(-1e15, 1e15), st.integers(-2000, 2000).map(lambda k: k / 2),
                     st.sampled_from([NAN, INF, -INF])),
           examples=[(0.5,), (1.5,), (2.5,), (-0.5,), (-1.5,), (2.4999999999999996,), (NAN,),
                     (INF,), (-INF,)]),
    scalar(cs.round_digits, st.floats(-1e6, 1e6), st.integers(-4, 6),
           examples=[(2.675, 2), (1.005, 2), (0.125, 2), (-0.5, 0), (1.5, 0), (1250.0, -2),
                     (1350.0, -2), (-49.9, -2), (123456.0, -4)]),
    scalar(cs.round_int_digits, st.integers(-(10**6), 10**6), st.integers(-7, 3),
           examples=[(17, -1), (15, -1), (25, -1), (-25, -1), (123, 1), (150, -2), (5, -1)]),
    scalar(cs.builtin_pow,
           tuples=st.one_of(st.tuples(st.integers(-20, 20), st.integers(0, 12)),
                            st.tuples(st.floats(1e-3, 100.0), st.floats(-5.0, 5.0)))),
    # complex
    scalar(cs.complex_arith, *[st.one_of(ints_small, st.floats(-1e3, 1e3))] * 4, rel=1e-12),
    scalar(cs.complex_div, *[st.one_of(ints_tiny, st.floats(-1e3, 1e3))] * 4, rel=1e-12,
           examples=[(1, 2, 0, 0), (1.0, 2.0, 0.0, -0.0), (1, 1, 3, 4)]),
    scalar(cs.complex_parts, st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), rel=1e-12,
           examples=[(0.0, 0.0), (1.0, 0.0)]),
    # errors and overflow
    scalar(cs.raise_msg, st.integers(-100, 2000), check_message=True,
           examples=[(-1,), (0,), (1000,), (1001,)]),
    scalar(cs.overflow_mac, st.integers(0, 200), st.integers(-(2**40), 2**40), wrap=True,
           examples=[(100, 3), (64, 2), (200, -(2**40))]),
    # calls between generic functions, recursion, mutual recursion
    calls("norm2", numbers, numbers),
    calls("clamp_both", ints_small, floats_mod),
    calls("fact_rec", st.integers(-2, 20)),
    calls("fib_rec", st.one_of(st.integers(0, 20), st.integers(0, 15).map(float))),
    calls("is_even", st.one_of(st.integers(0, 300), st.integers(0, 100).map(float))),
    calls("is_odd", st.one_of(st.integers(0, 300), st.integers(0, 100).map(float))),
    calls("ackermann_small", st.integers(0, 2), st.integers(0, 6)),
    calls("escape", st.one_of(st.floats(-2.0, 1.0), st.integers(-2, 1)), st.floats(-1.5, 1.5),
          st.integers(0, 200)),
    calls("mandel_sum", st.floats(-2.0, -0.5), st.floats(0.0, 1.0), st.floats(-1.5, 0.0),
          st.floats(0.0, 1.5), st.integers(0, 8), st.integers(1, 8), st.integers(0, 50)),
    calls("sum_checked_sqrt", numbers, numbers, check_message=True),
    calls("divmod_sum", tuples=same_type(2, ints=ints_small),
          examples=[(7, 0), (-7, 2), (7.5, -2.0)]),
    calls("gcd_rec", ints_med, ints_med),
    calls("horner3", tuples=same_type(5, ints=ints_small, floats=st.floats(-1e3, 1e3))),
    calls("poly_roots_count", st.floats(-3.0, 0.0), st.floats(0.1, 3.0), st.integers(1, 200)),
]


# Cases whose compilation has been seen to abort the whole interpreter (an LLVM assertion while
# linking the code: a select between two float constants).  They run in a child process, so a
# crash fails one test instead of ending the test run.
ISOLATED_CASES = [
    scalar(cs.select_const, numbers_cmp, examples=[(1,), (0,), (NAN,), (0.5,)]),
    scalar(cs.if_float_consts, numbers_cmp, examples=[(1,), (0,), (-1,), (NAN,)]),
    scalar(cs.bool_plus_const, st.booleans()),
    scalar(cs.bool_float_mix, st.booleans(), floats_cmp,
           examples=[(True, 0.5), (False, -0.0), (True, NAN), (False, INF)]),
]


def _run_case(case):
    def body(args):
        check(case, case.py, case.jit, args)

    body.__name__ = body.__qualname__ = f"differential_{case.name}"  # own hypothesis DB key
    for ex in case.examples:
        body = example(ex)(body)
    test = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])(
        given(case.args)(body))
    test()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_differential(case):
    _run_case(case)


@pytest.mark.parametrize("case", ISOLATED_CASES, ids=[c.name for c in ISOLATED_CASES])
def test_differential_isolated(case):
    child = (f"import sys; sys.path.insert(0, {HERE!r}); import test_differential as t; "
             f"t._run_case(next(c for c in t.ISOLATED_CASES if c.name == {case.name!r}))")
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=300, cwd=HERE)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        how = "crashed" if proc.returncode < 0 else "failed"
        pytest.fail(f"{case.name}: child process {how} (exit {proc.returncode}):\n{tail}",
                    pytrace=False)


# ------------------------------------------------------------------------------ targeted tests

def test_int_overflow_wraps_like_int64():
    f = compiled(cs.overflow_mac)
    for n, a in [(100, 3), (64, 2), (70, -5), (40, 2**40)]:
        expected = cs.overflow_mac(n, a)
        assert not INT64_MIN <= expected <= INT64_MAX     # CPython really went past int64
        assert f(n, a) == wrap64(expected)
        assert type(f(n, a)) is int


def test_int_to_negative_int_power_raises_value_error():
    f = compiled(cs.int_neg_pow)
    assert f(2, 3) == 8
    for a, n in [(2, -1), (-3, -2), (1, -1)]:
        with pytest.raises(ValueError):
            f(a, n)


def test_negative_shift_count_raises_value_error():
    f = compiled(cs.shifts)
    with pytest.raises(ValueError):
        f(5, -1)


def _records(f):
    specs = f.specializations
    return list(specs.values()) if isinstance(specs, dict) else list(specs)


def test_specializations_are_recorded_per_signature():
    f = compiled(cs.spec_probe)              # called nowhere else
    assert f(1, 2) == cs.spec_probe(1, 2)
    assert f(1.5, 2) == cs.spec_probe(1.5, 2)
    records = _records(f)
    assert len(records) == 2
    by_sig = {tuple(str(t) for t in r.signature): r for r in records}
    assert set(by_sig) == {("Int64", "Int64"), ("Float64", "Int64")}
    assert all(r.calls == 1 for r in records)
    assert f(3, 4) == cs.spec_probe(3, 4)      # same signature: no new specialization
    records = _records(f)
    assert len(records) == 2
    by_sig = {tuple(str(t) for t in r.signature): r for r in records}
    assert by_sig[("Int64", "Int64")].calls == 2
    assert by_sig[("Float64", "Int64")].calls == 1


def test_generic_does_not_modify_the_function():
    f = compiled(cs.sum_squares)
    assert f is not cs.sum_squares
    assert f(10) == cs.sum_squares(10)
    assert type(cs.sum_squares).__name__ == "function"
