"""The CPU emulator of GPU kernels: a CPU target whose kernel-language intrinsics read the
emulated grid.

Every compiled function already receives an ExcInfo pointer; the emulator passes a pointer to an
EmuContext instead, whose first field is that ExcInfo: the thread and block indices (tid,
ctaid, ntid, nctaid; x, y, z each), the block's shared memory, and the block's barrier
(``i32 wait(i64 arg)``, non-zero when the block failed). A kernel without barriers is entered
through a loop over the whole grid (``emit_grid_loop``); one with ``cuda.syncthreads`` one
thread at a time (``emit_thread_entry``), the launcher running a block's threads on OS threads
of their own (``dispatchjit.runtime.emulator``). Either is wrapped in a CPython entry point.
"""

from __future__ import annotations

from llvmlite import ir as ll

from .. import ir
from ..lattice import Int64, Nothing
from ..lowering.abi import EXCINFO, I32, I64, OK, PTR, STATUS
from ..lowering.reprs import llvm_type
from .boxing import emit_cpython_entry
from .cpu import CPUTarget
from .ptx import check_kernel_root
from .target import Compiled

__all__ = ["EmulatorTarget", "EMUCTX"]

EMUCTX = ll.LiteralStructType([EXCINFO, ll.ArrayType(I64, 12), PTR, PTR, I64])
EMU_GRID, EMU_SHARED, EMU_BARRIER, EMU_BARRIER_ARG = 1, 2, 3, 4
_GRID_SLOTS = {"tid": 0, "ctaid": 3, "ntid": 6, "nctaid": 9}
_SHARED_ALIGN = 16   # bytes, as CUDA's


class EmulatorTarget(CPUTarget):
    """Kernels compiled for the host CPU, run by ``cuda.launch`` when there is no GPU."""

    name = "cpu-emulator"

    def without_gil(self, options: dict) -> bool:
        return False   # the launcher calls a kernel's entry holding the GIL, whatever its options

    def kernel_intrinsic(self, fl, e):
        b = fl.b
        if e.op == "cuda.syncthreads":
            wait = b.bitcast(b.load(emulator_field(b, fl.exc, EMU_BARRIER)),
                             ll.FunctionType(I32, [I64]).as_pointer())
            failed = b.icmp_signed("!=", b.call(wait, [b.load(emulator_field(b, fl.exc, EMU_BARRIER_ARG))]), I32(0))
            fl.check(failed, RuntimeError, "cuda.syncthreads(): another thread of this block failed", e.loc)
            return ll.Constant(llvm_type(e.type), None)
        _, register, axis = e.op.split(".")
        return b.load(emulator_field(b, fl.exc, EMU_GRID, _GRID_SLOTS[register] + "xyz".index(axis)))

    def shared_memory(self, fl, e, element, count: int, itemsize: int):
        """A slice of the block's shared buffer (the launcher allocates ``mb.shared_size``)."""
        b, offset = fl.b, fl.mb.shared_size
        fl.mb.shared_size += -(-count * itemsize // _SHARED_ALIGN) * _SHARED_ALIGN
        base = b.load(emulator_field(b, fl.exc, EMU_SHARED))
        return b.bitcast(b.gep(base, [I64(offset)]), element.as_pointer())

    def check_root(self, key, closure) -> None:
        check_kernel_root(key, closure)

    def emit_entry(self, mb, key, closure) -> Compiled:
        """The grid loop or the thread entry, wrapped in a CPython entry point taking the
        kernel's arguments and the launch's integers; ``threaded`` says which."""
        threaded = any(isinstance(n, ir.Prim) and n.op == "cuda.syncthreads"
                       for inf in closure.values() for n in ir.walk(inf.fn.body))
        emit, extra = (emit_thread_entry, 15) if threaded else (emit_grid_loop, 7)
        run = emit(mb, mb.functions[key], key.argtypes, f"grid.run.{mb.uid}")
        name = f"emulate.{mb.uid}"
        emit_cpython_entry(mb, run, key.argtypes + (Int64,) * extra, None, Nothing, name)
        return Compiled(name, threaded=threaded)


def emulator_field(b: ll.IRBuilder, exc: ll.Value, *path: int) -> ll.Value:
    """A pointer to a field of the EmuContext that ``exc`` points into."""
    return b.gep(b.bitcast(exc, EMUCTX.as_pointer()), [I32(0), *(I32(k) for k in path)])


def _emulator_function(mb, argtypes, extra: int, name: str):
    """A specialization-shaped function taking the kernel's arguments and ``extra`` int64s, with
    an EmuContext on its stack whose ExcInfo starts as the caller's; returns the builder, the
    function, the context, the kernel's arguments and the extra ones."""
    params = [llvm_type(t) for t in argtypes] + [I64] * extra
    f = ll.Function(mb.module, ll.FunctionType(STATUS, [llvm_type(Nothing).as_pointer(), EXCINFO.as_pointer(),
                                                      *params]), name)
    f.linkage = "internal"
    _, exc, *rest = f.args
    b = ll.IRBuilder(f.append_basic_block("entry"))
    ctx = b.alloca(EMUCTX)
    b.store(b.load(exc), b.gep(ctx, [I32(0), I32(0)]))
    return b, f, ctx, rest[:len(argtypes)], rest[len(argtypes):]


def _call_kernel(b: ll.IRBuilder, kernel: ll.Function, f: ll.Function, ctx, args) -> None:
    """Run the kernel in ``ctx``; on an error, hand its ExcInfo back to the caller."""
    ret = b.alloca(llvm_type(Nothing))
    status = b.call(kernel, [ret, b.gep(ctx, [I32(0), I32(0)]), *args])
    with b.if_then(b.icmp_signed("!=", status, OK), likely=False):
        b.store(b.load(b.gep(ctx, [I32(0), I32(0)])), f.args[1])
        b.ret(status)


def _set_grid(b: ll.IRBuilder, ctx, slot: int, value: ll.Value) -> None:
    b.store(value, b.gep(ctx, [I32(0), I32(EMU_GRID), I32(slot)]))


def _set_launch(b: ll.IRBuilder, ctx, dims, shared: ll.Value) -> None:
    """The launch's dimensions (ntid, nctaid, for the whole launch) and the shared memory."""
    for axis in range(3):
        _set_grid(b, ctx, 6 + axis, dims[3 + axis])
        _set_grid(b, ctx, 9 + axis, dims[axis])
    b.store(b.inttoptr(shared, PTR), b.gep(ctx, [I32(0), I32(EMU_SHARED)]))


def emit_grid_loop(mb, kernel: ll.Function, argtypes, name: str) -> ll.Function:
    """The CPU emulator's launch of a kernel without barriers: ``name(args..., blocks x y z,
    threads x y z, shared)`` runs the kernel once per thread, block after block, one thread
    after another, with each thread's indices in the context (``shared``: the address of the
    memory the blocks' shared arrays live in, reused by each block in turn)."""
    b, f, ctx, args, (*dims, shared) = _emulator_function(mb, argtypes, 7, name)
    _set_launch(b, ctx, dims, shared)

    def nest(level: int):
        slot, bound = [(5, 2), (4, 1), (3, 0), (2, 5), (1, 4), (0, 3)][level]   # bz by bx tz ty tx
        counter = b.gep(ctx, [I32(0), I32(EMU_GRID), I32(slot)])
        b.store(I64(0), counter)
        cond, body, end = (f.append_basic_block(f"grid{level}.{n}") for n in ("cond", "body", "end"))
        b.branch(cond)
        b.position_at_end(cond)
        b.cbranch(b.icmp_signed("<", b.load(counter), dims[bound]), body, end)
        b.position_at_end(body)
        if level < 5:
            nest(level + 1)
        else:
            _call_kernel(b, kernel, f, ctx, args)
        b.store(b.add(b.load(counter), I64(1)), counter)
        b.branch(cond)
        b.position_at_end(end)

    nest(0)
    b.ret(OK)
    return f


def emit_thread_entry(mb, kernel: ll.Function, argtypes, name: str) -> ll.Function:
    """The CPU emulator's run of one GPU thread of a kernel with barriers: ``name(args...,
    blocks x y z, threads x y z, block x y z, thread x y z, shared, barrier, barrier_arg)``; the
    launcher runs a block's threads on OS threads of their own, taking turns (``dispatchjit.runtime.emulator``)."""
    b, f, ctx, args, extra = _emulator_function(mb, argtypes, 15, name)
    dims, block, thread, (shared, barrier, barrier_arg) = extra[:6], extra[6:9], extra[9:12], extra[12:]
    _set_launch(b, ctx, dims, shared)
    for axis in range(3):
        _set_grid(b, ctx, axis, thread[axis])
        _set_grid(b, ctx, 3 + axis, block[axis])
    b.store(b.inttoptr(barrier, PTR), b.gep(ctx, [I32(0), I32(EMU_BARRIER)]))
    b.store(barrier_arg, b.gep(ctx, [I32(0), I32(EMU_BARRIER_ARG)]))
    _call_kernel(b, kernel, f, ctx, args)
    b.ret(OK)
    return f
