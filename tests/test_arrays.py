"""NumPy arrays in compiled code (the arrays issue): types and annotations, dispatch on arrays,
every supported dtype/ndim/stride pattern, operations in compiled code, views and identity,
bounds checking (also in the loops ``bce`` versions), and exceptions at the user's line.
"""

import linecache
import os
import traceback
import typing

import numpy as np
import pytest

from dispatchjit import (AbstractArray, Bool, Complex64, Complex128, Float32, Float64, Int8, Int16,
                         Int32, Int64, MethodError, Real, TypingError, UInt8, UInt16, UInt32, UInt64,
                         generic, typeof)
from dispatchjit.subtype import issubtype
from dispatchjit.lattice import Array

FILE = os.path.abspath(__file__)


def line_of(marker):
    """The line of this file that ends with ``#@marker``."""
    with open(FILE) as fh:
        for n, text in enumerate(fh, 1):
            if text.rstrip().endswith(f"#@{marker}"):
                return n
    raise LookupError(marker)


def last_frame(exc):
    return traceback.extract_tb(exc.__traceback__)[-1]


def sigs(f):
    return [s.signature for s in f.specializations]


SUPPORTED = [(np.bool_, Bool), (np.int8, Int8), (np.int16, Int16), (np.int32, Int32), (np.int64, Int64),
             (np.uint8, UInt8), (np.uint16, UInt16), (np.uint32, UInt32), (np.uint64, UInt64),
             (np.float32, Float32), (np.float64, Float64), (np.complex64, Complex64),
             (np.complex128, Complex128)]


# --- types ----------------------------------------------------------------------------------------
def test_array_is_exported_from_the_package():
    import dispatchjit
    assert getattr(dispatchjit, "Array", None) is Array, "annotations need `from dispatchjit import Array`"


@pytest.mark.parametrize("make, expected", [
    (lambda: np.zeros((2, 3)), "Array[Float64, 2, C]"),
    (lambda: np.zeros((2, 3)).T, "Array[Float64, 2, F]"),
    (lambda: np.zeros((2, 3), order="F"), "Array[Float64, 2, F]"),
    (lambda: np.zeros(6)[::2], "Array[Float64, 1, A]"),
    (lambda: np.zeros(6)[::-1], "Array[Float64, 1, A]"),
    (lambda: np.zeros((4, 4))[:, 1], "Array[Float64, 1, A]"),
    (lambda: np.zeros((4, 4))[1:3], "Array[Float64, 2, C]"),
    (lambda: np.zeros(5, np.int32), "Array[Int32, 1, C]"),
    (lambda: np.array(1.5), "Array[Float64, 0, C]"),
    (lambda: np.zeros((1, 2, 3, 4), np.uint8), "Array[UInt8, 4, C]"),
])
def test_typeof_arrays_prints_julia_style(make, expected):
    assert repr(typeof(make())) == expected


@pytest.mark.parametrize("dtype, elt", SUPPORTED)
def test_every_supported_dtype_has_its_element_type_and_compiles(dtype, elt):
    x = np.arange(6).astype(dtype).reshape(2, 3)
    assert typeof(x) == Array[elt, 2, "C"]

    @generic
    def first_and_last(a):
        return a[0, 0], a[-1, -1], a.dtype

    f, l, dt = first_and_last(x)
    assert f == x[0, 0] and l == x[-1, -1]
    assert dt is elt


def test_float16_is_an_array_element_type():
    # the issue: "every NumPy int/uint/float/complex/bool dtype"
    @generic
    def first(a):
        return a[0]

    assert first(np.arange(3, dtype=np.float16)) == 0


def test_array_types_are_under_abstractarray_and_annotations_subtype():
    c = typeof(np.zeros(3))
    assert issubtype(c, AbstractArray)
    assert issubtype(c, Array[Float64, 1])
    assert issubtype(c, Array[Real, 1])
    assert issubtype(c, Array[Float64])
    assert not issubtype(c, Array[Float64, 2])
    assert not issubtype(typeof(np.zeros(3, complex)), Array[Real, 1])
    assert issubtype(Array[Float64, 1], Array[Real, 1])
    assert not issubtype(Array[Real, 1], Array[Float64, 1])
    assert repr(Array[Float64, 2, "C"]) == "Array[Float64, 2, C]"


def test_dispatch_on_array_annotations_picks_most_specific():
    @generic
    def kind(x: Array[Real, 1]):
        return 1

    @generic
    def kind(x: Array[Float64, 1]):  # noqa: F811
        return 2

    @generic
    def kind(x: Array[Float64]):  # noqa: F811
        return 3

    @generic
    def kind(x: np.ndarray):  # noqa: F811
        return 4

    @generic
    def kind(x: Array[Float64, 2]):  # noqa: F811
        return 6

    @generic
    def kind(x: AbstractArray, y):  # noqa: F811
        return 5

    assert kind(np.zeros(3)) == 2
    assert kind(np.zeros(6)[::-2]) == 2  # any layout
    assert kind(np.zeros((3, 3)).T) == 6
    assert kind(np.zeros((3, 3))[::2, ::-1]) == 6
    assert kind(np.zeros((3, 3, 3))) == 3
    assert kind(np.array(1.0)) == 3
    assert kind(np.zeros(3, np.int32)) == 1
    assert kind(np.zeros(3, np.bool_)) == 1
    assert kind(np.zeros(3, np.uint64)) == 1
    assert kind(np.zeros((2, 2), np.int32)) == 4
    assert kind(np.zeros(3, np.complex128)) == 4
    assert kind(np.zeros(3), 1) == 5
    with pytest.raises(MethodError):
        kind(3.0)


def test_typevar_binds_element_type_by_dispatch():
    T = typing.TypeVar("T")

    @generic
    def push(x: Array[T, 1], y: T):
        return 1

    @generic
    def push(x, y):  # noqa: F811
        return 0

    assert push(np.zeros(2), 1.0) == 1
    assert push(np.zeros(2, np.float32), np.float32(1)) == 1
    assert push(np.zeros(2, np.int64), 3) == 1
    assert push(np.zeros(2), 1) == 0
    assert push(np.zeros(2, np.float32), 1.0) == 0
    assert push(np.zeros((2, 2)), 1.0) == 0


def test_typevar_element_type_usable_in_body():
    T = typing.TypeVar("T")

    @generic
    def zero_of(x: Array[T, 1]):
        return T(0)

    r = zero_of(np.ones(2, np.float32))
    assert r == 0 and type(r) is np.float32


def test_ndim_0_to_4():
    @generic
    def total(a):
        return a.ndim, a.size, a.shape

    for shape in [(), (3,), (2, 3), (2, 3, 4), (2, 1, 3, 2)]:
        x = np.zeros(shape)
        assert total(x) == (len(shape), x.size, shape)

    @generic
    def corner4(a):
        return a[1, 0, 2, 1] + a[-1, -1, -1, -1]

    x = np.arange(2 * 1 * 3 * 2, dtype=np.float64).reshape(2, 1, 3, 2)
    assert corner4(x) == x[1, 0, 2, 1] + x[-1, -1, -1, -1]
    assert corner4(np.ascontiguousarray(x.T).T) == corner4(x)  # F order
    y = np.arange(4 * 3 * 6 * 4, dtype=np.float64).reshape(4, 3, 6, 4)[::2, ::3, ::2, ::-2]
    assert corner4(y) == y[1, 0, 2, 1] + y[-1, -1, -1, -1]

    @generic
    def scalar0(a):
        return a[()]

    assert scalar0(np.array(2.5)) == 2.5


# --- every stride pattern -------------------------------------------------------------------------
@generic
def sum2(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j] * (i + 1) * (j + 2)
    return s


@pytest.mark.parametrize("view", [
    lambda b: b, lambda b: b.T, lambda b: b[::2], lambda b: b[:, ::3], lambda b: b[::-1],
    lambda b: b[:, ::-2], lambda b: b[::-2, ::-1].T, lambda b: b[1:-1, 2:5],
    lambda b: np.asfortranarray(b), lambda b: np.asfortranarray(b)[1:, ::-1],
])
def test_strided_views_read_the_right_elements(view):
    base = np.arange(7 * 8, dtype=np.float64).reshape(7, 8) ** 1.5
    a = view(base)
    expected = sum((i + 1) * (j + 2) * a[i, j] for i in range(a.shape[0]) for j in range(a.shape[1]))
    assert sum2(a) == pytest.approx(expected, rel=1e-13)


def test_writes_through_strided_views():
    @generic
    def mark(a):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                a[i, j] = 10 * i + j

    for view in (lambda b: b.T, lambda b: b[::2, ::-3], lambda b: b[::-1, 1:]):
        base, ref = np.zeros((6, 7)), np.zeros((6, 7))
        mark(view(base))
        v = view(ref)
        for i in range(v.shape[0]):
            for j in range(v.shape[1]):
                v[i, j] = 10 * i + j
        np.testing.assert_array_equal(base, ref)


# --- read-only and byte order ---------------------------------------------------------------------
def test_write_into_read_only_array_raises_before_any_write():
    @generic
    def scribble(a, n):
        for i in range(n):
            a[i] = 1.0

    @generic
    def fill_slice(a):
        a[1:] = 7

    @generic
    def fill_all(a):
        a.fill(3)

    @generic
    def through_view(a):
        v = a[::2]
        v[0] = 5

    x = np.zeros(4)
    x.flags.writeable = False
    for fn, args in ((scribble, (x, 3)), (fill_slice, (x,)), (fill_all, (x,)), (through_view, (x,))):
        with pytest.raises(ValueError, match="read-only"):
            fn(*args)
        assert not x.any()


def test_read_only_array_can_be_read():
    x = np.arange(4.0)
    x.flags.writeable = False

    @generic
    def get(a, i):
        return a[i]

    assert get(x, 3) == 3.0


@pytest.mark.parametrize("dtype", [">f8", ">i4", ">c16", ">u2"])
def test_non_native_byte_order_rejected_clearly(dtype):
    @generic
    def get(a):
        return a[0]

    with pytest.raises((TypeError, ValueError)) as info:
        get(np.arange(3, dtype=dtype))
    msg = str(info.value)
    assert "byte order" in msg or np.dtype(dtype).str in msg or str(np.dtype(dtype)) in msg


# --- operations in compiled code ------------------------------------------------------------------
def test_element_read_write_negative_indices():
    @generic
    def swap_ends(a):
        t = a[0]
        a[0] = a[-1]
        a[-1] = t
        return a[-2]

    x = np.arange(5.0)
    assert swap_ends(x) == 3.0
    np.testing.assert_array_equal(x, [4, 1, 2, 3, 0])

    @generic
    def corner(a):
        a[-1, -2] = 99
        return a[-2, -1]

    m = np.arange(12).reshape(3, 4)
    assert corner(m) == 7
    assert m[2, 2] == 99


def test_shape_ndim_size_len_dtype():
    @generic
    def info(a):
        return a.shape, a.ndim, a.size, len(a), a.dtype

    assert info(np.zeros((3, 4), np.int32)) == ((3, 4), 2, 12, 3, Int32)
    assert info(np.zeros((0, 4))) == ((0, 4), 2, 0, 0, Float64)
    assert info(np.zeros(5)[::2]) == ((3,), 1, 3, 3, Float64)


def test_dtype_is_a_type_value_for_constructors():
    @generic
    def like_zeros(a, n):
        return np.zeros(n, dtype=a.dtype)

    r = like_zeros(np.ones(2, np.float32), 3)
    assert r.dtype == np.float32 and r.shape == (3,) and not r.any()

    @generic
    def zero_of(a):
        d = a.dtype
        return d(0)

    r = zero_of(np.ones(2, np.int16))
    assert r == 0 and type(r) is np.int16


def test_dtype_call_directly():
    @generic
    def zero_of(a):
        return a.dtype(0)

    r = zero_of(np.ones(2, np.float32))
    assert r == 0 and type(r) is np.float32


def test_iteration_over_first_axis_rows_are_views():
    @generic
    def rows(a):
        s = 0.0
        for r in a:
            s += r[0] + r[-1]
            r[1] = -1.0
        return s

    a = np.arange(12.0).reshape(3, 4)
    assert rows(a) == (0 + 3) + (4 + 7) + (8 + 11)
    np.testing.assert_array_equal(a[:, 1], [-1, -1, -1])

    @generic
    def elems(a):
        s = 0
        for v in a:
            s += v
        return s

    assert elems(np.arange(10)[::-3]) == 9 + 6 + 3 + 0
    assert elems(np.zeros(0, np.int64)) == 0


def test_basic_slicing_produces_views():
    @generic
    def views(a):
        return a[1], a[1:-1], a[:, 2], a[::2], a[::-1], a[1:, ::-2], a[-1:0:-1]

    a = np.arange(20.0).reshape(4, 5)
    got = views(a)
    expected = (a[1], a[1:-1], a[:, 2], a[::2], a[::-1], a[1:, ::-2], a[-1:0:-1])
    for g, e in zip(got, expected):
        assert type(g) is np.ndarray
        np.testing.assert_array_equal(g, e)
        assert g.strides == e.strides
        assert np.shares_memory(g, a)


@pytest.mark.parametrize("lo, hi, step", [
    (None, None, None), (1, -1, None), (-100, 100, None), (5, 2, None), (None, None, -1),
    (None, None, 3), (7, 1, -2), (-2, None, -3), (100, -100, -1), (0, 0, 1), (3, None, 7),
])
def test_slice_bounds_follow_python(lo, hi, step):
    @generic
    def sl(a, lo, hi, step):
        return a[lo:hi:step]

    @generic
    def sl_lo(a, lo):
        return a[lo:]

    @generic
    def sl_hi(a, hi):
        return a[:hi]

    @generic
    def sl_step(a, step):
        return a[::step]

    a = np.arange(9.0)
    if None not in (lo, hi, step):
        np.testing.assert_array_equal(sl(a, lo, hi, step), a[lo:hi:step])
    if lo is not None:
        np.testing.assert_array_equal(sl_lo(a, lo), a[lo:])
    if hi is not None:
        np.testing.assert_array_equal(sl_hi(a, hi), a[:hi])
    if step is not None:
        np.testing.assert_array_equal(sl_step(a, step), a[::step])


def test_zero_slice_step_raises_valueerror():
    @generic
    def sl_step(a, step):
        return a[::step]

    with pytest.raises(ValueError, match="slice step cannot be zero"):
        sl_step(np.zeros(3), 0)


@pytest.mark.parametrize("dtype_spec", ["np", "dj", "str"])
def test_constructors_with_dtype(dtype_spec):
    @generic
    def make_np(n):
        return (np.empty(n, dtype=np.float32), np.zeros((n, 2), dtype=np.float32),
                np.ones(n, dtype=np.float32), np.full(n, 2.5, dtype=np.float32),
                np.arange(n, dtype=np.float32))

    @generic
    def make_dj(n):
        return (np.empty(n, dtype=Float32), np.zeros((n, 2), dtype=Float32),
                np.ones(n, dtype=Float32), np.full(n, 2.5, dtype=Float32),
                np.arange(n, dtype=Float32))

    @generic
    def make_str(n):
        return (np.empty(n, dtype="float32"), np.zeros((n, 2), dtype="float32"),
                np.ones(n, dtype="float32"), np.full(n, 2.5, dtype="float32"),
                np.arange(n, dtype="float32"))

    fn = {"np": make_np, "dj": make_dj, "str": make_str}[dtype_spec]
    e, z, o, f, r = fn(4)
    for arr in (e, z, o, f, r):
        assert type(arr) is np.ndarray and arr.dtype == np.float32
    assert e.shape == (4,) and z.shape == (4, 2)
    np.testing.assert_array_equal(z, 0)
    np.testing.assert_array_equal(o, 1)
    np.testing.assert_array_equal(f, 2.5)
    np.testing.assert_array_equal(r, np.arange(4, dtype=np.float32))


def test_constructors_default_dtypes_and_like():
    @generic
    def make(a, n):
        return (np.zeros(n), np.ones((n, n)), np.full(n, 3), np.arange(n), np.arange(0.5, n),
                np.arange(n, 0, -2), np.empty_like(a), np.zeros_like(a), np.ones_like(a),
                np.zeros_like(a, dtype=np.int32), np.zeros((n, 2), order="F"))

    a = np.ones((2, 3), np.int16)
    z, o, f, r, rf, rd, el, zl, ol, zi, zf = make(a, 3)
    assert z.dtype == np.float64 and o.dtype == np.float64
    assert f.dtype == np.int64 and list(f) == [3, 3, 3]
    assert r.dtype == np.int64 and list(r) == [0, 1, 2]
    np.testing.assert_array_equal(rf, np.arange(0.5, 3))
    np.testing.assert_array_equal(rd, np.arange(3, 0, -2))
    assert el.shape == zl.shape == ol.shape == (2, 3)
    assert el.dtype == zl.dtype == ol.dtype == np.int16
    assert not zl.any() and (ol == 1).all()
    assert zi.dtype == np.int32
    assert zf.flags.f_contiguous and zf.shape == (3, 2)


def test_copy_and_transpose():
    @generic
    def ops(a):
        c = a.copy()
        c[0, 0] = -1.0
        return c, a.T, a.transpose(), a.T.copy()

    a = np.arange(6.0).reshape(2, 3)[:, ::-1]
    c, t, t2, tc = ops(a)
    assert a[0, 0] == 2.0  # the copy is independent
    assert c.flags.c_contiguous and c.flags.owndata
    np.testing.assert_array_equal(c[0, 1:], a[0, 1:])
    np.testing.assert_array_equal(t, a.T)
    np.testing.assert_array_equal(t2, a.T)
    assert np.shares_memory(t, a) and np.shares_memory(t2, a)
    np.testing.assert_array_equal(tc, a.T)
    assert tc.flags.c_contiguous and not np.shares_memory(tc, a)


def test_slice_fill_and_fill_method():
    @generic
    def fill_1d(a, v):
        a[2:-1] = v
        a[::-3] = -1

    x = np.zeros(10)
    fill_1d(x, 2.5)
    y = np.zeros(10)
    y[2:-1] = 2.5
    y[::-3] = -1
    np.testing.assert_array_equal(x, y)

    @generic
    def fill_2d(a, v):
        a[1:, ::2] = v
        a[0].fill(9)

    m = np.zeros((3, 5), np.int32)
    fill_2d(m, 7.9)  # NumPy's cast: truncation
    e = np.zeros((3, 5), np.int32)
    e[1:, ::2] = 7
    e[0] = 9
    np.testing.assert_array_equal(m, e)

    b = np.zeros(4, np.bool_)
    fill_1d(b, 2)
    assert list(b) == [True, False, True, True]


def test_arrays_pass_between_generic_functions_without_copies():
    @generic
    def ident(a):
        return a

    @generic
    def inner_view(a):
        return a[1:]

    @generic
    def outer(a):
        b = ident(a)
        b[0] = 42.0
        return inner_view(b)

    @generic
    def tup(a):
        return (a, ident(a), a[::2], 1)

    x = np.arange(5.0)
    assert ident(x) is x
    v = outer(x)
    assert x[0] == 42.0
    assert np.shares_memory(v, x)
    np.testing.assert_array_equal(v, x[1:])
    t = tup(x)
    assert t[0] is x and t[1] is x
    assert np.shares_memory(t[2], x) and t[3] == 1
    v[0] = -7.0  # writes through the returned view reach the input
    assert x[1] == -7.0


def test_view_of_read_only_input_is_read_only():
    @generic
    def tail(a):
        return a[1:]

    x = np.arange(3.0)
    x.flags.writeable = False
    v = tail(x)
    assert not v.flags.writeable


# --- memory: results own their memory, views keep bases alive -------------------------------------
def test_created_arrays_are_ordinary_owning_ndarrays():
    @generic
    def make(n):
        a = np.zeros(n)
        for i in range(n):
            a[i] = i
        return a

    r = make(5)
    assert type(r) is np.ndarray and r.flags.owndata and r.flags.writeable
    np.testing.assert_array_equal(r, np.arange(5.0))


def test_view_keeps_its_base_alive():
    @generic
    def tail(a):
        return a[::-2]

    x = np.arange(1000.0) * 3
    v = tail(x)
    del x
    import gc
    gc.collect()
    _junk = [np.full(1000, -1.0) for _ in range(50)]
    np.testing.assert_array_equal(v, (np.arange(1000.0) * 3)[::-2])


# --- bounds checks --------------------------------------------------------------------------------
@generic
def write_range(out, n):
    for i in range(n):
        out[i] = i + 1  #@write_range


@generic
def shifted(out, x, lo, hi):
    for i in range(lo, hi):
        out[i] = x[i - 1] + x[i + 1]  #@shifted


@generic
def nested_get(a, i, j):
    return a[i, j]  #@nested_get


@generic
def level3(a, i):
    return a[i] * 2  #@level3


@generic
def level2(a, i):
    return level3(a, i) + 1


@generic
def level1(a, i):
    return level2(a, i) - 1


def test_out_of_bounds_message_and_user_line():
    with pytest.raises(IndexError) as info:
        nested_get(np.zeros((3, 4)), 1, 5)
    assert str(info.value) == "index 5 is out of bounds for axis 1 with size 4"
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of("nested_get"))
    with pytest.raises(IndexError, match=r"^index -4 is out of bounds for axis 0 with size 3$"):
        nested_get(np.zeros((3, 4)), -4, 0)
    with pytest.raises(IndexError, match=r"^index 3 is out of bounds for axis 0 with size 3$"):
        nested_get(np.zeros((3, 4)).T[:, :3].T, 3, 0)


def test_out_of_bounds_from_deep_generic_calls_points_at_user_line():
    with pytest.raises(IndexError) as info:
        level1(np.zeros(3), 3)
    assert str(info.value) == "index 3 is out of bounds for axis 0 with size 3"
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of("level3"))
    assert linecache.getline(FILE, frame.lineno).strip().startswith("return a[i] * 2")


@pytest.mark.parametrize("make", [lambda n: np.zeros(n), lambda n: np.zeros(2 * n)[::2],
                                  lambda n: np.zeros(n)[::-1], lambda n: np.zeros((n, 2)).T[0]])
def test_writes_before_out_of_bounds_stay(make):
    n = 6
    out = make(n)
    with pytest.raises(IndexError) as info:
        write_range(out, n + 2)
    assert str(info.value) == f"index {n} is out of bounds for axis 0 with size {n}"
    assert last_frame(info.value).lineno == line_of("write_range")
    np.testing.assert_array_equal(out, np.arange(1, n + 1))


@pytest.mark.parametrize("lo, hi, bad", [(1, 9, 9), (0, 5, None), (1, 10, 9), (-3, 5, None), (-12, 5, -13)])
def test_versioned_loop_raises_at_same_iteration(lo, hi, bad):
    """``shifted`` is an innermost counted loop with ``i + c`` indices: bce versions it."""
    x = np.arange(10.0) ** 2
    out, ref = np.zeros(10), np.zeros(10)
    err = None
    try:
        for i in range(lo, hi):
            ref[i] = x[i - 1] + x[i + 1]
    except IndexError as e:
        err = e
    if err is None:
        shifted(out, x, lo, hi)
    else:
        with pytest.raises(IndexError) as info:
            shifted(out, x, lo, hi)
        assert str(info.value) == str(err)
        assert last_frame(info.value).lineno == line_of("shifted")
    np.testing.assert_array_equal(out, ref)


def test_versioned_loop_large_arrays_in_and_out_of_bounds():
    x = np.arange(10_000.0)
    out = np.zeros(10_000)
    shifted(out, x, 1, 9_999)
    np.testing.assert_array_equal(out[1:-1], 2 * x[1:-1])
    out2 = np.zeros(10_000)
    with pytest.raises(IndexError, match="index 10000 is out of bounds for axis 0 with size 10000"):
        shifted(out2, x, 5000, 10_000)
    np.testing.assert_array_equal(out2[5000:9999], 2 * x[5000:9999])
    assert not out2[:5000].any() and out2[9999] == 0


def test_boundscheck_false_gives_right_in_bounds_results():
    @generic(boundscheck=False)
    def dot_nb(x, y):
        s = 0.0
        for i in range(len(x)):
            s += x[i] * y[i]
        return s

    @generic(boundscheck=False)
    def lap_nb(u, out):
        for i in range(1, u.shape[0] - 1):
            for j in range(1, u.shape[1] - 1):
                out[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4 * u[i, j]
        return out

    x, y = np.arange(100.0), np.arange(100.0)[::-1]
    assert dot_nb(x, y) == float(np.dot(x, y))
    assert dot_nb(x[::3], y[::3]) == float(np.dot(x[::3], y[::3]))
    u = np.random.default_rng(0).random((20, 30))
    out = lap_nb(u, np.zeros_like(u))
    e = np.zeros_like(u)
    e[1:-1, 1:-1] = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1]
    np.testing.assert_allclose(out, e, rtol=1e-14, atol=1e-14)


# --- exceptions from compiled code ----------------------------------------------------------------
@generic
def alloc_neg(n):
    return np.zeros(n)  #@alloc_neg


@generic
def alloc_outer(n):
    return alloc_neg(n - 10)


def test_numpy_error_inside_compiled_code_propagates_with_user_line():
    with pytest.raises(ValueError, match="negative dimensions"):
        alloc_neg(-1)
    with pytest.raises(ValueError, match="negative dimensions") as info:
        alloc_outer(3)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(info.value.__traceback__)]
    assert (FILE, line_of("alloc_neg")) in frames, frames


def test_user_raise_in_array_code_is_real_exception_at_user_line():
    @generic
    def check_positive(a):
        for i in range(len(a)):
            if a[i] < 0:
                raise ValueError(f"negative at {i}")  #@check_positive
        return True

    assert check_positive(np.arange(3.0))
    with pytest.raises(ValueError, match="^negative at 2$") as info:
        check_positive(np.array([1.0, 2.0, -1.0]))
    assert last_frame(info.value).lineno == line_of("check_positive")


def test_typing_errors_name_the_problem():
    @generic
    def float_index(a):
        return a[1.0]

    @generic
    def too_many(a):
        return a[0, 0]

    @generic
    def bad_attr(a):
        return a.flags

    with pytest.raises(TypingError, match="integers, slices or None"):
        float_index(np.zeros(3))
    with pytest.raises(TypingError, match="too many indices"):
        too_many(np.zeros(3))
    with pytest.raises(TypingError, match="flags"):
        bad_attr(np.zeros(3))


GLOBAL_TABLE = np.arange(5.0)


@generic
def sum_global_table():
    s = 0.0
    for i in range(len(GLOBAL_TABLE)):
        s += GLOBAL_TABLE[i]
    return s, GLOBAL_TABLE.shape[0]


@generic
def bump_global_table(k):
    GLOBAL_TABLE[0] += k


def test_a_global_array_is_the_array_itself():
    # (It read as an empty array: the constant was a zeroed array struct.)
    assert sum_global_table() == (10.0, 5)
    bump_global_table(10.0)
    assert GLOBAL_TABLE[0] == 10.0 and sum_global_table() == (20.0, 5)
    GLOBAL_TABLE[0] = 0.0
