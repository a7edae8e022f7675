"""The GPU launch path of ``dispatchjit.cuda`` (device memory, flat parameters, copies, map and
reduce over device arrays), run on every CI machine against a stand-in device: its memory is
host memory at real addresses, and a "loaded kernel" rebuilds the arrays from the flat
parameters it is given (pointer, shape, byte strides) and runs the kernel on the emulator. So
what the launcher passes is checked for real: a wrong pointer, shape or stride gives wrong
results. The PTX itself is still compiled (the stand-in ignores it)."""

import ctypes
import os
import sys

import numpy as np
import pytest

from dispatchjit import cuda, gpu
from dispatchjit.state import state
from dispatchjit.lattice import ArrayType, FunctionType, StructType

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import CASE_IDS, CASES, add, axpy, launch_and_check  # noqa: E402


class FakeMemory:
    def __init__(self, nbytes: int):
        self._buffer = np.zeros(max(nbytes, 1), np.uint8)
        self.ptr, self.nbytes = self._buffer.ctypes.data, nbytes

    def copy_from_host(self, a):
        assert a.flags.c_contiguous and a.nbytes <= self.nbytes
        ctypes.memmove(self.ptr, a.ctypes.data, a.nbytes)

    def copy_to_host(self, a):
        assert a.flags.c_contiguous and a.nbytes <= self.nbytes
        ctypes.memmove(a.ctypes.data, self.ptr, a.nbytes)


class FakeKernel:
    def __init__(self, device, f, argtypes):
        self.device, self.f, self.argtypes = device, f, argtypes

    def launch(self, grid, block, params):
        gpu._run_emulated(self.f, tuple(grid) + tuple(block), self._arguments(list(params)))

    def _arguments(self, params):
        args = []
        for t in self.argtypes:
            if isinstance(t, FunctionType):
                args.append(t.func)
            elif isinstance(t, ArrayType):
                ptr, shape, strides = int(params[0]), params[1:1 + t.ndim], params[1 + t.ndim:1 + 2 * t.ndim]
                del params[:1 + 2 * t.ndim]
                args.append(self.device.array_at(ptr, t.dtype.dtype, [int(n) for n in shape],
                                                 [int(s) for s in strides]))
            elif isinstance(t, StructType):   # one parameter per (numeric) field
                fields, params[:] = params[:len(t.field_types)], params[len(t.field_types):]
                args.append(t(*fields))
            else:
                args.append(params.pop(0))
        assert not params, "more parameters than the kernel takes"
        return args


class FakeDevice:
    arch = "sm_80"

    def __init__(self):
        self.kernels, self.memory = {}, []

    def alloc(self, nbytes):
        self.memory.append(FakeMemory(nbytes))
        return self.memory[-1]

    def array_at(self, ptr: int, dtype, shape, strides) -> np.ndarray:
        """The array a kernel sees at device address ``ptr``, which must lie in one allocation
        (so a wrong pointer, shape or stride fails here instead of reading stray memory)."""
        extent = dtype.itemsize + sum((n - 1) * abs(s) for n, s in zip(shape, strides) if n > 0)
        assert any(m.ptr <= ptr and ptr + extent <= m.ptr + max(m.nbytes, 1) for m in self.memory), \
            f"a kernel argument at {ptr:#x} of {extent} bytes outside device memory"
        return np.ndarray(shape, dtype, buffer=(ctypes.c_uint8 * extent).from_address(ptr), strides=strides)

    def load(self, ptx, name):
        assert f".entry {name}(" in ptx
        return self.kernels[name]

    def synchronize(self):
        pass


@pytest.fixture
def device(monkeypatch):
    fake = FakeDevice()
    compile_kernel = gpu.compile_kernel

    def compile_and_register(f, argtypes, arch="sm_80", backend="llvm"):
        kernel = compile_kernel(f, argtypes, arch, backend)
        fake.kernels[kernel.name] = FakeKernel(fake, f, argtypes)
        return kernel

    monkeypatch.setattr(gpu, "compile_kernel", compile_and_register)
    monkeypatch.setattr(gpu, "current_gpu", lambda: fake)
    monkeypatch.setattr(state, "_kernels", {})   # kernels compiled for earlier stand-ins: not this one
    return fake


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_through_the_gpu_launcher(device, case):
    launch_and_check(case)


def test_device_arrays_live_in_device_memory(device):
    x = cuda.to_device(np.arange(12.0).reshape(3, 4))
    assert "on the GPU" in repr(x) and x._host is None
    assert x.__cuda_array_interface__["data"][0] == x.device_ptr
    np.testing.assert_array_equal(x.copy_to_host(), np.arange(12.0).reshape(3, 4))


def test_map_and_reduce_over_device_memory(device):
    m = np.arange(12.0).reshape(3, 4)
    row = np.arange(4.0)
    out = cuda.map(axpy, 2.0, cuda.to_device(m), cuda.to_device(row))   # a broadcast device view
    assert isinstance(out, cuda.DeviceArray) and out._host is None
    np.testing.assert_array_equal(out.copy_to_host(), 2 * m + row)
    x = np.random.default_rng(3).integers(-100, 100, 5000)
    assert cuda.reduce(add, cuda.to_device(x)) == x.sum()
    assert cuda.reduce(add, cuda.to_device(x), 10) == x.sum() + 10


def test_foreign_device_arrays_are_used_in_place(device):
    backing = cuda.to_device(np.arange(6.0))

    class Foreign:   # another library's array over the same device memory
        __cuda_array_interface__ = {"shape": (6,), "typestr": "<f8", "data": (backing.device_ptr, False),
                                    "strides": None, "version": 3}

    cuda.map(axpy, 2.0, Foreign(), 1.0, out=backing)
    np.testing.assert_array_equal(backing.copy_to_host(), 2 * np.arange(6.0) + 1)
