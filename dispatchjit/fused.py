"""Fused elementwise maps and reductions: ``elementwise`` and ``fold`` on the CPU over NumPy
arrays (``dispatchjit.map``, ``dispatchjit.reduce``), and the kernels ``cuda.map`` and ``cuda.reduce``
launch over device arrays.

``map(f, *args)`` applies the generic function ``f`` elementwise over arrays broadcast together
(NumPy's rules; scalars broadcast too) in one generated loop nest: no temporaries, ``f`` and
whatever it calls inlined. The loop is the body of a ``generated`` generic function, so there is
one specialization per (``f``, element types, dimensions, layouts), compiled on first use like
any other, and the CPU and GPU versions come from the same generator: nested loops on the CPU,
a grid-stride loop over the flat index in a kernel.

``reduce(op, x, init)`` folds ``op`` over the elements of ``x``: on the CPU one loop, in order;
on a GPU each thread folds a grid-stride share of the elements, each block its threads' values
in shared memory, and the host the blocks' results, so ``op`` must be associative and
commutative, as for any parallel reduction.
"""

from __future__ import annotations

import numpy as np

from . import kernel_lang as cuda  # noqa: F401 - the generated kernels' source names it
from .generic import generic
from .lattice import ArrayType, PrimitiveType, typeof

__all__ = ["elementwise", "fold", "map_cpu", "reduce_cpu", "map_kernel", "reduce_kernel", "result_type", "check_out", "BLOCK"]

BLOCK = 256   # threads per block of the generated kernels; also the shared tree's width


def result_type(f, elements) -> PrimitiveType:
    """What ``f`` returns for arguments of the lattice types ``elements``, as inference finds."""
    from . import driver
    from .errors import TypingError
    from .spec import SpecKey
    method, _ = f.resolve_types(tuple(elements))
    t = driver.typed(SpecKey(f, method, tuple(elements))).fn.return_type
    if not isinstance(t, PrimitiveType):
        raise TypingError(f"{f.__name__} returns {t} for {', '.join(map(repr, elements))}; a map needs a number "
                          "for each element", driver.typed(SpecKey(f, method, tuple(elements))).fn.loc)
    return t


def element_types(args) -> list:
    return [typeof(a).dtype if isinstance(typeof(a), ArrayType) else typeof(a) for a in args]


# --- on the CPU, over NumPy arrays -------------------------------------------------------------
def elementwise(f, *args, out=None):
    """``f`` applied elementwise over ``args`` (NumPy arrays broadcast together as in NumPy;
    numbers broadcast too) by one generated loop nest on the CPU; the result is a NumPy array.
    One specialization per (f, element types, dimensions, layouts). ``out``: an array of the
    result's shape and type to write into instead of a new one. (``dispatchjit.map``; on device
    arrays, ``cuda.map``.)"""
    shape = np.broadcast_shapes(*(a.shape for a in args if isinstance(a, np.ndarray)))
    values = [np.broadcast_to(a, shape or (1,)) if isinstance(a, np.ndarray) else a for a in args]
    dtype = result_type(f, element_types(values)).dtype
    if out is None:
        out = np.empty(shape, dtype)
    check_out(out, shape, dtype, isinstance(out, np.ndarray))
    map_cpu(f, out if shape else out.reshape((1,)), *values)   # a 0-d result: a 1-element view of it
    return out


def check_out(out, shape, dtype, same_side: bool) -> None:
    """``out`` is on the arguments' side (``same_side``) and has the result's shape and type."""
    if not same_side:
        raise TypeError("out must be a device array when an argument is one, else a NumPy array, "
                        f"not {type(out).__name__}")
    if (tuple(out.shape), np.dtype(out.dtype)) != (shape, dtype):
        raise ValueError(f"out must have shape {shape} and dtype {dtype} (the result's), not {out.shape} {out.dtype}")


NO_INIT = object()


def fold(op, x, init=NO_INIT):
    """``op`` folded over the elements of the NumPy array ``x`` in C order, starting from
    ``init`` when given, like ``functools.reduce``, by a compiled loop. (``dispatchjit.reduce``;
    on device arrays, ``cuda.reduce``.)"""
    flat = np.ascontiguousarray(x).reshape(-1)
    if flat.size == 0:
        if init is NO_INIT:
            raise TypeError("reduce() of an empty array with no initial value")
        return init
    return reduce_cpu(op, flat[1:], flat[0]) if init is NO_INIT else reduce_cpu(op, flat, init)


# --- generated bodies ------------------------------------------------------------------------
def _elements(argtypes, index: str) -> str:
    return ", ".join(f"a{j}[{index}]" if isinstance(t, ArrayType) else f"a{j}" for j, t in enumerate(argtypes))


def _params(argtypes) -> str:
    return ", ".join(f"a{j}" for j in range(len(argtypes)))


@generic(generated=True)
def map_cpu(f, out, *args):
    """``out[i...] = f(args[i...]...)`` as a loop nest over ``out``'s shape."""
    nd = out.ndim
    index = ", ".join(f"i{k}" for k in range(nd))
    lines = [f"def fused_map(f, out, {_params(args)}):"]
    lines += ["    " * (k + 1) + f"for i{k} in range(out.shape[{k}]):" for k in range(nd)]
    lines.append("    " * (nd + 1) + f"out[{index}] = f({_elements(args, index)})")
    return "\n".join(lines) + "\n"


@generic(generated=True)
def map_kernel(f, out, *args):
    """The same as a GPU kernel: a grid-stride loop over the flat index, unraveled C-style."""
    nd = out.ndim
    unravel = [f"        r, i{k} = divmod(r, out.shape[{k}])" for k in range(nd - 1, 0, -1)]
    index = ", ".join(f"i{k}" for k in range(nd))
    return "\n".join([
        f"def fused_map_kernel(f, out, {_params(args)}):",
        "    flat = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x",
        "    while flat < out.size:",
        "        r = flat",
        *unravel,
        "        i0 = r",
        f"        out[{index}] = f({_elements(args, index)})",
        "        flat += cuda.gridDim.x * cuda.blockDim.x",
    ]) + "\n"


@generic
def reduce_cpu(op, x, init):
    acc = init
    for i in range(x.shape[0]):
        acc = op(acc, x[i])
    return acc


@generic(generated=True)
def reduce_kernel(op, x, partials):
    """Block ``b``'s threads fold elements ``b*BLOCK + t``, then one grid's width further on...
    (thread ``t`` of block ``b``), then their values pairwise in shared memory, skipping threads
    that had no element; ``partials[b]`` gets the block's result (``x`` is not empty)."""
    dtype = np.dtype(partials.dtype.dtype).name
    return f"""
def fused_reduce_kernel(op, x, partials):
    buf = cuda.shared.array({BLOCK}, np.{dtype})
    full = cuda.shared.array({BLOCK}, np.bool_)
    t = cuda.threadIdx.x
    i = cuda.blockIdx.x * cuda.blockDim.x + t
    have = False
    acc = partials.dtype(x[0])
    while i < x.shape[0]:
        acc = op(acc, x[i]) if have else partials.dtype(x[i])
        have = True
        i += cuda.gridDim.x * cuda.blockDim.x
    buf[t] = acc
    full[t] = have
    cuda.syncthreads()
    s = {BLOCK // 2}
    while s > 0:
        if t < s and full[t + s]:
            buf[t] = op(buf[t], buf[t + s]) if full[t] else buf[t + s]
            full[t] = True
        cuda.syncthreads()
        s //= 2
    if t == 0:
        partials[cuda.blockIdx.x] = buf[0]
"""
