"""The kernel language: the names GPU kernels read (``cuda.threadIdx`` and friends,
``cuda.syncthreads``, ``cuda.shared``, ``cuda.atomic``), as plain Python objects.

A leaf module, so inference can recognize these names without importing the GPU machinery
(``dispatchjit.cuda`` re-exports them); called from Python, each says it belongs in a kernel.
"""

from __future__ import annotations

__all__ = ["GridIndex", "Namespace", "threadIdx", "blockIdx", "blockDim", "gridDim", "syncthreads", "shared",
           "atomic"]


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


def _kernel_only(name: str, doc: str):
    def f(*args, **kwargs):
        raise RuntimeError(f"cuda.{name}() is only meaningful inside a compiled GPU kernel")
    f.__name__, f.__qualname__, f.__doc__ = name.split(".")[-1], f"cuda.{name}", doc
    return f


syncthreads = _kernel_only("syncthreads", "A barrier for the threads of a block (in kernels only).")


class Namespace:
    """``cuda.shared`` and ``cuda.atomic``: functions compiled kernels call by attribute."""

    def __init__(self, name: str, **functions):
        self.__name__ = f"cuda.{name}"
        self.__dict__.update(functions)

    def __repr__(self) -> str:
        return self.__name__


shared = Namespace("shared", array=_kernel_only(
    "shared.array", "``shared.array(shape, dtype)``: an array shared by the threads of a block; the shape is a "
                    "constant (an int or a tuple of ints), the memory uninitialized, as on a GPU."))
atomic = Namespace("atomic", **{op: _kernel_only(
    f"atomic.{op}", f"``atomic.{op}(array, index, value)``: array[index] = {op}(array[index], value) as one "
                    "indivisible step; returns the old value. Ints; floats for add.") for op in ("add", "max", "min")})
