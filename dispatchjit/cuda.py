"""GPU kernels: generic functions compiled for NVIDIA GPUs through LLVM's NVPTX backend.

A kernel is an ordinary generic function whose body reads ``cuda.threadIdx``, ``cuda.blockIdx``,
``cuda.blockDim`` and ``cuda.gridDim`` (each with ``.x``, ``.y``, ``.z``) and calls
``cuda.syncthreads()``; it goes through the same frontend, inference and lowering as CPU code,
for an ``NVPTXTarget``. ``code_ptx(f, *types)`` returns the PTX of one specialization.

Kernel parameters are flattened for launchers: a number is one parameter; an array is its data
pointer followed by its shape and its strides (bytes), one ``int64`` each. What a GPU cannot do
(allocate arrays, use Python objects, math functions that need libdevice) is a ``CompileError``
naming the line; an exception inside a kernel (an index out of bounds) traps, which fails the
launch.

``launch(f, blocks, threads)(*args)`` runs a kernel. Until the GPU launcher exists it runs on
the CPU emulator (also what ``DISPATCHJIT_CUDA_EMULATE=1`` will select): every thread in turn,
block after block, with the indices as on a GPU, so kernels can be developed and tested on a
machine without one; an out-of-bounds index there raises ``IndexError`` at the kernel's line.
``to_device``, ``device_array`` and ``device_array_like`` make the arrays kernels take (host
memory behind them in the emulator). ``syncthreads`` and shared memory are not emulated yet.

Status: PTX generation and the CPU emulator. The GPU launcher, device memory, fused map and
reduce are the next steps.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "code_ptx", "GridIndex", "launch",
           "DeviceArray", "to_device", "device_array", "device_array_like"]


class GridIndex:
    """``cuda.threadIdx`` and friends: read in a kernel as ``cuda.threadIdx.x``."""

    def __init__(self, register: str, name: str):
        self.register, self.name = register, name

    def __repr__(self) -> str:
        return f"cuda.{self.name}"


threadIdx = GridIndex("tid", "threadIdx")
blockIdx = GridIndex("ctaid", "blockIdx")
blockDim = GridIndex("ntid", "blockDim")
gridDim = GridIndex("nctaid", "gridDim")


def syncthreads() -> None:
    """A barrier for the threads of a block (in kernels only)."""
    raise RuntimeError("cuda.syncthreads() is only meaningful inside a compiled GPU kernel")


def code_ptx(f, *types, arch: str = "sm_80") -> str:
    """The PTX of the kernel ``f`` specialized for these argument types (lattice types, e.g.
    ``Array[Float32, 1, 'C']``), for GPU architecture ``arch``."""
    from . import driver
    from .targets import NVPTXTarget
    from .types import from_annotation
    return driver.compile_kernel(f, tuple(from_annotation(t) for t in types), NVPTXTarget(arch)).ptx


# --- arrays kernels take -------------------------------------------------------------------
class DeviceArray:
    """An array for kernels. In the emulator its memory is a host NumPy array."""

    def __init__(self, host: np.ndarray):
        self._host = host

    @property
    def shape(self):
        return self._host.shape

    @property
    def dtype(self):
        return self._host.dtype

    def __len__(self) -> int:
        return len(self._host)

    def copy_to_host(self) -> np.ndarray:
        return self._host.copy()

    def __repr__(self) -> str:
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype}, emulated)"


def to_device(a) -> DeviceArray:
    return DeviceArray(np.array(a, copy=True, order="C"))


def device_array(shape, dtype=np.float64) -> DeviceArray:
    return DeviceArray(np.empty(shape, dtype=dtype))


def device_array_like(a) -> DeviceArray:
    return DeviceArray(np.empty(a.shape, dtype=a.dtype))


# --- launching -------------------------------------------------------------------------------
def _dim3(d) -> tuple[int, int, int]:
    d = (d,) if isinstance(d, int) else tuple(d)
    if not 1 <= len(d) <= 3 or any(not isinstance(n, int) or n < 0 for n in d):
        raise ValueError(f"a grid or block size is 1 to 3 non-negative ints, not {d!r}")
    return d + (1,) * (3 - len(d))


_emulated: dict = {}
_emulated_lock = threading.Lock()


def launch(f, blocks, threads):
    """``launch(f, blocks, threads)(*args)``: run the kernel ``f`` on a grid of ``blocks``
    blocks of ``threads`` threads (ints or tuples of up to 3)."""
    grid = _dim3(blocks) + _dim3(threads)

    def run(*args):
        from .types import typeof
        host = tuple(a._host if isinstance(a, DeviceArray) else a for a in args)
        argtypes = tuple(map(typeof, host))
        with _emulated_lock:
            entry = _emulated.get((f, argtypes))
            if entry is None:
                from . import driver
                entry = _emulated[(f, argtypes)] = driver.compile_emulated(f, argtypes)
        entry(*host, *grid)
    return run
