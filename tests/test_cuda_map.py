"""cuda.map and cuda.reduce: one fused loop per (f, element types, dimensions), on the CPU over
NumPy arrays and as a kernel over device arrays (here the CPU emulator), agreeing with NumPy."""

import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatchjit import TypingError, cuda, generic
from dispatchjit.base.broadcast import broadcast as cpu_broadcast
from dispatchjit.fused import map_kernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import add, axpy  # noqa: E402


@generic
def damp(a, b):
    return a * math.exp(-b)


@generic
def biggest(a, b):
    return a if a > b else b


@generic
def pair(a):
    return (a, a)


def on(device: bool, *arrays):
    return [cuda.to_device(a) if device and isinstance(a, np.ndarray) else a for a in arrays]


def host(r):
    return r.copy_to_host() if isinstance(r, cuda.DeviceArray) else r


@pytest.mark.parametrize("device", [False, True])
def test_map_matches_numpy_and_keeps_the_result_on_the_same_side(device):
    x = np.random.default_rng(1).random(1000).astype(np.float32)
    y = np.ones(1000, np.float32)
    r = cuda.map(damp, *on(device, x, y))
    assert isinstance(r, cuda.DeviceArray) == device
    assert host(r).dtype == np.float64            # math.exp computes in Float64, as in Python
    np.testing.assert_allclose(host(r), x * np.exp(-y.astype(np.float64)), rtol=1e-12)


@pytest.mark.parametrize("device", [False, True])
def test_map_broadcasts_arrays_and_numbers_like_numpy(device):
    m = np.arange(12.0).reshape(3, 4)
    row = np.arange(4.0)
    col = np.arange(3.0).reshape(3, 1)
    np.testing.assert_array_equal(host(cuda.map(axpy, 2.0, *on(device, m, row))), 2.0 * m + row)
    np.testing.assert_array_equal(host(cuda.map(axpy, *on(device, col, row, 1.5))), col * row + 1.5)
    f_order = np.asfortranarray(m)
    np.testing.assert_array_equal(host(cuda.map(add, f_order, m.T.T)), m + m)


def test_map_compiles_one_loop_per_function_and_element_types():
    x, y = np.ones(5), np.ones(5)
    before = len(cpu_broadcast.specializations)
    for _ in range(3):
        cuda.map(add, x, y)
    cuda.map(add, x.astype(np.int32), y.astype(np.int32))
    cuda.map(biggest, x, y)
    assert len(cpu_broadcast.specializations) == before + 3
    before = len(map_kernel.specializations)
    cuda.map(add, *on(True, x, y))
    assert len(map_kernel.specializations) == before  # kernels are compiled for the emulator, not here


def test_map_of_a_function_that_returns_no_number_is_a_typing_error():
    with pytest.raises(TypingError, match=r"pair returns Tuple\[Float64, Float64\] for Float64; a map needs a number"):
        cuda.map(pair, np.arange(3.0))


def test_map_of_shapes_that_do_not_broadcast_is_numpys_error():
    with pytest.raises(ValueError, match="broadcast"):
        cuda.map(add, np.ones(3), np.ones(4))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=3000), st.booleans())
def test_reduce_agrees_with_python(values, device):
    x = np.array(values, dtype=np.int64)
    arg = cuda.to_device(x) if device else x
    assert cuda.reduce(add, arg) == sum(values)
    assert cuda.reduce(biggest, arg) == max(values)
    assert cuda.reduce(add, arg, 7) == sum(values) + 7


@pytest.mark.parametrize("device", [False, True])
def test_reduce_of_floats_and_of_empty_arrays(device):
    x = np.random.default_rng(2).random(5000)
    np.testing.assert_allclose(cuda.reduce(add, *on(device, x)), x.sum(), rtol=1e-12)
    empty = np.zeros(0)
    assert cuda.reduce(add, *on(device, empty), 3.0) == 3.0
    with pytest.raises(TypeError, match="empty array with no initial value"):
        cuda.reduce(add, *on(device, empty))


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_fused_kernels_compile_to_ptx_that_ptxas_assembles(arch, tmp_path):
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from cuda_corpus import assemble, check_entry

    from dispatchjit import Array, Float32, Float64, cuda_tools, typeof
    from dispatchjit.fused import reduce_kernel
    v32, m64 = Array[Float32, 1, "C"], Array[Float64, 2, "C"]
    kernels = [(map_kernel, (typeof(damp), Array[Float64, 1, "C"], v32, v32)),
               (map_kernel, (typeof(axpy), m64, Float64, m64, m64)),
               (reduce_kernel, (typeof(add), v32, v32))]
    for kernel, types in kernels:
        ptx = cuda.code_ptx(kernel, *types, arch=arch)
        check_entry(ptx, arch)
        if cuda_tools.ptxas() is not None:
            assemble(cuda_tools.ptxas(), ptx, arch, tmp_path)


@pytest.mark.parametrize("device", [False, True])
def test_map_into_a_given_output(device):
    x = np.arange(6.0).reshape(2, 3)
    out = cuda.device_array((2, 3)) if device else np.empty((2, 3))
    assert cuda.map(axpy, 2.0, *on(device, x), 1.0, out=out) is out
    np.testing.assert_array_equal(host(out), 2 * x + 1)
    with pytest.raises(ValueError, match=r"out must have shape \(2, 3\) and dtype float64"):
        cuda.map(axpy, 2.0, *on(device, x), 1.0, out=cuda.device_array(6) if device else np.empty(6))
    scalar = cuda.map(axpy, 2.0, *on(device, np.float64(3.0) * np.ones(())), 1.0)
    assert host(scalar).shape == () and host(scalar) == 7.0


def test_map_into_strided_outputs_and_outputs_on_the_wrong_side():
    x = np.arange(12.0).reshape(3, 4)
    f_out = np.empty((4, 3)).T                     # F-ordered (3, 4)
    cuda.map(axpy, 2.0, x, 1.0, out=f_out)
    np.testing.assert_array_equal(f_out, 2 * x + 1)
    d_out = cuda.DeviceArray.emulated(np.empty((4, 3)).T)
    cuda.map(axpy, 2.0, cuda.to_device(x), 1.0, out=d_out)
    np.testing.assert_array_equal(d_out.copy_to_host(), 2 * x + 1)
    with pytest.raises(TypeError, match="out must be a device array when an argument is one"):
        cuda.map(axpy, 2.0, cuda.to_device(x), 1.0, out=np.empty((3, 4)))
    with pytest.raises(TypeError, match="out must be a device array when an argument is one"):
        cuda.map(axpy, 2.0, x, 1.0, out=cuda.device_array((3, 4)))
    zero_d = cuda.device_array((), np.float64)
    cuda.map(axpy, 2.0, cuda.to_device(np.float64(3.0)), 1.0, out=zero_d)
    assert zero_d.copy_to_host() == 7.0


def test_the_cpu_map_and_reduce_have_a_device_neutral_name():
    """``dispatchjit.map``/``reduce`` are the CPU loops ``cuda.map``/``cuda.reduce`` run on NumPy
    arrays: the same values, and the same single specialization of the generated loop."""
    import dispatchjit
    x, y = np.linspace(0, 1, 12).reshape(3, 4), np.arange(4.0)
    assert np.array_equal(dispatchjit.map(axpy, 2.0, x, y), 2.0 * x + y)
    assert np.array_equal(cuda.map(axpy, 2.0, x, y), 2.0 * x + y)
    assert dispatchjit.reduce(add, np.arange(10)) == 45 == cuda.reduce(add, np.arange(10))
    assert dispatchjit.reduce(add, np.empty(0), 7.0) == 7.0
    with pytest.raises(TypeError, match="empty array with no initial value"):
        dispatchjit.reduce(add, np.empty(0))
    with pytest.raises(TypeError, match="out must be a device array when an argument is one, else a NumPy array, not list"):
        dispatchjit.map(axpy, 2.0, x, y, out=[0.0])
    assert "map" not in dispatchjit.__all__
