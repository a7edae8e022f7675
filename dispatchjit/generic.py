"""Generic functions: the ``@generic`` decorator, the call path and the specialization table.

Several ``@generic`` definitions of one name (in one module, or one enclosing function) are
methods of one generic function. A call maps its arguments to their concrete types; the first
call with a new type tuple resolves the method and compiles a specialization. Later calls go
through the function's dispatcher (``dispatchjit.targets.dispatcher``): machine code that recognizes the
compiled signatures from the argument objects and jumps into their entry points. It is rebuilt
when a call it missed finds a specialization compiled since (so a first call never waits for
it), and dropped when specializations are invalidated.
"""

from __future__ import annotations

import ctypes
import functools
import html
import inspect
import sys
import threading
import types
import typing
import warnings
from dataclasses import dataclass, field

from .lowering.reprs import dispatch_checkable
from .runtime.vectorcall import callable_type, set_vectorcall

from .settings import cache_enabled, config
from .errors import MethodError
from .methods import Method, MethodTable, bind, methods_from_function, positional_bindings
from .spec import SpecKey
from .state import COMPILE_LOCK, Edge, reinit_after_fork, state
from .lattice import TYPEOF_HOOKS, Boxed, FunctionType, JType, PyObjectType, from_annotation, typeof

BOXED = PyObjectType(Boxed)  # how a nospecialize argument is compiled: any object, passed through

__all__ = ["generic", "GenericFunction", "Specialization", "config", "SpecializationLimitWarning", "precompile",
           "precompile_all"]

# boundscheck: check array indices (default True); fastmath: let LLVM reassociate float math;
# nogil: run the compiled code without the GIL (no array allocation inside, then); nospecialize:
# parameter names compiled once for every argument type (passed boxed); generated: the function
# is called with the argument *types* and returns the body to compile (a def, or its source);
# lazy: array expressions in the function stay lazy Broadcasteds (it returns one for its caller's
# expression to fuse) instead of being computed where their values are used.
OPTIONS = frozenset({"boundscheck", "fastmath", "nogil", "nospecialize", "generated", "cache", "lazy"})


class SpecializationLimitWarning(UserWarning):
    """A generic function reached its limit on specializations."""


_registry: dict[tuple[str, str], GenericFunction] = {}
_registry_lock = threading.Lock()
reinit_after_fork(_registry_lock)


@dataclass(eq=False)
class Specialization:
    """One compiled instance: a method at concrete argument types.

    ``calls`` counts calls from Python (calls from other compiled code are inlined and not
    counted); ``compile_time`` is the seconds its compile took, ``timings`` by stage."""

    signature: tuple[JType, ...]
    method: Method
    return_type: JType
    compile_time: float
    timings: dict[str, float] = field(default_factory=dict)
    compiled: typing.Any = field(default=None, repr=False)   # driver.CompiledEntry
    # Set when a new method made this specialization stale: the method whose definition did
    # (SnoopCompile's invalidation root) and the world age it happened at.
    invalidated_by: Method | None = None
    invalidated_in_world: int | None = None

    @property
    def valid(self) -> bool:
        return self.invalidated_by is None

    @property
    def calls(self) -> int:
        if self.compiled is None:
            return 0
        return ctypes.c_int64.from_address(self.compiled.counter_address).value

    def __repr__(self) -> str:
        sig = ", ".join(map(repr, self.signature))
        status = "" if self.valid else f", invalidated by {self.invalidated_by}"
        return (f"Specialization(({sig}) -> {self.return_type!r}, method={self.method}, "
                f"compile_time={self.compile_time * 1e3:.1f} ms, calls={self.calls}{status})")


class _GenericFunction:
    """A function with methods, dispatched on the types of all positional arguments.

    (The attributes of this class become those of ``GenericFunction``, a type whose instances
    CPython calls through their dispatcher; see ``dispatchjit.targets.dispatcher``.)"""

    def __init__(self, name: str, qualname: str, module: str, doc: str | None):
        self.__name__, self.__qualname__, self.__module__, self.__doc__ = name, qualname, module, doc
        self.table = MethodTable(name)
        self.type = FunctionType(self)
        self._entries: dict[tuple[JType, ...], object] = {}
        self._specializations: dict[tuple[JType, ...], Specialization] = {}
        self._resolved: dict[tuple[JType, ...], tuple[Method, dict]] = {}
        self._dispatcher = None   # (address, the cases it covers, what it keeps alive)
        self._slow = self.__call__  # a bound method the dispatcher calls on a miss
        self.invalidated: list[Specialization] = []   # specializations dropped as stale, oldest first
        self.compilations = 0       # compiles of an entry point (recompiles after invalidation too)
        self.max_specializations = None   # None: dispatchjit.config.max_specializations
        self._warned_limit = False
        self._interpreted: set[tuple[JType, ...]] = set()   # signatures run by the interpreter
        self.guard = None   # called with each new method before it is added (may refuse it)

    # --- calling -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """The slow path: every call the dispatcher does not recognize."""
        if kwargs:
            full = self._bind_keywords(args, kwargs)
            method = self._check_keywords(full, kwargs)
            bound = bind(method, args, kwargs) if method is not None and method.keywords is not None else None
            if bound is None:
                return self(*full)   # a required keyword missing raises there
            return method.keywords.body(*full, *bound[1])
        try:
            argtypes = tuple(map(typeof, args))
        except RecursionError:
            raise TypeError(f"an argument of {self.__name__} nests too deeply (tuples inside tuples) to have "
                            "a type the compiler can hold") from None
        entry = self._entries.get(argtypes)
        if entry is None:
            entry = self._entry_for(argtypes)
        elif argtypes in self._specializations and all(map(dispatch_checkable, argtypes)) and \
                (self._dispatcher is None or argtypes not in self._dispatcher[1]):
            self._rebuild_dispatcher()
        return entry(*args)

    def _entry_for(self, argtypes: tuple[JType, ...]):
        """The callable for a signature not seen yet: a compiled specialization (shared with
        other signatures for ``nospecialize`` parameters), or beyond the specialization limit,
        the method's Python body run by the interpreter."""
        method, _ = self.resolve_types(argtypes)
        compiled_as = _widened(method, argtypes)
        if compiled_as not in self._specializations and self._at_limit():
            entry = method.func if method.defaults_of is None else self._python_defaults(method)
            self._interpreted.add(argtypes)
        else:
            entry = self._specialize(compiled_as, method)
        self._entries[argtypes] = entry
        return entry

    def _at_limit(self) -> bool:
        limit = self.max_specializations if self.max_specializations is not None else config.max_specializations
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            where = f"{self.__name__}.max_specializations" if self.max_specializations is not None else \
                "dispatchjit.config.max_specializations"
            raise TypeError(f"{where} must be a non-negative int (or None), not {limit!r}")
        if len(self._specializations) < limit:
            return False
        if not self._warned_limit:
            self._warned_limit = True
            warnings.warn(f"{self.__name__} has {len(self._specializations)} specializations, the limit "
                          f"(set {self.__name__}.max_specializations or dispatchjit.config.max_specializations); "
                          "further signatures run the Python body uncompiled", SpecializationLimitWarning,
                          stacklevel=4)
        return True

    def _python_defaults(self, method: Method):
        """The interpreter fallback of a default-filling method: re-dispatch on the full call."""
        defaults = [p.default for p in _signature(method.func).parameters.values()][method.ngiven:]
        return lambda *args: self(*args, *defaults)

    def _bind_keywords(self, args: tuple, kwargs: dict) -> tuple:
        """Keyword arguments name positional parameters (``f(x, y=2)``): bind them with the
        parameter names of the methods that accept them, fill in defaults, and dispatch on the
        full positional arguments, as a call that spelled them out would. Methods that bind the
        call differently make it ambiguous."""
        bindings = positional_bindings(self.table.methods, args, kwargs)
        if len(bindings) == 1:
            return bindings[0]
        names = ", ".join(sorted(kwargs))
        if not bindings:
            raise MethodError(f"no method of {self.__name__} takes the keyword argument(s) {names} "
                              f"with {len(args)} positional argument(s)")
        raise MethodError(f"keyword argument(s) {names} of {self.__name__}() name different positions in "
                          "different methods; pass them positionally")

    def _check_keywords(self, full: tuple, kwargs: dict) -> Method | None:
        """The method the full call dispatches to, which must itself have the parameters named:
        a keyword meant for ``f(x: int)`` must not run ``f(y: float)``."""
        try:
            method, _ = self.resolve_types(tuple(map(typeof, full)))
        except (MethodError, TypeError, OverflowError):
            return None   # the call itself reports it
        names = set(_signature(method.func).parameters)
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise MethodError(f"{self.__name__}: the method for these argument types, {method}, has no parameter "
                              f"named {', '.join(unknown)}; pass the argument(s) positionally or by its name")
        return method

    def _rebuild_dispatcher(self):
        from .targets.dispatcher import compile_dispatcher
        with COMPILE_LOCK:
            cases = {argtypes: spec.compiled.entry_address for argtypes, spec in self._specializations.items()
                     if spec.compiled is not None and all(map(dispatch_checkable, argtypes))}
            if not cases:
                return
            address, keepalive = compile_dispatcher(self, list(cases.items()), self._slow)
            self._dispatcher = (address, frozenset(cases), keepalive)
            set_vectorcall(self, address)

    def _from_cache(self, argtypes, method):
        """The on-disk cache's entry for this signature, when the cache is on (no compiler
        stage is loaded for it)."""
        method = method or self.resolve_types(argtypes)[0]
        if not cache_enabled(method):
            return None
        from . import cache
        compiled = cache.load(self, method, argtypes)
        if compiled is not None:
            state.from_disk.append((self, argtypes, compiled.edges))
        return compiled

    def _specialize(self, argtypes: tuple[JType, ...], method: Method | None = None):
        with COMPILE_LOCK:
            cached = self._entries.get(argtypes)
            if cached is not None:
                return cached
            compiled = self._from_cache(argtypes, method)
            if compiled is None:
                from . import driver
                compiled = driver.compile_entry(self, argtypes, method)
                self.compilations += 1
            self._record(compiled)
            self._entries[argtypes] = compiled.entry
            return compiled.entry

    def __getitem__(self, grid):
        """``f[blocks, threads](*args)``: launch ``f`` as a GPU kernel (``gpu.launch``)."""
        if not (isinstance(grid, tuple) and len(grid) == 2):
            raise TypeError(f"launch a kernel as {self.__name__}[blocks, threads](...), not {self.__name__}[{grid!r}]")
        from . import gpu
        return gpu.launch(self, *grid)

    def precompile(self, *types) -> Specialization:
        """Compile the specialization for these argument types (lattice types or Python classes,
        all concrete) ahead of the first call, and return its record."""
        argtypes = tuple(from_annotation(t) for t in types)
        for t in argtypes:
            if not t.is_concrete:
                raise TypeError(f"precompile({self.__name__}, ...) needs concrete types; {t} is abstract")
        method, _ = self.resolve_types(argtypes)
        compiled_as = _widened(method, argtypes)
        self._entries[argtypes] = self._specialize(compiled_as, method)
        return self._specializations[compiled_as]

    def _record(self, compiled):
        total = sum(compiled.timings.values())
        root_key = compiled.key
        for key in compiled.closure - {root_key}:   # callees compiled into the module
            from . import driver
            spec = key.func._specializations.get(key.argtypes)
            if spec is None or spec.method is not key.method:
                key.func._specializations[key.argtypes] = Specialization(
                    key.argtypes, key.method, driver.return_type(key), 0.0)
        self._specializations[root_key.argtypes] = Specialization(
            root_key.argtypes, root_key.method, compiled.return_type, total, compiled.timings, compiled)

    def resolve_types(self, argtypes: tuple[JType, ...]) -> tuple[Method, dict]:
        """The method (and ``where`` bindings) a call with these concrete types runs."""
        hit = self._resolved.get(argtypes)
        if hit is None:
            hit = self.table.resolve(argtypes)  # ambiguities raise and are never cached
            self._resolved[argtypes] = hit
        return hit

    # --- defining ------------------------------------------------------------------------
    def method(self, func):
        """Add ``func`` as a method of this function whatever its name or where it is defined
        (``@area.method``): how code elsewhere extends a generic function."""
        _check_function(func, f"{self.__name__}.method")
        options = getattr(func, "__dispatchjit_options__", {})
        _check_options(options)
        for method in _methods(func, self.__name__):
            self.add_method(method)
        return self

    def add_method(self, method: Method) -> None:
        if self.guard is not None:
            self.guard(method)
        with COMPILE_LOCK:
            self.table.add(method)
            self._resolved.clear()
            for argtypes in self._interpreted:  # decided before this method existed
                self._entries.pop(argtypes, None)
            self._interpreted.clear()
            self._drop_stale_cached(method)
            driver = sys.modules.get("dispatchjit.driver")
            if driver is None:  # nothing was ever compiled, so nothing is stale
                return
            stale = driver.invalidate(self)
            for gf in {k.func for k in stale} | {self}:
                gf._drop_stale(stale, method)

    def _drop_stale_cached(self, cause: Method) -> None:
        """Entries loaded from the disk cache have no typed IR here: their recorded calls into
        this function are re-resolved instead."""
        for gf, argtypes, edges in list(state.from_disk):
            if any(e.func is self and not e.current() for e in edges):
                state.from_disk.remove((gf, argtypes, edges))
                spec = gf._specializations.get(argtypes)
                if spec is not None:
                    gf._drop_stale({SpecKey(gf, spec.method, argtypes)}, cause)

    def _drop_stale(self, stale: set[SpecKey], cause: Method) -> None:
        """Forget entry points whose compiled code includes a stale specialization; calls go to
        the slow path until the dispatcher is rebuilt without them. Running calls finish with
        the code they started with: machine code is never freed."""
        from .methods import current_world
        for argtypes, spec in list(self._specializations.items()):
            key = SpecKey(self, spec.method, argtypes)
            compiled = spec.compiled
            if key in stale or (compiled is not None and compiled.closure & stale) or not self._still_valid(key):
                del self._specializations[argtypes]
                spec.invalidated_by, spec.invalidated_in_world = cause, current_world()
                self.invalidated.append(spec)
                self._entries = {k: v for k, v in self._entries.items()
                                 if compiled is None or v is not compiled.entry}
                if self._dispatcher is not None:
                    set_vectorcall(self, None)
                    self._dispatcher = None

    def _still_valid(self, key: SpecKey) -> bool:
        """Whether every signature this specialization serves still resolves to its method (a
        ``nospecialize`` specialization serves several)."""
        spec = self._specializations.get(key.argtypes)
        entry = spec.compiled.entry if spec is not None and spec.compiled is not None else None
        served = [a for a, e in self._entries.items() if e is entry] or [key.argtypes]
        return all(self._resolves_to(a, key.method) for a in served)

    def _resolves_to(self, argtypes, method) -> bool:
        return Edge(self, argtypes, method).current()

    # --- introspection -------------------------------------------------------------------
    def methods(self) -> list[Method]:
        """The methods, in definition order; each shows its signature and file:line."""
        return list(self.table.methods)

    @property
    def specializations(self) -> list[Specialization]:
        """The specializations compiled so far (a new list each time)."""
        return list(self._specializations.values())

    def __repr__(self) -> str:
        n = len(self.table.methods)
        return f"{self.__name__} (generic function with {n} method{'s' if n != 1 else ''})"

    def _repr_pretty_(self, p, cycle) -> None:
        """IPython: the methods table, as Julia's ``methods(f)`` prints it."""
        p.text(self._methods_text())

    def _methods_text(self) -> str:
        lines = [f"# {len(self.table.methods)} method{'s' if len(self.table.methods) != 1 else ''} "
                 f"for generic function \"{self.__name__}\""]
        lines += [f"[{i}] {m}" for i, m in enumerate(self.table.methods, 1)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Jupyter: the methods table as HTML."""
        rows = "".join(f"<tr><td>{i}</td><td><code>{html.escape(m.display().rsplit(' @ ', 1)[0])}</code></td>"
                       f"<td>{html.escape(m.location)}</td></tr>" for i, m in enumerate(self.table.methods, 1))
        return (f"<p>{len(self.table.methods)} method(s) for generic function <b>{html.escape(self.__name__)}</b>"
                f"</p><table><tr><th></th><th>signature</th><th>defined at</th></tr>{rows}</table>")

    def __reduce__(self):
        # Pickle by reference, like a plain function: the receiving process imports it.
        return self.__qualname__


@functools.lru_cache(maxsize=None)
def _signature(func) -> inspect.Signature:
    return inspect.signature(func)


def _widened(method: Method, argtypes: tuple[JType, ...]) -> tuple[JType, ...]:
    """The signature a call compiles as: ``nospecialize`` parameters become opaque objects."""
    names = getattr(method.func, "__dispatchjit_options__", {}).get("nospecialize")
    if not names:
        return argtypes
    params = list(_signature(method.func).parameters)
    return tuple(BOXED if i < len(params) and params[i] in names else t for i, t in enumerate(argtypes))


def _make_type():
    return callable_type("dispatchjit.GenericFunction", _GenericFunction)


GenericFunction = _make_type()
GenericFunction.__module__ = __name__
TYPEOF_HOOKS[GenericFunction] = lambda f: f.type


def generic(func=None, **options):
    """Make ``func`` a method of the generic function of its name (created on first use).

    ``@generic`` alone or ``@generic(...)`` with options."""
    if func is None:
        return lambda f: generic(f, **options)
    _check_function(func, "@generic")
    _check_options(options)
    if isinstance(options.get("nospecialize"), str):
        options["nospecialize"] = (options["nospecialize"],)
    _check_nospecialize(func, options.get("nospecialize"))
    if options:
        # Per method: read by the compiler when it lowers this method's body.
        func.__dispatchjit_options__ = dict(options)
    key = (func.__module__, func.__qualname__)
    with _registry_lock:
        gf = _registry.get(key)
        if gf is None:
            gf = GenericFunction(func.__name__, func.__qualname__, func.__module__, func.__doc__)
            _registry[key] = gf
    for method in _methods(func, func.__name__):
        gf.add_method(method)
    return gf


def _methods(func, name: str) -> list[Method]:
    """The methods ``func`` defines; the full one's keyword-only parameters get the generic
    function of its body (``methods.Keywords``)."""
    methods = methods_from_function(func, name)
    keywords = methods[0].keywords
    if keywords is not None:
        keywords.body = GenericFunction(name, f"{func.__qualname__}#body", func.__module__, func.__doc__)
        keywords.body.add_method(keywords.body_method)
    return methods


def _check_function(func, what: str) -> None:
    """Methods are Python functions written with ``def`` (or ``lambda``): their source is what
    compiles."""
    if isinstance(func, types.FunctionType):
        return
    if isinstance(func, GenericFunction):
        raise TypeError(f"{what}: {func.__name__} is already a generic function; add methods to it with "
                        f"@{func.__name__}.method")
    inner = getattr(func, "__func__", None) or getattr(func, "__wrapped__", None)
    hint = f" (it wraps {inner.__qualname__}: decorate that one)" if isinstance(inner, types.FunctionType) else ""
    raise TypeError(f"{what} takes a function defined with def, not {type(func).__name__} {func!r}{hint}")


def _check_nospecialize(func, names) -> None:
    if not names:
        return
    params = set(_signature(func).parameters)
    unknown = [n for n in names or () if n not in params]
    if unknown:
        raise TypeError(f"@generic(nospecialize=...) names {', '.join(map(repr, unknown))}, which "
                        f"{func.__qualname__} has no parameter of (it has {', '.join(params) or 'none'})")


def _check_options(options: dict) -> None:
    unknown = set(options) - OPTIONS
    if unknown:
        raise TypeError(f"unknown generic() options: {sorted(unknown)} (known: {sorted(OPTIONS)})")


def precompile(f: GenericFunction, *types) -> Specialization:
    """Compile ``f`` for these argument types ahead of its first call (``f.precompile``)."""
    return f.precompile(*types)


def precompile_all(signatures, progress: bool | None = None) -> list[Specialization]:
    """Compile many signatures ahead of their first calls: ``signatures`` holds tuples
    ``(f, type, ...)``. Shows a progress bar (tqdm when installed, else a line on stderr) when
    ``progress`` is true, or by default when stderr is a terminal."""
    items = [tuple(s) for s in signatures]
    if progress is None:
        progress = sys.stderr.isatty()
    bar = _progress(len(items)) if progress else None
    done = []
    for f, *argtypes in items:
        done.append(f.precompile(*argtypes))
        if bar is not None:
            bar(f"{f.__name__}({', '.join(map(repr, done[-1].signature))})")
    if bar is not None:
        bar(None)
    return done


def _progress(total: int):
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc="precompile", unit="sig")

        def step(label):
            if label is None:
                bar.close()
            else:
                bar.set_postfix_str(label, refresh=False)
                bar.update(1)
        return step
    count = 0

    def step(label):
        nonlocal count
        if label is None:
            sys.stderr.write("\n")
            return
        count += 1
        filled = int(30 * count / total)
        sys.stderr.write(f"\rprecompile [{'#' * filled}{'.' * (30 - filled)}] {count}/{total} {label[:40]:<40}")
        sys.stderr.flush()
    return step
