"""User types benchmark: structs in compiled code against Numba and CPython, in one run.

    .venv/bin/python bench/structs.py [--quick]

Rows (min of repeats; ratios of dispatchjit's time to the anchor's):
- ``particles``: 1000 particles (x, y, vx, vy) in a NumPy structured array advanced 1000 steps;
  the same source compiled by ``numba.njit`` (record arrays) and by dispatchjit (an array of a
  ``@struct``). Target: at most 1.0x Numba's time.
- ``norm2``: the sum of ``p.x * p.x + p.y * p.y`` over 10^6 ``Point[Float64]`` in a structured
  array, dispatchjit's ``norm2(p: Point[T])`` method against the same loop in Numba. Target:
  at most 1.0x Numba's time.
- ``struct call``: calling a compiled function with one struct argument from Python,
  ``area(Circle(2.0))``, against Numba's ``@jitclass`` instance passed to an ``njit`` function,
  and CPython on a dataclass. Target: at most 0.5x Numba's call.
Prints PASS/FAIL per target and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import dataclasses
import gc
import math
import os
import platform
import sys
import timeit
from typing import Generic, TypeVar

from machine import best_of, cpu_model, verdict, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import dispatchjit  # noqa: E402
from dispatchjit import Float64, Real, generic, struct  # noqa: E402

T = TypeVar("T", bound=Real)


@struct
class Particle:
    x: float
    y: float
    vx: float
    vy: float


@struct
class Point(Generic[T]):
    x: T
    y: T


@struct
class Circle:
    r: float


def advance(ps, dt, steps):
    """One source for both compilers: field reads and writes of array elements."""
    for _ in range(steps):
        for i in range(len(ps)):
            ps[i].x += ps[i].vx * dt
            ps[i].y += ps[i].vy * dt
            ps[i].vy -= 9.8 * dt


@generic
def norm2(p: Point[T]) -> T:
    return p.x * p.x + p.y * p.y


@generic
def total_norm2(ps):
    s = 0.0
    for i in range(len(ps)):
        s += norm2(ps[i])
    return s


def numba_total_norm2(ps):
    s = 0.0
    for i in range(len(ps)):
        p = ps[i]
        s += p.x * p.x + p.y * p.y
    return s


@generic
def area(c: Circle):
    return math.pi * c.r * c.r


@dataclasses.dataclass(frozen=True)
class PyCircle:
    r: float


def py_area(c):
    return math.pi * c.r * c.r


def per_call_ns(stmt: str, ns: dict, number: int, repeat: int) -> float:
    gc.disable()
    try:
        return min(timeit.Timer(stmt, globals=ns).repeat(repeat=repeat, number=number)) / number * 1e9
    finally:
        gc.enable()



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    opts = ap.parse_args()
    n_particles, steps, n_points, repeat = (1000, 100, 100_000, 3) if opts.quick else (1000, 1000, 1_000_000, 5)
    number = 200_000 if opts.quick else 1_000_000

    import numba
    from numba.experimental import jitclass

    print("bench/structs.py: structs in compiled code (min of repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"llvmlite {version('llvmlite')}, dispatchjit {version('dispatchjit')} "
          f"({os.path.dirname(dispatchjit.__file__)})")

    # --- particles ---------------------------------------------------------------------------
    dtype = dispatchjit.typeof(Particle(0.0, 0.0, 0.0, 0.0)).dtype
    rng = np.random.default_rng(1)
    start = np.zeros(n_particles, dtype)
    for name in dtype.names:
        start[name] = rng.normal(size=n_particles)
    # Numba gets the same layout without the struct in the metadata.
    ours, theirs = start.copy(), np.zeros(n_particles, np.dtype([(n, "f8") for n in dtype.names], align=True))
    for name in dtype.names:
        theirs[name] = start[name]
    jit_advance, nb_advance = generic(advance), numba.njit(advance)
    jit_advance(ours, 1e-3, 1)
    nb_advance(theirs, 1e-3, 1)
    for name in dtype.names:
        assert np.allclose(ours[name], theirs[name], rtol=1e-12), name
    t_ours = best_of(jit_advance, (ours, 1e-3, steps), repeat)
    t_nb = best_of(nb_advance, (theirs, 1e-3, steps), repeat)
    ratio = t_ours / t_nb
    print(f"\nparticles: {n_particles} in a structured array, {steps} steps")
    print(f"  numba.njit            {t_nb * 1e3:9.2f} ms")
    print(f"  dispatchjit @generic  {t_ours * 1e3:9.2f} ms   {ratio:5.2f}x numba   {verdict(ratio, 1.0)}")

    # --- norm2 over Point[Float64] -------------------------------------------------------------
    pts = np.zeros(n_points, Point[Float64].dtype)
    pts["x"], pts["y"] = rng.normal(size=n_points), rng.normal(size=n_points)
    plain = np.zeros(n_points, np.dtype([("x", "f8"), ("y", "f8")], align=True))
    plain["x"], plain["y"] = pts["x"], pts["y"]
    nb_norm2 = numba.njit(numba_total_norm2)
    assert math.isclose(total_norm2(pts), nb_norm2(plain), rel_tol=1e-12)
    t_ours = best_of(total_norm2, (pts,), repeat * 4)
    t_nb = best_of(nb_norm2, (plain,), repeat * 4)
    ratio = t_ours / t_nb
    print(f"\nnorm2: sum over {n_points} Point[Float64] in a structured array")
    print(f"  numba.njit            {t_nb * 1e3:9.3f} ms")
    print(f"  dispatchjit @generic  {t_ours * 1e3:9.3f} ms   {ratio:5.2f}x numba   {verdict(ratio, 1.0)}")

    # --- calling with a struct argument ---------------------------------------------------------
    @jitclass([("r", numba.float64)])
    class NbCircle:
        def __init__(self, r):
            self.r = r

    @numba.njit
    def nb_area(c):
        return math.pi * c.r * c.r

    ns = {"area": area, "nb_area": nb_area, "py_area": py_area, "c": Circle(2.0), "nc": NbCircle(2.0),
          "pc": PyCircle(2.0)}
    for stmt in ("area(c)", "area(c)", "nb_area(nc)", "py_area(pc)"):
        eval(stmt, ns)   # compile, then build the dispatcher
    assert area._dispatcher is not None, "dispatchjit's dispatcher was not installed"
    want = math.pi * 4.0
    assert eval("area(c)", ns) == want == eval("nb_area(nc)", ns)
    rows = [(label, per_call_ns(stmt, ns, number if "nb" not in stmt else number // 4, repeat))
            for label, stmt in (("CPython on a dataclass", "py_area(pc)"), ("numba jitclass + njit", "nb_area(nc)"),
                                ("dispatchjit @struct", "area(c)"))]
    nb = dict(rows)["numba jitclass + njit"]
    print("\nstruct call: area(Circle(2.0)) from Python (ns per call)")
    for label, t in rows:
        print(f"  {label:<24} {t:8.1f} ns   {t / nb:5.2f}x numba")
    ratio = dict(rows)["dispatchjit @struct"] / nb
    print(f"  dispatchjit / numba: {ratio:.2f}x   {verdict(ratio, 0.5)}")


if __name__ == "__main__":
    main()
