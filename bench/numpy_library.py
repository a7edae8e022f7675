"""NumPy in compiled code against NumPy and Numba, in one run (issue 13; rows are added as the
library grows).

    .venv/bin/python bench/numpy_library.py [--quick]

(Not ``bench/numpy.py``: run as a script, a file of that name would stand for NumPy itself.)

Rows (min of repeats):
- ``np.sum`` of 10^6 float64: dispatchjit's library sum (NumPy's pairwise summation) against
  ``np.sum`` itself and ``numba.njit`` of the same function. Targets: at most 1.0x NumPy's
  time, and a relative error on an ill-conditioned input (against ``math.fsum``) no larger than
  NumPy's; the first call at most 0.5x Numba's first call.
Prints PASS/FAIL per target and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import math
import os
import platform
import sys

from machine import best_of, cpu_model, first_call, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import dispatchjit  # noqa: E402
from dispatchjit import generic  # noqa: E402


def total(a):
    return np.sum(a)


def verdict(ratio: float, target: float) -> str:
    return f"{'PASS' if ratio <= target else 'FAIL'} (target <= {target}x)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    repeat = 10 if ap.parse_args().quick else 50

    import numba

    print("bench/numpy_library.py: NumPy functions in compiled code (min of repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"dispatchjit {version('dispatchjit')} ({os.path.dirname(dispatchjit.__file__)})")

    rng = np.random.default_rng(0)
    x = rng.normal(size=10**6)
    ours, theirs = generic(total), numba.njit(total)
    t_first_ours, t_first_nb = first_call(ours, (x,))[0], first_call(theirs, (x,))[0]
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


if __name__ == "__main__":
    main()
