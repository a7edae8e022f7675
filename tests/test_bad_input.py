"""Bad input never crashes the process: every wrong argument gives a clear Python exception.

Wrong dtypes, wrong ndim, non-arrays, huge integers, NaN/inf where an integer is needed, empty
arrays and zero-size slices, impossible allocations, extreme slice bounds. The last test replays
a battery of such calls in a subprocess so that a segfault shows up as a failing test (with the
case that crashed) rather than killing the test run.
"""

import array
import gc
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dispatchjit import Float64, MethodError, TypingError, generic
from dispatchjit.lattice import Array

HERE = os.path.dirname(os.path.abspath(__file__))


@generic
def first_f64(x: Array[Float64, 1]):
    return x[0]


@generic
def total(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i]
    return s


@generic
def total2(x):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s += x[i, j]
    return s


@generic
def get(x, i):
    return x[i]


@generic
def get_int(x, v):
    return x[int(v)]


@generic
def zeros_of(shape):
    return np.zeros(shape)


@generic
def zeros2(a, b):
    return np.zeros((a, b))


@generic
def sliced(x, lo, hi, step):
    return x[lo:hi:step]


@generic
def step_only(x, step):
    return x[::step]


@generic
def store(x, v):
    x[0] = v


@generic
def arange3(a, b, s):
    return np.arange(a, b, s)


@generic
def argmax_loop(x):
    best = 0
    m = x[0]
    for i in range(1, len(x)):
        if x[i] > m:
            m = x[i]
            best = i
    return best


# --- dtypes we do not compile: a clear TypeError naming the dtype --------------------------------
@pytest.mark.parametrize("arr", [
    np.array([1, None], dtype=object),
    np.array(["a", "bc"]),
    np.array([b"a", b"bc"]),
    np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    np.zeros(2, dtype="M8[s]"),
    np.zeros(2, dtype="m8[s]"),
    np.zeros(2, dtype=np.longdouble),
    np.zeros(2, dtype=np.clongdouble),
    np.zeros(2, dtype=">f8"),
    np.zeros(2, dtype=">i8"),
], ids=["object", "str", "bytes", "structured", "datetime", "timedelta", "longdouble",
        "clongdouble", "big-endian-f8", "big-endian-i8"])
@pytest.mark.parametrize("fn", [first_f64, total], ids=["annotated", "any"])
def test_unsupported_dtype_is_clear_typeerror(fn, arr):
    with pytest.raises(TypeError) as info:
        fn(arr)
    msg = str(info.value)
    assert "dtype" in msg or "byte order" in msg, msg
    assert str(arr.dtype) in msg or arr.dtype.str in msg or isinstance(info.value, MethodError), msg


# --- wrong ndim / dtype for an annotated method: MethodError ------------------------------------
@pytest.mark.parametrize("arg", [
    np.zeros((2, 2)), np.array(1.0), np.zeros((1, 1, 1)), np.zeros(3, np.float32), np.zeros(3, np.int64),
    np.zeros(3, np.complex128), 1.0, 3, None, (1.0, 2.0), "abc",
], ids=["2d", "0d", "3d", "f32", "i64", "c128", "float", "int", "None", "tuple", "str"])
def test_wrong_argument_for_annotated_method_is_method_error(arg):
    with pytest.raises(MethodError, match="no method matching first_f64"):
        first_f64(arg)


@pytest.mark.parametrize("arg", [[1.0, 2.0], {1: 2.0}, {1.0}, array.array("d", [1.0])],
                         ids=["list", "dict", "set", "array.array"])
def test_unhashable_objects_are_method_errors_not_crashes(arg):
    with pytest.raises(MethodError, match="no method matching first_f64"):
        first_f64(arg)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.parametrize("make", [lambda: np.matrix([[1.0, 2.0]]), lambda: np.ma.array([1.0, 2.0])],
                         ids=["matrix", "masked"])
def test_ndarray_subclasses_dispatch_cleanly(make):
    """An ndarray subclass either dispatches as an array or is a MethodError; never an
    "unhashable type" TypeError or a crash."""
    x = make()
    try:
        r = first_f64(x)
    except MethodError:
        return
    assert r == 1.0


@pytest.mark.parametrize("arg", [[1.0, 2.0], {1: 2.0}, object(), None, "abc", b"abc", range(3)],
                         ids=["list", "dict", "object", "None", "str", "bytes", "range"])
def test_non_arrays_in_array_code_are_clear_errors(arg):
    with pytest.raises((TypingError, MethodError)) as info:  # never a crash
        total(arg)
    assert "unhashable" not in str(info.value)
    assert isinstance(info.value, (TypingError, MethodError))


def test_ndarray_subclass_is_not_a_crash():
    class Sub(np.ndarray):
        pass

    x = np.arange(3.0).view(Sub)
    try:
        r = total(x)
    except TypeError as e:
        assert "unhashable" not in str(e)
    else:
        assert r == 3.0


def test_wrong_arity_and_keywords():
    with pytest.raises(MethodError):
        total(np.zeros(3), 1)
    with pytest.raises(MethodError):
        total()
    try:  # keyword arguments: a clear TypeError, or (where supported) the right result
        r = total(x=np.arange(3.0))
    except TypeError as e:
        assert "keyword" in str(e)
    else:
        assert r == 3.0
    with pytest.raises(TypeError):
        total(np.zeros(3), x=np.zeros(3))


# --- integers that do not fit, floats where an int is needed ------------------------------------
@pytest.mark.parametrize("i", [2**70, -(2**70), 2**63])
def test_huge_integer_is_overflowerror(i):
    with pytest.raises(OverflowError):
        get(np.zeros(3), i)
    with pytest.raises(OverflowError):
        zeros_of(i)


@pytest.mark.parametrize("i", [2**63 - 1, -(2**63), 3, -4])
def test_extreme_int64_indices_are_index_errors(i):
    with pytest.raises(IndexError, match=f"index {i} is out of bounds for axis 0 with size 3"):
        get(np.zeros(3), i)


def test_uint64_index_beyond_int64_is_index_error():
    # NumPy refuses np.uint64(2**64 - 1) as an index (OverflowError); compiled code must not
    # wrap it to -1 and silently read the last element
    x = np.arange(3.0)
    with pytest.raises((IndexError, OverflowError)):
        x[np.uint64(2**64 - 1)]
    with pytest.raises((IndexError, OverflowError)):
        get(x, np.uint64(2**64 - 1))


@pytest.mark.parametrize("v, exc", [(float("nan"), ValueError), (float("inf"), OverflowError),
                                    (float("-inf"), OverflowError), (1e30, OverflowError)])
def test_nan_inf_where_an_int_is_needed(v, exc):
    with pytest.raises(exc):
        get_int(np.zeros(3), v)
    with pytest.raises(exc):
        store(np.zeros(3, np.int64), v)


def test_float_index_is_typing_error():
    with pytest.raises(TypingError, match="integers, slices or None, not Float64"):
        get(np.zeros(3), 1.0)
    with pytest.raises(TypingError, match="integer or a tuple of integers"):
        zeros_of(2.5)


def test_complex_into_real_array_is_typing_error():
    with pytest.raises(TypingError, match="complex"):
        store(np.zeros(3), 1j)


# --- empty arrays and zero-size slices ----------------------------------------------------------
@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (0, 0)])
def test_empty_arrays(shape):
    x = np.zeros(shape)
    if len(shape) == 1:
        assert total(x) == 0.0
    else:
        assert total2(x) == 0.0
        assert total2(x.T) == 0.0
    if shape[0] == 0:
        with pytest.raises(IndexError, match="index 0 is out of bounds for axis 0 with size 0"):
            get(x, 0)
    else:
        assert get(x, 0).shape == shape[1:]
    with pytest.raises(IndexError, match="index -1 is out of bounds for axis 0 with size 0"):
        get(np.zeros(shape[:1] if shape[0] == 0 else (0,)), -1)
    with pytest.raises(IndexError, match="out of bounds for axis 0 with size 0"):
        argmax_loop(np.zeros(0))


def test_zero_size_slices():
    @generic
    def empties(x):
        a = x[2:2]
        b = x[5:1]
        c = x[::-1][10:]
        d = x[:0].copy()
        return len(a) + len(b) + len(c) + len(d), total(a) + total(b) + total(c) + total(d), a.size

    assert empties(np.arange(4.0)) == (0, 0.0, 0)
    assert empties(np.zeros(0)) == (0, 0.0, 0)

    @generic
    def fill_empty(x):
        x[3:1] = 5.0
        x[:0].fill(7.0)
        return x

    r = fill_empty(np.zeros(4))
    assert not r.any()

    @generic
    def rows_of_empty(m):
        n = 0
        for r in m:
            n += len(r)
        return n

    assert rows_of_empty(np.zeros((0, 3))) == 0
    assert rows_of_empty(np.zeros((3, 0))) == 0


# --- impossible allocations: NumPy's exception propagates ----------------------------------------
@pytest.mark.parametrize("shape", [-1, (2, -3), (-1, -1)])
def test_negative_size_allocation_is_numpy_valueerror(shape):
    with pytest.raises(ValueError, match="negative dimensions"):
        zeros_of(shape)


@pytest.mark.parametrize("a, b", [(2**62, 4), (2**32, 2**32), (0, 2**62)])
def test_huge_allocation_is_valueerror_or_memoryerror(a, b):
    with pytest.raises((ValueError, MemoryError)):
        zeros2(a, b)


def test_arange_bad_steps():
    with pytest.raises(ValueError, match="step"):
        arange3(0, 5, 0)
    with pytest.raises(ValueError, match="step"):
        arange3(0.0, 5.0, 0.0)
    assert len(arange3(5, 0, 1)) == 0
    with pytest.raises((ValueError, MemoryError)):
        arange3(0, 2**62, 1)


def test_zero_slice_step_is_valueerror():
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        step_only(np.zeros(3), 0)


@pytest.mark.parametrize("lo, hi, step", [
    (-(2**63), 2**63 - 1, 1), (2**63 - 1, -(2**63), -1), (0, 3, 2**63 - 1), (2, -10, -(2**63 - 1)),
    (-(2**63), 2**63 - 1, 2**62), (2**63 - 1, -(2**63), -(2**62)),
])
def test_extreme_slice_bounds_follow_python(lo, hi, step):
    x = np.arange(5.0)
    np.testing.assert_array_equal(sliced(x, lo, hi, step), x[lo:hi:step])


def test_minimum_slice_step():
    x = np.arange(5.0)
    np.testing.assert_array_equal(step_only(x, -(2**63)), x[::-(2**63)])


# --- odd but valid arrays ------------------------------------------------------------------------
def test_zero_stride_and_unaligned_arrays_read_correctly():
    b = np.broadcast_to(np.arange(3.0), (4, 3))
    assert total(b[:, 1]) == 4.0
    assert total2(b) == 12.0
    with pytest.raises(ValueError, match="read-only"):
        store(b[:, 1], 1.0)
    raw = np.arange(4.0).tobytes()
    unaligned = np.frombuffer(b"\x00" + raw, dtype=np.float64, offset=1, count=4)
    assert not unaligned.flags.aligned
    assert total(unaligned) == 6.0


def test_many_dimensions_do_not_crash():
    @generic
    def nd(x):
        return x.ndim, x.size, x.shape

    for n in (5, 8, 32):
        x = np.zeros((1,) * (n - 1) + (2,))
        assert nd(x) == (n, 2, x.shape)


# --- a battery of risky calls in a subprocess ---------------------------------------------------
BATTERY = textwrap.dedent("""
    import inspect
    import random
    import sys
    import numpy as np
    sys.path.insert(0, {here!r})
    import test_bad_input as t

    x = np.arange(6.0)
    m = np.arange(12.0).reshape(3, 4)
    values = [x, x[::-2], m, m.T, m[:, ::-3], np.zeros(0), np.zeros((0, 3)), np.array(1.0),
              np.zeros(3, np.int8), np.zeros(3, bool), np.zeros(3, np.uint64), None, 1, -1, 2**62,
              -(2**62), 1.5, float("nan"), float("inf"), 1j, (1, 2), (), "s", [1], {{}}, object(),
              np.array([None]), np.zeros(2, "U1"), np.broadcast_to(1.0, (3,)), np.int8(-128),
              np.uint64(2**64 - 1), True]
    fns = [t.total, t.total2, t.get, t.get_int, t.zeros_of, t.zeros2, t.store, t.step_only,
           t.argmax_loop, t.first_f64, t.sliced, t.arange3]
    rng = random.Random(1234)
    for fn in fns:
        arity = len(inspect.signature(fn.methods()[0].func).parameters)
        cases = [(v,) * arity for v in values] + [tuple(rng.choice(values) for _ in range(arity))
                                                 for _ in range({count})]
        for args in cases:
            print(fn.__name__, [type(v).__name__ for v in args], flush=True, file=sys.stderr)
            try:
                fn(*args)
            except Exception:
                pass
    print("ALL DONE")
""")


def test_battery_of_bad_calls_never_crashes():
    code = BATTERY.format(here=HERE, count=150)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=os.path.dirname(HERE))
    last = proc.stderr.strip().splitlines()[-3:]
    assert proc.returncode == 0 and "ALL DONE" in proc.stdout, (
        f"exit status {proc.returncode}; last calls: {last}")


# --- wrong results found from outside (issue 18), each now right or a clear error --------------
@generic
def round_to(x, n):
    return round(x, n)


@pytest.mark.parametrize("n", [-400, -309, -308, -307, -23, -1, 0, 1, 15, 22, 23, 300, 308, 400])
@pytest.mark.parametrize("x", [123.456, -1.5e300, 5e-300, 0.5, -0.0, float("inf"), float("-inf"), float("nan")])
def test_round_with_extreme_digits_agrees_with_cpython(x, n):
    assert repr(round_to(x, n)) == repr(round(x, n))


@generic
def store_300(a):
    a[0] = 300


@generic
def full_300(n):
    return np.full(n, 300, np.uint8)


def test_a_python_integer_the_dtype_cannot_hold_raises_overflow_error_as_numpy():
    a = np.zeros(2, np.uint8)
    with pytest.raises(OverflowError, match="Python integer 300 out of bounds for uint8"):
        store_300(a)
    assert a[0] == 0
    with pytest.raises(OverflowError, match="Python integer 300 out of bounds for uint8"):
        full_300(3)
    with pytest.raises(OverflowError):          # what NumPy itself says
        a[0] = 300


@generic
def bool_index(a):
    return a[True]


def test_a_boolean_index_is_not_taken_as_an_integer():
    with pytest.raises(TypingError, match="boolean index is a mask"):
        bool_index(np.arange(3.0))


@generic(nogil=True)
def nogil_passthrough(x):
    return x


@generic(nogil=True)
def nogil_tuple(a):
    return (a, 1.0)


def test_nogil_functions_cannot_hand_back_uncounted_references():
    from dispatchjit import CompileError
    obj = object()
    before = sys.getrefcount(obj)
    for f, arg in ((nogil_passthrough, obj), (nogil_passthrough, np.zeros(2)), (nogil_tuple, obj)):
        with pytest.raises(CompileError, match="nogil=True cannot return"):
            f(arg)
    del arg   # (the loop variable held obj too)
    gc.collect()
    assert sys.getrefcount(obj) == before
    assert nogil_tuple(2.0) == (2.0, 1.0)


def _plain(x):
    return x


@pytest.mark.parametrize("thing", [
    __import__("functools").partial(_plain, 1), len, type("C", (), {}),
    __import__("functools").lru_cache(_plain), staticmethod(_plain), 3, first_f64,
], ids=["partial", "builtin", "class", "lru_cache", "staticmethod", "int", "generic function"])
def test_decorating_what_is_not_a_function_is_a_type_error_saying_so(thing):
    with pytest.raises(TypeError, match="takes a function defined with def|already a generic function"):
        generic(thing)
    with pytest.raises(TypeError, match="takes a function defined with def|already a generic function"):
        total.method(thing)


def test_nospecialize_naming_no_parameter_is_an_error():
    with pytest.raises(TypeError, match="names 'zz', which .* has no parameter"):
        generic(nospecialize="zz")(_plain)


def _two_params(x, y):
    return x


def _gen_wrong_arity(x):
    return _two_params


def _gen_builtin(x):
    return len


@pytest.mark.parametrize("gen, message", [(_gen_wrong_arity, "takes 2 parameter.*for a call with 1 argument"), (_gen_builtin, "returned")])
def test_a_generated_body_that_does_not_fit_is_a_compile_error(gen, message):
    from dispatchjit import CompileError
    f = generic(generated=True)(gen)
    with pytest.raises(CompileError, match=message):
        f(1.0)


def test_what_cpython_compiles_however_deep_compiles_or_is_a_clear_error(tmp_path):
    """A sum of 800 terms (CPython compiles it), a tuple 200 deep as an argument: compiled;
    a tuple 5000 deep: a TypeError, never a RecursionError from inside the compiler."""
    source = ("from dispatchjit import generic\n\n\n@generic\ndef long_sum(x):\n    return "
              + " + ".join(["x"] * 800) + "\n\n\n@generic\ndef depth_of(t):\n    return 1\n")
    (tmp_path / "deep_mod.py").write_text(source)
    code = ("import deep_mod\nt = 1\nfor _ in range(200):\n    t = (t,)\nprint(deep_mod.long_sum(1.0), deep_mod.depth_of(t))\n"
            "for _ in range(4800):\n    t = (t,)\ntry:\n    deep_mod.depth_of(t)\nexcept TypeError as e:\n"
            "    print('TypeError', 'nests too deeply' in str(e))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["800.0", "1", "TypeError", "True"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_while_another_thread_compiles_can_compile(tmp_path):
    code = textwrap.dedent("""
        import os, threading, time
        from dispatchjit import generic
        from dispatchjit.state import COMPILE_LOCK

        @generic
        def add(x, y):
            return x + y

        held, release = threading.Event(), threading.Event()
        def compiling():   # stands for a compile in progress in another thread
            with COMPILE_LOCK:
                held.set()
                release.wait()
        t = threading.Thread(target=compiling)
        t.start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            os._exit(0 if add(1.5, 2.0) == 3.5 else 3)
        release.set()
        t.join()
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
    """)
    (tmp_path / "forking.py").write_text(code)
    out = subprocess.run([sys.executable, str(tmp_path / "forking.py")], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "0", (out.stdout, out.stderr[-2000:])


@generic
def allocate_huge(n):
    return np.empty(n)  # @huge


def test_an_allocation_that_cannot_succeed_is_a_memory_error_at_the_users_line():
    import traceback
    with pytest.raises(MemoryError) as info:
        allocate_huge(10 ** 13)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert last.filename == __file__ and last.line.endswith("# @huge")


@generic
def by_name(x: int):
    return 1


@generic
def by_name(y: float):  # noqa: F811
    return 2


def test_a_keyword_runs_only_a_method_that_has_that_parameter():
    assert by_name(x=1) == 1 and by_name(y=1.5) == 2
    with pytest.raises(MethodError, match=r"f?has no parameter named x"):
        by_name(x=1.5)          # binds as by_name(1.5), whose method's parameter is y


def test_a_junk_specialization_limit_is_a_type_error_naming_the_setting():
    @generic
    def limited(x):
        return x

    limited.max_specializations = "junk"
    with pytest.raises(TypeError, match="limited.max_specializations must be a non-negative int"):
        limited(1)
    limited.max_specializations = None
    assert limited(1) == 1
