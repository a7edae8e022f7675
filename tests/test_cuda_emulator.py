"""The CPU emulator of GPU kernels: every thread of the grid in turn, with the indices a GPU
would give it; results must match NumPy, errors point at the kernel's line."""

import traceback

import numpy as np
import pytest

from dispatchjit import CompileError, generic
from dispatchjit import cuda


@generic
def saxpy(a, x, y, out):
    i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < out.shape[0]:
        out[i] = a * x[i] + y[i]


@generic
def index_map(m):
    i = cuda.blockIdx.y * cuda.blockDim.y + cuda.threadIdx.y
    j = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if i < m.shape[0] and j < m.shape[1]:
        m[i, j] = i * 1000 + j * 10 + cuda.gridDim.x


@generic
def overrun(x):
    x[cuda.threadIdx.x + 2] = 1.0  # @overrun


@generic
def barrier(x):
    cuda.syncthreads()  # @sync
    x[0] = 1.0


def line_of(marker):
    with open(__file__) as fh:
        return next(i for i, line in enumerate(fh, 1) if line.rstrip().endswith(f"# @{marker}"))


@pytest.mark.parametrize("n, threads", [(1000, 256), (1, 32), (0, 64), (257, 1)])
def test_saxpy_matches_numpy(n, threads):
    rng = np.random.default_rng(n)
    x = cuda.to_device(rng.random(n).astype(np.float32))
    y = cuda.to_device(rng.random(n).astype(np.float32))
    out = cuda.device_array_like(x)
    cuda.launch(saxpy, (n + threads - 1) // threads, threads)(np.float32(2.5), x, y, out)
    expected = np.float32(2.5) * x.copy_to_host() + y.copy_to_host()
    assert out.copy_to_host().dtype == np.float32
    np.testing.assert_array_equal(out.copy_to_host(), expected)


def test_two_dimensional_grid_gives_each_thread_its_indices():
    m = cuda.device_array((5, 7), np.int64)
    cuda.launch(index_map, (2, 3), (4, 2))(m)
    i, j = np.indices((5, 7))
    np.testing.assert_array_equal(m.copy_to_host(), i * 1000 + j * 10 + 2)


def test_out_of_bounds_in_a_kernel_raises_index_error_at_its_line():
    x = cuda.to_device(np.zeros(4))
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 0 with size 4") as info:
        cuda.launch(overrun, 1, 4)(x)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == (__file__, line_of("overrun"))
    np.testing.assert_array_equal(x.copy_to_host(), [0, 0, 1, 1])  # the threads before it wrote


def test_syncthreads_is_a_clear_compile_error_in_the_emulator():
    with pytest.raises(CompileError, match="syncthreads") as info:
        cuda.launch(barrier, 1, 2)(cuda.to_device(np.zeros(2)))
    assert f"{__file__}:{line_of('sync')}" in str(info.value)


def test_each_signature_is_compiled_once():
    x = cuda.to_device(np.ones(8))
    out = cuda.device_array_like(x)
    for _ in range(3):
        cuda.launch(saxpy, 1, 8)(2.0, x, x, out)
    assert sum(1 for (f, _types) in cuda._emulated if f is saxpy) >= 1
    assert len([k for k in cuda._emulated if k[0] is saxpy and k[1][0].__repr__() == "Float64"]) == 1
    np.testing.assert_array_equal(out.copy_to_host(), np.full(8, 3.0))


def test_bad_grid_sizes_are_value_errors():
    with pytest.raises(ValueError, match="grid or block size"):
        cuda.launch(saxpy, (1, 2, 3, 4), 1)
