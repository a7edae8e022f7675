"""What identifies a specialization, and the lock compiles hold.

Kept apart from the compiler so that ``import dispatchjit`` and defining methods load no compiler
code (the frontend, inference and LLVM come in with the first compile)."""

from __future__ import annotations

import threading
import typing
from dataclasses import dataclass, field

from .lattice import JType

__all__ = ["SpecKey", "COMPILE_LOCK", "CompiledEntry"]

# LLVM contexts and the compiler's caches are not thread-safe: compiles are serialized (calls
# are not). Re-entrant: a compile may define nothing, but inspection may compile while holding it.
COMPILE_LOCK = threading.RLock()


@dataclass(frozen=True, slots=True)
class SpecKey:
    """One specialization: a method of a generic function at concrete argument types."""

    func: typing.Any
    method: typing.Any
    argtypes: tuple[JType, ...]

    def __repr__(self) -> str:
        return f"{self.func.__name__}({', '.join(map(repr, self.argtypes))})"


@dataclass
class CompiledEntry:
    """What one compile of a root signature produced."""

    key: SpecKey
    entry: object                     # the builtin Python calls
    closure: frozenset[SpecKey]       # every specialization compiled into the module
    return_type: JType
    timings: dict[str, float]
    stored_ir: str                    # the optimized module's text, when loaded from the cache
    module_ref: object = field(repr=False, default=None)    # None when loaded from the cache
    counter_address: int = 0
    entry_address: int = 0            # the entry point's machine code (for the dispatcher)
    keepalive: list = field(default_factory=list, repr=False)
    edges: tuple = ()                 # for a cache load: the calls (Edges) it inlined
    cache_key: str | None = None      # its entry in the on-disk cache, if any

    @property
    def llvm_ir(self) -> str:
        """The optimized LLVM IR (rendered on demand: a compile need not pay for the text)."""
        return self.stored_ir if self.module_ref is None else str(self.module_ref)
