"""NumPy in compiled code against NumPy and Numba, in one run (issue 13; rows are added as the
library grows).

    .venv/bin/python bench/numpy_library.py [--quick]

(Not ``bench/numpy.py``: run as a script, a file of that name would stand for NumPy itself.)

Rows (min of repeats):
- ``a*x + y*z + w`` over 10^7 float64: a fused array expression against NumPy (four passes
  over memory, two new arrays: it reuses temporaries in place), ``numba.njit`` of the same
  function and numexpr where installed (one thread). Targets: at most 0.5x NumPy's time and
  1.0x Numba's; the first call at most 0.5x Numba's. For scale, what a new array's pages cost
  alone and the same loop into an existing array (``out[:] = ...``).
- ``np.sum`` of 10^6 float64: dispatchjit's library sum (NumPy's pairwise summation) against
  ``np.sum`` itself and ``numba.njit`` of the same function. Targets: at most 1.0x NumPy's
  time, and a relative error on an ill-conditioned input (against ``math.fsum``) no larger than
  NumPy's; the first call at most 0.5x Numba's first call.
- Row softmax of a 1000x1000 float64 array (``keepdims`` reductions, a broadcast subtract and
  divide, ``np.exp``) and a k-means assignment step (10^5 points in 4-d, each to the nearest of
  16 centroids: a (n, 16, 4) broadcast difference, squared, summed over ``axis=2``, ``argmin``
  over ``axis=1``), written with array expressions. Numba compiles neither as written (no
  ``keepdims``, no ``None`` in an index), so it runs the same array expressions a row (a
  centroid) at a time, the closest it compiles. Targets: at most 1.0x Numba's time; the first
  call at most 0.5x Numba's.
First calls are timed in fresh processes (min of 3), the compiler imported beforehand.
Prints PASS/FAIL per target and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import math
import os
import platform
import sys
import time

from machine import best_of, cpu_model, fresh_seconds, verdict, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import dispatchjit  # noqa: E402
from dispatchjit import generic  # noqa: E402


def total(a):
    return np.sum(a)


def axpy3(a, x, y, z, w):
    return a * x + y * z + w


def axpy3_into(out, a, x, y, z, w):
    out[:] = a * x + y * z + w


def softmax(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_by_rows(x):
    """``softmax`` as Numba compiles it: no ``keepdims``, so the same expressions row by row."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        e = np.exp(x[i] - np.max(x[i]))
        out[i] = e / np.sum(e)
    return out


def kmeans_assign(points, centroids):
    d = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d, axis=1)


def kmeans_by_centroids(points, centroids):
    """``kmeans_assign`` as Numba compiles it: no ``None`` in an index, so a centroid at a time."""
    best = np.full(points.shape[0], np.inf)
    label = np.zeros(points.shape[0], np.int64)
    for j in range(centroids.shape[0]):
        d = np.sum((points - centroids[j]) ** 2, axis=1)
        label = np.where(d < best, j, label)
        best = np.minimum(d, best)
    return label


# name: (the function, the version Numba compiles, the inputs)
CASES = {"axpy3": (axpy3, axpy3, lambda rng: tuple(rng.random(10**7) for _ in range(5))),
         "total": (total, total, lambda rng: (rng.normal(size=10**6),)),
         "softmax": (softmax, softmax_by_rows, lambda rng: (rng.normal(size=(1000, 1000)),)),
         "kmeans": (kmeans_assign, kmeans_by_centroids,
                    lambda rng: (rng.normal(size=(10**5, 4)), rng.normal(size=(16, 4))))}


def fresh_first_call(compiler: str, case: str) -> float:
    """Seconds of the first call of ``case`` compiled by ``compiler`` in a fresh process (the
    compiler imported, the inputs made and the allocator warmed beforehand), min of 3."""
    return fresh_seconds(__file__, ["--first-call", compiler, case])


def _first_call(compiler: str, case: str) -> None:
    fn, numba_fn, make = CASES[case]
    args = make(np.random.default_rng(0))
    # A process's first large allocation pays for faulting in fresh pages (200 ms for 80 MB on
    # some VMs), which neither compiler's time should include: pay it here, for both.
    np.empty(sum(a.size for a in args), np.float64).fill(0.0)
    if compiler == "numba":
        import numba
        compiled = numba.njit(numba_fn)
    else:
        compiled = generic(fn)
    t0 = time.perf_counter()
    compiled(*args)
    print(time.perf_counter() - t0)



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
    for case in ("softmax", "kmeans"):
        against_numba(case, numba, max(3, repeat // 5))


def against_numba(case, numba, repeat):
    """A row whose target is Numba's time: NumPy itself, Numba's version, ours."""
    fn, numba_fn, make = CASES[case]
    args = make(np.random.default_rng(0))
    ours, theirs = generic(fn), numba.njit(numba_fn)
    t_first_ours, t_first_nb = fresh_first_call("dispatchjit", case), fresh_first_call("numba", case)
    np.testing.assert_allclose(ours(*args), fn(*args), rtol=1e-12)
    np.testing.assert_allclose(theirs(*args), fn(*args), rtol=1e-12)
    t_np, t_ours, t_nb = (best_of(f, args, repeat) for f in (fn, ours, theirs))
    print(f"\n{case}: {fn.__name__}{tuple(a.shape for a in args)}")
    print(f"  numpy                 {t_np * 1e3:8.2f} ms")
    print(f"  numba.njit            {t_nb * 1e3:8.2f} ms   {t_nb / t_np:5.2f}x numpy   ({numba_fn.__name__})")
    print(f"  dispatchjit @generic  {t_ours * 1e3:8.2f} ms   {t_ours / t_np:5.2f}x numpy;  "
          f"{t_ours / t_nb:5.2f}x numba   {verdict(t_ours / t_nb, 1.0)}")
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
    # What the new result's memory alone costs (the kernel zeroes each fresh page on first
    # touch; NumPy's own temporaries pay it too), and the same loop into an existing array.
    out = np.empty(n)
    t_pages = best_of(lambda: np.empty(n).fill(0.0), (), repeat)
    t_into = best_of(generic(axpy3_into), (out,) + args, repeat)
    print(f"  for scale: a new {n}-element array filled {t_pages * 1e3:.1f} ms; "
          f"out[:] = a*x + y*z + w into an existing one {t_into * 1e3:.1f} ms ({t_into / t_np:.2f}x numpy)")


if __name__ == "__main__":
    main()
