"""The compile state of the process, with one owner and one notion of "still current".

Every piece of compiled code records the generic calls it was compiled against as ``Edge``s
(Julia's backedges): which function, at which argument types, resolved to which method. It is
current exactly while every edge still resolves the same way, whatever holds it: the typed IR
cached per specialization, an entry loaded from the on-disk cache, a compiled GPU or emulated
kernel. ``CompileState`` holds the caches of compile state (untyped IR per method, typed IR per
specialization, compiled kernels) and answers a new method with ``invalidate``.
"""

from __future__ import annotations

import os
import threading
import typing
from dataclasses import dataclass, field

from .methods import current_world
from .lattice import JType
from .spec import SpecKey

__all__ = ["Edge", "all_current", "CompileState", "state", "COMPILE_LOCK", "CompiledEntry", "reinit_after_fork"]


# LLVM contexts and the compiler's caches are not thread-safe: compiles are serialized (calls
# are not). Re-entrant: a compile may define nothing, but inspection may compile while holding it.
COMPILE_LOCK = threading.RLock()


def reinit_after_fork(lock) -> None:
    """A child forked while another thread held ``lock`` (compiling) would wait for it forever:
    the thread is not in the child. The child starts with the lock free."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lock._at_fork_reinit)


reinit_after_fork(COMPILE_LOCK)


@dataclass(frozen=True, slots=True)
class Edge:
    """A call of the generic function ``func`` at ``argtypes`` that resolved to ``method``
    (None: no method applied, and the call raises ``MethodError`` when it runs)."""

    func: typing.Any
    argtypes: tuple
    method: typing.Any

    @staticmethod
    def of(key: SpecKey) -> Edge:
        """A specialization's own resolution: stale when a new method takes its signature."""
        return Edge(key.func, key.argtypes, key.method)

    def resolves_now(self):
        """The method the call resolves to now; None where it raises (no method, ambiguity)."""
        try:
            return self.func.resolve_types(self.argtypes)[0]
        except Exception:  # noqa: BLE001 - an error now is "no method", which the caller compares
            return None

    def current(self) -> bool:
        return self.resolves_now() is self.method

    def __repr__(self) -> str:
        return f"{self.func.__name__}({', '.join(map(repr, self.argtypes))}) -> {self.method}"


def all_current(edges) -> bool:
    return all(edge.current() for edge in edges)


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


class CompileState:
    """The process's compile state. ``typed``: typed IR per specialization (``InferredFunction``,
    with its edges and the specializations it invokes); ``untyped``: untyped IR per method (per
    specialization for ``generated`` ones); kernels compiled for GPU and emulator targets
    (``kernel``); ``from_disk``: the entry points loaded from the on-disk cache, which have no
    typed IR here, with the calls they inlined (``(function, argument types, edges)``). The
    driver and the call path fill them under ``COMPILE_LOCK``."""

    def __init__(self):
        self.typed: dict[SpecKey, typing.Any] = {}
        self.untyped: dict[object, typing.Any] = {}
        self.from_disk: list[tuple] = []
        self._kernels: dict[tuple, tuple] = {}   # key -> (kernel, edges, world age last found current)
        self._kernels_lock = threading.Lock()
        reinit_after_fork(self._kernels_lock)

    def invalidate(self, func) -> set[SpecKey]:
        """Drop the typed IR a new method of ``func`` makes stale: every specialization with a call
        to ``func`` that now resolves differently, its own signature's included, and,
        transitively, every caller of those."""
        stale = {k for k, inf in self.typed.items()
                 if any(e.func is func and not e.current() for e in inf.edges)}
        stale |= {k for k in self.typed if k.func is func and not Edge.of(k).current()}
        frontier = set(stale)
        while frontier:
            callers = {k for k, inf in self.typed.items() if k not in stale and inf.invokes & frontier}
            stale |= callers
            frontier = callers
        for k in stale:
            self.typed.pop(k, None)
            self.untyped.pop(k, None)   # a generated body may depend on what its generator inferred
        return stale

    def edges_of(self, key: SpecKey, closure: dict) -> tuple[Edge, ...]:
        """Every call ``key``'s compiled code (its ``closure``) depends on, its own resolution
        included."""
        return (Edge.of(key),) + tuple(e for inf in closure.values() for e in inf.edges)

    def kernel(self, key: tuple, compile_fn, edges_fn):
        """The kernel cached under ``key``, compiled (``compile_fn()``) when missing or when a
        method defined since makes one of its edges (``edges_fn(kernel)``) resolve differently.
        The world age spares re-checking the edges when no method was defined."""
        with self._kernels_lock:
            entry = self._kernels.get(key)
            age = current_world()
            if entry is not None and entry[2] != age:
                entry = self._kernels[key] = (entry[0], entry[1], age) if all_current(entry[1]) else None
            if entry is None:
                kernel = compile_fn()
                entry = self._kernels[key] = (kernel, edges_fn(kernel), age)
            return entry[0]

    def kernels(self) -> list[tuple]:
        """The keys of the compiled kernels (for inspection and tests)."""
        with self._kernels_lock:
            return list(self._kernels)


state = CompileState()
