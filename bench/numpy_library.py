"""NumPy in compiled code against NumPy and Numba, in one run (issue 13; rows are added as the
library grows).

    .venv/bin/python bench/numpy_library.py [--quick]

(Not ``bench/numpy.py``: run as a script, a file of that name would stand for NumPy itself.)

Rows (min of repeats):
- ``a*x + y*z + w`` over 10^7 float64: a fused array expression against NumPy (four
  temporaries), ``numba.njit`` of the same function and numexpr where installed (one thread).
  Targets: at most 0.5x NumPy's time and 1.0x Numba's; the first call at most 0.5x Numba's.
- ``np.sum`` of 10^6 float64: dispatchjit's library sum (NumPy's pairwise summation) against
  ``np.sum`` itself and ``numba.njit`` of the same function. Targets: at most 1.0x NumPy's
  time, and a relative error on an ill-conditioned input (against ``math.fsum``) no larger than
  NumPy's; the first call at most 0.5x Numba's first call.
First calls are timed in fresh processes (min of 3), the compiler imported beforehand.
Prints PASS/FAIL per target and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import math
import os
import platform
import subprocess
import sys
import time

from machine import best_of, cpu_model, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import dispatchjit  # noqa: E402
from dispatchjit import generic  # noqa: E402


def total(a):
    return np.sum(a)


def axpy3(a, x, y, z, w):
    return a * x + y * z + w


CASES = {"axpy3": (axpy3, lambda rng: tuple(rng.random(10**7) for _ in range(5))),
         "total": (total, lambda rng: (rng.normal(size=10**6),))}


def fresh_first_call(compiler: str, case: str, runs: int = 3) -> float:
    """Seconds of the first call of ``case`` compiled by ``compiler`` in a fresh process (the
    compiler imported, the inputs made and the allocator warmed beforehand), min of ``runs``."""
    cmd = [sys.executable, os.path.abspath(__file__), "--first-call", compiler, case]
    return min(float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout) for _ in range(runs))


def _first_call(compiler: str, case: str) -> None:
    fn, make = CASES[case]
    args = make(np.random.default_rng(0))
    # A process's first large allocation pays for faulting in fresh pages (200 ms for 80 MB on
    # some VMs), which neither compiler's time should include: pay it here, for both.
    np.empty(sum(a.size for a in args), np.float64).fill(0.0)
    if compiler == "numba":
        import numba
        compiled = numba.njit(fn)
    else:
        compiled = generic(fn)
    t0 = time.perf_counter()
    compiled(*args)
    print(time.perf_counter() - t0)


def verdict(ratio: float, target: float) -> str:
    return f"{'PASS' if ratio <= target else 'FAIL'} (target <= {target}x)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--first-call", nargs=2, metavar=("COMPILER", "CASE"), help=argparse.SUPPRESS)
    options = ap.parse_args()
    if options.first_call:
        return _first_call(*options.first_call)
    repeat = 10 if options.quick else 50

    import numba

    print("bench/numpy_library.py: NumPy functions in compiled code (min of repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"dispatchjit {version('dispatchjit')} ({os.path.dirname(dispatchjit.__file__)})")

    rng = np.random.default_rng(0)
    expression(rng, numba, repeat)
    x = rng.normal(size=10**6)
    ours, theirs = generic(total), numba.njit(total)
    t_first_ours, t_first_nb = fresh_first_call("dispatchjit", "total"), fresh_first_call("numba", "total")
    assert ours(x) == np.sum(x), "the library's sum is not NumPy's pairwise sum"
    t_np = best_of(np.sum, (x,), repeat)
    t_ours = best_of(ours, (x,), repeat)
    t_nb = best_of(theirs, (x,), repeat)
    print(f"\nnp.sum of {x.size} float64")
    print(f"  numpy                 {t_np * 1e6:8.1f} us")
    print(f"  numba.njit            {t_nb * 1e6:8.1f} us   {t_nb / t_np:5.2f}x numpy")
    print(f"  dispatchjit @generic  {t_ours * 1e6:8.1f} us   {t_ours / t_np:5.2f}x numpy   "
          f"{verdict(t_ours / t_np, 1.0)}")

    hard = rng.normal(size=10**6) * 10.0 ** rng.integers(-8, 8, 10**6)
    exact = math.fsum(hard)
    err = {name: abs(f(hard) - exact) / abs(exact) for name, f in (("numpy", np.sum), ("numba", theirs),
                                                                     ("dispatchjit", ours))}
    print("  relative error on an ill-conditioned input (vs math.fsum): "
          + ", ".join(f"{k} {v:.2e}" for k, v in err.items()))
    print(f"  dispatchjit error <= numpy's: {'PASS' if err['dispatchjit'] <= err['numpy'] else 'FAIL'}")
    ratio = t_first_ours / t_first_nb
    print(f"  first call: dispatchjit {t_first_ours * 1e3:.1f} ms, numba {t_first_nb * 1e3:.1f} ms: "
          f"{ratio:.2f}x   {verdict(ratio, 0.5)}")


def expression(rng, numba, repeat):
    n = 10**7
    args = tuple(rng.random(n) for _ in range(5))
    ours, theirs = generic(axpy3), numba.njit(axpy3)
    t_first_ours, t_first_nb = fresh_first_call("dispatchjit", "axpy3"), fresh_first_call("numba", "axpy3")
    assert np.array_equal(ours(*args), axpy3(*args)), "the fused expression differs from NumPy's"
    repeat = max(3, repeat // 5)
    t_np, t_ours, t_nb = (best_of(f, args, repeat) for f in (axpy3, ours, theirs))
    print(f"\na*x + y*z + w over {n} float64")
    print(f"  numpy                 {t_np * 1e3:8.1f} ms")
    print(f"  numba.njit            {t_nb * 1e3:8.1f} ms   {t_nb / t_np:5.2f}x numpy")
    try:
        import numexpr
        numexpr.set_num_threads(1)
        names = dict(zip("axyzw", args))
        t_ne = best_of(lambda: numexpr.evaluate("a*x + y*z + w", local_dict=names), (), repeat)
        print(f"  numexpr (1 thread)    {t_ne * 1e3:8.1f} ms   {t_ne / t_np:5.2f}x numpy")
    except ImportError:
        print("  numexpr               not installed")
    print(f"  dispatchjit @generic  {t_ours * 1e3:8.1f} ms   {t_ours / t_np:5.2f}x numpy   "
          f"{verdict(t_ours / t_np, 0.5)};  {t_ours / t_nb:5.2f}x numba   {verdict(t_ours / t_nb, 1.0)}")
    ratio = t_first_ours / t_first_nb
    print(f"  first call: dispatchjit {t_first_ours * 1e3:.1f} ms, numba {t_first_nb * 1e3:.1f} ms: "
          f"{ratio:.2f}x   {verdict(ratio, 0.5)}")


if __name__ == "__main__":
    main()
