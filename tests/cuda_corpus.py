"""A corpus of GPU kernels, each with its argument types, inputs, grid and NumPy reference.

Shared by the PTX tests (both backends: LLVM's NVPTX through ``cuda.code_ptx`` and libNVVM, each
assembled by ptxas) and the CPU grid emulator, so every kernel is checked the same ways. A case:

    args = case.make_args(np.random.default_rng(0))       # NumPy arrays and scalars
    blocks, threads = case.grid(*args)
    cuda.launch(case.kernel, blocks, threads)(*args)      # writes the arrays at case.outputs
    expected = case.reference(*fresh_copy_of_args)        # one array per index in case.outputs

Arrays whose layout matters (F order, strided 'A') are built here and must be passed as they
are: ``cuda.to_device`` copies into C order, which would change the specialization.
``MATH_IN_KERNELS`` gates the kernels calling ``math.*`` (lowered to libdevice's ``__nv_*``);
they also need libdevice installed (``case.needs_libdevice``). ``assemble`` and
``check_entry`` are the checks both PTX backends' tests run on what they generate.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from dispatchjit import Array, Bool, Float32, Float64, Int32, Int64, cuda, generic, struct, typeof

# Math in kernels is lowered to libdevice calls; flip to False to leave those kernels out.
MATH_IN_KERNELS = True

V32 = Array[Float32, 1, "C"]
V64 = Array[Float64, 1, "C"]
VI64 = Array[Int64, 1, "C"]
VI32 = Array[Int32, 1, "C"]
M32 = Array[Float32, 2, "C"]
M64 = Array[Float64, 2, "C"]
FM32 = Array[Float32, 2, "F"]      # column-major
A64 = Array[Float64, 1, "A"]


@dataclass(frozen=True)
class CudaCase:
    """One corpus kernel. ``make_args(rng)`` gives the launch arguments (their ``typeof`` is
    ``argtypes``); ``grid(*args)`` the ``(blocks, threads)``; ``reference(*args)`` the expected
    contents of the arguments at ``outputs``, computed by NumPy."""

    name: str
    kernel: object
    argtypes: tuple
    make_args: Callable[[np.random.Generator], tuple]
    grid: Callable[..., tuple]
    reference: Callable[..., tuple]
    outputs: tuple[int, ...]
    rtol: float = 0.0               # 0: results must be bit-exact
    needs_libdevice: bool = False


def _blocks(n: int, threads: int) -> int:
    return (n + threads - 1) // threads


def _grid_1d(threads: int, out: int = -1):
    """A 1-D grid with one thread per element of argument ``out``."""
    return lambda *args: (max(1, _blocks(len(args[out]), threads)), threads)


# --- kernels ---------------------------------------------------------------------------------
@struct
class Affine:
    scale: float
    shift: float


AFFINE = typeof(Affine(1.0, 0.0))


@generic
def affine_map(f, x, out):
    """A struct argument: passed to the kernel as its fields."""
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        out[i] = f.scale * x[i] + f.shift


@generic
def saxpy(a, x, y, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


@generic
def scale_grid_stride(x, k, out):
    # Fewer threads than elements: each thread strides over the array.
    start = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    stride = cuda.gridDim.x * cuda.blockDim.x
    for i in range(start, len(x), stride):
        out[i] = x[i] * k + 0.5


@generic
def integer_ops(x, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        v = x[i]
        out[i] = ((v * 3 + 7) // 4) % 5 + ((v & 12) ^ (v | 3)) + (v << 2) - (abs(v) >> 1)


@generic
def add_2d(a, b, k, out):
    i = cuda.blockIdx.y * cuda.blockDim.y + cuda.threadIdx.y
    j = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0] and j < out.shape[1]:
        out[i, j] = a[i, j] + k * b[i, j]


@generic
def transpose_from_f(a, out):
    # ``a`` is F-ordered: column-major strides reach the kernel as parameters.
    i = cuda.blockIdx.y * cuda.blockDim.y + cuda.threadIdx.y
    j = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0] and j < out.shape[1]:
        out[i, j] = a[j, i]


@generic
def double_strided(x, out):
    # ``x`` is a strided view ('A' layout): indexing goes through its stride.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(out):
        out[i] = x[i] * 2.0


@generic
def clamp(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


@generic
def clamp_kernel(x, lo, hi, out):
    # A kernel calling another generic function (inlined into the kernel).
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        out[i] = clamp(x[i], lo, hi)


@generic
def collatz_steps(x, out):
    # A data-dependent ``while`` with ``if``/``else`` inside: threads of a warp diverge.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        n = x[i]
        steps = 0
        while n > 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        out[i] = steps


@generic
def leaky_abs(x, out):
    # Float32 negation and comparisons.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        v = x[i]
        if v < 0:
            out[i] = -v * 0.25
        else:
            out[i] = v


@generic
def row_sums(m, out):
    # One thread per row, a counted loop over the columns (Float64 accumulator).
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < m.shape[0]:
        s = 0.0
        for j in range(m.shape[1]):
            s += m[i, j]
        out[i] = s


@generic
def masked_fill(x, v, flag, out):
    # A Bool parameter (passed as a byte) and Int32 arithmetic.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        if flag and x[i] > 0:
            out[i] = v
        else:
            out[i] = x[i] + 1


@generic
def round_half_even(x, out):
    # ``round`` is llvm.roundeven, which libNVVM (LLVM 7 inside) does not know: nvvm.py renames it.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        out[i] = round(x[i])


@generic
def damped_sine(x, out):
    # libdevice's __nv_sin and __nv_exp; as in Python, math.sin of a Float32 is a Float64.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < len(x):
        out[i] = math.sin(x[i]) * math.exp(-x[i])


# --- inputs and references -------------------------------------------------------------------
@generic
def block_sums(x, out):
    # Shared memory and barriers: a tree reduction per block of 128 threads.
    buf = cuda.shared.array(128, np.float64)
    t = cuda.threadIdx.x
    i = cuda.blockIdx.x * cuda.blockDim.x + t
    buf[t] = x[i] if i < x.shape[0] else 0.0
    cuda.syncthreads()
    s = 64
    while s > 0:
        if t < s:
            buf[t] += buf[t + s]
        cuda.syncthreads()
        s //= 2
    if t == 0:
        out[cuda.blockIdx.x] = buf[0]


@generic
def histogram(x, bins):
    # Atomics: every thread increments the bin of its element.
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < x.shape[0]:
        cuda.atomic.add(bins, x[i] % bins.shape[0], 1)


# --- element functions for cuda.map and cuda.reduce --------------------------------------------
@generic
def axpy(a, x, y):
    return a * x + y


@generic
def add(a, b):
    return a + b


def _f32(rng, n):
    return rng.standard_normal(n).astype(np.float32)


def _saxpy_args(rng):
    x, y = _f32(rng, 1000), _f32(rng, 1000)
    return np.float32(2.5), x, y, np.zeros_like(x)


def _scale_args(rng):
    x = rng.standard_normal(5000)
    return x, 1.75, np.zeros_like(x)


def _int_args(rng):
    x = rng.integers(-1000, 1000, 777)
    return x, np.zeros_like(x)


def _int_reference(x, out):
    return (((x * 3 + 7) // 4) % 5 + ((x & 12) ^ (x | 3)) + (x << 2) - (np.abs(x) >> 1),)


def _add_2d_args(rng):
    a, b = rng.standard_normal((37, 45)), rng.standard_normal((37, 45))
    return a, b, -0.5, np.zeros_like(a)


def _grid_2d(*args):
    rows, cols = args[-1].shape
    return (_blocks(cols, 16), _blocks(rows, 8)), (16, 8)


def _transpose_args(rng):
    a = np.asfortranarray(_f32(rng, 33 * 20).reshape(33, 20))
    return a, np.zeros((20, 33), np.float32)


def _strided_args(rng):
    x = rng.standard_normal(601)[::3]
    return x, np.zeros(len(x))


def _clamp_args(rng):
    x = rng.standard_normal(300)
    return x, -0.5, 0.75, np.zeros_like(x)


def _collatz_args(rng):
    x = rng.integers(1, 10_000, 256)
    return x, np.zeros_like(x)


def _collatz_reference(x, out):
    def steps(n):
        k = 0
        while n > 1:
            n, k = (n // 2 if n % 2 == 0 else 3 * n + 1), k + 1
        return k
    return (np.array([steps(int(n)) for n in x], dtype=np.int64),)


def _row_sums_args(rng):
    m = rng.standard_normal((130, 17))
    return m, np.zeros(130)


def _row_sums_reference(m, out):
    # Left to right, as the kernel adds (np.sum pairs terms, which rounds differently).
    s = np.zeros(m.shape[0])
    for j in range(m.shape[1]):
        s = s + m[:, j]
    return (s,)


def _masked_args(rng):
    x = rng.integers(-50, 50, 200).astype(np.int32)
    return x, np.int32(-7), True, np.zeros_like(x)


def _halves(rng):
    x = rng.integers(-40, 40, 300) / 2.0     # many exact .5: ties round to even
    return x, np.zeros(300, np.int64)


def _damped_reference(x, out):
    x64 = x.astype(np.float64)
    return ((np.sin(x64) * np.exp(-x64)).astype(x.dtype),)


def _damped_args(dtype):
    return lambda rng: (rng.uniform(-3, 3, 500).astype(dtype), np.zeros(500, dtype))


CASES = [
    CudaCase("saxpy", saxpy, (Float32, V32, V32, V32), _saxpy_args, _grid_1d(128),
             lambda a, x, y, out: (a * x + y,), outputs=(3,)),
    CudaCase("scale_grid_stride", scale_grid_stride, (V64, Float64, V64), _scale_args,
             lambda *args: (4, 64), lambda x, k, out: (x * k + 0.5,), outputs=(2,)),
    CudaCase("integer_ops", integer_ops, (VI64, VI64), _int_args, _grid_1d(256), _int_reference, outputs=(1,)),
    CudaCase("add_2d", add_2d, (M64, M64, Float64, M64), _add_2d_args, _grid_2d,
             lambda a, b, k, out: (a + k * b,), outputs=(3,)),
    CudaCase("transpose_from_f", transpose_from_f, (FM32, M32), _transpose_args, _grid_2d,
             lambda a, out: (a.T.copy(),), outputs=(1,)),
    CudaCase("double_strided", double_strided, (A64, V64), _strided_args, _grid_1d(64),
             lambda x, out: (x * 2.0,), outputs=(1,)),
    CudaCase("clamp_kernel", clamp_kernel, (V64, Float64, Float64, V64), _clamp_args, _grid_1d(128),
             lambda x, lo, hi, out: (np.clip(x, lo, hi),), outputs=(3,)),
    CudaCase("collatz_steps", collatz_steps, (VI64, VI64), _collatz_args, _grid_1d(64),
             _collatz_reference, outputs=(1,)),
    CudaCase("leaky_abs", leaky_abs, (V32, V32), lambda rng: (_f32(rng, 400), np.zeros(400, np.float32)),
             _grid_1d(128), lambda x, out: (np.where(x < 0, -x * np.float32(0.25), x),), outputs=(1,)),
    CudaCase("row_sums", row_sums, (M64, V64), _row_sums_args, _grid_1d(32), _row_sums_reference, outputs=(1,)),
    CudaCase("masked_fill", masked_fill, (VI32, Int32, Bool, VI32), _masked_args, _grid_1d(64),
             lambda x, v, flag, out: (np.where(flag & (x > 0), v, x + 1).astype(np.int32),), outputs=(3,)),
    CudaCase("round_half_even", round_half_even, (V64, VI64), _halves, _grid_1d(64),
             lambda x, out: (np.round(x).astype(np.int64),), outputs=(1,)),
    CudaCase("block_sums", block_sums, (V64, V64), lambda rng: (rng.random(1000), np.zeros(8)),
             lambda x, out: (8, 128), lambda x, out: (np.add.reduceat(x, np.arange(0, 1000, 128)),),
             outputs=(1,), rtol=1e-12),
    CudaCase("affine_struct", affine_map, (AFFINE, V64, V64), lambda rng: (Affine(2.5, -1.0), rng.random(300),
                                                                        np.zeros(300)),
             _grid_1d(128), lambda f, x, out: (2.5 * x - 1.0,), outputs=(2,)),
    CudaCase("histogram", histogram, (VI64, VI64), lambda rng: (rng.integers(0, 1000, 3000), np.zeros(16, np.int64)),
             _grid_1d(256, 0), lambda x, bins: (np.bincount(x % 16, minlength=16),), outputs=(1,)),
]

if MATH_IN_KERNELS:
    for _dtype, _t, _rtol in ((np.float32, V32, 2e-6), (np.float64, V64, 1e-14)):
        CASES.append(CudaCase(f"damped_sine_{np.dtype(_dtype).name}", damped_sine, (_t, _t), _damped_args(_dtype),
                              _grid_1d(128), _damped_reference, outputs=(1,),
                              rtol=_rtol, needs_libdevice=True))

CASE_IDS = [c.name for c in CASES]


def launch_and_check(case: CudaCase) -> None:
    """Launch ``case`` with ``cuda.launch`` on NumPy arrays (on a GPU: copied there and back)
    and compare its outputs with NumPy's reference."""
    args = case.make_args(np.random.default_rng(0))
    expected = case.reference(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
    cuda.launch(case.kernel, *case.grid(*args))(*args)
    for index, want in zip(case.outputs, expected):
        np.testing.assert_allclose(args[index], want, rtol=case.rtol or 0)


# --- checking PTX ----------------------------------------------------------------------------
class PtxasError(AssertionError):
    """ptxas rejected a PTX file; the message is its stderr."""


def assemble(ptxas: str, ptx: str, arch: str, workdir: Path) -> Path:
    """Assemble ``ptx`` for ``arch`` with ``ptxas`` in whole-program mode, so an unresolved extern
    fails as it would at load time. The cubin's path, or PtxasError with ptxas's stderr."""
    source, cubin = workdir / f"kernel_{arch}.ptx", workdir / f"kernel_{arch}.cubin"
    source.write_text(ptx)
    done = subprocess.run([ptxas, f"-arch={arch}", "-o", str(cubin), str(source)],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise PtxasError(f"ptxas -arch={arch} exited {done.returncode} on {source}:\n{done.stderr}")
    return cubin


def check_entry(ptx: str, arch: str) -> str:
    """The name of the one kernel entry of ``ptx``, after checking it targets ``arch`` and
    leaves no function to be resolved elsewhere (a libdevice call not linked in, say)."""
    entries = re.findall(r"^\.visible \.entry (\w+)\(", ptx, flags=re.M)
    assert len(entries) == 1, f"expected one .visible .entry, found {entries}"
    assert re.search(rf"^\.target {arch}\b", ptx, flags=re.M), f"not for {arch}"
    externs = re.findall(r"^\.extern \.func.*$", ptx, flags=re.M)
    assert not externs, f"unresolved functions: {externs}"
    return entries[0]


def entry_param_count(ptx: str) -> int:
    signature = re.search(r"^\.visible \.entry \w+\(([^)]*)\)", ptx, flags=re.M)
    return signature.group(1).count(".param")
