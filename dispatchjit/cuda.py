"""GPU kernels: generic functions compiled for NVIDIA GPUs, launched there or on a CPU emulator.

A kernel is an ordinary generic function whose body reads ``cuda.threadIdx``, ``cuda.blockIdx``,
``cuda.blockDim`` and ``cuda.gridDim`` (each with ``.x``, ``.y``, ``.z``), may call
``cuda.syncthreads()``, ``cuda.shared.array(shape, dtype)`` and ``cuda.atomic.add/max/min``; it
goes through the same frontend, inference and lowering as CPU code, for an ``NVPTXTarget``.
``code_ptx(f, *types)`` returns the PTX of one specialization, from LLVM's NVPTX backend or
libNVVM (``dispatchjit.nvvm``). What a GPU cannot do (allocate arrays, use Python objects) is a
``CompileError`` naming the line; an exception inside a kernel traps, which fails the launch.

Kernel parameters are flat, for any launcher: a number is one parameter; an array is its data
pointer followed by its shape and its strides (bytes), one ``int64`` each; a generic function
passed in is compiled in and takes none (``flat_params``).

``launch(f, blocks, threads)(*args)`` (or ``f[blocks, threads](*args)``) runs a kernel on the GPU
through ``dispatchjit.runtime.cuda_driver`` when one is usable, else, or with ``DISPATCHJIT_CUDA_EMULATE=1``,
on the CPU emulator: the kernel compiled for the CPU with its indices read from a per-thread
context (``lower_llvm.EMUCTX``); a kernel without barriers runs as one loop over the grid, one
with ``syncthreads`` as one OS thread per thread of a block, taking turns (``_Baton``).
``to_device``, ``device_array`` and ``device_array_like`` make ``DeviceArray``s (device memory on
a GPU, host memory in the emulator); objects with ``__cuda_array_interface__`` are taken as they
are. ``map`` and ``reduce`` (``dispatchjit.fused``) generate fused loops over device arrays or,
given NumPy arrays, on the CPU.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import math
import os
import threading

import numpy as np

from .methods import current_world
from .kernel_lang import GridIndex, Namespace, atomic, blockDim, blockIdx, gridDim, shared, syncthreads, threadIdx
from .lattice import ArrayType, FunctionType, dtype_to_type, typeof

__all__ = ["threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "shared", "atomic", "code_ptx",
           "GridIndex", "Namespace", "launch", "map", "reduce", "DeviceArray", "to_device", "device_array",
           "device_array_like", "as_device_array", "compile_kernel"]


def code_ptx(f, *types, arch: str = "sm_80", backend: str = "llvm") -> str:
    """The PTX of the kernel ``f`` specialized for these argument types (lattice types, e.g.
    ``Array[Float32, 1, 'C']``), for GPU architecture ``arch``, from LLVM's NVPTX backend
    (``backend="llvm"``, no CUDA toolkit needed) or NVIDIA's libNVVM (``"nvvm"``)."""
    from .lattice import from_annotation
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
    from .targets.ptx import NVPTXTarget
    return driver.compile_kernel(f, argtypes, NVPTXTarget(arch))


# --- arrays kernels take -------------------------------------------------------------------
class DeviceArray:
    """An array for kernels: device memory on a GPU (``memory``, a ``dispatchjit.runtime.cuda_driver``
    allocation or any object with ``ptr``), host memory in the emulator (``host``, a NumPy
    array). Strides are in bytes; a broadcast view has zero strides."""

    def __init__(self, shape, dtype, *, host: np.ndarray | None = None, memory=None, strides=None):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self._host, self._memory = host, memory
        self.strides = tuple(strides) if strides is not None else _c_strides(self.shape, self.dtype.itemsize)
        self._flat = None   # its flat kernel parameters, when first needed

    @classmethod
    def emulated(cls, host: np.ndarray) -> DeviceArray:
        return cls(host.shape, host.dtype, host=host, strides=host.strides)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    @functools.cached_property
    def layout(self) -> str:
        """'C' or 'F' when contiguous in that order (a contiguous 1-D array is 'C'), else 'A'."""
        itemsize = self.dtype.itemsize
        if self.strides == _c_strides(self.shape, itemsize):
            return "C"
        return "F" if self.strides == _c_strides(self.shape[::-1], itemsize)[::-1] else "A"

    @functools.cached_property
    def kernel_type(self) -> ArrayType:
        """The lattice type kernels are specialized on for this array."""
        return ArrayType(dtype_to_type(self.dtype), self.ndim, self.layout)

    @property
    def device_ptr(self) -> int:
        if self._memory is None:
            raise AttributeError("an emulated device array lives in host memory; it has no device pointer")
        return self._memory.ptr

    @property
    def __cuda_array_interface__(self) -> dict:
        """The CUDA Array Interface (version 3), so CuPy, PyTorch and Numba take it without a copy."""
        return {"shape": self.shape, "typestr": self.dtype.str, "data": (self.device_ptr, False),
                "strides": None if self.layout == "C" else self.strides,
                "version": 3}

    def copy_to_host(self) -> np.ndarray:
        if self._host is not None:
            return self._host.copy()
        if self.layout != "C":
            raise ValueError("copy_to_host of a strided device view: copy the array it views instead")
        out = np.empty(self.shape, self.dtype)
        self._memory.copy_to_host(out)
        return out

    def __repr__(self) -> str:
        where = "emulated" if self._host is not None else "on the GPU"
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype}, {where})"


def _c_strides(shape, itemsize: int) -> tuple[int, ...]:
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _gpu():
    """The GPU to run on, or None to emulate: no usable GPU, or ``DISPATCHJIT_CUDA_EMULATE=1``."""
    if os.environ.get("DISPATCHJIT_CUDA_EMULATE", "") not in ("", "0"):
        return None
    return _device()


@functools.cache
def _device():
    from .runtime import cuda_driver
    return cuda_driver.device() if cuda_driver.available() else None


def to_device(a) -> DeviceArray:
    """A copy of ``a`` (anything NumPy can make an array of) in device memory, C-ordered."""
    host = np.array(a, copy=True, order="C")
    gpu = _gpu()
    if gpu is None:
        return DeviceArray.emulated(host)
    d = DeviceArray(host.shape, host.dtype, memory=gpu.alloc(max(host.nbytes, 1)))
    d._memory.copy_from_host(host)
    return d


def device_array(shape, dtype=np.float64) -> DeviceArray:
    """An uninitialized array in device memory."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    gpu = _gpu()
    if gpu is None:
        return DeviceArray.emulated(np.empty(shape, dtype=dtype))
    return DeviceArray(shape, dtype, memory=gpu.alloc(max(math.prod(shape) * np.dtype(dtype).itemsize, 1)))


def device_array_like(a) -> DeviceArray:
    return device_array(a.shape, a.dtype)


class _Borrowed:
    """Device memory of another library's array (``__cuda_array_interface__``), kept alive."""

    def __init__(self, ptr: int, owner):
        self.ptr, self.owner = ptr, owner


def as_device_array(obj) -> DeviceArray:
    """``obj`` itself if a DeviceArray, else a view (no copy) of an object exposing the CUDA
    Array Interface (a CuPy or PyTorch array, a Numba device array)."""
    if isinstance(obj, DeviceArray):
        return obj
    cai = obj.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    return DeviceArray(cai["shape"], dtype, memory=_Borrowed(cai["data"][0], obj), strides=cai.get("strides"))


# --- launching -------------------------------------------------------------------------------
def _dim3(d) -> tuple[int, int, int]:
    d = (d,) if isinstance(d, int) else tuple(d)
    if not 1 <= len(d) <= 3 or any(not isinstance(n, int) or n < 0 for n in d):
        raise ValueError(f"a grid or block size is 1 to 3 non-negative ints, not {d!r}")
    return d + (1,) * (3 - len(d))


# (f, argtypes) -> the emulated kernel, and (f, argtypes, arch) -> the kernel loaded on the
# GPU; each with the calls compiled into it and the world age it was last known current in, so
# a new method that changes any of those calls recompiles it, as it does CPU code.
_emulated: dict = {}
_emulated_lock = threading.Lock()
_loaded: dict = {}


def _cached(cache: dict, key, compile_fn):
    """``cache[key]``'s kernel, compiled again if a method defined since makes it stale."""
    with _emulated_lock:
        entry = cache.get(key)
        world = current_world()
        if entry is not None and entry[2] != world:   # the compiler is loaded: it made the entry
            from . import driver
            entry = cache[key] = (entry[0], entry[1], world) if driver.still_current(entry[1]) else None
        if entry is None:
            kernel = compile_fn()
            from . import driver
            entry = cache[key] = (kernel, driver.calls_made(kernel.key), world)
        return entry[0]


def launch(f, blocks, threads):
    """``launch(f, blocks, threads)(*args)``: run the kernel ``f`` on a grid of ``blocks``
    blocks of ``threads`` threads (ints or tuples of up to 3). Arguments: numbers, device
    arrays, objects with ``__cuda_array_interface__``, and NumPy arrays (copied to the device
    and back, as Numba does)."""
    grid = _dim3(blocks) + _dim3(threads)

    def run(*args):
        gpu = _gpu()
        if gpu is None:
            _run_emulated(f, grid, [a._host if isinstance(a, DeviceArray) else a for a in args])
        else:
            _run_on_gpu(gpu, f, grid, args)
    return run


def _run_emulated(f, grid, host):
    argtypes = tuple(typeof(a) for a in host)
    kernel = _cached(_emulated, (f, argtypes), lambda: _compile_emulated(f, argtypes))
    if kernel.threaded:
        _run_blocks_threaded(kernel.entry, host, grid, kernel.shared_bytes)
    else:   # the blocks run in turn, so they can share one block's worth of shared memory
        shared = np.empty(max(kernel.shared_bytes, 16), np.uint8)   # uninitialized, as on a GPU
        kernel.entry(*host, *grid, shared.ctypes.data)


def _compile_emulated(f, argtypes):
    from . import driver
    return driver.compile_emulated(f, argtypes)


def _run_on_gpu(gpu, f, grid, args):
    values = [_on_device(a) for a in args]
    argtypes = tuple(kernel_type(v) for v in values)
    compiled = _cached(_loaded, (f, argtypes, gpu.arch), lambda: compile_kernel(f, argtypes, gpu.arch))
    gpu.load(compiled.ptx, compiled.name).launch(grid[:3], grid[3:], flat_params(argtypes, values))
    for a, d in zip(args, values):   # NumPy arrays the kernel may have written
        if isinstance(a, np.ndarray):
            a[...] = d.copy_to_host()


def _on_device(a):
    """A launch argument as the GPU takes it: NumPy arrays copied there, numbers as they are."""
    if isinstance(a, np.ndarray):
        return to_device(a)
    return as_device_array(a) if _is_device_array(a) else a


def _is_device_array(a) -> bool:
    return isinstance(a, DeviceArray) or hasattr(a, "__cuda_array_interface__")


def kernel_type(value):
    """The lattice type a kernel is specialized on for ``value`` (a device array's layout
    comes from its strides)."""
    return value.kernel_type if isinstance(value, DeviceArray) else typeof(value)


def flat_params(argtypes, values) -> list:
    """The kernel's flat parameters (see ``lower_llvm.emit_kernel``) for ``values``: a number as
    its type's NumPy scalar; an array as its device pointer, shape and byte strides; a generic
    function as nothing (it is compiled in)."""
    params = []
    for t, v in zip(argtypes, values):
        if isinstance(t, ArrayType):
            if v._flat is None:   # an array's parameters never change: made once
                v._flat = [np.uint64(v.device_ptr), *(np.int64(n) for n in (*v.shape, *v.strides))]
            params += v._flat
        elif not isinstance(t, FunctionType):
            params.append(np.uint8(bool(v)) if t.kind == "bool" else t.dtype.type(v))
    return params


# --- fused map and reduce ---------------------------------------------------------------------
def map(f, *args, out=None):
    """``f`` applied elementwise over ``args`` (arrays broadcast together as in NumPy; numbers
    broadcast too) by one generated loop: a kernel when any argument is a device array (the
    result is a ``DeviceArray``), else a loop on the CPU over NumPy arrays (the result is a
    NumPy array). One specialization per (f, element types, dimensions, layouts). ``out``: an
    array of the result's shape and type to write into instead of a new one."""
    from . import fused
    on_device = any(_is_device_array(a) for a in args)
    if on_device:
        args = [as_device_array(a) if _is_device_array(a) else a for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in args if isinstance(a, (np.ndarray, DeviceArray))))
    values = [_broadcast(a, shape or (1,)) if isinstance(a, (np.ndarray, DeviceArray)) else a for a in args]
    dtype = fused.result_type(f, [_element_type(v) for v in values]).dtype
    if out is None:
        out = device_array(shape, dtype) if on_device else np.empty(shape, dtype)
    _check_out(out, shape, dtype, on_device)
    if shape:
        target = as_device_array(out) if on_device else out
    else:   # a 0-d result: the loop writes a 1-element view of it
        target = _reshaped(out, (1,)) if on_device else out.reshape((1,))
    if not on_device:
        fused.map_cpu(f, target, *values)
        return out
    blocks = min(-(-target.size // fused.BLOCK), 1024) or 1
    launch(fused.map_kernel, blocks, fused.BLOCK)(f, target, *values)
    return out


def _check_out(out, shape, dtype, on_device: bool) -> None:
    if _is_device_array(out) != on_device:
        raise TypeError("out must be a device array when an argument is one, else a NumPy array, "
                        f"not {type(out).__name__}")
    if (tuple(out.shape), np.dtype(out.dtype)) != (shape, dtype):
        raise ValueError(f"out must have shape {shape} and dtype {dtype} (the result's), not {out.shape} {out.dtype}")


def _broadcast(a, shape):
    """``a`` seen with ``shape`` (NumPy's broadcasting: zero strides where it repeats)."""
    if isinstance(a, np.ndarray) or a._host is not None:
        host = a if isinstance(a, np.ndarray) else a._host
        view = np.broadcast_to(host.reshape(a.shape), shape)
        return view if isinstance(a, np.ndarray) else DeviceArray.emulated(view)
    lead = len(shape) - a.ndim
    strides = [0] * lead + [0 if n == 1 and m != 1 else st for n, m, st in zip(a.shape, shape[lead:], a.strides)]
    return DeviceArray(shape, a.dtype, memory=a._memory, strides=strides)


def _reshaped(d: DeviceArray, shape) -> DeviceArray:
    if d._host is not None:
        return DeviceArray.emulated(d._host.reshape(shape))
    return DeviceArray(shape, d.dtype, memory=d._memory)


def _element_type(v):
    if isinstance(v, DeviceArray):
        return kernel_type(v).dtype
    t = typeof(v)
    return t.dtype if isinstance(v, np.ndarray) else t


_NO_INIT = object()


def reduce(op, x, init=_NO_INIT):
    """``op`` folded over the elements of ``x`` (in C order), starting from ``init`` when given,
    like ``functools.reduce``: on the CPU over a NumPy array, in order; as a kernel over a
    device array (blocks fold in parallel, so ``op`` must be associative and commutative)."""
    from . import fused
    if not _is_device_array(x):
        flat = np.ascontiguousarray(x).reshape(-1)
        return _fold(op, flat, init) if flat.size else _empty(init)
    x = as_device_array(x)
    if x.size == 0:
        return _empty(init)
    if x.layout != "C":
        raise ValueError("cuda.reduce of a strided device view: reduce a contiguous array")
    flat = _reshaped(x, (x.size,))
    t = _element_type(flat)
    # The emulator runs a block's threads as OS threads: a few blocks, each striding further.
    most = 1024 if _gpu() is not None else 2
    partials = device_array(min(-(-x.size // fused.BLOCK), most), fused.result_type(op, [t, t]).dtype)
    launch(fused.reduce_kernel, partials.size, fused.BLOCK)(op, flat, partials)
    return _fold(op, partials.copy_to_host(), init)


def _empty(init):
    if init is _NO_INIT:
        raise TypeError("reduce() of an empty array with no initial value")
    return init


def _fold(op, flat: np.ndarray, init):
    from . import fused
    if init is _NO_INIT:
        return fused.reduce_cpu(op, flat[1:], flat[0])
    return fused.reduce_cpu(op, flat, init)


# --- the emulator's barrier -------------------------------------------------------------------
class _Baton:
    """Runs the OS threads that emulate one block's threads one at a time, in order, handing
    over at each ``cuda.syncthreads()`` and when a thread leaves the kernel: a phase ends when
    every thread still in the kernel has reached the barrier, and the next starts with the
    first of them. (Compiled code holds the GIL, so they could only take turns anyway; handing
    over to exactly one thread spares waking them all.) A thread that has left no longer
    counts, as on current GPUs; once one has raised, every barrier fails, so none waits for it.
    When the last thread leaves a block, the first thread starts the next block."""

    def __init__(self, nthreads: int):
        self.n = nthreads
        self.turn = [threading.Lock() for _ in range(nthreads)]
        for lock in self.turn:
            lock.acquire()
        self.running, self.arrived, self.failed = set(range(nthreads)), set(), False
        self.turn[0].release()

    def start(self, k: int) -> None:
        self.turn[k].acquire()

    def wait(self, k: int) -> bool:
        self.arrived.add(k)
        self._hand_over(k)
        self.turn[k].acquire()
        return not self.failed

    def leave(self, k: int, failed: bool) -> None:
        self.running.discard(k)
        self.failed = self.failed or failed
        self._hand_over(k)

    def _hand_over(self, k: int) -> None:
        order = [(k + i) % self.n for i in range(1, self.n + 1)]
        nxt = next((j for j in order if j in self.running and j not in self.arrived), None)
        if nxt is None and self.running:   # all at the barrier: the next phase
            self.arrived.clear()
            nxt = min(self.running)
        elif nxt is None:                  # the block is done: the next one
            self.running = set(range(self.n))
            nxt = 0
        self.turn[nxt].release()


_barriers: dict[int, tuple[_Baton, int]] = {}   # id -> (the block's baton, this thread's index)


def _barrier_wait(barrier_id: int) -> int:
    baton, k = _barriers[barrier_id]
    return 0 if baton.wait(k) else 1


_BARRIER_WAIT = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64)(_barrier_wait)


def _run_blocks_threaded(entry, host, grid, shared_bytes):
    """Run a kernel with barriers: one OS thread per thread of a block, each running its
    thread of every block in turn (see ``_Baton``). The first error stops the launch."""
    blocks, threads = grid[:3], grid[3:]
    order = [tuple(reversed(b)) for b in itertools.product(*(range(n) for n in reversed(blocks)))]
    thread_ids = [tuple(reversed(t)) for t in itertools.product(*(range(n) for n in reversed(threads)))]
    baton, errors = _Baton(len(thread_ids)), []
    shared = [np.empty(max(shared_bytes, 16), np.uint8)]   # uninitialized, as on a GPU

    def work(k: int):
        handle = object()
        _barriers[id(handle)] = (baton, k)
        wait = ctypes.cast(_BARRIER_WAIT, ctypes.c_void_p).value
        try:
            for block in order:
                baton.start(k)
                if k == 0:   # the block's first thread to run: fresh shared memory
                    shared[0] = np.empty(max(shared_bytes, 16), np.uint8)
                failed = False
                if not errors:
                    try:
                        entry(*host, *grid, *block, *thread_ids[k], shared[0].ctypes.data, wait, id(handle))
                    except BaseException as err:  # noqa: BLE001 - the launch re-raises the first one
                        errors.append(err)
                        failed = True
                baton.leave(k, failed)
        finally:
            del _barriers[id(handle)]

    workers = [threading.Thread(target=work, args=(k,)) for k in range(len(thread_ids))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
