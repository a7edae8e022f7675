"""GPU kernels through LLVM's NVPTX backend: PTX generated on any machine (no CUDA needed).
A kernel is a generic function; what a GPU cannot do is a CompileError at its line."""

import math
import os
import re
import sys

import numpy as np
import pytest

from dispatchjit import Array, CompileError, Float32, Float64, Int64, cuda, cuda_tools, generic

V32 = Array[Float32, 1, "C"]
V64 = Array[Float64, 1, "C"]
M64 = Array[Float64, 2, "C"]


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import saxpy  # noqa: E402


@generic
def scale_row(m, k):
    i = cuda.blockIdx.x
    j = cuda.threadIdx.x
    if i < m.shape[0] and j < m.shape[1]:
        m[i, j] = helper(m[i, j], k)


@generic
def helper(v, k):
    return v * k + 1.0


@generic
def allocating(x):
    t = np.zeros(3)  # @alloc
    x[0] = t[0]


@generic
def uses_sin(x):
    x[0] = math.sin(x[0])  # @sin


@generic
def returns_value(x):
    return x[0]


@generic
def cpu_only(x):
    return cuda.threadIdx.x  # @tid


def line_of(marker):
    with open(__file__) as fh:
        return next(i for i, line in enumerate(fh, 1) if line.rstrip().endswith(f"# @{marker}"))


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_saxpy_ptx_is_an_entry_with_flat_parameters(arch):
    ptx = cuda.code_ptx(saxpy, Float32, V32, V32, V32, arch=arch)
    assert f".target {arch}" in ptx
    entry = re.search(r"\.visible \.entry (\w+)\(([^)]*)\)", ptx)
    assert entry and entry.group(1).startswith("saxpy")
    assert entry.group(2).count(".param") == 1 + 3 * 3      # a, then data/shape/stride per vector
    assert "%ctaid.x" in ptx and "%ntid.x" in ptx and "%tid.x" in ptx
    assert "ld.global" in ptx and "st.global" in ptx and "mul.rn.f32" in ptx
    assert "trap" in ptx                                    # bounds checks trap on the device


def test_generic_calls_inside_a_kernel_are_inlined():
    ptx = cuda.code_ptx(scale_row, M64, Float64)
    assert ptx.count(".entry") == 1 and "call" not in ptx.split(".entry")[1]
    assert "fma.rn.f64" not in ptx and "mul.rn.f64" in ptx and "add.rn.f64" in ptx  # no contraction


def test_allocation_in_a_kernel_is_a_compile_error_at_its_line():
    with pytest.raises(CompileError, match="cannot create an array in a GPU kernel") as info:
        cuda.code_ptx(allocating, V64)
    assert f"{__file__}:{line_of('alloc')}" in str(info.value)


@pytest.mark.skipif(cuda_tools.libdevice() is None, reason=f"no libdevice: {cuda_tools.INSTALL_HINT}")
@pytest.mark.parametrize("vec", [V64, V32])
def test_math_is_linked_from_libdevice(vec):
    ptx = cuda.code_ptx(uses_sin, vec, arch="sm_90")
    assert ".extern" not in ptx and ptx.count(".entry") == 1   # libdevice linked, nothing left to resolve


def test_math_without_libdevice_is_a_compile_error_not_a_crash(monkeypatch):
    monkeypatch.setenv("DISPATCHJIT_LIBDEVICE", "/nonexistent/libdevice.10.bc")
    cuda_tools.libdevice.cache_clear()
    try:
        with pytest.raises(CompileError, match="math.sin in GPU code needs libdevice") as info:
            cuda.code_ptx(uses_sin, V32)
        assert f"{__file__}:{line_of('sin')}" in str(info.value)
    finally:
        monkeypatch.undo()
        cuda_tools.libdevice.cache_clear()


def test_a_kernel_returns_nothing():
    with pytest.raises(CompileError, match="returns nothing"):
        cuda.code_ptx(returns_value, V64)


def test_thread_indices_outside_a_kernel_are_a_compile_error():
    with pytest.raises(CompileError, match="only available in GPU kernels") as info:
        cpu_only(np.zeros(3))
    assert f"{__file__}:{line_of('tid')}" in str(info.value)


def test_integer_kernels_and_scalar_parameters():
    @generic
    def fill(x, v):
        i = cuda.threadIdx.x
        if i < len(x):
            x[i] = v + i

    ptx = cuda.code_ptx(fill, Array[Int64, 1, "C"], Int64)
    assert ".entry" in ptx and "st.global.b64" in ptx


@generic
def block_sum(x, out):
    buf = cuda.shared.array(128, np.float32)
    t = cuda.threadIdx.x
    i = cuda.blockIdx.x * cuda.blockDim.x + t
    buf[t] = x[i] if i < x.shape[0] else np.float32(0)
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if t < s:
            buf[t] += buf[t + s]
        cuda.syncthreads()
        s //= 2
    if t == 0:
        cuda.atomic.add(out, 0, buf[0])


def test_shared_memory_barriers_and_atomics_in_ptx():
    ptx = cuda.code_ptx(block_sum, V32, V32, arch="sm_90")
    assert re.search(r"\.shared \.align \d+ \.b8 \S+\[512\]", ptx)     # 128 float32, laid out statically
    assert "bar.sync" in ptx
    assert re.search(r"atom\.global\.add\.f32", ptx)
    assert re.search(r"ld\.shared\.b32", ptx) and re.search(r"st\.shared\.b32", ptx)


def test_code_ptx_from_either_backend():
    from dispatchjit import nvvm
    if not nvvm.available():
        pytest.skip(nvvm.why_unavailable())
    ptx = cuda.code_ptx(saxpy, Float32, V32, V32, V32, arch="sm_90", backend="nvvm")
    assert "NVIDIA NVVM Compiler" in ptx and ".target sm_90" in ptx and ".entry" in ptx
    with pytest.raises(ValueError, match="backend is 'llvm'"):
        cuda.code_ptx(saxpy, Float32, V32, V32, V32, backend="ptx")
