"""Exceptions raised from compiled code.

Compiled code never touches Python objects to raise: each place that can raise is a *raise site*
registered at compile time (exception class, message template, the user's source location), and
the code only writes the site's number and up to ``MAX_PAYLOAD`` numbers for the message into an
``ExcInfo`` record that its caller owns, then returns a non-zero status. The entry point that
Python called hands that record to ``raise_from_excinfo``, which builds the real exception and
raises it from a frame placed at the user's file and line, so the traceback shows their code.
The record lives on the entry point's stack, so concurrent calls never share one.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from dataclasses import dataclass

from ..errors import SourceLoc

__all__ = ["RaiseSite", "ExcInfo", "MAX_PAYLOAD", "STACK_BUDGET", "register_site", "site", "raise_from_excinfo",
           "reraise_at"]

MAX_PAYLOAD = 4


# Recursive compiled code may use this much native stack below its entry point before it raises
# RecursionError instead of overflowing the stack (Python's own limit is 1000 frames).
STACK_BUDGET = 1 << 20


class ExcInfo(ctypes.Structure):
    """Per call: the raise site and message values, the lowest stack address recursive code
    may reach (set by the entry point), and ``where``: the site of the user's call into the
    library that raised (``dispatchjit.base``: np.min of an empty array), whose line the
    exception is raised at; -1 (the entry point's) when the user's own code raised."""

    _fields_ = [("site", ctypes.c_int64), ("payload", ctypes.c_int64 * MAX_PAYLOAD),
                ("stack_limit", ctypes.c_int64), ("where", ctypes.c_int64)]


@dataclass(frozen=True, slots=True)
class RaiseSite:
    """``exc(template.format(*payload))`` raised at ``loc``; ``kinds`` says how to read each
    payload word: 'i' signed, 'u' unsigned, 'f' float64 bits, 'b' bool."""

    exc: type
    template: str | None
    kinds: tuple[str, ...]
    loc: SourceLoc


_sites: list[RaiseSite] = []
_index: dict[RaiseSite, int] = {}
_lock = threading.Lock()
_raisers: dict[int, object] = {}


def register_site(exc: type, template: str | None, loc: SourceLoc, kinds: tuple[str, ...] = ()) -> int:
    """The id compiled code stores to raise ``exc`` at ``loc`` (equal sites share an id)."""
    if len(kinds) > MAX_PAYLOAD:
        raise ValueError(f"a raise site formats at most {MAX_PAYLOAD} values")
    s = RaiseSite(exc, template, kinds, loc)
    with _lock:
        if s not in _index:
            _index[s] = len(_sites)
            _sites.append(s)
        return _index[s]


def site(site_id: int) -> RaiseSite:
    return _sites[site_id]


def _decode(word: int, kind: str):
    if kind == "f":
        return struct.unpack("<d", struct.pack("<q", word))[0]
    if kind == "u":
        return word & 0xFFFF_FFFF_FFFF_FFFF
    if kind == "b":
        return bool(word)
    return word


def build_exception(site_id: int, payload) -> BaseException:
    s = _sites[site_id]
    if s.template is None:
        return s.exc()
    values = [_decode(w, k) for w, k in zip(payload, s.kinds)]
    return s.exc(s.template.format(*values))


def raise_from_excinfo(address: int):
    """Called (through the C API) by an entry point whose compiled code raised: build the
    exception its ``ExcInfo`` at ``address`` describes and raise it at the user's line."""
    info = ExcInfo.from_address(address)
    exc = build_exception(info.site, list(info.payload))
    _raiser(info.where if info.where >= 0 else info.site)(exc)


def reraise_at(site_id: int, exc: BaseException):
    """Raise ``exc`` (raised by Python code that compiled code called) again from the user's
    line of raise site ``site_id``: its own traceback (NumPy's frames) is dropped, so the
    user's line is the last frame."""
    _raiser(site_id)(exc.with_traceback(None))


def _raiser(site_id: int):
    """A function whose code object claims the user's file, line and function name, so the
    traceback's last frame shows their source line (linecache reads it from the file)."""
    raiser = _raisers.get(site_id)
    if raiser is None:
        loc = _sites[site_id].loc
        code = compile("\n" * max(loc.line - 1, 0) + "raise __exc", loc.file, "exec")
        code = code.replace(co_name=loc.func or "<compiled>")

        def raiser(exc, _code=code):
            exec(_code, {"__exc": exc})

        _raisers[site_id] = raiser
    return raiser
