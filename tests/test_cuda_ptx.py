"""GPU kernels through LLVM's NVPTX backend: PTX generated on any machine (no CUDA needed).
A kernel is a generic function; what a GPU cannot do is a CompileError at its line."""

import math
import os
import sys

import numpy as np
import pytest

from dispatchjit import Array, CompileError, Float32, Float64, Int64, cuda, cuda_tools, generic

V32 = Array[Float32, 1, "C"]
V64 = Array[Float64, 1, "C"]
M64 = Array[Float64, 2, "C"]


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import AFFINE, affine_map, saxpy  # noqa: E402
from filecheck import check  # noqa: E402


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
    # a, then data/shape/stride per vector; the grid indices, then y[i] = a * x[i] + y[i]
    check(ptx, r"""
        CHECK:         .target %s
        CHECK:         .visible .entry [[K:saxpy\w*]](
        CHECK-NEXT:    .param .f32 [[K]]_param_0,
        CHECK-COUNT-9: .param .u64 {{.*}}[[K]]_param_{{[1-9]}}
        CHECK-NEXT:    )
        CHECK-DAG:     %%ctaid.x
        CHECK-DAG:     %%ntid.x
        CHECK-DAG:     %%tid.x
        CHECK:         ld.global
        CHECK:         mul.rn.f32
        CHECK:         st.global
    """ % arch)
    check(ptx, """
        CHECK-LABEL: .visible .entry
        CHECK:       trap;
    """)                                                    # bounds checks trap on the device


def test_generic_calls_inside_a_kernel_are_inlined():
    ptx = cuda.code_ptx(scale_row, M64, Float64)
    # one entry, no calls in it; v * k + 1.0 rounds twice (no contraction to fma)
    check(ptx, r"""
        CHECK-NOT:   fma.rn.f64
        CHECK:       .visible .entry scale_row
        CHECK-NOT:   {{call|fma\.rn\.f64|\.entry}}
        CHECK:       mul.rn.f64
        CHECK-NOT:   {{call|fma\.rn\.f64|\.entry}}
        CHECK:       add.rn.f64
        CHECK-NOT:   {{call|fma\.rn\.f64|\.entry}}
    """)


def test_allocation_in_a_kernel_is_a_compile_error_at_its_line():
    with pytest.raises(CompileError, match="cannot create an array in a GPU kernel") as info:
        cuda.code_ptx(allocating, V64)
    assert f"{__file__}:{line_of('alloc')}" in str(info.value)


@pytest.mark.skipif(cuda_tools.libdevice() is None, reason=f"no libdevice: {cuda_tools.INSTALL_HINT}")
@pytest.mark.parametrize("vec", [V64, V32])
def test_math_is_linked_from_libdevice(vec):
    ptx = cuda.code_ptx(uses_sin, vec, arch="sm_90")
    # libdevice linked, nothing left to resolve
    check(ptx, r"""
        CHECK-NOT: .extern
        CHECK:     .entry
        CHECK-NOT: {{\.extern|\.entry}}
    """)


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
    # v, the last parameter, is added to i and the sum stored as 64 bits
    check(ptx, r"""
        CHECK:       .visible .entry [[K:fill\w*]](
        CHECK:       .param .u64 [[K]]_param_3
        CHECK-NEXT:  )
        CHECK:       ld.param.b64 [[V:%rd[0-9]+]], [[[K]]_param_3]
        CHECK:       add.s64 [[S:%rd[0-9]+]], {{.*}}[[V]]
        CHECK:       st.global.b64 [{{.*}}], [[S]];
    """)


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
    # 128 float32, laid out statically; buf[t] stored before the barrier, buf[0] read for the atomic
    check(ptx, r"""
        CHECK-LABEL: .visible .entry block_sum
        CHECK:       .shared .align {{[0-9]+}} .b8 {{\S+}}[512];
        CHECK:       st.shared.b32
        CHECK:       bar.sync
        CHECK:       ld.shared.b32
        CHECK:       atom.global.add.f32
    """)


def test_code_ptx_from_either_backend():
    from dispatchjit import nvvm
    if not nvvm.available():
        pytest.skip(nvvm.why_unavailable())
    ptx = cuda.code_ptx(saxpy, Float32, V32, V32, V32, arch="sm_90", backend="nvvm")
    check(ptx, """
        CHECK: Generated by NVIDIA NVVM Compiler
        CHECK: .target sm_90
        CHECK: .entry
    """)
    with pytest.raises(ValueError, match="backend is 'llvm'"):
        cuda.code_ptx(saxpy, Float32, V32, V32, V32, backend="ptx")



def test_a_struct_argument_is_flattened_into_its_fields():
    ptx = cuda.code_ptx(affine_map, AFFINE, V64, V64)
    # scale and shift, then out's and x's data, shape and stride; out[i] = scale * x[i] + shift
    check(ptx, r"""
        CHECK:         .visible .entry [[K:affine_map\w*]](
        CHECK-NEXT:    .param .{{[bf]}}64 [[K]]_param_0,
        CHECK-NEXT:    .param .{{[bf]}}64 [[K]]_param_1,
        CHECK-COUNT-6: .param .u64 {{.*}}[[K]]_param_{{[2-7]}}
        CHECK-NEXT:    )
        CHECK-DAG:     ld.param.{{[bf]}}64 [[SCALE:%[a-z]+[0-9]+]], [[[K]]_param_0];
        CHECK-DAG:     ld.param.{{[bf]}}64 [[SHIFT:%[a-z]+[0-9]+]], [[[K]]_param_1];
        CHECK:         mul.rn.f64 [[P:%[a-z]+[0-9]+]], [[SCALE]],
        CHECK:         add.rn.f64 {{%[a-z]+[0-9]+}}, [[SHIFT]], [[P]];
    """)
