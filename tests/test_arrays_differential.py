"""Differential tests for arrays: CPython is the oracle, dispatchjit must agree with it.

``tests/corpus_arrays.py`` is loaded twice, compiled (``@generic``) and plain. Hypothesis draws
arrays of random shapes, dtypes (float64, float32, int64, int32, bool) and memory layouts (C,
F through a transpose or ``order='F'``, sliced with steps, negative steps); each run gets a fresh
copy of the same base array and the same view of it, so the two runs can be compared on their
results *and* on what they wrote into their inputs (also the writes made before an exception).

Values are small integers (or quarters, for floats), so sums are exact in float32 as well as in
float64: CPython accumulates a float32 array in float32 (NEP 50), compiled code in Float64, and
any disagreement beyond rounding is a real one. Results compare as numbers (the boxed types
differ: ``numpy.float32`` against ``float``), arrays by shape, dtype and values. Exceptions must
be of the same class; ``IndexError`` messages must be identical (both name index, axis and size).
"""

import importlib.util
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatchjit import generic

HERE = os.path.dirname(os.path.abspath(__file__))


def load_corpus(name, decorator):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "corpus_arrays.py"))
    module = importlib.util.module_from_spec(spec)
    module.generic = decorator
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ca_py = load_corpus("corpus_arrays_plain", lambda fn: fn)
ca_jit = load_corpus("corpus_arrays_jit", generic)

ALL = ("float64", "float32", "int64", "int32", "bool")
NUMERIC = ("float64", "float32", "int64", "int32")
FLOATS = ("float64", "float32")


# ------------------------------------------------------------------------------ array recipes
@dataclass(frozen=True)
class Recipe:
    """How to build one argument array: a base of given values and order, then a view of it."""

    base: np.ndarray          # never handed to the functions: each run builds from a copy
    order: str                # 'C' or 'F' for the base
    view: tuple               # ("slice1", start, stop, step) | ("slice2", rstep, cstep, transpose)

    def build(self):
        base = np.array(self.base, order=self.order, copy=True)
        kind = self.view[0]
        if kind == "slice1":
            _, start, stop, step = self.view
            return base, base[start:stop:step]
        _, rstep, cstep, transpose = self.view
        v = base[::rstep, ::cstep]
        return base, (v.T if transpose else v)

    def __repr__(self):
        base, v = self.build()
        return (f"<{v.dtype} shape={v.shape} strides={v.strides} view={self.view} order={self.order} "
                f"values={v.tolist()}>")


def values_for(dtype):
    if dtype == "bool":
        return st.booleans()
    if dtype in FLOATS:
        return st.integers(-64, 64).map(lambda k: k / 4)
    return st.integers(-100, 100)


@st.composite
def arrays1d(draw, dtypes=ALL, min_len=0, dtype=None):
    dtype = dtype or draw(st.sampled_from(dtypes))
    n = draw(st.integers(min_len, 24))
    base = np.array(draw(st.lists(values_for(dtype), min_size=n, max_size=n)), dtype=dtype)
    step = draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
    bound = st.one_of(st.none(), st.integers(-30, 30))
    start, stop = draw(bound), draw(bound)
    if draw(st.booleans()):
        start, stop = None, None
    view = ("slice1", start, stop, step)
    if len(base[start:stop:step]) < min_len:
        view = ("slice1", None, None, step)
    return Recipe(base, "C", view)


@st.composite
def arrays2d(draw, dtypes=ALL, dtype=None, min_rows=0, min_cols=0):
    dtype = dtype or draw(st.sampled_from(dtypes))
    r, c = draw(st.integers(0, 7)), draw(st.integers(0, 7))
    vals = draw(st.lists(values_for(dtype), min_size=r * c, max_size=r * c))
    base = np.array(vals, dtype=dtype).reshape(r, c)
    view = ("slice2", draw(st.sampled_from([1, 1, 2, -1])), draw(st.sampled_from([1, 1, 3, -2])),
            draw(st.booleans()))
    recipe = Recipe(base, draw(st.sampled_from("CF")), view)
    _, v = recipe.build()
    if v.shape[0] < min_rows or v.shape[1] < min_cols:
        recipe = Recipe(np.zeros((max(min_rows, 1), max(min_cols, 1)), dtype=dtype), "C",
                        ("slice2", 1, 1, False))
    return recipe


@st.composite
def same_dtype(draw, *makers, dtypes=ALL):
    dtype = draw(st.sampled_from(dtypes))
    return tuple(draw(m(dtype=dtype)) for m in makers)


# ------------------------------------------------------------------------------ comparison
def materialize(args):
    """Fresh arrays for one run: (arguments, the bases they view)."""
    built, bases = [], []
    for a in args:
        if isinstance(a, Recipe):
            base, view = a.build()
            built.append(view)
            bases.append(base)
        else:
            built.append(a)
    return built, bases


def run(fn, args):
    built, bases = materialize(args)
    try:
        result = fn(*built)
        ok = True
    except Exception as exc:  # noqa: BLE001 -- the class is what is compared
        result, ok = exc, False
    # Identity matters for arrays (returned without a copy); small ints are shared objects.
    identity = tuple(ok and isinstance(b, np.ndarray) and result is b for b in built)
    return ok, result, bases, identity


def numbers_close(a, b, rel, abs_tol):
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return type(a) is type(b) or bool(a) == bool(b)
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        return int(a) == int(b)
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def arrays_close(a, b, rel, abs_tol):
    if not isinstance(b, np.ndarray) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return np.allclose(a, b, rtol=rel, atol=abs_tol, equal_nan=True)
    return np.array_equal(a, b)


def same(a, b, rel, abs_tol):
    if isinstance(a, np.ndarray):
        return arrays_close(a, b, rel, abs_tol)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(same(x, y, rel, abs_tol)
                                                                  for x, y in zip(a, b))
    if a is None:
        return b is None
    if isinstance(b, (np.ndarray, tuple)) or b is None:
        return False
    return numbers_close(a, b, rel, abs_tol)


def tolerance(args):
    f32 = any(isinstance(a, Recipe) and a.base.dtype == np.float32 for a in args)
    return (1e-6, 1e-6) if f32 else (1e-12, 0.0)


def check(name, args):
    ok_py, expected, bases_py, id_py = run(getattr(ca_py, name), args)
    ok_jit, got, bases_jit, id_jit = run(getattr(ca_jit, name), args)
    rel, abs_tol = tolerance(args)
    where = (f"{name}{tuple(args)!r}:\n  CPython     {'->' if ok_py else 'raised'} {expected!r}\n"
             f"  dispatchjit {'->' if ok_jit else 'raised'} {got!r}")
    if ok_py:
        assert ok_jit and same(expected, got, rel, abs_tol), where
        assert id_py == id_jit, where + f"\n  returned-the-argument: CPython {id_py}, dispatchjit {id_jit}"
    else:
        assert not ok_jit and type(got) is type(expected), where
        if isinstance(expected, IndexError):
            assert str(got) == str(expected), where + " (messages differ)"
    for bp, bj in zip(bases_py, bases_jit):
        assert arrays_close(bp, bj, rel, abs_tol), where + f"\n  inputs after: CPython {bp!r}, dispatchjit {bj!r}"


# ------------------------------------------------------------------------------ cases
def t(*strategies):
    return st.tuples(*strategies)


a1 = arrays1d
a2 = arrays2d

CASES = {
    "total": t(a1()),
    "total_iter": t(a1()),
    "dot": same_dtype(a1, a1, dtypes=NUMERIC),
    "argmax_loop": t(a1(dtypes=NUMERIC)),
    "count_positive": t(a1()),
    "slice_sums": t(a1(dtypes=NUMERIC)),
    "negative_index": t(a1(), st.integers(-8, 8)),
    "window_sum": t(a1(dtypes=FLOATS), st.integers(-30, 30), st.integers(-30, 30)),
    "prefix_sum": t(a1()),
    "prefix_sum_inplace": t(a1(dtypes=NUMERIC)),
    "reversed_copy": t(a1()),
    "reverse_inplace": t(a1()),
    "stencil1d": t(a1(dtypes=NUMERIC)),
    "write_out": t(a1(), a1(dtypes=("float64",))),
    "write_shifted": t(a1(dtypes=FLOATS), a1(dtypes=("float64",)), st.integers(-12, 12), st.integers(-12, 30)),
    "stepped_loop": t(a1(dtypes=FLOATS), a1(dtypes=("float64",)), st.integers(-14, 14), st.integers(-14, 30),
                      st.sampled_from([1, 2, 3, -1, -2])),
    "fill_slices": t(a1(min_len=1)),
    "copy_then_modify": t(a1()),
    "sum2d": t(a2()),
    "col_sums": t(a2(dtypes=NUMERIC)),
    "row_totals": t(a2()),
    "mark_rows": t(a2()),
    "laplace": t(a2(dtypes=NUMERIC)),
    "transpose_weighted": t(a2(dtypes=NUMERIC)),
    "matvec": same_dtype(a2, a1, dtypes=NUMERIC),
    "column_view_sum": t(a2(dtypes=NUMERIC), st.integers(-8, 8)),
    "submatrix_sum": t(a2(dtypes=NUMERIC)),
    "scale_inplace": t(a2(dtypes=NUMERIC), st.sampled_from([2, -3, 0.5, 2.5, -1.25])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_differential(name):
    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(CASES[name])
    def prop(args):
        check(name, args)

    prop()


# ------------------------------------------------------------------------------ float32 rounding
@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.floats(-1e4, 1e4, width=32), min_size=0, max_size=200), st.sampled_from([1, 2, -1, -3]))
def test_float32_sum_agrees_within_relative_tolerance(vals, step):
    """General float32 values: CPython sums in float32, compiled code in Float64; they agree to
    float32 rounding relative to the sum of magnitudes."""
    x = np.array(vals, dtype=np.float32)[::step]
    expected, got = ca_py.total(x), ca_jit.total(x)
    exact = math.fsum(float(v) for v in x)
    scale = math.fsum(abs(float(v)) for v in x)
    assert abs(got - exact) <= 1e-12 * scale + 1e-9, (got, exact)  # Float64 accumulation
    assert abs(float(expected) - got) <= 2e-7 * len(x) * scale + 1e-6, (expected, got)


# ------------------------------------------------------------------------------ explicit cases
@pytest.mark.parametrize("name, args", [
    ("argmax_loop", (Recipe(np.zeros(0), "C", ("slice1", None, None, 1)),)),
    ("dot", (Recipe(np.arange(5.0), "C", ("slice1", None, None, 1)),
             Recipe(np.arange(6.0), "C", ("slice1", None, None, 2)))),
    ("write_out", (Recipe(np.arange(6.0), "C", ("slice1", None, None, 1)),
                   Recipe(np.zeros(8), "C", ("slice1", None, None, -2)))),
    ("window_sum", (Recipe(np.arange(10.0), "C", ("slice1", None, None, 1)), -12, 5)),
    ("window_sum", (Recipe(np.arange(10.0), "C", ("slice1", None, None, 1)), 1, 12)),
    ("write_shifted", (Recipe(np.arange(10.0), "C", ("slice1", None, None, 1)),
                       Recipe(np.zeros(10), "C", ("slice1", None, None, 1)), 2, 12)),
    ("column_view_sum", (Recipe(np.arange(12.0).reshape(3, 4), "F", ("slice2", 1, 1, False)), 4)),
    ("matvec", (Recipe(np.arange(12.0).reshape(3, 4), "C", ("slice2", 1, 1, False)),
                Recipe(np.arange(3.0), "C", ("slice1", None, None, 1)))),
    ("negative_index", (Recipe(np.arange(3.0), "C", ("slice1", None, None, -1)), 4)),
])
def test_differential_edges(name, args):
    check(name, args)
