"""Array benchmark: dispatchjit (@generic) against Numba (njit) and NumPy, in one run.

    .venv/bin/python bench/arrays.py [--quick]

Each kernel below is an ordinary Python function; it is compiled with ``dispatchjit.generic``
and with ``numba.njit`` from the same function object, so both compile the same source. Where
NumPy has the operation, its vectorized (or BLAS) form is timed too. Each compiled kernel is
called once to compile it ("1st call": compilation plus one run), then timed as the minimum over
several repeats (time.perf_counter). Results are checked against each other.

Targets: dispatchjit within 1.1x of Numba on every kernel; the fastmath dot product
(``@generic(fastmath=True)``) within 1.2x of ``np.dot``. The script prints PASS/FAIL per target
and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import contextlib
import math
import os
import platform
import sys

import numpy as np
from machine import best_of, cpu_model, first_call, version  # noqa: E402

TARGET_NUMBA = 1.1
TARGET_NPDOT = 1.2


# --- kernels (plain Python; compiled twice below) -------------------------------------------------
def dot(x, y):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * y[i]
    return s


def dot_fastmath(x, y):  # the same body, compiled with fastmath (a separate generic function)
    s = 0.0
    for i in range(len(x)):
        s += x[i] * y[i]
    return s


def laplace(u, out):
    for i in range(1, u.shape[0] - 1):
        for j in range(1, u.shape[1] - 1):
            out[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1]) - u[i, j]
    return out


def total(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i]
    return s


def column_sum(a, j):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i, j]
    return s


def pairwise(p):
    n = p.shape[0]
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            d = 0.0
            for k in range(p.shape[1]):
                t = p[i, k] - p[j, k]
                d += t * t
            out[i, j] = math.sqrt(d)
    return out


def matmul_ikj(a, b):
    n, m, p = a.shape[0], a.shape[1], b.shape[1]
    out = np.zeros((n, p))
    for i in range(n):
        for k in range(m):
            aik = a[i, k]
            for j in range(p):
                out[i, j] += aik * b[k, j]
    return out


def matmul_ijk(a, b):
    n, m, p = a.shape[0], a.shape[1], b.shape[1]
    out = np.zeros((n, p))
    for i in range(n):
        for j in range(p):
            s = 0.0
            for k in range(m):
                s += a[i, k] * b[k, j]
            out[i, j] = s
    return out


# --- NumPy forms ----------------------------------------------------------------------------------
def np_laplace(u, out):
    out[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]) - u[1:-1, 1:-1]
    return out


def np_pairwise(p):
    d = p[:, None, :] - p[None, :, :]
    return np.sqrt((d * d).sum(axis=-1))


# --- machinery ------------------------------------------------------------------------------------


def blas_info():
    """What NumPy's BLAS is and how many threads it may use (nothing in the environment is changed)."""
    lines = []
    try:
        import threadpoolctl
        for pool in threadpoolctl.threadpool_info():
            lines.append(f"{pool.get('internal_api')} {pool.get('version')} "
                         f"threads={pool.get('num_threads')} ({pool.get('filepath')})")
    except ImportError:
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            lines.append(f"{blas.get('name')} {blas.get('version')} "
                         f"({blas.get('openblas configuration', '').strip()})")
        except Exception as exc:  # noqa: BLE001
            lines.append(f"unknown ({type(exc).__name__})")
        lines.append("threads: threadpoolctl not installed; env " + ", ".join(
            f"{k}={os.environ.get(k, '-')}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                       "MKL_NUM_THREADS")))
    return lines


def fmt_time(t):
    if t is None:
        return "-"
    if t >= 1.0:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.0f} us"


def fmt_ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


def agree(a, b):
    try:
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-9))
    except Exception:  # noqa: BLE001
        return False


def blas_threads(n: int | None):
    """A context limiting BLAS to ``n`` threads (None: unchanged). The compiled loops are
    single-threaded, so the fastmath target compares with single-thread np.dot."""
    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    opts = ap.parse_args()
    repeats = 3 if opts.quick else 30

    import numba
    print("dispatchjit array benchmark" + (" (--quick)" if opts.quick else ""))
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"machine : {cpu_model()}, {os.cpu_count()} cores ({affinity} usable)")
    print(f"python  : {platform.python_version()} ({platform.python_implementation()})")
    print(f"numba {version('numba')}, llvmlite {version('llvmlite')}, numpy {version('numpy')}")
    for line in blas_info():
        print(f"blas    : {line}")
    print(f"timing  : min of {repeats} runs after a compiling warm-up call; targets dispatchjit "
          f"<= {TARGET_NUMBA}x numba, fastmath dot <= {TARGET_NPDOT}x np.dot")
    print()

    dj_error = None
    try:
        from dispatchjit import generic
    except Exception as exc:  # noqa: BLE001 -- report, don't crash
        generic, dj_error = None, f"{type(exc).__name__}: {exc}"

    rng = np.random.default_rng(0)
    n = 10**6
    x, y = rng.random(n), rng.random(n)
    u = rng.random((1024, 1024))
    x3 = rng.random(3 * n)
    mat = rng.random((n, 3))  # C order: a column is a stride-24-bytes walk
    pts = rng.random((1000, 3))
    a, b = rng.random((256, 256)), rng.random((256, 256))

    # (label, kernel, args, numpy form or None, options for generic/njit)
    kernels = [
        ("dot n=1e6", dot, (x, y), lambda x, y: np.dot(x, y), {}),
        ("laplace 1024^2", laplace, (u, np.zeros_like(u)), np_laplace, {}),
        ("sum x[::3] n=1e6", total, (x3[::3],), lambda v: v.sum(), {}),
        ("sum column 1e6x3", column_sum, (mat, 1), lambda m, j: m[:, j].sum(), {}),
        ("pairwise 1000x3", pairwise, (pts,), np_pairwise, {}),
        ("matmul i-k-j 256^2", matmul_ikj, (a, b), lambda a, b: a @ b, {}),
        ("matmul i-j-k 256^2", matmul_ijk, (a, b), lambda a, b: a @ b, {}),
        ("dot fastmath n=1e6", dot_fastmath, (x, y), lambda x, y: np.dot(x, y), {"fastmath": True}),
    ]

    rows = []
    for label, fn, args, np_fn, options in kernels:
        row = {"label": label, "check": "ok", "fastmath": bool(options)}
        nb_fn = numba.njit(**options)(fn)
        row["nb_first"], nb_result = first_call(nb_fn, args)
        row["nb"] = best_of(nb_fn, args, repeats)
        row["np"] = None
        if np_fn is not None:
            with blas_threads(1 if options.get("fastmath") else None):
                np_result = np_fn(*args)
                row["np"] = best_of(np_fn, args, repeats)
            if not agree(np_result, nb_result):
                row["check"] = "numpy and numba disagree"
        row["dj"] = row["dj_first"] = None
        if generic is not None:
            try:
                dj_fn = generic(**options)(fn) if options else generic(fn)
                row["dj_first"], dj_result = first_call(dj_fn, args)
                row["dj"] = best_of(dj_fn, args, repeats)
                if not agree(dj_result, nb_result):
                    row["check"] = f"MISMATCH dispatchjit {dj_result!r} != numba {nb_result!r}"
            except Exception as exc:  # noqa: BLE001
                row["check"] = f"dispatchjit raised {type(exc).__name__}: {exc}"
                row["dj"] = row["dj_first"] = None
        rows.append(row)

    head = (f"{'kernel':<21}{'dispatchjit':>12}{'numba':>11}{'numpy':>11}{'dj/numba':>10}"
            f"{'dj/numpy':>10}{'dj 1st':>11}{'nb 1st':>11}  targets")
    print(head)
    print("-" * len(head))
    for r in rows:
        verdicts = []
        ok = r["check"] == "ok" and r["dj"] is not None
        verdicts.append(f"numba {'PASS' if ok and r['dj'] <= TARGET_NUMBA * r['nb'] else 'FAIL'}")
        if r["fastmath"]:
            verdicts.append(f"np.dot {'PASS' if ok and r['dj'] <= TARGET_NPDOT * r['np'] else 'FAIL'}")
        print(f"{r['label']:<21}{fmt_time(r['dj']):>12}{fmt_time(r['nb']):>11}{fmt_time(r['np']):>11}"
              f"{fmt_ratio(r['dj'], r['nb']):>10}{fmt_ratio(r['dj'], r['np']):>10}"
              f"{fmt_time(r['dj_first']):>11}{fmt_time(r['nb_first']):>11}  {', '.join(verdicts)}")
    print()
    for r in rows:
        if r["check"] != "ok":
            print(f"! {r['label']}: {r['check']}")
    if dj_error:
        print(f"! dispatchjit could not be loaded: {dj_error}")
    print("numpy column: np.dot / a @ b (BLAS), slicing expressions, .sum(); fastmath row: "
          "dispatchjit and numba both with fastmath=True, np.dot on one BLAS thread (threadpoolctl)")
    print(f"1st = first call (compilation + one run); targets: dj/numba <= {TARGET_NUMBA} on every "
          f"kernel, fastmath dot <= {TARGET_NPDOT}x np.dot; exit status is 0 regardless")
    return 0


if __name__ == "__main__":
    sys.exit(main())
