"""The compiler driver: every compile is a ``Job`` run through one pipeline, ``compile``.

    compile(job, stop_at=...)
      typed      method source -> untyped IR (cached per method) -> typed IR of the root and
                 of everything it calls (inference; cached per specialization)
      llvm       typed IR -> one LLVM module: the root, its callees (internal, for inlining)
                 and the entry point the target emits for the root
      optimized  parsed, finished by the target (libraries linked) and optimized
      code       the target's code: object code (CPU), PTX text (GPU)
      loaded     loaded into the process (CPU targets): the entry's address can be taken

Each stage is timed; ``code_typed``/``code_llvm``/``code_native``/``code_ptx`` are views of a
run stopped at a stage. A root's entry point (``compile_entry``), a GPU kernel, an emulated
kernel and a cold loop are all compiled here, differing only in their job's target and in what
is lowered (a generic function's dispatcher, which has no typed IR, enters at ``codegen``).
The compile state (typed IR per specialization, untyped IR per method, compiled kernels) is
``state.state``'s, which drops what a new method makes stale (Julia's backedges).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import time
from dataclasses import dataclass, field

from . import codegen, frontend, ir, verify
from .errors import CompileError, InternalCompilerError, SourceLoc
from .infer import InferredFunction, infer_function
from .lattice import Bottom, JType
from .lowering.function import ModuleBuilder, finish_module_text, options_of
from .runtime.jit import make_builtin
from .settings import cache_enabled
from .spec import SpecKey
from .subtype import match
from .targets.cpu import host
from .targets.target import Compiled, Target
from .state import COMPILE_LOCK, CompiledEntry, state

__all__ = ["Job", "Result", "STAGES", "compile", "compile_entry", "compile_ptx_kernel", "PTXKernel", "compile_emulated",
           "kernel_module", "optimized_module", "infer_closure", "invalidate", "typed",
           "calls_made", "return_type", "COMPILE_LOCK"]

_MAX_ROUNDS = 20


# --- frontend --------------------------------------------------------------------------------
def method_ir(key: SpecKey) -> ir.Function:
    """The untyped IR of ``key.method``: its parsed body; for a method made from default values,
    a body that fills them in and calls the function again (re-dispatching); for a ``generated``
    method, the body its generator returns for these argument types."""
    method = key.method
    lifted = getattr(method.func, "__dispatchjit_ir__", None)   # a closure's body (closures)
    if lifted is not None and method.defaults_of is None:
        return lifted
    if method.keywords is not None:
        return _keyword_forwarder(method)
    generated = getattr(method.func, "__dispatchjit_options__", {}).get("generated")
    cache_key = key if generated else method
    cached = state.untyped.get(cache_key)
    if cached is None:
        if method.defaults_of is not None:
            cached = _default_forwarder(key.func, method)
        elif generated:
            cached = frontend.build_generated(method.func, key.argtypes)
        else:
            cached = frontend.build_ir(method.func)
        state.untyped[cache_key] = cached
    return cached


def _positional_params(func) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _default_forwarder(func, method) -> ir.Function:
    params = _positional_params(method.func)
    given, filled = params[:method.ngiven], params[method.ngiven:]
    loc = frontend.def_loc(method.func)
    args = tuple(ir.Name(p.name, loc=loc) for p in given) + tuple(ir.Const(p.default, loc=loc) for p in filled)
    body = (ir.Return(ir.Call(ir.Const(func, loc=loc), args, loc=loc), loc=loc),)
    return ir.Function(method.func.__name__, tuple(p.name for p in given), None, body, loc)


def _keyword_forwarder(method) -> ir.Function:
    """The body of a method with keyword-only parameters called without them: its body's
    generic function with the defaults (a TypeError where one is required)."""
    kw, loc = method.keywords, frontend.def_loc(method.func)
    params = tuple(p.name for p in _positional_params(method.func))
    missing = [n for n in kw.names if n not in kw.defaults]
    if missing:
        message = f"{method.name}() missing required keyword-only argument: '{missing[0]}'"
        body = (ir.Raise(ir.Const(TypeError, loc=loc), ir.Const(message, loc=loc), loc=loc),)
    else:
        args = tuple(ir.Name(p, loc=loc) for p in params) + tuple(ir.Const(kw.defaults[n], loc=loc) for n in kw.names)
        body = (ir.Return(ir.Call(ir.Const(kw.body, loc=loc), args, loc=loc), loc=loc),)
    return ir.Function(method.func.__name__, params, None, body, loc)


# --- inference -------------------------------------------------------------------------------
class _Session:
    """Infers a root and everything it calls. Recursive cycles start from the guess ``Bottom`` for
    a return type still being inferred, and the whole session repeats until no guess changes."""

    def __init__(self):
        self.guess: dict[SpecKey, JType] = {}
        self.timings = {"parse": 0.0, "infer": 0.0}

    def run(self, root: SpecKey) -> dict[SpecKey, InferredFunction]:
        for _ in range(_MAX_ROUNDS):
            self.done: dict[SpecKey, InferredFunction] = {}
            self.active: set[SpecKey] = set()
            self.recursive: set[SpecKey] = set()
            self.unstable = False
            self.infer(root)
            if not self.unstable:
                return self.done
        raise InternalCompilerError(f"return types of the recursive calls of {root} did not converge")

    def resolve(self, func, argtypes):
        return func.resolve_types(argtypes)

    def return_type(self, key: SpecKey) -> JType:
        known = state.typed.get(key) or self.done.get(key)
        if known is not None:
            return known.fn.return_type
        if key in self.active:
            self.recursive.add(key)
            return self.guess.get(key, Bottom)
        return self.infer(key).fn.return_type

    def infer(self, key: SpecKey) -> InferredFunction:
        cached = state.typed.get(key)
        if cached is not None:
            return cached
        t0 = time.perf_counter()
        fn = method_ir(key)
        t1 = time.perf_counter()
        self.timings["parse"] += t1 - t0
        env = method_env(key)
        self.active.add(key)
        try:
            result = infer_function(key, fn, env, self)
        finally:
            self.active.discard(key)
        self.timings["infer"] += time.perf_counter() - t1
        self.done[key] = result
        if key in self.recursive and result.fn.return_type != self.guess.get(key, Bottom):
            self.guess[key] = result.fn.return_type
            self.unstable = True
        return result


def method_env(key: SpecKey) -> dict:
    """The ``where`` bindings of ``key.method`` at ``key.argtypes`` (empty for a signature
    widened by ``nospecialize``, whose variables are not bound)."""
    return match(key.argtypes, key.method) or {}


def infer_closure(key: SpecKey) -> tuple[dict[SpecKey, InferredFunction], dict[str, float]]:
    """The typed IR of ``key`` and of every specialization it may call, transitively."""
    session = _Session()
    session.run(key)
    closure: dict[SpecKey, InferredFunction] = {}
    stack = [key]
    while stack:
        k = stack.pop()
        if k in closure:
            continue
        closure[k] = state.typed.get(k) or session.done[k]
        stack.extend(closure[k].invokes)
    verify.verify_if_enabled(closure)   # DISPATCHJIT_VERIFY=1 (the test suite): every closure, once final
    state.typed.update(closure)
    return closure, session.timings


# --- the pipeline ----------------------------------------------------------------------------
STAGES = ("typed", "llvm", "optimized", "code", "loaded")


@dataclass(frozen=True)
class Job:
    """One compile: the root specialization ``key`` for ``target``. ``entry``: with the entry
    point the target emits for it (without one the root is exported as it is, for
    inspection); ``lazy``: cold loops compiled on first use (``compile_cold``); ``level``: the
    optimization level, by default chosen from the code (``opt_level``); ``uid``: the module's
    symbol prefix (a cached module's is its key, unique in any process that loads it)."""

    key: SpecKey
    target: Target
    entry: bool = True
    lazy: bool = False
    level: int | None = None
    uid: str | None = None


@dataclass
class Result:
    """What a run of ``compile`` produced, up to the stage it stopped at."""

    job: Job
    timings: dict[str, float] = field(default_factory=dict)
    closure: dict[SpecKey, InferredFunction] | None = None   # typed
    builder: ModuleBuilder | None = None                      # llvm
    compiled: Compiled | None = None                          # llvm: the entry the target emitted
    text: str = ""                                            # llvm: the module's text
    module_ref: object = None                                 # optimized
    code: object = None                                       # code: object code or PTX
    loaded: object = None                                     # loaded: finds symbols' addresses
    keepalive: list = field(default_factory=list)             # loaded: what the code refers to


def compile(job: Job, stop_at: str = "loaded") -> Result:
    """Run ``job`` through the stages up to ``stop_at`` (one of ``STAGES``)."""
    if stop_at not in STAGES:
        raise InternalCompilerError(f"no compiler stage {stop_at!r}; the stages are {', '.join(STAGES)}")
    with COMPILE_LOCK, _deep_recursion(job):
        result = Result(job)
        result.closure, timings = infer_closure(job.key)
        result.timings.update(timings)
        job.target.check_root(job.key, result.closure)
        if stop_at == "typed":
            return result
        t0 = time.perf_counter()
        _lower(result)
        result.timings["lower"] = time.perf_counter() - t0
        level = job.level if job.level is not None else opt_level(result.closure)
        quick = level == 1 and not result.builder.recursive
        _after_lowering(result, level, quick, stop_at)
        return result


# The compiler walks expressions recursively, a few Python frames per level: what CPython
# compiles (a sum of 400 terms) must not stop it at the default limit of 1000 frames.
_COMPILE_RECURSION_LIMIT = 20_000


@contextlib.contextmanager
def _deep_recursion(job: Job):
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, _COMPILE_RECURSION_LIMIT))
    try:
        yield
    except RecursionError:
        method = job.key.method
        raise CompileError(f"{job.key.func.__name__} nests too deeply to compile (expressions or types inside "
                           "one another thousands of levels deep)", SourceLoc(method.file, method.line),
                           hint="split the expression with intermediate variables") from None
    finally:
        sys.setrecursionlimit(previous)


def _lower(result: Result) -> None:
    job, closure = result.job, result.closure
    nogil = job.target.without_gil(options_of(job.key))
    mb = ModuleBuilder(job.target, recursive=_recursive(closure), nogil=nogil, lazy=job.lazy,
                       **({"uid": job.uid} if job.uid else {}))
    _lowered(mb, closure)
    if job.entry:
        result.compiled = job.target.emit_entry(mb, job.key, closure)
    else:
        mb.functions[job.key].linkage = "external"
    result.builder, result.text = mb, finish_module_text(str(mb.module))


def _after_lowering(result: Result, level: int, quick: bool, stop_at: str) -> None:
    """The stages after lowering (``codegen``): optimize, emit, load. ``quick``: LLVM's quick
    code generator when the optimized module is small."""
    target, mb = result.job.target, result.builder
    if stop_at == "llvm":
        return
    t0 = time.perf_counter()
    result.module_ref = codegen.optimized(target, result.text, result.compiled, level)
    t1 = time.perf_counter()
    result.timings["optimize"] = t1 - t0
    if stop_at == "optimized":
        return
    result.code = codegen.emitted(target, result.module_ref, quick)
    if stop_at == "loaded":
        cold = _cold_stubs(mb, result.closure, target, result.keepalive)
        result.loaded = target.load(result.code, mb.uid, mb.objects, mb.sites, cold, result.keepalive)
    result.timings["codegen"] = time.perf_counter() - t1


def _lowered(mb, closure):
    for inferred in closure.values():
        mb.declare(inferred)
    for inferred in closure.values():
        mb.lower(inferred)
    return mb


def opt_level(closure: dict[SpecKey, InferredFunction]) -> int:
    """O2 for code with loops; O1 for straight-line code (calls and recursion included), where
    O2's extra passes are mostly loop transforms and cost a fifth more compile time for nothing."""
    loops = (ir.ForRange, ir.While, ir.For)
    return 2 if any(isinstance(n, loops) for inf in closure.values() for n in ir.walk(inf.fn.body)) else 1


def _recursive(closure: dict[SpecKey, InferredFunction]) -> frozenset[SpecKey]:
    """The specializations that can reach themselves through calls."""
    def reaches_self(start: SpecKey) -> bool:
        seen, stack = set(), list(closure[start].invokes)
        while stack:
            k = stack.pop()
            if k == start:
                return True
            if k not in seen:
                seen.add(k)
                stack.extend(closure[k].invokes)
        return False
    return frozenset(k for k in closure if reaches_self(k))


# --- the jobs ---------------------------------------------------------------------------------
def compile_entry(func, argtypes: tuple[JType, ...], method=None, target: Target | None = None) -> CompiledEntry:
    """Compile the specialization of ``func`` for ``argtypes`` (of ``method``, by default the one
    these types resolve to) and load it; with the on-disk cache on, also store it there."""
    target = target or host()
    with COMPILE_LOCK:
        method = method or func.resolve_types(argtypes)[0]
        key = SpecKey(func, method, argtypes)
        cache_key = None
        if cache_enabled(method):
            from . import cache   # imported only by processes that use it (sqlite3, hashlib: 6 ms)
            cache_key = cache.entry_key(func, method, argtypes, target)
        # Cached code is compiled whole, once: it is not worth a stub's deferred compile.
        result = compile(Job(key, target, lazy=cache_key is None, uid=cache_key[:24] if cache_key else None))
        name = result.compiled.name
        address = result.loaded.function_address(name)
        entry = make_builtin(address, func.__name__, result.keepalive)
        compiled = CompiledEntry(key, entry, frozenset(result.closure), result.closure[key].fn.return_type,
                                 result.timings, "", result.module_ref, result.loaded.global_address(f"{name}.calls"),
                                 address, result.keepalive, cache_key=cache_key)
        if cache_key:
            from .printer import format_function
            cache.save(compiled, result.builder, name, result.code, result.closure, format_function(result.closure[key]),
                       target)
        return compiled


def optimized_module(key: SpecKey, target: Target | None = None):
    """The optimized LLVM module of ``key`` alone (no entry point), for ``code_llvm``/``code_native``."""
    lazy = not cache_enabled(key.method)   # as compile_entry builds it
    return compile(Job(key, target or host(), entry=False, lazy=lazy), stop_at="optimized").module_ref


@dataclass
class PTXKernel:
    """A specialization compiled for a GPU: its PTX, the entry's name and its parameters
    (flattened: see ``targets.ptx.kernel_parameters``)."""

    key: SpecKey
    ptx: str
    name: str
    params: list[str]


def _kernel(func, argtypes, target: Target, stop_at: str) -> Result:
    """``func`` at ``argtypes`` compiled as a kernel for ``target``, resolved under the lock (a
    method defined meanwhile cannot slip between resolution and compile)."""
    with COMPILE_LOCK:
        method, _ = func.resolve_types(argtypes)
        return compile(Job(SpecKey(func, method, argtypes), target, level=2), stop_at=stop_at)


def kernel_module(func, argtypes: tuple[JType, ...], target: Target) -> tuple[SpecKey, str, str, list[str]]:
    """The unoptimized LLVM IR text of ``func`` at ``argtypes`` as a GPU kernel for ``target``
    (an NVPTXTarget): ``(key, text, kernel name, flat parameters)``. The text is llvmlite's own
    (typed pointers), never round-tripped through LLVM, so libNVVM accepts it too."""
    result = _kernel(func, argtypes, target, "llvm")
    return result.job.key, result.text, result.compiled.name, result.compiled.params


def compile_ptx_kernel(func, argtypes: tuple[JType, ...], target: Target) -> PTXKernel:
    """Compile ``func`` at ``argtypes`` as a GPU kernel for ``target`` (an NVPTXTarget) with
    LLVM's NVPTX backend."""
    result = _kernel(func, argtypes, target, "code")
    return PTXKernel(result.job.key, result.code, result.compiled.name, result.compiled.params)


@dataclass
class Emulated:
    """A kernel compiled for the CPU emulator (see ``cuda.launch``): ``entry`` is a builtin;
    ``threaded`` kernels call ``cuda.syncthreads`` and run one GPU thread per call (a block's
    threads taking turns on OS threads of their own), others a whole grid per call, one thread
    after another; ``shared_bytes`` is the size of a block's shared memory."""

    key: SpecKey
    entry: object
    threaded: bool
    shared_bytes: int


def compile_emulated(func, argtypes: tuple[JType, ...]) -> Emulated:
    """Compile the kernel ``func`` at ``argtypes`` for the CPU emulator."""
    result = _kernel(func, argtypes, _emulator(), "loaded")
    entry = make_builtin(result.loaded.function_address(result.compiled.name), func.__name__, result.keepalive)
    return Emulated(result.job.key, entry, result.compiled.threaded, result.builder.shared_size)


@functools.cache
def _emulator():
    from .targets.emulator import EmulatorTarget   # imported by the first emulated launch only
    return EmulatorTarget()


cold_compiles = 0   # how many cold loops were compiled: observable laziness, for the tests


def _cold_stubs(mb, closure, target: Target, keepalive: list) -> list:
    """The ``(compile, loc)`` pairs of ``mb``'s cold loops, for the loader's stubs."""
    recursive, nogil, cells = mb.recursive, mb.nogil, mb.cold_cells   # not mb: its module can go
    return [(lambda loop=loop: compile_cold(loop, closure, recursive, nogil, cells, target, keepalive), loop.stmt.loc)
            for loop in mb.cold]


def compile_cold(loop, closure: dict[SpecKey, InferredFunction], recursive, nogil: bool, cells: dict,
                 target: Target, keepalive: list) -> int:
    """Compile a cold loop (``lowering.function.ColdLoop``), from the typed IR its function was
    built from, into a module of its own; load it and return its address. The cold loops of the
    callees it lowers again reuse their cells (``cells``); ``keepalive`` (the root entry's)
    keeps what its code refers to."""
    global cold_compiles
    with COMPILE_LOCK:
        cold_compiles += 1
        mb = ModuleBuilder(target, recursive=recursive, nogil=nogil, lazy=True, cold_cells=cells)
        callees = _reachable(closure, loop.inferred.invokes)
        for k in callees:
            mb.declare(closure[k])
        name = f"cold.{mb.uid}"
        mb.lower_cold(loop, name)
        for k in callees:
            mb.lower(closure[k])
        result = Result(Job(loop.inferred.key, target, level=2), closure=closure, builder=mb,
                        text=finish_module_text(str(mb.module)), keepalive=keepalive)
        _after_lowering(result, 2, False, "loaded")
        return result.loaded.function_address(name)


def _reachable(closure: dict[SpecKey, InferredFunction], roots) -> list[SpecKey]:
    seen, stack = {}, list(roots)   # a dict: ordered, so the module's text is deterministic
    while stack:
        k = stack.pop()
        if k not in seen:
            seen[k] = None
            stack.extend(closure[k].invokes)
    return list(seen)


def invalidate(func) -> set[SpecKey]:
    """Drop the typed IR a new method of ``func`` makes stale (``CompileState.invalidate``)."""
    return state.invalidate(func)


def return_type(key: SpecKey) -> JType:
    """The inferred return type of a specialization inferred by an earlier compile."""
    return state.typed[key].fn.return_type


def calls_made(key: SpecKey) -> tuple:
    """Every generic call (an ``Edge``) in ``key``'s compiled code, its own resolution included:
    what a new method can make stale (``state.all_current``)."""
    with COMPILE_LOCK:
        closure, _ = infer_closure(key)
        return state.edges_of(key, closure)


def typed(key: SpecKey) -> InferredFunction:
    """The typed IR of ``key``, inferring it (and its callees) if needed."""
    with COMPILE_LOCK:
        if key not in state.typed:
            infer_closure(key)
        return state.typed[key]


