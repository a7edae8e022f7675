"""GPU kernels: compiling them, the arrays they take, and launching them on a GPU or on the
CPU emulator.

``code_ptx(f, *types)`` returns the PTX of one specialization, from LLVM's NVPTX backend or
libNVVM (``dispatchjit.nvvm``). Kernel parameters are flat, for any launcher: a number is one
parameter; an array is its data pointer followed by its shape and its strides (bytes), one
``int64`` each; a generic function passed in is compiled in and takes none (``flat_params``,
the launcher's side of ``targets.ptx.kernel_parameters``).

``launch(f, blocks, threads)(*args)`` (or ``f[blocks, threads](*args)``) runs a kernel on the GPU
through ``dispatchjit.runtime.cuda_driver`` when one is usable, else, or with
``DISPATCHJIT_CUDA_EMULATE=1``, on the CPU emulator (``targets.emulator``): a kernel without
barriers runs as one loop over the grid, one with ``syncthreads`` as one OS thread per thread of
a block, taking turns (``dispatchjit.runtime.emulator``). ``to_device``, ``device_array`` and
``device_array_like`` make ``DeviceArray``s (device memory on a GPU, host memory in the
emulator); objects with ``__cuda_array_interface__`` are taken as they are.
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np

from .lattice import ArrayType, FunctionType, dtype_to_type, typeof
from .lowering.reprs import repr_of
from .runtime.emulator import run_blocks_threaded
from .state import state

__all__ = ["code_ptx", "compile_kernel", "launch", "DeviceArray", "to_device", "device_array",
           "device_array_like", "as_device_array", "kernel_type", "flat_params", "is_device_array", "current_gpu"]


def code_ptx(f, *types, arch: str = "sm_80", backend: str = "llvm") -> str:
    """The PTX of the kernel ``f`` specialized for these argument types (lattice types, e.g.
    ``Array[Float32, 1, 'C']``), for GPU architecture ``arch``, from LLVM's NVPTX backend
    (``backend="llvm"``, no CUDA toolkit needed) or NVIDIA's libNVVM (``"nvvm"``)."""
    from .lattice import from_annotation
    argtypes = tuple(from_annotation(t) for t in types)
    return compile_kernel(f, argtypes, arch, backend).ptx


def compile_kernel(f, argtypes, arch: str = "sm_80", backend: str = "llvm"):
    """``driver.PTXKernel`` (PTX, entry name, flat parameters) of ``f`` at lattice ``argtypes``."""
    if backend == "nvvm":
        from . import nvvm
        return nvvm.compile_nvvm_kernel(f, argtypes, arch)
    if backend != "llvm":
        raise ValueError(f"backend is 'llvm' (LLVM's NVPTX) or 'nvvm' (libNVVM), not {backend!r}")
    from . import driver
    from .targets.ptx import NVPTXTarget
    return driver.compile_ptx_kernel(f, argtypes, NVPTXTarget(arch))


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


def current_gpu():
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
    gpu = current_gpu()
    if gpu is None:
        return DeviceArray.emulated(host)
    d = DeviceArray(host.shape, host.dtype, memory=gpu.alloc(max(host.nbytes, 1)))
    d._memory.copy_from_host(host)
    return d


def device_array(shape, dtype=np.float64) -> DeviceArray:
    """An uninitialized array in device memory."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    gpu = current_gpu()
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
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        d = (d,)
    elif isinstance(d, tuple):
        d = tuple(d)
    else:
        raise TypeError(f"a grid or block size is an int or a tuple of 1 to 3 ints, not {type(d).__name__} {d!r}")
    if not 1 <= len(d) <= 3 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0 for n in d):
        raise ValueError(f"a grid or block size is 1 to 3 non-negative ints, not {d!r}")
    return tuple(map(int, d)) + (1,) * (3 - len(d))


def _cached(key, compile_fn):
    """The kernel compiled for ``key`` (function, argument types, target), compiled again when a
    method defined since changes a call compiled into it, as CPU code is (``CompileState.kernel``)."""
    return state.kernel(key, compile_fn, _edges)


def _edges(kernel):
    from . import driver   # loaded already: it compiled the kernel
    return driver.calls_made(kernel.key)


def launch(f, blocks, threads):
    """``launch(f, blocks, threads)(*args)``: run the kernel ``f`` on a grid of ``blocks``
    blocks of ``threads`` threads (ints or tuples of up to 3). Arguments: numbers, device
    arrays, objects with ``__cuda_array_interface__``, and NumPy arrays (copied to the device
    and back, as Numba does)."""
    if not isinstance(typeof(f), FunctionType):
        raise TypeError(f"a kernel is a @generic function, not {type(f).__name__} {f!r}: decorate it with @generic")
    grid = _dim3(blocks) + _dim3(threads)

    def run(*args):
        gpu = current_gpu()
        if gpu is None:
            _run_emulated(f, grid, [a._host if isinstance(a, DeviceArray) else a for a in args])
        else:
            _run_on_gpu(gpu, f, grid, args)
    return run


def _run_emulated(f, grid, host):
    argtypes = tuple(typeof(a) for a in host)
    kernel = _cached((f, argtypes, "cpu-emulator"), lambda: _compile_emulated(f, argtypes))
    if kernel.threaded:
        run_blocks_threaded(kernel.entry, host, grid, kernel.shared_bytes)
    else:   # the blocks run in turn, so they can share one block's worth of shared memory
        shared = np.empty(max(kernel.shared_bytes, 16), np.uint8)   # uninitialized, as on a GPU
        kernel.entry(*host, *grid, shared.ctypes.data)


def _compile_emulated(f, argtypes):
    from . import driver
    return driver.compile_emulated(f, argtypes)


def _run_on_gpu(gpu, f, grid, args):
    values = [_on_device(a) for a in args]
    argtypes = tuple(kernel_type(v) for v in values)
    compiled = _cached((f, argtypes, f"cuda:{gpu.arch}"), lambda: compile_kernel(f, argtypes, gpu.arch))
    gpu.load(compiled.ptx, compiled.name).launch(grid[:3], grid[3:], flat_params(argtypes, values))
    for a, d in zip(args, values):   # NumPy arrays the kernel may have written
        if isinstance(a, np.ndarray):
            a[...] = d.copy_to_host()


def _on_device(a):
    """A launch argument as the GPU takes it: NumPy arrays copied there, numbers as they are."""
    if isinstance(a, np.ndarray):
        return to_device(a)
    return as_device_array(a) if is_device_array(a) else a


def is_device_array(a) -> bool:
    return isinstance(a, DeviceArray) or hasattr(a, "__cuda_array_interface__")


def kernel_type(value):
    """The lattice type a kernel is specialized on for ``value`` (a device array's layout
    comes from its strides)."""
    return value.kernel_type if isinstance(value, DeviceArray) else typeof(value)


def flat_params(argtypes, values) -> list:
    """The kernel's flat parameters for ``values``, as each type's representation lays them out
    (``Repr.kernel_values``, the launcher's side of ``targets.ptx.kernel_parameters``): a number
    as its type's NumPy scalar; an array as its device pointer, shape and byte strides; a
    generic function as nothing (it is compiled in)."""
    params = []
    for t, v in zip(argtypes, values):
        if isinstance(t, ArrayType):
            if v._flat is None:   # an array's parameters never change: made once
                v._flat = repr_of(t).kernel_values(t, v)
            params += v._flat
        else:
            params += repr_of(t).kernel_values(t, v)
    return params
