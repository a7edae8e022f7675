"""Compile-latency benchmark: dispatchjit against Numba, in one run.

    .venv/bin/python bench/compile.py [--quick]

(a) warm: in this process, after each compiler has already compiled an unrelated function, the
    first call (compile + one run) of scalar ``add``, a ``dot`` loop over two float64 arrays and
    recursive ``fib``.  Every compile needs a new function object, so each trial writes the
    kernel source to a fresh module file with a unique name and imports it (for both compilers;
    dispatchjit reads the source of a method, so the file must exist).  Minimum over trials.
(b) fresh process: the very first compile in a new interpreter (timed after the imports), one
    subprocess per run, minimum over runs.
(c) import time: ``import numpy`` against ``import numpy, dispatchjit`` in fresh interpreters
    (perf_counter around the import in ``-c``), minimum over runs.

dispatchjit's per-stage breakdown (parse, infer, lower, optimize, codegen) comes from
``f.specializations[0].timings``.  Targets: dispatchjit <= 1/3 of Numba for every warm and
fresh-process compile; dispatchjit adds <= 40 ms to ``import numpy``.  Prints PASS/FAIL and
always exits 0.
"""

import argparse
import importlib.util
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from machine import cpu_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
STAGES = ("parse", "infer", "lower", "optimize", "codegen")
COMPILE_RATIO, IMPORT_BUDGET = 1 / 3, 0.040

HEADER = {"dispatchjit": "from dispatchjit import generic as jit\n",
          "numba": "from numba import njit as jit\n"}
KERNELS = {
    "add": ("@jit\ndef add(a, b):\n    return a + b\n", "add(1.5, 2.25)"),
    "dot": ("@jit\ndef dot(x, y):\n    s = 0.0\n    for i in range(x.shape[0]):\n        s += x[i] * y[i]\n"
            "    return s\n", "dot(X, Y)"),
    "fib": ("@jit\ndef fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n", "fib(15)"),
}
EXPECTED = {"add": 3.75, "dot": 2.0 * 8, "fib": 610}
_counter = itertools.count()
TMP = tempfile.mkdtemp(prefix="dispatchjit-bench-compile-")


def fresh_module(compiler, kernel):
    """Import the kernel's source as a new module with a unique name: a new function object."""
    name = f"bench_compile_{compiler}_{kernel}_{os.getpid()}_{next(_counter)}"
    path = os.path.join(TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(HEADER[compiler] + KERNELS[kernel][0])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def first_call(compiler, kernel):
    """Seconds of the first call of a fresh copy of ``kernel``, and dispatchjit's stage timings."""
    import numpy as np
    module = fresh_module(compiler, kernel)
    env = {kernel: getattr(module, kernel), "X": np.full(8, 2.0), "Y": np.ones(8)}
    call = KERNELS[kernel][1]
    t0 = time.perf_counter()
    result = eval(call, env)  # noqa: S307 - our own expression
    elapsed = time.perf_counter() - t0
    assert result == EXPECTED[kernel], (compiler, kernel, result)
    stages = None
    if compiler == "dispatchjit":
        stages = dict(getattr(module, kernel).specializations[0].timings)
    return elapsed, stages


def child(compiler, kernel):
    """Subprocess body: imports first, then time the very first compile of the process."""
    import numpy  # noqa: F401
    if compiler == "dispatchjit":
        import dispatchjit  # noqa: F401
    else:
        import numba  # noqa: F401
    elapsed, stages = first_call(compiler, kernel)
    print(json.dumps({"seconds": elapsed, "stages": stages}))


def child_env(cached):
    """Environment of a fresh interpreter. ``cached``: bytecode is written to (and read from) a
    private cache (PYTHONPYCACHEPREFIX), as for an installed package, primed by an untimed run;
    otherwise the environment as given (where PYTHONDONTWRITEBYTECODE may make every import of
    dispatchjit compile its sources)."""
    env = dict(os.environ)
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(TMP, "pycache")
    return env


def run_child(compiler, kernel, cached=True):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", compiler, kernel],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, env=child_env(cached))
    if out.returncode != 0:
        raise RuntimeError(f"child {compiler} {kernel} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_seconds(cached=True):
    """(seconds of ``import numpy``, seconds of ``import dispatchjit`` right after it, seconds of
    ``import numba`` right after numpy, in another interpreter) in fresh interpreters."""
    code = ("import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
            "import {mod}; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    times = []
    for mod in ("dispatchjit", "numba"):
        out = subprocess.run([sys.executable, "-c", code.format(mod=mod)], capture_output=True, text=True,
                             cwd=ROOT, timeout=60, env=child_env(cached))
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        times.append(tuple(map(float, out.stdout.split())))
    return times[0][0], times[0][1], times[1][1]


def ms(t):
    return f"{t * 1e3:8.1f}"


def stage_line(stages, total):
    """The stages, and ``other``: the first call's time outside them (loading the compiler's
    modules on first use, resolution, bookkeeping, the run itself)."""
    other = total - sum(stages.get(s, 0.0) for s in STAGES)
    return "  ".join(f"{s} {stages.get(s, 0.0) * 1e3:.1f}" for s in STAGES) + f"  other {other * 1e3:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer trials")
    ap.add_argument("--child", nargs=2, metavar=("COMPILER", "KERNEL"), help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        child(*opts.child)
        return
    trials, runs, import_runs = (3, 1, 3) if opts.quick else (5, 3, 5)

    import numba
    import numpy as np

    import dispatchjit
    import llvmlite
    print("bench/compile.py: compile latency (first call = compile + one run), ms, min of trials")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"llvmlite {llvmlite.__version__}, dispatchjit {dispatchjit.__version__}")
    print(f"warm trials {trials}, fresh-process runs {runs}, import runs {import_runs}")
    verdicts = []

    # --- (a) warm --------------------------------------------------------------------------
    for compiler in ("dispatchjit", "numba"):   # compile something unrelated first
        first_call(compiler, "add")
    warm = {}
    for kernel in KERNELS:
        for compiler in ("dispatchjit", "numba"):
            best, best_stages = float("inf"), None
            for _ in range(trials):
                t, stages = first_call(compiler, kernel)
                if t < best:
                    best, best_stages = t, stages
            warm[kernel, compiler] = (best, best_stages)
    print("\n(a) warm process (each compiler already compiled an unrelated function)")
    print(f"  {'kernel':<6} {'dispatchjit':>11} {'numba':>9} {'ratio':>7}   dispatchjit stages (ms)")
    for kernel in KERNELS:
        d, stages = warm[kernel, "dispatchjit"]
        n, _ = warm[kernel, "numba"]
        print(f"  {kernel:<6} {ms(d):>11} {ms(n):>9} {d / n:6.2f}x   {stage_line(stages, d)}")
        verdicts.append((f"warm {kernel}: dispatchjit / numba", d / n, COMPILE_RATIO))

    # --- (b) fresh process ---------------------------------------------------------------------
    for kernel in KERNELS:                      # prime the bytecode cache (untimed)
        for compiler in ("dispatchjit", "numba"):
            run_child(compiler, kernel)
    bytecode_note = ("" if os.environ.get("PYTHONDONTWRITEBYTECODE") is None else
                     "; this environment sets PYTHONDONTWRITEBYTECODE, so the timed runs use a private,"
                     " primed bytecode cache (PYTHONPYCACHEPREFIX)")
    for cached in (True, False):
        if not cached and os.environ.get("PYTHONDONTWRITEBYTECODE") is None:
            break
        fresh = {}
        for kernel in KERNELS:
            for compiler in ("dispatchjit", "numba"):
                results = [run_child(compiler, kernel, cached) for _ in range(runs)]
                fresh[kernel, compiler] = min(results, key=lambda r: r["seconds"])
        if cached:
            print(f"\n(b) first compile in a fresh process (after the imports; bytecode cached{bytecode_note})")
        else:
            print("\n(b') the same without bytecode files (PYTHONDONTWRITEBYTECODE as set here: the compiler's"
                  " modules are compiled from source when first used; for information)")
        print(f"  {'kernel':<6} {'dispatchjit':>11} {'numba':>9} {'ratio':>7}   dispatchjit stages (ms)")
        for kernel in KERNELS:
            d = fresh[kernel, "dispatchjit"]
            n = fresh[kernel, "numba"]
            ratio = d["seconds"] / n["seconds"]
            print(f"  {kernel:<6} {ms(d['seconds']):>11} {ms(n['seconds']):>9} {ratio:6.2f}x   "
                  f"{stage_line(d['stages'], d['seconds'])}")
            if cached:
                verdicts.append((f"fresh-process {kernel}: dispatchjit / numba", ratio, COMPILE_RATIO))

    # --- (c) import time ---------------------------------------------------------------------
    added = None
    for cached in (True, False):
        if not cached and os.environ.get("PYTHONDONTWRITEBYTECODE") is None:
            break
        runs_ = [import_seconds(cached) for _ in range(import_runs)]
        numpy_t, dj_t, numba_t = (min(r[i] for r in runs_) for i in range(3))
        print("\n(c) import time in a fresh interpreter (ms, min of runs; "
              + ("bytecode cached)" if cached else "without bytecode files, as set here; for information)"))
        print(f"  import numpy                          {ms(numpy_t)}")
        print(f"  then import dispatchjit (added)       {ms(dj_t)}")
        print(f"  then import numba (added, reference)  {ms(numba_t)}")
        if cached:
            added = dj_t

    print("\ntargets")
    for label, value, limit in verdicts:
        print(f"  {'PASS' if value <= limit else 'FAIL'}  {label}: {value:.2f}x (target <= {limit:.2f}x)")
    print(f"  {'PASS' if added <= IMPORT_BUDGET else 'FAIL'}  import dispatchjit adds {added * 1e3:.1f} ms "
          f"(target <= {IMPORT_BUDGET * 1e3:.0f} ms)")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - a benchmark reports, it never fails the build
        import traceback
        traceback.print_exc()
    finally:
        import shutil
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(0)
