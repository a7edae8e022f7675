"""On an NVIDIA GPU (``pytest -m gpu``; skipped without one): every corpus kernel, cuda.map
and cuda.reduce run on the device and match NumPy. The same kernels run in the emulator on every
CI run (test_cuda_emulator.py, test_cuda_map.py)."""

import os
import sys

import numpy as np
import pytest

from dispatchjit import cuda
from dispatchjit.runtime import cuda_driver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import CASE_IDS, CASES, add, axpy, launch_and_check  # noqa: E402

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not cuda_driver.available() or os.environ.get("DISPATCHJIT_CUDA_EMULATE") == "1",
                                 reason=f"no GPU: {cuda_driver.why_unavailable()}")]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_kernel_matches_numpy_on_the_gpu(case):
    launch_and_check(case)


def test_device_arrays_stay_on_the_device_and_expose_the_interface():
    x = cuda.to_device(np.arange(1 << 20, dtype=np.float32))
    out = cuda.map(axpy, np.float32(2), x, x)
    assert isinstance(out, cuda.DeviceArray) and "on the GPU" in repr(out)
    assert out.__cuda_array_interface__["shape"] == (1 << 20,)
    np.testing.assert_array_equal(out.copy_to_host(), 3 * np.arange(1 << 20, dtype=np.float32))


def test_reduce_on_the_gpu():
    x = np.random.default_rng(1).integers(-1000, 1000, 1 << 20)
    assert cuda.reduce(add, cuda.to_device(x)) == x.sum()


def test_cupy_arrays_are_taken_without_a_copy():
    cupy = pytest.importorskip("cupy")
    x = cupy.arange(1000, dtype=cupy.float64)
    out = cuda.map(axpy, 2.0, x, x)
    np.testing.assert_array_equal(out.copy_to_host(), 3 * np.arange(1000.0))


@pytest.mark.skipif(os.environ.get("DISPATCHJIT_GPU_LAUNCHER_RUN") == "1", reason="already one launcher's run")
@pytest.mark.parametrize("launcher, module", [("cuda-bindings", "cuda.bindings"), ("pycuda", "pycuda.driver")])
def test_every_installed_launcher_runs_the_corpus(launcher, module):
    """Each launcher that is installed, in a process of its own (one driver binding a process)."""
    import importlib.util
    import subprocess
    if importlib.util.find_spec(module.split(".")[0]) is None:
        pytest.skip(f"{launcher} is not installed")
    here = os.path.dirname(os.path.abspath(__file__))
    node = f"{os.path.join(here, 'test_cuda_gpu.py')}::test_corpus_kernel_matches_numpy_on_the_gpu"
    env = dict(os.environ, DISPATCHJIT_CUDA_LAUNCHER=launcher, DISPATCHJIT_GPU_LAUNCHER_RUN="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:warnings", "-m", "gpu", node],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
