"""The CPython boundary of the CPU target: entry points that take Python objects, unbox them
into machine values, call a compiled specialization and box its result.

An entry point has CPython's ``METH_FASTCALL`` signature,

    PyObject *entry(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

so the loader can expose it as a real builtin function: a call from Python goes straight into
machine code with no ctypes conversion. Unboxing uses the C API's own converters
(``PyFloat_AsDouble`` accepts float subclasses and NumPy scalars alike) and checks their error
returns, so a wrong argument becomes a Python exception, never a crash; how each kind of type is
unboxed and boxed is its ``Repr``'s business (``lowering.reprs``). When the compiled code
reports an exception, the entry point hands its ``ExcInfo`` to ``raise_from_excinfo``.
"""

from __future__ import annotations

from llvmlite import ir as ll

from ..lattice import JType, TupleType
from ..lowering.abi import EXC_STACK_LIMIT, EXC_WHERE, EXCINFO, I32, I64, OK, PTR, PYERR
from ..lowering.reprs import CAPIEmitter, decref, llvm_type, repr_of
from ..runtime import exceptions

__all__ = ["emit_cpython_entry"]


class _Entry(CAPIEmitter):
    def __init__(self, mb):
        self.mb, self.module = mb, mb.module

    def object_constant(self, obj) -> ll.Value:
        """A pointer to ``obj``, kept alive as long as the compiled code."""
        return self.mb.object_ref(self.b, obj)

    def pyerr(self):
        self.b.ret(ll.Constant(PTR, None))

    def unbox(self, obj: ll.Value, t: JType) -> ll.Value:
        return repr_of(t).unbox(self, obj, t)

    def box(self, v: ll.Value, t: JType) -> ll.Value:
        """A new reference to the Python object for ``v`` (NULL with an exception set on failure)."""
        return repr_of(t).box(self, v, t)



def emit_cpython_entry(mb, callee: ll.Function, argtypes: tuple[JType, ...], nfixed: int | None,
               return_type: JType, name: str, release_gil: bool = False) -> ll.Function:
    """Emit the entry point ``name`` calling ``callee`` on Python arguments of ``argtypes``; for a
    vararg method (``nfixed`` fixed parameters) the arguments after those are packed into the
    trailing tuple ``callee`` takes. It also counts its calls in the global ``name.calls``."""
    module = mb.module
    e = _Entry(mb)
    fnty = ll.FunctionType(PTR, [PTR, PTR.as_pointer(), I64])
    f = ll.Function(module, fnty, name)
    e.b = b = ll.IRBuilder(f.append_basic_block("entry"))
    counter = ll.GlobalVariable(module, I64, f"{name}.calls")
    counter.initializer = I64(0)
    b.store(b.add(b.load(counter), I64(1)), counter)

    _, args, nargs = f.args
    with b.if_then(b.icmp_signed("!=", nargs, I64(len(argtypes))), likely=False):
        text = f"this specialization takes {len(argtypes)} arguments\0".encode()
        message = ll.GlobalVariable(module, ll.ArrayType(ll.IntType(8), len(text)), f"{name}.nargs_message")
        message.initializer = ll.Constant(message.type.pointee, bytearray(text))
        message.global_constant, message.linkage = True, "internal"
        e.call("PyErr_SetString", e.object_constant(TypeError), b.bitcast(message, PTR))
        b.ret(ll.Constant(PTR, None))
    values = [e.unbox(b.load(b.gep(args, [I64(i)])), t) for i, t in enumerate(argtypes)]
    if nfixed is not None:
        rest = ll.Constant(llvm_type(TupleType(argtypes[nfixed:])), None)
        for i, v in enumerate(values[nfixed:]):
            rest = b.insert_value(rest, v, i)
        values = values[:nfixed] + [rest]

    ret = b.alloca(llvm_type(return_type))
    excinfo = b.alloca(EXCINFO)
    stack_limit = b.sub(b.ptrtoint(excinfo, I64), I64(exceptions.STACK_BUDGET))
    b.store(stack_limit, b.gep(excinfo, [I32(0), I32(EXC_STACK_LIMIT)]))
    b.store(I64(-1), b.gep(excinfo, [I32(0), I32(EXC_WHERE)]))
    if release_gil:  # other Python threads run while the machine code does
        thread_state = e.call("PyEval_SaveThread")
        status = b.call(callee, [ret, excinfo, *values])
        e.call("PyEval_RestoreThread", thread_state)
    else:
        status = b.call(callee, [ret, excinfo, *values])
    with b.if_then(b.icmp_signed("==", status, PYERR), likely=False):
        b.ret(ll.Constant(PTR, None))  # a Python exception is already set
    with b.if_then(b.icmp_signed("!=", status, OK), likely=False):
        raiser = e.object_constant(exceptions.raise_from_excinfo)
        address = e.call("PyLong_FromVoidPtr", b.bitcast(excinfo, PTR))
        e.fail_if(b.icmp_unsigned("==", address, ll.Constant(PTR, None)))
        result = e.call("PyObject_CallOneArg", raiser, address)
        e.call("Py_DecRef", address)
        with b.if_then(b.icmp_unsigned("!=", result, ll.Constant(PTR, None))):
            e.call("Py_DecRef", result)  # the raiser always raises; never leak if it did not
        b.ret(ll.Constant(PTR, None))
    result = b.load(ret)
    boxed = e.box(result, return_type)
    decref(b, result, return_type)  # compiled code returned its own reference
    b.ret(boxed)
    return f

