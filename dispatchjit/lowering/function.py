"""Lowering: typed IR to LLVM IR, the same for every target.

Every specialization becomes one LLVM function with the calling convention of ``abi``
(a status returned, the result stored through ``%ret``, an exception recorded in ``%exc``).
What differs between targets (kernel intrinsics, shared memory) is asked of the target's hooks
(``targets.target.Target``); whether Python objects exist there (object cells, raise-site cells,
allocation) of its one capability, ``python_objects``. Recursive functions compare their stack
depth with the limit the entry point stored in ``%exc``. Status checks after calls are cheap and
disappear when LLVM inlines a callee that cannot raise. A root compile lowers its whole call
graph into one module with internal linkage, so LLVM can inline generic calls across functions.
Variables live in stack slots that ``mem2reg``/SROA promote to registers.

Values that hold Python references (arrays, opaque objects, tuples of them) follow one ownership
rule: a variable slot owns a reference; an expression result is either *owned* (a call's result,
a new array or view, a tuple built here) or *borrowed* (a variable or constant read). Consumers
take ownership or drop it (``_owns``, ``incref``/``decref``), and every exit of a function,
exceptional ones included (the ``unwind`` block), releases what its slots hold. Code compiled to
run without the GIL does no reference counting at all (see ``ModuleBuilder.nogil``).

Operations follow Python's semantics where it has them (floor division and modulo, errors for
division by zero and math domain errors) and Julia's where Python has no fixed-width answer
(integers wrap; shifts by 64 or more give 0 or -1).
"""

from __future__ import annotations

import itertools
import re
import typing
from dataclasses import dataclass, field

from llvmlite import ir as ll

from .. import ir
from ..errors import CompileError, SourceLoc, UnsupportedOnTarget
from ..infer import InferredFunction
from ..lattice import Bottom, Int64, JType, PrimitiveType, StructType, TupleType
from ..runtime.exceptions import register_site
from ..spec import SpecKey
from .abi import (COLD_COMPILED, EMPTY, EXC_STACK_LIMIT, EXC_WHERE, EXCINFO, F16, F32, F64, I1, I8, I32, I64, LOOP_DONE, OK, PTR,
                  PYERR, RAISED, STATUS)
from .arrays import normalize, shape_of, store_element
from .bce import affine_index_uses, is_serial
from .prims import compare, lower_prim
from .reprs import CAPIEmitter, convert_value, decref, incref, is_refcounted, llvm_type, repr_of, truth

if typing.TYPE_CHECKING:
    from ..targets.target import Target

__all__ = ["ModuleBuilder", "ColdLoop", "fresh_uid", "finish_module_text", "options_of"]

_names = itertools.count()


def fresh_uid() -> str:
    """A name for a module's symbols, unique in this process."""
    return f"m{next(_names)}"


class _NeverReturns(Exception):
    """Raised while lowering an expression of type Bottom, to stop lowering its statement."""


@dataclass
class ModuleBuilder:
    """Lowers a set of inferred specializations into one LLVM module."""

    target: Target
    module: ll.Module = field(init=False)
    recursive: frozenset[SpecKey] = frozenset()   # these check the stack on entry
    # Code run without the GIL (``nogil=True``) may not touch reference counts; every array it
    # sees belongs to an argument, alive for the whole call, so it needs none.
    nogil: bool = False
    # The checked copies of versioned loops (see ``ColdLoop``) are compiled on first use, in a
    # module of their own, instead of in this one: most calls never run them.
    lazy: bool = False
    cold: list[ColdLoop] = field(default_factory=list)   # the cells this module's loader fills
    # (specialization, loop statement) -> its cell's symbol, shared by a root compile and the
    # modules its cold loops are compiled into, so a loop reached again (a callee lowered into a
    # cold module, recursion) uses the cell it already has and is compiled once.
    cold_cells: dict = field(default_factory=dict)
    functions: dict[SpecKey, ll.Function] = field(default_factory=dict)
    # Bytes of block-shared memory the module's kernels lay out, for targets that place shared
    # arrays in a buffer of their own (the emulator; a GPU uses its shared address space).
    shared_size: int = 0
    uid: str = field(default_factory=fresh_uid)
    # Python objects and raise sites the code refers to. Machine code reads them from cells the
    # loader fills in (``dispatchjit.runtime.jit.link_cells``), never as addresses baked into instructions,
    # so the same object code is valid in another process (the on-disk cache).
    objects: list = field(default_factory=list)
    sites: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.module = ll.Module(name=f"dispatchjit.{self.uid}")
        self.module.triple = self.target.triple
        self.module.data_layout = self.target.datalayout

    def object_ref(self, b: ll.IRBuilder, obj) -> ll.Value:
        """A borrowed pointer to the Python object ``obj``."""
        if not self.target.python_objects:
            raise UnsupportedOnTarget(f"GPU code cannot use the Python object {obj!r}")
        index = next((i for i, o in enumerate(self.objects) if o is obj), None)
        if index is None:
            index = len(self.objects)
            self.objects.append(obj)
        return b.load(self._cell(f"dj.obj.{self.uid}.{index}", PTR))

    def site_ref(self, b: ll.IRBuilder, site: int) -> ll.Value:
        """The raise-site id ``site`` (ids are numbered per process)."""
        if not self.target.python_objects:  # no loader fills cells there, and no cache reuses the code
            return I64(site)
        if site not in self.sites:
            self.sites.append(site)
        return b.load(self._cell(f"dj.site.{self.uid}.{self.sites.index(site)}", I64))

    def cold_ref(self, b: ll.IRBuilder, loop: ColdLoop) -> ll.GlobalVariable:
        """The cell holding the address of ``loop``'s compiled function; the loader first fills
        it with a stub that compiles the loop (``dispatchjit.runtime.jit.link_cold``)."""
        ident = (loop.inferred.key, id(loop.stmt))
        name = self.cold_cells.get(ident)
        if name is None:
            name = self.cold_cells[ident] = f"dj.cold.{self.uid}.{len(self.cold)}"
            self.cold.append(loop)
        return self._cell(name, PTR)

    def lower_cold(self, loop: ColdLoop, name: str) -> ll.Function:
        """The function of ``loop``, exported as ``name``; its callees must be declared."""
        f = ll.Function(self.module, loop.function_type(), name=name)
        _OutOfLine(self, loop, f).lower_loop()
        return f

    def _cell(self, name: str, ty: ll.Type) -> ll.GlobalVariable:
        cell = self.module.globals.get(name)
        if cell is None:
            cell = ll.GlobalVariable(self.module, ty, name)  # external: defined by the loader
        return cell

    def declare(self, inferred: InferredFunction) -> ll.Function:
        key = inferred.key
        if key in self.functions:
            return self.functions[key]
        fn = inferred.fn
        params = [llvm_type(t) for t in key.argtypes[:len(fn.params)]]
        if fn.vararg is not None:
            params.append(llvm_type(TupleType(key.argtypes[len(fn.params):])))
        fnty = ll.FunctionType(STATUS, [llvm_type(fn.return_type).as_pointer(), EXCINFO.as_pointer(), *params])
        f = ll.Function(self.module, fnty, name=f"{_mangle(key)}.{next(_names)}")
        f.linkage = "internal"
        self.functions[key] = f
        return f

    def lower(self, inferred: InferredFunction) -> ll.Function:
        f = self.declare(inferred)
        _FunctionLowering(self, inferred, f).run()
        return f


def _mangle(key: SpecKey) -> str:
    return f"{key.func.__name__}<{','.join(map(repr, key.argtypes))}>".replace(" ", "")


class _FunctionLowering(CAPIEmitter):
    def __init__(self, mb: ModuleBuilder, inferred: InferredFunction, f: ll.Function):
        self.mb, self.inferred, self.f = mb, inferred, f
        self.fn = inferred.fn
        self.b = ll.IRBuilder(f.append_basic_block("entry"))
        self.entry = self.b.block
        self.slots: dict[str, ll.Value] = {}
        self.fixed: dict[str, ll.Value] = {}
        self.bound: dict[str, ll.Value] = {}
        self.loops: list[tuple[ll.Block, ll.Block]] = []   # (continue target, break target)
        self.ret_ptr, self.exc = f.args[0], f.args[1]
        self.local_types = dict(self.fn.locals)
        self.options = options_of(inferred.key)
        self.unchecked: set[int] = set()   # index nodes proved in bounds (see bce)
        # fastmath lets LLVM reassociate (vectorize reductions) and contract to FMA; results then
        # may differ from CPython's in the last bits, which is why it is opt-in.
        self.float_flags = ("fast",) if self.options.get("fastmath") else ()
        # A parameter never rebound is the caller's value itself: no slot, and no reference of
        # its own (the caller's lives until we return), so LLVM has less to clean up.
        rebound = ir.assigned_names(self.fn.body)
        self.fixed_names = {n for n in self.fn.params if n not in rebound and n not in self.fn.maybe_unbound}
        self.owning = [n for n, t in self.fn.locals if is_refcounted(t) and n not in self.fixed_names]
        self.unwind = f.append_basic_block("unwind")
        self.unwind_status = ll.IRBuilder(self.unwind).phi(STATUS, "status")

    # --- setup ---------------------------------------------------------------------------
    def run(self):
        for name, t in self.fn.locals:
            if name in self.fixed_names:
                continue
            self.slots[name] = self.alloca(llvm_type(t), name)
            if is_refcounted(t):
                self.b.store(ll.Constant(llvm_type(t), None), self.slots[name])
        self.bound = {name: self.alloca(I1, f"{name}.bound") for name in self.fn.maybe_unbound}
        for flag in self.bound.values():
            self.b.store(I1(0), flag)
        key, local_types = self.inferred.key, self.local_types
        names = list(self.fn.params) + ([self.fn.vararg] if self.fn.vararg else [])
        types = list(key.argtypes[:len(self.fn.params)])
        if self.fn.vararg:
            types.append(TupleType(key.argtypes[len(self.fn.params):]))
        for name, t, arg in zip(names, types, self.f.args[2:]):
            if name in self.fixed_names:
                self.fixed[name] = convert_value(self.b, arg, t, local_types[name])
                continue
            # A parameter reassigned with a value of a wider type lives in a slot of that type.
            self.b.store(convert_value(self.b, arg, t, local_types[name]), self.slots[name])
            self.incref(arg, t)  # the slot owns a reference; the caller keeps its own
        if self.inferred.key in self.mb.recursive:
            self.stack_check()
        self.block(self.fn.body)
        if not self.b.block.is_terminated:
            self.b.unreachable()
        self.finish_unwind()
        self.seal()

    def seal(self):
        """End the blocks a statement cut short by a Bottom expression left empty (its join and
        loop blocks): nothing branches to them."""
        for block in self.f.blocks:
            if not block.is_terminated:
                self.b.position_at_end(block)
                self.b.unreachable()

    def variable(self, name: str) -> ll.Value:
        return self.fixed[name] if name in self.fixed else self.b.load(self.slots[name])

    def incref(self, v: ll.Value, t: JType) -> None:
        if not self.mb.nogil:
            incref(self.b, v, t)

    def decref(self, v: ll.Value, t: JType) -> None:
        if not self.mb.nogil:
            decref(self.b, v, t)

    def release_locals(self):
        for name in self.owning:
            self.decref(self.b.load(self.slots[name]), self.local_types[name])

    def finish_unwind(self):
        """The exceptional exit: release what the slots own and return the status."""
        if not self.unwind_status.incomings:
            self.unwind.parent.blocks.remove(self.unwind)
            return
        self.b.position_at_end(self.unwind)
        self.release_locals()
        self.b.ret(self.unwind_status)

    def fail(self, status: ll.Value):
        self.unwind_status.add_incoming(status, self.b.block)
        self.b.branch(self.unwind)

    # --- the C API, for the Python objects compiled code touches (mutable structs' fields) ----
    def object_constant(self, obj) -> ll.Value:
        return self.mb.object_ref(self.b, obj)

    def pyerr(self):
        self.fail(PYERR)

    def python_objects(self, what: str, loc: SourceLoc) -> None:
        """Reject code that would touch Python objects where it may not."""
        if not self.mb.target.python_objects:
            raise CompileError(f"GPU code cannot {what}", loc)
        if self.mb.nogil:
            raise CompileError(f"a function compiled with nogil=True cannot {what}: that needs the GIL", loc)

    def alloca(self, ty: ll.Type, name: str = "") -> ll.Value:
        """A stack slot in the entry block, so mem2reg can promote it."""
        with self.b.goto_block(self.entry):
            if self.entry.instructions:
                self.b.position_before(self.entry.instructions[0])
            return self.b.alloca(ty, name=name)

    def new_block(self, name: str) -> ll.Block:
        return self.f.append_basic_block(name)

    # --- statements ----------------------------------------------------------------------
    def block(self, stmts):
        for s in stmts:
            if self.b.block.is_terminated:
                self.b.position_at_end(self.new_block("dead"))
            try:
                getattr(self, f"stmt_{type(s).__name__}")(s)
            except _NeverReturns:   # the rest of the statement is dead code: not lowered
                pass

    def stmt_Assign(self, s: ir.Assign):
        value = self.expr(s.value)
        if self.b.block.is_terminated:
            return
        slot, t = self.slots[s.target], s.value.type
        if is_refcounted(t):
            if not _owns(s.value):
                self.incref(value, t)
            self.decref(self.b.load(slot), t)
        self.b.store(value, slot)
        self.mark_bound(s.target)

    def stmt_SetField(self, s: ir.SetField):
        self.python_objects("write a field of a mutable struct", s.loc)
        obj, value = self.expr(s.target), self.expr(s.value)
        t = s.target.type
        repr_of(t).store_field(self, obj, t, s.index, value)
        self.release_args((s.value, s.target), (value, obj))

    def mark_bound(self, name: str):
        if name in self.bound:
            self.b.store(I1(1), self.bound[name])

    def stmt_SetItem(self, s: ir.SetItem):
        arr = self.expr(s.target)
        t = s.target.type
        indices = [self.expr(i) for i in s.index.elts]
        value = self.expr(s.value)
        shape = shape_of(self.b, arr, t)
        indices = [normalize(self, i, shape[k], k, s.index.elts[k]) for k, i in enumerate(indices)]
        store_element(self, arr, t, indices, value, s.loc)
        if _owns(s.target):
            self.decref(arr, t)

    def stmt_ExprStmt(self, s):
        value = self.expr(s.value)
        if _owns(s.value) and not self.b.block.is_terminated:
            self.decref(value, s.value.type)

    def stmt_If(self, s: ir.If):
        then, other, done = self.new_block("then"), self.new_block("else"), self.new_block("endif")
        self.b.cbranch(self.expr(s.test), then, other)
        for block, body in ((then, s.body), (other, s.orelse)):
            self.b.position_at_end(block)
            self.block(body)
            if not self.b.block.is_terminated:
                self.b.branch(done)
        self.b.position_at_end(done)

    def stmt_While(self, s: ir.While):
        cond, body, done = self.new_block("while.cond"), self.new_block("while.body"), self.new_block("while.end")
        self.b.branch(cond)
        self.b.position_at_end(cond)
        self.b.cbranch(self.expr(s.test), body, done)
        self.loop_body(body, s.body, cond, done)
        self.b.position_at_end(done)

    def loop_body(self, block, stmts, cont, brk):
        self.b.position_at_end(block)
        self.loops.append((cont, brk))
        self.block(stmts)
        self.loops.pop()
        if not self.b.block.is_terminated:
            self.b.branch(cont)

    def stmt_ForRange(self, s: ir.ForRange):
        b = self.b
        start, stop, step = self.expr(s.start), self.expr(s.stop), self.expr(s.step)
        if not (isinstance(s.step, ir.Const) and s.step.value != 0):
            self.check(b.icmp_signed("==", step, I64(0)), ValueError, "range() arg 3 must not be zero", s.step.loc)
        trips = self.trip_count(start, stop, step, s.step)
        if s.cold and self.mb.lazy:
            done = self.new_block("for.done")
            self.checked_out_of_line(s, start, step, trips, done)
            b.position_at_end(done)
            return
        fastmath = bool(self.float_flags)
        uses = affine_index_uses(s, fastmath) if self.options.get("boundscheck", True) else []
        if not uses:
            self.counted_loop(s, start, step, trips, SERIAL_LOOP_MARK if is_serial(s, fastmath) else None)
            return
        fast, slow, done = self.new_block("for.inbounds"), self.new_block("for.checked"), self.new_block("for.done")
        b.cbranch(self.all_in_bounds(uses, start, step, trips), fast, slow)
        b.position_at_end(fast)
        self.unchecked = {id(u.node) for u in uses}
        self.counted_loop(s, start, step, trips)
        self.unchecked = set()
        b.branch(done)
        b.position_at_end(slow)
        if self.mb.lazy:
            self.checked_out_of_line(s, start, step, trips, done)
        else:
            self.counted_loop(s, start, step, trips, SCALAR_LOOP_MARK)
            b.branch(done)
        b.position_at_end(done)

    def checked_out_of_line(self, s: ir.ForRange, start, step, trips, done: ll.Block):
        """Run the checked copy of loop ``s`` through a call (see ``ColdLoop``). The variables it
        assigns travel in a frame, copied out and back; those it only reads are passed by
        value, so here they stay the same SSA values around the call and LLVM can still prove
        them invariant in enclosing loops."""
        b = self.b
        used, assigned = _used_names(s), ir.assigned_names(s)
        slots = [n for n in self.slots if n in assigned]
        fixed = [n for n in self.slots if n in used and n not in assigned] + [n for n in self.fixed if n in used]
        flags = [n for n in self.bound if n in used]
        values = {n: self.variable(n) for n in fixed}
        loop = ColdLoop(self.inferred, s, tuple(slots), tuple(fixed), tuple(flags),
                        tuple(self.slots[n].type.pointee for n in slots), tuple(values[n].type for n in fixed),
                        self.ret_ptr.type)
        frame = self.alloca(loop.frame_type(), "frame")
        cells = [b.gep(frame, [I32(0), I32(i)]) for i in range(len(loop.frame_type().elements))]
        # (name, where it lives here, its frame cell) for what is copied in and maybe back
        copies = [(n, self.slots[n], c) for n, c in zip(slots, cells)] + \
                 [(n, self.bound[n], c) for n, c in zip(flags, cells[len(slots) + len(fixed):])]
        for _, home, cell in copies:
            b.store(b.load(home), cell)
        for name, cell in zip(fixed, cells[len(slots):]):
            b.store(values[name], cell)
        status = self.call_cold(loop, [self.ret_ptr, self.exc, frame, start, step, trips])
        for name, home, cell in copies:
            if name in assigned:
                b.store(b.load(cell), home)
        returned, raised = self.new_block("for.returned"), self.new_block("for.raised")
        switch = b.switch(status, raised)
        switch.add_case(LOOP_DONE, done)
        switch.add_case(OK, returned)
        b.position_at_end(returned)
        self.release_locals()
        b.ret(OK)
        b.position_at_end(raised)
        self.fail(status)

    def call_cold(self, loop: ColdLoop, args) -> ll.Value:
        """Call ``loop``'s function through its cell, and again if the stub answered that it
        has just compiled it."""
        b, cell = self.b, self.mb.cold_ref(self.b, loop)
        fnptr = loop.function_type().as_pointer()
        first = b.call(b.bitcast(b.load(cell), fnptr), args)
        called = b.block
        with b.if_then(b.icmp_signed("==", first, COLD_COMPILED), likely=False):
            retried = b.call(b.bitcast(b.load(cell), fnptr), args)
            retried_in = b.block
        status = b.phi(STATUS)
        status.add_incoming(first, called)
        status.add_incoming(retried, retried_in)
        return status

    def counted_loop(self, s: ir.ForRange, start, step, trips, mark: str | None = None):
        """A canonical counter 0..trips (never overflows, as Python's range cannot) drives the
        loop; the variable is start + k*step, recomputed so assigning to it changes nothing.
        ``mark`` (see ``_LOOP_IDS``) limits what LLVM does with the loop."""
        b = self.b
        counter = self.alloca(I64, f"{s.target}.k")
        b.store(I64(0), counter)
        cond, body, inc, done = (self.new_block(n) for n in ("for.cond", "for.body", "for.inc", "for.end"))
        b.branch(cond)
        b.position_at_end(cond)
        k = b.load(counter)
        b.cbranch(b.icmp_unsigned("<", k, trips), body, done)
        b.position_at_end(body)
        # The variable's one type may be wider than the counter's (``i = 0.5`` after the loop).
        value = convert_value(b, b.add(start, b.mul(k, step)), Int64, self.local_types[s.target])
        b.store(value, self.slots[s.target])
        self.mark_bound(s.target)
        self.loop_body(body, s.body, inc, done)
        b.position_at_end(inc)
        b.store(b.add(b.load(counter), I64(1)), counter)
        latch = b.branch(cond)
        if mark:
            latch.set_metadata("llvm.loop", self.mb.module.add_metadata([mark]))
        b.position_at_end(done)

    def all_in_bounds(self, uses, start, step, trips) -> ll.Value:
        """Whether every index in ``uses`` stays within its axis over the whole loop."""
        b = self.b
        last = b.add(start, b.mul(b.sub(trips, I64(1)), step))
        lo = b.select(b.icmp_signed("<", start, last), start, last)
        hi = b.select(b.icmp_signed("<", start, last), last, start)
        ok = I1(1)
        for u in uses:
            n = shape_of(b, self.variable(u.array), u.type)[u.axis]
            low, high = b.add(lo, I64(u.offset)), b.add(hi, I64(u.offset))
            ok = b.and_(ok, b.and_(b.icmp_signed(">=", low, I64(0)), b.icmp_signed("<", high, n)))
        return b.or_(b.icmp_signed("==", trips, I64(0)), ok)

    def trip_count(self, start, stop, step, step_expr) -> ll.Value:
        """len(range(start, stop, step)), computed without overflow in unsigned arithmetic."""
        b = self.b

        def count(lo, hi, stride):  # elements of lo, lo+stride, ... below hi, for stride > 0
            span = b.sub(b.sub(hi, lo), I64(1))
            n = b.add(b.udiv(span, stride), I64(1)) if not _is_one(stride) else b.sub(hi, lo)
            return b.select(b.icmp_signed("<", lo, hi), n, I64(0))

        if isinstance(step_expr, ir.Const):
            up = step_expr.value > 0
            return count(start, stop, step) if up else count(stop, start, b.neg(step))
        up = b.icmp_signed(">", step, I64(0))
        return b.select(up, count(start, stop, step), count(stop, start, b.neg(step)))

    def stmt_Break(self, s):
        self.b.branch(self.loops[-1][1])

    def stmt_Continue(self, s):
        self.b.branch(self.loops[-1][0])

    def stmt_Return(self, s: ir.Return):
        value = self.expr(s.value)
        if self.b.block.is_terminated:
            return
        if not _owns(s.value):
            self.incref(value, s.value.type)  # the caller receives a reference
        self.b.store(value, self.ret_ptr)
        self.release_locals()
        self.b.ret(OK)

    def stack_check(self):
        """Raise RecursionError rather than overflow the native stack in deep recursion."""
        b = self.b
        # The address of a fresh stack slot marks the stack depth without forcing a frame pointer.
        here = b.ptrtoint(self.alloca(I8, "stack.mark"), I64)
        limit = b.load(b.gep(self.exc, [I32(0), I32(EXC_STACK_LIMIT)]))
        self.check(b.icmp_unsigned("<", here, limit), RecursionError,
                   "maximum recursion depth exceeded in compiled code", self.fn.loc)

    # --- raising -------------------------------------------------------------------------
    def throw(self, site: int, payload: list[ll.Value] = (), unsigned: list[bool] = ()):
        """Record raise-site ``site`` (and its message values, ``unsigned`` saying which are
        unsigned integers) in the caller's ExcInfo and leave through the unwind block with status 1."""
        b = self.b
        b.store(self.mb.site_ref(b, site), b.gep(self.exc, [I32(0), I32(0)]))
        for i, v in enumerate(payload):
            word = self.payload_word(v, i < len(unsigned) and unsigned[i])
            b.store(word, b.gep(self.exc, [I32(0), I32(1), I32(i)]))
        self.fail(RAISED)

    def locate_library_error(self, status: ll.Value, loc: SourceLoc) -> None:
        """An exception the library raised for this call is raised at the call's line (the
        innermost user code's), unless a call nearer to it claimed it already."""
        b = self.b
        where = b.gep(self.exc, [I32(0), I32(EXC_WHERE)])
        unclaimed = b.and_(b.icmp_signed("==", status, RAISED), b.icmp_signed("<", b.load(where), I64(0)))
        with b.if_then(unclaimed):
            b.store(self.mb.site_ref(b, register_site(Exception, None, loc)), where)

    def payload_word(self, v: ll.Value, unsigned: bool = False) -> ll.Value:
        if v.type == F64:
            return self.b.bitcast(v, I64)
        if v.type in (F16, F32):
            return self.b.bitcast(self.b.fpext(v, F64), I64)
        if v.type.width < 64:
            return self.b.zext(v, I64) if unsigned or v.type.width == 1 else self.b.sext(v, I64)
        return v

    def check(self, failed: ll.Value, exc: type, message: str, loc: SourceLoc,
              payload=(), kinds: tuple[str, ...] = ()):
        """Raise ``exc(message)`` at ``loc`` when ``failed`` is true; continue otherwise."""
        site = register_site(exc, message, loc, kinds)
        with self.b.if_then(failed, likely=False):
            self.throw(site, list(payload))

    # --- expressions ---------------------------------------------------------------------
    def expr(self, e: ir.Expr) -> ll.Value:
        value = getattr(self, f"expr_{type(e).__name__}")(e)
        if e.type == Bottom:
            # An expression of type Bottom never completes (a call that always raises): whatever
            # would consume its value is unreachable, so the statement ends here, whatever the
            # consumer (a condition, an operand, a branch of a conditional expression).
            if not self.b.block.is_terminated:
                self.b.unreachable()
            raise _NeverReturns
        return value

    def expr_Const(self, e: ir.Const) -> ll.Value:
        try:
            return self.constant(e.value, e.type)
        except UnsupportedOnTarget as err:   # a Python object in GPU code
            raise CompileError(str(err), e.loc) from None

    def constant(self, value, t: JType) -> ll.Value:
        return repr_of(t).constant(self.mb, self.b, value, t)

    def expr_Name(self, e: ir.Name) -> ll.Value:
        if e.checked:
            self.check(self.b.not_(self.b.load(self.bound[e.id])), UnboundLocalError,
                       f"cannot access local variable '{e.id}' where it is not associated with a value", e.loc)
        if e.type == Bottom:   # never assigned a value (only in a branch the types ruled out)
            return ll.Constant(EMPTY, None)
        return self.variable(e.id)

    def expr_Convert(self, e: ir.Convert) -> ll.Value:
        return convert_value(self.b, self.expr(e.value), e.value.type, e.type)

    def expr_TupleExpr(self, e: ir.TupleExpr) -> ll.Value:
        return self.aggregate(e.elts, e.type)

    def aggregate(self, parts, t: JType) -> ll.Value:
        """A tuple or an immutable struct of the values of ``parts``, each holding its references."""
        agg = ll.Constant(llvm_type(t), None)
        for i, x in enumerate(parts):
            agg = self.b.insert_value(agg, self.owned(x), i)
        return agg

    def expr_New(self, e: ir.New) -> ll.Value:
        t = e.type
        if not t.mutable:
            return self.aggregate(e.args, t)
        self.python_objects("create a mutable struct", e.loc)
        values = [self.expr(a) for a in e.args]
        obj = repr_of(t).new_object(self, values, t)
        self.release_args(e.args, values)
        return obj

    def owned(self, e: ir.Expr) -> ll.Value:
        """Lower ``e`` to a value that carries its own references."""
        value = self.expr(e)
        if not _owns(e) and not self.b.block.is_terminated:
            self.incref(value, e.type)
        return value

    def expr_GetField(self, e: ir.GetField) -> ll.Value:
        whole = self.expr(e.value)
        t = e.value.type
        if isinstance(t, StructType) and t.mutable:
            self.python_objects("read a field of a mutable struct", e.loc)
            element = repr_of(t).load_field(self, whole, t, e.index)
        else:
            element = self.b.extract_value(whole, e.index)
        if _owns(e):   # the whole is a temporary: the element takes a reference before it goes
            self.incref(element, e.type)
            if _owns(e.value):
                self.decref(whole, e.value.type)
        return element

    def expr_Throw(self, e: ir.Throw) -> ll.Value:
        payload = [self.expr(a) for a in e.args]
        self.throw(e.site, payload, [isinstance(a.type, PrimitiveType) and a.type.kind == "uint" for a in e.args])
        self.b.position_at_end(self.new_block("after.raise"))
        return ll.Constant(EMPTY, None)

    def expr_Invoke(self, e: ir.Invoke) -> ll.Value:
        callee = self.mb.functions[e.target]
        args = [self.expr(a) for a in e.args]
        ret = self.alloca(callee.args[0].type.pointee, "ret")
        status = self.b.call(callee, [ret, self.exc, *args])
        with self.b.if_then(self.b.icmp_signed("!=", status, OK), likely=False):
            if _in_library(e.target) and not _in_library(self.inferred.key):
                self.locate_library_error(status, e.loc)
            self.fail(status)
        self.release_args(e.args, args)
        return self.b.load(ret)

    def release_args(self, exprs, values):
        """Drop the references owned argument expressions produced once the callee is done."""
        for x, v in zip(exprs, values):
            if _owns(x):
                self.decref(v, x.type)

    def expr_IfExp(self, e: ir.IfExp) -> ll.Value:
        return self.branches(self.expr(e.test), lambda: self.owned(e.body), lambda: self.owned(e.orelse),
                             llvm_type(e.type))

    def branches(self, cond, then_fn, else_fn, ty) -> ll.Value:
        """``cond ? then_fn() : else_fn()`` with each side evaluated only when taken."""
        then, other, done = self.new_block("sel.then"), self.new_block("sel.else"), self.new_block("sel.end")
        self.b.cbranch(cond, then, other)
        incoming = []
        for block, fn in ((then, then_fn), (other, else_fn)):
            self.b.position_at_end(block)
            try:
                value = fn()
            except _NeverReturns:   # this side never completes: it brings no value
                continue
            if not self.b.block.is_terminated:
                incoming.append((value, self.b.block))
                self.b.branch(done)
        self.b.position_at_end(done)
        if not incoming:
            self.b.unreachable()
            self.b.position_at_end(self.new_block("dead"))
            return ll.Constant(ty, None)
        phi = self.b.phi(ty)
        for value, block in incoming:
            phi.add_incoming(value, block)
        return phi

    def expr_BoolOp(self, e: ir.BoolOp) -> ll.Value:
        def chain(values):
            first = self.owned(values[0])
            if len(values) == 1:
                return first
            t = truth(self.b, first, e.type)

            def rest():  # the first value is dropped
                self.decref(first, e.type)
                return chain(values[1:])

            keep = lambda: first  # noqa: E731
            return self.branches(t, rest, keep, first.type) if e.op == "and" else \
                self.branches(t, keep, rest, first.type)
        return chain(e.values)

    def expr_Compare(self, e: ir.Compare) -> ll.Value:
        def chain(i, left):
            right = self.expr(e.operands[i + 1])
            t = e.common[i]
            a = convert_value(self.b, left, e.operands[i].type, t)
            c = convert_value(self.b, right, e.operands[i + 1].type, t)
            result = compare(self.b, e.ops[i], a, c, t)
            if i + 1 == len(e.ops):
                return result
            return self.branches(result, lambda: chain(i + 1, right), lambda: I1(0), I1)
        return chain(0, self.expr(e.operands[0]))

    def expr_Prim(self, e: ir.Prim) -> ll.Value:
        args = [self.expr(a) for a in e.args]
        result = lower_prim(self, e, args)
        self.release_args(e.args, args)
        return result


# Loop metadata, written as a mark llvmlite can build and made real by finish_module_text (a
# loop ID must refer to itself, which llvmlite cannot express).
SCALAR_LOOP_MARK = "dispatchjit.scalar_loop"   # rarely run: neither vectorized nor unrolled
# A serial loop (see bce.is_serial): runtime unrolling would make LLVM optimize and emit its body
# several times over, for nothing on a chain of dependent float operations.
SERIAL_LOOP_MARK = "dispatchjit.serial_loop"
_LOOP_IDS = {
    SCALAR_LOOP_MARK: ('distinct !{{!{0}, !{{!"llvm.loop.vectorize.enable", i1 0}}, '
                       '!{{!"llvm.loop.interleave.count", i32 1}}, !{{!"llvm.loop.unroll.disable"}}}}'),
    SERIAL_LOOP_MARK: 'distinct !{{!{0}, !{{!"llvm.loop.unroll.runtime.disable"}}}}',
}


@dataclass(frozen=True, eq=False)
class ColdLoop:
    """The checked copy of a versioned loop (``stmt_ForRange``): it runs only when some index
    of the loop may leave its axis, which most calls never see, so it is compiled when first
    run, sparing every first call the optimizer's and code generator's time on it.

    It becomes ``i32 f(T_ret* ret, ExcInfo* exc, Frame* frame, i64 start, i64 step, i64 trips)``
    (one signature for all, so one kind of stub serves them): the frame holds the caller's
    variables the loop assigns (``slots``, copied back after the call), the values of those it
    only reads (``fixed``) and the unbound flags of the variables it uses (``bound``).
    It returns LOOP_DONE when the loop ends, 0 after a ``return`` (the value stored through
    ``ret``) and an error status after a raise. The caller keeps owning the references."""

    inferred: InferredFunction
    stmt: ir.ForRange
    slots: tuple[str, ...]
    fixed: tuple[str, ...]
    bound: tuple[str, ...]
    slot_types: tuple[ll.Type, ...]
    fixed_types: tuple[ll.Type, ...]
    ret_type: ll.Type

    def frame_type(self) -> ll.LiteralStructType:
        return ll.LiteralStructType([*self.slot_types, *self.fixed_types, *(I1 for _ in self.bound)])

    def function_type(self) -> ll.FunctionType:
        return ll.FunctionType(STATUS, [self.ret_type, EXCINFO.as_pointer(), self.frame_type().as_pointer(),
                                        I64, I64, I64])


class _OutOfLine(_FunctionLowering):
    """Lowers a ColdLoop into its function ``f``: the variables are the frame's fields."""

    def __init__(self, mb: ModuleBuilder, loop: ColdLoop, f: ll.Function):
        super().__init__(mb, loop.inferred, f)
        self.loop = loop
        self.owning = []   # the caller releases the variables
        frame = f.args[2]
        # Only this call uses the caller's frame: without saying so, a store into an array in
        # the loop could change the variables as far as LLVM knows, which keeps them in memory
        # and the loop from being vectorized.
        frame.add_attribute("noalias")
        cells = [self.b.gep(frame, [I32(0), I32(i)]) for i in range(len(loop.frame_type().elements))]
        nslots, nfixed = len(loop.slots), len(loop.fixed)
        # The variables the loop assigns are copied into local slots (registers, once mem2reg has
        # run) and back into the frame at every exit.
        self.frame_cells = dict(zip(loop.slots + loop.bound, cells[:nslots] + cells[nslots + nfixed:]))
        self.slots = {n: self._local(c, n) for n, c in zip(loop.slots, cells)}
        self.fixed = {n: self.b.load(c) for n, c in zip(loop.fixed, cells[nslots:])}
        self.bound = {n: self._local(c, n) for n, c in zip(loop.bound, cells[nslots + nfixed:])}

    def _local(self, cell: ll.Value, name: str) -> ll.Value:
        slot = self.alloca(cell.type.pointee, name)
        self.b.store(self.b.load(cell), slot)
        return slot

    def lower_loop(self):
        start, step, trips = self.f.args[3:]
        self.counted_loop(self.loop.stmt, start, step, trips, SCALAR_LOOP_MARK)
        if not self.b.block.is_terminated:
            self.b.ret(LOOP_DONE)
        self.finish_unwind()
        self.seal()
        self._copy_back()

    def _copy_back(self):
        """Before each return, the local copies of the variables stored back into the frame."""
        homes = {**self.slots, **self.bound}
        for block in self.f.blocks:
            last = block.instructions[-1] if block.instructions else None
            if isinstance(last, ll.Ret):
                self.b.position_before(last)
                for name, cell in self.frame_cells.items():
                    self.b.store(self.b.load(homes[name]), cell)


def _used_names(node) -> set[str]:
    """The variables ``node`` (typed form) reads or assigns."""
    return {n.id for n in ir.walk(node) if isinstance(n, ir.Name)} | ir.assigned_names(node)


def finish_module_text(text: str) -> str:
    """The module text with marked loop IDs made real (see ``_LOOP_IDS``)."""
    return re.sub(r'^!(\d+) = !\{ ?!"(dispatchjit\.[a-z_]+)" ?\}$',
                  lambda m: f"!{m.group(1)} = " + _LOOP_IDS[m.group(2)].format(m.group(1)), text, flags=re.M)


def options_of(key: SpecKey) -> dict:
    """The ``@generic(...)`` options of the method ``key`` runs (a default-filling method has
    those of the method it completes)."""
    method = key.method.defaults_of or key.method
    return getattr(method.func, "__dispatchjit_options__", {})


def _is_one(v: ll.Value) -> bool:
    return isinstance(v, ll.Constant) and v.constant == 1


_OWNING_NODES = (ir.Invoke, ir.Prim, ir.TupleExpr, ir.New, ir.IfExp, ir.BoolOp)


def _owns(e: ir.Expr) -> bool:
    """Whether the lowered value of ``e`` carries its own references (see the module doc)."""
    if not is_refcounted(e.type):
        return False
    if isinstance(e, ir.Convert):
        return _owns(e.value)
    if isinstance(e, ir.GetField):
        # A field of an immutable value lives as long as the value: borrowed from a borrowed
        # one (``bc.args[0].args[1]`` of a variable counts no references). A mutable struct's
        # field can be replaced while it is used, so reading it takes a reference.
        t = e.value.type
        return isinstance(t, StructType) and t.mutable or _owns(e.value)
    return isinstance(e, _OWNING_NODES)




def _in_library(key) -> bool:
    """Whether a specialization is dispatchjit's own library code (``dispatchjit.base``, the
    AD library ``dispatchjit.ad``), whose errors are raised at the user's call."""
    return (getattr(key.method.func, "__module__", None) or "").startswith(("dispatchjit.base", "dispatchjit.ad"))
