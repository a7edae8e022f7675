"""Finding NVIDIA's tools: ``ptxas`` (PTX to machine code, to check our PTX), ``libdevice``
(the math library GPU code links) and ``libNVVM`` (NVIDIA's own LLVM-based PTX compiler).

Each is looked for, in order: an environment variable naming it; a CUDA toolkit (``CUDA_HOME``,
``CUDA_PATH``, ``/usr/local/cuda``, and for ptxas the ``PATH``); NVIDIA's wheels
(``nvidia-cuda-nvcc`` brings ptxas, ``nvidia-nvvm`` libNVVM and libdevice). ``None`` when none
has it: callers say what is missing and how to get it.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import sys

__all__ = ["ptxas", "libdevice", "libnvvm", "INSTALL_HINT"]

INSTALL_HINT = ("install a CUDA toolkit, or `pip install nvidia-cuda-nvcc nvidia-nvvm` "
                "(the `cuda` extra of dispatchjit)")


def _toolkits() -> list[str]:
    roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
    return [r for r in roots if r and os.path.isdir(r)]


def _wheel_dirs(*parts: str) -> list[str]:
    """``nvidia/<parts>`` under every site-packages directory on ``sys.path``."""
    return [os.path.join(p, "nvidia", *parts) for p in sys.path if os.path.isdir(os.path.join(p, "nvidia", *parts))]


def _first(env: str, candidates) -> str | None:
    chosen = os.environ.get(env)
    if chosen:
        return chosen if os.path.exists(chosen) else None
    return next((c for c in candidates if c and os.path.isfile(c)), None)


@functools.cache
def ptxas() -> str | None:
    return _first("DISPATCHJIT_PTXAS", [
        shutil.which("ptxas"),
        *(os.path.join(r, "bin", "ptxas") for r in _toolkits()),
        *(os.path.join(d, "ptxas") for d in _wheel_dirs("cuda_nvcc", "bin")),
    ])


@functools.cache
def libdevice() -> str | None:
    candidates = [os.path.join(r, "nvvm", "libdevice", "libdevice.10.bc") for r in _toolkits()]
    for d in _wheel_dirs("cuda_nvcc", "nvvm", "libdevice") + _wheel_dirs("nvvm", "libdevice"):
        candidates.append(os.path.join(d, "libdevice.10.bc"))
    return _first("DISPATCHJIT_LIBDEVICE", candidates)


@functools.cache
def libnvvm() -> str | None:
    candidates = []
    for r in _toolkits():
        candidates += sorted(glob.glob(os.path.join(r, "nvvm", "lib64", "libnvvm.so*")))
        candidates += sorted(glob.glob(os.path.join(r, "lib64", "libnvvm.so*")))
    for d in _wheel_dirs("cuda_nvcc", "nvvm", "lib64") + _wheel_dirs("nvvm", "lib64"):
        candidates += sorted(glob.glob(os.path.join(d, "libnvvm.so*")))
    return _first("DISPATCHJIT_LIBNVVM", candidates)
