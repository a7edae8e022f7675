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

import ctypes
import itertools
import math
import threading

import numpy as np

__all__ = ["threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "shared", "atomic", "code_ptx",
           "GridIndex", "Namespace", "launch", "map", "reduce", "DeviceArray", "to_device", "device_array",
           "device_array_like"]


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


def _kernel_only(name: str, doc: str):
    def f(*args, **kwargs):
        raise RuntimeError(f"cuda.{name}() is only meaningful inside a compiled GPU kernel")
    f.__name__, f.__qualname__, f.__doc__ = name.split(".")[-1], f"cuda.{name}", doc
    return f


syncthreads = _kernel_only("syncthreads", "A barrier for the threads of a block (in kernels only).")


class Namespace:
    """``cuda.shared`` and ``cuda.atomic``: functions compiled kernels call by attribute."""

    def __init__(self, name: str, **functions):
        self.__name__ = f"cuda.{name}"
        self.__dict__.update(functions)

    def __repr__(self) -> str:
        return self.__name__


shared = Namespace("shared", array=_kernel_only(
    "shared.array", "``shared.array(shape, dtype)``: an array shared by the threads of a block; the shape is a "
                    "constant (an int or a tuple of ints), the memory uninitialized, as on a GPU."))
atomic = Namespace("atomic", **{op: _kernel_only(
    f"atomic.{op}", f"``atomic.{op}(array, index, value)``: array[index] = {op}(array[index], value) as one "
                    "indivisible step; returns the old value. Ints; floats for add.") for op in ("add", "max", "min")})


def code_ptx(f, *types, arch: str = "sm_80", backend: str = "llvm") -> str:
    """The PTX of the kernel ``f`` specialized for these argument types (lattice types, e.g.
    ``Array[Float32, 1, 'C']``), for GPU architecture ``arch``, from LLVM's NVPTX backend
    (``backend="llvm"``, no CUDA toolkit needed) or NVIDIA's libNVVM (``"nvvm"``)."""
    from .types import from_annotation
    argtypes = tuple(from_annotation(t) for t in types)
    return compile_kernel(f, argtypes, arch, backend).ptx


def compile_kernel(f, argtypes, arch: str = "sm_80", backend: str = "llvm"):
    """``driver.Kernel`` (PTX, entry name, flat parameters) of ``f`` at lattice ``argtypes``."""
    if backend == "nvvm":
        from . import nvvm
        return nvvm.compile_kernel(f, argtypes, arch)
    if backend != "llvm":
        raise ValueError(f"backend is 'llvm' (LLVM's NVPTX) or 'nvvm' (libNVVM), not {backend!r}")
    from . import driver
    from .targets import NVPTXTarget
    return driver.compile_kernel(f, argtypes, NVPTXTarget(arch))


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
        argtypes = tuple(typeof(a) for a in host)
        with _emulated_lock:
            kernel = _emulated.get((f, argtypes))
            if kernel is None:
                from . import driver
                kernel = _emulated[(f, argtypes)] = driver.compile_emulated(f, argtypes)
        if kernel.threaded:
            _run_blocks_threaded(kernel.entry, host, grid, kernel.shared_bytes)
        else:   # the blocks run in turn, so they can share one block's worth of shared memory
            shared = np.empty(max(kernel.shared_bytes, 16), np.uint8)   # uninitialized, as on a GPU
            kernel.entry(*host, *grid, shared.ctypes.data)
    return run


# --- fused map and reduce ---------------------------------------------------------------------
def map(f, *args):
    """``f`` applied elementwise over ``args`` (arrays broadcast together as in NumPy; numbers
    broadcast too) by one generated loop: a kernel over device arrays when any argument is a
    ``DeviceArray`` (the result is one), else a loop on the CPU over NumPy arrays (the result is
    a NumPy array). One specialization per (f, element types, dimensions, layouts)."""
    from . import fused
    on_device = any(isinstance(a, DeviceArray) for a in args)
    values = [a._host if isinstance(a, DeviceArray) else a for a in args]
    arrays = [v for v in values if isinstance(v, np.ndarray)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    broadcast = iter(np.broadcast_arrays(*arrays)) if arrays else iter(())
    values = [next(broadcast).reshape(shape or (1,)) if isinstance(v, np.ndarray) else v for v in values]
    dtype = fused.result_type(f, fused.element_types(values)).dtype
    out = np.empty(shape or (1,), dtype)
    if on_device:
        blocks = min(-(-out.size // fused.BLOCK), 1024) or 1
        launch(fused.map_kernel, blocks, fused.BLOCK)(f, out, *values)
        return DeviceArray(out.reshape(shape))
    fused.map_cpu(f, out, *values)
    return out.reshape(shape)


_NO_INIT = object()


def reduce(op, x, init=_NO_INIT):
    """``op`` folded over the elements of ``x`` (in C order), starting from ``init`` when given,
    like ``functools.reduce``: on the CPU over a NumPy array, in order; as a kernel over a
    ``DeviceArray`` (blocks fold in parallel, so ``op`` must be associative and commutative)."""
    from . import fused
    on_device = isinstance(x, DeviceArray)
    flat = np.ascontiguousarray(x._host if on_device else x).reshape(-1)
    if flat.size == 0:
        if init is _NO_INIT:
            raise TypeError("reduce() of an empty array with no initial value")
        return init
    if not on_device:
        return _fold(op, flat, init)
    t = fused.element_types([flat])[0]
    dtype = fused.result_type(op, [t, t]).dtype
    partials = np.empty(min(-(-flat.size // fused.BLOCK), 1024), dtype)
    launch(fused.reduce_kernel, partials.size, fused.BLOCK)(op, flat, partials)
    return _fold(op, partials, init)


def _fold(op, flat: np.ndarray, init):
    from . import fused
    if init is _NO_INIT:
        return fused.reduce_cpu(op, flat[1:], flat[0])
    return fused.reduce_cpu(op, flat, init)


# --- the emulator's barrier -------------------------------------------------------------------
class _BlockBarrier:
    """``cuda.syncthreads()`` for one emulated block, whose threads are OS threads: releases
    the waiting threads once every thread still running has arrived (a thread that has left
    the kernel no longer counts, as on current GPUs), and fails every wait once one of the
    block's threads has raised, so none waits for it forever."""

    def __init__(self, parties: int):
        self._cond = threading.Condition()
        self._live, self._waiting, self._generation, self._broken = parties, 0, 0, False

    def wait(self) -> bool:
        with self._cond:
            generation = self._generation
            self._waiting += 1
            self._release_if_complete()
            while generation == self._generation and not self._broken:
                self._cond.wait()
            return not self._broken

    def leave(self, failed: bool) -> None:
        with self._cond:
            self._live -= 1
            self._broken = self._broken or failed
            self._release_if_complete()
            self._cond.notify_all()

    def _release_if_complete(self) -> None:
        if self._waiting and self._waiting == self._live:
            self._waiting, self._generation = 0, self._generation + 1
            self._cond.notify_all()


_barriers: dict[int, _BlockBarrier] = {}


def _barrier_wait(barrier_id: int) -> int:
    return 0 if _barriers[barrier_id].wait() else 1


_BARRIER_WAIT = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64)(_barrier_wait)


def _run_blocks_threaded(entry, host, grid, shared_bytes):
    """Run a kernel with barriers: block after block, each block's threads at once."""
    blocks, threads = grid[:3], grid[3:]
    wait = ctypes.cast(_BARRIER_WAIT, ctypes.c_void_p).value
    for bz, by, bx in itertools.product(*(range(n) for n in reversed(blocks))):
        shared = np.empty(max(shared_bytes, 16), np.uint8)
        barrier = _BlockBarrier(math.prod(threads))
        _barriers[id(barrier)] = barrier
        errors = []

        def work(tx, ty, tz):
            try:
                entry(*host, *grid, bx, by, bz, tx, ty, tz, shared.ctypes.data, wait, id(barrier))
            except BaseException as err:  # noqa: BLE001 - the launch re-raises the first one
                errors.append(err)
                barrier.leave(failed=True)
            else:
                barrier.leave(failed=False)

        workers = [threading.Thread(target=work, args=(tx, ty, tz))
                   for tz, ty, tx in itertools.product(*(range(n) for n in reversed(threads)))]
        try:
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        finally:
            del _barriers[id(barrier)]
        if errors:
            raise errors[0]
