"""What identifies a specialization, and the lock compiles hold.

Kept apart from the compiler so that ``import dispatchjit`` and defining methods load no compiler
code (the frontend, inference and LLVM come in with the first compile)."""

from __future__ import annotations

import threading
import typing
from dataclasses import dataclass

from .types import JType

__all__ = ["SpecKey", "COMPILE_LOCK"]

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
