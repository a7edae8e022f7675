"""A readable rendering of the typed IR, in the spirit of Julia's ``@code_typed``: one statement
per row, prefixed by its source line, every value annotated with its type."""

from __future__ import annotations

from . import ir

__all__ = ["format_function", "format_expr"]


def format_function(inferred) -> str:
    fn, key = inferred.fn, inferred.key
    params = [f"{p}::{t!r}" for p, t in zip(fn.params, key.argtypes)]
    if fn.vararg is not None:
        params.append(f"{fn.vararg}::{dict(fn.locals)[fn.vararg]!r}...")
    head = f"function {fn.name}({', '.join(params)})::{fn.return_type!r}    # {fn.loc.file}:{fn.loc.line}"
    lines = [head]
    shown = [f"{n}::{t!r}" for n, t in fn.locals if n not in fn.params and n != fn.vararg]
    if shown:
        lines.append(f"      locals: {', '.join(shown)}")
    _block(fn.body, 1, lines)
    lines.append("end")
    return "\n".join(lines)


def _row(s: ir.Node, depth: int, text: str, lines: list[str]) -> None:
    lines.append(f"{s.loc.line:>5} │{'  ' * depth}{text}")


def _block(stmts, depth: int, lines: list[str]) -> None:
    for s in stmts:
        _stmt(s, depth, lines)


def _stmt(s: ir.Stmt, depth: int, lines: list[str]) -> None:
    if isinstance(s, ir.Assign):
        _row(s, depth, f"{s.target} = {format_expr(s.value)}", lines)
    elif isinstance(s, ir.ExprStmt):
        _row(s, depth, format_expr(s.value), lines)
    elif isinstance(s, ir.SetField):
        _row(s, depth, f"setfield!({format_expr(s.target)}, {s.index}, {format_expr(s.value)})", lines)
    elif isinstance(s, ir.Return):
        _row(s, depth, f"return {format_expr(s.value)}", lines)
    elif isinstance(s, ir.If):
        _row(s, depth, f"if {format_expr(s.test)}", lines)
        _block(s.body, depth + 1, lines)
        if s.orelse:
            _row(s, depth, "else", lines)
            _block(s.orelse, depth + 1, lines)
        _row(s, depth, "end", lines)
    elif isinstance(s, ir.While):
        _row(s, depth, f"while {format_expr(s.test)}", lines)
        _block(s.body, depth + 1, lines)
        _row(s, depth, "end", lines)
    elif isinstance(s, ir.ForRange):
        r = ", ".join(format_expr(x) for x in (s.start, s.stop, s.step))
        _row(s, depth, f"for {s.target}::Int64 in range({r})", lines)
        _block(s.body, depth + 1, lines)
        _row(s, depth, "end", lines)
    else:
        _row(s, depth, type(s).__name__.lower(), lines)


def format_expr(e: ir.Expr) -> str:
    t = f"::{e.type!r}"
    if isinstance(e, ir.Const):
        return f"{e.value!r}{t}" if not hasattr(e.value, "__name__") else f"{e.value.__name__}{t}"
    if isinstance(e, ir.Name):
        return f"{e.id}{t}"
    if isinstance(e, ir.Prim):
        return f"{e.op}({', '.join(map(format_expr, e.args))}){t}"
    if isinstance(e, ir.Invoke):
        return f"invoke {e.target!r}({', '.join(map(format_expr, e.args))}){t}"
    if isinstance(e, ir.Convert):
        return f"convert({format_expr(e.value)}){t}"
    if isinstance(e, ir.TupleExpr):
        return f"({', '.join(map(format_expr, e.elts))},){t}"
    if isinstance(e, ir.New):
        return f"new {e.type!r}({', '.join(map(format_expr, e.args))}){t}"
    if isinstance(e, ir.GetField):
        return f"getfield({format_expr(e.value)}, {e.index}){t}"
    if isinstance(e, ir.Compare):
        parts = [format_expr(e.operands[0])]
        for op, x in zip(e.ops, e.operands[1:]):
            parts += [op, format_expr(x)]
        return f"({' '.join(parts)}){t}"
    if isinstance(e, ir.BoolOp):
        return f"({f' {e.op} '.join(map(format_expr, e.values))}){t}"
    if isinstance(e, ir.IfExp):
        return f"ifelse({format_expr(e.test)}, {format_expr(e.body)}, {format_expr(e.orelse)}){t}"
    if isinstance(e, ir.Throw):
        from .runtime.exceptions import site
        s = site(e.site)
        return f"throw {s.exc.__name__}({s.template!r}){t}"
    return f"{type(e).__name__}{t}"
