"""Forward-mode AD (``dispatchjit.ad``) against JAX and central differences, in one run
(issue 15).

    .venv/bin/python bench/ad.py [--quick]

JAX is a bench dependency (``pip install -e '.[bench]'``; ``make bench`` installs it), run on
the CPU with float64 enabled. Rows (min of repeats):
- the gradient of Rosenbrock at n = 10, 100 and 1000: ``gradient(rosenbrock, x)`` on the plain
  loop a user writes (no thought of AD), against ``jax.jit(jax.grad(f))`` of the vectorized
  ``jnp`` function a JAX user writes, and central differences in NumPy (2n vectorized calls).
  Targets: at n = 10 at most 0.2x JAX's jitted call; at n = 100 at most 1.0x; n = 1000 as it
  is (forward mode costs n/12 passes of the function: reverse mode wins there).
- ``derivative`` of ``f(t) = sin(t) exp(-t/3) + t^3`` at 1.5 against ``jax.jit(jax.grad(f))``.
- The first call (compiling) of the gradient at n = 10, in fresh processes (min of 3), against
  JAX's first call of ``jit(grad(f))``. Target: at most 0.3x.
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

from dispatchjit import generic  # noqa: E402
from dispatchjit.ad import derivative, gradient  # noqa: E402


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def scalar_f(t):
    return math.sin(t) * math.exp(-t / 3) + t ** 3


def rosenbrock_numpy(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def central_differences(f, x, h=1e-6):
    g = np.empty_like(x)
    e = np.zeros_like(x)
    for i in range(len(x)):
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
        e[i] = 0.0
    return g


def jax_functions():
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    jnp = jax.numpy

    def rosen(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def f(t):
        return jnp.sin(t) * jnp.exp(-t / 3) + t ** 3
    grad_rosen, grad_f = jax.jit(jax.grad(rosen)), jax.jit(jax.grad(f))
    return (lambda x: grad_rosen(x).block_until_ready()), (lambda t: grad_f(t).block_until_ready())


def fresh_first_call(tool: str) -> float:
    return fresh_seconds(__file__, ["--first-call", tool])


def _first_call(tool: str) -> None:
    """In a fresh process, the library imported: the first gradient at n = 10."""
    x = np.linspace(-1.0, 1.0, 10)
    if tool == "jax":
        grad, _ = jax_functions()
        t0 = time.perf_counter()
        grad(x)
    else:
        f = generic(rosenbrock)
        t0 = time.perf_counter()
        gradient(f, x)
    print(time.perf_counter() - t0)



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--first-call", metavar="TOOL", help=argparse.SUPPRESS)
    options = ap.parse_args()
    if options.first_call:
        return _first_call(options.first_call)
    repeat = 20 if options.quick else 200
    print(f"bench/ad.py: forward-mode AD against JAX (min of {repeat} repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, jax {version('jax')}, "
          f"dispatchjit {version('dispatchjit')}")
    try:
        jax_grad, jax_derivative = jax_functions()
    except ImportError:
        print("jax is not installed (pip install -e '.[bench]'): no JAX rows")
        jax_grad = jax_derivative = None
    rosen = generic(rosenbrock)
    for n in (10, 100, 1000):
        x = np.linspace(-1.2, 1.3, n)
        ours = gradient(rosen, x)
        np.testing.assert_allclose(ours, central_differences(rosenbrock_numpy, x), rtol=1e-5, atol=1e-4)
        reps = max(5, repeat // (1 if n < 1000 else 10))
        t_ours = best_of(gradient, (rosen, x), reps)
        t_fd = best_of(central_differences, (rosenbrock_numpy, x), max(3, reps // 10))
        print(f"\ngradient of rosenbrock, n = {n}")
        print(f"  dispatchjit gradient     {t_ours * 1e6:9.1f} us")
        print(f"  central differences      {t_fd * 1e6:9.1f} us   ({t_fd / t_ours:.1f}x ours)")
        if jax_grad is not None:
            np.testing.assert_allclose(ours, np.asarray(jax_grad(x)), rtol=1e-12)
            t_jax = best_of(jax_grad, (x,), reps)
            ratio = t_ours / t_jax
            target = {10: 0.2, 100: 1.0}.get(n)
            print(f"  jax.jit(jax.grad)        {t_jax * 1e6:9.1f} us   dispatchjit {ratio:.2f}x jax   "
                  + (verdict(ratio, target) if target else "(reported: reverse mode's O(n) wins as n grows)"))
    f = generic(scalar_f)
    t_ours = best_of(derivative, (f, 1.5), repeat)
    print("\nderivative of sin(t) exp(-t/3) + t^3 at 1.5")
    print(f"  dispatchjit derivative   {t_ours * 1e6:9.2f} us")
    if jax_derivative is not None:
        assert math.isclose(derivative(f, 1.5), float(jax_derivative(1.5)), rel_tol=1e-14)
        t_jax = best_of(jax_derivative, (1.5,), repeat)
        print(f"  jax.jit(jax.grad)        {t_jax * 1e6:9.2f} us   dispatchjit {t_ours / t_jax:.2f}x jax")
        first_ours, first_jax = fresh_first_call("dispatchjit"), fresh_first_call("jax")
        print(f"\nfirst call of the gradient at n = 10 (fresh processes, min of 3): dispatchjit "
              f"{first_ours * 1e3:.1f} ms, jax {first_jax * 1e3:.1f} ms: {first_ours / first_jax:.2f}x   "
              + verdict(first_ours / first_jax, 0.3))


if __name__ == "__main__":
    main()
