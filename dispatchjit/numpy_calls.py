"""How a call of a NumPy function in compiled code (``np.sum(x, axis=0)``, ``x.std(ddof=1)``)
becomes a call of the library's generic function standing for it.

Generic functions dispatch on positional arguments only, so the call is bound by NumPy's own
signature (``inspect.signature(np.sum)``: ``a, axis, dtype, out, keepdims, ...``) and passed
positionally in that order, up to the last argument the call gives; a parameter skipped on the
way takes the default the library declares (``library.register(..., keywords=...)``). So
``np.sum(x)`` calls ``sum(x)``, where a user's method for their own type is found, and
``np.sum(x, keepdims=True)`` calls ``sum(x, None, None, None, Val(True))``.

A parameter that decides the result's type (``keepdims`` decides its rank, ``order`` its
layout) is *static*: the call must give a constant, passed as ``Val(constant)``. An argument
NumPy has but the library does not support yet is a TypingError naming it.
"""

from __future__ import annotations

import functools
import inspect

from . import ir, library
from .errors import TypingError
from .lattice import Val, typeof

__all__ = ["bind", "REQUIRED"]

# The default of a parameter a compiled call must give (squeeze's axes: without them the rank
# of the result would depend on the array's shape).
REQUIRED = object()

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@functools.cache
def _parameters(py) -> tuple[inspect.Parameter, ...]:
    return tuple(inspect.signature(py).parameters.values())


def bind(inf, func, args: list, kwargs: dict, loc, name: str) -> tuple[ir.Expr, ...] | None:
    """The typed positional arguments of ``func`` for ``name(*args, **kwargs)``; ``args`` are
    untyped IR, or typed IR for an array method's owner. None when the library declares no
    keywords for ``func`` (a ufunc: its caller passes the arguments as given, and ``out=``)."""
    spec = library.keywords(func)
    if spec is None:
        return None
    supported, static = spec
    params = _parameters(library.stands_for(func))
    positional = [p for p in params if p.kind in _POSITIONAL]
    if len(args) > len(positional):
        raise TypingError(f"{name}() takes at most {len(positional)} positional arguments ({len(args)} given)", loc)
    given = {p.name: a for p, a in zip(positional, args)}
    for key, value in kwargs.items():
        p = next((p for p in params if p.name == key), None)
        if p is None or p.kind == inspect.Parameter.POSITIONAL_ONLY:
            raise TypingError(f"{name}() got an unexpected keyword argument '{key}'", value.loc)
        if key in given:
            raise TypingError(f"{name}() got multiple values for argument '{key}'", value.loc)
        given[key] = value
    for p in params[:1]:   # np.random.random() may go without its first (size=None)
        if p.name not in given and p.default is inspect.Parameter.empty:
            raise TypingError(f"{name}() missing required argument '{p.name}'", loc)
    for key, default in supported.items():
        if default is REQUIRED and key not in given:
            raise TypingError(f"{name}() needs the argument '{key}' in compiled code: it decides the type of the "
                              "result", loc, hint=f"pass {key}= explicitly")
    for key, value in given.items():
        if key != params[0].name and key not in supported:
            raise TypingError(f"{name}(): the argument '{key}' is not supported in compiled code yet", value.loc,
                              hint=f"supported: {', '.join(supported) or 'none'}")
    last = max((i for i, p in enumerate(params) if p.name in given), default=-1)
    bound = []
    for p in params[:last + 1]:
        value = given.get(p.name)
        if value is None and p.default is inspect.Parameter.empty:
            raise TypingError(f"{name}() missing required argument '{p.name}'", loc)
        bound.append(_typed(inf, value, p.name, supported.get(p.name), p.name in static, name, loc))
    return tuple(bound)


def _typed(inf, value, pname: str, default, is_static: bool, name: str, loc) -> ir.Expr:
    if value is None:
        constant = Val(default) if is_static else default
        return ir.Const(constant, type=typeof(constant), loc=loc)
    if is_static:
        if isinstance(value, ir.Const) and isinstance(value.value, str):
            return ir.Const(Val(value.value), type=typeof(Val(value.value)), loc=value.loc)
        typed = inf.expr(value)
        if not (isinstance(typed, ir.Const) and isinstance(typed.value, (bool, int, type(None)))):
            raise TypingError(f"{name}(): '{pname}' must be a constant in compiled code (it decides the type of "
                              "the result)", value.loc)
        return ir.Const(Val(typed.value), type=typeof(Val(typed.value)), loc=value.loc)
    if isinstance(value, ir.Expr) and value.type is not None:
        return value   # an array method's owner, typed already
    return inf.operand(value)
