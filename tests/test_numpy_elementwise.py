"""Array expressions in compiled code (issue 13): operators and ufuncs on arrays, broadcasting,
NumPy 2's result types (NEP 50), in-place updates, ``out=``, ``np.where``/``np.clip``, fusion
into one loop, and users' methods reached from ``np.<f>``. Checked against NumPy itself."""

import linecache
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dispatchjit
from dispatchjit import TypingError, code_typed, generic, struct, typeof
from numpy_support import outcome

# --- the functions under test: one generic function per operation ----------------------------
BINARY = {
    "+": "a + b", "-": "a - b", "*": "a * b", "/": "a / b", "//": "a // b", "%": "a % b", "**": "a ** b",
    "&": "a & b", "|": "a | b", "^": "a ^ b", "<": "a < b", "<=": "a <= b", ">": "a > b", ">=": "a >= b",
    "==": "a == b", "!=": "a != b", "maximum": "np.maximum(a, b)", "minimum": "np.minimum(a, b)",
    "fmax": "np.fmax(a, b)", "fmin": "np.fmin(a, b)", "arctan2": "np.arctan2(a, b)", "hypot": "np.hypot(a, b)",
}
UNARY = ["-a", "abs(a)", "np.abs(a)", "~a", "np.sqrt(a)", "np.exp(a)", "np.log(a)", "np.log1p(a)", "np.sin(a)",
         "np.cos(a)", "np.tanh(a)", "np.arctan(a)", "np.floor(a)", "np.ceil(a)", "np.trunc(a)", "np.rint(a)",
         "np.sign(a)", "np.isnan(a)", "np.isinf(a)", "np.isfinite(a)", "np.square(a)", "np.reciprocal(a)",
         "np.fabs(a)", "np.expm1(a)", "np.exp2(a)", "np.log2(a)", "np.log10(a)", "np.negative(a)"]


def _compile(expression: str, params: str):
    """``expression`` as a Python function and as a generic function (each its own name: a
    second ``def f`` in one module would be a new method of the first)."""
    name = f"f{len(linecache.cache)}_{abs(hash(expression))}"
    namespace = {"np": np, "__name__": __name__}
    source = f"def {name}({params}):\n    return {expression}\n"
    path = f"<elementwise {expression}>"
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    exec(compile(source, path, "exec"), namespace)
    g = generic(namespace[name])
    g.max_specializations = 10_000
    return namespace[name], g


BINARY_FUNCTIONS = {op: _compile(src, "a, b") for op, src in BINARY.items()}
UNARY_FUNCTIONS = {src: _compile(src, "a") for src in UNARY}

DTYPES = [np.bool_, np.int8, np.int64, np.uint8, np.float32, np.float64, np.complex128]


def _agree(want, got):
    if isinstance(want, Exception) or isinstance(got, Exception):
        assert isinstance(got, type(want)) or isinstance(want, type(got)), (want, got)
        return
    if np.ndim(want) == 0:   # NumPy's 0-d result is a NumPy scalar; compiled code's, a Python number
        assert not isinstance(got, np.ndarray), (want, got)
        got = np.asarray(got).astype(np.asarray(want).dtype)
    want, got = np.asarray(want), np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (want, got)
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=1e-6 if want.dtype.itemsize <= 8 else 1e-12, equal_nan=True)
    else:
        assert np.array_equal(got, want), (want, got)


def _layout(a, how: int):
    if how == 1 and a.ndim >= 2:
        return np.asfortranarray(a)
    if how == 2 and a.ndim >= 1:
        return a[::-1]
    return a


def _elements(dt):
    """Small integers (no overflow to argue about); complex numbers far from overflow, where
    NumPy's SIMD loops and the textbook formulas round differently."""
    kind = np.dtype(dt).kind
    bounds = ({"min_value": 0 if kind == "u" else -50, "max_value": 50} if kind in "iu" else
              {"max_magnitude": 1e100} if kind == "c" else {})
    return hnp.from_dtype(np.dtype(dt), allow_subnormal=False, **bounds)


values = st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), elements=_elements(dt)))


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(op=st.sampled_from(sorted(BINARY)), a=values, data=st.data(), how=st.integers(0, 2))
def test_binary_operations_match_numpy(op, a, data, how):
    """Values, result dtype and shape as NumPy gives them (or the same exception class), for
    every dtype pair, broadcast shapes, C/F/reversed layouts, empty and 0-d arrays, and
    Python scalars on either side (weak, NEP 50)."""
    shape = data.draw(hnp.broadcastable_shapes(a.shape, min_dims=0, max_dims=3, min_side=0, max_side=4))
    dtype = data.draw(st.sampled_from(DTYPES))
    b = data.draw(st.one_of(hnp.arrays(dtype, shape, elements=_elements(dtype)), st.integers(-5, 5), st.floats(-5, 5)))
    a = _layout(a, how)
    py, compiled = BINARY_FUNCTIONS[op]
    if data.draw(st.booleans()):
        a, b = b, a
    if op == "**" and isinstance(b, int) and b in (-1, 0, 1, 2) and np.asarray(a).dtype == np.bool_:
        return   # NumPy's ** takes np.square for `bool_array ** 2` (int8), np.power would give int64
    _agree(outcome(py, a, b), outcome(compiled, a, b))


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(src=st.sampled_from(UNARY), a=values, how=st.integers(0, 2))
def test_unary_ufuncs_match_numpy(src, a, how):
    py, compiled = UNARY_FUNCTIONS[src]
    a = _layout(a, how)
    if src == "np.reciprocal(a)" and a.dtype.kind in "iu" and (a == 0).any():
        return   # NumPy's 1/0 is the machine's conversion of inf (INT_MIN on x86); compiled code's is 0
    want, got = outcome(py, a), outcome(compiled, a)
    if isinstance(want, TypeError) and "not supported for the input types" in str(want):
        return   # NumPy has no loop (~ of floats): compiled code refuses too, tested below
    _agree(want, got)


# --- NumPy 2's rules, one by one -------------------------------------------------------------
@generic
def scaled(a):
    return a * 2.0 + 1


@generic
def shifted(a, n):
    return a + n


def test_python_scalars_are_weak_as_in_numpy_2():
    f32, i8 = np.arange(4, dtype=np.float32), np.arange(4, dtype=np.int8)
    assert scaled(f32).dtype == np.float32 and scaled(i8).dtype == np.float64
    assert shifted(i8, 3).dtype == np.int8
    assert np.array_equal(shifted(i8, 3), i8 + 3)
    with pytest.raises(OverflowError, match="Python integer 300 out of bounds for int8"):
        shifted(i8, 300)
    assert shifted(i8, 1.5).dtype == np.float64
    assert shifted(f32, np.float64(1.0)).dtype == np.float32   # documented: a float64 scalar is a Python float


@generic
def divisions(a, b):
    return a / b, a // b, a % b


def test_division_by_zero_gives_numpy_values_without_raising():
    ints = np.array([-3, 0, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for want, got in zip(divisions(ints, np.zeros(3, np.int64)), (ints / 0, ints // 0, ints % 0)):
            _agree(want, got)
        floats = np.array([-1.5, 0.0, 2.0])
        for want, got in zip(divisions(floats, 0.0), (floats / 0.0, floats // 0.0, floats % 0.0)):
            _agree(want, got)


@generic
def negated(m):
    return -m


@generic
def inverted(m):
    return ~m


def test_bool_arrays_follow_numpy():
    m = np.array([True, False, True])
    assert np.array_equal(inverted(m), ~m) and inverted(m).dtype == np.bool_
    with pytest.raises(TypeError, match="boolean negative"):
        negated(m)
    with pytest.raises(TypeError, match="not supported for the input types"):
        inverted(np.ones(2))


@generic
def mismatched(a, b):
    c = a + b
    return c


def test_shapes_that_do_not_broadcast_name_the_shapes_and_the_users_line():
    with pytest.raises(ValueError, match=r"operands could not be broadcast together with shapes \(2,3\) \(2,\)") as info:
        mismatched(np.zeros((2, 3)), np.zeros(2))
    frame = info.traceback[-1]
    assert frame.path.name == "test_numpy_elementwise.py" and "c = a + b" in str(frame.statement)


@generic
def library_error(a):
    return np.min(a)


def test_errors_raised_in_the_library_point_at_the_users_call():
    with pytest.raises(ValueError, match="zero-size array") as info:
        library_error(np.zeros(0))
    assert "return np.min(a)" in str(info.traceback[-1].statement)


# --- in place, into views, out= --------------------------------------------------------------
@generic
def add_into(a, b):
    a += b
    return a


@generic
def add_float(a):
    a += 1.5


def test_augmented_assignment_updates_the_callers_array():
    a, b = np.arange(4.0), np.ones(4)
    alias = a
    assert add_into(a, b) is not None
    assert np.array_equal(alias, [1, 2, 3, 4])
    with pytest.raises(TypeError, match="Cannot cast ufunc output from dtype\\('float64'\\) to dtype\\('int64'\\)"):
        add_float(np.arange(3))


@generic
def interior(out, x):
    out[1:-1] = x[2:] - 2 * x[1:-1] + x[:-2]


@generic
def shift_right(a):
    a[1:] = a[:-1] + 1


@generic
def bump_tail(a):
    a[1:] += 10


def test_assignment_into_views_and_overlap():
    x = np.arange(6.0) ** 2
    out = np.zeros(6)
    interior(out, x)
    assert np.array_equal(out[1:-1], x[2:] - 2 * x[1:-1] + x[:-2]) and out[0] == out[-1] == 0
    a = np.arange(5.0)
    shift_right(a)   # NumPy reads the old values: the overlapping input is copied first
    assert np.array_equal(a, [0, 1, 2, 3, 4])
    b = np.arange(4.0)
    bump_tail(b)
    assert np.array_equal(b, [0, 11, 12, 13])
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(3,\) into shape \(4,\)"):
        interior(np.zeros(6), np.zeros(5))


@generic
def add_out(a, out):
    np.add(a, 1, out=out)
    return out


def test_out_keyword_writes_the_result_into_an_array():
    out = np.zeros(3)
    assert add_out(np.arange(3.0), out) is not None and np.array_equal(out, [1, 2, 3])


@generic
def choose(c, a, b):
    return np.where(c, a, b), np.clip(a, 0.5, 2)


def test_where_and_clip():
    c, a = np.array([True, False, True]), np.array([0.0, 1.0, np.nan], np.float32)
    w, k = choose(c, a, 7)
    _agree(np.where(c, a, 7), w)
    _agree(np.clip(a, 0.5, 2), k)


# --- fusion ------------------------------------------------------------------------------------
@generic
def fused(a, x, y, z, w):
    return a * x + y * z + np.sin(w)


def test_an_expression_allocates_exactly_its_result():
    n = 200_000
    args = [np.random.default_rng(k).random(n) for k in range(5)]
    fused(*args)   # compiled
    tracemalloc.start()
    try:
        result = fused(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.allclose(result, args[0] * args[1] + args[2] * args[3] + np.sin(args[4]))
    assert result.nbytes <= peak < result.nbytes * 1.2   # NumPy's way would hold four temporaries


def test_a_fused_expression_is_one_materialize_visible_in_code_typed():
    x = np.ones(3)
    text = code_typed(fused, *[typeof(x)] * 5)
    assert text.count("materialize") == 1


@generic
def snapshot(a):
    b = a + 1
    a[0] = 100.0
    return b


def test_a_computed_expression_does_not_see_later_writes():
    assert snapshot(np.zeros(3))[0] == 1.0


# --- users' types --------------------------------------------------------------------------------
@struct
class Pair:
    v: float
    d: float


@dispatchjit.numpy.sqrt.method
def _sqrt_pair(p: Pair):
    s = np.sqrt(p.v)
    return Pair(s, p.d / (2 * s))


@dispatchjit.ops.add.method
def _add_pair(p: Pair, q: Pair):
    return Pair(p.v + q.v, p.d + q.d)


@generic
def root(x):
    return np.sqrt(x)


@generic
def doubled(ps):
    return ps + ps


def test_np_functions_reach_users_methods():
    assert root(Pair(4.0, 1.0)) == Pair(2.0, 0.25)
    ps = np.zeros(3, typeof(Pair(0.0, 0.0)).dtype)
    ps["v"], ps["d"] = [1, 2, 3], 1
    out = doubled(ps)
    assert out.dtype == ps.dtype and np.array_equal(out["v"], [2, 4, 6]) and np.array_equal(out["d"], [2, 2, 2])


@generic
def axpy(a, x, y):
    return a * x + y


@generic
def through_broadcast(x, y):
    return dispatchjit.broadcast(axpy, 2.0, x, y)


def test_broadcast_and_map_apply_any_generic_function():
    x, y = np.linspace(0, 1, 12).reshape(3, 4), np.arange(4.0)
    assert np.array_equal(dispatchjit.broadcast(axpy, 2.0, x, y), 2.0 * x + y)
    assert np.array_equal(through_broadcast(x, y), 2.0 * x + y)
    assert dispatchjit.broadcast(axpy, 2.0, 1.0, 1.0) == 3.0
    out = np.zeros((3, 4))
    dispatchjit.map(axpy, 2.0, x, y, out=out)
    assert np.array_equal(out, 2.0 * x + y)


# --- conversions and what is not compiled yet ----------------------------------------------------
@generic
def conversions(a):
    return a.astype(np.float32), np.int32(a), (a * 2).astype(np.uint8)


def test_astype_and_dtype_calls_convert_arrays_as_numpy_assigns():
    a = np.array([[1.7, -2.2], [3.0, 250.9]])
    for got, want in zip(conversions(a), (a.astype(np.float32), a.astype(np.int32), (a * 2).astype(np.uint8))):
        _agree(want, got)
    f_order = np.asfortranarray(a)
    assert np.array_equal(conversions(f_order)[0], a.astype(np.float32))


@generic
def not_yet(a):
    return np.histogram(a)


def test_an_unsupported_numpy_function_is_a_typing_error_naming_it():
    with pytest.raises(TypingError, match=r"`np.histogram` is not supported in compiled code yet") as info:
        not_yet(np.ones(3))
    assert "test_numpy_elementwise.py" in str(info.value) and "dispatchjit.numpy" in str(info.value)
