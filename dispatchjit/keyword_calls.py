"""Keyword arguments in calls between generic functions in compiled code, bound as Python binds
them: a keyword naming a positional parameter fills it, defaults fill the rest, and the call
dispatches on the positional arguments alone (Julia's rule). The method it resolves to takes
its keyword-only parameters through the generic function of its body (``methods.Keywords``),
with the defaults of those not given."""

from __future__ import annotations

from . import ir
from .errors import MethodError, TypingError
from .methods import bind, positional_bindings
from .state import Edge

__all__ = ["keyword_call"]


def keyword_call(inf, func, e: ir.Call) -> ir.Expr:
    """``func(*args, **kwargs)`` (``e``) with ``func`` a generic function known while compiling."""
    args = tuple(inf.operand(a) for a in e.args)
    kwargs = {name: inf.operand(value) for name, value in e.kwargs}
    full = _positional(inf, func, args, kwargs, e)
    argtypes = tuple(a.type for a in full)
    try:
        method, _ = inf.ctx.resolve(func, argtypes)
    except MethodError:
        return inf.invoke(func, full, e.loc)   # raises when it runs, as any call that cannot dispatch
    bound = bind(method, args, kwargs)
    if bound is None:
        names = ", ".join(kwargs)
        raise TypingError(f"{func.__name__}: the method for these argument types, {method}, takes no keyword "
                          f"argument(s) {names} (or misses a required one)", e.loc,
                          hint="name only the parameters that method has, and every required keyword-only one")
    if method.keywords is None:
        return inf.invoke(func, full, e.loc)
    inf.result.edges.add(Edge(func, argtypes, method))   # dispatched here, on the positional arguments
    values = tuple(_expr(inf, v, e.loc) for v in bound[1])
    return inf.invoke(method.keywords.body, full + values, e.loc)


def _positional(inf, func, args: tuple, kwargs: dict, e: ir.Call) -> tuple[ir.Expr, ...]:
    """The positional arguments of the call, as every method that can take it binds them."""
    bindings = positional_bindings(func.table.methods, args, kwargs)
    names = ", ".join(kwargs)
    if not bindings:
        raise TypingError(f"no method of {func.__name__} takes the keyword argument(s) {names} with "
                          f"{len(args)} positional argument(s)", e.loc)
    if len(bindings) > 1:
        raise TypingError(f"keyword argument(s) {names} of {func.__name__}() name different positions in "
                          "different methods; pass them positionally", e.loc)
    return tuple(_expr(inf, v, e.loc) for v in bindings[0])


def _expr(inf, value, loc) -> ir.Expr:
    return value if isinstance(value, ir.Expr) else inf.const(value, loc)   # a default: a constant
