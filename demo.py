"""A short scripted session with dispatchjit: define methods, call them, look inside.

Run with ``make demo``.
"""

import math
import time

import numpy as np

from dispatchjit import (AmbiguityError, Array, Float32, Float64, Int64, MethodError, Real, code_llvm, code_typed,
                         cuda, generic, which)


def show(label, value):
    print(f">>> {label}\n{value}\n")


@generic
def hypot2(x, y):                      # unannotated = Any: one specialization per call signature
    return x * x + y * y


@generic
def area(r: float):                    # one generic function ...
    return 3.141592653589793 * r * r


@generic
def area(w: int, h: int):              # ... with a second method  # noqa: F811
    return w * h


@generic
def fib(n: int):
    return n if n < 2 else fib(n - 1) + fib(n - 2)   # resolved at compile time, direct call


@generic
def describe(x: Real, y: Real):
    return 0


@generic
def describe(x: Int64, y: Real):       # noqa: F811
    return 1


@generic
def describe(x: Real, y: Int64):       # noqa: F811
    return 2


@generic
def laplace(u):
    out = np.zeros_like(u)
    for i in range(1, u.shape[0] - 1):
        for j in range(1, u.shape[1] - 1):
            out[i, j] = 0.25 * (u[i-1, j] + u[i+1, j] + u[i, j-1] + u[i, j+1]) - u[i, j]
    return out


@generic
def scale(x: Real):
    return 2 * x


@generic
def total(xs):
    s = 0.0
    for i in range(len(xs)):
        s += scale(xs[i])
    return s


@generic
def saxpy(a, x, y, out):                # a GPU kernel: an ordinary generic function
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


@generic
def damp(a, b):
    return a * math.exp(-b)


def gpu():
    x = cuda.to_device(np.arange(8, dtype=np.float32))
    out = cuda.device_array_like(x)
    saxpy[1, 32](np.float32(2), x, x, out)      # on a GPU when there is one, else the CPU emulator
    show("saxpy[1, 32](2, x, x, out); out.copy_to_host()", out.copy_to_host())
    show("cuda.map(damp, x_numpy, 1.0)   # one fused loop; over device arrays, one kernel",
         cuda.map(damp, np.arange(4.0), 1.0))
    V = Array[Float32, 1, "C"]
    ptx = cuda.code_ptx(saxpy, Float32, V, V, V, arch="sm_90").splitlines()
    entry = next(i for i, line in enumerate(ptx) if ".entry" in line)
    show("cuda.code_ptx(saxpy, Float32, V, V, V, arch='sm_90')", "\n".join(ptx[entry:entry + 6]) + "\n...")


def arrays_and_redefinition():
    u = np.random.default_rng(0).random((256, 512))
    for view in (u, u.T, u[:, ::2]):
        laplace(view)
    show("laplace on a C array, its transpose and a strided view: one specialization each",
         "\n".join(map(repr, laplace.specializations)))
    try:
        laplace(np.zeros(3))
    except Exception as err:  # noqa: BLE001 - shown, as a user would see it
        show("laplace(np.zeros(3))   # a 1-d array: the error points at the line", f"{type(err).__name__}: {err}")

    show("total(np.ones(3)), total(np.ones(3, dtype=np.int64))",
         (total(np.ones(3)), total(np.ones(3, dtype=np.int64)), f"compilations: {total.compilations}"))

    @scale.method            # a more specific method of the module's `scale`
    def _(x: Float64):
        return 10 * x

    show("after defining scale(x: Float64): total(np.ones(3)), total(np.ones(3, dtype=np.int64))",
         (total(np.ones(3)), total(np.ones(3, dtype=np.int64)), f"compilations: {total.compilations}"))
    show("total.invalidated", "\n".join(map(repr, total.invalidated)))


@generic
def rosenbrock(x):                       # written with no thought of AD
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def differentiation():
    from dispatchjit.ad import Dual, gradient, hessian
    x = np.array([0.5, 1.0, 1.5])
    show("gradient(rosenbrock, [0.5, 1.0, 1.5])   # forward mode: Dual numbers through the same code",
         gradient(rosenbrock, x))
    show("hessian(rosenbrock, [0.5, 1.0, 1.5])", hessian(rosenbrock, x))
    show("Dual(1.5, 1.0) * 2", Dual(1.5, 1.0) * 2)


def main():
    show("hypot2(3, 4)", hypot2(3, 4))
    show("hypot2(3.0, 4)", hypot2(3.0, 4))
    hypot2(3, 4)
    show("hypot2.specializations   # exactly the two signatures used", "\n".join(map(repr, hypot2.specializations)))
    show("area(2, 3), area(1.5)", (area(2, 3), area(1.5)))
    show("area", repr(area))
    show("area.methods()", "\n".join(map(str, area.methods())))

    t0 = time.perf_counter()
    first = fib(30)
    t1 = time.perf_counter()
    fib(30)
    t2 = time.perf_counter()
    show("fib(30)", f"{first}   (first call, compile included: {1e3 * (t1 - t0):.1f} ms; "
                    f"second call: {1e3 * (t2 - t1):.1f} ms)")
    spec = fib.specializations[0]
    show("fib.specializations[0].timings   # seconds per compiler stage",
         {k: round(v, 4) for k, v in spec.timings.items()})

    show("which(describe, Int64, Float64)", which(describe, Int64, float))
    try:
        describe(1, 2)
    except AmbiguityError as err:
        show("describe(1, 2)   # AmbiguityError", err)
    try:
        area("wide", 2)
    except MethodError as err:
        show('area("wide", 2)   # MethodError', err)

    arrays_and_redefinition()
    differentiation()
    gpu()
    show("code_typed(fib, int)", code_typed(fib, int))
    llvm = code_llvm(hypot2, float, int).splitlines()
    start = next(i for i, line in enumerate(llvm) if line.startswith("define"))
    show("code_llvm(hypot2, float, int)   # returns a status; the result goes through %ret",
         "\n".join(llvm[start:start + 10]))


if __name__ == "__main__":
    main()
