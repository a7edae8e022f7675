"""``dispatchjit.cuda``: the GPU spelling of kernels, in one namespace.

A kernel is an ordinary generic function whose body reads ``cuda.threadIdx``, ``cuda.blockIdx``,
``cuda.blockDim`` and ``cuda.gridDim`` (each with ``.x``, ``.y``, ``.z``), may call
``cuda.syncthreads()``, ``cuda.shared.array(shape, dtype)`` and ``cuda.atomic.add/max/min``
(``kernel_lang``); it goes through the same frontend, inference and lowering as CPU code, for a
GPU target. Compiling, device arrays and launching are ``dispatchjit.gpu``'s, re-exported here;
``map`` and ``reduce`` generate fused loops (``dispatchjit.fused``) over device arrays or, given
NumPy arrays, on the CPU.
"""

from __future__ import annotations

import numpy as np

from . import fused
from .gpu import (DeviceArray, as_device_array, code_ptx, compile_kernel, current_gpu, device_array,
                  device_array_like, flat_params, is_device_array, kernel_type, launch, to_device)
from .lattice import typeof
from .kernel_lang import GridIndex, Namespace, atomic, blockDim, blockIdx, gridDim, shared, syncthreads, threadIdx

__all__ = ["threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "shared", "atomic", "code_ptx",
           "GridIndex", "Namespace", "launch", "map", "reduce", "DeviceArray", "to_device", "device_array",
           "device_array_like", "as_device_array", "compile_kernel", "kernel_type", "flat_params"]


# --- fused map and reduce ---------------------------------------------------------------------
def map(f, *args, out=None):
    """``f`` applied elementwise over ``args`` (arrays broadcast together as in NumPy; numbers
    broadcast too) by one generated kernel when any argument is a device array (the result is a
    ``DeviceArray``); over NumPy arrays only, the CPU loop of ``dispatchjit.map``. ``out``: an
    array of the result's shape and type to write into instead of a new one."""
    if not any(is_device_array(a) for a in args):
        return fused.elementwise(f, *args, out=out)
    args = [as_device_array(a) if is_device_array(a) else a for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in args if isinstance(a, (np.ndarray, DeviceArray))))
    values = [_broadcast(a, shape or (1,)) if isinstance(a, (np.ndarray, DeviceArray)) else a for a in args]
    dtype = fused.result_type(f, [_element_type(v) for v in values]).dtype
    if out is None:
        out = device_array(shape, dtype)
    fused.check_out(out, shape, dtype, is_device_array(out))
    target = as_device_array(out) if shape else _reshaped(out, (1,))   # a 0-d result: a 1-element view
    blocks = min(-(-target.size // fused.BLOCK), 1024) or 1
    launch(fused.map_kernel, blocks, fused.BLOCK)(f, target, *values)
    return out


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


def reduce(op, x, init=fused.NO_INIT):
    """``op`` folded over the elements of ``x`` (in C order), starting from ``init`` when given,
    like ``functools.reduce``: as a kernel over a device array (blocks fold in parallel, so
    ``op`` must be associative and commutative); over a NumPy array, ``dispatchjit.reduce``."""
    if not is_device_array(x):
        return fused.fold(op, x, init)
    x = as_device_array(x)
    if x.size == 0:
        return fused.fold(op, np.empty(0), init)   # its error, or init
    if x.layout != "C":
        raise ValueError("cuda.reduce of a strided device view: reduce a contiguous array")
    flat = _reshaped(x, (x.size,))
    t = _element_type(flat)
    # The emulator runs a block's threads as OS threads: a few blocks, each striding further.
    most = 1024 if current_gpu() is not None else 2
    partials = device_array(min(-(-x.size // fused.BLOCK), most), fused.result_type(op, [t, t]).dtype)
    launch(fused.reduce_kernel, partials.size, fused.BLOCK)(op, flat, partials)
    return fused.fold(op, partials.copy_to_host(), init)
