"""The IR: a structured tree of small immutable records, each with the source location it came
from. The frontend builds it untyped (``type`` is None); inference returns a new tree in which
every expression has a concrete type, implicit conversions are explicit ``Convert`` nodes and
every operation is resolved (``Prim`` for machine operations, ``Invoke`` for a call to a
specialization). Lowering consumes only the typed forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any as _Any

from .errors import SourceLoc
from .types import JType

NOLOC = SourceLoc("<unknown>", 0)


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    loc: SourceLoc = field(default=NOLOC, kw_only=True, compare=False)


@dataclass(frozen=True, slots=True, eq=False)
class Expr(Node):
    type: JType | None = field(default=None, kw_only=True)


# --- expressions the frontend produces -------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Const(Expr):
    value: _Any


@dataclass(frozen=True, slots=True, eq=False)
class Name(Expr):
    """A local variable, or (if never assigned in the function) a global resolved at inference.
    ``checked``: the variable may be unassigned here, so reading it checks (UnboundLocalError)."""
    id: str
    checked: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Attr(Expr):
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True, eq=False)
class BinOp(Expr):
    op: str          # the Python operator symbol: '+', '//', '<<', ...
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class UnaryOp(Expr):
    op: str          # '-', '+', 'not', '~'
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Compare(Expr):
    """``a < b <= c``: each operand evaluated once, left to right, stopping at the first false."""
    ops: tuple[str, ...]
    operands: tuple[Expr, ...]
    common: tuple[JType, ...] = ()   # typed form: the type each adjacent pair is compared in


@dataclass(frozen=True, slots=True, eq=False)
class BoolOp(Expr):
    """``a and b`` / ``a or b``: short-circuit, yielding an operand as Python does."""
    op: str          # 'and' | 'or'
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class IfExp(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Call(Expr):
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Slice(Expr):
    """``lower:upper:step`` inside a subscript; absent parts are None."""
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class TupleExpr(Expr):
    elts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Index(Expr):
    value: Expr
    index: Expr


# --- expressions only inference produces -----------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Convert(Expr):
    """Convert ``value`` to ``type`` (numeric conversion, elementwise for tuples)."""
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Prim(Expr):
    """A machine operation on operands already converted to the types it needs; ``op`` names it
    (``add``, ``fdiv``, ``floordiv``, ``lt``, ``sqrt``...). Lowering has one rule per op."""
    op: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Invoke(Expr):
    """A direct call to one specialization (a generic call resolved at compile time)."""
    target: _Any     # driver.SpecKey
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Throw(Expr):
    """Raise the exception registered as runtime raise-site ``site``, formatting ``args`` into its
    message. Its type is ``Bottom``: control never continues past it."""
    site: int
    args: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class GetField(Expr):
    """Element ``index`` of a tuple value (a constant index, already normalized)."""
    value: Expr
    index: int


# --- statements ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Stmt(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Assign(Stmt):
    target: str
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class SetItem(Stmt):
    """``target[index] = value``; typed form: ``index`` is a tuple of integer expressions."""
    target: Expr
    index: Expr
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class ExprStmt(Stmt):
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class If(Stmt):
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class While(Stmt):
    test: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class For(Stmt):
    """``for target in iter``: inference turns a ``range`` iterator into ``ForRange``."""
    target: str
    iter: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ForRange(Stmt):
    """A counted loop; ``step`` is never zero (checked when the loop is entered)."""
    target: str
    start: Expr
    stop: Expr
    step: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Break(Stmt):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Continue(Stmt):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Return(Stmt):
    value: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class Raise(Stmt):
    """``raise exc(message)``; inference turns it into an ``ExprStmt(Throw(...))``."""
    exc: Expr
    message: Expr | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Function:
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
