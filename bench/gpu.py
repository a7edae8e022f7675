"""GPU benchmark: the driver layer (runtime/cuda_driver.py) and kernels from ``cuda.code_ptx``.

    .venv/bin/python bench/gpu.py [--quick]

Needs an NVIDIA GPU and cuda-bindings (``pip install cuda-bindings``); without them it prints
``no GPU: <reason>`` and exits 0, so it is run by hand or by ``make bench`` on a GPU machine.

Every time is the minimum over repeats; a repeat runs ``k`` operations back to back between two
synchronizes (perf_counter around them) and divides by ``k``, which amortizes the synchronize.

(1) copy: ``cuMemcpyDtoD`` of 2^26 float32 (256 MiB); GB/s counts the bytes read and written.
(2) saxpy ``out[i] = a * x[i] + y[i]`` compiled by ``cuda.code_ptx`` (one thread per element,
    256 threads per block, the kernel's bounds checks included) over 2^26 float32; GB/s is
    3 arrays * 4 bytes * n / time, and its ratio to the copy's GB/s is the target (>= 0.85).
(3) launch overhead: an empty kernel and saxpy (10 flat parameters) launched back to back, per
    launch; one launch plus synchronize; and the bare ``cuLaunchKernel`` of cuda-bindings.
(4) CuPy, if it imports: ``a * x + y`` as an expression and as an ``ElementwiseKernel``.
(5) Numba-CUDA, if it imports: the first launch of a fresh saxpy (compile, load, launch,
    synchronize) against ours (``cuda.code_ptx``, ``Device.load``, launch, synchronize); both
    compilers warm (each has compiled another kernel in this process).

Prints PASS/FAIL per target and always exits 0 (benchmarks report, they do not gate).
"""

import argparse
import importlib
import importlib.util
import os
import platform
import sys
import tempfile
import time
import warnings
from machine import cpu_model, version  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

from dispatchjit import Array, Float32, cuda, generic  # noqa: E402
from dispatchjit.runtime import cuda_driver  # noqa: E402

N = 1 << 26
THREADS = 256
TARGET_SAXPY_VS_COPY = 0.85
V = Array[Float32, 1, "C"]

SAXPY_SOURCE = '''\
def saxpy(a, x, y, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]
'''


@generic
def saxpy(a, x, y, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


@generic
def empty():
    pass


@generic
def axpy(a, x, y):
    return a * x + y


def per_op(fn, sync, k, repeats):
    """Seconds per call of ``fn``: ``k`` calls between two ``sync()``, minimum over ``repeats``."""
    fn()
    sync()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        sync()
        best = min(best, (time.perf_counter() - t0) / k)
    return best


def load(dev, f, *types):
    ptx = cuda.code_ptx(f, *types, arch=dev.arch)
    return dev.load(ptx, ptx.split(".entry ", 1)[1].split("(", 1)[0].strip())


def saxpy_params(a, mems, n):
    params = [np.float32(a)]
    for m in mems:
        params += [m, np.int64(n), np.int64(4)]
    return params


def fresh_module(tmp, header, name):
    """A new module holding a new saxpy function object (nothing cached for it anywhere)."""
    path = os.path.join(tmp, f"{name}.py")
    with open(path, "w") as fh:
        fh.write(header + "\n\n" + SAXPY_SOURCE)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_version(name: str) -> str:
    try:
        return importlib.import_module(name).__version__
    except Exception as exc:  # noqa: BLE001 - optional anchor
        return f"absent ({type(exc).__name__})"


def header(dev):
    free, total = dev.memory_info()
    print("bench/gpu.py: the GPU driver layer and kernels from cuda.code_ptx (min of repeats)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}")
    print(f"gpu    : {dev.name}, {dev.arch}, {total / 2**30:.1f} GiB ({free / 2**30:.1f} free), "
          f"driver CUDA {'%d.%d' % dev.driver_version}, via {dev.backend}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, llvmlite {version('llvmlite')}, "
          f"cupy {module_version('cupy')}, "
          f"numba {version('numba')}, n = 2^{N.bit_length() - 1} float32")


def bench_copy(dev, x, out, k, repeats):
    t = per_op(lambda: out.copy_from(x), dev.synchronize, k, repeats)
    return t, 2 * x.nbytes / t / 1e9


def bench_saxpy(dev, kernel, mems, k, repeats):
    params = saxpy_params(2.0, mems, N)
    grid = ((N + THREADS - 1) // THREADS, 1, 1)
    t = per_op(lambda: kernel.launch(grid, (THREADS, 1, 1), params), dev.synchronize, k, repeats)
    return t, 3 * 4 * N / t / 1e9


def bench_map(dev, x, y, k, repeats):
    """``cuda.map`` of a fused ``a * x + y`` into a preallocated output: seconds, GB/s, correct."""
    dx, dy = cuda.to_device(x), cuda.to_device(y)
    out = cuda.device_array(N, np.float32)
    a = np.float32(2.0)
    cuda.map(axpy, a, dx, dy, out=out)          # compile and load outside the timing
    t = per_op(lambda: cuda.map(axpy, a, dx, dy, out=out), dev.synchronize, k, repeats)
    return t, 3 * 4 * N / t / 1e9, np.array_equal(out.copy_to_host(), a * x + y)


def check_saxpy(mems, x, y):
    out = np.empty(N, np.float32)
    mems[2].copy_to_host(out)
    return np.array_equal(out, np.float32(2.0) * x + y)


def bench_launches(dev, empty_kernel, saxpy_kernel, mems, k, repeats):
    """(label, µs) rows of launch overhead."""
    one = ((1, 1, 1), (1, 1, 1))
    params = saxpy_params(0.0, mems, 0)     # n = 0: every thread returns at once
    rows = [("empty kernel, back to back", per_op(lambda: empty_kernel.launch(*one, []), dev.synchronize, k, repeats)),
            ("saxpy (10 params), back to back",
             per_op(lambda: saxpy_kernel.launch(*one, params), dev.synchronize, k, repeats)),
            ("empty kernel, launch + synchronize",
             per_op(lambda: (empty_kernel.launch(*one, []), dev.synchronize()), lambda: None, k, repeats))]
    if dev.backend.startswith("cuda-bindings"):
        from cuda.bindings import driver as cu
        fn = empty_kernel._fn   # the CUfunction itself: the bindings' own cost, without this layer's
        rows.append(("bare cu.cuLaunchKernel (empty), back to back",
                     per_op(lambda: cu.cuLaunchKernel(fn, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), dev.synchronize, k, repeats)))
    return [(label, t * 1e6) for label, t in rows]


def bench_python_launch(dev, k, repeats) -> float:
    """µs per ``saxpy[1, 1](...)`` on empty device arrays: the whole Python path (argument
    types, the kernel cache, flat parameters) plus the launch."""
    dx = cuda.device_array(0, np.float32)
    a = np.float32(2.0)
    saxpy[1, 1](a, dx, dx, dx)   # compile and load first
    return per_op(lambda: saxpy[1, 1](a, dx, dx, dx), dev.synchronize, k, repeats) * 1e6


def bench_cupy(dev, x, y, k, repeats):
    """(label, seconds) rows for CuPy's a * x + y, and why there are none."""
    try:
        import cupy as cp
    except Exception as exc:  # noqa: BLE001 - optional anchor
        return [], f"cupy: not importable ({type(exc).__name__})"
    cx, cy, cout = cp.asarray(x), cp.asarray(y), cp.empty(N, cp.float32)
    a = cp.float32(2.0)
    fused = cp.ElementwiseKernel("float32 a, float32 x, float32 y", "float32 z", "z = a * x + y", "bench_saxpy")
    rows = [("cupy a * x + y (expression)", per_op(lambda: a * cx + cy, dev.synchronize, k, repeats)),
            ("cupy ElementwiseKernel", per_op(lambda: fused(a, cx, cy, cout), dev.synchronize, k, repeats))]
    return rows, None


def first_launch_ours(dev, tmp, mems, n):
    module = fresh_module(tmp, "from dispatchjit import cuda", "dj_saxpy_fresh")
    f = generic(module.saxpy)
    t0 = time.perf_counter()
    kernel = load(dev, f, Float32, V, V, V)
    kernel.launch(((n + THREADS - 1) // THREADS, 1, 1), (THREADS, 1, 1), saxpy_params(2.0, mems, n))
    dev.synchronize()
    return time.perf_counter() - t0


def first_launch_numba(tmp, x, y, n):
    """Seconds of Numba-CUDA's first launch of a fresh saxpy (warm: another kernel compiled first),
    or a string saying why it could not run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from numba import cuda as ncuda
            if not ncuda.is_available():
                return "numba-cuda: no device visible to Numba"
            warm = fresh_module(tmp, "from numba import cuda", "nb_saxpy_warm")
            dx, dy, dout = ncuda.to_device(x[:n]), ncuda.to_device(y[:n]), ncuda.device_array(n, np.float32)
            blocks = (n + THREADS - 1) // THREADS
            ncuda.jit(warm.saxpy)[blocks, THREADS](np.float32(2.0), dx, dy, dout)
            ncuda.synchronize()
            fresh = ncuda.jit(fresh_module(tmp, "from numba import cuda", "nb_saxpy_fresh").saxpy)
            t0 = time.perf_counter()
            fresh[blocks, THREADS](np.float32(2.0), dx, dy, dout)
            ncuda.synchronize()
            return time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - optional anchor: report why, do not fail
        return f"numba-cuda: failed ({type(exc).__name__}: {str(exc).splitlines()[0][:100]})"


def verdict(ok, text):
    print(f"  {'PASS' if ok else 'FAIL'}  {text}")


def run(quick):
    dev = cuda_driver.device()
    k, repeats = (5, 3) if quick else (20, 7)
    header(dev)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32)
    mems = [dev.alloc(4 * N) for _ in range(3)]
    mems[0].copy_from_host(x)
    mems[1].copy_from_host(y)
    saxpy_kernel, empty_kernel = load(dev, saxpy, Float32, V, V, V), load(dev, empty)

    copy_t, copy_bw = bench_copy(dev, mems[0], mems[2], k, repeats)
    saxpy_t, saxpy_bw = bench_saxpy(dev, saxpy_kernel, mems, k, repeats)
    correct = check_saxpy(mems, x, y)
    print(f"\nbandwidth ({N * 4 >> 20} MiB per array)")
    print(f"  {'':<40} {'us':>9} {'GB/s':>8} {'of copy':>8}")
    print(f"  {'cuMemcpyDtoD (read + write)':<40} {copy_t * 1e6:9.1f} {copy_bw:8.1f} {1:8.2f}")
    print(f"  {'saxpy from cuda.code_ptx':<40} {saxpy_t * 1e6:9.1f} {saxpy_bw:8.1f} {saxpy_bw / copy_bw:8.2f}")
    map_t, map_bw, map_correct = bench_map(dev, x, y, k, repeats)
    print(f"  {'cuda.map(axpy, a, x, y, out=out)':<40} {map_t * 1e6:9.1f} {map_bw:8.1f} {map_bw / copy_bw:8.2f}")
    cupy_rows, why_none = bench_cupy(dev, x, y, k, repeats)
    for label, t in cupy_rows:
        bw = 3 * 4 * N / t / 1e9
        print(f"  {label:<40} {t * 1e6:9.1f} {bw:8.1f} {bw / copy_bw:8.2f}   (cuda.map's time / its: {map_t / t:.2f})")
    if why_none:
        print(f"  {why_none}")

    print("\nlaunch overhead (us per launch)")
    for label, us in bench_launches(dev, empty_kernel, saxpy_kernel, mems, k * 50, repeats):
        print(f"  {label:<48} {us:8.2f}")
    print(f"  {'cuda.launch(saxpy) from Python, n = 0':<48} {bench_python_launch(dev, k * 50, repeats):8.2f}")

    print("\nfirst launch of a fresh saxpy (compile + load + launch + synchronize; warm compilers)")
    with tempfile.TemporaryDirectory() as tmp:
        ours = first_launch_ours(dev, tmp, mems, 1 << 20)
        theirs = first_launch_numba(tmp, x, y, 1 << 20)
    print(f"  {'dispatchjit (code_ptx + Device.load)':<48} {ours * 1e3:8.1f} ms")
    if isinstance(theirs, str):
        print(f"  {theirs}")
    else:
        print(f"  {'numba-cuda (@cuda.jit)':<48} {theirs * 1e3:8.1f} ms   (its time / ours: {theirs / ours:.2f})")

    print("\ntargets")
    verdict(correct, "saxpy on the GPU equals NumPy's a * x + y")
    verdict(saxpy_bw >= TARGET_SAXPY_VS_COPY * copy_bw,
            f"saxpy bandwidth {saxpy_bw / copy_bw:.2f} of the device copy (target >= {TARGET_SAXPY_VS_COPY})")
    verdict(map_correct, "cuda.map(axpy, a, x, y) on the GPU equals NumPy's a * x + y")
    verdict(map_bw >= TARGET_SAXPY_VS_COPY * copy_bw,
            f"cuda.map bandwidth {map_bw / copy_bw:.2f} of the device copy (target >= {TARGET_SAXPY_VS_COPY})")
    if cupy_rows:
        best = min(t for _, t in cupy_rows)
        verdict(map_t <= 1.1 * best, f"cuda.map time / CuPy's best: {map_t / best:.2f} (target <= 1.1)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    opts = ap.parse_args()
    reason = cuda_driver.why_unavailable()
    if reason is not None:
        print(f"bench/gpu.py: no GPU: {reason}")
        return
    try:
        run(opts.quick)
    except Exception as exc:  # noqa: BLE001 - a bench reports, it does not fail
        print(f"  FAIL  the benchmark stopped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
