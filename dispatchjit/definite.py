"""Definite assignment: which reads of a local variable may find it unassigned.

Python raises ``UnboundLocalError`` for such a read; compiled code must too, rather than read
whatever the slot holds. This pass over the typed IR marks every read that is not preceded, on
every path, by an assignment (``Name.checked``); lowering keeps a flag only for the variables
with marked reads, and LLVM removes the flags it can prove set.
"""

from __future__ import annotations


from . import ir
from .lattice import Bottom

__all__ = ["mark_unbound_reads"]

_ALL = None  # the set of defined names after code that never falls through ("everything")


def mark_unbound_reads(fn: ir.Function) -> ir.Function:
    marker = _Marker()
    body, _ = marker.block(fn.body, frozenset(fn.params) | ({fn.vararg} if fn.vararg else set()))
    return ir.replace(fn, body=body, maybe_unbound=frozenset(marker.flagged))


def _meet(a, b):
    if a is _ALL:
        return b
    if b is _ALL:
        return a
    return a & b


class _Marker:
    def __init__(self):
        self.flagged: set[str] = set()

    def block(self, stmts, defined):
        out = []
        for s in stmts:
            if defined is _ALL:  # unreachable code: nothing to check
                out.append(s)
                continue
            s, defined = self.stmt(s, defined)
            out.append(s)
        return tuple(out), defined

    def stmt(self, s, defined):
        if isinstance(s, ir.Assign):
            return ir.replace(s, value=self.expr(s.value, defined)), defined | {s.target}
        if isinstance(s, (ir.ExprStmt, ir.Return)):
            value = s.value if s.value is None else self.expr(s.value, defined)
            terminal = isinstance(s, ir.Return) or s.value.type == Bottom
            return ir.replace(s, value=value), _ALL if terminal else defined
        if isinstance(s, ir.SetItem):
            return ir.replace(s, target=self.expr(s.target, defined), index=self.expr(s.index, defined),
                                       value=self.expr(s.value, defined)), defined
        if isinstance(s, ir.SetField):
            return ir.replace(s, target=self.expr(s.target, defined), value=self.expr(s.value, defined)), defined
        if isinstance(s, ir.If):
            test = self.expr(s.test, defined)
            body, d1 = self.block(s.body, defined)
            orelse, d2 = self.block(s.orelse, defined)
            return ir.replace(s, test=test, body=body, orelse=orelse), _meet(d1, d2)
        if isinstance(s, ir.While):
            test = self.expr(s.test, defined)
            body, _ = self.block(s.body, defined)
            return ir.replace(s, test=test, body=body), defined
        if isinstance(s, ir.ForRange):
            parts = {f: self.expr(getattr(s, f), defined) for f in ("start", "stop", "step")}
            body, _ = self.block(s.body, defined | {s.target})
            return ir.replace(s, body=body, **parts), defined
        if isinstance(s, (ir.Break, ir.Continue)):
            return s, _ALL
        return s, defined

    def expr(self, e, defined):
        if isinstance(e, ir.Name):
            if e.id not in defined:
                self.flagged.add(e.id)
                return ir.replace(e, checked=True)
            return e
        changes = {}
        for f in ir.fields(e):
            v = getattr(e, f.name)
            if isinstance(v, ir.Expr):
                changes[f.name] = self.expr(v, defined)
            elif isinstance(v, tuple) and v and all(isinstance(x, ir.Expr) for x in v):
                changes[f.name] = tuple(self.expr(x, defined) for x in v)
        return ir.replace(e, **changes) if changes else e
