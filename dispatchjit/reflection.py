"""Inspection: what a call would run and what the compiler makes of it, at every stage.

``code_typed``/``code_llvm``/``code_native`` take a generic function and the argument *types*
(lattice types or Python classes such as ``float``) and return text, compiling if needed.
"""

from __future__ import annotations

from .spec import SpecKey
from .lattice import from_annotation

__all__ = ["which", "code_typed", "code_llvm", "code_native"]


def _key(f, types) -> SpecKey:
    argtypes = tuple(from_annotation(t) for t in types)
    method, _ = f.resolve_types(argtypes)
    return SpecKey(f, method, argtypes)


def which(f, *types):
    """The method a call of ``f`` with arguments of these types runs (MethodError if none)."""
    return _key(f, types).method


def code_typed(f, *types) -> str:
    """The typed IR of the specialization: every value with its type, every line numbered."""
    from . import driver
    from .printer import format_function
    from .targets.cpu import host
    key = _key(f, types)
    return format_function(driver.compile(driver.Job(key, host()), stop_at="typed").closure[key])


def code_llvm(f, *types) -> str:
    """The optimized LLVM IR of the specialization (its callees inlined where LLVM chose), as
    a function ``i32 @name(ret*, exc*, args...)`` returning a status (see ``lowering.abi``)."""
    from . import driver
    return str(driver.optimized_module(_key(f, types)))


def code_native(f, *types) -> str:
    """The host assembly of the specialization."""
    from . import driver
    from .targets.cpu import host
    return host().emit_assembly(driver.optimized_module(_key(f, types)))


