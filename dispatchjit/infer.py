"""Type inference: the untyped IR of one method, specialized on concrete argument types, to the
typed IR.

Abstract interpretation over types, flow-insensitive per variable as in Julia's lowering of
``x = ...`` to one slot: each variable has the one type all its assignments join to (numbers
promote, ``Int64`` and ``Float64`` give ``Float64``); the body is walked until the variable types
and the return type stop changing, and the last walk's tree is the result. Calls to generic
functions are resolved through the same method table Python calls use, against the inferred
argument types, and become ``Invoke`` nodes; their return types come from the inference session
(``driver``), which iterates recursive cycles to a fixed point.
"""

from __future__ import annotations

import builtins
import math
import operator
import typing
from dataclasses import dataclass, field

import numpy as np

from .runtime import printing
from .runtime.exceptions import MAX_PAYLOAD, register_site

from . import array_calls, ir, library, numpy_calls, struct_calls
from . import kernel_lang
from .array_intrinsics import cold_range  # (importing it registers the array library's intrinsics)
from .builtin_calls import BUILTINS, convert_call
from .closures import closure_type
from .keyword_calls import keyword_call
from .definite import mark_unbound_reads
from .errors import AmbiguityError, InternalCompilerError, MethodError, SourceLoc, TypingError
from .spec import SpecKey
from .state import Edge
from .lattice import (Any, ArrayType, Bool, Bottom, Boxed, Complex128, Float32, Float64, FunctionType, Int64, JType,
                    Literal, Nothing, PrimitiveType, PyObjectType, SingletonType, StructType, TupleType, TypeType,
                    Number, Val, ValType, is_lazy, join_types, typeof)
from .subtype import issubtype

__all__ = ["SpecKey", "InferredFunction", "infer_function"]

_MAX_PASSES = 50


@dataclass(slots=True)
class InferredFunction:
    """The typed body of a specialization and what it depends on: ``edges`` holds an ``Edge``
    for each generic call it makes (callee, argument types, the method it resolved to), which is
    what invalidation re-checks when a method is added; ``globals_read`` the module globals its
    code took as constants (the on-disk cache checks them when it loads the code)."""

    key: SpecKey
    fn: ir.Function
    invokes: set[SpecKey] = field(default_factory=set)
    edges: set[Edge] = field(default_factory=set)
    globals_read: set[str] = field(default_factory=set)   # module globals read (as constants)


class Context(typing.Protocol):
    def return_type(self, key: SpecKey) -> JType: ...
    def resolve(self, func, argtypes: tuple[JType, ...]) -> tuple[typing.Any, dict]: ...


def infer_function(key: SpecKey, fn: ir.Function, env: dict, ctx: Context) -> InferredFunction:
    return _Inferrer(key, fn, env, ctx).run()


_ARITH = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod",
          "**": "pow", "&": "and", "|": "or", "^": "xor", "<<": "shl", ">>": "shr"}
_CMP = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
_BIT_OPS = {"&", "|", "^"}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}


def _is_num(t: JType) -> bool:
    return isinstance(t, PrimitiveType)


def _is_int(t: JType) -> bool:
    return isinstance(t, PrimitiveType) and t.kind in ("int", "uint", "bool")


def _arith_type(a: PrimitiveType, b: PrimitiveType) -> PrimitiveType:
    # Python: arithmetic on two bools is integer arithmetic (True + True == 2).
    if a == Bool and b == Bool:
        return Int64
    return join_types(a, b)


class _Inferrer:
    def __init__(self, key: SpecKey, fn: ir.Function, env: dict, ctx: Context):
        self.key, self.fn, self.env, self.ctx = key, fn, env, ctx
        scope = getattr(key.method.func, "__dispatchjit_scope__", key.method.func)   # a closure's: its definer
        self.globals = scope.__globals__
        self.closure = _closure(scope)
        self.typevars = {tv.name: tv for tv in env}
        self.vars: dict[str, JType] = dict(zip(fn.params, key.argtypes))
        if fn.vararg is not None:
            self.vars[fn.vararg] = TupleType(key.argtypes[len(fn.params):])
        self.assigned = ir.assigned_names(fn.body) | set(self.vars)
        self.sites: dict[str, list[tuple[JType, SourceLoc]]] = {}
        self.ret: JType = Bottom
        self.result = InferredFunction(key, fn)
        # In an ordinary function an array expression is computed where its value is used; a
        # lazy one (the array library's) passes its Broadcasteds on as they are.
        self.eager = not getattr(key.method.func, "__dispatchjit_options__", {}).get("lazy")

    # --- driver --------------------------------------------------------------------------
    def run(self) -> InferredFunction:
        for _ in range(_MAX_PASSES):
            before, ret_before = dict(self.vars), self.ret
            self.returns: list[tuple[JType, SourceLoc]] = []
            self.result.invokes, self.result.edges, self.result.globals_read = set(), set(), set()
            body = self.block(self.fn.body)
            if not _terminates(body):
                self.returns.append((Nothing, self._end_loc()))
                body = body + (ir.Return(self.convert(ir.Const(None, type=Nothing, loc=self._end_loc()),
                                                      self.ret), loc=self._end_loc()),)
            self.ret = self._join_returns()
            if self.vars == before and self.ret == ret_before:
                locals_ = tuple(sorted((k, v) for k, v in self.vars.items()))
                self.result.fn = mark_unbound_reads(ir.replace(self.fn, body=body, locals=locals_, return_type=self.ret))
                return self.result
        raise InternalCompilerError("type inference did not converge", self.fn.loc)

    def _end_loc(self) -> SourceLoc:
        return self.fn.loc

    def _join_returns(self) -> JType:
        result: JType = Bottom
        for t, loc in self.returns:
            joined = self.join(result, t)
            if joined is None:
                raise TypingError(
                    f"{self.fn.name} returns values of types that cannot merge: {_show_sites(self.returns)}",
                    loc, hint="return one type on every path (Julia would return a Union here)")
            result = joined
        return result

    # --- statements ----------------------------------------------------------------------
    def block(self, stmts) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for k, s in enumerate(stmts):
            typed = self.stmt(s)
            out.extend(typed if isinstance(typed, list) else (typed,))
            if _terminates(out) and k + 1 < len(stmts):
                # What follows is never reached (after a return, or a branch the types decided):
                # it is not typed; its variables stay declared without a value.
                self.declare_unassigned(stmts[k + 1:])
                break
        return tuple(out)

    def declare_unassigned(self, stmts) -> None:
        for name in ir.assigned_names(stmts):
            self.vars.setdefault(name, Bottom)

    def stmt(self, s: ir.Stmt) -> ir.Stmt:
        method = getattr(self, f"stmt_{type(s).__name__}")
        return method(s)

    def stmt_Assign(self, s: ir.Assign):
        value = self.expr(s.value)
        return ir.Assign(s.target, self.convert(value, self.bind(s.target, value.type, s.loc)), loc=s.loc)

    def bind(self, name: str, t: JType, loc: SourceLoc) -> JType:
        """Join ``t`` into variable ``name``'s type; unmergeable assignments name both lines."""
        sites = self.sites.setdefault(name, [])
        if all(tt != t for tt, _ in sites):
            sites.append((t, loc))
        current = self.vars.get(name, Bottom)
        joined = self.join(current, t)
        if joined is None:
            what = "variable" if not name.startswith("$") else "value"
            raise TypingError(f"{what} '{name}' is assigned values of types that cannot merge: "
                              f"{_show_sites(sites)}", loc,
                              hint="use a new variable name for the value of the other type")
        self.vars[name] = joined
        return joined

    def stmt_SetItem(self, s: ir.SetItem):
        return array_calls.setitem(self, s)

    def stmt_SetAttr(self, s: ir.SetAttr):
        return struct_calls.set_attribute(self, s)

    def stmt_ExprStmt(self, s):
        return ir.ExprStmt(self.expr(s.value), loc=s.loc)

    def stmt_If(self, s):
        test = self.truth(self.expr(s.test))
        if isinstance(test, ir.Const) and _decided_by_types(s.test) and isinstance(test.value, bool):
            # A test decided by the types alone (``T is Bottom``): only the branch taken is typed,
            # so the other may do what these types cannot (Julia's inference prunes it too). Its
            # variables stay declared, without a value: reading one raises UnboundLocalError.
            self.declare_unassigned(s.orelse if test.value else s.body)
            return list(self.block(s.body if test.value else s.orelse))
        return ir.If(test, self.block(s.body), self.block(s.orelse), loc=s.loc)

    def stmt_While(self, s):
        return ir.While(self.truth(self.expr(s.test)), self.block(s.body), loc=s.loc)

    def stmt_For(self, s: ir.For):
        it = s.iter
        if isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and self._is_builtin(it.func, range):
            return self.for_range(s, it)
        if isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and self._is_builtin(it.func, cold_range):
            return ir.replace(self.for_range(s, it), cold=True)
        helper = self._iteration_helper(it)
        if helper is not None:
            return helper(s, it)
        iterable = self.expr(it)
        if isinstance(iterable.type, ArrayType):
            return self.for_array(s, iterable)
        if isinstance(iterable.type, TupleType):
            return self.for_tuple(s, iterable)
        raise TypingError(f"cannot iterate over {_src(it)} of type {iterable.type}: compiled "
                          "for loops iterate over range(...), arrays and tuples", it.loc)

    # --- enumerate, zip and reversed: loops rewritten to the loops above ---------------------
    def _iteration_helper(self, it: ir.Expr):
        if not (isinstance(it, ir.Call) and isinstance(it.func, ir.Name)):
            return None
        for fn, helper in ((enumerate, self.for_enumerate), (zip, self.for_zip), (reversed, self.for_reversed)):
            if self._is_builtin(it.func, fn):
                return helper
        return None

    def hold(self, value: ir.Expr, what: str) -> tuple[ir.Name, ir.Assign]:
        """A temporary for the typed ``value`` and the assignment to run first, so a rewritten
        loop evaluates it once."""
        loc = value.loc
        name = f"${what}{loc.line}.{loc.col}"
        self.assigned.add(name)
        self.bind(name, value.type, loc)
        return ir.Name(name, loc=loc), ir.Assign(name, value, loc=loc)

    def holding(self, values: list[ir.Expr], what: str) -> tuple[list[ir.Name], list[ir.Stmt]]:
        held = [self.hold(v, what) for v in values]
        return [name for name, _ in held], [assign for _, assign in held]

    def for_enumerate(self, s: ir.For, call: ir.Call) -> list[ir.Stmt]:
        """``for i, v in enumerate(it, start)``: a counter beside the loop over ``it`` (counted
        first in each trip, so ``continue`` keeps it right)."""
        args = dict(zip(("iterable", "start"), call.args)) | dict(call.kwargs)
        if "iterable" not in args or set(args) - {"iterable", "start"}:
            raise TypingError("enumerate takes an iterable and an optional start", call.loc)
        loc = s.loc
        count = f"$count{loc.line}.{loc.col}"
        self.assigned.add(count)
        start = args.get("start", ir.Const(0, loc=loc))
        element = f"$item{loc.line}.{loc.col}"
        self.assigned.add(element)
        one = ir.Const(1, loc=loc)
        body = (ir.Assign(count, ir.BinOp("+", ir.Name(count, loc=loc), one, loc=loc), loc=loc),
                ir.Assign(s.target, ir.TupleExpr((ir.Name(count, loc=loc), ir.Name(element, loc=loc)), loc=loc),
                          loc=loc), *s.body)
        return list(self.block([ir.Assign(count, ir.BinOp("-", start, one, loc=loc), loc=loc),
                                ir.For(element, args["iterable"], body, loc=loc)]))

    def for_zip(self, s: ir.For, call: ir.Call) -> list[ir.Stmt]:
        """``for a, b in zip(x, y)``: over tuples, a loop over the tuple of their element tuples
        (unrolled, the shortest deciding); over arrays, a counted loop to the shortest length."""
        if call.kwargs or not call.args:
            raise TypingError("zip in compiled code takes one or more tuples or arrays, and no keywords", call.loc)
        loc = s.loc
        parts, held = self.holding([self.expr(a) for a in call.args], "zip")
        types = [self.vars[p.id] for p in parts]
        if all(isinstance(t, TupleType) for t in types):
            n = min(len(t.params) for t in types)
            rows = tuple(ir.TupleExpr(tuple(ir.Index(p, ir.Const(k, loc=loc), loc=loc) for p in parts), loc=loc)
                         for k in range(n))
            return held + list(self.block([ir.For(s.target, ir.TupleExpr(rows, loc=loc), s.body, loc=loc)]))
        if all(isinstance(t, ArrayType) for t in types):
            k = f"$k{loc.line}.{loc.col}"
            self.assigned.add(k)
            length = ir.Call(ir.Const(min), tuple(ir.Call(ir.Const(len), (p,), loc=loc) for p in parts), loc=loc) \
                if len(parts) > 1 else ir.Call(ir.Const(len), (parts[0],), loc=loc)
            row = ir.TupleExpr(tuple(ir.Index(p, ir.Name(k, loc=loc), loc=loc) for p in parts), loc=loc)
            body = (ir.Assign(s.target, row, loc=loc), *s.body)
            return held + self.counted(k, length, body, loc)
        shown = ", ".join(map(repr, types))
        raise TypingError(f"zip in compiled code takes tuples or arrays (all of one kind), not {shown}", call.loc)

    def counted(self, k: str, stop: ir.Expr, body, loc) -> list[ir.Stmt]:
        """``for k in range(stop): body`` (untyped ``stop`` and ``body``), typed."""
        stop = self.convert(self.expr(stop), Int64)
        self.bind(k, Int64, loc)
        zero, one = ir.Const(0, type=Int64, loc=loc), ir.Const(1, type=Int64, loc=loc)
        return [ir.ForRange(k, zero, stop, one, self.block(body), loc=loc)]

    def for_reversed(self, s: ir.For, call: ir.Call) -> list[ir.Stmt]:
        """``for v in reversed(x)``: a tuple's elements last first (unrolled), an array's first
        axis from the end, a ``range`` from its last value down."""
        if len(call.args) != 1 or call.kwargs:
            raise TypingError("reversed takes one argument", call.loc)
        loc, (arg,) = s.loc, call.args
        if isinstance(arg, ir.Call) and isinstance(arg.func, ir.Name) and self._is_builtin(arg.func, range):
            return self.for_reversed_range(s, arg)
        (seq,), held = self.holding([self.expr(arg)], "rev")
        t = self.vars[seq.id]
        if isinstance(t, TupleType):
            items = tuple(ir.Index(seq, ir.Const(k, loc=loc), loc=loc) for k in reversed(range(len(t.params))))
            return held + list(self.block([ir.For(s.target, ir.TupleExpr(items, loc=loc), s.body, loc=loc)]))
        if isinstance(t, ArrayType):
            k = f"$k{loc.line}.{loc.col}"
            self.assigned.add(k)
            last = ir.BinOp("-", ir.BinOp("-", ir.Call(ir.Const(len), (seq,), loc=loc), ir.Const(1, loc=loc), loc=loc),
                            ir.Name(k, loc=loc), loc=loc)
            body = (ir.Assign(s.target, ir.Index(seq, last, loc=loc), loc=loc), *s.body)
            return held + self.counted(k, ir.Call(ir.Const(len), (seq,), loc=loc), body, loc)
        raise TypingError(f"reversed in compiled code takes a tuple, an array or a range, not {t}", call.loc)

    def for_reversed_range(self, s: ir.For, call: ir.Call) -> list[ir.Stmt]:
        """``reversed(range(start, stop, step))``: ``n`` trips, the value ``start + (n - 1 - k) * step``
        at trip ``k``, ``n`` being the range's length (Python's)."""
        if not 1 <= len(call.args) <= 3:
            raise TypingError(f"range expects 1 to 3 arguments, got {len(call.args)}", call.loc)
        loc = s.loc
        c = lambda v: ir.Const(v, loc=loc)  # noqa: E731
        args, held = self.holding([self.convert(self._range_arg(a), Int64) for a in call.args], "range")
        start, stop, step = (c(0), args[0], c(1)) if len(args) == 1 else \
            (args[0], args[1], args[2] if len(args) == 3 else c(1))
        k, n = f"$k{loc.line}.{loc.col}", f"$n{loc.line}.{loc.col}"
        self.assigned |= {k, n}
        sign = ir.IfExp(ir.Compare((">",), (step, c(0)), loc=loc), c(1), c(-1), loc=loc)
        trips = ir.BinOp("//", ir.BinOp("-", ir.BinOp("+", ir.BinOp("-", stop, start, loc=loc), step, loc=loc), sign,
                                        loc=loc), step, loc=loc)
        zero_step = ir.If(ir.Compare(("==",), (step, c(0)), loc=loc),
                          (ir.Raise(c(ValueError), c("range() arg 3 must not be zero"), loc=loc),), (), loc=loc)
        value = ir.BinOp("+", start, ir.BinOp("*", ir.BinOp("-", ir.BinOp("-", ir.Name(n, loc=loc), c(1), loc=loc),
                                                            ir.Name(k, loc=loc), loc=loc), step, loc=loc), loc=loc)
        body = (ir.Assign(s.target, value, loc=loc), *s.body)
        setup = list(self.block([zero_step, ir.Assign(n, ir.Call(ir.Const(max), (trips, c(0)), loc=loc), loc=loc)]))
        return held + setup + self.counted(k, ir.Name(n, loc=loc), body, loc)

    def _range_arg(self, a: ir.Expr) -> ir.Expr:
        typed = self.expr(a)
        if not _is_int(typed.type):
            raise TypingError(f"range arguments must be integers; {_src(a)} is {typed.type}", a.loc)
        return typed

    def for_tuple(self, s: ir.For, iterable: ir.Expr) -> list[ir.Stmt]:
        """``for v in t`` over a tuple, unrolled: one copy of the body per element, each with its
        own ``v``, so elements of different types (a tuple of shapes) each get their own typed
        body and calls resolved for them. Each copy is a one-trip loop (``continue`` goes on to
        the next element); ``break`` also sets a flag that skips the copies after it."""
        loc = s.loc
        tag = f"{loc.line}.{loc.col}"
        held, broke, once = f"$tuple{tag}", f"$broke{tag}", f"$once{tag}"
        t = iterable.type
        names = [f"{s.target}@{i}" for i in range(len(t.params))]
        self.assigned |= {held, broke, once, *names}
        for name, tt in ((held, t), (broke, Bool), (once, Int64)):
            self.bind(name, tt, loc)
        body = _flag_breaks(s.body, broke)
        zero, one = ir.Const(0, type=Int64, loc=loc), ir.Const(1, type=Int64, loc=loc)
        out: list[ir.Stmt] = [ir.Assign(held, iterable, loc=loc),
                              ir.Assign(broke, ir.Const(False, type=Bool, loc=loc), loc=loc)]
        for i, name in enumerate(names):
            element = self.getfield(ir.Name(held, type=t, loc=loc), i, loc)
            copy = (ir.Assign(name, self.convert(element, self.bind(name, element.type, loc)), loc=loc),
                    *self.block(ir.rename(body, s.target, name)))
            step = ir.ForRange(once, zero, one, one, copy, loc=loc)
            going = ir.Prim("not", (ir.Name(broke, type=Bool, loc=loc),), type=Bool, loc=loc)
            out.append(step if i == 0 else ir.If(going, (step,), (), loc=loc))
        return out

    def for_array(self, s: ir.For, iterable: ir.Expr) -> list[ir.Stmt]:
        """``for v in x``: over the first axis (elements of a vector, row views of a matrix)."""
        loc = s.loc
        held, k = f"$iter{loc.line}.{loc.col}", f"$k{loc.line}.{loc.col}"
        self.assigned |= {held, k}
        self.bind(held, iterable.type, loc)
        self.bind(k, Int64, loc)
        array = ir.Name(held, type=iterable.type, loc=loc)
        element = array_calls.index(self, array, ir.Name(k, loc=loc), loc)
        body = (ir.Assign(s.target, self.convert(element, self.bind(s.target, element.type, loc)), loc=loc),
                *self.block(s.body))
        zero, one = ir.Const(0, type=Int64, loc=loc), ir.Const(1, type=Int64, loc=loc)
        return [ir.Assign(held, iterable, loc=loc),
                ir.ForRange(k, zero, array_calls.length(array, loc), one, body, loc=loc)]

    def for_range(self, s: ir.For, call: ir.Call):
        args = [self.expr(a) for a in call.args]
        if not 1 <= len(args) <= 3:
            raise TypingError(f"range expects 1 to 3 arguments, got {len(args)}", call.loc)
        for a in args:
            if not _is_int(a.type):
                raise TypingError(f"range arguments must be integers; {_src(a)} is {a.type}", a.loc)
        args = [self.convert(a, Int64) for a in args]
        one = ir.Const(1, type=Int64, loc=call.loc)
        start, stop, step = ((ir.Const(0, type=Int64, loc=call.loc), args[0], one) if len(args) == 1
                             else (args[0], args[1], args[2] if len(args) == 3 else one))
        self.bind(s.target, Int64, s.loc)
        return ir.ForRange(s.target, start, stop, step, self.block(s.body), loc=s.loc)

    def stmt_Break(self, s):
        return s

    def stmt_Continue(self, s):
        return s

    def stmt_Return(self, s: ir.Return):
        value = self.expr(s.value) if s.value is not None else ir.Const(None, type=Nothing, loc=s.loc)
        self.returns.append((value.type, s.loc))
        return ir.Return(self.convert(value, self.ret), loc=s.loc)

    def stmt_Raise(self, s: ir.Raise):
        exc = self.expr(s.exc)
        cls = exc.value if isinstance(exc, ir.Const) else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise TypingError(f"can only raise an exception class (e.g. ValueError(\"...\")), not {_src(s.exc)}",
                              s.exc.loc)
        template, args = self.message(s.message) if s.message is not None else (None, ())
        return ir.ExprStmt(self.throw(cls, template, s.loc, args), loc=s.loc)

    def message(self, m: ir.Expr) -> tuple[str, tuple[ir.Expr, ...]]:
        """An exception message: a string, an f-string of numbers, or a number."""
        parts = m.args if isinstance(m, ir.Call) and isinstance(m.func, ir.Name) and m.func.id == "$format" else (m,)
        template, args = [], []
        for p in parts:
            if isinstance(p, ir.Const) and isinstance(p.value, str):
                template.append(p.value.replace("{", "{{").replace("}", "}}"))
                continue
            v = self.expr(p)
            if not _is_num(v.type) or v.type.kind == "complex":
                raise TypingError(f"exception messages may format numbers only; {_src(p)} is {v.type}", p.loc)
            template.append(f"{{{len(args)}}}")
            args.append(v)
        if len(args) > MAX_PAYLOAD:
            raise TypingError(f"an exception message may format at most {MAX_PAYLOAD} values", m.loc)
        return "".join(template), tuple(args)

    def throw(self, cls: type, template: str | None, loc: SourceLoc, args=()) -> ir.Throw:
        kinds = tuple({"int": "i", "uint": "u", "bool": "b", "float": "f"}[a.type.kind] for a in args)
        site = register_site(cls, template, loc, kinds)
        return ir.Throw(site, tuple(args), type=Bottom, loc=loc)

    # --- expressions ---------------------------------------------------------------------
    def expr(self, e: ir.Expr) -> ir.Expr:
        """``e`` typed where its value is used: an array expression is computed (materialized)."""
        v = self.operand(e)
        return self.materialize(v) if self.eager and is_lazy(v.type) else v

    def operand(self, e: ir.Expr) -> ir.Expr:
        """``e`` typed as the operand of an elementwise operation: an array expression stays a
        lazy Broadcasted, to fuse into the operation's loop."""
        return getattr(self, f"expr_{type(e).__name__}")(e)

    def materialize(self, v: ir.Expr) -> ir.Expr:
        return self.invoke(library.named("materialize"), (v,), v.loc) if is_lazy(v.type) else v

    def expr_Const(self, e: ir.Const):
        if isinstance(e.value, str):
            raise TypingError(f"strings are not supported in compiled code ({e.value!r})", e.loc)
        try:
            return ir.replace(e, type=typeof(e.value))
        except OverflowError as err:
            raise TypingError(str(err), e.loc) from None

    def expr_Name(self, e: ir.Name):
        if e.id in self.assigned:
            return ir.replace(e, type=self.vars.get(e.id, Bottom))
        return self.global_value(e)

    def global_value(self, e: ir.Name) -> ir.Const:
        """A free name is read when the function is compiled, as a constant (as in Numba)."""
        if e.id in self.closure:
            value = self.closure[e.id]
        elif e.id in self.globals:
            value = self.globals[e.id]
            self.result.globals_read.add(e.id)
        elif hasattr(builtins, e.id):
            value = getattr(builtins, e.id)
        else:
            raise TypingError(f"name '{e.id}' is not defined", e.loc)
        if isinstance(value, typing.TypeVar):
            bound = self._typevar_value(value, e.loc)
            if isinstance(bound, Literal):  # Val[N]: N is the value itself
                return self.const(bound.value, e.loc)
            return ir.Const(bound, type=TypeType(bound), loc=e.loc)
        return self.const(value, e.loc)

    def _typevar_value(self, tv: typing.TypeVar, loc) -> JType:
        ours = self.typevars.get(tv.__name__)
        if ours is None:
            raise TypingError(f"type variable {tv.__name__} is not a parameter type of this method", loc)
        return self.env[ours]

    def const(self, value, loc: SourceLoc) -> ir.Const:
        try:
            t = typeof(value)
        except (OverflowError, TypeError) as err:
            raise TypingError(str(err), loc) from None
        return ir.Const(value, type=t, loc=loc)

    def _is_builtin(self, e: ir.Expr, fn) -> bool:
        return isinstance(e, ir.Name) and e.id not in self.assigned and self.global_value(e).value is fn

    def expr_Attr(self, e: ir.Attr):
        base = self.expr(e.value)
        if isinstance(base, ir.Const) and isinstance(base.value, (type(math), kernel_lang.Namespace)):
            if not hasattr(base.value, e.attr):
                raise TypingError(f"module '{base.value.__name__}' has no attribute '{e.attr}'", e.loc)
            return self.const(getattr(base.value, e.attr), e.loc)
        if isinstance(base, ir.Const) and isinstance(base.value, kernel_lang.GridIndex):
            if e.attr not in ("x", "y", "z"):
                raise TypingError(f"{base.value!r} has the fields x, y and z, not '{e.attr}'", e.loc)
            return ir.Prim(f"cuda.{base.value.register}.{e.attr}", (), type=Int64, loc=e.loc)
        t = base.type
        if isinstance(t, StructType):
            return struct_calls.attribute(self, base, e.attr, e.loc)
        if isinstance(t, ArrayType):
            return array_calls.attribute(self, base, e.attr, e.loc)
        if _is_num(t) and e.attr in ("real", "imag"):
            if t.kind == "complex":
                part = Float64 if t == Complex128 else Float32
                return ir.Prim(e.attr, (base,), type=part, loc=e.loc)
            return base if e.attr == "real" else ir.Const(0, type=t, loc=e.loc)
        raise TypingError(f"{t} has no attribute '{e.attr}' in compiled code", e.loc)

    def expr_MakeClosure(self, e: ir.MakeClosure):
        """A nested function: a new struct of its closure type holding the captured values."""
        values = tuple(self.operand(c) for c in e.captures)
        return ir.New(values, type=closure_type(e.code, tuple(v.type for v in values)), loc=e.loc)

    def expr_BinOp(self, e: ir.BinOp):
        left, right = self.operand(e.left), self.operand(e.right)
        result = self.binop(e.op, left, right, e.loc)
        if e.inplace and isinstance(left.type, ArrayType) and is_lazy(result.type):
            # a += b on an array writes into it (NumPy's np.add(a, b, out=a)), and is a
            return self.invoke(library.named("inplace"), (left, result), e.loc)
        return result

    def tuple_binop(self, op: str, left: ir.Expr, right: ir.Expr, loc: SourceLoc) -> ir.Expr:
        """``t + u`` and ``t * k`` (``k`` a constant: the length is part of the type)."""
        a, b = left.type, right.type
        if op == "+" and isinstance(a, TupleType) and isinstance(b, TupleType):
            return self.invoke(library.named("tuple_concat"), (left, right), loc)
        if op == "*":
            t, k = (left, right) if isinstance(a, TupleType) else (right, left)
            if isinstance(k, ir.Const) and type(k.value) in (int, bool):
                return self.invoke(library.named("tuple_repeat"), (t, self.val_of(int(k.value), loc)), loc)
            if _is_int(k.type):
                raise TypingError(f"tuple * {_src(k)}: the count must be a constant (the length of a tuple is "
                                  "part of its type)", loc)
        raise TypingError(f"unsupported operand types for {op}: {a} and {b}", loc)

    def val_of(self, value, loc) -> ir.Const:
        lifted = Val(value)
        return ir.Const(lifted, type=typeof(lifted), loc=loc)

    def binop(self, op: str, left: ir.Expr, right: ir.Expr, loc: SourceLoc) -> ir.Expr:
        a, b = left.type, right.type
        if Bottom in (a, b):
            return ir.Prim("unreachable", (left, right), type=Bottom, loc=loc)
        if isinstance(a, TupleType) or isinstance(b, TupleType):
            return self.tuple_binop(op, left, right, loc)
        if not (_is_num(a) and _is_num(b)) or op == "@":
            return self.operator(op, (left, right), loc, f"unsupported operand types for {op}: {a} and {b}")
        folded = _fold(op, left, right, loc)
        if folded is not None:
            return folded
        if op in ("<<", ">>"):
            return self.shift(op, left, right, loc)
        if op in _BIT_OPS:
            if not (_is_int(a) and _is_int(b)):
                raise TypingError(f"unsupported operand types for {op}: {a} and {b} (bit operations need integers)", loc)
            t = a if a == b == Bool else _arith_type(a, b)
        else:
            t = _arith_type(a, b)
        if t.kind == "complex" and op == "**":   # Python's complex power, written in the library
            pair = (self.convert(left, Complex128, explicit=True), self.convert(right, Complex128, explicit=True))
            return self.convert(self.invoke(library.named("python_power"), pair, loc), t, explicit=True)
        if t.kind == "complex" and op in ("//", "%"):
            raise TypingError(f"unsupported operand types for {op}: {a} and {b}", loc)
        result = Float64 if op == "/" and _is_int(t) else t
        operand = result if op == "/" else t
        return ir.Prim(_ARITH[op], (self.convert(left, operand), self.convert(right, operand)), type=result, loc=loc)

    def shift(self, op, left, right, loc):
        a, b = left.type, right.type
        if not (_is_int(a) and _is_int(b)):
            raise TypingError(f"unsupported operand types for {op}: {a} and {b} (shifts need integers)", loc)
        t = Int64 if a == Bool else a
        return ir.Prim(_ARITH[op], (self.convert(left, t), self.convert(right, Int64)), type=t, loc=loc)

    def expr_UnaryOp(self, e: ir.UnaryOp):
        if e.op == "not":
            return ir.Prim("not", (self.truth(self.expr(e.operand)),), type=Bool, loc=e.loc)
        v = self.operand(e.operand)
        return self.unary(e.op, v, e.loc)

    def unary(self, op: str, v: ir.Expr, loc) -> ir.Expr:
        t = v.type
        if t == Bottom:
            return v
        if not _is_num(t):
            return self.operator(op, (v,), loc, f"bad operand type for unary {op}: {t}")
        if t == Bool:
            v, t = self.convert(v, Int64), Int64
        if op == "+":
            return v
        if op == "~" and not _is_int(t):
            raise TypingError(f"bad operand type for unary ~: {t}", loc)
        return ir.Prim("neg" if op == "-" else "invert", (v,), type=t, loc=loc)

    def operator(self, symbol: str, args: tuple[ir.Expr, ...], loc, unsupported: str) -> ir.Expr:
        """An operator on values other than built-in numbers: a call of its generic function
        (``ops.add`` for ``+``), whose methods for user types users define; a TypingError
        where none applies."""
        if symbol in ("==", "!=") and not all(isinstance(a.type, _FIELDWISE) or _array_like(a.type) for a in args):
            raise TypingError(unsupported, loc)
        func = library.binary(symbol) if len(args) == 2 else library.unary(symbol)
        args = self.fusing(func, args)
        try:
            self.ctx.resolve(func, tuple(a.type for a in args))
        except MethodError:
            shown = ", ".join(f"a: {a.type!r}" if i == 0 else f"b: {a.type!r}" for i, a in enumerate(args))
            raise TypingError(unsupported, loc, hint=f"define a method of ops.{func.__name__} for these "
                                                     f"types: @ops.{func.__name__}.method def _({shown}): ...") from None
        return self.invoke(func, args, loc)

    def fusing(self, func, args: tuple[ir.Expr, ...]) -> tuple[ir.Expr, ...]:
        """The arguments of an elementwise function: lazy array expressions stay lazy when one
        of ``func``'s methods takes them (they fuse into its loop), else they are computed."""
        if any(is_lazy(a.type) for a in args):
            try:
                self.ctx.resolve(func, tuple(a.type for a in args))
            except MethodError:
                return tuple(self.materialize(a) for a in args)
        return args

    def truth(self, v: ir.Expr) -> ir.Expr:
        """Python truthiness as a Bool expression."""
        t = v.type
        if t == Bool or t == Bottom:
            return v
        if _is_num(t):
            return ir.Prim("ne", (v, ir.Const(0, type=t, loc=v.loc)), type=Bool, loc=v.loc)
        if t == Nothing:
            return ir.Const(False, type=Bool, loc=v.loc)
        if isinstance(t, TupleType):
            return ir.Const(bool(t.params), type=Bool, loc=v.loc)
        if isinstance(t, (FunctionType, TypeType)):
            return ir.Const(True, type=Bool, loc=v.loc)
        if isinstance(t, StructType):
            return self.struct_truth(v)
        raise TypingError(f"cannot test the truth of {_src(v)} of type {t}", v.loc)

    def struct_truth(self, v: ir.Expr) -> ir.Expr:
        """A struct is true, as any Python object, unless ``ops.bool`` has a method for it
        (``__bool__`` in its class body)."""
        func = library.builtin(builtins.bool)
        try:
            self.ctx.resolve(func, (v.type,))
        except MethodError:
            self.result.edges.add(Edge(func, (v.type,), None))   # until a method says otherwise
            return ir.Const(True, type=Bool, loc=v.loc)
        result = self.invoke(func, (v,), v.loc)
        if result.type not in (Bool, Bottom):
            raise TypingError(f"bool() of a {v.type!r} returned a {result.type}, not a Bool", v.loc)
        return result

    def expr_Compare(self, e: ir.Compare):
        if "in" in e.ops or "not in" in e.ops:
            return self.contains(e)
        if len(e.ops) == 1 and e.ops[0] not in ("is", "is not"):
            return self.compare(e.ops[0], *(self.operand(o) for o in e.operands), e.loc)
        operands = tuple(self.expr(o) for o in e.operands)
        if any(isinstance(o.type, ArrayType) for o in operands) and not set(e.ops) & {"is", "is not"}:
            raise TypingError("the truth value of an array is ambiguous: a chained comparison of arrays needs "
                              "`and` between them", e.loc, hint="write (a < b) & (b < c) for the elementwise test")
        common = []
        for op, a, b in zip(e.ops, operands, operands[1:]):
            if op in ("is", "is not"):
                return self.identity(op, a, b, e, len(e.ops))
            common.append(self.compare_type(op, a, b, e.loc))
        return ir.Compare(e.ops, operands, tuple(common), type=Bool, loc=e.loc)

    def contains(self, e: ir.Compare) -> ir.Expr:
        """``v in t`` and ``v not in t`` for a tuple ``t``."""
        if len(e.ops) != 1:
            raise TypingError("a chained comparison with `in` is not supported in compiled code", e.loc,
                              hint="write the comparisons joined by `and`")
        v, t = (self.operand(o) for o in e.operands)
        if not isinstance(t.type, TupleType):
            raise TypingError(f"`in` is supported for tuples in compiled code, not for {_src(e.operands[1])} of "
                              f"type {t.type}", e.loc)
        found = self.invoke(library.named("tuple_contains"), (t, v), e.loc)
        return found if e.ops[0] == "in" else ir.Prim("not", (self.truth(found),), type=Bool, loc=e.loc)

    def compare(self, op: str, a: ir.Expr, b: ir.Expr, loc) -> ir.Expr:
        """``a op b``: a machine comparison of numbers, else a call of the operator's generic
        function (``ops.lt``...)."""
        if Bottom in (a.type, b.type):
            return ir.Prim("unreachable", (a, b), type=Bottom, loc=loc)
        if _is_num(a.type) and _is_num(b.type):
            if isinstance(a, ir.Const) and isinstance(b, ir.Const) and a.type == b.type == Int64:
                # two constants (``if G > H`` on value parameters): decided now, so an ``if`` on
                # it compiles only the branch taken
                return ir.Const(_COMPARE[op](a.value, b.value), type=Bool, loc=loc)
            return ir.Compare((op,), (a, b), (self.compare_type(op, a, b, loc),), type=Bool, loc=loc)
        return self.operator(op, (a, b), loc, f"cannot compare {a.type} {op} {b.type} in compiled code")

    def compare_type(self, op: str, a: ir.Expr, b: ir.Expr, loc) -> JType:
        ta, tb = a.type, b.type
        if not (_is_num(ta) and _is_num(tb)):
            raise TypingError(f"cannot compare {ta} {op} {tb} in compiled code", loc)
        t = _arith_type(ta, tb)
        if t.kind == "complex" and op not in ("==", "!="):
            raise TypingError(f"'{op}' is not supported between {ta} and {tb}", loc)
        return t

    def identity(self, op, a, b, e, nops):
        types = isinstance(a.type, TypeType) and isinstance(b.type, TypeType)   # T is Bottom
        if nops != 1 or not types and Nothing not in (a.type, b.type) and not isinstance(b, ir.Const):
            raise TypingError("`is` is supported only as `x is None` / `x is not None` and between types",
                              e.loc)
        same = a.type == b.type and (types or isinstance(a.type, SingletonType))
        return ir.Const(same == (op == "is"), type=Bool, loc=e.loc)

    def expr_BoolOp(self, e: ir.BoolOp):
        values = [self.expr(v) for v in e.values]
        t = self.join_all([(v.type, v.loc) for v in values], f"operands of `{e.op}`")
        return ir.BoolOp(e.op, tuple(self.convert(v, t) for v in values), type=t, loc=e.loc)

    def expr_IfExp(self, e: ir.IfExp):
        test = self.truth(self.expr(e.test))
        body, orelse = self.expr(e.body), self.expr(e.orelse)
        t = self.join_all([(body.type, body.loc), (orelse.type, orelse.loc)], "branches of the conditional expression")
        return ir.IfExp(test, self.convert(body, t), self.convert(orelse, t), type=t, loc=e.loc)

    def join_all(self, typed: list[tuple[JType, SourceLoc]], what: str) -> JType:
        result: JType = Bottom
        for t, loc in typed:
            joined = self.join(result, t)
            if joined is None:
                raise TypingError(f"the {what} have types that cannot merge: {result} and {t}", loc)
            result = joined
        return result

    def join(self, a: JType, b: JType) -> JType | None:
        """The type a variable (a return, a conditional) taking values of types ``a`` and ``b``
        has: ``join_types``'s, or for numbers of your types the one they promote to by your
        ``promote_rule`` (``s = 0.0`` then ``s += dual`` makes ``s`` a ``Dual``; the ``0.0``
        converts through ``convert``)."""
        joined = join_types(a, b)
        if joined is None and _user_numbers(a, b):
            promoted = self.type_of_call(library.named("promote_type"), (TypeType(a), TypeType(b)))
            if isinstance(promoted, TypeType) and promoted.param.is_concrete and promoted.param != Bottom:
                return promoted.param
        return joined

    def type_of_call(self, func, argtypes: tuple[JType, ...]) -> JType:
        """What a call of ``func`` with these argument types returns (``Bottom`` if none applies),
        decided while compiling; the code compiled depends on the answer (an edge)."""
        try:
            method, _env = self.ctx.resolve(func, argtypes)
        except MethodError:
            self.result.edges.add(Edge(func, argtypes, None))
            return Bottom
        self.result.edges.add(Edge(func, argtypes, method))
        return self.ctx.return_type(SpecKey(func, method, argtypes))

    def expr_TupleExpr(self, e: ir.TupleExpr):
        elts = tuple(self.expr(x) for x in e.elts)
        return ir.TupleExpr(elts, type=TupleType(tuple(x.type for x in elts)), loc=e.loc)

    def expr_Index(self, e: ir.Index):
        value = self.expr(e.value)
        t = value.type
        if isinstance(t, ArrayType):
            return array_calls.index(self, value, e.index, e.loc)
        if isinstance(t, TypeType) and isinstance(t.param, StructType):
            return self.instantiate(t.param, e)
        if not isinstance(t, TupleType):
            raise TypingError(f"cannot index {_src(e.value)} of type {t}", e.loc)
        if isinstance(e.index, ir.Slice):
            return self.tuple_slice(value, e.index, e.loc)
        index, typed = self.constant_int(e.index)
        if index is None:
            return self.tuple_item(value, typed, e.loc)
        n = len(t.params)
        if not -n <= index < n:
            raise TypingError(f"tuple index {index} out of range for {t}", e.index.loc)
        return self.getfield(value, index % n, e.loc)

    def constant_int(self, e: ir.Expr) -> tuple[int | None, ir.Expr | None]:
        """The value of an integer expression known while compiling (``2``, ``len(t) - 1``), or
        None and the expression typed."""
        index = _const_int(e)
        if index is not None:
            return index, None
        typed = self.expr(e)   # len(t) - 1 folds to a constant
        return (typed.value if isinstance(typed, ir.Const) and type(typed.value) is int else None), typed

    def tuple_slice(self, value: ir.Expr, s: ir.Slice, loc) -> ir.Expr:
        bounds = [None if p is None else self.constant_int(p)[0] for p in (s.lower, s.upper, s.step)]
        for p, b in zip((s.lower, s.upper, s.step), bounds):
            if p is not None and b is None:
                raise TypingError(f"a tuple slice needs constant bounds, not {_src(p)} (the length of a tuple "
                                  "is part of its type)", p.loc)
        if bounds[2] == 0:
            raise TypingError("slice step cannot be zero", s.step.loc)
        return self.invoke(library.named("tuple_slice"), (value, self.val_of(tuple(bounds), loc)), loc)

    def tuple_item(self, value: ir.Expr, i: ir.Expr, loc) -> ir.Expr:
        """``t[i]`` with ``i`` (typed) known only when the code runs: a tuple of one element type."""
        t = value.type
        if not _is_int(i.type):
            raise TypingError(f"tuple indices must be integers, not {i.type}", i.loc)
        if len(set(t.params)) > 1:
            raise TypingError(f"indexing the tuple {_src(value)} of type {t} needs a constant index: its elements "
                              "have different types", i.loc, hint="index it with a constant, or loop over it")
        return self.invoke(library.named("tuple_getitem"), (value, self.convert(i, Int64)), loc)

    def instantiate(self, t: StructType, e: ir.Index) -> ir.Const:
        """``Point[Float64]``: a parametric struct at the (constant) types in the brackets."""
        parts = e.index.elts if isinstance(e.index, ir.TupleExpr) else (e.index,)
        params = []
        for p in parts:
            typed = self.expr(p)
            if isinstance(typed, ir.Const) and type(typed.value) in (int, bool, str):
                params.append(typed.value)   # a value parameter: Dual[1, Float64, N]
            elif isinstance(typed.type, TypeType) and not isinstance(typed.type, ValType):
                params.append(typed.type.param)
            else:
                raise TypingError(f"the parameters of {t.name}[...] must be types or constants, not {_src(p)}",
                                  p.loc)
        try:
            found = t.definition.cls[tuple(params)]
        except TypeError as err:
            raise TypingError(str(err), e.loc) from None
        return ir.Const(found, type=TypeType(found), loc=e.loc)

    def getfield(self, value: ir.Expr, i: int, loc) -> ir.Expr:
        t = value.type
        return ir.GetField(value, i, type=t.params[i] if isinstance(t, TupleType) else t.field_types[i], loc=loc)

    def expr_Call(self, e: ir.Call):
        if isinstance(e.func, ir.Name) and e.func.id.startswith("$"):
            return self.pseudo_call(e)
        if isinstance(e.func, ir.Attr):
            owner = self.operand(e.func.value)
            method = array_calls.numpy_method(e.func.attr) if is_lazy(owner.type) else None
            if method is not None:   # (a - b).sum(axis=1): a reduction may take the expression as it is
                return self.numpy_call(method, array_calls.method_arguments(e), owner)
            owner = self.materialize(owner) if self.eager else owner
            is_module = isinstance(owner, ir.Const) and isinstance(owner.value, (type(math), kernel_lang.Namespace))
            # x.dtype(0) calls an attribute's value; x.copy() is a method
            if not is_module and not (isinstance(owner.type, ArrayType) and e.func.attr in array_calls.ATTRIBUTES):
                return self.method_call(owner, e)
        callee = self.expr(e.func)
        if isinstance(callee.type, TypeType) and isinstance(callee.type.param, StructType):
            return struct_calls.construct(self, callee.type.param, e)
        if isinstance(callee, ir.Const) and _builtin_key(callee.value) in array_calls.ARRAY_FUNCTIONS:
            return array_calls.ARRAY_FUNCTIONS[callee.value](self, e.args, e.kwargs, e)
        numpy_function = _numpy_function(callee)
        if numpy_function is not None:   # np.sum, np.sqrt...: a generic function of the library
            return self.numpy_call(numpy_function, e)
        if isinstance(callee, ir.Const) and callee.value is print:
            return self.print_call(e)
        if e.kwargs and isinstance(callee.type, FunctionType):
            return keyword_call(self, callee.type.func, e)
        if e.kwargs:
            raise TypingError(f"keyword arguments are not supported in this call of {_src(e.func)}", e.loc)
        args = tuple(self.operand(a) for a in e.args)
        standing = _library_function(callee.value) if isinstance(callee, ir.Const) else None
        elementwise = standing is not None and callee.value is builtins.abs and any(_array_like(a.type) for a in args)
        if standing is not None and (elementwise or any(isinstance(a.type, StructType) for a in args)):
            # abs(d), math.sin(d), abs(a - b): the generic function's methods (an array's fuse)
            return self.invoke(standing, self.fusing(standing, args), e.loc)
        args = tuple(self.materialize(a) if self.eager else a for a in args)
        t = callee.type
        if isinstance(callee, ir.Const):
            if callee.value is kernel_lang.syncthreads:
                return ir.Prim("cuda.syncthreads", args, type=Nothing, loc=e.loc)
            handler = BUILTINS.get(_builtin_key(callee.value))
            if handler is not None:
                return handler(self, args, e)
            if callee.value is Val:
                return self.val(args, e)
            if callee.value is isinstance:
                return self.isinstance_call(args, e)
        if isinstance(t, FunctionType):
            return self.invoke(t.func, args, e.loc)
        if isinstance(t, StructType):   # a functor: its class's __call__, a method of ops.call
            return self.invoke(library.named("call"), (callee, *args), e.loc)
        if isinstance(t, TypeType) and len(args) == 1 and isinstance(args[0].type, ArrayType):
            return self.invoke(library.named("astype"), (args[0], callee), e.loc)   # np.float32(a)
        if isinstance(t, TypeType):
            return convert_call(self, t.param, args, e)
        if isinstance(callee, ir.Const) and (getattr(callee.value, "__module__", None) or "").startswith("numpy"):
            raise TypingError(f"{_src(e.func)} is not supported in compiled code yet", e.loc,
                              hint="dir(dispatchjit.numpy) lists the NumPy functions compiled code has; call this "
                                   "one outside the compiled function, or add it there as a generic function")
        raise TypingError(f"cannot call {_src(e.func)} of type {t} in compiled code", e.loc)

    def print_call(self, e: ir.Call) -> ir.Expr:
        """``print(*values, sep=, end=, flush=)``: the values boxed and printed by Python's
        ``print`` (``runtime.printing``); an f-string argument is formatted as Python would."""
        options = {"sep": " ", "end": "\n", "flush": False}
        for name, value in e.kwargs:
            typed = value if isinstance(value, ir.Const) and isinstance(value.value, str) else self.expr(value)
            if name not in options or not isinstance(typed, ir.Const) or \
                    not isinstance(typed.value, bool if name == "flush" else (str, type(None))):
                raise TypingError(f"print in compiled code takes constant sep, end and flush keywords, not {name}=",
                                  value.loc)
            options[name] = typed.value
        layout, values = [], []
        for a in e.args:
            parts = a.args if isinstance(a, ir.Call) and isinstance(a.func, ir.Name) and a.func.id == "$format" else None
            typed = [self.printed(p) for p in (parts if parts is not None else (a,))]
            if any(isinstance(t.type, PyObjectType) and t.type.cls is Boxed for t in typed):
                raise TypingError("print of a nospecialize argument: its type is not known when the function "
                                  "compiles", a.loc)
            layout.append(None if parts is None else len(parts))
            values += typed
        printer = printing.printer(tuple(layout), options["sep"], options["end"], options["flush"])
        target = ir.Const(printer, type=PyObjectType(type(printer)), loc=e.loc)
        return ir.Prim("print", (target, *values), type=Nothing, loc=e.loc)

    def printed(self, e: ir.Expr) -> ir.Expr:
        """A value print shows: a string literal as the Python object, an array expression computed."""
        if isinstance(e, ir.Const) and isinstance(e.value, str):
            return ir.Const(e.value, type=PyObjectType(str), loc=e.loc)
        return self.materialize(self.operand(e))

    def isinstance_call(self, args, e: ir.Call) -> ir.Const:
        """``isinstance(x, cls)``: decided by ``x``'s type while compiling (as Python would answer
        for the value), so ``if isinstance(x, float):`` compiles only the branch taken."""
        given = args[1:] if len(args) == 2 else ()
        if given and isinstance(given[0], ir.TupleExpr):
            given = given[0].elts
        if not given or not all(isinstance(c, ir.Const) for c in given):
            raise TypingError("isinstance in compiled code takes a value and a class (or a tuple of classes) "
                              "known while compiling", e.loc)
        x, classes = args[0].type, tuple(c.value for c in given)
        if not all(isinstance(c, type) for c in classes):
            raise TypingError(f"isinstance() arg 2 must be a class or a tuple of classes, not {_src(e.args[1])}",
                              e.args[1].loc)
        cls = _python_class(x)
        if cls is None:
            raise TypingError(f"isinstance of {_src(e.args[0])}: its type {x} is not known while compiling", e.loc)
        return ir.Const(issubclass(cls, classes), type=Bool, loc=e.loc)

    def val(self, args, e: ir.Call) -> ir.Const:
        """``Val(N)`` of a constant (a literal, a value parameter): the value lifted to a type."""
        if len(args) != 1 or not isinstance(args[0], ir.Const) or type(args[0].value) not in (int, bool, str):
            raise TypingError("Val(...) in compiled code takes one constant (an int, a bool or a string)", e.loc)
        return self.val_of(args[0].value, e.loc)

    def numpy_call(self, func, e: ir.Call, owner: ir.Expr | None = None) -> ir.Expr:
        """``np.f(...)`` (or the method ``owner.f(...)``): the library's generic function, its
        arguments bound by NumPy's signature (``numpy_calls``); the array arguments of an
        elementwise one fuse into it, and ``out=`` writes its result into an array."""
        name = (e.func.loc.text() or _src(e.func)) if owner is None else f"ndarray.{e.func.attr}"
        args = [owner, *e.args] if owner is not None else list(e.args)
        bound = numpy_calls.bind(self, func, args, dict(e.kwargs), e.loc, name)
        if bound is not None:
            return self.invoke(func, self.fusing(func, bound), e.loc)
        kwargs = dict(e.kwargs)
        out = kwargs.pop("out", None)
        if kwargs:
            raise TypingError(f"`{name}`: keyword arguments ({', '.join(kwargs)}) are not supported in compiled "
                              "code yet", e.loc)
        args = self.fusing(func, tuple(a if isinstance(a, ir.Expr) and a.type is not None else self.operand(a)
                                       for a in args))
        result = self.invoke(func, args, e.loc)
        if out is None:
            return result
        target = self.expr(out)
        if not isinstance(target.type, ArrayType):
            raise TypingError(f"out= must be an array, not {target.type}", out.loc)
        if not is_lazy(result.type):
            raise TypingError(f"{name}(..., out=...) needs an array argument to work elementwise", e.loc)
        return self.invoke(library.named("inplace"), (target, result), e.loc)

    def method_call(self, owner: ir.Expr, e: ir.Call):
        if isinstance(owner.type, ArrayType):
            func = array_calls.numpy_method(e.func.attr)
            if func is not None:   # x.sum(axis=0): np.sum(x, axis=0)
                return self.numpy_call(func, array_calls.method_arguments(e), owner)
            if e.kwargs:
                raise TypingError("keyword arguments are not supported in array method calls", e.loc)
            return array_calls.method_call(self, owner, e.func.attr, [self.expr(a) for a in e.args], e.loc)
        if isinstance(owner.type, StructType) and e.func.attr in owner.type.field_names and not e.kwargs:
            field = struct_calls.attribute(self, owner, e.func.attr, e.loc)   # bc.f(x): a field holding a function
            if isinstance(field.type, FunctionType):
                return self.invoke(field.type.func, tuple(self.expr(a) for a in e.args), e.loc)
        if _is_num(owner.type) and e.func.attr == "conjugate" and not e.args:
            if owner.type.kind == "complex":
                return ir.Prim("conj", (owner,), type=owner.type, loc=e.loc)
            return owner
        raise TypingError(f"{owner.type} has no method '{e.func.attr}' in compiled code", e.loc)

    def pseudo_call(self, e: ir.Call):
        if e.func.id == "$unpack":
            value, count = self.expr(e.args[0]), e.args[1].value
            t = value.type
            if not isinstance(t, TupleType) or len(t.params) != count:
                what = f"{len(t.params)} values" if isinstance(t, TupleType) else f"a value of type {t}"
                raise TypingError(f"cannot unpack {what} into {count} names", e.loc)
            return value
        if e.func.id == "$builtin":   # sum(... for ...): the name must be the builtin
            callee, name = self.expr(e.args[0]), e.args[1].value
            if not (isinstance(callee, ir.Const) and callee.value is getattr(builtins, name)):
                raise TypingError(f"a generator expression is compiled as the argument of the builtin {name}, "
                                  f"but `{name}` here is {_src(e.args[0])} of type {callee.type}", e.loc)
            return ir.Const(None, type=Nothing, loc=e.loc)
        raise TypingError("strings (f-strings) are supported only as exception messages", e.loc)

    def invoke(self, func, args: tuple[ir.Expr, ...], loc: SourceLoc) -> ir.Expr:
        argtypes = tuple(a.type for a in args)
        if Bottom in argtypes:
            return ir.Prim("unreachable", args, type=Bottom, loc=loc)
        if any(isinstance(t, PyObjectType) and t.cls is Boxed for t in argtypes) and not _takes_anything(func, argtypes):
            raise TypingError(f"cannot call {func.__name__} with a nospecialize argument: its type is not "
                              "known when the function compiles", loc,
                              hint="nospecialize arguments can be passed through and returned; specialize "
                                   "the parameter to call methods on it")
        try:
            method, _env = self.ctx.resolve(func, argtypes)
        except MethodError as err:
            # Julia semantics: a call that cannot dispatch is an error when it runs, not when the
            # enclosing function compiles (the branch may never be taken).
            self.result.edges.add(Edge(func, argtypes, None))
            cls = AmbiguityError if isinstance(err, AmbiguityError) else MethodError
            return self.throw(cls, str(err).replace("{", "{{").replace("}", "}}"), loc)
        key = SpecKey(func, method, argtypes)
        self.result.edges.add(Edge(func, argtypes, method))
        self.result.invokes.add(key)
        packed = args
        nparams = len(method.sig)
        if method.vararg is not None:
            rest = args[nparams:]
            packed = args[:nparams] + (ir.TupleExpr(rest, type=TupleType(argtypes[nparams:]), loc=loc),)
        return ir.Invoke(key, packed, type=self.ctx.return_type(key), loc=loc)

    # --- conversions ---------------------------------------------------------------------
    def convert(self, v: ir.Expr, t: JType, explicit: bool = False) -> ir.Expr:
        """``v`` as a ``t``. Implicit conversions only widen (promotion); ``explicit`` ones, which
        the user asked for (``Int32(x)``), may narrow: integers wrap, floats round."""
        if v.type == t or t == Bottom or v.type == Bottom:
            return v
        if not explicit and _user_numbers(v.type, t) and join_types(v.type, t) is None:
            return struct_calls.convert_by_method(self, v, t, "the value")
        if not explicit and join_types(v.type, t) != t:
            raise InternalCompilerError(f"cannot convert {v.type} to {t}", v.loc)
        if isinstance(v, ir.Const) and _is_num(v.type) and _is_num(t) and v.type.kind != "complex":
            return ir.Const(_convert_constant(v.value, t), type=t, loc=v.loc)
        return ir.Convert(v, type=t, loc=v.loc)


def _decided_by_types(test: ir.Expr) -> bool:
    """Whether an ``if`` test that typed to a constant is one the types decide (``T is S``,
    ``N > M`` on value parameters, ``isinstance``, ``not`` of one), whose branch not taken is
    left untyped, as Julia's inference prunes it."""
    if isinstance(test, ir.UnaryOp) and test.op == "not":
        return _decided_by_types(test.operand)
    return isinstance(test, (ir.Compare, ir.Call))


def _python_class(t: JType) -> type | None:
    """The Python class of the values of type ``t`` as Python sees them (None: not known)."""
    if isinstance(t, PrimitiveType):
        return t.pytype
    if isinstance(t, StructType) and t.is_concrete:
        return t.pyclass
    if isinstance(t, PyObjectType):
        return None if t.cls is Boxed else t.cls
    if isinstance(t, TupleType):
        return tuple
    if isinstance(t, ArrayType):
        return np.ndarray
    if t == Nothing:
        return type(None)
    if isinstance(t, FunctionType):
        return type(t.func)
    return None


def _user_numbers(a: JType, b: JType) -> bool:
    """Whether ``a`` and ``b`` are numbers, one of a user's type (they may promote by a rule)."""
    return (isinstance(a, StructType) or isinstance(b, StructType)) and a != Bottom and b != Bottom \
        and issubtype(a, Number) and issubtype(b, Number)


# Values ``==`` compares by their fields (or as numbers) when no method says otherwise.
_FIELDWISE = (PrimitiveType, TupleType, StructType, SingletonType)


def _array_like(t: JType) -> bool:
    return isinstance(t, ArrayType) or is_lazy(t)


def _takes_anything(func, argtypes) -> bool:
    """Whether a call with ``nospecialize`` (boxed) arguments resolves the same whatever their
    types: the function has one method, taking ``Any`` at those positions."""
    if len(func.table.methods) != 1:
        return False
    method = func.table.methods[0]
    params = list(method.sig) + [method.vararg] * max(0, len(argtypes) - len(method.sig))
    return len(params) >= len(argtypes) and all(
        p is Any for p, t in zip(params, argtypes) if isinstance(t, PyObjectType) and t.cls is Boxed)


def _fold(op: str, left: ir.Expr, right: ir.Expr, loc) -> ir.Const | None:
    """Integer arithmetic on two Int64 constants (``len(t) - 1``), wrapped as at run time, so the
    result can serve where a constant is needed (a tuple index)."""
    if not (isinstance(left, ir.Const) and isinstance(right, ir.Const) and left.type == right.type == Int64):
        return None
    a, b = left.value, right.value
    value = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}.get(op)
    if value is None:
        return None
    return ir.Const(_convert_constant(value(), Int64), type=Int64, loc=loc)


def _closure(func) -> dict:
    """``func``'s closure variables (a generic function defined inside another function, calling
    itself, finds itself here)."""
    names = {}
    for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
        try:
            names[name] = cell.cell_contents
        except ValueError:  # an empty cell: assigned later in the enclosing function
            pass
    return names


def _convert_constant(value, t: PrimitiveType):
    if t.kind in ("int", "uint"):
        wrapped = int(value) & ((1 << t.bits) - 1)
        if t.kind == "int" and wrapped >= 1 << (t.bits - 1):
            wrapped -= 1 << t.bits
        return t.pytype(wrapped)
    return bool(value) if t.kind == "bool" else t.pytype(value)


def _numpy_function(callee: ir.Expr):
    """The library's generic function for a NumPy function (``np.sum``), if it has one."""
    if not isinstance(callee, ir.Const) or not (getattr(callee.value, "__module__", None) or "").startswith("numpy"):
        return None
    key = _builtin_key(callee.value)
    return None if key is None else library.builtin(key)


def _library_function(value):
    """The generic function of dispatchjit's library standing for a builtin or math function."""
    key = _builtin_key(value)
    if key is None or key not in BUILTINS:
        return None
    return library.builtin(key)


def _builtin_key(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value


def _const_int(e: ir.Expr) -> int | None:
    if isinstance(e, ir.Const) and type(e.value) is int:
        return e.value
    if isinstance(e, ir.UnaryOp) and e.op == "-" and isinstance(e.operand, ir.Const) and type(e.operand.value) is int:
        return -e.operand.value
    return None


def _terminates(stmts) -> bool:
    """Whether control can never fall off the end of ``stmts`` (typed form)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ir.Return):
        return True
    if isinstance(last, (ir.ExprStmt, ir.Assign)):   # a value that always raises
        return last.value.type == Bottom
    if isinstance(last, ir.If):
        return _terminates(last.body) and _terminates(last.orelse)
    if isinstance(last, ir.While):
        return isinstance(last.test, ir.Const) and last.test.value is True and not _has_break(last.body)
    return False


def _flag_breaks(stmts, flag: str) -> tuple:
    """``stmts`` (untyped) with each ``break`` of this loop preceded by ``flag = True``."""
    out = []
    for s in stmts:
        if isinstance(s, ir.Break):
            out += [ir.Assign(flag, ir.Const(True, loc=s.loc), loc=s.loc), s]
        elif isinstance(s, ir.If):
            out.append(ir.replace(s, body=_flag_breaks(s.body, flag), orelse=_flag_breaks(s.orelse, flag)))
        else:
            out.append(s)   # a nested loop's breaks are its own
    return tuple(out)


def _has_break(stmts) -> bool:
    for s in stmts:
        if isinstance(s, ir.Break):
            return True
        if isinstance(s, ir.If) and (_has_break(s.body) or _has_break(s.orelse)):
            return True
    return False


def _src(e: ir.Expr) -> str:
    """An expression for messages: its source text, or its kind where the source is unknown."""
    text = e.loc.text()
    return f"`{text}`" if text else f"`{type(e).__name__.lower()}`"


def _show_sites(sites) -> str:
    """``Int64 at line 3, Tuple[...] at line 5``: the first place each type was seen."""
    seen: dict = {}
    for t, loc in sites:
        seen.setdefault(t, loc)
    return ", ".join(f"{t} at line {loc.line}" for t, loc in seen.items())
