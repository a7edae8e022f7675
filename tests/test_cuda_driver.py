"""The GPU driver layer (runtime/cuda_driver.py).

Every run, with or without cuda-bindings installed: without a GPU the layer says why and never
fails at import; against a fake ``cuda.bindings.driver`` (device memory in host buffers, an
emulated saxpy) it packs parameters, checks results and frees memory as it must, and so does the
PyCUDA fallback against a fake ``pycuda.driver``. On a GPU (marked ``gpu``, skipped with the
reason elsewhere): a kernel from ``cuda.code_ptx`` runs and matches NumPy, broken PTX reports the
JIT log, memory is returned."""

import ctypes
import enum
import gc
import re
import struct
import subprocess
import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from dispatchjit import Array, Float32, cuda, driver, generic
from dispatchjit.targets.ptx import NVPTXTarget
from dispatchjit.lattice import from_annotation
from dispatchjit.runtime import cuda_driver
from dispatchjit.runtime.cuda_driver import CudaError, CudaUnavailable

ROOT = Path(__file__).resolve().parent.parent
V = Array[Float32, 1, "C"]

BROKEN_PTX = """
.version 7.0
.target sm_50
.address_size 64
.visible .entry broken(.param .u64 p)
{
    this is not an instruction;
}
"""


@generic
def saxpy(a, x, y, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


def compiled_saxpy(arch):
    kernel = driver.compile_ptx_kernel(saxpy, tuple(map(from_annotation, (Float32, V, V, V))), NVPTXTarget(arch))
    return kernel.ptx, kernel.name


def flat_saxpy_params(a, *arrays):
    """The flat parameters of saxpy: ``a``, then data pointer, shape[0], strides[0] per vector."""
    params = [np.float32(a)]
    for mem, n in arrays:
        params += [mem, np.int64(n), np.int64(4)]
    return params


# --- without a GPU --------------------------------------------------------------------------
def test_import_has_no_side_effects():
    probe = ("import sys, dispatchjit.runtime.cuda_driver as m; "
             "loaded = [k for k in sys.modules if k.startswith(('cuda.bindings', 'pycuda'))]; "
             "print(m._opened is None, loaded)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "[]"], out.stdout + out.stderr


def test_without_a_gpu_the_layer_says_why():
    if cuda_driver.available():
        pytest.skip(f"a GPU is present: {cuda_driver.device()!r}")
    reason = cuda_driver.why_unavailable()
    assert isinstance(reason, str)
    assert re.search(r"pip install cuda-bindings|cuInit failed|no CUDA device|device 0 cannot be used", reason)
    with pytest.raises(CudaUnavailable, match=re.escape(reason)):
        cuda_driver.device()
    assert cuda_driver.available() is False


def test_without_bindings_the_reason_names_the_pip_command(monkeypatch):
    for name in ("cuda", "cuda.bindings", "cuda.bindings.driver", "pycuda", "pycuda.driver"):
        monkeypatch.setitem(sys.modules, name, None)   # None in sys.modules makes the import fail
    with pytest.raises(CudaUnavailable, match=r"cuda-bindings is not installed .*`pip install cuda-bindings`"):
        cuda_driver._open()


# --- a fake cuda.bindings.driver ------------------------------------------------------------
class CUresult(enum.IntEnum):
    CUDA_SUCCESS = 0
    CUDA_ERROR_INVALID_VALUE = 1
    CUDA_ERROR_NO_DEVICE = 100
    CUDA_ERROR_INVALID_CONTEXT = 201
    CUDA_ERROR_INVALID_PTX = 218
    CUDA_ERROR_NOT_FOUND = 500


class FakeDriver:
    """The part of cuda.bindings.driver the layer calls, same signatures and ``(CUresult, *values)``
    results. Device memory is ctypes buffers; a function named ``saxpy*`` runs saxpy on them from
    the flat parameters it reads through the ``void**`` it is given."""

    CUresult = CUresult
    CUjit_option = enum.IntEnum("CUjit_option", {"CU_JIT_ERROR_LOG_BUFFER": 5,
                                                 "CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES": 6})
    CUdevice_attribute = enum.IntEnum("CUdevice_attribute", {"CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR": 75,
                                                             "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR": 76})

    def __init__(self, init=CUresult.CUDA_SUCCESS, devices=1):
        self.init, self.devices = init, devices
        self.memory, self.freed, self.launches = {}, [], []
        self.current = threading.local()

    def ok(self, *values):
        return (CUresult.CUDA_SUCCESS, *values)

    def in_context(self):
        return getattr(self.current, "ctx", None) == "primary"

    def cuInit(self, flags):
        return (self.init,)

    def cuDeviceGetCount(self):
        return self.ok(self.devices)

    def cuDeviceGet(self, ordinal):
        return self.ok(ordinal)

    def cuDeviceGetName(self, length, dev):
        return self.ok(b"Fake GPU".ljust(length, b"\0"))

    def cuDeviceGetAttribute(self, attr, dev):
        return self.ok(8 if attr == 75 else 6)

    def cuDriverGetVersion(self):
        return self.ok(12040)

    def cuDevicePrimaryCtxRetain(self, dev):
        return self.ok("primary")

    def cuCtxSetCurrent(self, ctx):
        self.current.ctx = ctx
        return self.ok()

    def cuCtxPushCurrent(self, ctx):
        self.current.saved, self.current.ctx = getattr(self.current, "ctx", None), ctx
        return self.ok()

    def cuCtxPopCurrent(self):
        ctx, self.current.ctx = self.current.ctx, self.current.saved
        return self.ok(ctx)

    def cuCtxSynchronize(self):
        return self.ok()

    def cuGetErrorName(self, err):
        return self.ok(CUresult(err).name.encode())

    def cuGetErrorString(self, err):
        return self.ok(b"fake description")

    def cuModuleLoadDataEx(self, image, n, keys, values):
        assert image.endswith(b"\0") and n == len(keys) == len(values)
        if b"not an instruction" in image:
            log = values[keys.index(self.CUjit_option.CU_JIT_ERROR_LOG_BUFFER)]
            log[:40] = b"ptxas error: line 8: unknown instruction".ljust(40, b"\0")
            return (CUresult.CUDA_ERROR_INVALID_PTX, None)
        return self.ok(image)

    def cuModuleGetFunction(self, module, name):
        if b".entry " + name + b"(" not in module:
            return (CUresult.CUDA_ERROR_NOT_FOUND, None)
        return self.ok(name.decode())

    def cuMemAlloc(self, nbytes):
        if not self.in_context():
            return (CUresult.CUDA_ERROR_INVALID_CONTEXT, 0)
        buf = ctypes.create_string_buffer(nbytes)
        self.memory[ctypes.addressof(buf)] = buf
        return self.ok(ctypes.addressof(buf))

    def cuMemFree(self, ptr):
        if not self.in_context() or ptr not in self.memory:
            return (CUresult.CUDA_ERROR_INVALID_VALUE,)
        self.freed.append(ptr)
        del self.memory[ptr]
        return self.ok()

    def cuMemGetInfo(self):
        used = sum(len(b) for b in self.memory.values())
        return self.ok((1 << 30) - used, 1 << 30)

    def cuMemcpyHtoD(self, dst, src, nbytes):
        ctypes.memmove(dst, src, nbytes)
        return self.ok()

    cuMemcpyDtoH = cuMemcpyDtoD = cuMemcpyHtoD

    def cuLaunchKernel(self, fn, gx, gy, gz, bx, by, bz, shared, stream, params, extra):
        if not self.in_context():
            return (CUresult.CUDA_ERROR_INVALID_CONTEXT,)
        if 0 in (gx, gy, gz, bx, by, bz):
            return (CUresult.CUDA_ERROR_INVALID_VALUE,)
        self.launches.append(fn)
        if fn.startswith("saxpy"):
            self.saxpy(gx * bx, (ctypes.c_void_p * 10).from_address(params))
        return self.ok()

    def saxpy(self, threads, slots):
        a = ctypes.c_float.from_address(slots[0]).value
        x, nx, _, y, _, _, out, n, stride = (ctypes.c_int64.from_address(s).value for s in slots[1:])
        assert stride == 4 and nx == n
        for i in range(min(threads, n)):
            at = lambda base: ctypes.c_float.from_address(base + 4 * i)  # noqa: E731
            at(out).value = a * at(x).value + at(y).value


def install(monkeypatch, fake):
    package = types.ModuleType("cuda.bindings")
    package.driver = fake
    monkeypatch.setitem(sys.modules, "cuda", types.ModuleType("cuda"))
    monkeypatch.setitem(sys.modules, "cuda.bindings", package)
    monkeypatch.setitem(sys.modules, "cuda.bindings.driver", fake)
    return fake


@pytest.fixture
def fake(monkeypatch):
    return install(monkeypatch, FakeDriver())


@pytest.fixture
def fake_device(fake):
    return cuda_driver._open()


def test_a_failed_cuinit_names_its_cuda_result(monkeypatch):
    install(monkeypatch, FakeDriver(init=CUresult.CUDA_ERROR_NO_DEVICE))
    with pytest.raises(CudaUnavailable, match=r"^cuInit failed with CUDA_ERROR_NO_DEVICE \(fake description\)$"):
        cuda_driver._open()


def test_no_device_is_unavailable(monkeypatch):
    install(monkeypatch, FakeDriver(devices=0))
    with pytest.raises(CudaUnavailable, match="no CUDA device"):
        cuda_driver._open()


def test_the_device_describes_itself(fake_device):
    assert fake_device.name == "Fake GPU"
    assert fake_device.compute_capability == (8, 6) and fake_device.arch == "sm_86"
    assert fake_device.driver_version == (12, 4) and fake_device.backend.startswith("cuda-bindings")


def test_check_names_the_cuda_result(fake):
    assert cuda_driver._check((CUresult.CUDA_SUCCESS, 7)) == 7
    assert cuda_driver._check((CUresult.CUDA_SUCCESS,)) is None
    with pytest.raises(CudaError, match=r"cuMemAlloc failed with CUDA_ERROR_INVALID_VALUE") as info:
        cuda_driver._check((CUresult.CUDA_ERROR_INVALID_VALUE, None), "cuMemAlloc")
    assert isinstance(info.value, RuntimeError) and info.value.result.startswith("CUDA_ERROR_INVALID_VALUE")


def test_saxpy_from_code_ptx_runs_on_the_fake(fake, fake_device):
    ptx, name = compiled_saxpy(fake_device.arch)
    kernel = fake_device.load(ptx, name)
    assert kernel.param_types == ("f32",) + ("u64",) * 9
    assert fake_device.load(ptx, name) is kernel
    n = 300
    x, y, out = np.arange(n, dtype=np.float32), np.full(n, 0.5, np.float32), np.zeros(n, np.float32)
    mems = [fake_device.alloc(a.nbytes) for a in (x, y, out)]
    mems[0].copy_from_host(x)
    mems[1].copy_from_host(y)
    kernel.launch(((n + 127) // 128, 1, 1), (128, 1, 1), flat_saxpy_params(3.0, *((m, n) for m in mems)))
    fake_device.synchronize()
    mems[2].copy_to_host(out)
    np.testing.assert_array_equal(out, np.float32(3.0) * x + y)


def test_python_numbers_take_the_parameters_ptx_types(fake, fake_device):
    kernel = fake_device.load(*compiled_saxpy(fake_device.arch))
    n, x = 8, np.arange(8, dtype=np.float32)
    mems = [fake_device.alloc(32) for _ in range(3)]
    for m in mems[:2]:
        m.copy_from_host(x)
    params = [2.0, mems[0].ptr, n, 4, ctypes.c_void_p(mems[1].ptr), n, 4, np.uint64(mems[2].ptr), n, 4]
    kernel.launch((1, 1, 1), (32, 1, 1), params)
    out = np.zeros(n, np.float32)
    mems[2].copy_to_host(out)
    np.testing.assert_array_equal(out, 3 * x)


@pytest.mark.parametrize("params, message", [
    ([np.float32(1)] * 9, r"saxpy_\d+: the kernel takes 10 parameters \(f32, u64"),
    ([np.float32(1), 1.5] + [np.int64(0)] * 8, r"kernel parameter 1: 1\.5 \(float\) does not fit the kernel's \.u64"),
    ([np.float32(1), np.float32(0)] + [np.int64(0)] * 8, r"kernel parameter 1: 0\.0 \(float\) does not fit"),
    ([np.float32(1), "x"] + [np.int64(0)] * 8, r"parameter 1: 'x' \(str\)"),
    ([np.float32(1), -1 << 64] + [np.int64(0)] * 8, r"does not fit the kernel's \.u64"),
    (["2"] + [np.int64(0)] * 9, r"parameter 0: '2' \(str\) does not fit the kernel's \.f32"),
])
def test_wrong_parameters_are_a_type_error_before_the_launch(fake, fake_device, params, message):
    kernel = fake_device.load(*compiled_saxpy(fake_device.arch))
    with pytest.raises(TypeError, match=message):
        kernel.launch((1, 1, 1), (1, 1, 1), params)
    assert fake.launches == []


def test_values_are_converted_to_their_parameters_types():
    layout = cuda_driver._Layout(("f32", "u64", "u8", "b16", "s32", "f64"))
    blob = layout.pack([np.float64(2.5), np.uint64(2**64 - 1), np.bool_(True), np.float16(1.0), 7, 3])
    assert len(blob) == 6 * 8
    assert layout.slots.unpack(blob) == (2.5, -1, 1, 0x3C00, 7, 3.0)   # unsigned as two's complement, half as bits
    assert layout.natural.size == 32                               # C offsets 0, 8, 16, 18, 20, 24


def test_parameters_are_packed_in_8_byte_slots_with_their_own_bytes():
    layout = cuda_driver._Layout(("f32", "s8", "u64", "f64"))
    blob = layout.pack([np.float32(1.5), np.int8(-2), np.uint64(2**64 - 1), 0.25])
    address, keepalive = layout.kernel_params(blob)
    slots = (ctypes.c_void_p * 4).from_address(address)
    assert [slots[i] - slots[0] for i in range(4)] == [0, 8, 16, 24]
    assert ctypes.c_float.from_address(slots[0]).value == 1.5
    assert ctypes.c_int8.from_address(slots[1]).value == -2
    assert ctypes.c_uint64.from_address(slots[2]).value == 2**64 - 1
    assert ctypes.c_double.from_address(slots[3]).value == 0.25
    assert cuda_driver._Layout(()).kernel_params(b"") == (0, None)


def test_without_parameter_types_each_value_keeps_its_own_width():
    assert cuda_driver._types_of([np.float32(1), np.int8(2), 5, np.uint64(3)]) == ("f32", "b8", "b64", "b64")
    with pytest.raises(TypeError, match=r"parameter 1: 2\.0 \(float\) has no width here"):
        cuda_driver._types_of([np.float32(1), 2.0])


def test_a_refused_launch_names_its_cuda_result(fake_device):
    kernel = fake_device.load(*compiled_saxpy(fake_device.arch))
    with pytest.raises(CudaError, match="cuLaunchKernel failed with CUDA_ERROR_INVALID_VALUE"):
        kernel.launch((0, 1, 1), (1, 1, 1), [np.float32(0)] + [np.int64(0)] * 9)


def test_ptx_parameter_types():
    ptx = cuda.code_ptx(saxpy, Float32, V, V, V)
    name = re.search(r"\.entry (\w+)", ptx)[1]
    assert cuda_driver._ptx_param_types(ptx, name) == ("f32",) + ("u64",) * 9
    assert cuda_driver._ptx_param_types(".entry e()\n{ ret; }", "e") == ()
    assert cuda_driver._ptx_param_types(".entry s(.param .align 8 .b8 s_param_0[16])", "s") is None
    assert cuda_driver._ptx_param_types(ptx, "missing") is None
    assert cuda_driver._ptx_param_types(".entry h(.param .b16 h_0, .param .s32 h_1)", "h") == ("b16", "s32")


def test_a_broken_ptx_load_carries_the_jit_log(fake_device):
    with pytest.raises(CudaError, match=r"cuModuleLoadDataEx failed with CUDA_ERROR_INVALID_PTX(.|\n)*"
                                        r"ptxas error: line 8: unknown instruction") as info:
        fake_device.load(BROKEN_PTX, "broken")
    assert info.value.log == "ptxas error: line 8: unknown instruction"


def test_a_missing_entry_names_its_cuda_result(fake_device):
    with pytest.raises(CudaError, match="cuModuleGetFunction failed with CUDA_ERROR_NOT_FOUND"):
        fake_device.load(compiled_saxpy(fake_device.arch)[0], "no_such_kernel")


def test_memory_is_freed_once_when_collected_or_freed(fake, fake_device):
    mem = fake_device.alloc(1024)
    ptr = mem.ptr
    assert fake_device.memory_info()[0] == (1 << 30) - 1024
    del mem
    gc.collect()
    assert fake.freed == [ptr] and fake_device.memory_info()[0] == 1 << 30
    other = fake_device.alloc(64)
    other.free()
    other.free()
    del other
    gc.collect()
    assert len(fake.freed) == 2


def test_memory_is_freed_from_any_thread(fake, fake_device):
    mem = fake_device.alloc(16)
    worker = threading.Thread(target=mem.free)
    worker.start()
    worker.join()
    assert fake.freed == [mem.ptr] and not mem.alive


def test_each_thread_gets_the_context_made_current(fake, fake_device):
    kernel = fake_device.load(*compiled_saxpy(fake_device.arch))
    errors = []

    def work():
        try:
            kernel.launch((1, 1, 1), (1, 1, 1), flat_saxpy_params(0.0, (0, 0), (0, 0), (0, 0)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(fake.launches) == 4


def test_copies_check_the_host_array(fake_device):
    mem = fake_device.alloc(16)
    with pytest.raises(ValueError, match="has 32 bytes; this device memory holds 16"):
        mem.copy_from_host(np.zeros(4, np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        mem.copy_from_host(np.zeros(8, np.float32)[::2])
    readonly = np.zeros(2, np.float64)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        mem.copy_to_host(readonly)
    a = np.arange(4, dtype=np.int32)
    mem.copy_from_host(a)
    copy = fake_device.alloc(16)
    copy.copy_from(mem)
    back = np.zeros(4, np.int32)
    copy.copy_to_host(back)
    np.testing.assert_array_equal(back, a)
    mem.free()
    with pytest.raises(ValueError, match="freed"):
        mem.copy_to_host(back)


def test_zero_bytes_is_a_null_pointer(fake, fake_device):
    empty = fake_device.alloc(0)
    empty.copy_from_host(np.zeros(0, np.float32))
    assert empty.ptr == 0 and fake.memory == {}
    with pytest.raises(ValueError, match="non-negative int"):
        fake_device.alloc(-1)


# --- the PyCUDA fallback, against a fake pycuda.driver ---------------------------------------
class FakeAllocation:
    def __init__(self, memory, nbytes):
        self.buf, self.memory = ctypes.create_string_buffer(nbytes), memory
        memory[int(self)] = self.buf

    def __int__(self):
        return ctypes.addressof(self.buf)

    def free(self):
        del self.memory[int(self)]


class FakePyCudaDevice:
    count = staticmethod(lambda: 1)

    def __init__(self, ordinal):
        assert ordinal == 0

    def name(self):
        return "Fake PyCUDA GPU"

    def compute_capability(self):
        return (7, 5)

    def retain_primary_context(self):
        return types.SimpleNamespace(push=lambda: None)


class FakePyCuda(types.ModuleType):
    """The part of pycuda.driver the fallback calls; memory in ctypes buffers, launches recorded."""

    Device = FakePyCudaDevice
    Context = types.SimpleNamespace(synchronize=lambda: None)

    class Error(Exception):
        pass

    def __init__(self):
        super().__init__("pycuda.driver")
        self.memory, self.launches = {}, []

    def init(self):
        pass

    def get_driver_version(self):
        return 12020

    def module_from_buffer(self, image, message_handler=None):
        if b"not an instruction" in image:
            message_handler(False, "", "ptxas error: unknown instruction")
            raise self.Error("cuModuleLoadDataEx failed: device kernel image is invalid")
        record = self.launches.append
        function = types.SimpleNamespace(_launch_kernel=lambda grid, block, buf, shared, stream:
                                         record((grid, block, bytes(buf))))
        return types.SimpleNamespace(get_function=lambda name: function)

    def mem_alloc(self, nbytes):
        return FakeAllocation(self.memory, nbytes)

    def memcpy_htod(self, ptr, a):
        ctypes.memmove(ptr, a.ctypes.data, a.nbytes)

    def memcpy_dtoh(self, a, ptr):
        ctypes.memmove(a.ctypes.data, ptr, a.nbytes)


def test_without_cuda_bindings_pycuda_is_the_fallback(monkeypatch):
    drv = FakePyCuda()
    package = types.ModuleType("pycuda")
    package.driver = drv
    for name in ("cuda", "cuda.bindings", "cuda.bindings.driver"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "pycuda", package)
    monkeypatch.setitem(sys.modules, "pycuda.driver", drv)
    dev = cuda_driver._open()
    assert (dev.name, dev.arch, dev.driver_version) == ("Fake PyCUDA GPU", "sm_75", (12, 2))
    assert dev.backend.startswith("pycuda")
    kernel = dev.load(*compiled_saxpy(dev.arch))
    mem = dev.alloc(16)
    mem.copy_from_host(np.arange(4, dtype=np.float32))
    back = np.zeros(4, np.float32)
    mem.copy_to_host(back)
    assert back.tolist() == [0, 1, 2, 3]
    kernel.launch((2, 1, 1), (64, 1, 1), flat_saxpy_params(1.5, (mem, 4), (mem, 4), (mem, 4)))
    (grid, block, buf), = drv.launches
    assert (grid, block, len(buf)) == ((2, 1, 1), (64, 1, 1), 80)      # f32 at 0, then nine u64 from 8
    assert struct.unpack("<f4x9q", buf)[:4] == (1.5, mem.ptr, 4, 4)
    with pytest.raises(CudaError, match=r"cuModuleLoadDataEx failed(.|\n)*ptxas error: unknown instruction"):
        dev.load(BROKEN_PTX, "broken")
    mem.free()
    assert drv.memory == {}


# --- on a GPU -------------------------------------------------------------------------------
@pytest.fixture
def gpu():
    if not cuda_driver.available():
        pytest.skip(cuda_driver.why_unavailable())
    return cuda_driver.device()


@pytest.mark.gpu
def test_saxpy_on_the_gpu_matches_numpy(gpu):
    ptx = cuda.code_ptx(saxpy, Float32, V, V, V, arch=gpu.arch)
    kernel = gpu.load(ptx, re.search(r"\.entry (\w+)", ptx)[1])
    n = 100_003
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    mems = [gpu.alloc(4 * n) for _ in range(3)]
    mems[0].copy_from_host(x)
    mems[1].copy_from_host(y)
    kernel.launch(((n + 255) // 256, 1, 1), (256, 1, 1), flat_saxpy_params(2.5, *((m, n) for m in mems)))
    gpu.synchronize()
    out = np.empty(n, np.float32)
    mems[2].copy_to_host(out)
    np.testing.assert_array_equal(out, np.float32(2.5) * x + y)  # no contraction: exactly NumPy's


@pytest.mark.gpu
def test_broken_ptx_on_the_gpu_reports_the_jit_log(gpu):
    with pytest.raises(RuntimeError, match="CUDA_ERROR_INVALID_PTX") as info:
        gpu.load(BROKEN_PTX, "broken")
    assert info.value.log and info.value.log in str(info.value)


@pytest.mark.gpu
def test_gpu_memory_is_returned(gpu):
    nbytes = 256 << 20
    before = gpu.memory_info()[0]
    mem = gpu.alloc(nbytes)
    mem.copy_from_host(np.ones(nbytes // 4, np.float32))
    assert gpu.memory_info()[0] <= before - nbytes
    del mem
    gc.collect()
    assert gpu.memory_info()[0] >= before - (16 << 20)   # other processes may allocate meanwhile
