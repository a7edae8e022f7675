"""Fused elementwise maps and reductions: ``elementwise`` and ``fold`` on the CPU over NumPy
arrays (``dispatchjit.map``, ``dispatchjit.reduce``), and the kernels ``cuda.map`` and ``cuda.reduce``
launch over device arrays.

``map(f, *args)`` applies the generic function ``f`` elementwise over arrays broadcast together
(NumPy's rules; scalars broadcast too) in one generated loop: no temporaries, ``f`` and
whatever it calls inlined. On the CPU it is the library's broadcast, the loop array
expressions in compiled code run (``dispatchjit.base.broadcast``); in a kernel, a grid-stride
loop over the flat index. Either is the body of a ``generated`` generic function: one
specialization per (``f``, element types, dimensions, layouts), compiled on first use.

``reduce(op, x, init)`` folds ``op`` over the elements of ``x``: on the CPU one loop, in order;
on a GPU each thread folds a grid-stride share of the elements, each block its threads' values
in shared memory, and the host the blocks' results, so ``op`` must be associative and
commutative, as for any parallel reduction.
"""

from __future__ import annotations

import numpy as np

from . import kernel_lang as cuda  # noqa: F401 - the generated kernels' source names it
from .generic import generic
from .lattice import ArrayType, PrimitiveType, StructType, typeof

__all__ = ["elementwise", "fold", "reduce_cpu", "map_kernel", "reduce_kernel", "result_type", "check_out", "BLOCK"]

BLOCK = 256   # threads per block of the generated kernels; also the shared tree's width


def result_type(f, elements) -> PrimitiveType:
    """What ``f`` (a generic function, or a callable struct: a closure) returns for arguments of
    the lattice types ``elements``, as inference finds."""
    from . import driver, library
    from .errors import TypingError
    from .generic import GenericFunction
    from .spec import SpecKey
    if not isinstance(f, GenericFunction) and not isinstance(typeof(f), StructType):
        raise TypeError(f"a map takes a generic function or a callable struct (a closure compiled code returned), "
                        f"not {type(f).__name__} {getattr(f, '__qualname__', f)!r}: decorate it with @generic")
    func, argtypes = (f, tuple(elements)) if isinstance(f, GenericFunction) else \
        (library.named("call"), (typeof(f), *elements))
    method, _ = func.resolve_types(argtypes)
    typed = driver.typed(SpecKey(func, method, argtypes))
    t = typed.fn.return_type
    if not isinstance(t, PrimitiveType):
        name = getattr(f, "__name__", type(f).__name__)
        raise TypingError(f"{name} returns {t} for {', '.join(map(repr, elements))}; a map needs a number "
                          "for each element", typed.fn.loc)
    return t


def element_types(args) -> list:
    return [typeof(a).dtype if isinstance(typeof(a), ArrayType) else typeof(a) for a in args]


# --- on the CPU, over NumPy arrays -------------------------------------------------------------
def elementwise(f, *args, out=None):
    """``f`` applied elementwise over ``args`` (NumPy arrays broadcast together as in NumPy;
    numbers broadcast too) by one generated loop on the CPU: the library's broadcast
    (``dispatchjit.base.broadcast``), which array expressions in compiled code use too; the
    result is a NumPy array. ``out``: an array of the result's shape and type to write into
    instead of a new one. (``dispatchjit.map``; on device arrays, ``cuda.map``.)"""
    from .base import broadcast
    dtype = result_type(f, element_types(args)).dtype   # also: a result that is no number fails here, named
    if out is None:
        return np.asarray(broadcast.broadcast(f, *args))
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    check_out(out, shape, dtype, isinstance(out, np.ndarray))
    broadcast.broadcast_into(out, broadcast.Broadcasted(f, args))
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
