"""Closures: a nested ``def`` or a ``lambda`` is a struct of the values it captures, callable.

As in Julia, a closure is an ordinary user type: the frontend lifts the nested function's body
into a ``ClosureCode`` whose first parameter is the closure itself and which reads each captured
variable from it; the first time inference meets the closure it becomes a parametric immutable
``@struct`` (one type parameter per captured variable, so ``lambda x: x + k`` over an Int64 ``k``
is ``f.<locals>.<lambda>[Int64]``) whose class body's ``__call__`` is that code, a method of
``ops.call`` like any callable struct's. So a closure passed to another generic function is a
value of a concrete type there and its call is direct, it boxes to a Python object that calls
the compiled code, and nothing in lowering knows about closures.

Capture is by value, when the closure is made (the frontend rejects an assignment to a captured
variable after that point, which Python's late binding would see).
"""

from __future__ import annotations

import types
from typing import Generic, TypeVar

from . import ir
from .lattice import JType, StructType

__all__ = ["ClosureCode", "closure_class", "closure_type", "field_name", "SELF"]

SELF = "$closure"   # the lifted body's first parameter: the closure

# ``structs.struct``, installed by ``structs`` when it loads (the frontend imports this module,
# and ``structs`` reaches the compiler through the method tables: importing it here would close
# a circle).
make_struct = None


class ClosureCode:
    """A nested function lifted out of the function defining it: its body (``fn``, whose first
    parameter is the closure, then the nested function's own), the enclosing function's
    variables it captures, the constant defaults of its last parameters, and the function whose
    globals and cells its other names resolve in (``scope``)."""

    def __init__(self, name: str, qualname: str, fn: ir.Function, captures: tuple[str, ...],
                 defaults: tuple, scope, line: int):
        self.name, self.qualname, self.fn, self.captures = name, qualname, fn, captures
        self.defaults, self.scope, self.line = defaults, scope, line
        self._cls = None

    def __repr__(self) -> str:
        return f"<closure code {self.qualname}>"


def field_name(captured: str) -> str:
    """The struct field holding a captured variable: its name (a generator's renamed variable,
    ``x@g1``, made an identifier)."""
    return captured if captured.isidentifier() else "_" + "".join(c if c.isalnum() else "_" for c in captured)


def closure_class(code: ClosureCode) -> type:
    """The struct type of ``code``'s closures, made once: parametric in the captured values'
    types, its ``__call__`` the lifted body."""
    if code._cls is None:
        params = [TypeVar(f"C{i}") for i in range(len(code.captures))]
        ns = {"__annotations__": {field_name(c): tv for c, tv in zip(code.captures, params)},
              "__module__": code.scope.__module__, "__qualname__": code.qualname, "__call__": _call_stub(code)}
        bases = (Generic[tuple(params)],) if params else ()
        code._cls = make_struct(types.new_class(code.name, bases, exec_body=lambda body: body.update(ns)))
    return code._cls


def closure_type(code: ClosureCode, captured: tuple[JType, ...]) -> StructType:
    """The type of a closure of ``code`` over values of the types ``captured``."""
    return StructType(closure_class(code).__dispatchjit_struct__, captured)


def _call_stub(code: ClosureCode):
    """A Python function with the closure's signature (the closure, then the nested function's
    parameters and defaults) standing for the lifted body: what the method table registers.
    Its code claims the nested function's file and line, so errors name them."""
    names = ["__dispatchjit_closure__", *code.fn.params[1:]] + ([f"*{code.fn.vararg}"] if code.fn.vararg else [])
    source = "\n" * (code.line - 1) + f"def call({', '.join(names)}): pass\n"
    module = compile(source, code.fn.loc.file, "exec", dont_inherit=True)
    stub_code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    stub = types.FunctionType(stub_code, code.scope.__globals__, code.name, code.defaults or None)
    stub.__qualname__ = code.qualname
    stub.__module__ = code.scope.__module__
    stub.__dispatchjit_ir__ = code.fn
    stub.__dispatchjit_scope__ = code.scope
    return stub
