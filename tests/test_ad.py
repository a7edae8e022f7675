"""Forward-mode AD (``dispatchjit.ad``): each method of ``Dual`` against the analytic
derivative, the drivers against hand-derived gradients, Hessians and Jacobians and against
central differences, nested derivatives and perturbation confusion, the error cases, and JAX
where it is installed."""

import math
import pickle
import traceback
from typing import Generic, TypeVar

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dispatchjit import Float64, Int64, Real, Val, generic, ops, struct, typeof
from dispatchjit import math as dmath
from dispatchjit.ad import DEFAULT_CHUNK, Dual, derivative, gradient, hessian, jacobian, partials, value

HERE = __file__
SETTINGS = dict(max_examples=25, deadline=None, database=None, derandomize=True)
moderate = st.floats(-3.0, 3.0, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
positive = st.floats(0.05, 4.0)
unit = st.floats(-0.95, 0.95)


def close(a, b, rel=1e-12, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# --- the Dual struct from Python -----------------------------------------------------------------
def test_a_dual_is_an_ordinary_struct_below_real():
    d = Dual(1.5, 1.0)
    assert typeof(d) == Dual[0, Float64, 1]
    assert repr(d) == "Dual[0, Float64, 1](value=1.5, partials=(1.0,))"
    assert d * 2 == Dual(3.0, 2.0) and partials(d * 2) == (2.0,)
    assert typeof(Dual(1, 2)) == Dual[0, Int64, 1]
    assert typeof(Dual(1, 2.5)) == Dual[0, Float64, 1]      # promoted to one type
    assert typeof(Dual(2.0)) == Dual[0, Float64, 0]
    assert pickle.loads(pickle.dumps(d)) == d and hash(d) == hash(1.5)
    assert d == 1.5 and d != 2.0 and d < 2 and 1 < d        # comparisons see the value


# --- each method against its analytic derivative --------------------------------------------
@generic
def square(x):
    return x ** 2


@generic
def cube(x):
    return x ** 3


@generic
def inverse(x):
    return 1 / x


@generic
def float_power(x):
    return x ** 2.5


@generic
def exponential(x):
    return 2.0 ** x


@generic
def self_power(x):
    return x ** x


UNARY = {   # name: (the function: dispatchjit.math's generic functions themselves, or a def; its derivative; domain)
    "sqrt": (dmath.sqrt, lambda x: 0.5 / math.sqrt(x), positive),
    "exp": (dmath.exp, math.exp, moderate),
    "expm1": (dmath.expm1, math.exp, moderate),
    "log": (dmath.log, lambda x: 1 / x, positive),
    "log2": (dmath.log2, lambda x: 1 / (x * math.log(2)), positive),
    "log10": (dmath.log10, lambda x: 1 / (x * math.log(10)), positive),
    "log1p": (dmath.log1p, lambda x: 1 / (1 + x), positive),
    "sin": (dmath.sin, math.cos, moderate),
    "cos": (dmath.cos, lambda x: -math.sin(x), moderate),
    "tan": (dmath.tan, lambda x: 1 / math.cos(x) ** 2, unit),
    "asin": (dmath.asin, lambda x: 1 / math.sqrt(1 - x * x), unit),
    "acos": (dmath.acos, lambda x: -1 / math.sqrt(1 - x * x), unit),
    "atan": (dmath.atan, lambda x: 1 / (1 + x * x), moderate),
    "sinh": (dmath.sinh, math.cosh, moderate),
    "cosh": (dmath.cosh, math.sinh, moderate),
    "tanh": (dmath.tanh, lambda x: 1 / math.cosh(x) ** 2, moderate),
    "asinh": (dmath.asinh, lambda x: 1 / math.sqrt(x * x + 1), moderate),
    "acosh": (dmath.acosh, lambda x: 1 / math.sqrt(x * x - 1), st.floats(1.1, 5.0)),
    "atanh": (dmath.atanh, lambda x: 1 / (1 - x * x), unit),
    "erf": (dmath.erf, lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x), moderate),
    "erfc": (dmath.erfc, lambda x: -2 / math.sqrt(math.pi) * math.exp(-x * x), moderate),
    "lgamma": (dmath.lgamma, None, positive),
    "gamma": (dmath.gamma, None, positive),
    "cbrt": (dmath.cbrt, lambda x: 1 / (3 * abs(x) ** (2 / 3)), moderate),
    "fabs": (dmath.fabs, lambda x: math.copysign(1.0, x), moderate),
    "abs": (ops.abs, lambda x: math.copysign(1.0, x), moderate),
    "square": (square, lambda x: 2 * x, moderate),
    "cube": (cube, lambda x: 3 * x * x, moderate),
    "inverse": (inverse, lambda x: -1 / (x * x), moderate),
    "float_power": (float_power, lambda x: 2.5 * x ** 1.5, positive),
    "exponential": (exponential, lambda x: 2.0 ** x * math.log(2.0), moderate),
    "self_power": (self_power, lambda x: x ** x * (math.log(x) + 1), positive),
}


def _digamma_reference(x):
    """ψ(x) by central differences of lgamma, Richardson-extrapolated (independent of the
    library's series)."""
    def central(h):
        return (math.lgamma(x + h) - math.lgamma(x - h)) / (2 * h)
    h = 1e-3 * min(1.0, x)
    return (4 * central(h / 2) - central(h)) / 3


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_function_of_a_dual_has_its_analytic_derivative(name):
    f, slope, domain = UNARY[name]
    if name == "lgamma":
        slope, rel = _digamma_reference, 1e-8
    elif name == "gamma":
        slope, rel = (lambda x: math.gamma(x) * _digamma_reference(x)), 1e-8
    else:
        rel = 1e-12

    @settings(**SETTINGS)
    @given(domain)
    def check(x):
        assert close(derivative(f, x), slope(x), rel=rel, abs_=1e-12), (name, x)
    check()


@generic
def sum_rules(x, y):
    return (x + y, x - y, x * y, x / y, y - x, y / x, 3.0 * x - y * 2, x % y, x // y)


@settings(**SETTINGS)
@given(moderate, moderate)
def test_binary_operators_follow_the_sum_product_and_quotient_rules(x, y):
    dx, dy = Dual(x, 1.0, 0.0), Dual(y, 0.0, 1.0)
    got = sum_rules(dx, dy)
    expect = [(1, 1), (1, -1), (y, x), (1 / y, -x / y ** 2), (-1, 1), (-y / x ** 2, 1 / x), (3, -2),
              (1, -math.floor(x / y)), (0, 0)]
    values = sum_rules(x, y)
    for d, v, (ex, ey) in zip(got, values, expect):
        assert close(value(d), v) and close(d.partials[0], ex, 1e-9) and close(d.partials[1], ey, 1e-9)


@generic
def powers_and_extrema(x, y):
    return (x ** y, math.atan2(x, y), math.hypot(x, y), min(x, y), max(x, y), max(x, 0.5), min(2.0, y))


@settings(**SETTINGS)
@given(positive, positive)
def test_powers_two_argument_functions_and_extrema(x, y):
    dx, dy = Dual(x, 1.0, 0.0), Dual(y, 0.0, 1.0)
    got = powers_and_extrema(dx, dy)
    r2, h = x * x + y * y, math.hypot(x, y)
    expect = [(y * x ** (y - 1), x ** y * math.log(x)), (y / r2, -x / r2), (x / h, y / h),
              (1, 0) if x <= y else (0, 1), (0, 1) if y > x else (1, 0), (1, 0) if x >= 0.5 else (0, 0),
              (0, 1) if y < 2.0 else (0, 0)]
    for d, (ex, ey) in zip(got, expect):
        assert close(d.partials[0], ex, 1e-12) and close(d.partials[1], ey, 1e-12)


@generic
def power_at_zero(x):
    return (x ** 0, x ** 1, x ** 2, x ** 3.0)


def test_powers_at_zero_take_their_limits():
    got = power_at_zero(Dual(0.0, 1.0))
    assert [d.partials[0] for d in got] == [0.0, 1.0, 0.0, 0.0]


# --- the drivers -------------------------------------------------------------------------------
@generic
def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_gradient(x):
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i, i + 1] = h[i + 1, i] = -400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


@generic
def f(t):
    return math.sin(t) * math.exp(-t / 3) + t ** 3


def test_derivative_of_the_issue_example():
    x = 1.5
    slope = math.cos(x) * math.exp(-x / 3) - math.sin(x) * math.exp(-x / 3) / 3 + 3 * x * x
    assert close(derivative(f, 1.5), slope, 1e-15) and type(derivative(f, 1.5)) is float
    assert derivative(f, 2) == derivative(f, 2.0)      # an integer point


arrays = st.lists(st.floats(-2.0, 2.0), min_size=0, max_size=30).map(np.array)


@settings(**SETTINGS)
@given(arrays)
def test_gradient_is_the_hand_derived_one_for_any_chunk(x):
    x = x.astype(np.float64)
    expect = rosenbrock_gradient(x)
    for chunk in (None, 1, 3, 40):
        g = gradient(rosenbrock, x) if chunk is None else gradient(rosenbrock, x, Val(chunk))
        assert g.dtype == np.float64 and g.shape == x.shape
        np.testing.assert_allclose(g, expect, rtol=1e-13, atol=1e-12)


@generic
def rosenbrock_once(x):
    return rosenbrock(x)


def test_gradient_compiles_once_per_function_type_and_chunk():
    x = np.linspace(-1, 1, 25)
    gradient(rosenbrock_once, x)
    gradient(rosenbrock_once, x + 1)
    gradient(rosenbrock_once, x, Val(5))
    gradient(rosenbrock_once, x, Val(5))
    signatures = [s.signature for s in gradient.specializations if s.signature[0] == typeof(rosenbrock_once)]
    assert signatures == [(typeof(rosenbrock_once), typeof(x)), (typeof(rosenbrock_once), typeof(x), Val[5])]


@settings(**SETTINGS)
@given(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=14).map(np.array))
def test_hessian_is_the_hand_derived_one(x):
    for chunk in (None, 4):
        h = hessian(rosenbrock, x) if chunk is None else hessian(rosenbrock, x, Val(chunk))
        np.testing.assert_allclose(h, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)


@generic
def residuals(x):
    r = np.empty_like(x)
    for i in range(len(x)):
        r[i] = x[i] ** 2 - math.cos(x[(i + 1) % len(x)])
    return r


@generic
def residuals_into(r, x):
    for i in range(len(x)):
        r[i] = x[i] ** 2 - math.cos(x[(i + 1) % len(x)])


@generic
def widen(x):
    out = np.zeros(2 * len(x), typeof(x[0]))     # a different length: a 2n x n Jacobian
    for i in range(len(x)):
        out[2 * i] = x[i] * x[i]
        out[2 * i + 1] = math.exp(x[i])
    return out


@generic
def cumulative(x):
    out = np.zeros_like(x)             # zeros of the duals' type, where x holds duals
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
        out[i] = s
    return out


def test_arrays_of_duals_are_made_inside_user_code():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(jacobian(cumulative, x), np.tril(np.ones((3, 3))) * 2 * x, rtol=1e-15)


def residuals_jacobian(x):
    n = len(x)
    j = np.zeros((n, n))
    for i in range(n):
        j[i, i] += 2 * x[i]
        j[i, (i + 1) % n] += math.sin(x[(i + 1) % n])
    return j


def central_differences(fn, x, h=1e-6):
    cols = [(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(len(x))]
    return np.array(cols).T


@settings(**SETTINGS)
@given(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=20).map(np.array))
def test_jacobian_allocating_and_writing_forms(x):
    expect = residuals_jacobian(x)
    np.testing.assert_allclose(jacobian(residuals, x), expect, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(jacobian(residuals, x, Val(3)), expect, rtol=1e-13, atol=1e-13)
    y = np.zeros_like(x)
    np.testing.assert_allclose(jacobian(residuals_into, y, x), expect, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(y, residuals(x), rtol=1e-15)       # y holds the values
    np.testing.assert_allclose(jacobian(residuals, x), central_differences(residuals, x), rtol=1e-5, atol=1e-6)
    j = jacobian(widen, x)
    assert j.shape == (2 * len(x), len(x))
    np.testing.assert_allclose(j, central_differences(widen, x), rtol=1e-5, atol=1e-6)


# --- nesting and perturbation confusion --------------------------------------------------------
@generic
def slope_of_f(t):
    return derivative(f, t)


def test_second_derivatives_nest():
    x = 0.7
    # f'' = -sin e^{-x/3} * (1 + 1/9) ... checked against central differences of the exact f'
    fp = lambda t: math.cos(t) * math.exp(-t / 3) - math.sin(t) * math.exp(-t / 3) / 3 + 3 * t * t  # noqa: E731
    h = 1e-5
    assert close(derivative(slope_of_f, x), (fp(x + h) - fp(x - h)) / (2 * h), 1e-8)


T = TypeVar("T", bound=Real)


@struct
class AddX(Generic[T]):
    """y -> x + y, carrying x (a closure written as a callable struct)."""
    x: T

    def __call__(self, y):
        return self.x + y


@generic
def confusing(x):
    return x * derivative(AddX(x), 1.0)


def test_perturbation_confusion_is_avoided():
    # Julia's classic: d/dx [x * d/dy (x + y)] at 1 is 1 (a confused tag would give 2).
    assert derivative(confusing, 1.0) == 1.0


@generic
def scaled_norm(x):
    return x[0] * gradient(rosenbrock, x)[0]


def test_gradient_inside_a_differentiated_function():
    x = np.array([0.3, -0.4, 1.1])
    g = gradient(scaled_norm, x)
    # d/dx_j [x0 * g0(x)] = delta_0j g0 + x0 * H[0, j]
    expect = x[0] * rosenbrock_hessian(x)[0]
    expect[0] += rosenbrock_gradient(x)[0]
    np.testing.assert_allclose(g, expect, rtol=1e-12)


# --- branches and errors ---------------------------------------------------------------------
@generic
def branchy(x):
    if x > 0:
        return x * x
    return -x


def test_branches_take_the_value_branch():
    assert derivative(branchy, 2.0) == 4.0 and derivative(branchy, -2.0) == -1.0


@generic
def drops_derivative(x):
    return float(x) * 2.0          # the line the error names


def test_converting_a_dual_to_float_is_an_error_at_the_line():
    line = next(i for i, text in enumerate(open(HERE), 1) if "the line the error names" in text)
    with pytest.raises(TypeError, match="cannot convert a Dual to a float") as err:
        derivative(drops_derivative, 1.0)
    frame = traceback.extract_tb(err.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == (HERE, line)


@generic
def constant(x):
    return 4.0


def test_a_function_that_ignores_its_argument_has_zero_derivatives():
    assert derivative(constant, 1.0) == 0.0
    assert list(gradient(constant, np.ones(3))) == [0.0, 0.0, 0.0]


def test_default_chunk_is_forward_diffs_threshold():
    assert DEFAULT_CHUNK == 12


# --- against JAX where it is installed ---------------------------------------------------------
def test_agrees_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def rosen(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x = np.linspace(-1.2, 1.3, 17)
    np.testing.assert_allclose(gradient(rosenbrock, x), np.asarray(jax.grad(rosen)(x)), rtol=1e-13)
    np.testing.assert_allclose(hessian(rosenbrock, x), np.asarray(jax.hessian(rosen)(x)), rtol=1e-12, atol=1e-12)


def test_the_chunk_is_given_by_keyword_too():
    x = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(gradient(rosenbrock, x, chunk=Val(2)), rosenbrock_gradient(x), rtol=1e-13)


def test_duals_of_two_tags_nest_the_higher_outside():
    inner = Dual[1, Float64, 1](2.0, (1.0,))
    outer = Dual[2, Float64, 1](3.0, (1.0,))
    product = inner * outer
    assert typeof(product) == Dual[2, Dual[1, Float64, 1], 1]
    assert product.value == Dual[1, Float64, 1](6.0, (3.0,))          # d/d(inner) of x * y is y
    assert product.partials == (Dual[1, Float64, 1](2.0, (1.0,)),)     # d/d(outer) is x, itself a dual
