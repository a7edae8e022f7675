"""Methods and method tables: what ``@generic`` definitions become, and how a call picks one.

A ``Method`` is one definition's signature; a ``MethodTable`` holds a generic function's methods
and resolves a call's concrete argument types to the unique most specific applicable method, or
raises ``MethodError`` / ``AmbiguityError`` with Julia-style messages.
"""

from __future__ import annotations

import inspect
import itertools
import linecache
import os
import typing
from dataclasses import dataclass

from .errors import AmbiguityError, MethodError
from .subtype import (
    erase_typevars, free_typevars, issubtype, match, morespecific, same_signature, signature_type,
    typeintersect,
)
from .lattice import Any, JType, Nothing, PrimitiveType, TupleType, TypeVar, from_annotation, typeof

__all__ = ["Method", "MethodTable", "Keywords", "bind", "positional_bindings", "methods_from_function", "current_world", "format_call"]

_WORLD = itertools.count(1)
_current_world = 0


def current_world() -> int:
    """The global world age: bumped by every method added to any table, as in Julia."""
    return _current_world


def _next_world() -> int:
    global _current_world
    _current_world = next(_WORLD)
    return _current_world


@dataclass(frozen=True)
class Method:
    """One method of a generic function.

    ``sig`` holds the positional parameter types, ``vararg`` the element type of ``*args``
    (``None`` without one), ``typevars`` the ``where`` variables. A method made for omitted
    defaults has ``defaults_of`` set to the full method and ``ngiven`` to the number of
    arguments it takes; it is compiled as "fill in the defaults and call the function again"."""

    name: str
    func: typing.Callable
    sig: tuple[JType, ...]
    vararg: JType | None = None
    typevars: tuple[TypeVar, ...] = ()
    file: str = "<unknown>"
    line: int = 0
    defaults_of: Method | None = None
    ngiven: int = 0
    keywords: Keywords | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def display(self, mismatched: frozenset[int] = frozenset()) -> str:
        """Julia's method display, ``area(w::Int64, h::Int64) @ file.py:12``; the parameters at
        the indices in ``mismatched`` (index ``len(sig)`` meaning the vararg) read
        ``!Matched::T``."""
        names, rest = self._param_names()
        parts = [_param(n, t, i in mismatched) for i, (n, t) in enumerate(zip(names, self.sig))]
        if self.vararg is not None:
            parts.append(_param(rest, self.vararg, len(self.sig) in mismatched) + "...")
        where = ""
        if self.typevars:
            shown = [v.name if v.bound is Any else f"{v.name}<:{v.bound!r}" for v in self.typevars]
            where = f" where {shown[0]}" if len(shown) == 1 else f" where {{{', '.join(shown)}}}"
        keywords = f"; {', '.join(self.keywords.names)}" if self.keywords is not None else ""
        return f"{self.name}({', '.join(parts)}{keywords}){where} @ {self.location}"

    def _param_names(self) -> tuple[list[str], str]:
        try:
            params = list(inspect.signature(self.func).parameters.values())
        except (TypeError, ValueError):  # builtins and other callables without a signature
            params = []
        positional = [p.name for p in params if p.kind in _POSITIONAL]
        rest = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), "args")
        positional += [f"x{i + 1}" for i in range(len(positional), len(self.sig))]
        return positional, rest

    def __str__(self) -> str:
        return self.display()

    __repr__ = __str__


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class Keywords:
    """A method's keyword-only parameters, Julia's keyword arguments: not dispatched on. The
    method's body is the one method of a generic function of its own (``body``, made by
    ``generic``) taking them after the positional parameters, so it specializes on their types;
    the method itself fills in the defaults and calls it (a required one missing raises)."""

    def __init__(self, names: tuple[str, ...], defaults: dict, body_method: Method):
        self.names, self.defaults, self.body_method = names, defaults, body_method
        self.body = None   # the GenericFunction of body_method


def bind(method: Method, args: tuple, kwargs: dict) -> tuple[tuple, tuple] | None:
    """A call of ``method``'s function with ``args`` and ``kwargs`` (any values: expressions
    too) bound as Python binds it: the positional arguments, defaults filled in, and the values
    of its keyword-only parameters in order; None where Python would raise a TypeError."""
    try:
        bound = inspect.signature(method.func).bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    keywords = method.keywords.names if method.keywords is not None else ()
    return bound.args, tuple(bound.arguments[n] for n in keywords)


def positional_bindings(methods, args: tuple, kwargs: dict) -> list[tuple]:
    """The distinct positional argument lists (defaults filled in) that the full methods among
    ``methods`` able to take the call bind it to: one, or the call is ambiguous (several) or
    taken by none (empty)."""
    bindings: list[tuple] = []
    for method in methods:
        bound = None if method.defaults_of is not None else bind(method, args, kwargs)
        if bound is not None and not any(len(b) == len(bound[0]) and all(x is y for x, y in zip(b, bound[0]))
                                         for b in bindings):
            bindings.append(bound[0])
    return bindings


def _param(name: str, t: JType, mismatched: bool) -> str:
    if mismatched:
        return f"!Matched::{t!r}"
    return name if t is Any else f"{name}::{t!r}"


def format_call(name: str, argtypes: tuple[JType, ...]) -> str:
    """A call signature as Julia prints it: ``area(::Float64, ::PyObject[str])``."""
    return f"{name}({', '.join(f'::{t!r}' for t in argtypes)})"


# --- from Python functions --------------------------------------------------------------------
def methods_from_function(func, name: str | None = None) -> list[Method]:
    """The methods one ``def`` defines: the full one, then one per omitted trailing default
    (``def f(x: int, y: float = 2.0)`` gives ``f(x, y)`` and ``f(x)``, as Julia does).

    Keyword-only parameters are not dispatched on: the full method carries them (``Keywords``)
    and its body. Raises ``TypeError`` naming the function and its ``file:line`` for ``**kwargs``,
    keyword-only parameters after ``*args``, annotations that are not types, and defaults of types
    the compiler cannot hold (only ints, floats, bools, complex numbers, ``None`` and tuples of
    those)."""
    name = name or func.__name__
    file, line = _def_location(func)
    func.__dispatchjit_source_stamp__ = source_stamp(func.__code__.co_filename)
    where = f"`{name}` at {file}:{line}"
    hints = _annotations(func)
    typevars: dict = {}
    sig: list[JType] = []
    vararg = None
    defaults: list[typing.Any] = []
    keywords: dict[str, JType] = {}
    keyword_defaults: dict[str, typing.Any] = {}
    for p in _parameters(func):
        if p.kind is p.VAR_KEYWORD:
            raise TypeError(f"{where}: `**{p.name}` is not supported; name the keyword parameters "
                            "(def f(x, *, tol=1e-8))")
        t = _param_type(hints, p.name, typevars, where)
        if p.kind is p.KEYWORD_ONLY:
            if vararg is not None:
                raise TypeError(f"{where}: keyword-only parameter `{p.name}` after *args is not supported yet")
            keywords[p.name] = t
            if p.default is not p.empty:
                _check_default(p, where)
                keyword_defaults[p.name] = p.default
            continue
        if p.kind is p.VAR_POSITIONAL:
            vararg = t
            continue
        sig.append(t)
        if p.default is not p.empty:
            _check_default(p, where)
            defaults.append(p.default)
    kw = None
    if keywords:
        body_sig = (*sig, *keywords.values())
        kw = Keywords(tuple(keywords), keyword_defaults, Method(name, func, body_sig, None, _typevars(body_sig, None),
                                                                 file, line))
    full = Method(name, func, tuple(sig), vararg, _typevars(sig, vararg), file, line, keywords=kw)
    shorter = [Method(name, func, full.sig[:k], None, _typevars(full.sig[:k], None), file, line,
                      full, k)
               for k in range(len(sig) - len(defaults), len(sig))]
    return [full, *shorter]


def _parameters(func) -> list[inspect.Parameter]:
    """A ``def``'s parameters, read from its code object: what ``inspect.signature`` gives
    for a plain function, at a fifth of the cost (the library registers 800 methods)."""
    code, P = func.__code__, inspect.Parameter
    names = code.co_varnames
    npos, nkw = code.co_argcount, code.co_kwonlyargcount
    defaults = func.__defaults__ or ()
    kwdefaults = func.__kwdefaults__ or {}
    first_default = npos - len(defaults)
    params = [P(names[i], P.POSITIONAL_ONLY if i < code.co_posonlyargcount else P.POSITIONAL_OR_KEYWORD,
                default=defaults[i - first_default] if i >= first_default else P.empty)
              for i in range(npos)]
    at = npos + nkw
    if code.co_flags & inspect.CO_VARARGS:
        params.append(P(names[at], P.VAR_POSITIONAL))
        at += 1
    params += [P(names[i], P.KEYWORD_ONLY, default=kwdefaults.get(names[i], P.empty)) for i in range(npos, npos + nkw)]
    if code.co_flags & inspect.CO_VARKEYWORDS:
        params.append(P(names[at], P.VAR_KEYWORD))
    return params


def source_stamp(file: str) -> tuple[int, int] | None:
    """A file's size and modification time (None for source that is not a file: a notebook cell,
    a prompt): the compiler compares them to tell a file edited after the function was defined."""
    try:
        st = os.stat(file)
    except (OSError, ValueError):
        return None
    return st.st_size, st.st_mtime_ns


def _def_location(func) -> tuple[str, int]:
    """File and line of the ``def`` itself (``co_firstlineno`` is the first decorator's line)."""
    code = func.__code__
    for line in range(code.co_firstlineno, code.co_firstlineno + 50):
        text = linecache.getline(code.co_filename, line).lstrip()
        if not text:
            break
        if text.startswith(("def ", "async def ")):
            return code.co_filename, line
    return code.co_filename, code.co_firstlineno


def _annotations(func) -> dict:
    raw = getattr(func, "__annotations__", {})
    if not any(isinstance(v, str) or v is None for v in raw.values()):
        return dict(raw)   # already evaluated: what ``get_type_hints`` would give, at a tenth of its cost
    try:
        return typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 -- any failure to evaluate: fall back to the raw objects
        return dict(getattr(func, "__annotations__", {}))


def _param_type(hints: dict, pname: str, typevars: dict, where: str) -> JType:
    if pname not in hints:
        return Any
    try:
        return from_annotation(hints[pname], typevars)
    except TypeError as e:
        raise TypeError(f"{where}: parameter `{pname}`: {e}") from None


def _check_default(p: inspect.Parameter, where: str) -> None:
    try:
        ok = _holdable(typeof(p.default))
    except (OverflowError, TypeError):
        ok = False
    if not ok:
        raise TypeError(f"{where}: default value {p.default!r} of `{p.name}` is not a value the "
                        "compiler can hold (use ints, floats, bools, complex, None or tuples of those)")


def _holdable(t: JType) -> bool:
    if isinstance(t, TupleType):
        return all(map(_holdable, t.params))
    return isinstance(t, PrimitiveType) or t == Nothing


def _typevars(sig, vararg) -> tuple[TypeVar, ...]:
    return tuple(free_typevars(TupleType(tuple(sig), vararg)))


# --- the table --------------------------------------------------------------------------------
class MethodTable:
    """The methods of one generic function, in definition order.

    ``world`` is the global world age (``current_world()``) at this table's last change, so a
    caller can tell that its caches are stale."""

    def __init__(self, name: str):
        self.name = name
        self.methods: list[Method] = []
        self.world = current_world()

    def add(self, method: Method) -> Method | None:
        """Add ``method``; one with the same signature (the same type: ``where`` variables equal
        up to renaming, ``Union[Int64, Integer]`` the same as ``Integer``) is replaced in place
        and returned, as Julia does."""
        self.world = _next_world()
        for i, old in enumerate(self.methods):
            if same_signature(old, method):
                self.methods[i] = method
                return old
        self.methods.append(method)
        return None

    def applicable(self, argtypes: tuple[JType, ...]) -> list[Method]:
        """The methods that accept these concrete argument types, in definition order."""
        return [m for m in self.methods if match(argtypes, m) is not None]

    def resolve(self, argtypes: tuple[JType, ...]) -> tuple[Method, dict[TypeVar, JType]]:
        """The method a call with these concrete argument types runs, and its ``where`` bindings.

        Raises ``MethodError`` when no method applies and ``AmbiguityError`` when several apply
        and none is more specific than all the others. Callers may cache successful answers per
        ``argtypes`` until the table changes, but must never cache an ambiguity: Julia reports it
        at each call, and a later method covering the intersection resolves it."""
        found = [(m, env) for m in self.methods if (env := match(argtypes, m)) is not None]
        if len(found) == 1:
            return found[0]
        if not found:
            raise MethodError(self._no_method_message(argtypes))
        n = len(argtypes)
        for m, env in found:
            if all(m is other or morespecific(m, other, n) for other, _ in found):
                return m, env
        raise AmbiguityError(self._ambiguity_message(argtypes, [m for m, _ in found]))

    def _no_method_message(self, argtypes: tuple[JType, ...]) -> str:
        head = f"no method matching {format_call(self.name, argtypes)}"
        if not self.methods:
            return f"{head}\nThe generic function `{self.name}` has no methods."
        scored = sorted(((_closeness(m, argtypes), i, m) for i, m in enumerate(self.methods)),
                        key=lambda s: (-s[0][0], -s[0][1], s[1]))
        lines = [m.display(_mismatches(m, argtypes)) for _, _, m in scored[:3]]
        return "\n".join([head, "Closest candidates are:", *("  " + s for s in lines)])

    def _ambiguity_message(self, argtypes: tuple[JType, ...], found: list[Method]) -> str:
        n = len(argtypes)
        # Only the methods that no other applicable method beats are in conflict.
        rivals = [m for m in found if not any(morespecific(o, m, n) for o in found if o is not m)]
        lines = [f"{format_call(self.name, argtypes)} is ambiguous.", "Candidates:"]
        lines += [f"  {m}" for m in rivals]
        lines += ["Possible fix, define", f"  {_fix_signature(self.name, rivals, argtypes)}"]
        return "\n".join(lines)


def _closeness(m: Method, argtypes: tuple[JType, ...]) -> tuple[int, int]:
    """(arity fits, number of arguments whose parameter accepts them)."""
    accepted = _accepted(m, argtypes)
    return (0, 0) if accepted is None else (1, sum(accepted))


def _mismatches(m: Method, argtypes: tuple[JType, ...]) -> frozenset[int]:
    """Indices of parameters (``len(sig)`` for the vararg) that reject their argument."""
    accepted = _accepted(m, argtypes) or []
    return frozenset(min(i, len(m.sig)) for i, ok in enumerate(accepted) if not ok)


def _accepted(m: Method, argtypes: tuple[JType, ...]) -> list[bool] | None:
    """Per argument, whether its parameter (variables read as their bounds) accepts it; ``None``
    when the arity does not fit."""
    n, k = len(argtypes), len(m.sig)
    if not (n == k or n > k and m.vararg is not None):
        return None
    params = m.sig + (m.vararg,) * (n - k)
    return [issubtype(a, erase_typevars(p)) for a, p in zip(argtypes, params)]


def _fix_signature(name: str, rivals: list[Method], argtypes: tuple[JType, ...]) -> str:
    """The signature whose definition would resolve the ambiguity: the rivals' intersection
    when it can be computed exactly, else the call's own concrete signature."""
    meet: JType | None = signature_type(rivals[0])
    for m in rivals[1:]:
        meet = typeintersect(meet, signature_type(m)) if meet is not None else None
    if not isinstance(meet, TupleType):
        return format_call(name, argtypes)
    shown = [f"::{t!r}" for t in meet.params]
    if meet.vararg is not None:
        shown.append(f"::{meet.vararg!r}...")
    return f"{name}({', '.join(shown)})"
