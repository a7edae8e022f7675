"""User-facing errors. Each one a user can cause names the place in *their* code: a
``SourceLoc`` renders as ``file:line:col``, the source line, and a caret under the culprit."""

from __future__ import annotations

import linecache
from dataclasses import dataclass

__all__ = ["SourceLoc", "DispatchJITError", "CompileError", "TypingError", "MethodError", "FieldError", "UnsupportedOnTarget",
           "AmbiguityError", "InexactError", "InternalCompilerError"]


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """Where a construct stands in the user's source (1-based line, 0-based column)."""

    file: str
    line: int
    col: int = 0
    end_col: int | None = None
    func: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"

    def text(self) -> str | None:
        """The source text this location spans, when it is on one line of a readable file."""
        line = linecache.getline(self.file, self.line)
        if not line or self.end_col is None:
            return None
        return line[self.col:self.end_col]

    def excerpt(self) -> str:
        """The source line with a caret under the columns this location covers ('' if the file
        cannot be read, as for code typed at a prompt)."""
        text = linecache.getline(self.file, self.line).rstrip("\n")
        if not text:
            return ""
        width = max(1, (self.end_col or self.col + 1) - self.col)
        return f"    {text}\n    {' ' * self.col}{'^' * width}"


class DispatchJITError(Exception):
    """Base of the errors dispatchjit raises for problems in the user's code."""


class CompileError(DispatchJITError):
    """A construct the compiler does not support, raised at the first call that needs it."""

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str | None = None):
        self.message, self.loc, self.hint = message, loc, hint
        super().__init__(self._render())

    def _render(self) -> str:
        if self.loc is None:
            return self.message
        where = f"{self.loc}" + (f" in {self.loc.func}" if self.loc.func else "")
        parts = [f"{where}: {self.message}", self.loc.excerpt()]
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return "\n".join(p for p in parts if p)


class TypingError(CompileError, TypeError):
    """Type inference failed: an operation on types it is not defined for, or values whose types
    cannot merge. The message names the expression, the types and the line. Also a ``TypeError``,
    which is what Python raises for an operation on the wrong types."""


class FieldError(CompileError, AttributeError):
    """A struct field that does not exist, or a write to a field of an immutable struct, in
    compiled code. Also an ``AttributeError``, which is what Python raises for both."""


class MethodError(TypeError):
    """No method of a generic function applies to the argument types."""


class AmbiguityError(MethodError):
    """Several methods apply and none is more specific than all the others."""


class InexactError(ValueError):
    """A value that its target type cannot hold exactly (``convert(Int64, 2.5)``), as Julia's."""


class InternalCompilerError(RuntimeError):
    """A bug in dispatchjit, not in the user's code."""

    def __init__(self, message: str, loc: SourceLoc | None = None):
        where = f" (compiling {loc})" if loc else ""
        super().__init__(f"{message}{where}. This is a bug in dispatchjit; please report it.")


class UnsupportedOnTarget(Exception):
    """An operation the target cannot do; lowering reports it as a ``CompileError`` at the line
    of the expression that needed it."""
