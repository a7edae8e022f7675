"""The IR: a structured tree of small immutable records, each with the source location it came
from. The frontend builds it untyped (``type`` is None); inference returns a new tree in which
every expression has a concrete type, implicit conversions are explicit ``Convert`` nodes and
every operation is resolved (``Prim`` for machine operations, ``Invoke`` for a call to a
specialization). Lowering consumes only the typed forms.
"""

from __future__ import annotations

from typing import Any as _Any

from .errors import SourceLoc
from .records import Immutable, field, fields, replace  # noqa: F401 - fields, replace: the IR's API
from .lattice import JType

NOLOC = SourceLoc("<unknown>", 0)


class Node(Immutable):
    loc: SourceLoc = field(default=NOLOC, kw_only=True)


class Expr(Node):
    type: JType | None = field(default=None, kw_only=True)


# --- expressions the frontend produces -------------------------------------------------------
class Const(Expr):
    value: _Any


class Name(Expr):
    """A local variable, or (if never assigned in the function) a global resolved at inference.
    ``checked``: the variable may be unassigned here, so reading it checks (UnboundLocalError)."""
    id: str
    checked: bool = False


class Attr(Expr):
    value: Expr
    attr: str


class BinOp(Expr):
    op: str          # the Python operator symbol: '+', '//', '<<', ...
    left: Expr
    right: Expr
    inplace: bool = False   # from ``left op= right``: an array is updated in place


class UnaryOp(Expr):
    op: str          # '-', '+', 'not', '~'
    operand: Expr


class Compare(Expr):
    """``a < b <= c``: each operand evaluated once, left to right, stopping at the first false."""
    ops: tuple[str, ...]
    operands: tuple[Expr, ...]
    common: tuple[JType, ...] = ()   # typed form: the type each adjacent pair is compared in


class BoolOp(Expr):
    """``a and b`` / ``a or b``: short-circuit, yielding an operand as Python does."""
    op: str          # 'and' | 'or'
    values: tuple[Expr, ...]


class IfExp(Expr):
    test: Expr
    body: Expr
    orelse: Expr


class Call(Expr):
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...] = ()


class Slice(Expr):
    """``lower:upper:step`` inside a subscript; absent parts are None."""
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


class TupleExpr(Expr):
    elts: tuple[Expr, ...]


class Index(Expr):
    value: Expr
    index: Expr


class MakeClosure(Expr):
    """A nested ``def`` or a ``lambda``: a closure of ``code`` over the current values of the
    enclosing function's variables it reads (``captures``, in ``code.captures``' order).
    Inference makes it a ``New`` of the closure's struct type (``closures``)."""
    code: _Any       # closures.ClosureCode
    captures: tuple[Name, ...]


# --- expressions only inference produces -----------------------------------------------------
class Convert(Expr):
    """Convert ``value`` to ``type`` (numeric conversion, elementwise for tuples)."""
    value: Expr


class Prim(Expr):
    """A machine operation on operands already converted to the types it needs; ``op`` names it
    (``add``, ``fdiv``, ``floordiv``, ``lt``, ``sqrt``...). Lowering has one rule per op."""
    op: str
    args: tuple[Expr, ...]


class Invoke(Expr):
    """A direct call to one specialization (a generic call resolved at compile time)."""
    target: _Any     # driver.SpecKey
    args: tuple[Expr, ...]


class Throw(Expr):
    """Raise the exception registered as runtime raise-site ``site``, formatting ``args`` into its
    message. Its type is ``Bottom``: control never continues past it."""
    site: int
    args: tuple[Expr, ...] = ()


class GetField(Expr):
    """Element ``index`` of a tuple or a struct (a constant index, already normalized)."""
    value: Expr
    index: int


class New(Expr):
    """A new struct of type ``type`` from its field values, already of the fields' types."""
    args: tuple[Expr, ...]


# --- statements ------------------------------------------------------------------------------
class Stmt(Node):
    pass


class Assign(Stmt):
    target: str
    value: Expr


class SetItem(Stmt):
    """``target[index] = value``; typed form: ``index`` is a tuple of integer expressions."""
    target: Expr
    index: Expr
    value: Expr


class SetAttr(Stmt):
    """``target.attr = value``; inference turns a mutable struct's into ``SetField``."""
    target: Expr
    attr: str
    value: Expr


class SetField(Stmt):
    """Store ``value`` (of the field's type) into field ``index`` of the mutable struct ``target``."""
    target: Expr
    index: int
    value: Expr


class ExprStmt(Stmt):
    value: Expr


class If(Stmt):
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


class While(Stmt):
    test: Expr
    body: tuple[Stmt, ...]


class For(Stmt):
    """``for target in iter``: inference turns a ``range`` iterator into ``ForRange``."""
    target: str
    iter: Expr
    body: tuple[Stmt, ...]


class ForRange(Stmt):
    """A counted loop; ``step`` is never zero (checked when the loop is entered). ``cold``: a
    loop most calls never reach (``for i in cold_range(n)``), compiled when first run."""
    target: str
    start: Expr
    stop: Expr
    step: Expr
    body: tuple[Stmt, ...]
    cold: bool = False


class Break(Stmt):
    pass


class Continue(Stmt):
    pass


class Return(Stmt):
    value: Expr | None


class Raise(Stmt):
    """``raise exc(message)``; inference turns it into an ``ExprStmt(Throw(...))``."""
    exc: Expr
    message: Expr | None = None


class Function(Immutable):
    """A method's body. ``params`` are the positional parameter names, ``vararg`` the name of
    ``*args`` if any; ``locals`` (typed form only) maps each variable to its one type."""
    name: str
    params: tuple[str, ...]
    vararg: str | None
    body: tuple[Stmt, ...]
    loc: SourceLoc
    locals: tuple[tuple[str, JType], ...] = ()
    return_type: JType | None = None
    maybe_unbound: frozenset[str] = frozenset()   # variables some read of which is checked


def assigned_names(node) -> set[str]:
    """The variables some statement under ``node`` assigns (either form of the IR)."""
    return {n.target for n in walk(node) if isinstance(n, (Assign, For, ForRange))}


def rename(node, old: str, new: str):
    """``node`` with the variable ``old`` renamed ``new`` wherever it is read or assigned."""
    if isinstance(node, tuple):
        return tuple(rename(x, old, new) for x in node)
    if not isinstance(node, Node):
        return node
    changes = {f.name: rename(getattr(node, f.name), old, new) for f in node.__fields__
               if isinstance(getattr(node, f.name), (Node, tuple))}
    if isinstance(node, Name) and node.id == old:
        changes["id"] = new
    if isinstance(node, (Assign, For, ForRange)) and node.target == old:
        changes["target"] = new
    return replace(node, **changes)


def walk(node):
    """``node`` and every node under it (through fields and tuples), in pre-order."""
    yield node
    if isinstance(node, tuple):
        for x in node:
            yield from walk(x)
        return
    for f in getattr(node, "__fields__", ()):
        value = getattr(node, f.name)
        if isinstance(value, (Node, tuple)):
            yield from walk(value)
