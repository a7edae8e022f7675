"""The vectorcall fast path (runtime/dispatcher.py): every argument kind it recognizes, every way
it must *not* recognize an argument, misses that fall back to the Python slow path, invalidation,
and concurrent calls and compiles.

A call is on the fast path when the Python slow path (``GenericFunction.__call__``) does not run;
the ``slow`` fixture counts the slow path's calls of ``typeof`` to tell.  ``warm(f, *args)``
calls twice (compile, then rebuild the dispatcher) and checks the signature is in the dispatcher.
"""

import concurrent.futures as cf
import functools
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import dispatchjit  # noqa: F401
generic_module = sys.modules["dispatchjit.generic"]  # (the package attribute is the decorator)
from dispatchjit import (Array, Bool, Float64, Int64, MethodError, Tuple, Type, generic, typeof)


@pytest.fixture
def slow(monkeypatch):
    """Counts calls that took the slow path (each calls typeof once per argument)."""
    counter = {"n": 0}
    real = generic_module.typeof

    def counting(value):
        counter["n"] += 1
        return real(value)

    monkeypatch.setattr(generic_module, "typeof", counting)

    class Slow:
        @property
        def n(self):
            return counter["n"]

        def reset(self):
            counter["n"] = 0
    return Slow()


def warm(f, *args):
    """Compile the signature of ``args`` and build the dispatcher; return the result."""
    first = f(*args)
    second = f(*args)
    assert f._dispatcher is not None, "no dispatcher after two calls"
    assert tuple(map(typeof, args)) in f._dispatcher[1]
    assert type(first) is type(second)
    return second


def spec_of(f, *types):
    matches = [s for s in f.specializations if s.signature == tuple(types)]
    assert len(matches) == 1, (types, f.specializations)
    return matches[0]


def fast(f, slow, *args):
    """Call ``f`` and assert the call did not take the slow path."""
    slow.reset()
    result = f(*args)
    assert slow.n == 0, f"{f.__name__}{args!r} took the slow path"
    return result


# --- scalars -------------------------------------------------------------------------------
SCALARS = [
    (7, int), (-3, int), (2.5, float), (True, bool), (False, bool), (1 + 2j, complex), (None, type(None)),
    (np.bool_(True), bool), (np.int8(-7), np.int8), (np.int16(-300), np.int16), (np.int32(-70000), np.int32),
    (np.int64(-2**40), int), (np.uint8(200), np.uint8), (np.uint16(60000), np.uint16),
    (np.uint32(4_000_000_000), np.uint32), (np.uint64(2**63 + 5), np.uint64), (np.float32(1.25), np.float32),
    (np.float64(2.75), float), (np.complex64(1 - 2j), np.complex64), (np.complex128(3 + 4j), complex),
]


@pytest.mark.parametrize("value,result_type", SCALARS, ids=lambda v: repr(v))
def test_scalar_identity_fast(value, result_type, slow):
    @generic
    def ident(x):
        return x

    assert warm(ident, value) == value
    r = fast(ident, slow, value)
    assert r == value and type(r) is result_type
    spec = spec_of(ident, typeof(value))
    assert spec.calls == 3


def test_scalar_arithmetic_fast(slow):
    @generic
    def mix(a, b, c):
        return a * b + c

    cases = [((2, 3, 4), 10, int), ((2.0, 3, 0.5), 6.5, float), ((np.int32(2), np.int32(3), np.int32(4)), 10, np.int32),
             ((np.float32(0.5), np.float32(4), np.float32(1)), 3.0, np.float32), ((1j, 1j, 1), 0j, complex),
             ((np.uint8(10), np.uint8(20), np.uint8(3)), 203, np.uint8)]
    for args, want, rtype in cases:
        warm(mix, *args)
    for args, want, rtype in cases:
        r = fast(mix, slow, *args)
        assert r == want and type(r) is rtype, (args, r)
    assert len(mix.specializations) == len(cases)
    for s in mix.specializations:
        assert s.calls == 3


def test_each_scalar_kind_keeps_its_own_specialization(slow):
    """With every kind compiled, each value still reaches the specialization of its own type."""
    @generic
    def ident(x):
        return x

    values = [v for v, _ in SCALARS]
    for v in values:
        ident(v)
    ident(values[0])  # rebuild with every signature
    for v, rtype in SCALARS:
        r = fast(ident, slow, v)
        assert r == v and type(r) is rtype, v
    assert len(ident.specializations) == len({typeof(v) for v in values})


@pytest.mark.parametrize("order", ["int-first", "bool-first"])
def test_bool_and_int_are_distinguished(order, slow):
    @generic
    def which(x: Bool):
        return 1

    @generic
    def which(x: Int64):  # noqa: F811
        return 2

    @generic
    def which(x: Float64):  # noqa: F811
        return 3

    warm(which, *((1,) if order == "int-first" else (True,)))
    assert which(True) == 1 and which(False) == 1 and which(np.bool_(True)) == 1
    assert which(1) == 2 and which(0) == 2 and which(np.int64(1)) == 2
    assert which(1.0) == 3 and which(np.float64(1.0)) == 3
    for v, want in [(True, 1), (np.bool_(False), 1), (1, 2), (np.int64(5), 2), (1.0, 3), (np.float64(2.0), 3)]:
        assert fast(which, slow, v) == want, v


def test_numpy_float64_scalar_takes_the_float64_path(slow):
    @generic
    def half(x):
        return x / 2

    warm(half, 3.0)
    r = fast(half, slow, np.float64(5.0))
    assert r == 2.5 and type(r) is float
    assert len(half.specializations) == 1
    assert spec_of(half, Float64).calls == 3


class MyFloat(float):
    pass


class MyInt(int):
    pass


@pytest.mark.parametrize("value", [MyFloat(1.5), MyInt(3)], ids=["float-subclass", "int-subclass"])
def test_number_subclass_instances_agree_with_typeof(value, slow):
    """A subclass instance is not an exact float/int: the fast path must answer what the slow
    path (``typeof``) answers, never reinterpret it as the Float64/Int64 specialization."""
    @generic
    def ident(x):
        return x

    @generic
    def only_float(x: float):
        return 1

    @generic
    def only_float(x):  # noqa: F811
        return 2

    warm(ident, float(value))
    warm(ident, int(value))
    warm(only_float, 1.0)
    expected_type = typeof(value)
    r = ident(value)
    if expected_type is Float64:
        assert r == value and type(r) is float
        assert only_float(value) == 1
    elif expected_type is Int64:
        assert r == value and type(r) is int
        assert only_float(value) == 2
    else:                                   # an opaque object: passed through untouched
        assert r is value
        assert only_float(value) == 2
    assert spec_of(ident, expected_type).calls == 1


# --- huge ints ---------------------------------------------------------------------------------
@pytest.mark.parametrize("big", [2**63, -2**63 - 1, 2**70, -2**70, 2**64])
def test_huge_ints_raise_overflow_naming_int64(big, slow):
    @generic
    def inc(x):
        return x + 1

    with pytest.raises(OverflowError, match="Int64"):
        inc(big)                      # before any dispatcher
    warm(inc, 5)
    with pytest.raises(OverflowError, match="Int64"):
        inc(big)                      # the Int64 case must not take it
    assert fast(inc, slow, 41) == 42


def test_ints_at_the_int64_edges_work(slow):
    @generic
    def ident(x):
        return x

    warm(ident, 1)
    for v in [2**62, -2**62, 2**60, 2**61 + 12345, -2**63, 2**63 - 1, -1, 0, 2**30, 2**30 - 1, -2**30]:
        r = ident(v)
        assert r == v and type(r) is int, v
    assert fast(ident, slow, 2**30 + 1) == 2**30 + 1   # two 30-bit digits: on the fast path
    assert len(ident.specializations) == 1


def test_huge_int_inside_tuple_raises_overflow():
    @generic
    def tfirst(t):
        return t[0]

    warm(tfirst, (1, 2))
    with pytest.raises(OverflowError, match="Int64"):
        tfirst((1, 2**64))


# --- tuples --------------------------------------------------------------------------------------
def test_nested_tuples_fast(slow):
    @generic
    def tsum(t):
        a, (b, c) = t
        return a + b * c

    arg = (1, (2.0, 3))
    assert warm(tsum, arg) == 7.0
    assert fast(tsum, slow, (2, (0.5, 4))) == 4.0
    assert spec_of(tsum, typeof(arg)).calls == 3


def test_tuple_shape_mismatch_misses(slow):
    @generic
    def tlen(t):
        return len(t)

    assert warm(tlen, (1, 2)) == 2
    assert tlen((1, 2, 3)) == 3          # longer: not the 2-tuple case
    assert tlen((1,)) == 1               # shorter
    assert tlen(()) == 0
    assert tlen((1.0, 2)) == 2           # same length, other element type
    assert tlen(((1, 2), 3)) == 2
    assert len(tlen.specializations) == 6
    assert fast(tlen, slow, (5, 6)) == 2

    @generic
    def inner(t):
        return t[1][0] + len(t[1])

    assert warm(inner, (1, (10, 20))) == 12
    assert inner((1, (10, 20, 30))) == 13   # nested length differs
    assert inner((1, (10.5, 20))) == 12.5   # nested element type differs
    assert len(inner.specializations) == 3


def test_tuple_wrong_length_is_a_method_error():
    @generic
    def pair(t: Tuple[Int64, Int64]):
        return t[0] - t[1]

    assert warm(pair, (5, 3)) == 2
    with pytest.raises(MethodError):
        pair((5, 3, 1))
    with pytest.raises(MethodError):
        pair((5,))
    with pytest.raises(MethodError):
        pair((5, 3.0))
    with pytest.raises(MethodError):
        pair([5, 3])
    assert pair((9, 3)) == 6


# --- arrays --------------------------------------------------------------------------------------
DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float32, np.float64, np.complex64, np.complex128]
BOXED_AS = {np.bool_: bool, np.int64: int, np.float64: float, np.complex128: complex}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_array_dtypes_fast(dtype, slow):
    @generic
    def last(x):
        return x[x.shape[0] - 1]

    a = np.arange(1, 5).astype(dtype)
    r = warm(last, a)
    assert r == a[-1] and type(r) is BOXED_AS.get(dtype, dtype)
    b = np.arange(10, 13).astype(dtype)
    assert fast(last, slow, b) == b[-1]
    assert spec_of(last, typeof(a)).calls == 3


def test_array_dtypes_are_distinguished(slow):
    @generic
    def first(x):
        return x[0]

    arrays = [np.array([3, 1]).astype(d) for d in DTYPES]
    for a in arrays:
        first(a)
    first(arrays[0])
    for a, d in zip(arrays, DTYPES):
        r = fast(first, slow, a)
        assert r == a[0] and type(r) is BOXED_AS.get(d, d), d
    assert len(first.specializations) == len(DTYPES)


def test_array_ndim_is_distinguished(slow):
    @generic
    def corner(x):
        return x.ndim * 100 + x.size

    shapes = [(4,), (2, 3), (2, 3, 4), (1, 1, 1, 2)]
    for s in shapes:
        warm(corner, np.zeros(s))
    for s in shapes:
        a = np.zeros(s)
        assert fast(corner, slow, a) == a.ndim * 100 + a.size
    assert len(corner.specializations) == len(shapes)


def test_layouts_c_f_a(slow):
    @generic
    def get(x):
        return x[0, 1] * 1000 + x[1, 0]

    base = np.arange(24.0).reshape(4, 6)   # x[0,1] = 1, x[1,0] = 6
    c = np.ascontiguousarray(base)
    f = np.asfortranarray(base)
    a = np.arange(48.0).reshape(4, 12)[:, ::2]
    want = lambda x: x[0, 1] * 1000 + x[1, 0]  # noqa: E731
    assert warm(get, f) == want(f)          # F compiled first: a C array must not take it
    assert get(c) == want(c)
    assert get(a) == want(a)
    assert get(f.T) == want(f.T)            # the transpose of an F array is C
    assert {s.signature[0].layout for s in get.specializations} == {"C", "F", "A"}
    get(c)
    for x in (c, f, a, np.asfortranarray(np.ones((3, 3))), np.ones((3, 4))[::-1]):
        assert fast(get, slow, x) == want(x)
    assert typeof(np.ones((3, 4))[::-1]).layout == "A"


def test_layout_annotations_dispatch(slow):
    @generic
    def lay(x: Array[Float64, 2, "C"]):
        return 1

    @generic
    def lay(x: Array[Float64, 2, "F"]):  # noqa: F811
        return 2

    @generic
    def lay(x: Array[Float64, 2, "A"]):  # noqa: F811
        return 3

    z = np.zeros((3, 4))
    warm(lay, np.asfortranarray(z))
    assert lay(z) == 1
    assert lay(z[:, ::2]) == 3
    warm(lay, z)
    warm(lay, z[:, ::2])
    for x, want in [(z, 1), (np.asfortranarray(z), 2), (z[:, ::2], 3), (np.zeros((1, 1)), 1)]:
        assert fast(lay, slow, x) == want


def test_one_dimensional_strided_is_a(slow):
    @generic
    def s(x):
        total = 0.0
        for i in range(x.shape[0]):
            total += x[i]
        return total

    v = np.arange(10.0)
    assert warm(s, v) == v.sum()
    assert s(v[::2]) == v[::2].sum()
    assert s(v[::-1]) == v.sum()
    assert typeof(v[::2]).layout == "A"
    assert fast(s, slow, v[1::3]) == v[1::3].sum()


@pytest.mark.parametrize("order", [">", "<"])
def test_non_native_byte_order_rejected(order):
    native = "<" if sys.byteorder == "little" else ">"
    if order == native:
        order = ">" if native == "<" else "<"

    @generic
    def first(x):
        return x[0]

    assert warm(first, np.array([1.5, 2.5])) == 1.5
    swapped = np.array([1.5, 2.5]).astype(order + "f8")
    assert swapped.dtype.byteorder == order
    with pytest.raises(TypeError, match="f8|byte order"):
        first(swapped)
    with pytest.raises(TypeError, match="f8|byte order"):
        first(swapped)
    assert first(np.array([4.0])) == 4.0
    assert len(first.specializations) == 1


def test_array_subclass_is_not_an_array(slow):
    @generic
    def kind(x):
        return x

    warm(kind, np.zeros(3))
    m = np.ma.masked_array([1.0, 2.0])
    assert kind(m) is m


def test_read_only_and_non_owning_arrays(slow):
    @generic
    def setfirst(x, v):
        x[0] = v
        return x

    a = np.zeros(3)
    assert warm(setfirst, a, 1.0) is a
    assert a[0] == 1.0
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        setfirst(ro, 2.0)
    view = a[1:]
    assert fast(setfirst, slow, view, 5.0) is view
    assert a[1] == 5.0


# --- opaque objects, type objects, generic functions -------------------------------------
class A:
    pass


class B:
    pass


def test_opaque_objects_fast(slow):
    @generic
    def ident(x):
        return x

    for obj in ("hello", A(), B(), b"bytes", 3.5, frozenset({1})):
        assert warm(ident, obj) is obj or ident(obj) == obj
    for obj in ("other", A(), B(), b"x"):
        assert fast(ident, slow, obj) is obj
    assert spec_of(ident, typeof(A())).calls == 3


def test_opaque_classes_are_distinguished():
    @generic
    def tag(x: A):
        return 1

    @generic
    def tag(x):  # noqa: F811
        return 2

    warm(tag, A())
    assert tag(B()) == 2
    assert tag("s") == 2
    warm(tag, B())
    assert tag(A()) == 1 and tag(B()) == 2


@pytest.mark.parametrize("obj", [[1, 2], {"a": 1}, {1, 2}, bytearray(b"x")], ids=["list", "dict", "set", "bytearray"])
def test_unhashable_opaque_objects(obj):
    """Unhashable values (a list, a dict) are opaque objects like any other."""
    @generic
    def ident(x):
        return x

    assert ident(obj) is obj
    assert ident(obj) is obj
    assert ident(obj) is obj


def test_type_objects_are_not_taken_as_opaque_objects():
    """``str`` is an opaque object (PyObject[type]); ``int`` is the type ``Type[Int64]``. After
    the dispatcher covers PyObject[type], ``int`` must still reach the Type[Int64] method."""
    @generic
    def kind(x: Type[Int64]):
        return 1

    @generic
    def kind(x):  # noqa: F811
        return 2

    assert kind(int) == 1                 # slow path: Type[Int64]
    assert warm(kind, str) == 2           # PyObject[type] in the dispatcher
    assert kind(int) == 1
    assert kind(Int64) == 1
    assert kind(float) == 2


def test_type_argument_calls_do_not_rebuild_the_dispatcher(monkeypatch):
    """A signature the dispatcher cannot check (a Type argument) must not rebuild it per call."""
    import dispatchjit.targets.dispatcher as dispatcher
    builds = {"n": 0}
    real = dispatcher.compile_dispatcher

    def counting(*a, **k):
        builds["n"] += 1
        return real(*a, **k)

    monkeypatch.setattr(dispatcher, "compile_dispatcher", counting)

    @generic
    def size_of(x):
        return 8

    warm(size_of, 1.0)
    size_of(Int64)
    size_of(Int64)
    builds["n"] = 0
    for _ in range(10):
        assert size_of(Int64) == 8
    assert builds["n"] <= 1, f"the dispatcher was rebuilt {builds['n']} times for 10 calls"


def test_generic_function_as_argument(slow):
    @generic
    def sq(x):
        return x * x

    @generic
    def cube(x):
        return x * x * x

    @generic
    def apply(f, x):
        return f(x)

    assert warm(apply, sq, 3.0) == 9.0
    assert apply(cube, 2.0) == 8.0         # another function: not the sq case
    warm(apply, cube, 2.0)
    assert fast(apply, slow, sq, 4.0) == 16.0
    assert fast(apply, slow, cube, 3.0) == 27.0
    assert apply(sq, 3) == 9 and type(apply(sq, 3)) is int
    assert len(apply.specializations) == 3
    sigs = {s.signature for s in apply.specializations}
    assert (typeof(sq), Float64) in sigs and (typeof(cube), Float64) in sigs


# --- misses, keywords, call shapes -----------------------------------------------------------------
def test_miss_after_dispatcher_compiles_then_is_fast(slow):
    @generic
    def scale(x, y):
        return x * y

    assert warm(scale, 2.0, 3.0) == 6.0
    before = scale._dispatcher
    slow.reset()
    assert scale(2, 3) == 6 and type(scale(2, 3)) is int   # a new signature
    assert slow.n > 0
    assert scale(2, 3) == 6
    assert scale._dispatcher is not before
    assert (Int64, Int64) in scale._dispatcher[1] and (Float64, Float64) in scale._dispatcher[1]
    assert fast(scale, slow, 4, 5) == 20
    assert fast(scale, slow, 0.5, 4.0) == 2.0
    assert len(scale.specializations) == 2
    assert spec_of(scale, Int64, Int64).calls == 4


def test_wrong_argument_count_misses():
    @generic
    def two(x, y):
        return x + y

    warm(two, 1.0, 2.0)
    with pytest.raises(MethodError):
        two(1.0)
    with pytest.raises(MethodError):
        two(1.0, 2.0, 3.0)
    with pytest.raises(MethodError):
        two()
    assert two(1.0, 2.0) == 3.0


def test_keyword_arguments():
    @generic
    def two(x, y):
        return x - y

    warm(two, 5.0, 2.0)
    try:
        r = two(5.0, y=2.0)
    except TypeError as e:
        msg = str(e)
        assert "keyword" in msg and "two" in msg, msg
    else:
        assert r == 3.0
    try:
        r = two(x=5.0, y=2.0)
    except TypeError as e:
        assert "keyword" in str(e)
    else:
        assert r == 3.0
    assert two(5.0, 2.0, **{}) == 3.0
    assert two(*(5.0, 2.0)) == 3.0


def test_other_call_shapes(slow):
    """Calls through partial, map, methods of a class (vectorcall with an offset flag)."""
    @generic
    def add(a, b):
        return a + b

    warm(add, 1.0, 2.0)
    assert functools.partial(add, 1.0)(2.5) == 3.5
    assert list(map(add, [1.0, 2.0], [3.0, 4.0])) == [4.0, 6.0]
    assert sorted([3.0, 1.0, 2.0], key=functools.partial(add, 0.5)) == [1.0, 2.0, 3.0]

    class Holder:
        meth = add   # not a descriptor: an attribute, called with the explicit arguments
    assert Holder.meth(1.0, 1.0) == 2.0
    assert spec_of(add, Float64, Float64).calls >= 7


def test_exceptions_on_the_fast_path(slow):
    @generic
    def div(a, b):
        return a // b

    assert warm(div, 7, 2) == 3
    with pytest.raises(ZeroDivisionError):
        div(7, 0)
    with pytest.raises(ZeroDivisionError):
        div(7, 0)
    assert fast(div, slow, 9, 2) == 4


# --- redefinition ------------------------------------------------------------------------------
def test_redefinition_after_dispatcher_uses_new_body(slow):
    @generic
    def body(x: float):
        return x + 1.0

    @generic
    def caller(x):
        return body(x) * 10.0

    assert warm(body, 1.0) == 2.0
    assert warm(caller, 1.0) == 20.0

    @generic
    def body(x: float):  # noqa: F811 - same signature: replaces the method
        return x + 2.0

    assert body(1.0) == 3.0
    assert caller(1.0) == 30.0
    assert body(1.0) == 3.0 and caller(1.0) == 30.0
    assert body._dispatcher is not None and caller._dispatcher is not None
    assert fast(body, slow, 1.0) == 3.0
    assert fast(caller, slow, 1.0) == 30.0
    assert len(body.methods()) == 1

    @generic
    def body(x: int):  # noqa: F811 - a new, more specific method for ints
        return x * 100

    assert caller(2) == 2000
    assert caller(2.0) == 40.0


def test_redefinition_of_any_method_by_more_specific(slow):
    @generic
    def pick(x):
        return 1

    warm(pick, 1.0)
    warm(pick, 1)

    @generic
    def pick(x: Float64):  # noqa: F811
        return 2

    assert pick(1.0) == 2
    assert pick(1) == 1
    assert pick(1.0) == 2 and pick(1) == 1
    assert fast(pick, slow, 5.0) == 2


# --- Float16 (isolated: a crash here must not take the test session down) -------------------------
def test_float16_scalar_argument_in_subprocess(tmp_path):
    src = textwrap.dedent("""
        import numpy as np
        from dispatchjit import generic

        @generic
        def ident(x):
            return x

        r = ident(np.float16(1.5))
        assert r == 1.5 and type(r) is np.float16, repr(r)
        r = ident(np.float16(2.5))
        assert r == 2.5 and type(r) is np.float16, repr(r)
        print("ok")
    """)
    path = tmp_path / "f16.py"
    path.write_text(src)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, cwd=root)
    assert out.returncode == 0 and "ok" in out.stdout, \
        f"rc={out.returncode}\nstdout={out.stdout}\nstderr={out.stderr[-2000:]}"


# --- threads -----------------------------------------------------------------------------------
def test_threads_call_and_compile_concurrently(monkeypatch):
    import dispatchjit.driver as driver
    compiles: dict = {}
    lock = threading.Lock()
    real = driver.compile_entry

    def counting(func, argtypes, *a, **k):
        with lock:
            compiles[func.__name__, argtypes] = compiles.get((func.__name__, argtypes), 0) + 1
        return real(func, argtypes, *a, **k)

    monkeypatch.setattr(driver, "compile_entry", counting)

    @generic
    def tadd(a, b):
        return a + b

    @generic
    def tpoly(x: float):
        return x * 2.0

    @generic
    def tpoly(x: int):  # noqa: F811
        return x * 3

    @generic
    def tpoly(x):  # noqa: F811
        return x

    arr = np.arange(4.0)
    tadd_cases = [((1, 2), 3), ((1.5, 2.0), 3.5), ((np.int32(2), np.int32(5)), 7), ((True, 1), 2),
                  ((1, 2.5), 3.5), ((np.float32(1), np.float32(2)), 3.0), ((1j, 1), 1 + 1j)]
    tpoly_cases = [((2.0,), 4.0), ((5,), 15), ((True,), True), (((1, 2),), (1, 2)), ((np.int8(3),), 3)]
    barrier = threading.Barrier(8)

    def worker(seed):
        barrier.wait(timeout=30)
        bad = []
        for i in range(400):
            f, cases = (tadd, tadd_cases) if (i + seed) % 2 else (tpoly, tpoly_cases)
            args, want = cases[(i * 7 + seed) % len(cases)]
            got = f(*args)
            if got != want:
                bad.append((f.__name__, args, got, want))
        r = tpoly(arr)
        if r is not arr:
            bad.append(("tpoly", "array", r))
        return bad

    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(worker, s) for s in range(8)]
        results = [fut.result(timeout=60) for fut in futures]
    assert all(r == [] for r in results), [r for r in results if r]
    assert len(tadd.specializations) == len(tadd_cases)
    assert len(tpoly.specializations) == len(tpoly_cases) + 1
    assert all(n == 1 for n in compiles.values()), {k: n for k, n in compiles.items() if n != 1}
    total = sum(s.calls for s in tadd.specializations) + sum(s.calls for s in tpoly.specializations)
    assert total == 8 * 401
    # and afterwards the dispatcher is there and answers on the fast path
    tadd(1, 2)
    tadd(1, 2)
    assert tadd._dispatcher is not None
    for args, want in tadd_cases:
        assert tadd(*args) == want
