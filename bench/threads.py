"""Two Python threads running compiled code: with ``@generic(nogil=True)`` the machine code runs
without the GIL, so the threads run in parallel; without it they take turns.

Prints serial and 2-thread wall times (min of repeats) and the speedup for both variants.
Usage: python bench/threads.py [--quick]
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from dispatchjit import generic


def kernel(x, reps):
    s = 0.0
    for r in range(reps):
        for i in range(x.shape[0]):
            s += x[i] * 1.000001 + r
    return s


@generic(nogil=True)
def kernel_nogil(x, reps):
    s = 0.0
    for r in range(reps):
        for i in range(x.shape[0]):
            s += x[i] * 1.000001 + r
    return s


kernel_gil = generic(kernel)


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    quick = "--quick" in sys.argv
    reps, repeats = (40, 3) if quick else (200, 5)
    x = np.random.default_rng(0).random(100_000)
    print(f"2 threads on {os.cpu_count()} cores; each call: {reps} passes over {x.size} floats")
    with ThreadPoolExecutor(2) as pool:
        for name, f in (("GIL held", kernel_gil), ("nogil=True", kernel_nogil)):
            f(x, 1)
            serial = best(lambda: (f(x, reps), f(x, reps)), repeats)
            parallel = best(lambda: list(pool.map(lambda _: f(x, reps), range(2))), repeats)
            print(f"{name:<11} serial {serial * 1e3:8.1f} ms   2 threads {parallel * 1e3:8.1f} ms   "
                  f"speedup {serial / parallel:4.2f}x")


if __name__ == "__main__":
    main()
