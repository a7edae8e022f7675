"""The CPU target's vectorcall dispatcher: machine code that routes a call of a generic function
to the entry point of the compiled signature its arguments have.

It compares the arguments' Python types (and, for arrays, dtype, ndim and layout: each kind's
check is its ``Repr``'s, ``lowering.reprs``) against every compiled signature and jumps straight
into the matching entry point, with no Python frame, tuple or type object built on the way. A
miss calls the Python slow path (resolution, compilation), as does every call while no
dispatcher is installed (``runtime.vectorcall``).
"""

from __future__ import annotations

import itertools
import sys

from llvmlite import ir as ll

from .. import codegen
from ..lattice import JType
from ..lowering.abi import I1, I64, PTR
from ..lowering.reprs import repr_of
from ..runtime.cpython import declare

__all__ = ["emit_dispatcher", "compile_dispatcher"]

_ARGS_OFFSET_MASK = (1 << 63) - 1                        # ~PY_VECTORCALL_ARGUMENTS_OFFSET
_ids = itertools.count()


class _Checks:
    def __init__(self, b: ll.IRBuilder, keepalive: list):
        self.b, self.keepalive = b, keepalive

    def const(self, obj) -> ll.Value:
        self.keepalive.append(obj)
        return I64(id(obj)).inttoptr(PTR)

    def field(self, obj, offset: int, ty) -> ll.Value:
        return self.b.load(self.b.bitcast(self.b.gep(obj, [I64(offset)]), ty.as_pointer()))

    def type_is(self, obj, *classes) -> ll.Value:
        tp = self.field(obj, 8, PTR)
        result = I1(0)
        for cls in classes:
            result = self.b.or_(result, self.b.icmp_unsigned("==", tp, self.const(cls)))
        return result

    def check(self, obj, t: JType) -> ll.Value:
        """Whether ``obj`` has lattice type ``t`` (what ``typeof`` would answer)."""
        return repr_of(t).dispatch_check(self, obj, t)

    def small_int(self, obj) -> ll.Value:
        """An exact ``int`` of at most two 30-bit digits surely fits Int64; larger ones go to the
        slow path, which converts or raises OverflowError as ``typeof`` does."""
        b = self.b
        if sys.version_info >= (3, 12):  # lv_tag: digit count << 3 | sign
            return b.icmp_unsigned("<=", b.lshr(self.field(obj, 16, I64), I64(3)), I64(2))
        return b.icmp_unsigned("<=", b.add(self.field(obj, 16, I64), I64(2)), I64(4))  # |ob_size| <= 2

    def all_of(self, conditions) -> ll.Value:
        """Short-circuit ``and`` of the conditions (callables emitting an i1): a later one may
        read memory that only the earlier ones make safe to read."""
        b = self.b
        done = b.append_basic_block("all.done")
        incoming = []
        for condition in conditions:
            value = condition()
            incoming.append((I1(0), b.block))
            more = b.append_basic_block("all.more")
            b.cbranch(value, more, done)
            b.position_at_end(more)
        incoming.append((I1(1), b.block))
        b.branch(done)
        b.position_at_end(done)
        phi = b.phi(I1)
        for value, block in incoming:
            phi.add_incoming(value, block)
        return phi


def emit_dispatcher(module: ll.Module, name: str, cases: list[tuple[tuple[JType, ...], int]], slow,
                    keepalive: list) -> ll.Function:
    """``PyObject *name(callable, args, nargsf, kwnames)``: call the entry point at the address
    of the first case whose signature the arguments have, else ``slow(*args, **kw)``."""
    fnty = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64, PTR])
    f = ll.Function(module, fnty, name)
    _, args, nargsf, kwnames = f.args
    b = ll.IRBuilder(f.append_basic_block("entry"))
    checks = _Checks(b, keepalive)
    nargs = b.and_(nargsf, I64(_ARGS_OFFSET_MASK))
    miss = f.append_basic_block("miss")
    positional = f.append_basic_block("positional")
    b.cbranch(b.icmp_unsigned("==", kwnames, ll.Constant(PTR, None)), positional, miss)
    b.position_at_end(positional)
    entry_type = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64])
    for argtypes, address in cases:
        next_case = f.append_basic_block("next")
        body = f.append_basic_block("case")
        b.cbranch(b.icmp_unsigned("==", nargs, I64(len(argtypes))), body, next_case)
        b.position_at_end(body)
        ok = checks.all_of([lambda i=i, t=t: checks.check(b.load(b.gep(args, [I64(i)])), t)
                            for i, t in enumerate(argtypes)])
        hit = f.append_basic_block("hit")
        b.cbranch(ok, hit, next_case)
        b.position_at_end(hit)
        entry = b.inttoptr(I64(address), entry_type.as_pointer())
        b.ret(b.call(entry, [ll.Constant(PTR, None), args, nargs]))
        b.position_at_end(next_case)
    b.branch(miss)
    b.position_at_end(miss)
    vectorcall = declare(module, "PyObject_Vectorcall")
    b.ret(b.call(vectorcall, [checks.const(slow), args, nargsf, kwnames]))
    return f


def compile_dispatcher(func, cases, slow) -> tuple[int, list]:
    """Machine code dispatching calls of ``func`` to the entry points of ``cases`` (signature,
    entry address), else to ``slow``; returns its address and what it keeps alive."""
    from ..state import COMPILE_LOCK
    from .cpu import host
    target = host()
    with COMPILE_LOCK:
        module = ll.Module(name=f"dispatch.{func.__name__}")
        module.triple, module.data_layout = target.triple, target.datalayout
        name = f"dispatch.{func.__name__}.{next(_ids)}"
        keepalive: list = []
        emit_dispatcher(module, name, cases, slow, keepalive)
        code = codegen.emitted(target, codegen.optimized(target, str(module), None, 2), quick=False)
        return target.load(code, "", [], [], [], keepalive).function_address(name), keepalive   # no cells
