"""The typed IR's invariants, checked: what inference promises and lowering relies on.

``verify(inferred)`` walks one ``InferredFunction`` and raises a single ``InternalCompilerError``
listing every violation, each naming the node kind and its ``file:line``. Given the rest of the
closure (``callees``; ``verify_closure`` does all of one), it also checks that each ``Invoke``
has the return type its callee was inferred to have. It runs in the tests between inference
and lowering, and in the driver after inference (``verify_if_enabled``) when ``enabled()``:
``DISPATCHJIT_VERIFY=1``.

It checks inference's *final* result (what ``driver.infer_closure`` returns and lowering
consumes). Inside a recursive cycle, the result of one round of ``infer_function`` may still
call with a guessed return type (``Bottom``) where the final one has a value, so it need not pass.

The invariants, and the code that relies on each:

* every expression carries a type (``JType``, never None) that has a machine representation
  (lowering's ``llvm_type``): no abstract, ``TypeVar`` or non-empty ``Union`` types, no vararg
  tuples, no arrays of unknown rank or layout;
* only typed forms remain: no ``BinOp``/``UnaryOp``/``Attr``/``Call``/``Index``/``Slice``, no
  ``For``/``Raise`` (lowering has no rule for them);
* ``fn.locals`` declares each variable once; every parameter is declared with a type its
  argument type widens to; every ``Name`` read or variable assigned is declared, with the
  declared type;
* values flow without implicit conversions: an ``Assign`` stores, a ``Return`` returns exactly
  the type of the slot or function (or ``Bottom``: no value, control never gets there); a
  branch of an ``IfExp`` or an operand of a ``BoolOp`` has exactly the node's type (or
  ``Bottom``: lowering ends a statement at an expression that never completes, whatever
  consumes it); every change of type is an ``ir.Convert``, and each
  ``Convert`` is one ``convert_value`` can lower (numbers; tuples elementwise; never complex
  to real or float to integer, which must be checked: ``toint``);
* ``If``/``While``/``IfExp`` tests are ``Bool`` (or ``Bottom``, as operands are);
  ``ForRange`` counts an ``Int64`` variable with ``Int64`` bounds; ``Break``/``Continue``
  stand inside a loop;
* a ``Compare`` is ``Bool``, with one common numeric type per operator that each operand
  widens to; ``is`` was folded away;
* ``Prim`` ops are ones lowering has a rule for, with the operand and result types their rule
  assumes (``_PRIMS``);
* an ``Invoke`` names a ``SpecKey`` of concrete argument types that its (vararg-packed)
  arguments have exactly, listed in ``inferred.invokes``;
* a ``GetField`` indexes a tuple or a struct in range and has the element's (field's) type; a
  ``TupleExpr`` has the tuple type of its elements; a ``New`` makes a concrete struct from one
  value of each field's type, and a ``SetField`` stores one into a mutable struct; a ``Throw`` is ``Bottom`` with at most ``MAX_PAYLOAD`` real
  numbers to format; ``SetItem`` stores an element of the array's type at one ``Int64`` index
  per axis;
* a ``Name`` that checks for unbound reads is in ``fn.maybe_unbound``, which holds only
  declared variables.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping

import numpy as np

from . import ir
from .errors import InternalCompilerError, SourceLoc
from .lattice import (ArrayType, Bool, Bottom, Complex128, Float32, Float64, FunctionType, Int64, JType, Nothing,
                      PrimitiveType, PyObjectType, SingletonType, StructType, TupleType, TypeType, UInt64,
                      join_types)
from .runtime.exceptions import MAX_PAYLOAD
from .runtime.jit import LIBM_COMPLEX

__all__ = ["verify", "verify_closure", "verify_if_enabled", "problems", "enabled"]

ENV_VAR = "DISPATCHJIT_VERIFY"


def enabled() -> bool:
    """Whether the driver should verify the typed IR it infers (``DISPATCHJIT_VERIFY=1``)."""
    return os.environ.get(ENV_VAR) == "1"


def verify_if_enabled(closure: Mapping) -> None:
    """The driver's hook after inference: ``verify_closure(closure)`` when ``enabled()``."""
    if enabled():
        verify_closure(closure)


def verify(inferred, callees: Mapping | None = None) -> None:
    """Raise ``InternalCompilerError`` listing every invariant ``inferred`` violates."""
    found = problems(inferred, callees)
    if found:
        raise InternalCompilerError(_report({inferred.key: (inferred.fn.loc, found)}))


def verify_closure(closure: Mapping) -> None:
    """Verify every function of a closure (``driver.infer_closure``), calls across them
    included; one error lists the problems of all of them."""
    found = {key: (inf.fn.loc, p) for key, inf in closure.items() if (p := problems(inf, closure))}
    if found:
        raise InternalCompilerError(_report(found))


def problems(inferred, callees: Mapping | None = None) -> list[str]:
    """Every violation in ``inferred``, one line each (empty if it is well formed)."""
    return _Verifier(inferred, callees).run()


def _report(found: dict) -> str:
    """``found``: (where the function is defined, its problems) by specialization."""
    count = sum(len(p) for _, p in found.values())
    lines = [f"invalid typed IR: {count} problem{'s' if count != 1 else ''}"]
    for key, (loc, ps) in found.items():
        lines.append(f"  in {key!r} (defined at {_where(loc)}):")
        lines.extend(f"    - {p}" for p in ps)
    lines.append("Hint: inspect it with dispatchjit.code_typed(f, argtypes...)")
    return "\n".join(lines)


def _where(loc: SourceLoc | None) -> str:
    if loc is None:
        return "<no location>"
    return f"{loc.file}:{loc.line}"


def representable(t) -> bool:
    """Whether values of ``t`` have a machine representation (lowering's ``llvm_type``)."""
    if isinstance(t, (PrimitiveType, SingletonType, FunctionType, PyObjectType)):
        return True
    if t == Bottom:
        return True
    if isinstance(t, TypeType):   # Val[...] too
        return t.is_concrete
    if isinstance(t, TupleType):
        return t.vararg is None and all(representable(p) for p in t.params)
    if isinstance(t, ArrayType):
        plain = isinstance(t.dtype, PrimitiveType) or isinstance(t.dtype, StructType) and not t.dtype.mutable
        return plain and isinstance(t.ndim, int) and t.layout in ("C", "F", "A") and representable(t.dtype)
    if isinstance(t, StructType):
        return t.is_concrete and all(representable(f) for f in t.field_types)
    return False


def _convertible(src: JType, dst: JType) -> bool:
    """Whether lowering's ``convert_value`` lowers a conversion from ``src`` to ``dst``."""
    if src == dst or src == Bottom:
        return True
    if isinstance(src, TupleType) and isinstance(dst, TupleType):
        return len(src.params) == len(dst.params) and all(map(_convertible, src.params, dst.params))
    if isinstance(src, ArrayType) and isinstance(dst, ArrayType):   # relabelled to any strides
        return dst.layout == "A" and (src.dtype, src.ndim) == (dst.dtype, dst.ndim)
    if not (isinstance(src, PrimitiveType) and isinstance(dst, PrimitiveType)):
        return False
    if dst.kind == "complex":
        return True
    return src.kind != "complex" and not (src.kind == "float" and dst.kind != "float")


_UNTYPED_EXPRS = (ir.BinOp, ir.UnaryOp, ir.Attr, ir.Call, ir.Index, ir.Slice)
_UNTYPED_STMTS = (ir.For, ir.Raise)
_COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})


class _Verifier:
    def __init__(self, inferred, callees: Mapping | None):
        self.inferred, self.callees = inferred, callees
        self.fn: ir.Function = inferred.fn
        self.key = inferred.key
        self.found: list[str] = []
        self.locals: dict[str, JType] = {}

    def problem(self, node, message: str) -> None:
        loc = getattr(node, "loc", None)
        self.found.append(f"{type(node).__name__} at {_where(loc)}: {message}")

    def run(self) -> list[str]:
        self.function()
        self.block(self.fn.body, loops=0)
        return self.found

    # --- the function ----------------------------------------------------------------------
    def function(self) -> None:
        fn, key = self.fn, self.key
        for name, t in fn.locals:
            if name in self.locals:
                self.problem(fn, f"variable '{name}' is declared twice in locals")
            if not isinstance(t, JType) or not representable(t):
                self.problem(fn, f"variable '{name}' is declared with type {t!r}, which has no machine representation")
            self.locals[name] = t
        if not isinstance(fn.return_type, JType) or not representable(fn.return_type):
            self.problem(fn, f"return type {fn.return_type!r} has no machine representation")
        nparams = len(fn.params)
        if len(key.argtypes) < nparams or fn.vararg is None and len(key.argtypes) != nparams:
            self.problem(fn, f"{nparams} parameter(s){' and *' + fn.vararg if fn.vararg else ''} for the "
                             f"{len(key.argtypes)} argument type(s) of {key!r}")
        params = list(zip(fn.params, key.argtypes))
        if fn.vararg is not None:
            params.append((fn.vararg, TupleType(tuple(key.argtypes[nparams:]))))
        for name, t in params:
            if not isinstance(t, JType) or not representable(t) or t == Bottom:
                self.problem(fn, f"parameter '{name}' has argument type {t!r}, which is not concrete")
            declared = self.locals.get(name)
            if declared is None:
                self.problem(fn, f"parameter '{name}' is not declared in locals")
            elif declared != t and (join_types(t, declared) != declared or not _convertible(t, declared)):
                self.problem(fn, f"parameter '{name}' of type {t!r} is declared as {declared!r}, "
                                 "which it does not widen to")
        for name in sorted(fn.maybe_unbound - self.locals.keys()):
            self.problem(fn, f"maybe_unbound names '{name}', which is not declared in locals")

    def variable(self, node, name: str, t: JType | None, what: str) -> None:
        declared = self.locals.get(name)
        if declared is None:
            self.problem(node, f"{what} '{name}' is not declared in locals")
        elif t is not None and t != declared and t != Bottom:
            self.problem(node, f"{what} '{name}' has type {t!r}, but the variable is declared {declared!r}")

    # --- statements ------------------------------------------------------------------------
    def block(self, stmts, loops: int) -> None:
        if not isinstance(stmts, tuple):
            self.problem(self.fn, f"a block is a {type(stmts).__name__}, not a tuple of statements")
            return
        for s in stmts:
            self.stmt(s, loops)

    def stmt(self, s, loops: int) -> None:
        if isinstance(s, _UNTYPED_STMTS):
            self.problem(s, "an untyped statement survived inference")
            return
        if not isinstance(s, ir.Stmt):
            self.problem(s, "is not a statement")
            return
        if isinstance(s, ir.Assign):
            self.expr(s.value)
            self.variable(s, s.target, None, "assigned variable")
            if self.locals.get(s.target) not in (None, s.value.type) and s.value.type not in (None, Bottom):
                self.problem(s, f"stores a {s.value.type!r} without a Convert to {self.locals[s.target]!r}")
        elif isinstance(s, ir.SetItem):
            self.setitem(s)
        elif isinstance(s, ir.SetField):
            self.setfield(s)
        elif isinstance(s, ir.ExprStmt):
            self.expr(s.value)
        elif isinstance(s, ir.If):
            self.test(s, s.test)
            self.block(s.body, loops)
            self.block(s.orelse, loops)
        elif isinstance(s, ir.While):
            self.test(s, s.test)
            self.block(s.body, loops + 1)
        elif isinstance(s, ir.ForRange):
            for part in ("start", "stop", "step"):
                e = getattr(s, part)
                self.expr(e)
                if e.type is not None and e.type not in (Int64, Bottom):
                    self.problem(s, f"the range's {part} is {e.type!r}, not Int64")
            self.variable(s, s.target, None, "loop variable")
            declared = self.locals.get(s.target, Int64)
            if not _convertible(Int64, declared):
                self.problem(s, f"loop variable '{s.target}' is declared {declared!r}; "
                                "the loop stores an Int64 into it")
            self.block(s.body, loops + 1)
        elif isinstance(s, (ir.Break, ir.Continue)):
            if loops == 0:
                self.problem(s, "outside a loop")
        elif isinstance(s, ir.Return):
            if s.value is None:
                self.problem(s, "has no value (inference returns `nothing` explicitly)")
                return
            self.expr(s.value)
            if s.value.type is not None and s.value.type not in (self.fn.return_type, Bottom):
                self.problem(s, f"returns a {s.value.type!r} from a function whose return type is "
                                f"{self.fn.return_type!r} (no Convert)")
        else:
            self.problem(s, "has no lowering rule")

    def test(self, s, e) -> None:
        self.expr(e)
        if e.type is not None and e.type not in (Bool, Bottom):
            self.problem(s, f"the condition has type {e.type!r}, not Bool")

    def setfield(self, s: ir.SetField) -> None:
        self.expr(s.target)
        self.expr(s.value)
        t = s.target.type
        if not (isinstance(t, StructType) and t.mutable):
            self.problem(s, f"stores a field into a {t!r}, not a mutable struct")
        elif not 0 <= s.index < len(t.field_types):
            self.problem(s, f"field {s.index} of {t!r} is out of range")
        elif s.value.type not in (t.field_types[s.index], Bottom):
            self.problem(s, f"stores a {s.value.type!r} into field {s.index} of {t!r}, which is "
                            f"{t.field_types[s.index]!r}")

    def setitem(self, s: ir.SetItem) -> None:
        self.expr(s.target)
        self.expr(s.value)
        t = s.target.type
        if t is None:
            return   # reported
        if not isinstance(t, ArrayType):
            self.problem(s, f"stores into a {t!r}, not an array")
            return
        # NOTE: the index is a bare TupleExpr (its own type unset): lowering reads only its elements.
        if not isinstance(s.index, ir.TupleExpr):
            self.problem(s, f"the index is a {type(s.index).__name__}, not a tuple of integers")
            return
        for i in s.index.elts:
            self.expr(i)
        if s.index.type is not None:
            self.tuple_type(s.index)
        if len(s.index.elts) != t.ndim:
            self.problem(s, f"{len(s.index.elts)} indices into {t!r}")
        for i in s.index.elts:
            if i.type is not None and i.type != Int64:
                self.problem(s, f"an index has type {i.type!r}, not Int64")
        if s.value.type is not None and s.value.type not in (t.dtype, Bottom):
            self.problem(s, f"stores a {s.value.type!r} into {t!r} without a Convert")

    # --- expressions -----------------------------------------------------------------------
    def expr(self, e) -> None:
        if isinstance(e, _UNTYPED_EXPRS):
            self.problem(e, "an untyped expression survived inference")
            return
        if not isinstance(e, ir.Expr):
            self.problem(e if isinstance(e, ir.Node) else self.fn, f"{e!r} is not an expression")
            return
        for f in ir.fields(e):   # operands first: a node's check may read their types
            value = getattr(e, f.name)
            if isinstance(value, ir.Expr):
                self.expr(value)
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, ir.Node):
                        self.expr(v)
        t = e.type
        if t is None:
            self.problem(e, "has no type")
            return
        if not isinstance(t, JType):
            self.problem(e, f"has type {t!r}, which is not a lattice type")
            return
        if not representable(t):
            self.problem(e, f"has type {t!r}, which has no machine representation")
        if any(getattr(x, "type", 0) is None for x in _operands(e)):
            return   # reported above
        check = getattr(self, f"expr_{type(e).__name__}", None)
        if check is not None:
            check(e)

    def expr_Const(self, e: ir.Const) -> None:
        t, v = e.type, e.value
        if isinstance(t, PrimitiveType):   # lowering takes int(v), float(v) or complex(v)
            if isinstance(v, (bool, np.bool_)):
                ok = t.kind in ("bool", "int", "uint")
            else:
                ok = isinstance(v, (numbers.Number, np.generic)) and (t.kind == "complex" or not isinstance(v, complex))
            if not ok:
                self.problem(e, f"the constant {v!r} is not a value of type {t!r}")
        elif isinstance(t, TupleType):
            if not isinstance(v, tuple) or len(v) != len(t.params):
                self.problem(e, f"the constant {v!r} is not a tuple of type {t!r}")

    def expr_Name(self, e: ir.Name) -> None:
        self.variable(e, e.id, e.type, "variable")
        if e.checked and e.id not in self.fn.maybe_unbound:
            self.problem(e, f"checks whether '{e.id}' is bound, but it is not in maybe_unbound")

    def expr_Convert(self, e: ir.Convert) -> None:
        if not _convertible(e.value.type, e.type):
            why = " (float to integer must be `toint`, which checks)" if (
                isinstance(e.value.type, PrimitiveType) and e.value.type.kind == "float") else ""
            self.problem(e, f"converts {e.value.type!r} to {e.type!r}, which lowering cannot{why}")

    def expr_TupleExpr(self, e: ir.TupleExpr) -> None:
        self.tuple_type(e)

    def tuple_type(self, e: ir.TupleExpr) -> None:
        expected = TupleType(tuple(x.type for x in e.elts))
        if e.type != expected:
            self.problem(e, f"has type {e.type!r}, but its elements make {expected!r}")

    def expr_GetField(self, e: ir.GetField) -> None:
        t = e.value.type
        if not isinstance(t, (TupleType, StructType)):
            self.problem(e, f"takes a field of a {t!r}, not a tuple or a struct")
            return
        fields = t.params if isinstance(t, TupleType) else t.field_types
        if not 0 <= e.index < len(fields):
            self.problem(e, f"field {e.index} of {t!r} is out of range")
        elif e.type != fields[e.index]:
            self.problem(e, f"has type {e.type!r}, but field {e.index} of {t!r} is {fields[e.index]!r}")

    def expr_New(self, e: ir.New) -> None:
        t = e.type
        if not (isinstance(t, StructType) and t.is_concrete):
            self.problem(e, f"makes a {t!r}, not a concrete struct")
        elif tuple(a.type for a in e.args) != t.field_types:
            self.problem(e, f"makes a {t!r} from values of types {[a.type for a in e.args]!r}, not its fields' "
                            f"{list(t.field_types)!r}")

    # NOTE: the branches of an IfExp and the operands of a BoolOp meet in a phi of the node's
    # type; one of type Bottom never completes, so it adds no value to the phi.
    def expr_IfExp(self, e: ir.IfExp) -> None:
        if e.test.type not in (Bool, Bottom):
            self.problem(e, f"the condition has type {e.test.type!r}, not Bool")
        for side, v in (("then", e.body), ("else", e.orelse)):
            if v.type not in (e.type, Bottom):
                self.problem(e, f"the {side} branch is a {v.type!r} in a conditional of type {e.type!r}"
                                f"{_no_convert(v)}")

    def expr_BoolOp(self, e: ir.BoolOp) -> None:
        if e.op not in ("and", "or") or len(e.values) < 2:
            self.problem(e, f"`{e.op}` of {len(e.values)} operand(s)")
        for v in e.values:
            if v.type not in (e.type, Bottom):
                self.problem(e, f"an operand is a {v.type!r} in `{e.op}` of type {e.type!r}{_no_convert(v)}")

    def expr_Compare(self, e: ir.Compare) -> None:
        if e.type != Bool:
            self.problem(e, f"has type {e.type!r}, not Bool")
        if len(e.operands) != len(e.ops) + 1 or len(e.common) != len(e.ops):
            self.problem(e, f"{len(e.ops)} operator(s), {len(e.operands)} operand(s), {len(e.common)} common type(s)")
            return
        for op, t, a, b in zip(e.ops, e.common, e.operands, e.operands[1:]):
            if op not in _COMPARE_OPS:
                self.problem(e, f"'{op}' has no lowering rule")
            if not isinstance(t, PrimitiveType):
                self.problem(e, f"'{op}' compares in {t!r}, not a number type")
                continue
            if t.kind == "complex" and op not in ("==", "!="):
                self.problem(e, f"'{op}' on complex numbers")
            for x in (a, b):
                if not (isinstance(x.type, PrimitiveType) and join_types(x.type, t) == t and _convertible(x.type, t)):
                    self.problem(e, f"an operand of '{op}' is a {x.type!r}, which does not widen to {t!r}")

    def expr_Throw(self, e: ir.Throw) -> None:
        if e.type != Bottom:
            self.problem(e, f"has type {e.type!r}, not Bottom")
        if not isinstance(e.site, int):
            self.problem(e, f"raise site {e.site!r} is not an id")
        if len(e.args) > MAX_PAYLOAD:
            self.problem(e, f"formats {len(e.args)} values into its message (at most {MAX_PAYLOAD})")
        for a in e.args:
            if not (isinstance(a.type, PrimitiveType) and a.type.kind != "complex"):
                self.problem(e, f"formats a {a.type!r} into its message (real numbers only)")

    def expr_Invoke(self, e: ir.Invoke) -> None:
        key = e.target
        argtypes, method = getattr(key, "argtypes", None), getattr(key, "method", None)
        if not isinstance(argtypes, tuple) or method is None:
            self.problem(e, f"the target {key!r} is not a specialization key")
            return
        for t in argtypes:
            if not isinstance(t, JType) or not representable(t) or t == Bottom:
                self.problem(e, f"the target {key!r} has the argument type {t!r}, which is not concrete")
        nparams = len(method.sig)
        expected = list(argtypes)
        if method.vararg is not None:
            expected = expected[:nparams] + [TupleType(tuple(argtypes[nparams:]))]
        got = [a.type for a in e.args]
        if got != expected:
            self.problem(e, f"passes arguments of types ({', '.join(map(repr, got))}) to {key!r}, "
                            f"which takes ({', '.join(map(repr, expected))})")
        if key not in self.inferred.invokes:
            self.problem(e, f"calls {key!r}, which is not in the function's invokes")
        callee = self.callees.get(key) if self.callees is not None else None
        if callee is not None and callee.fn.return_type != e.type:
            self.problem(e, f"has type {e.type!r}, but {key!r} returns {callee.fn.return_type!r}")

    def expr_Prim(self, e: ir.Prim) -> None:
        rule = _PRIMS.get(e.op)
        if rule is None:
            if e.op.startswith("math."):
                rule = _math
            elif e.op.startswith("np."):
                rule = _numpy
            elif e.op.startswith("cuda.") and e.op.count(".") == 2 and e.op.split(".")[1] in _GRID_REGISTERS:
                rule = _grid_index
        if rule is None:
            self.problem(e, f"'{e.op}' has no lowering rule")
            return
        if any(a.type == Bottom for a in e.args):
            return   # an operand never completes: the op is never run, so its rule does not apply
        message = rule(e)
        if message:
            self.problem(e, f"'{e.op}' {message}")


def _no_convert(v: ir.Expr) -> str:
    return " (no value to merge)" if v.type == Bottom else " (no Convert)"


def _operands(e: ir.Expr):
    for f in ir.fields(e):
        value = getattr(e, f.name)
        if isinstance(value, ir.Expr):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, ir.Expr))


# --- Prim signatures -------------------------------------------------------------------------
# Each returns what is wrong with a Prim of its op ('' when nothing): the operand and result
# types its lowering rule (``RULES`` of lowering/prims.py, ``ARRAY_RULES`` of lowering/arrays.py) assumes.
def _types(e) -> str:
    return f"({', '.join(repr(a.type) for a in e.args)}) -> {e.type!r}"


def _num(t, *kinds) -> bool:
    return isinstance(t, PrimitiveType) and (not kinds or t.kind in kinds)


def _uniform(n: int | None, *kinds, result=None):
    """``n`` operands (any number if None) of one numeric type, the result's unless given."""
    def rule(e):
        if n is not None and len(e.args) != n:
            return f"takes {n} operand(s), got {len(e.args)}"
        if not e.args:
            return "has no operands"
        t = e.args[0].type
        want = result if result is not None else t
        if not _num(t, *kinds) or any(a.type != t for a in e.args) or e.type != want:
            return f"has operands and result {_types(e)}, which its rule does not take"
        return ""
    return rule


def _signature(args, result):
    """Exactly these operand types and result type."""
    def rule(e):
        if tuple(a.type for a in e.args) != tuple(args) or e.type != result:
            return f"is {_types(e)}, not ({', '.join(map(repr, args))}) -> {result!r}"
        return ""
    return rule


_INT, _FLOAT, _COMPLEX = ("int", "uint", "bool"), ("float",), ("complex",)
_NUMBER = ("int", "uint", "bool", "float", "complex")


def _shift(e):
    if len(e.args) != 2 or not _num(e.args[0].type, "int", "uint") or e.args[1].type != Int64 \
            or e.type != e.args[0].type:
        return f"is {_types(e)}: shifts take an integer and an Int64 count"
    return ""


def _part(e):
    if len(e.args) != 1 or not _num(e.args[0].type, *_COMPLEX):
        return f"is {_types(e)}: it takes one complex number"
    want = Float64 if e.args[0].type == Complex128 else Float32
    return "" if e.type == want else f"is {_types(e)}, not a {want!r}"


def _cabs(e):
    return _part(e)


def _ne(e):
    if len(e.args) != 2 or not _num(e.args[0].type) or e.args[0].type != e.args[1].type or e.type != Bool:
        return f"is {_types(e)}: it compares two numbers of one type to a Bool"
    return ""


def _divmod(e):
    if len(e.args) != 2 or not _num(e.args[0].type, "int", "uint", "float") or e.args[0].type != e.args[1].type \
            or e.type != TupleType((e.args[0].type,) * 2):
        return f"is {_types(e)}: it takes two numbers of one type to a pair of them"
    return ""


def _float_to(result):
    def rule(e):
        if len(e.args) != 1 or not _num(e.args[0].type, *_FLOAT) or e.type != result:
            return f"is {_types(e)}, not (float) -> {result!r}"
        return ""
    return rule


def _round_int_digits(e):
    if len(e.args) != 2 or not _num(e.args[0].type, "int", "uint") or e.args[1].type != e.args[0].type \
            or e.type != e.args[0].type:
        return f"is {_types(e)}: it takes an integer and digits of its type"
    return ""


def _math(e):
    if not e.args or any(a.type != Float64 for a in e.args) or e.type != Float64:
        return f"is {_types(e)}: math functions take and return Float64"
    return ""


_GRID_REGISTERS = frozenset({"tid", "ctaid", "ntid", "nctaid"})


def _grid_index(e):
    if e.args or e.type != Int64 or e.op.split(".")[2] not in ("x", "y", "z"):
        return f"is {_types(e)}: a grid index reads one axis, as an Int64"
    return ""


def _index_of(e, first: int = 1) -> str:
    """The indices ``e.args[first:]``: Int64 each."""
    return "" if all(a.type == Int64 for a in e.args[first:]) else f"has indices {_types(e)} that are not Int64"


def _array(e, i: int = 0):
    return e.args[i].type if len(e.args) > i and isinstance(e.args[i].type, ArrayType) else None


def _getitem(e):
    t = _array(e)
    if t is None or len(e.args) - 1 != t.ndim or e.type != t.dtype:
        return f"is {_types(e)}: it reads one element at one index per axis"
    return _index_of(e)


def _flat(e):
    t = _array(e)
    if t is None or len(e.args) != 2 or e.args[1].type != Int64 or e.type != t.dtype:
        return f"is {_types(e)}: it reads the element at one Int64 flat index"
    return None


def _view(e):
    from .array_calls import NEWAXIS, SLICE
    t = _array(e)
    indexed = sum(a.type != NEWAXIS for a in e.args[1:])
    if t is None or len(e.args) < 2 or indexed > t.ndim or not isinstance(e.type, ArrayType) \
            or e.type.dtype != t.dtype:
        return f"is {_types(e)}: it views an array of the same element type"
    if any(a.type not in (Int64, SLICE, NEWAXIS) for a in e.args[1:]):
        return f"has parts {_types(e)} that are neither Int64, slices nor new axes"
    return ""


def _slice(e):
    from .array_calls import SLICE
    if len(e.args) != 3 or any(a.type not in (Int64, SLICE) for a in e.args) or e.type != SLICE:
        return f"is {_types(e)}: a slice has three parts, each Int64 or absent"
    return ""


def _shape(e):
    t = _array(e)
    if t is None or len(e.args) != 1 or e.type != TupleType((Int64,) * t.ndim):
        return f"is {_types(e)}: an array's shape is a tuple of Int64"
    return ""


def _size(e):
    return "" if _array(e) is not None and len(e.args) == 1 and e.type == Int64 else f"is {_types(e)}"


def _same_elements(e):
    """``transpose``, ``copy``: an array to an array of its element type and rank."""
    t = _array(e)
    if t is None or len(e.args) != 1 or not isinstance(e.type, ArrayType) or \
            (e.type.dtype, e.type.ndim) != (t.dtype, t.ndim):
        return f"is {_types(e)}: the result has the array's element type and rank"
    return ""


def _allocation(e):
    if not isinstance(e.type, ArrayType) or len(e.args) != e.type.ndim:
        return f"is {_types(e)}: a new array takes one Int64 extent per axis"
    return _index_of(e, 0)


def _fill(e):
    t = _array(e)
    if t is None or len(e.args) != 2 or e.args[1].type != t.dtype or e.type != Nothing:
        return f"is {_types(e)}: it stores one element of the array's type"
    return ""


def _filled(e):
    t = _array(e)
    if t is None or len(e.args) != 2 or e.args[1].type != t.dtype or e.type != t:
        return f"is {_types(e)}: it fills a new array with an element of its type"
    return ""


def _arange(e):
    if len(e.args) != 3 or e.args[0].type not in (Int64, Float64) or any(a.type != e.args[0].type for a in e.args) \
            or not (isinstance(e.type, ArrayType) and e.type.ndim == 1):
        return f"is {_types(e)}: it takes start, stop, step of one type (Int64 or Float64) to a vector"
    return ""


def _shared_array(e):
    if not isinstance(e.type, ArrayType) or len(e.args) != e.type.ndim or \
            not all(isinstance(a, ir.Const) and a.type == Int64 for a in e.args):
        return f"is {_types(e)}: a shared array has constant Int64 extents"
    return ""


def _atomic(e):
    t = _array(e)
    if t is None or len(e.args) != t.ndim + 2 or e.args[-1].type != t.dtype or e.type != t.dtype:
        return f"is {_types(e)}: it updates one element at one index per axis"
    return "" if all(a.type == Int64 for a in e.args[1:-1]) else f"has indices {_types(e)} that are not Int64"


def _unreachable(e):
    return "" if e.type == Bottom else f"is {_types(e)}, not Bottom"


def _print(e):
    """The call site's printer (a Python object), then the values: anything that boxes."""
    ok = e.args and isinstance(e.args[0].type, PyObjectType) and e.type == Nothing
    return "" if ok else f"is {_types(e)}, not (printer, values...) -> Nothing"


def _syncthreads(e):
    return "" if not e.args and e.type == Nothing else f"is {_types(e)}, not () -> Nothing"


def _setflat(e):
    t = _array(e)
    if t is None or t.layout not in ("C", "F") or len(e.args) != 3 or e.args[1].type != Int64 \
            or e.args[2].type != t.dtype or e.type != Nothing:
        return f"is {_types(e)}: it stores an element of a contiguous array's type at one Int64 flat index"
    return ""


def _broadcast_view(e):
    t = _array(e)
    shape = e.args[1].type if len(e.args) == 2 else None
    if t is None or not isinstance(shape, TupleType) or any(p != Int64 for p in shape.params) \
            or e.type != ArrayType(t.dtype, len(shape.params), "A") or len(shape.params) < t.ndim:
        return f"is {_types(e)}: it views an array at a shape of at least its rank, with any strides"
    return ""


def _reshaped_view(layout: str, nargs: int):
    """``strided_view`` (shape, byte strides, byte offset) and ``contiguous_view`` (shape): an
    array to an array of its element type with the shape's rank."""
    def rule(e):
        t = _array(e)
        shape = e.args[1].type if len(e.args) == nargs else None
        if t is None or not isinstance(shape, TupleType) or any(p != Int64 for p in shape.params) \
                or e.type != ArrayType(t.dtype, len(shape.params), layout) \
                or any(a.type != TupleType((Int64,) * len(shape.params)) for a in e.args[2:3]) \
                or any(a.type != Int64 for a in e.args[3:]):
            return f"is {_types(e)}: it views an array at a shape of Int64 extents"
        return ""
    return rule


def _unsafe_alias(e):
    if len(e.args) != 2 or not all(isinstance(a.type, ArrayType) for a in e.args) or e.type != Bool:
        return f"is {_types(e)}, not (array, array) -> Bool"
    return ""


def _is_writeable(e):
    if len(e.args) != 1 or not isinstance(e.args[0].type, ArrayType) or e.type != Bool:
        return f"is {_types(e)}, not (array) -> Bool"
    return ""


def _numpy(e):
    """NumPy's element functions: numbers of one type to that type (integers only divide; the
    C library's complex functions of Complex128 only)."""
    name = e.op.removeprefix("np.")
    if name in ("floor_divide", "remainder"):
        return _uniform(None, "int", "uint", "float")(e)
    if name == "true_divide":
        return _uniform(None, "float", "complex")(e)
    if e.type == Complex128 and "c" + _LIBM_NAMES.get(name, name) in LIBM_COMPLEX:
        return _uniform(None, "complex")(e)
    return _uniform(None, "float")(e)


_LIBM_NAMES = {"power": "pow"}   # NumPy's name to the C library's (lowering.prims._np_math)


def _min_max(e):
    return _uniform(None, "int", "uint", "bool", "float")(e) if len(e.args) >= 2 else "takes at least two operands"


_PRIMS = {
    "add": _uniform(2, *_NUMBER), "sub": _uniform(2, *_NUMBER), "mul": _uniform(2, *_NUMBER),
    "truediv": _uniform(2, "float", "complex"), "floordiv": _uniform(2, "int", "uint", "float"),
    "mod": _uniform(2, "int", "uint", "float"), "pow": _uniform(2, "int", "uint", "float"),
    "divmod": _divmod, "shl": _shift, "shr": _shift,
    "and": _uniform(2, *_INT), "or": _uniform(2, *_INT), "xor": _uniform(2, *_INT),
    "invert": _uniform(1, "int", "uint"), "neg": _uniform(1, "int", "uint", "float", "complex"),
    "not": _signature((Bool,), Bool), "ne": _ne, "real": _part, "imag": _part, "conj": _uniform(1, *_COMPLEX),
    "complex": _signature((Float64, Float64), Complex128),
    "abs": _uniform(1, "int", "uint"), "fabs": _uniform(1, *_FLOAT), "cabs": _cabs,
    "min": _min_max, "max": _min_max,
    "toint": _float_to(Int64), "round_int": _float_to(Int64), "round_digits": _signature((Float64, Int64), Float64),
    "round_int_digits": _round_int_digits,
    "isnan": _float_to(Bool), "isinf": _float_to(Bool), "isfinite": _float_to(Bool),
    "unreachable": _unreachable, "print": _print,
    "uint_index": _signature((UInt64,), Int64),
    "getitem": _getitem, "at": _getitem, "flat": _flat, "setflat": _setflat, "broadcast_view": _broadcast_view,
    "strided_view": _reshaped_view("A", 4), "contiguous_view": _reshaped_view("C", 2), "strides": _shape,
    "unsafe_alias": _unsafe_alias, "is_writeable": _is_writeable, "slice": _slice, "view": _view, "shape": _shape, "size": _size,
    "transpose": _same_elements, "copy": _same_elements, "empty": _allocation, "zeros": _allocation,
    "fill": _fill, "filled": _filled, "arange": _arange,
    "cuda.shared.array": _shared_array, "cuda.atomic.add": _atomic, "cuda.atomic.max": _atomic,
    "cuda.atomic.min": _atomic, "cuda.syncthreads": _syncthreads,
}
