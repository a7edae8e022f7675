"""Bounds-check elimination by loop versioning.

An index check inside a loop is an early exit, which stops LLVM from vectorizing the loop. For an
innermost counted loop whose array indices are ``i + c`` (``i`` the loop variable, ``c`` a
constant) into arrays the loop does not reassign, the whole range of each index is known before
the loop runs. Lowering then emits the loop twice: a copy without those checks, taken when every
index stays in bounds, and the checked copy otherwise, so an out-of-bounds access still raises
at the same iteration, after the same writes, as Python would.

Versioning pays only where the unchecked copy can vectorize. A *serial* loop, one that carries a
float from one iteration to the next (``s += x[i]``), cannot without ``fastmath`` (reassociating
the sum would change its rounding); there a well-predicted check costs a few percent while the
second copy would cost about as much compile time as the rest of the function, so such loops keep
their checks (and lowering spares them runtime unrolling, which gains nothing on a chain of
dependent additions).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..lattice import ArrayType, PrimitiveType

__all__ = ["IndexUse", "affine_index_uses", "is_serial"]


@dataclass(frozen=True)
class IndexUse:
    array: str          # the variable holding the array
    type: ArrayType
    axis: int
    offset: int         # the index is loop variable + offset
    node: ir.Expr       # the index expression, whose check the unchecked copy omits


def affine_index_uses(loop: ir.ForRange, fastmath: bool = False) -> list[IndexUse]:
    """The index uses of ``loop`` that versioning can prove in bounds; none when the loop is not
    innermost, assigns to its own variable or (without ``fastmath``) carries a float."""
    assigned = ir.assigned_names(loop.body)
    if loop.target in assigned or _has_loop(loop.body) or is_serial(loop, fastmath):
        return []
    uses: list[IndexUse] = []
    for node in ir.walk(loop.body):
        for array, indices in _indexings(node):
            if not (isinstance(array, ir.Name) and array.id not in assigned):
                continue
            for axis, index in enumerate(indices):
                offset = _offset(index, loop.target)
                if offset is not None:
                    uses.append(IndexUse(array.id, array.type, axis, offset, index))
    return uses


def _indexings(node):
    if isinstance(node, ir.Prim) and node.op in ("getitem", "view"):
        yield node.args[0], node.args[1:]
    elif isinstance(node, ir.SetItem):
        yield node.target, node.index.elts


def _offset(index: ir.Expr, var: str) -> int | None:
    if isinstance(index, ir.Name) and index.id == var:
        return 0
    if isinstance(index, ir.Prim) and index.op in ("add", "sub") and len(index.args) == 2:
        a, b = index.args
        if isinstance(b, ir.Const) and _offset(a, var) == 0:
            return b.value if index.op == "add" else -b.value
        if index.op == "add" and isinstance(a, ir.Const) and _offset(b, var) == 0:
            return a.value
    return None


def is_serial(loop: ir.ForRange, fastmath: bool = False) -> bool:
    """Whether ``loop`` is innermost and, without ``fastmath``, carries a float from one
    iteration to the next: assigns some float variable a value computed from itself before the
    body has assigned it (``s = s + x``, not ``v = a[i]; v = v * v``). LLVM keeps it scalar."""
    if fastmath or _has_loop(loop.body):
        return False
    written: set[str] = set()
    for n in ir.walk(loop.body):   # statements in order, each before what it contains
        if isinstance(n, ir.Assign):
            if n.target not in written and _is_float(n.value.type) and _reads(n.value, n.target):
                return True
            written.add(n.target)
    return False


def _is_float(t) -> bool:
    return isinstance(t, PrimitiveType) and t.kind in ("float", "complex")


def _reads(e: ir.Expr, name: str) -> bool:
    return any(isinstance(m, ir.Name) and m.id == name for m in ir.walk(e))


def _has_loop(stmts) -> bool:
    return any(isinstance(n, (ir.While, ir.ForRange)) for n in ir.walk(stmts))
