"""Broadcasting as Julia's Base does it, in the language: an elementwise operation on arrays
(``a * x``, ``np.sin(w)``) builds a lazy ``Broadcasted`` value holding the function and its
arguments (arrays, numbers, other Broadcasteds), and one loop nest computes the whole
expression where its value is needed (``materialize``: a new array) or into an existing array
(``broadcast_into``: ``out[:] = ...``, ``a += ...``). So ``a * x + y * z + np.sin(w)`` makes one
pass and allocates exactly its result.

Compiled code never sees a Broadcasted it did not ask for: in an ordinary function, an
expression whose value is one is materialized unless it is an operand of another elementwise
operation (``infer``). The functions here are ``lazy``: they pass Broadcasteds around as the
structs they are. ``materialize`` and ``broadcast_into`` are generated for the expression's
type, a tree whose leaves the loop reads directly.

The semantics are NumPy 2's: shapes broadcast by NumPy's rules (a mismatch is a ValueError
naming the shapes); a Python scalar next to arrays is weak (NEP 50, ``weak``); elements are
computed by the ufuncs' own rules (``ufuncs``); a destination that overlaps an input in any
way but element for element is written as if the input had been copied first.
"""

import typing
from typing import Generic

import numpy as np  # noqa: F401 - the generated bodies name it

from .. import library
from ..array_intrinsics import (at, broadcast_view, cold_range, contiguous_view, flat, is_writeable, setflat,  # noqa: F401
                               strided_view, unsafe_alias, weak)  # - generated bodies
from ..generic import generic
from ..lattice import AbstractArray, ArrayType, StructType, typeof  # noqa: F401 - typeof: generated bodies
from ..runtime.exceptions import MAX_PAYLOAD
from ..structs import struct

__all__ = ["Broadcasted", "ArrayLike", "lazy", "broadcasted", "materialize", "broadcast_into", "broadcast", "inplace",
           "astype", "is_broadcasted", "Tree", "shape_lines", "probe"]

F = typing.TypeVar("F")
ARGS = typing.TypeVar("ARGS")


@struct
class Broadcasted(Generic[F, ARGS]):
    """``f`` applied elementwise over ``args`` broadcast together, not computed yet."""
    f: F
    args: ARGS


Broadcasted.__dispatchjit_struct__.lazy = True
ArrayLike = typing.Union[AbstractArray, Broadcasted]


def lazy(fn):
    """Mark a method body as returning Broadcasteds for its caller to fuse (``@generic(lazy=True)``)."""
    fn.__dispatchjit_options__ = {**getattr(fn, "__dispatchjit_options__", {}), "lazy": True}
    return fn


@generic(lazy=True)
def broadcasted(f, *args):
    """``f`` over ``args``, lazily (Julia's ``broadcasted``)."""
    return Broadcasted(f, args)


@generic
def broadcast(f, *args):
    """``f`` applied elementwise over ``args`` broadcast together (NumPy's rules; numbers
    broadcast too), in one loop: a new array, or ``f``'s value when no argument is an array."""
    return materialize(Broadcasted(f, args))


@generic
def astype(a, t):
    """``a.astype(t)`` and ``np.float32(a)``: a new array of ``a``'s shape, its elements cast as
    NumPy assigns them."""
    out = np.empty(a.shape, t)
    broadcast_into(out, a)
    return out


@generic(lazy=True)
def inplace(out, bc):
    """``out op= value`` on an array: NumPy's ``op(out, value, out=out)``, which writes the result
    into ``out`` (NumPy's same-kind casting rule) and is ``out``."""
    same_kind(typeof(element_type(bc)), out.dtype)
    broadcast_into(out, bc)
    return out


# --- the generated loops -------------------------------------------------------------------
class Tree:
    """A Broadcasted type flattened into straight-line code: ``lines`` bind each function and
    each leaf to a local (``f1``, ``x2``) and make weak scalars the dtype NumPy gives them;
    ``element(access)`` is the element expression, reading array leaf ``x`` as ``access(x)``."""

    def __init__(self, t, root: str = "bc"):
        self.lines: list[str] = []
        self.arrays: list[tuple[str, ArrayType]] = []
        self.root = self._walk(t, root)

    def _walk(self, t, path: str):
        name = f"{'f' if is_broadcasted(t) else 'x'}{len(self.lines)}"
        if not is_broadcasted(t):
            self.lines.append(f"{name} = {path}")
            if isinstance(t, ArrayType):
                self.arrays.append((name, t))
                return ("array", name)
            return ("scalar", name)
        self.lines.append(f"{name} = {path}.f")
        args = [self._walk(a, f"{path}.args[{k}]") for k, a in enumerate(t.field_types[1].params)]
        typed = [f"typeof({self._render(a, probe)})" for a in args if a[0] != "scalar"]
        for k, a in enumerate(args):
            if a[0] == "scalar" and typed:
                self.lines.append(f"w{a[1]} = weak({a[1]}, {name}, {', '.join(typed)})")
                args[k] = ("scalar", f"w{a[1]}")
        return ("call", name, args)

    def _render(self, node, access) -> str:
        if node[0] == "array":
            return access(node[1])
        if node[0] == "scalar":
            return node[1]
        return f"{node[1]}({', '.join(self._render(a, access) for a in node[2])})"

    def element(self, access) -> str:
        return self._render(self.root, access)


def probe(x: str) -> str:   # an element's type, read where typeof() never evaluates it
    return f"flat({x}, 0)"


def is_broadcasted(t) -> bool:
    return isinstance(t, StructType) and t.definition.cls is Broadcasted


def _dims(x: str, ndim: int) -> str:
    return "(" + ",".join(f"{{{x}.shape[{k}]}}" for k in range(ndim)) + ("," if ndim == 1 else "") + ")"


def shape_lines(tree: Tree, nd: int) -> list[str]:
    """``shape``: the arrays' shapes broadcast together, or a ValueError naming them."""
    lines = []
    together = " ".join(_dims(x, t.ndim) for x, t in tree.arrays)
    small = sum(t.ndim for _, t in tree.arrays) <= MAX_PAYLOAD
    for d in range(nd):
        lines.append(f"n{d} = 1")
        for x, t in tree.arrays:
            j = d - (nd - t.ndim)
            if j < 0:
                continue
            message = (f"operands could not be broadcast together with shapes {together}" if small else
                       f"operands could not be broadcast together: axis {d - nd} has lengths {{n{d}}} and "
                       f"{{{x}.shape[{j}]}}")
            lines += [f"if {x}.shape[{j}] != 1:",
                      f"    if n{d} != 1 and n{d} != {x}.shape[{j}]:",
                      f"        raise ValueError(f\"{message}\")",
                      f"    n{d} = {x}.shape[{j}]"]
    lines.append(f"shape = ({''.join(f'n{d}, ' for d in range(nd))})")
    return lines


def _into_lines(tree: Tree, nd: int) -> list[str]:
    """Each array broadcasts to ``out``'s shape, else a ValueError naming both shapes."""
    lines = []
    for x, t in tree.arrays:
        small = t.ndim + nd <= MAX_PAYLOAD
        for j in range(t.ndim):
            d = j - (t.ndim - nd)
            fits = f"{x}.shape[{j}] != 1" if d < 0 else f"{x}.shape[{j}] != 1 and {x}.shape[{j}] != out.shape[{d}]"
            message = (f"could not broadcast input array from shape {_dims(x, t.ndim)} into shape {_dims('out', nd)}"
                       if small else f"could not broadcast input array into the output: its axis {j} has length "
                       f"{{{x}.shape[{j}]}}")
            lines += [f"if {fits}:", f"    raise ValueError(f\"{message}\")"]
    return lines


def _loop_lines(tree: Tree, nd: int, layout: str) -> list[str]:
    """``out[...] = element`` over ``out``'s shape (``nd`` axes, ``layout``): one flat loop in
    memory order when every array is laid out as ``out`` and has its shape (checked when the
    function runs), else a loop nest reading each array through a broadcast view."""
    flat_loop = ["for i in range(out.size):", f"    setflat(out, i, {tree.element(lambda x: f'flat({x}, i)')})"]
    if nd == 0:
        return flat_loop
    lines = []
    if layout in ("C", "F") and all(t.layout == layout for _, t in tree.arrays):
        same = " and ".join(f"{x}.shape == out.shape" for x, _ in tree.arrays) or "True"
        lines += [f"if {same}:"] + _indent(flat_loop) + ["else:"]
    nest = [f"v{x} = broadcast_view({x}, out.shape)" for x, _ in tree.arrays] + _nests(tree, nd)
    return lines + (_indent(nest) if lines else nest)


# Versions of the loop nest for arrays repeated along the last axis: 2**k for k arrays, so only
# for few; and only for rows long enough to pay for setting up the row views.
_VERSIONED = 3
_SHORTEST_ROW = 16


def _nests(tree: Tree, nd: int) -> list[str]:
    """The loop nest over ``out``'s axes. LLVM vectorizes a loop over memory it sees is
    contiguous, and a byte stride known only when the loop runs is not seen as such; so with
    few arrays and two or more axes there is a version for each set of them repeated along the
    last axis (a zero stride: ``e / s`` with ``s`` of shape ``(n, 1)``, read once per row), the
    others and ``out`` contiguous along it (read and written through 1-d C views of the row);
    and the general nest for the rest. The version is chosen in the outermost loop, which is
    compiled on first use, so that its code knows which one it runs."""
    inner = nd - 1
    index = ", ".join(f"i{k}" for k in range(nd))
    heads = [f"for i{k} in {'cold_range' if k == 0 else 'range'}(out.shape[{k}]):" for k in range(nd)]

    def nest(first: int, body: list[str]) -> list[str]:   # the loops over axes first..inner-1 around body
        return (["    " * (k - first) + heads[k] for k in range(first, inner)]
                + ["    " * (inner - first) + line for line in body])

    general = [heads[inner], f"    out[{index}] = {tree.element(lambda x: f'at(v{x}, {index})')}"]
    names = [x for x, _ in tree.arrays]
    if nd == 1 or len(names) > _VERSIONED:
        return nest(0, general)
    lines = []
    for mask in range((1 << len(names)) - 1):   # every array repeated: a result of one column, left general
        repeated = [x for j, x in enumerate(names) if mask >> j & 1]
        test = " and ".join([f"out.shape[{inner}] >= {_SHORTEST_ROW}", "is_writeable(out)",
                             f"out.strides[{inner}] == out.itemsize"]
                            + [f"v{x}.strides[{inner}] == {'0' if x in repeated else f'v{x}.itemsize'}" for x in names])
        row = [f"r{x} = at(v{x}, {', '.join([f'i{k}' for k in range(inner)] + ['0'])})" if x in repeated else
               f"c{x} = {_row_view(x, 'v', inner)}" for x in names]
        access = lambda x, rep=repeated: f"r{x}" if x in rep else f"flat(c{x}, i{inner})"  # noqa: E731
        body = row + [f"rout = {_row_view('out', '', inner)}", heads[inner],
                      f"    setflat(rout, i{inner}, {tree.element(access)})"]
        lines += [f"{'elif' if lines else 'if'} {test}:"] + _indent(nest(1, body))
    return [heads[0]] + _indent(lines + ["else:"] + _indent(nest(1, general)))


def _row_view(x: str, prefix: str, inner: int) -> str:
    """The row of ``prefix + x`` at ``i0, i1, ...`` along axis ``inner`` (contiguous) as a 1-d C view."""
    a = prefix + x
    offset = " + ".join([f"i{k} * {a}.strides[{k}]" for k in range(inner)]) or "0"
    n = f"out.shape[{inner}]"
    return f"contiguous_view(strided_view({a}, ({n},), ({a}.strides[{inner}],), {offset}), ({n},))"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _source(name: str, params: str, lines: list[str]) -> str:
    return f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in lines)


@generic(lazy=True, generated=True)
def materialize(bc):
    """A Broadcasted computed into a new array (C order, or F when every array is F); with
    0-d arrays only, its one value, as NumPy's ufuncs return."""
    tree = Tree(bc)
    if not tree.arrays:
        return _source("materialize", "bc", tree.lines + [f"return {tree.element(probe)}"])
    nd = max(t.ndim for _, t in tree.arrays)
    order = "F" if nd > 1 and all(t.layout == "F" for _, t in tree.arrays) else "C"
    lines = tree.lines + shape_lines(tree, nd)
    lines.append(f"out = np.empty(shape, typeof({tree.element(probe)}), order={order!r})")
    lines += _loop_lines(tree, nd, order)
    lines.append("return flat(out, 0)" if nd == 0 else "return out")
    return _source("materialize", "bc", lines)


@generic(lazy=True, generated=True)
def broadcast_into(out, src):
    """``out[...] = src`` for a Broadcasted, an array or a number: checked to broadcast to
    ``out``'s shape, cast as NumPy assigns, an input overlapping ``out`` copied first."""
    tree = Tree(src, "src")
    lines = tree.lines + _into_lines(tree, out.ndim)
    if tree.arrays:   # computed into a new array first, as NumPy reads inputs it writes over
        lines += [f"if {' or '.join(f'unsafe_alias({x}, out)' for x, _ in tree.arrays)}:",
                  "    broadcast_into(out, materialize(src))", "    return None"]
    lines += _loop_lines(tree, out.ndim, out.layout)
    return _source("broadcast_into", "out, src", lines)


@generic(lazy=True, generated=True)
def element_type(bc):
    """A value of the type of ``bc``'s elements (for ``typeof``; never evaluated)."""
    tree = Tree(bc)
    return _source("element_type", "bc", tree.lines + [f"return {tree.element(probe)}"])


@generic(generated=True)
def same_kind(value, target):
    """Nothing, or a TypeError when NumPy's same-kind rule forbids writing ``value``'s type into
    an array of ``target`` (``a += 1.5`` on an integer array)."""
    src, dst = value.param, target.param
    if not hasattr(src, "dtype") or not hasattr(dst, "dtype") or np.can_cast(src.dtype, dst.dtype, "same_kind"):
        return "def same_kind(value, target):\n    return None\n"
    message = f"Cannot cast ufunc output from dtype('{src.dtype}') to dtype('{dst.dtype}') with casting rule 'same_kind'"
    return f"def same_kind(value, target):\n    raise TypeError({message!r})\n"


for _f in (broadcasted, broadcast, inplace, materialize, broadcast_into, astype):
    library.register(_f)
