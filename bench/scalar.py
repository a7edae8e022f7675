"""Scalar benchmark: dispatchjit (@generic) against Numba (njit) and CPython, in one run.

    .venv/bin/python bench/scalar.py [--quick]

The kernels live in bench/kernels.py and are loaded three times from the same source: with
``jit = dispatchjit.generic``, with ``jit = numba.njit``, and undecorated for CPython.  Each
compiled kernel is called once to compile it (the "1st call" columns: compilation plus one run),
then timed as the minimum over several repeats with time.perf_counter.  CPython runs each kernel
once, at a smaller size where the full one would take long, scaled up by the exact ratio of work
(the table says so).  The project target is dispatchjit within 1.2x of Numba on every kernel; the
script prints PASS/FAIL per kernel and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import importlib.util
import os
import platform
import sys
import time
from machine import best_of, cpu_model, first_call, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 1.2


def load_kernels(name, decorator):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "kernels.py"))
    module = importlib.util.module_from_spec(spec)
    if decorator is not None:
        module.jit = decorator
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def fib_calls(n):
    """Number of calls fib(n) makes: the work ratio used to scale CPython's timing."""
    a, b = 1, 1                     # calls(0), calls(1)
    for _ in range(n - 1):
        a, b = b, a + b + 1
    return b if n >= 1 else a


def fmt_time(t):
    if t is None:
        return "-"
    if t >= 1.0:
        return f"{t:.2f} s"
    return f"{t * 1e3:.2f} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller CPython runs")
    opts = ap.parse_args()
    repeats = 3 if opts.quick else 10

    print("dispatchjit scalar benchmark" + (" (--quick)" if opts.quick else ""))
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"machine : {cpu_model()}, {os.cpu_count()} cores ({affinity} usable)")
    print(f"python  : {platform.python_version()} ({platform.python_implementation()})")
    print(f"numba {version('numba')}, llvmlite {version('llvmlite')}, numpy {version('numpy')}")
    print(f"timing  : min of {repeats} runs after a compiling warm-up call; target dispatchjit "
          f"<= {TARGET}x numba")
    print()

    py = load_kernels("bench_kernels_cpython", None)
    import numba
    nb = load_kernels("bench_kernels_numba", numba.njit)
    dj_error = None
    try:
        from dispatchjit import generic
        dj = load_kernels("bench_kernels_dispatchjit", generic)
    except Exception as exc:  # noqa: BLE001 -- report, don't crash
        dj, dj_error = None, f"{type(exc).__name__}: {exc}"
        print(f"dispatchjit unavailable: {dj_error}\n")

    mandel_args = (-2.0, 0.6, -1.2, 1.2, 400, 320, 256)
    # (label, kernel name, args, CPython args, CPython work scale)
    n_series = 10**7
    n_series_py = n_series // (100 if opts.quick else 10)
    fib_n, fib_n_py = 27, (22 if opts.quick else 27)
    kernels = [
        ("fib(27)", "fib", (fib_n,), (fib_n_py,), fib_calls(fib_n) / fib_calls(fib_n_py)),
        ("mandel 400x320 it256", "mandel_grid", mandel_args, mandel_args, 1.0),
        ("leibniz n=1e7", "leibniz", (n_series,), (n_series_py,), n_series / n_series_py),
    ]

    rows = []
    for label, name, args, py_args, scale in kernels:
        row = {"label": label, "scale": scale}
        nb_fn, py_fn = getattr(nb, name), getattr(py, name)
        row["nb_first"], nb_result = first_call(nb_fn, args)
        row["nb"] = best_of(nb_fn, args, repeats)
        t0 = time.perf_counter()
        py_result = py_fn(*py_args)
        row["py"] = (time.perf_counter() - t0) * scale
        row["check"] = "ok"
        if scale == 1.0 and py_result != nb_result:
            row["check"] = f"numba {nb_result!r} != cpython {py_result!r}"
        row["dj"] = row["dj_first"] = None
        if dj is not None:
            dj_fn = getattr(dj, name)
            try:
                row["dj_first"], dj_result = first_call(dj_fn, args)
                row["dj"] = best_of(dj_fn, args, repeats)
                if dj_result != nb_result:
                    row["check"] = f"MISMATCH dispatchjit {dj_result!r} != numba {nb_result!r}"
            except Exception as exc:  # noqa: BLE001
                row["check"] = f"dispatchjit raised {type(exc).__name__}: {exc}"
                row["dj"] = row["dj_first"] = None
        rows.append(row)

    head = (f"{'kernel':<22}{'dispatchjit':>12}{'numba':>11}{'cpython':>11}"
            f"{'dj/numba':>10}{'cpy/dj':>9}{'dj 1st':>11}{'nb 1st':>11}  target")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r["dj"] / r["nb"] if r["dj"] else None
        speedup = r["py"] / r["dj"] if r["dj"] else None
        verdict = "PASS" if ratio is not None and ratio <= TARGET and r["check"] == "ok" \
            else "FAIL"
        py_time = fmt_time(r["py"]) + ("*" if r["scale"] != 1.0 else " ")
        print(f"{r['label']:<22}{fmt_time(r['dj']):>12}{fmt_time(r['nb']):>11}{py_time:>12}"
              f"{(f'{ratio:.2f}x' if ratio else '-'):>9}"
              f"{(f'{speedup:.3g}x' if speedup else '-'):>9}"
              f"{fmt_time(r['dj_first']):>11}{fmt_time(r['nb_first']):>11}  {verdict}")
    print()
    for (label, name, args, py_args, scale), r in zip(kernels, rows):
        if scale != 1.0:
            print(f"* {label}: CPython ran {name}{py_args} and was scaled by x{scale:.2f} "
                  f"(exact ratio of work)")
        if r["check"] != "ok":
            print(f"! {label}: {r['check']}")
    if dj_error:
        print(f"! dispatchjit could not be loaded: {dj_error}")
    print("1st = first call (compilation + one run); dj/numba <= "
          f"{TARGET} is the target; exit status is 0 regardless")
    return 0


if __name__ == "__main__":
    sys.exit(main())
