"""What identifies a specialization: a method of a generic function at concrete argument types.

Kept apart from the compiler so that ``import dispatchjit`` and defining methods load no compiler
code (the frontend, inference and LLVM come in with the first compile)."""

from __future__ import annotations

import typing
from dataclasses import dataclass

from .lattice import JType

__all__ = ["SpecKey"]

@dataclass(frozen=True, slots=True)
class SpecKey:
    """One specialization: a method of a generic function at concrete argument types."""

    func: typing.Any
    method: typing.Any
    argtypes: tuple[JType, ...]

    def __repr__(self) -> str:
        return f"{self.func.__name__}({', '.join(map(repr, self.argtypes))})"
