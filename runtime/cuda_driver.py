"""The GPU driver layer: load PTX, move memory and launch kernels through the CUDA driver API.

Why it exists. The compiler stops at PTX text (``dispatchjit.cuda.code_ptx``,
``driver.compile_ptx_kernel``); running that text needs a driver: a context, modules, device memory
and launches. The design keeps what talks to a device under ``runtime/`` (as what talks to the
CPU's JIT is ``runtime/jit.py``), so this is the one file that calls the CUDA driver, and the
GPU launcher in ``dispatchjit.gpu`` is built on it. It is thin on purpose: a name per driver
object (``Device``, ``Kernel``, ``DeviceMemory``), every result checked, nothing cached but
loaded modules and kernels.

What it depends on. NVIDIA's ``cuda-bindings`` (``pip install cuda-bindings``, or the ``cuda``
extra; its major version should not be newer than the driver's CUDA version), or PyCUDA when
cuda-bindings is absent and ``pycuda`` imports. Neither is a dependency of the package. Importing
this module loads neither and calls nothing (no ``cuInit``): the driver is opened on the first
``device()``, ``available()`` or ``why_unavailable()``, and without bindings, a driver or a
device those say why instead of failing.

The model.
* One device, device 0, and its primary context: retained on first use, kept for the life of
  the process (the context CuPy and Numba use too, so device pointers can be shared with them),
  and made current in each thread the first time that thread uses it.
* ``Device.load`` JIT-compiles PTX with ``cuModuleLoadDataEx`` once per text; modules are never
  unloaded. A PTX error raises ``CudaError`` carrying the JIT's error log.
* Launches are asynchronous on the default stream; copies to and from the host are synchronous.
  An error inside a kernel (a failed bounds check traps) is reported by the next synchronizing
  call as ``CUDA_ERROR_LAUNCH_FAILED``/``CUDA_ERROR_ILLEGAL_INSTRUCTION`` and, by CUDA's rules,
  leaves the context unusable until the process exits.
* Kernel parameters are flat (see ``dispatchjit.gpu.flat_params``): a number is one parameter; an array is
  its data pointer, then its shape, then its strides in bytes, one int64 each. ``Kernel.launch``
  reads the parameters' PTX types from the kernel's entry and packs each value as its parameter's
  type, converted as C converts arguments to a prototype: a number as a NumPy scalar or a Python
  number (``np.float32(2.0)`` or ``2.0``, ``np.int64(n)`` or ``n``, ``np.bool_``/``np.int8`` for a
  ``Bool``), a pointer as a ``DeviceMemory``, an ``int``, ``np.uint64`` or ``ctypes.c_void_p``. A
  wrong count, or a value that cannot take its parameter's type (a float for an integer or a
  pointer, an int out of range), is a ``TypeError`` before the launch, never garbage on the device.
* Device memory is freed when its ``DeviceMemory`` is garbage-collected (or on ``free()``),
  exactly once, including at interpreter exit.

Testing. ``tests/test_cuda_driver.py`` checks on every run that the layer reports a missing GPU
cleanly and, against a fake driver, how it packs parameters, checks results and frees memory.
What executes on a GPU (the ``gpu`` tests, ``bench/gpu.py``) runs only on a machine with one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import struct
import threading
import weakref

import numpy as np

__all__ = ["CudaUnavailable", "CudaError", "available", "why_unavailable", "device", "Device", "Kernel",
           "DeviceMemory"]

INSTALL_HINT = "pip install cuda-bindings"
_LOG_BYTES = 1 << 16


class CudaUnavailable(RuntimeError):
    """No usable GPU. The message says why: no bindings installed, ``cuInit`` failed (with the
    CUresult's name), no device, or device 0 could not be opened."""


class CudaError(RuntimeError):
    """A CUDA driver call failed. ``call`` is the driver function, ``result`` the CUresult's name
    (``CUDA_ERROR_INVALID_PTX``), ``log`` the JIT error log of a failed PTX load (else empty)."""

    def __init__(self, call: str, result: str, log: str = ""):
        self.call, self.result, self.log = call, result, log
        super().__init__(f"{call} failed with {result}" + (f"\n{log}" if log else ""))


# --- results ---------------------------------------------------------------------------------
def _describe(err) -> str:
    """A CUresult as ``NAME (description)``, from cuGetErrorName and cuGetErrorString."""
    name, text = getattr(err, "name", None) or f"CUresult {int(err)}", ""
    try:
        from cuda.bindings import driver as cu
        status, raw = cu.cuGetErrorName(err)
        name = raw.decode() if int(status) == 0 and raw else name
        status, raw = cu.cuGetErrorString(err)
        text = raw.decode() if int(status) == 0 and raw else ""
    except Exception:  # noqa: BLE001 - no driver to ask (it failed to load): the enum's name will do
        pass
    return f"{name} ({text})" if text else name


def _check(result: tuple, call: str = "a CUDA driver call"):
    """The values of a cuda-bindings call, which returns ``(CUresult, *values)``: ``None``, the one
    value, or a tuple of them; a ``CudaError`` naming the CUresult when the call failed."""
    err, *values = result
    if int(err) != 0:
        raise CudaError(call, _describe(err))
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


# --- backends: the same few operations over cuda-bindings or PyCUDA ------------------------------
class _Bindings:
    """The driver through NVIDIA's cuda-bindings (``cuda.bindings.driver``)."""

    def __init__(self, cu, version: str):
        self.cu, self.label, self.ctx = cu, f"cuda-bindings {version}", None

    def call(self, name: str, *args):
        return _check(getattr(self.cu, name)(*args), name)

    def open(self) -> tuple[str, tuple[int, int], tuple[int, int]]:
        """Initialize the driver and retain device 0's primary context: (name, capability, driver)."""
        try:
            (err,) = self.cu.cuInit(0)
        except Exception as exc:  # noqa: BLE001 - cuda-bindings raises when libcuda cannot be loaded
            raise CudaUnavailable(f"cuInit failed: the NVIDIA driver library could not be loaded ({exc})") from exc
        if int(err) != 0:
            raise CudaUnavailable(f"cuInit failed with {_describe(err)}")
        if self.call("cuDeviceGetCount") == 0:
            raise CudaUnavailable("no CUDA device: cuDeviceGetCount found none")
        dev = self.call("cuDeviceGet", 0)
        name = self.call("cuDeviceGetName", 256, dev).split(b"\0", 1)[0].decode()
        attr = self.cu.CUdevice_attribute
        cc = (self.call("cuDeviceGetAttribute", attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
              self.call("cuDeviceGetAttribute", attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev))
        version = self.call("cuDriverGetVersion")
        self.ctx = self.call("cuDevicePrimaryCtxRetain", dev)
        return name, cc, (version // 1000, version % 1000 // 10)

    def make_current(self) -> None:
        self.call("cuCtxSetCurrent", self.ctx)

    def load(self, ptx: str):
        log = bytearray(_LOG_BYTES)  # the driver writes the JIT's error log into it
        opt = self.cu.CUjit_option
        keys = [opt.CU_JIT_ERROR_LOG_BUFFER, opt.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES]
        err, module = self.cu.cuModuleLoadDataEx(ptx.encode() + b"\0", len(keys), keys, [log, len(log)])
        if int(err) != 0:
            raise CudaError("cuModuleLoadDataEx", _describe(err), log.split(b"\0", 1)[0].decode(errors="replace"))
        return module

    def function(self, module, name: str):
        return self.call("cuModuleGetFunction", module, name.encode())

    def launch(self, fn, grid, block, shared: int, layout: _Layout, blob: bytes) -> None:
        address, keepalive = layout.kernel_params(blob)
        self.call("cuLaunchKernel", fn, *grid, *block, shared, 0, address, 0)
        del keepalive  # the driver has copied the parameters once cuLaunchKernel returns

    def alloc(self, nbytes: int):
        ptr = int(self.call("cuMemAlloc", nbytes))
        return ptr, ptr

    def free(self, handle) -> None:
        # The finalizer may run in any thread: make the context current just for the call.
        self.call("cuCtxPushCurrent", self.ctx)
        try:
            self.call("cuMemFree", handle)
        finally:
            self.call("cuCtxPopCurrent")

    def htod(self, ptr: int, a: np.ndarray) -> None:
        self.call("cuMemcpyHtoD", ptr, a.ctypes.data, a.nbytes)

    def dtoh(self, a: np.ndarray, ptr: int) -> None:
        self.call("cuMemcpyDtoH", a.ctypes.data, ptr, a.nbytes)

    def dtod(self, dst: int, src: int, nbytes: int) -> None:
        self.call("cuMemcpyDtoD", dst, src, nbytes)

    def synchronize(self) -> None:
        self.call("cuCtxSynchronize")

    def memory_info(self) -> tuple[int, int]:
        return self.call("cuMemGetInfo")


class _PyCuda:
    """The driver through PyCUDA (``pycuda.driver``): used only when cuda-bindings is absent."""

    def __init__(self, drv, version: str):
        self.drv, self.label, self.ctx = drv, f"pycuda {version}", None

    @contextlib.contextmanager
    def errors(self, call: str):
        try:
            yield
        except self.drv.Error as exc:
            raise CudaError(call, str(exc)) from exc

    def open(self) -> tuple[str, tuple[int, int], tuple[int, int]]:
        try:
            self.drv.init()
        except Exception as exc:  # noqa: BLE001 - PyCUDA's own error types; the message names the result
            raise CudaUnavailable(f"cuInit failed: {exc}") from exc
        if self.drv.Device.count() == 0:
            raise CudaUnavailable("no CUDA device: cuDeviceGetCount found none")
        with self.errors("cuDevicePrimaryCtxRetain"):
            dev = self.drv.Device(0)
            self.ctx = dev.retain_primary_context()
        version = self.drv.get_driver_version()
        return dev.name(), tuple(dev.compute_capability()), (version // 1000, version % 1000 // 10)

    def make_current(self) -> None:
        with self.errors("cuCtxPushCurrent"):
            self.ctx.push()

    def load(self, ptx: str):
        log: list[str] = []
        try:
            return self.drv.module_from_buffer(ptx.encode(), message_handler=lambda ok, info, err: log.append(err))
        except self.drv.Error as exc:
            raise CudaError("cuModuleLoadDataEx", str(exc), "".join(log)) from exc

    def function(self, module, name: str):
        with self.errors("cuModuleGetFunction"):
            return module.get_function(name)

    def launch(self, fn, grid, block, shared: int, layout: _Layout, blob: bytes) -> None:
        # PyCUDA passes one buffer with the values at their C offsets, as its own calls do.
        buffer = layout.natural.pack(*layout.slots.unpack(blob))
        with self.errors("cuLaunchKernel"):
            fn._launch_kernel(tuple(grid), tuple(block), buffer, shared, None)

    def alloc(self, nbytes: int):
        with self.errors("cuMemAlloc"):
            allocation = self.drv.mem_alloc(nbytes)
        return int(allocation), allocation

    def free(self, handle) -> None:
        with self.errors("cuMemFree"):
            handle.free()

    def htod(self, ptr: int, a: np.ndarray) -> None:
        with self.errors("cuMemcpyHtoD"):
            self.drv.memcpy_htod(ptr, a)

    def dtoh(self, a: np.ndarray, ptr: int) -> None:
        with self.errors("cuMemcpyDtoH"):
            self.drv.memcpy_dtoh(a, ptr)

    def dtod(self, dst: int, src: int, nbytes: int) -> None:
        with self.errors("cuMemcpyDtoD"):
            self.drv.memcpy_dtod(dst, src, nbytes)

    def synchronize(self) -> None:
        with self.errors("cuCtxSynchronize"):
            self.drv.Context.synchronize()

    def memory_info(self) -> tuple[int, int]:
        with self.errors("cuMemGetInfo"):
            return tuple(self.drv.mem_get_info())


def _dist_version(dist: str) -> str:
    try:
        import importlib.metadata as md
        return md.version(dist)
    except Exception:  # noqa: BLE001 - a version is only for display
        return "?"


def _backend():
    """cuda-bindings' driver module wrapped, else PyCUDA's; CudaUnavailable when neither imports.
    ``DISPATCHJIT_CUDA_LAUNCHER=cuda-bindings`` or ``=pycuda`` insists on one."""
    chosen = os.environ.get("DISPATCHJIT_CUDA_LAUNCHER", "")
    if chosen == "pycuda":
        try:
            import pycuda.driver as drv
        except Exception as exc:  # noqa: BLE001 - asked for, so say why not
            raise CudaUnavailable(f"DISPATCHJIT_CUDA_LAUNCHER=pycuda, but pycuda does not import ({exc})") from None
        return _PyCuda(drv, _dist_version("pycuda"))
    if chosen not in ("", "cuda-bindings"):
        raise CudaUnavailable(f"DISPATCHJIT_CUDA_LAUNCHER is 'cuda-bindings' or 'pycuda', not {chosen!r}")
    try:
        from cuda.bindings import driver as cu
    except Exception as exc:  # noqa: BLE001 - any failure to import means: not usable here
        missing = f"{type(exc).__name__}: {exc}"
    else:
        return _Bindings(cu, _dist_version("cuda-bindings"))
    try:
        import pycuda.driver as drv
    except Exception:  # noqa: BLE001 - pycuda is only a fallback; the message names cuda-bindings
        raise CudaUnavailable(f"no CUDA Python bindings: cuda-bindings is not installed ({missing}) and pycuda does "
                              f"not import; install NVIDIA's with `{INSTALL_HINT}`") from None
    return _PyCuda(drv, _dist_version("pycuda"))


# --- kernel parameters ---------------------------------------------------------------------------
_FLOAT_CODES = {16: "e", 32: "f", 64: "d"}
_INT_CODES = {8: "b", 16: "h", 32: "i", 64: "q"}


def _ptx_param_types(ptx: str, name: str) -> tuple[str, ...] | None:
    """The PTX types (``"f32"``, ``"u64"``, ...) of the parameters of the entry ``name``, or None
    when the entry is not found or takes a parameter that is not a scalar (a ``.b8 x[16]`` struct)."""
    entry = re.search(r"\.entry\s+" + re.escape(name) + r"\s*\(([^)]*)\)", ptx)
    if entry is None:
        return None
    types = []
    for decl in filter(str.strip, entry.group(1).split(",")):
        scalar = re.search(r"\.([bsu](?:8|16|32|64)|f(?:16|32|64))\b", decl)
        if scalar is None or "[" in decl:
            return None
        types.append(scalar.group(1))
    return tuple(types)


def _types_of(params: list) -> tuple[str, ...]:
    """PTX types for parameters of a kernel whose types are unknown: each value's own (a NumPy
    scalar's dtype; a pointer or Python int is 64 bits); a Python float is too ambiguous."""
    types = []
    for i, v in enumerate(params):
        if isinstance(v, np.generic) and v.dtype.kind in "fiub" and v.itemsize <= 8:
            types.append(("f" if v.dtype.kind == "f" else "b") + str(8 * v.itemsize))
        elif isinstance(v, (int, DeviceMemory, ctypes.c_void_p)):
            types.append("b64")
        else:
            raise TypeError(f"kernel parameter {i}: {v!r} ({type(v).__name__}) has no width here: pass a NumPy "
                            f"scalar (np.float32(x), np.int64(n)) or a device pointer")
    return tuple(types)


class _Layout:
    """How a kernel's parameters are packed: one 8-byte slot each, little-endian, converted to the
    parameter's PTX type as C converts arguments to a prototype (a float parameter takes an int,
    an integer parameter does not take a float). ``natural`` is the same values at their C
    offsets, the layout of the driver's single parameter buffer."""

    def __init__(self, types: tuple[str, ...]):
        self.types, self.count = types, len(types)
        codes = [(_FLOAT_CODES if t[0] == "f" else _INT_CODES)[int(t[1:])] for t in types]
        self.slots = struct.Struct("<" + "".join(c + ("" if c in "qd" else f"{8 - struct.calcsize(c)}x")
                                                 for c in codes))
        self.natural = struct.Struct("@" + "".join(codes))
        self.pointers = struct.Struct(f"<{len(types)}Q")

    def pack(self, params: list) -> bytes:
        """The slots of these values; a ``TypeError`` naming the parameter that does not fit."""
        if len(params) != self.count:
            raise TypeError(f"the kernel takes {self.count} parameters ({', '.join(self.types)}), got {len(params)}")
        try:
            return self.slots.pack(*params)
        except (struct.error, TypeError):  # values struct cannot take as they are: convert, or say which
            return self.slots.pack(*[self.value(i, v, t) for i, (v, t) in enumerate(zip(params, self.types))])

    @staticmethod
    def value(i: int, v, ptype: str):
        """Parameter ``i`` as a Python number struct packs into a slot of PTX type ``ptype``."""
        bits, floating = int(ptype[1:]), ptype[0] == "f"
        if isinstance(v, ctypes.c_void_p):
            v = v.value or 0
        elif isinstance(v, np.generic) and v.dtype.kind in "fiub":
            if ptype[0] == "b" and v.itemsize * 8 == bits and v.dtype.kind == "f":
                v = v.view(f"u{v.itemsize}")   # .b parameters are untyped bits: a half's or float's own
            v = v.item()
        elif isinstance(v, DeviceMemory):
            v = v.ptr
        if floating and isinstance(v, (int, float)):
            return float(v)
        if isinstance(v, int) and -(1 << bits - 1) <= v < 1 << bits:
            return v - (1 << bits) if v >= 1 << bits - 1 else v   # unsigned values as their two's complement
        raise TypeError(f"kernel parameter {i}: {v!r} ({type(v).__name__}) does not fit the kernel's .{ptype}")

    def kernel_params(self, blob: bytes):
        """cuLaunchKernel's ``kernelParams`` (a ``void**``) for packed slots: the address of an array
        of pointers, one to each slot, and the buffer behind both, which must outlive the call."""
        if not self.count:
            return 0, None
        size = len(blob)
        buf = ctypes.create_string_buffer(blob, 2 * size)
        base = ctypes.addressof(buf)
        self.pointers.pack_into(buf, size, *range(base, base + size, 8))
        return base + size, buf


# --- the public objects --------------------------------------------------------------------------
class Device:
    """Device 0 with its primary context. ``name`` (``"NVIDIA H100 80GB HBM3"``),
    ``compute_capability`` (``(9, 0)``), ``arch`` (``"sm_90"``, what ``cuda.code_ptx`` takes),
    ``driver_version`` (the CUDA version the driver supports, ``(12, 4)``), ``backend``
    (``"cuda-bindings 13.0.1"``). Get it from ``device()``."""

    def __init__(self, api, name: str, compute_capability: tuple[int, int], driver_version: tuple[int, int]):
        self._api, self._tls, self._lock = api, threading.local(), threading.Lock()
        self.name, self.compute_capability, self.driver_version = name, compute_capability, driver_version
        self.arch = "sm_%d%d" % compute_capability
        self.backend = api.label
        self._modules: dict[str, object] = {}
        self._kernels: dict[tuple[str, str], Kernel] = {}

    def __repr__(self) -> str:
        return f"<Device 0: {self.name}, {self.arch}, driver CUDA {'%d.%d' % self.driver_version}, {self.backend}>"

    def _enter(self) -> None:
        """Make the context current in this thread (once per thread: the driver keeps it)."""
        if not getattr(self._tls, "current", False):
            self._api.make_current()
            self._tls.current = True

    def load(self, ptx: str, name: str) -> Kernel:
        """The kernel entry ``name`` of this PTX, JIT-compiled for the device once per (ptx, name).
        A PTX error raises ``CudaError`` whose message and ``log`` hold the JIT's error log."""
        kernel = self._kernels.get((ptx, name))
        if kernel is not None:
            return kernel
        self._enter()
        with self._lock:
            if ptx not in self._modules:
                self._modules[ptx] = self._api.load(ptx)
            fn = self._api.function(self._modules[ptx], name)
            kernel = self._kernels[(ptx, name)] = Kernel(self, fn, name, _ptx_param_types(ptx, name))
        return kernel

    def alloc(self, nbytes: int) -> DeviceMemory:
        """``nbytes`` of uninitialized device memory (zero bytes is a null pointer)."""
        return DeviceMemory(self, nbytes)

    def synchronize(self) -> None:
        """Wait for every launch and copy; raises the error of one that failed."""
        self._enter()
        self._api.synchronize()

    def memory_info(self) -> tuple[int, int]:
        """(free, total) device memory in bytes (cuMemGetInfo)."""
        self._enter()
        return self._api.memory_info()


class Kernel:
    """A kernel entry loaded on a device. ``param_types`` are its parameters' PTX types (``"f32"``,
    ``"u64"``) read from the PTX, or None when they could not be read; then each value is passed
    at its own width and only NumPy scalars and pointers are accepted."""

    def __init__(self, device: Device, fn, name: str, param_types: tuple[str, ...] | None):
        self.device, self.name, self.param_types, self._fn = device, name, param_types, fn
        self._layout = None if param_types is None else _Layout(param_types)

    def __repr__(self) -> str:
        return f"<Kernel {self.name}({', '.join(self.param_types or ('?',))}) on {self.device.arch}>"

    def launch(self, grid: tuple[int, int, int], block: tuple[int, int, int], params: list,
               shared_bytes: int = 0) -> None:
        """Launch on a ``grid`` of blocks of ``block`` threads (3-tuples), asynchronously. ``params``
        are the flat parameter values (see the module docstring); a wrong count or a value that
        does not fit its parameter is a ``TypeError`` here, a launch the driver refuses a ``CudaError``."""
        layout = self._layout or _Layout(_types_of(params))
        try:
            blob = layout.pack(params)
        except TypeError as exc:
            raise TypeError(f"{self.name}: {exc}") from None
        gx, gy, gz = grid
        bx, by, bz = block
        self.device._enter()
        self.device._api.launch(self._fn, (gx, gy, gz), (bx, by, bz), shared_bytes, layout, blob)


def _release(api, handle) -> None:
    try:
        api.free(handle)
    except Exception:  # noqa: BLE001 - a finalizer cannot raise; at exit the driver may be gone already
        pass


class DeviceMemory:
    """``nbytes`` of device memory at address ``ptr``, freed once when this object is collected,
    on ``free()``, or at interpreter exit. Pass it (or its ``ptr``) as a pointer parameter."""

    def __init__(self, device: Device, nbytes: int):
        if not isinstance(nbytes, int) or nbytes < 0:
            raise ValueError(f"a size in bytes is a non-negative int, not {nbytes!r}")
        self.device, self.nbytes, self.ptr, self._finalizer = device, nbytes, 0, None
        if nbytes == 0:
            return   # cuMemAlloc refuses zero bytes; an empty array needs no memory
        device._enter()
        self.ptr, handle = device._api.alloc(nbytes)
        self._finalizer = weakref.finalize(self, _release, device._api, handle)

    def __index__(self) -> int:
        return self.ptr   # so that int(mem), and struct packing a pointer parameter, give the address

    def __repr__(self) -> str:
        return f"<DeviceMemory {self.nbytes} bytes at {self.ptr:#x}{'' if self.alive else ', freed'}>"

    @property
    def alive(self) -> bool:
        return self._finalizer is None or self._finalizer.alive

    def free(self) -> None:
        """Free the memory now (later calls, and the collector, do nothing)."""
        if self._finalizer is not None:
            self._finalizer()

    def _host(self, a: np.ndarray, writing: bool) -> None:
        if not self.alive:
            raise ValueError(f"{self!r} was freed")
        if not isinstance(a, np.ndarray) or not a.flags.c_contiguous:
            raise ValueError("the host array must be a C-contiguous numpy.ndarray")
        if writing and not a.flags.writeable:
            raise ValueError("the host array to copy into is read-only")
        if a.nbytes > self.nbytes:
            raise ValueError(f"the host array has {a.nbytes} bytes; this device memory holds {self.nbytes}")
        self.device._enter()

    def copy_from_host(self, a: np.ndarray) -> None:
        """Copy the C-contiguous array ``a`` to the start of this memory (synchronous)."""
        self._host(a, writing=False)
        if a.nbytes:
            self.device._api.htod(self.ptr, a)

    def copy_to_host(self, a: np.ndarray) -> None:
        """Fill the C-contiguous array ``a`` from the start of this memory (waits for launches)."""
        self._host(a, writing=True)
        if a.nbytes:
            self.device._api.dtoh(a, self.ptr)

    def copy_from(self, src: DeviceMemory, nbytes: int | None = None) -> None:
        """Copy ``nbytes`` (all of ``src``) from device memory ``src`` to the start of this memory."""
        nbytes = src.nbytes if nbytes is None else nbytes
        if not (self.alive and src.alive) or not 0 <= nbytes <= min(self.nbytes, src.nbytes):
            raise ValueError(f"cannot copy {nbytes} bytes from {src!r} to {self!r}")
        self.device._enter()
        if nbytes:
            self.device._api.dtod(self.ptr, src.ptr, nbytes)


# --- the device --------------------------------------------------------------------------------
_lock = threading.Lock()
_opened: Device | CudaUnavailable | None = None


def _open() -> Device:
    """Open device 0 (uncached): the backend, cuInit, the device and its primary context."""
    api = _backend()
    try:
        name, cc, version = api.open()
    except CudaError as exc:
        raise CudaUnavailable(f"device 0 cannot be used: {exc}") from exc
    return Device(api, name, cc, version)


def device() -> Device:
    """The current device (device 0), opened on first use; ``CudaUnavailable`` saying why there is none.
    The outcome is decided once per process."""
    global _opened
    if _opened is None:
        with _lock:
            if _opened is None:
                try:
                    _opened = _open()
                except CudaUnavailable as exc:
                    _opened = exc
    if isinstance(_opened, CudaUnavailable):
        raise CudaUnavailable(str(_opened))
    return _opened


def available() -> bool:
    """Whether a GPU can be used (decided once: the first call opens the device)."""
    return why_unavailable() is None


def why_unavailable() -> str | None:
    """Why no GPU can be used, or None when one can."""
    try:
        device()
    except CudaUnavailable as exc:
        return str(exc)
    return None
