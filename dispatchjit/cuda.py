"""GPU kernels: generic functions compiled for NVIDIA GPUs through LLVM's NVPTX backend.

A kernel is an ordinary generic function whose body reads ``cuda.threadIdx``, ``cuda.blockIdx``,
``cuda.blockDim`` and ``cuda.gridDim`` (each with ``.x``, ``.y``, ``.z``) and calls
``cuda.syncthreads()``; it goes through the same frontend, inference and lowering as CPU code,
for an ``NVPTXTarget``. ``code_ptx(f, *types)`` returns the PTX of one specialization.

Kernel parameters are flattened for launchers: a number is one parameter; an array is its data
pointer followed by its shape and its strides (bytes), one ``int64`` each. What a GPU cannot do
(allocate arrays, use Python objects, math functions that need libdevice) is a ``CompileError``
naming the line; an exception inside a kernel (an index out of bounds) traps, which fails the
launch.

Status: PTX generation. Launching, device arrays and fused map/reduce are the next steps.
"""

from __future__ import annotations

__all__ = ["threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "code_ptx", "GridIndex"]


class GridIndex:
    """``cuda.threadIdx`` and friends: read in a kernel as ``cuda.threadIdx.x``."""

    def __init__(self, register: str, name: str):
        self.register, self.name = register, name

    def __repr__(self) -> str:
        return f"cuda.{self.name}"


threadIdx = GridIndex("tid", "threadIdx")
blockIdx = GridIndex("ctaid", "blockIdx")
blockDim = GridIndex("ntid", "blockDim")
gridDim = GridIndex("nctaid", "gridDim")


def syncthreads() -> None:
    """A barrier for the threads of a block (in kernels only)."""
    raise RuntimeError("cuda.syncthreads() is only meaningful inside a compiled GPU kernel")


def code_ptx(f, *types, arch: str = "sm_80") -> str:
    """The PTX of the kernel ``f`` specialized for these argument types (lattice types, e.g.
    ``Array[Float32, 1, 'C']``), for GPU architecture ``arch``."""
    from . import driver
    from .targets import NVPTXTarget
    from .types import from_annotation
    return driver.compile_kernel(f, tuple(from_annotation(t) for t in types), NVPTXTarget(arch)).ptx
