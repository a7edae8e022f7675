"""Value specialization (the StaticArrays idea): a 3x3 matrix-vector product compiled for the
size 3 against the same loop over a run-time size: once with the size as ``Val[3]`` (LLVM
unrolls both loops), once with the vector and matrix as tuples whose lengths are in their types
and a ``generated`` method that writes out the unrolled product.

Each variant multiplies 20,000 small matrices by vectors inside one compiled call, so the
figure is the product itself, not the call from Python. Prints the times (min of repeats) and
the speedup. Usage: python bench/specialize.py [--quick]
"""

import sys
import time
import typing

import numpy as np

from dispatchjit import Val, generic

N = typing.TypeVar("N")


@generic
def matvec_sized(A, x, out, k, n: Val[N]):
    for i in range(N):
        s = 0.0
        for j in range(N):
            s += A[k, i, j] * x[k, j]
        out[k, i] = s


@generic
def matvec_any(A, x, out, k, n):
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += A[k, i, j] * x[k, j]
        out[k, i] = s


@generic
def batch_sized(A, x, out, n: Val[N]):
    for k in range(A.shape[0]):
        matvec_sized(A, x, out, k, n)
    return out


@generic
def batch_any(A, x, out):
    n = x.shape[1]
    for k in range(A.shape[0]):
        matvec_any(A, x, out, k, n)
    return out


@generic(generated=True)
def matvec_tuple(m, v):
    """StaticArrays' way: for an n-tuple vector and n*n-tuple matrix (sizes in the types), the
    generated body is the fully unrolled product, all in registers."""
    n = len(v.params)
    rows = [" + ".join(f"m[{i * n + j}] * v[{j}]" for j in range(n)) for i in range(n)]
    return "def body(m, v):\n    return (" + ", ".join(rows) + ",)\n"


@generic
def iterate_tuple(m, v, steps):
    for _ in range(steps):
        v = matvec_tuple(m, v)
        v = (v[0] * 0.5, v[1] * 0.5, v[2] * 0.5)
    return v


@generic
def iterate_array(A, v, out, steps):
    n = v.shape[0]
    for _ in range(steps):
        for i in range(n):
            s = 0.0
            for j in range(n):
                s += A[i, j] * v[j]
            out[i] = s
        for i in range(n):
            v[i] = out[i] * 0.5
    return v


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    repeats = 5 if "--quick" in sys.argv else 20
    rng = np.random.default_rng(0)
    count = 20_000  # fits in cache: the products, not memory, set the time
    A, x = rng.random((count, 3, 3)), rng.random((count, 3))
    out_sized, out_any = np.zeros((count, 3)), np.zeros((count, 3))
    batch_sized(A, x, out_sized, Val(3))
    batch_any(A, x, out_any)
    assert np.allclose(out_sized, np.einsum("kij,kj->ki", A, x)) and np.allclose(out_any, out_sized)
    sized = best(lambda: batch_sized(A, x, out_sized, Val(3)), repeats)
    generic_size = best(lambda: batch_any(A, x, out_any), repeats)
    print(f"{count} products of a 3x3 matrix and a vector, min of {repeats}")
    print(f"  size in the type, Val(3)   {sized * 1e3:8.2f} ms")
    print(f"  size at run time           {generic_size * 1e3:8.2f} ms")
    print(f"  speedup                    {generic_size / sized:8.2f}x  (target: > 1)")

    steps = 200_000
    m = tuple(rng.random(9))
    A = np.array(m).reshape(3, 3)
    v0 = tuple(rng.random(3))
    in_tuples = best(lambda: iterate_tuple(m, v0, steps), repeats)
    in_arrays = best(lambda: iterate_array(A, np.array(v0), np.zeros(3), steps), repeats)
    assert np.allclose(iterate_tuple(m, v0, 10), iterate_array(A, np.array(v0), np.zeros(3), 10))
    print(f"{steps} repeated products v <- A v / 2 (3x3), min of {repeats}")
    print(f"  tuples, size in the type    {in_tuples * 1e3:8.2f} ms  (a generated, unrolled body)")
    print(f"  arrays, size at run time    {in_arrays * 1e3:8.2f} ms")
    print(f"  speedup                     {in_arrays / in_tuples:8.2f}x  (target: > 1)")


if __name__ == "__main__":
    main()
