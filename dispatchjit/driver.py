"""The compiler driver: one concrete signature of a generic function to a callable entry point.

    compile_entry(func, argtypes)
      frontend   method source  -> untyped IR           (cached per method)
      infer      IR + types     -> typed IR             (per specialization, whole call graph)
      lower      typed IR       -> LLVM IR module       (root and every callee, for inlining)
      optimize   LLVM O3 for the target
      codegen    MCJIT machine code, exposed as a builtin entry point

Typed IR is cached per specialization across compiles and dropped by ``invalidate`` when a new
method changes what one of its calls resolves to (Julia's backedges).
"""

from __future__ import annotations

import inspect
import itertools
import time
from dataclasses import dataclass

from . import frontend, ir
from .errors import InternalCompilerError
from .infer import InferredFunction, infer_function
from .spec import COMPILE_LOCK, CompiledEntry, SpecKey
from .targets import Target, host
from .lattice import Bottom, JType, Nothing

__all__ = ["CompiledEntry", "compile_entry", "infer_closure", "lower_module", "optimized_module", "invalidate",
           "COMPILE_LOCK"]

_MAX_ROUNDS = 20
_typed: dict[SpecKey, InferredFunction] = {}
_ir_cache: dict[object, ir.Function] = {}
_entry_ids = itertools.count()


# --- frontend --------------------------------------------------------------------------------
def method_ir(key: SpecKey) -> ir.Function:
    """The untyped IR of ``key.method``: its parsed body; for a method made from default values,
    a body that fills them in and calls the function again (re-dispatching); for a ``generated``
    method, the body its generator returns for these argument types."""
    method = key.method
    generated = getattr(method.func, "__dispatchjit_options__", {}).get("generated")
    cache_key = key if generated else method
    cached = _ir_cache.get(cache_key)
    if cached is None:
        if method.defaults_of is not None:
            cached = _default_forwarder(key.func, method)
        elif generated:
            cached = frontend.build_generated(method.func, key.argtypes)
        else:
            cached = frontend.build_ir(method.func)
        _ir_cache[cache_key] = cached
    return cached


def _default_forwarder(func, method) -> ir.Function:
    params = [p for p in inspect.signature(method.func).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    given, filled = params[:method.ngiven], params[method.ngiven:]
    loc = frontend.def_loc(method.func)
    args = tuple(ir.Name(p.name, loc=loc) for p in given) + tuple(ir.Const(p.default, loc=loc) for p in filled)
    body = (ir.Return(ir.Call(ir.Const(func, loc=loc), args, loc=loc), loc=loc),)
    return ir.Function(method.func.__name__, tuple(p.name for p in given), None, body, loc)


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
        known = _typed.get(key) or self.done.get(key)
        if known is not None:
            return known.fn.return_type
        if key in self.active:
            self.recursive.add(key)
            return self.guess.get(key, Bottom)
        return self.infer(key).fn.return_type

    def infer(self, key: SpecKey) -> InferredFunction:
        cached = _typed.get(key)
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
    from .subtype import match
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
        closure[k] = _typed.get(k) or session.done[k]
        stack.extend(closure[k].invokes)
    _typed.update(closure)
    return closure, session.timings


# --- lowering and code generation ------------------------------------------------------------
def lower_module(key: SpecKey, closure: dict[SpecKey, InferredFunction], target: Target,
                 entry_name: str | None, uid: str | None = None, lazy: bool = False):
    """One LLVM module holding ``key`` and its callees, plus the Python entry point
    ``entry_name``; without one, the root function itself is exported (for inspection).
    ``lazy``: cold loops are compiled on first use (see ``compile_cold``)."""
    from .runtime.boxing import emit_entry

    from .lower_llvm import ModuleBuilder, options_of
    mb = ModuleBuilder(target, recursive=_recursive(closure), nogil=options_of(key).get("nogil", False),
                       lazy=lazy, **({"uid": uid} if uid else {}))
    mb.entry_name = entry_name
    _lowered(mb, closure)
    root = closure[key]
    if entry_name is None:
        mb.functions[key].linkage = "external"
        return mb
    nfixed = len(root.fn.params) if root.fn.vararg is not None else None
    emit_entry(mb, mb.functions[key], key.argtypes, nfixed, root.fn.return_type, entry_name, release_gil=mb.nogil)
    return mb


def finish_module_text(text: str) -> str:
    from .lower_llvm import finish_module_text as finish
    return finish(text)


def optimized_module(key: SpecKey, target: Target | None = None):
    """The optimized LLVM module of ``key`` alone (no entry point), for ``code_llvm``/``code_native``."""
    from llvmlite import binding as llvm

    from .generic import cache_enabled
    target = target or host()
    with COMPILE_LOCK:
        closure, _ = infer_closure(key)
        lazy = not cache_enabled(key.method)   # as compile_entry builds it
        module_ref = llvm.parse_assembly(finish_module_text(str(lower_module(key, closure, target, None,
                                                                             lazy=lazy).module)))
        target.optimize(module_ref, opt_level(closure))
        return module_ref


def opt_level(closure: dict[SpecKey, InferredFunction]) -> int:
    """O2 for code with loops; O1 for straight-line code (calls and recursion included), where
    O2's extra passes are mostly loop transforms and cost a fifth more compile time for nothing."""
    loops = (ir.ForRange, ir.While, ir.For)
    return 2 if any(isinstance(n, loops) for inf in closure.values() for n in ir.walk(inf.fn.body)) else 1


# Straight-line code this small (the boxing entry point and an expression or two) runs as fast
# with LLVM's quick code generator; its cost is its call, and the quick one compiles 4x faster.
QUICK_CODEGEN_LIMIT = 64   # LLVM instructions, after optimization


def _is_small(module_ref) -> bool:
    count = 0
    for f in module_ref.functions:
        for block in f.blocks:
            count += sum(1 for _ in block.instructions)
            if count > QUICK_CODEGEN_LIMIT:
                return False
    return True


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


def compile_entry(func, argtypes: tuple[JType, ...], method=None, target: Target | None = None) -> CompiledEntry:
    """Compile the specialization of ``func`` for ``argtypes`` (of ``method``, by default the one
    these types resolve to) and load it; with the on-disk cache on, also store it there."""
    from llvmlite import binding as llvm

    from .runtime.jit import engine, link_cells, make_builtin

    from .generic import cache_enabled
    from .lower_llvm import fresh_uid
    target = target or host()
    with COMPILE_LOCK:
        method = method or func.resolve_types(argtypes)[0]
        key = SpecKey(func, method, argtypes)
        cache_key = None
        if cache_enabled(method):
            from . import cache
            cache_key = cache.entry_key(func, method, argtypes, target)
        closure, timings = infer_closure(key)
        t0 = time.perf_counter()
        # A cached module's symbols are named after its key: unique in any process that loads it.
        uid = cache_key[:24] if cache_key else fresh_uid()
        name = f"entry.{uid}"
        # Cached code is compiled whole, once: it is not worth a stub's deferred compile.
        mb = lower_module(key, closure, target, name, uid, lazy=cache_key is None)
        text = finish_module_text(str(mb.module))
        t1 = time.perf_counter()
        module_ref = llvm.parse_assembly(text)
        level = opt_level(closure)
        target.optimize(module_ref, level)
        t2 = time.perf_counter()
        eng = engine(target)
        keepalive = list(mb.keepalive)
        link_cells(mb.uid, mb.objects, mb.sites, keepalive)
        _link_cold(mb, closure, target, keepalive)
        quick = level == 1 and not mb.recursive and _is_small(module_ref)
        code = (target.quick_machine if quick else target.machine).emit_object(module_ref)
        eng.add_object(code)
        address = eng.function_address(name)
        entry = make_builtin(address, func.__name__, keepalive)
        t3 = time.perf_counter()
        timings.update(lower=t1 - t0, optimize=t2 - t1, codegen=t3 - t2)
        compiled = CompiledEntry(key, entry, frozenset(closure), closure[key].fn.return_type, timings,
                                 "", module_ref, eng.global_address(f"{name}.calls"), address,
                                 keepalive, cache_key=cache_key)
        if cache_key:
            from .printer import format_function
            cache.save(compiled, mb, code, closure, format_function(closure[key]), target)
        return compiled


cold_compiles = 0   # how many cold loops were compiled: observable laziness, for the tests


def _link_cold(mb, closure, target: Target, keepalive: list) -> None:
    from .runtime.jit import link_cold
    recursive, nogil, cells = mb.recursive, mb.nogil, mb.cold_cells   # not mb: its module can go
    link_cold(mb.uid, [(lambda loop=loop: compile_cold(loop, closure, recursive, nogil, cells, target, keepalive),
                        loop.stmt.loc) for loop in mb.cold], keepalive, COMPILE_LOCK)


def compile_cold(loop, closure: dict[SpecKey, InferredFunction], recursive, nogil: bool, cells: dict,
                 target: Target, keepalive: list) -> int:
    """Compile a cold loop (``lower_llvm.ColdLoop``), from the typed IR its function was built
    from, into a module of its own; load it and return its address. The cold loops of the
    callees it lowers again reuse their cells (``cells``); ``keepalive`` (the root entry's)
    keeps what its code refers to."""
    from llvmlite import binding as llvm

    from .runtime.jit import engine, link_cells

    from .lower_llvm import ModuleBuilder
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
        module_ref = llvm.parse_assembly(finish_module_text(str(mb.module)))
        target.optimize(module_ref, 2)
        link_cells(mb.uid, mb.objects, mb.sites, keepalive)
        _link_cold(mb, closure, target, keepalive)
        eng = engine(target)
        eng.add(module_ref)
        return eng.function_address(name)


def _reachable(closure: dict[SpecKey, InferredFunction], roots) -> list[SpecKey]:
    seen, stack = {}, list(roots)   # a dict: ordered, so the module's text is deterministic
    while stack:
        k = stack.pop()
        if k not in seen:
            seen[k] = None
            stack.extend(closure[k].invokes)
    return list(seen)


def invalidate(func) -> set[SpecKey]:
    """Drop the typed IR a new method of ``func`` makes stale: every specialization with a call
    to ``func`` that now resolves differently, and, transitively, every caller of those."""
    stale = {k for k, inf in _typed.items() if any(_edge_changed(edge) for edge in inf.edges if edge[0] is func)}
    stale |= {k for k in _typed if k.func is func and not _still_resolves(k)}
    frontier = set(stale)
    while frontier:
        callers = {k for k, inf in _typed.items() if k not in stale and inf.invokes & frontier}
        stale |= callers
        frontier = callers
    for k in stale:
        _typed.pop(k, None)
    return stale


def _edge_changed(edge) -> bool:
    func, argtypes, method = edge
    try:
        now, _ = func.resolve_types(argtypes)
    except Exception:  # noqa: BLE001 - an error now where there was a method is a change
        return method is not None
    return now is not method


def _still_resolves(key: SpecKey) -> bool:
    return not _edge_changed((key.func, key.argtypes, key.method))


def return_type(key: SpecKey) -> JType:
    """The inferred return type of a specialization inferred by an earlier compile."""
    return _typed[key].fn.return_type


def calls_made(key: SpecKey) -> tuple:
    """Every generic call (func, argtypes, method it resolved to) in ``key``'s compiled code,
    its own resolution included: what a new method can make stale (see ``still_current``)."""
    with COMPILE_LOCK:
        closure, _ = infer_closure(key)
        return ((key.func, key.argtypes, key.method),) + tuple(e for inf in closure.values() for e in inf.edges)


def still_current(calls: tuple) -> bool:
    """Whether every call in ``calls`` (from ``calls_made``) still resolves as it did."""
    return not any(_edge_changed(edge) for edge in calls)


def typed(key: SpecKey) -> InferredFunction:
    """The typed IR of ``key``, inferring it (and its callees) if needed."""
    with COMPILE_LOCK:
        if key not in _typed:
            infer_closure(key)
        return _typed[key]


@dataclass
class Kernel:
    """A specialization compiled for a GPU: its PTX, the entry's name and its parameters
    (flattened: see ``dispatchjit.cuda``)."""

    key: SpecKey
    ptx: str
    name: str
    params: list[str]


def _kernel_closure(func, argtypes):
    """The specialization a kernel launch runs, and everything it calls; kernels return nothing."""
    from .errors import CompileError
    method, _ = func.resolve_types(argtypes)
    key = SpecKey(func, method, argtypes)
    closure, _ = infer_closure(key)
    returns = closure[key].fn.return_type
    if returns not in (Nothing, Bottom):
        raise CompileError(f"a kernel returns nothing; {func.__name__} returns {returns}",
                           closure[key].fn.loc, hint="write results into an array argument")
    return key, closure


def _lowered(mb, closure):
    for inferred in closure.values():
        mb.declare(inferred)
    for inferred in closure.values():
        mb.lower(inferred)
    return mb


def kernel_module(func, argtypes: tuple[JType, ...], target: Target) -> tuple[SpecKey, str, str, list[str]]:
    """The unoptimized LLVM IR text of ``func`` at ``argtypes`` as a GPU kernel for ``target``
    (an NVPTXTarget): ``(key, text, kernel name, flat parameters)``. The text is llvmlite's own
    (typed pointers), never round-tripped through LLVM, so libNVVM accepts it too."""
    from .lower_llvm import ModuleBuilder, emit_kernel
    with COMPILE_LOCK:
        key, closure = _kernel_closure(func, argtypes)
        root = closure[key]
        mb = _lowered(ModuleBuilder(target, recursive=_recursive(closure), nogil=True), closure)
        name = f"{func.__name__}_{next(_entry_ids)}"
        params = emit_kernel(mb, mb.functions[key], key.argtypes, root.fn, name)
        return key, finish_module_text(str(mb.module)), name, params


def compile_kernel(func, argtypes: tuple[JType, ...], target: Target) -> Kernel:
    """Compile ``func`` at ``argtypes`` as a GPU kernel for ``target`` (an NVPTXTarget) with
    LLVM's NVPTX backend."""
    from llvmlite import binding as llvm
    key, text, name, params = kernel_module(func, argtypes, target)
    module_ref = llvm.parse_assembly(text)
    target.link_libdevice(module_ref, name)
    target.optimize(module_ref, 2)
    return Kernel(key, target.emit_assembly(module_ref), name, params)


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
    from llvmlite import binding as llvm

    from .runtime.boxing import emit_entry
    from .runtime.jit import engine, link_cells, make_builtin

    from .lower_llvm import ModuleBuilder, emit_grid_loop, emit_thread_entry
    from .lattice import Int64
    target = host()
    with COMPILE_LOCK:
        key, closure = _kernel_closure(func, argtypes)
        threaded = any(isinstance(n, ir.Prim) and n.op == "cuda.syncthreads"
                       for inf in closure.values() for n in ir.walk(inf.fn.body))
        mb = _lowered(ModuleBuilder(target, recursive=_recursive(closure), emulated=True), closure)
        emit, extra = (emit_thread_entry, 15) if threaded else (emit_grid_loop, 7)
        run = emit(mb, mb.functions[key], argtypes, f"grid.run.{mb.uid}")
        name = f"emulate.{mb.uid}"
        emit_entry(mb, run, argtypes + (Int64,) * extra, None, Nothing, name)
        module_ref = llvm.parse_assembly(finish_module_text(str(mb.module)))
        target.optimize(module_ref, 2)
        keepalive = list(mb.keepalive)
        link_cells(mb.uid, mb.objects, mb.sites, keepalive)
        eng = engine(target)
        eng.add(module_ref)
        entry = make_builtin(eng.function_address(name), func.__name__, keepalive)
        return Emulated(key, entry, threaded, mb.shared_size)
