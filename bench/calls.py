"""Call-overhead benchmark: how long one call from Python into compiled code takes, in one run.

    .venv/bin/python bench/calls.py [--quick]

Every row times ``timeit`` of one call statement (``number`` calls per repeat, the minimum over
repeats) and prints nanoseconds per call.  ``raw`` includes timeit's own loop; ``net`` subtracts
the time of the empty statement (``pass``) measured the same way, which is the call alone.  The
targets are checked on the *raw* numbers (the stricter choice: the loop cost is common to both
sides, so subtracting it would only make a faster callee look better).

Rows: ``add(a, b) = a + b`` on two floats and two ints (plain Python function, operator.add,
plum-dispatch, numba.njit, dispatchjit @generic); ``first(x, y) = x[0] + y[0]`` on two
1-element float64 arrays; ``doubled(x) = 2.0 * x`` returning a new 3-element array (with NumPy
in Python); a generic function with 20 methods / 20 compiled specializations
(calls of the first- and last-compiled signature) against a one-method function; passing a
generic function as an argument ``apply(f, x) = f(x)`` against the plain call ``f(x)`` (and the
same for Numba, which takes a jitted function as an argument).  Prints PASS/FAIL per target and
always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import gc
import operator
import os
import platform
import sys
import timeit
from machine import cpu_model, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402


class Timer:
    def __init__(self, number, repeat):
        self.number, self.repeat = number, repeat
        self.baseline = self.ns("pass", {}, number)

    def ns(self, stmt, namespace, number=None):
        number = number or self.number
        gcold = gc.isenabled()
        gc.disable()
        try:
            t = timeit.Timer(stmt, globals=namespace)
            best = min(t.repeat(repeat=self.repeat, number=number))
        finally:
            if gcold:
                gc.enable()
        return best / number * 1e9

    def row(self, label, stmt, namespace, number=None, check=None):
        if check is not None:
            got, want = eval(stmt, namespace), check  # noqa: S307 - our own statement
            assert got == want, f"{label}: {stmt} gave {got!r}, expected {want!r}"
        raw = self.ns(stmt, namespace, number)
        net = max(raw - self.baseline, 0.0)
        return label, raw, net


def print_table(title, rows, reference=None):
    print(f"\n{title}")
    print(f"  {'':<34} {'raw ns':>9} {'net ns':>9} {'raw/ref':>8}")
    ref = None
    if reference is not None:
        ref = dict((r[0], r) for r in rows)[reference][1]
    for label, raw, net in rows:
        ratio = f"{raw / ref:7.2f}x" if ref else ""
        print(f"  {label:<34} {raw:9.1f} {net:9.1f} {ratio:>8}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    opts = ap.parse_args()
    number, repeat = (100_000, 3) if opts.quick else (1_000_000, 5)
    slow_number = max(number // 10, 10_000)   # plum: ~1-2 us per call

    import numba
    import plum

    import dispatchjit
    from dispatchjit import (Array, Bool, Complex64, Complex128, Float32, Float64, Int8, Int16, Int32,
                             Int64, Nothing, Tuple, UInt8, UInt16, UInt32, UInt64, generic)

    print("bench/calls.py: call overhead from Python (ns per call, min of repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"llvmlite {version('llvmlite')}, plum-dispatch {version('plum-dispatch')}, "
          f"dispatchjit {version('dispatchjit')} ({os.path.dirname(dispatchjit.__file__)})")
    print(f"timeit: number={number} (plum {slow_number}), repeat={repeat}, gc disabled while timing")

    tm = Timer(number, repeat)
    print(f"empty statement (timeit loop): {tm.baseline:.1f} ns")
    results = {}

    # --- add on floats and ints ----------------------------------------------------------
    def py_add(a, b):
        return a + b

    pdispatch = plum.Dispatcher()

    @pdispatch
    def padd(a: float, b: float):
        return a + b

    @pdispatch
    def padd(a: int, b: int):  # noqa: F811
        return a + b

    @numba.njit
    def nadd(a, b):
        return a + b

    @generic
    def add(a, b):
        return a + b

    for kind, (a, b) in (("floats", (1.5, 2.25)), ("ints", (3, 4))):
        want = a + b
        ns = {"py_add": py_add, "op_add": operator.add, "padd": padd, "nadd": nadd, "add": add, "a": a, "b": b}
        for f in ("nadd", "add", "padd"):
            eval(f"{f}(a, b)", ns)   # compile / warm up
            eval(f"{f}(a, b)", ns)   # second call builds dispatchjit's dispatcher
        rows = [tm.row("plain Python function", "py_add(a, b)", ns, check=want),
                tm.row("operator.add", "op_add(a, b)", ns, check=want),
                tm.row("plum-dispatch", "padd(a, b)", ns, number=slow_number, check=want),
                tm.row("numba.njit", "nadd(a, b)", ns, check=want),
                tm.row("dispatchjit @generic", "add(a, b)", ns, check=want)]
        print_table(f"add(a, b) on two {kind}  (ratio vs numba.njit)", rows, reference="numba.njit")
        results[f"add_{kind}"] = dict((r[0], r) for r in rows)
    assert add._dispatcher is not None, "dispatchjit's dispatcher was not installed"

    # --- first(x, y) = x[0] + y[0] on 1-element arrays -------------------------------------
    def py_first(x, y):
        return x[0] + y[0]

    @numba.njit
    def nfirst(x, y):
        return x[0] + y[0]

    @generic
    def first(x, y):
        return x[0] + y[0]

    x, y = np.array([1.5]), np.array([2.0])
    ns = {"py_first": py_first, "nfirst": nfirst, "first": first, "x": x, "y": y}
    for f in ("nfirst", "first", "first"):
        eval(f"{f}(x, y)", ns)
    rows = [tm.row("plain Python function", "py_first(x, y)", ns, check=3.5),
            tm.row("numba.njit", "nfirst(x, y)", ns, check=3.5),
            tm.row("dispatchjit @generic", "first(x, y)", ns, check=3.5)]
    print_table("first(x, y) = x[0] + y[0] on two 1-element float64 arrays  (ratio vs numba.njit)", rows,
                reference="numba.njit")
    results["first"] = dict((r[0], r) for r in rows)

    # --- doubled(x) = 2.0 * x: a new 3-element array returned -------------------------------
    def py_doubled(x):
        return 2.0 * x

    @numba.njit
    def ndoubled(x):
        return 2.0 * x

    @generic
    def doubled(x):
        return 2.0 * x

    v = np.array([1.0, 2.0, 3.0])
    ns = {"py_doubled": py_doubled, "ndoubled": ndoubled, "doubled": doubled, "v": v}
    for f in ("ndoubled", "doubled", "doubled"):
        assert list(eval(f"{f}(v)", ns)) == [2.0, 4.0, 6.0]
    rows = [tm.row("NumPy (2.0 * x in Python)", "py_doubled(v)", ns),
            tm.row("numba.njit", "ndoubled(v)", ns),
            tm.row("dispatchjit @generic", "doubled(v)", ns)]
    print_table("doubled(x) = 2.0 * x on a 3-element float64 array, a new array returned  (ratio vs numba.njit)",
                rows, reference="numba.njit")
    results["doubled"] = dict((r[0], r) for r in rows)

    # --- 20 methods, 20 specializations ----------------------------------------------------
    # Defined and called in this order, so the dispatcher checks the signatures in this order:
    # Int64 (a Python int) is the first case, Float64 (a Python float) the last one.
    kinds = [(Int64, 7), (Bool, np.bool_(True)), (Int8, np.int8(7)), (Int16, np.int16(7)), (Int32, np.int32(7)),
             (UInt8, np.uint8(7)), (UInt16, np.uint16(7)), (UInt32, np.uint32(7)), (UInt64, np.uint64(7)),
             (Float32, np.float32(7)), (Complex64, np.complex64(7)), (Complex128, 7j), (Nothing, None),
             (Tuple[Int64, Int64], (1, 2)), (Tuple[Float64, Float64], (1.0, 2.0)), (Tuple[Int64, Float64], (1, 2.0)),
             (Array[Float64, 1], np.zeros(1)), (Array[Int64, 1], np.zeros(1, dtype=np.int64)),
             (Array[Float32, 1], np.zeros(1, dtype=np.float32)), (Float64, 7.5)]
    assert len(kinds) == 20
    many = None
    for i, (t, _) in enumerate(kinds):
        src = f"def many(x: T):\n    return {i}\n"
        code = compile(src, os.path.join(HERE, f"<calls-many-{i}>"), "exec")
        import linecache
        linecache.cache[code.co_filename] = (len(src), None, src.splitlines(True), code.co_filename)
        env = {"T": t, "__name__": "bench_calls_many"}
        exec(code, env)  # noqa: S102 - our own source
        many = generic(env["many"])
    for i, (_, v) in enumerate(kinds):
        assert many(v) == i
        assert many(v) == i
    assert len(many.methods()) == 20 and len(many.specializations) == 20, many.specializations
    assert many._dispatcher is not None and len(many._dispatcher[1]) == 20

    @generic
    def one(x):
        return 0

    one(7), one(7), one(7.5), one(7.5)
    ns = {"many": many, "one": one, "i": 7, "f": 7.5}
    rows = [tm.row("1 method, Int64 (int)", "one(i)", ns, check=0),
            tm.row("20 methods, first compiled: int", "many(i)", ns, check=0),
            tm.row("1 method, Float64 (float)", "one(f)", ns, check=0),
            tm.row("20 methods, last compiled: float", "many(f)", ns, check=19)]
    print_table("a generic function with 20 methods and 20 specializations  (ratio vs the 1-method call)", rows,
                reference="1 method, Int64 (int)")
    results["many"] = dict((r[0], r) for r in rows)

    # --- a generic function as an argument -------------------------------------------------
    @generic
    def sq(x):
        return x * x

    @generic
    def apply(f, x):
        return f(x)

    @numba.njit
    def nsq(x):
        return x * x

    @numba.njit
    def napply(f, x):
        return f(x)

    ns = {"sq": sq, "apply": apply, "nsq": nsq, "napply": napply, "x": 1.5}
    for s in ("sq(x)", "apply(sq, x)", "nsq(x)", "napply(nsq, x)"):
        eval(s, ns)
        eval(s, ns)
    rows = [tm.row("dispatchjit sq(x)", "sq(x)", ns, check=2.25),
            tm.row("dispatchjit apply(sq, x)", "apply(sq, x)", ns, check=2.25),
            tm.row("numba.njit nsq(x)", "nsq(x)", ns, check=2.25),
            tm.row("numba.njit napply(nsq, x)", "napply(nsq, x)", ns, check=2.25)]
    print_table("apply(f, x) = f(x), f a compiled function passed as an argument (x a float)", rows,
                reference="dispatchjit sq(x)")
    results["apply"] = dict((r[0], r) for r in rows)

    # --- targets -----------------------------------------------------------------------------
    print("\ntargets (on raw ns per call)")

    def target(label, value, limit, unit="x"):
        ok = value <= limit
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {value:.2f}{unit} (target <= {limit:g}{unit})")

    for kind in ("floats", "ints"):
        r = results[f"add_{kind}"]
        target(f"add on {kind}: dispatchjit / numba", r["dispatchjit @generic"][1] / r["numba.njit"][1], 0.35)
    r = results["first"]
    target("first(x, y) on arrays: dispatchjit / numba", r["dispatchjit @generic"][1] / r["numba.njit"][1], 0.5)
    r = results["doubled"]
    target("doubled(x), a new array: dispatchjit / numba", r["dispatchjit @generic"][1] / r["numba.njit"][1], 0.5)
    r = results["many"]
    target("20 methods, first compiled / 1 method",
           r["20 methods, first compiled: int"][1] / r["1 method, Int64 (int)"][1], 1.10)
    target("20 methods, last compiled / 1 method",
           r["20 methods, last compiled: float"][1] / r["1 method, Float64 (float)"][1], 1.10)
    r = results["apply"]
    target("apply(sq, x) / sq(x), dispatchjit", r["dispatchjit apply(sq, x)"][1] / r["dispatchjit sq(x)"][1], 2.0)
    print(f"  info  apply(nsq, x) / nsq(x), numba: "
          f"{r['numba.njit napply(nsq, x)'][1] / r['numba.njit nsq(x)'][1]:.2f}x; "
          f"dispatchjit apply / numba apply: "
          f"{r['dispatchjit apply(sq, x)'][1] / r['numba.njit napply(nsq, x)'][1]:.2f}x")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - a benchmark reports, it never fails the build
        import traceback
        traceback.print_exc()
    sys.exit(0)
