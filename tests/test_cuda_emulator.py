"""The CPU emulator of GPU kernels: every thread of the grid in turn, with the indices a GPU
would give it; results must match NumPy, errors point at the kernel's line."""

import os
import sys
import traceback

import numpy as np
import pytest

from dispatchjit import CompileError, TypingError, generic
from dispatchjit import cuda, gpu
from dispatchjit.state import state

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import CASE_IDS, CASES, block_sums, histogram, launch_and_check, saxpy  # noqa: E402


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
def transpose_tile(a, out):
    """A 2-D shared tile: each thread writes one element, reads another after the barrier."""
    tile = cuda.shared.array((4, 4), np.int64)
    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
    i, j = cuda.blockIdx.y * 4 + ty, cuda.blockIdx.x * 4 + tx
    tile[ty, tx] = a[i, j]
    cuda.syncthreads()
    out[cuda.blockIdx.x * 4 + ty, cuda.blockIdx.y * 4 + tx] = tile[tx, ty]


@generic
def fails_in_one_thread(x):
    t = cuda.threadIdx.x
    cuda.syncthreads()
    if t == 3:
        x[t + 100] = 1.0  # @fails
    cuda.syncthreads()  # @second
    x[t] = 2.0


@generic
def early_exit(x):
    t = cuda.threadIdx.x
    if t >= 2:
        return
    cuda.syncthreads()
    x[t] = 1.0


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


@pytest.mark.parametrize("n", [1000, 128, 5])
def test_block_reduction_with_shared_memory_and_syncthreads(n):
    x = np.random.default_rng(n).random(n)
    blocks = (n + 127) // 128
    out = cuda.device_array(blocks, np.float64)
    cuda.launch(block_sums, blocks, 128)(cuda.to_device(x), out)
    expected = [x[b * 128:(b + 1) * 128].sum() for b in range(blocks)]
    np.testing.assert_allclose(out.copy_to_host(), expected, rtol=1e-12)


def test_two_dimensional_shared_tile():
    a = np.arange(64).reshape(8, 8)
    out = cuda.device_array((8, 8), np.int64)
    cuda.launch(transpose_tile, (2, 2), (4, 4))(cuda.to_device(a), out)
    np.testing.assert_array_equal(out.copy_to_host(), a.T)


def test_atomic_add_counts_every_thread():
    x = np.random.default_rng(0).integers(0, 1000, 5000)
    bins = cuda.to_device(np.zeros(10, np.int64))
    cuda.launch(histogram, 20, 256)(cuda.to_device(x), bins)
    np.testing.assert_array_equal(bins.copy_to_host(), np.bincount(x % 10, minlength=10))


def test_a_failing_thread_raises_its_error_and_the_block_does_not_hang():
    x = cuda.to_device(np.zeros(8))
    with pytest.raises(IndexError, match="index 103 is out of bounds") as info:
        cuda.launch(fails_in_one_thread, 1, 8)(x)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == (__file__, line_of("fails"))


def test_threads_that_left_the_kernel_do_not_block_a_barrier():
    x = cuda.to_device(np.zeros(6))
    cuda.launch(early_exit, 1, 6)(x)
    np.testing.assert_array_equal(x.copy_to_host(), [1, 1, 0, 0, 0, 0])


def test_shared_memory_outside_a_kernel_and_a_variable_shape_are_errors():
    @generic
    def host_side(n):
        return cuda.shared.array(4, np.float64)[0]

    @generic
    def variable(x, n):
        buf = cuda.shared.array(n, np.float64)  # @variable
        x[0] = buf[0]

    with pytest.raises(CompileError, match=r"cuda.shared.array\(\) is only available in GPU kernels"):
        host_side(1)
    with pytest.raises(TypingError, match="must be a constant") as info:
        cuda.launch(variable, 1, 1)(cuda.to_device(np.zeros(1)), 4)
    assert f"{__file__}:{line_of('variable')}" in str(info.value)


def test_each_signature_is_compiled_once():
    x = cuda.to_device(np.ones(8))
    out = cuda.device_array_like(x)
    for _ in range(3):
        cuda.launch(saxpy, 1, 8)(2.0, x, x, out)
    emulated = [k for k in state.kernels() if k[2] == "cpu-emulator"]
    assert sum(1 for (f, _types, _) in emulated if f is saxpy) >= 1
    assert len([k for k in emulated if k[0] is saxpy and k[1][0].__repr__() == "Float64"]) == 1
    np.testing.assert_array_equal(out.copy_to_host(), np.full(8, 3.0))


def test_bad_grid_sizes_are_value_errors():
    with pytest.raises(ValueError, match="grid or block size"):
        cuda.launch(saxpy, (1, 2, 3, 4), 1)


# --- the shared kernel corpus (also compiled to PTX and assembled by ptxas) --------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_kernel_matches_numpy_in_the_emulator(case):
    launch_and_check(case)


def test_subscript_launch_syntax():
    x = cuda.to_device(np.arange(10, dtype=np.float32))
    out = cuda.device_array_like(x)
    saxpy[1, 32](np.float32(2), x, x, out)
    np.testing.assert_array_equal(out.copy_to_host(), 3 * np.arange(10, dtype=np.float32))
    with pytest.raises(TypeError, match=r"saxpy\[blocks, threads\]"):
        saxpy[4]


def test_flat_parameters_match_the_kernels_ptx_signature():
    """What the GPU launcher passes: one value per PTX parameter, of the right kinds."""
    import re

    from dispatchjit import typeof

    class FakeMemory:   # a device allocation, as runtime.cuda_driver hands out
        ptr = 0x7F0000001000

    a = cuda.DeviceArray((3, 4), np.float64, memory=FakeMemory())
    t = cuda.as_device_array(a).strides
    assert t == (32, 8) and cuda.kernel_type(a).layout == "C"
    argtypes = (typeof(np.float32(2)), cuda.kernel_type(a), typeof(True))
    params = cuda.flat_params(argtypes, [np.float32(2), a, True])
    assert [type(p) for p in params] == [np.float32, np.uint64] + [np.int64] * 4 + [np.uint8]
    assert [int(p) for p in params[1:]] == [0x7F0000001000, 3, 4, 32, 8, 1]

    @generic
    def k(s, m, flag):
        if flag:
            m[cuda.threadIdx.x, 0] = s

    ptx = cuda.code_ptx(k, *argtypes)
    signature = re.search(r"\.entry \w+\(([^)]*)\)", ptx).group(1)
    assert signature.count(".param") == len(params)


def test_foreign_arrays_are_viewed_through_the_cuda_array_interface():
    class Foreign:
        __cuda_array_interface__ = {"shape": (5, 2), "typestr": "<f4", "data": (0x1000, False),
                                    "strides": (4, 20), "version": 3}

    d = cuda.as_device_array(Foreign())
    assert (d.shape, d.dtype, d.strides, d.device_ptr) == ((5, 2), np.float32, (4, 20), 0x1000)
    assert cuda.kernel_type(d).layout == "F"
    assert d.__cuda_array_interface__["strides"] == (4, 20)


def test_emulation_can_be_forced(monkeypatch):
    monkeypatch.setenv("DISPATCHJIT_CUDA_EMULATE", "1")
    assert gpu.current_gpu() is None
    assert "emulated" in repr(cuda.to_device(np.zeros(2)))


@generic
def weight(v):
    return v


@generic
def weigh(x):
    i = cuda.threadIdx.x
    if i < x.shape[0]:
        x[i] = weight(x[i])


def test_a_new_method_recompiles_the_kernels_that_called_the_old_one():
    x = cuda.to_device(np.ones(2))
    weigh[1, 2](x)
    np.testing.assert_array_equal(x.copy_to_host(), [1.0, 1.0])

    @weight.method
    def weight_float(v: float):
        return 100 * v

    weigh[1, 2](x)
    np.testing.assert_array_equal(x.copy_to_host(), [100.0, 100.0])


@generic
def float_max(x):
    cuda.atomic.max(x, 0, 1.0)  # @fmax


def test_an_atomic_the_hardware_lacks_is_a_typing_error_at_its_line():
    with pytest.raises(TypingError, match=r"cuda.atomic.max\(\) works on integer arrays") as info:
        cuda.launch(float_max, 1, 1)(cuda.to_device(np.zeros(2)))
    assert f"{__file__}:{line_of('fmax')}" in str(info.value)



def _not_generic(x):
    pass


@pytest.mark.parametrize("f, blocks, threads, error", [
    (saxpy, 1.5, 4, TypeError), (saxpy, None, 4, TypeError), (saxpy, 1, None, TypeError),
    (saxpy, -1, 4, ValueError), (saxpy, (1, 2, 3, 4), 4, ValueError), (saxpy, True, 4, TypeError),
    (_not_generic, 1, 4, TypeError),
])
def test_a_launch_with_a_bad_grid_or_a_plain_function_is_a_clear_error(f, blocks, threads, error):
    with pytest.raises(error, match="grid or block size|@generic function"):
        cuda.launch(f, blocks, threads)
