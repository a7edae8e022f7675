"""Frontend: a method's Python source to the untyped IR, with each node's location in the user's
file. Only syntax is checked here; anything outside the supported subset is a ``CompileError``
naming the construct and its line. Names are not resolved yet: inference does that against the
function's globals at compile time, so a function may call generic functions defined after it.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import linecache
import textwrap
import types

from . import ir
from .closures import SELF, ClosureCode, field_name
from .methods import source_stamp
from .errors import CompileError, SourceLoc

__all__ = ["build_ir", "def_loc"]

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&",
           ast.BitOr: "|", ast.BitXor: "^", ast.MatMult: "@"}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
           ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_CONSTANTS = (bool, int, float, complex, str, type(None))


def build_ir(func) -> ir.Function:
    """Parse ``func``'s source into an ``ir.Function``."""
    tree, file, line0, indent = _parse(func)
    defn = tree.body[0]
    if not isinstance(defn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise CompileError(f"cannot compile {func.__qualname__}: only functions defined with `def`"
                           " can be compiled", SourceLoc(file, line0))
    return _Builder(file, line0 - 1, indent, defn.name, func).function(defn)


def build_generated(generator, argtypes) -> ir.Function:
    """The body a ``generated`` method's generator returns for ``argtypes``: a function (whose
    source is read) or the source text of one ``def``, parsed as a file of its own. It takes
    the generator's parameters (the call's arguments are passed to it)."""
    fn = _generated_body(generator, argtypes)
    n = len(argtypes)
    if len(fn.params) != n if fn.vararg is None else len(fn.params) > n:
        takes = f"{len(fn.params)} parameter(s){' and *args' if fn.vararg else ''}"
        raise CompileError(f"the body {generator.__qualname__} generated takes {takes}, for a call with {n} "
                           "argument(s)", def_loc(generator))
    return fn


def _generated_body(generator, argtypes) -> ir.Function:
    body = generator(*argtypes)
    if isinstance(body, types.FunctionType):
        return build_ir(body)
    if callable(body):
        raise CompileError(f"the generator {generator.__qualname__} returned {body!r}; it must return a function "
                           "defined with def, or the source of one `def`", def_loc(generator))
    if not isinstance(body, str):
        raise CompileError(f"the generator {generator.__qualname__} returned {type(body).__name__}; "
                           "it must return a function or the source of one `def`", def_loc(generator))
    name = f"<generated {generator.__qualname__}({', '.join(map(repr, argtypes))})>"
    lines = textwrap.dedent(body).splitlines(True)
    linecache.cache[name] = (len(body), None, lines, name)  # so errors can show the generated line
    try:
        tree = ast.parse("".join(lines), filename=name)
    except SyntaxError as err:
        raise CompileError(f"the generated source has a syntax error: {err.msg}",
                           SourceLoc(name, err.lineno or 1, (err.offset or 1) - 1, func=generator.__qualname__)) from None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(defs) != 1:
        raise CompileError(f"the generator {generator.__qualname__} must return the source of exactly one "
                           "`def`", def_loc(generator))
    return _Builder(name, 0, 0, defs[0].name, generator).function(defs[0])


def def_loc(func) -> SourceLoc:
    """Where ``func`` is defined (its first line, decorators included)."""
    code = func.__code__
    return SourceLoc(code.co_filename, code.co_firstlineno, func=func.__qualname__)


def _parse(func):
    code = func.__code__
    file = code.co_filename
    try:
        lines, _ = inspect.getsourcelines(func)
    except (OSError, TypeError):
        raise CompileError(
            f"cannot compile {func.__qualname__}: its source code is not available",
            SourceLoc(file, code.co_firstlineno, func=func.__qualname__),
            hint="define it in a file, or in IPython/Jupyter (whose cells keep their source)") from None
    source = "".join(lines)
    dedented = textwrap.dedent(source)
    indent = len(lines[0]) - len(dedented.splitlines(True)[0])
    if _file_changed(func) and not _is_source_of(dedented, file, code):
        raise CompileError(
            f"cannot compile {func.__qualname__}: its source file was changed after the function was defined, "
            "so the text there is not the code Python runs", SourceLoc(file, code.co_firstlineno, func=func.__qualname__),
            hint="reload the module (importlib.reload) or run the cell again, then call it")
    if func.__name__ == "<lambda>":   # found in the whole file: its line may be the middle of a statement
        tree = ast.parse("".join(linecache.getlines(file)))
        return ast.Module([_lambda_def(tree, func, SourceLoc(file, code.co_firstlineno, func=func.__qualname__))],
                          []), file, 1, 0
    return ast.parse(dedented), file, code.co_firstlineno, indent


def _lambda_def(tree: ast.Module, func, loc: SourceLoc) -> ast.FunctionDef:
    """The ``lambda`` ``func`` was made from, among the lambdas of its line in the file's
    ``tree`` (told apart by their parameters), as a ``def`` returning its body."""
    code = func.__code__
    params = code.co_varnames[:code.co_argcount + bool(code.co_flags & inspect.CO_VARARGS)]
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == loc.line
             and tuple(a.arg for a in n.args.posonlyargs + n.args.args + ([n.args.vararg] if n.args.vararg else []))
             == params]
    if len(found) != 1:
        raise CompileError(f"cannot tell which lambda of line {loc.line} to compile", loc,
                           hint="write it as a def: `def f(x): return ...`, then generic(f)")
    node = found[0]
    body = [ast.copy_location(ast.Return(node.body), node.body)]
    return ast.copy_location(ast.FunctionDef("<lambda>", node.args, body, [], None, None), node)


def _file_changed(func) -> bool:
    """Whether the function's file is not as it was when the function was defined (its size and
    modification time, recorded by ``methods.stamp_source``)."""
    recorded = getattr(func, "__dispatchjit_source_stamp__", None)
    return recorded is not None and recorded != source_stamp(func.__code__.co_filename)


def _is_source_of(source: str, file: str, code) -> bool:
    """Whether ``source`` (a ``def``) compiles to the bytecode of ``code``: a file edited after
    import gives another function's text. A closure's body reads its free variables as cells,
    which the text compiled alone cannot, so those are taken as they are. (Only asked when the
    file changed: tools that compile a module from a rewritten tree, as pytest does, give other
    bytecode for the same text.)"""
    if code.co_freevars:
        return True
    try:
        module = compile(source, file, "exec", dont_inherit=True)
    except SyntaxError:
        return False
    defined = [c for c in module.co_consts if hasattr(c, "co_code") and c.co_name == code.co_name]
    return any(_shape(c) == _shape(code) for c in defined)


def _shape(code) -> tuple:
    """A code object's instructions, names and constants (nested code by its own shape), not
    where its lines are."""
    consts = tuple(_shape(c) if hasattr(c, "co_code") else (type(c), c) for c in code.co_consts)
    return code.co_code, code.co_names, consts


class _Scope:
    """A function being built: its node, its qualified name and the variables it binds (which
    a nested function reading them captures)."""

    def __init__(self, node: ast.AST, qualname: str, bound: set[str]):
        self.node, self.qualname, self.bound = node, qualname, bound


class _Builder:
    def __init__(self, file: str, line_offset: int, col_offset: int, fname: str, scope_func):
        self.file, self.line_offset, self.col_offset, self.fname = file, line_offset, col_offset, fname
        self.scope_func = scope_func       # whose globals and cells the names not bound here resolve in
        self._temps = itertools.count()
        self.hoisted: list[ir.Stmt] = []   # the loops of generator expressions, run before the statement
        self.conditional = 0               # > 0 where an expression may not be evaluated (x if c else y)
        self.scopes: list[_Scope] = []     # the function being built, innermost last

    def loc(self, node: ast.AST) -> SourceLoc:
        col = getattr(node, "col_offset", 0) + self.col_offset
        end = getattr(node, "end_col_offset", None)
        same_line = getattr(node, "end_lineno", None) == getattr(node, "lineno", None)
        return SourceLoc(self.file, getattr(node, "lineno", 1) + self.line_offset, col,
                         end + self.col_offset if end is not None and same_line else None, self.fname)

    def unsupported(self, node: ast.AST, what: str) -> CompileError:
        return CompileError(f"unsupported construct: {what}", self.loc(node))

    def binop(self, node: ast.BinOp | ast.AugAssign) -> str:
        return _BINOPS[type(node.op)]

    def temp(self) -> str:
        return f"${next(self._temps)}"

    # --- function and statements -------------------------------------------------------------
    def function(self, node: ast.FunctionDef) -> ir.Function:
        if isinstance(node, ast.AsyncFunctionDef):
            raise self.unsupported(node, "async functions")
        a = node.args
        # keyword-only parameters follow the positional ones: the body takes them so (``Keywords``)
        params = tuple(p.arg for p in a.posonlyargs + a.args + a.kwonlyargs)
        vararg = a.vararg.arg if a.vararg else None
        self.scopes.append(_Scope(node, self.scope_func.__qualname__, _bound_names(node)))
        try:
            return ir.Function(node.name, params, vararg, self.block(node.body), self.loc(node))
        finally:
            self.scopes.pop()

    def block(self, stmts: list[ast.stmt]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return tuple(out)

    def stmt(self, node: ast.stmt) -> list[ir.Stmt]:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is None:
            raise self.unsupported(node, f"the `{_describe(node)}` statement")
        hoisted, built = self.hoisting(lambda: method(node))
        return hoisted + built

    def hoisting(self, build):
        """``build()`` and the generator loops it hoisted, which must run before its result."""
        saved, self.hoisted = self.hoisted, []
        try:
            built = build()
            return self.hoisted, built
        finally:
            self.hoisted = saved

    def maybe(self, node: ast.expr) -> ir.Expr:
        """An expression that may not be evaluated (a branch of ``x if c else y``, an operand of
        ``and``/``or`` after the first, a ``while`` test): no generator loop may be hoisted out."""
        self.conditional += 1
        try:
            return self.expr(node)
        finally:
            self.conditional -= 1

    def stmt_Pass(self, node):
        return []

    def stmt_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return []  # a docstring
        return [ir.ExprStmt(self.expr(node.value), loc=self.loc(node))]

    def stmt_Assign(self, node):
        value = self.expr(node.value)
        if len(node.targets) == 1:
            return self.assign(node.targets[0], value)
        tmp = self.temp()  # a = b = value: evaluate once
        out: list[ir.Stmt] = [ir.Assign(tmp, value, loc=self.loc(node))]
        for t in node.targets:
            out += self.assign(t, ir.Name(tmp, loc=value.loc))
        return out

    def stmt_AnnAssign(self, node):
        if node.value is None:
            return []
        return self.assign(node.target, self.expr(node.value))

    def assign(self, target: ast.expr, value: ir.Expr) -> list[ir.Stmt]:
        loc = self.loc(target)
        if isinstance(target, ast.Name):
            return [ir.Assign(target.id, value, loc=loc)]
        if isinstance(target, (ast.Tuple, ast.List)):
            tmp = self.temp()
            out: list[ir.Stmt] = [ir.Assign(tmp, ir.Call(ir.Name("$unpack", loc=loc),
                                                          (value, ir.Const(len(target.elts), loc=loc)),
                                                          loc=loc), loc=loc)]
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    raise self.unsupported(elt, "starred assignment targets")
                out += self.assign(elt, ir.Index(ir.Name(tmp, loc=loc), ir.Const(i, loc=loc), loc=self.loc(elt)))
            return out
        if isinstance(target, ast.Subscript):
            return [ir.SetItem(self.expr(target.value), self.expr(target.slice), value, loc=loc)]
        if isinstance(target, ast.Attribute):
            return [ir.SetAttr(self.expr(target.value), target.attr, value, loc=loc)]
        raise self.unsupported(target, f"assignment to {_describe(target)}")

    def stmt_AugAssign(self, node):
        op, loc, target = self.binop(node), self.loc(node), node.target
        if isinstance(target, ast.Name):
            current = ir.Name(target.id, loc=self.loc(target))
            return [ir.Assign(target.id, ir.BinOp(op, current, self.expr(node.value), inplace=True, loc=loc), loc=loc)]
        if isinstance(target, ast.Subscript):
            # x[i, j] += v: evaluate x, i and j once, as Python does (slices stay in place).
            tloc = self.loc(target)
            out: list[ir.Stmt] = []
            array = self.once(target.value, out)
            raw = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
            parts = [self.expr(p) if isinstance(p, ast.Slice) else self.once(p, out) for p in raw]
            index = ir.TupleExpr(tuple(parts), loc=tloc) if isinstance(target.slice, ast.Tuple) else parts[0]
            element = ir.Index(array, index, loc=tloc)
            value = ir.BinOp(op, element, self.expr(node.value), inplace=True, loc=loc)
            return out + [ir.SetItem(array, index, value, loc=loc)]
        if isinstance(target, ast.Attribute):   # c.n += 1: evaluate c once
            out = []
            if isinstance(target.value, ast.Subscript):   # ps[i].x += v: the element stays in place
                sub = target.value
                owner = ir.Index(self.once(sub.value, out), self.once(sub.slice, out), loc=self.loc(sub))
            else:
                owner = self.once(target.value, out)
            current = ir.Attr(owner, target.attr, loc=self.loc(target))
            return out + [ir.SetAttr(owner, target.attr, ir.BinOp(op, current, self.expr(node.value), loc=loc), loc=loc)]
        raise self.unsupported(target, f"augmented assignment to {_describe(target)}")

    def once(self, node: ast.expr, out: list[ir.Stmt]) -> ir.Expr:
        """An expression to use twice: names and constants as they are, anything else through a
        temporary assigned (in ``out``) once."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return self.expr(node)
        tmp = self.temp()
        out.append(ir.Assign(tmp, self.expr(node), loc=self.loc(node)))
        return ir.Name(tmp, loc=self.loc(node))

    def stmt_If(self, node):
        return [ir.If(self.expr(node.test), self.block(node.body), self.block(node.orelse), loc=self.loc(node))]

    def stmt_While(self, node):
        if node.orelse:
            raise self.unsupported(node, "`while ... else`")
        return [ir.While(self.maybe(node.test), self.block(node.body), loc=self.loc(node))]

    def stmt_For(self, node):
        if node.orelse:
            raise self.unsupported(node, "`for ... else`")
        return [self.loop(node.target, self.expr(node.iter), list(self.block(node.body)), self.loc(node))]

    def loop(self, target: ast.expr, iterable: ir.Expr, body: list[ir.Stmt], loc: SourceLoc) -> ir.For:
        if isinstance(target, ast.Name):
            return ir.For(target.id, iterable, tuple(body), loc=loc)
        tmp = self.temp()
        return ir.For(tmp, iterable, tuple(self.assign(target, ir.Name(tmp, loc=self.loc(target))) + body), loc=loc)

    def stmt_Break(self, node):
        return [ir.Break(loc=self.loc(node))]

    def stmt_Continue(self, node):
        return [ir.Continue(loc=self.loc(node))]

    def stmt_Return(self, node):
        return [ir.Return(None if node.value is None else self.expr(node.value), loc=self.loc(node))]

    def stmt_Raise(self, node):
        if node.cause is not None:
            raise self.unsupported(node, "`raise ... from ...`")
        if node.exc is None:
            raise self.unsupported(node, "a bare `raise` (re-raise)")
        exc = node.exc
        if isinstance(exc, ast.Call):
            if exc.keywords or len(exc.args) > 1:
                raise self.unsupported(exc, "exception arguments other than one message")
            message = self.expr(exc.args[0]) if exc.args else None
            return [ir.Raise(self.expr(exc.func), message, loc=self.loc(node))]
        return [ir.Raise(self.expr(exc), None, loc=self.loc(node))]

    def stmt_Assert(self, node):
        loc = self.loc(node)
        message = self.expr(node.msg) if node.msg is not None else None
        fail = ir.Raise(ir.Const(AssertionError, loc=loc), message, loc=loc)
        return [ir.If(ir.UnaryOp("not", self.expr(node.test), loc=loc), (fail,), (), loc=loc)]

    def stmt_Nonlocal(self, node):
        raise CompileError("`nonlocal` is not supported in compiled code: a compiled closure captures the values "
                           "of the enclosing function's variables when it is made, not the variables",
                           self.loc(node), hint="return the new value from the nested function and assign it in the "
                                                "enclosing one (or keep it in a @struct(mutable=True))")

    # --- closures ----------------------------------------------------------------------------
    def stmt_FunctionDef(self, node):
        if node.decorator_list:
            raise self.unsupported(node.decorator_list[0], "decorators on a nested def")
        return [ir.Assign(node.name, self.closure(node, node.name, node.body), loc=self.loc(node))]

    def expr_Lambda(self, node):   # named by its line, so two closures' types read apart in code_typed
        name = f"<lambda:{self.loc(node).line}>"
        return self.closure(node, name, [ast.copy_location(ast.Return(node.body), node.body)])

    def closure(self, node: ast.FunctionDef | ast.Lambda, name: str, body: list[ast.stmt]) -> ir.MakeClosure:
        """A nested function: its body lifted into a ``ClosureCode`` that first reads each
        variable of the enclosing function it uses from the closure (``SELF``)."""
        a, loc, outer = node.args, self.loc(node), self.scopes[-1]
        if a.kwonlyargs or a.kwarg:
            raise self.unsupported(node, "keyword-only parameters and **kwargs of a nested function")
        defaults = tuple(self.constant_default(d) for d in a.defaults)
        free = _free_names(node)
        if isinstance(node, ast.FunctionDef) and name in free:
            raise CompileError(f"the nested function {name} calls itself, which compiled closures cannot do yet", loc,
                               hint=f"define {name} at module level as a @generic function")
        captures = tuple(sorted(free & outer.bound))
        self.check_not_reassigned(outer.node, node, name, captures)
        qualname = f"{outer.qualname}.<locals>.{name}"
        params = tuple(p.arg for p in a.posonlyargs + a.args)
        vararg = a.vararg.arg if a.vararg else None
        prologue = tuple(ir.Assign(c, ir.Attr(ir.Name(SELF, loc=loc), field_name(c), loc=loc), loc=loc)
                         for c in captures)
        saved = self.fname, self.conditional
        self.fname, self.conditional = name, 0
        self.scopes.append(_Scope(node, qualname, _bound_names(node) | set(captures)))
        try:
            lifted = self.block(body)
        finally:
            self.scopes.pop()
            self.fname, self.conditional = saved
        fn = ir.Function(name, (SELF, *params), vararg, prologue + lifted, loc)
        code = ClosureCode(name, qualname, fn, captures, defaults, self.scope_func, loc.line)
        return ir.MakeClosure(code, tuple(ir.Name(c, loc=loc) for c in captures), loc=loc)

    def constant_default(self, node: ast.expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, complex, type(None))):
            return node.value
        raise CompileError("a nested function's defaults must be number constants in compiled code", self.loc(node),
                           hint="a variable of the enclosing function is captured by value when the nested function "
                                "is made: read it directly instead of binding it as a default")

    def check_not_reassigned(self, outer: ast.AST, node: ast.AST, name: str, captures: tuple[str, ...]) -> None:
        """A captured variable assigned after the closure is made: Python's closure would see
        the new value, a compiled one captured the old."""
        end = (node.end_lineno, node.end_col_offset)
        for n in _own_nodes(_body_of(outer)):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in captures \
                    and (n.lineno, n.col_offset) > end:
                raise CompileError(
                    f"`{n.id}` is assigned here after the nested function {name} (line {self.loc(node).line}) "
                    "captured it: a compiled closure captures the values of variables when it is made, so it "
                    "would not see this assignment as Python's would", self.loc(n),
                    hint=f"assign {n.id} before the nested function is made, or pass it as an argument")

    # --- expressions -------------------------------------------------------------------------
    def expr(self, node: ast.expr) -> ir.Expr:
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise self.unsupported(node, _describe(node))
        return method(node)

    def expr_Constant(self, node):
        if not isinstance(node.value, _CONSTANTS):
            raise self.unsupported(node, f"the constant {node.value!r}")
        return ir.Const(node.value, loc=self.loc(node))

    def expr_Name(self, node):
        return ir.Name(node.id, loc=self.loc(node))

    def expr_Attribute(self, node):
        return ir.Attr(self.expr(node.value), node.attr, loc=self.loc(node))

    def expr_BinOp(self, node):
        return ir.BinOp(self.binop(node), self.expr(node.left), self.expr(node.right), loc=self.loc(node))

    def expr_UnaryOp(self, node):
        return ir.UnaryOp(_UNARY[type(node.op)], self.expr(node.operand), loc=self.loc(node))

    def expr_Compare(self, node):
        ops = []
        for op in node.ops:
            if type(op) not in _CMPOPS:
                raise self.unsupported(node, f"the `{type(op).__name__}` comparison")
            ops.append(_CMPOPS[type(op)])
        operands = (self.expr(node.left), *map(self.expr, node.comparators))
        return ir.Compare(tuple(ops), operands, loc=self.loc(node))

    def expr_BoolOp(self, node):
        op = "and" if isinstance(node.op, ast.And) else "or"
        first, *rest = node.values
        return ir.BoolOp(op, (self.expr(first), *map(self.maybe, rest)), loc=self.loc(node))

    def expr_IfExp(self, node):
        return ir.IfExp(self.expr(node.test), self.maybe(node.body), self.maybe(node.orelse), loc=self.loc(node))

    def expr_Call(self, node):
        if node.args and isinstance(node.args[0], ast.GeneratorExp):
            return self.reduction(node)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.unsupported(a, "`*args` in calls")
        kwargs = []
        for k in node.keywords:
            if k.arg is None:
                raise self.unsupported(k.value, "`**kwargs` in calls")
            kwargs.append((k.arg, self.expr(k.value)))
        return ir.Call(self.expr(node.func), tuple(map(self.expr, node.args)), tuple(kwargs), loc=self.loc(node))

    def expr_Tuple(self, node):
        return ir.TupleExpr(tuple(map(self.expr, node.elts)), loc=self.loc(node))

    def expr_Subscript(self, node):
        return ir.Index(self.expr(node.value), self.expr(node.slice), loc=self.loc(node))

    def expr_Slice(self, node):
        part = lambda p: None if p is None else self.expr(p)  # noqa: E731
        return ir.Slice(part(node.lower), part(node.upper), part(node.step), loc=self.loc(node))

    def expr_JoinedStr(self, node):
        parts = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                if v.conversion != -1 or v.format_spec is not None:
                    raise self.unsupported(v, "format specs in f-strings")
                parts.append(self.expr(v.value))
            else:
                parts.append(ir.Const(v.value, loc=self.loc(node)))
        return ir.Call(ir.Name("$format", loc=self.loc(node)), tuple(parts), loc=self.loc(node))


    # --- generator expressions into sum, min, max, any, all ----------------------------------
    def reduction(self, node: ast.Call) -> ir.Expr:
        """``sum(e for v in it if c)`` (and ``min max any all``): a loop accumulating into a
        temporary, run before the statement holding it (``hoisted``); the generator's variables
        are its own, renamed apart from the function's (Python 3 scoping). ``any``/``all`` stop
        at the first element that decides, as Python's."""
        func, gen, loc = node.func, node.args[0], self.loc(node)
        kind = func.id if isinstance(func, ast.Name) else None
        extra = node.args[1:] + [k.value for k in node.keywords]
        if kind not in _REDUCTIONS or any(k.arg != "start" for k in node.keywords) or len(extra) > (kind == "sum"):
            raise self.unsupported(gen, "generator expressions other than the one argument of sum (with a start), "
                                        "min, max, any or all")
        if self.conditional:
            raise CompileError("a generator expression inside a conditional expression, an `and`/`or` or a while "
                               "test is not supported in compiled code yet", loc,
                               hint="assign the sum (min, max...) to a variable first")
        n = next(self._temps)
        gen, renamed = _renamed_generator(gen, f"@g{n}")
        self.scopes[-1].bound |= renamed   # a lambda in the element captures them
        acc, first, item = f"$acc{n}", f"$first{n}", f"$item{n}"
        # What the element, the conditions and the inner iterables hoist (a generator inside
        # them) runs inside the loops, where their variables are; the first iterable's, before.
        before_element, element = self.hoisting(lambda: self.expr(gen.elt))
        init, step, after = _REDUCTIONS[kind](acc, first, item, element, loc)
        if kind == "sum" and extra:
            init = [ir.Assign(acc, self.expr(extra[0]), loc=loc)]
        body = before_element + step
        for depth in range(len(gen.generators) - 1, -1, -1):
            comp = gen.generators[depth]
            if comp.is_async:
                raise self.unsupported(comp, "async generator expressions")
            for cond in reversed(comp.ifs):
                before, test = self.hoisting(lambda cond=cond: self.expr(cond))
                body = before + [ir.If(test, tuple(body), (), loc=self.loc(cond))]
            before, iterable = self.hoisting(lambda comp=comp: self.expr(comp.iter)) if depth else \
                ([], self.expr(comp.iter))
            body = before + [self.loop(comp.target, iterable, body, self.loc(comp.iter))]
            if kind in ("any", "all") and depth > 0:   # the decision leaves every level
                decided = ir.Name(acc, loc=loc) if kind == "any" else ir.UnaryOp("not", ir.Name(acc, loc=loc), loc=loc)
                body.append(ir.If(decided, (ir.Break(loc=loc),), (), loc=loc))
        check = ir.ExprStmt(ir.Call(ir.Name("$builtin", loc=loc), (self.expr(func), ir.Const(kind, loc=loc)),
                                    loc=loc), loc=loc)
        self.hoisted += [check, *init, *body, *after]
        return ir.Name(acc, loc=loc)


def _renamed_generator(gen: ast.GeneratorExp, suffix: str) -> tuple[ast.GeneratorExp, set[str]]:
    """A copy of ``gen`` whose variables carry ``suffix``, everywhere but in the first
    iterable (evaluated in the enclosing scope, as Python does), and the new names."""
    names = {t.id for c in gen.generators for t in ast.walk(c.target) if isinstance(t, ast.Name)}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.copy_location(ast.Name(node.id + suffix, node.ctx), node) if node.id in names else node

    first = gen.generators[0].iter
    gen = copy.deepcopy(gen)
    gen = Rename().visit(gen)
    gen.generators[0].iter = first
    return gen, {name + suffix for name in names}


# --- scopes: which variables a nested function captures ------------------------------------------
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _body_of(node: ast.AST) -> list[ast.AST]:
    return [node.body] if isinstance(node, ast.Lambda) else node.body


def _own_nodes(nodes):
    """Every node under ``nodes`` that belongs to their function: a nested function or class
    is yielded (its name is bound here) but not entered."""
    stack = list(reversed(nodes))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(n))))


def _bound_names(node: ast.AST) -> set[str]:
    """The variables a function binds: its parameters, the names it assigns (a generator's
    variables included, as the frontend gives them no scope of their own) and its nested
    functions, less those it declares ``global``."""
    a = node.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs} | {p.arg for p in (a.vararg, a.kwarg) if p}
    own = list(_own_nodes(_body_of(node)))
    stored = {n.id for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    nested = {n.name for n in own if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    declared = {name for n in own if isinstance(n, ast.Global) for name in n.names}
    return (params | stored | nested) - declared


def _free_names(node: ast.AST) -> set[str]:
    """The names a function (or a function nested in it) reads that it does not bind."""
    own = [n for n in _own_nodes(_body_of(node)) if n is not node]
    read = {n.id for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for n in own:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            read |= _free_names(n)
    return read - _bound_names(node)


def _sum(acc, first, item, element, loc):
    name = lambda n: ir.Name(n, loc=loc)  # noqa: E731
    return ([ir.Assign(acc, ir.Const(0, loc=loc), loc=loc)],
            [ir.Assign(acc, ir.BinOp("+", name(acc), element, loc=loc), loc=loc)], [])


def _extremum(op: str, fname: str):
    def build(acc, first, item, element, loc):
        name = lambda n: ir.Name(n, loc=loc)  # noqa: E731
        true, false = ir.Const(True, loc=loc), ir.Const(False, loc=loc)
        better = ir.If(ir.Compare((op,), (name(item), name(acc)), loc=loc), (ir.Assign(acc, name(item), loc=loc),), (),
                       loc=loc)
        step = [ir.Assign(item, element, loc=loc),
                ir.If(name(first), (ir.Assign(acc, name(item), loc=loc), ir.Assign(first, false, loc=loc)), (better,),
                      loc=loc)]
        empty = ir.If(name(first), (ir.Raise(ir.Const(ValueError, loc=loc),
                                             ir.Const(f"{fname}() arg is an empty sequence", loc=loc), loc=loc),),
                      (), loc=loc)
        return [ir.Assign(first, true, loc=loc)], step, [empty]
    return build


def _decider(kind: str):
    def build(acc, first, item, element, loc):
        found = kind == "any"
        test = element if found else ir.UnaryOp("not", element, loc=loc)
        step = [ir.If(test, (ir.Assign(acc, ir.Const(found, loc=loc), loc=loc), ir.Break(loc=loc)), (), loc=loc)]
        return [ir.Assign(acc, ir.Const(not found, loc=loc), loc=loc)], step, []
    return build


_REDUCTIONS = {"sum": _sum, "min": _extremum("<", "min"), "max": _extremum(">", "max"),
               "any": _decider("any"), "all": _decider("all")}


def _describe(node: ast.AST) -> str:
    names = {"ListComp": "list comprehensions", "Lambda": "lambda expressions", "List": "lists",
             "Dict": "dicts", "Set": "sets", "GeneratorExp": "generator expressions",
             "With": "with", "Try": "try", "FunctionDef": "nested def", "ClassDef": "class",
             "Global": "global", "Nonlocal": "nonlocal", "Import": "import", "ImportFrom": "import",
             "Delete": "del", "Yield": "yield", "Await": "await", "NamedExpr": "walrus (:=)",
             "Starred": "starred expressions", "Match": "match", "DictComp": "dict comprehensions",
             "SetComp": "set comprehensions", "Slice": "slices"}
    name = type(node).__name__
    return names.get(name, name)
