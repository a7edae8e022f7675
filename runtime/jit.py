"""Loading compiled code into the process and exposing entry points as Python builtins.

One MCJIT engine per process holds every compiled module (the host CPU target's: emulated
kernels load into it too). The symbols compiled code calls (the C API, libm) are registered
by address from the running interpreter, so nothing depends on how Python was linked.
"""

from __future__ import annotations

import ctypes
import functools
import threading

from . import cpython

__all__ = ["engine", "make_builtin", "link_cells", "link_cold"]

_LIBM = ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
         "acosh", "atanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sqrt",
         "cbrt", "hypot", "fmod", "erf", "erfc", "tgamma", "lgamma", "floor", "ceil", "trunc",
         "rint", "roundeven", "copysign", "fabs")
# The C library's complex functions NumPy's complex ufuncs call (double complex only).
LIBM_COMPLEX = ("csqrt", "cexp", "clog", "csin", "ccos", "ctan", "csinh", "ccosh", "ctanh", "casin", "cacos",
                "catan", "casinh", "cacosh", "catanh", "cpow")
_HALF_CONVERSIONS = ("__extendhfsf2", "__extendhfdf2", "__truncsfhf2", "__truncdfhf2")
METH_FASTCALL = 0x80


class _PyMethodDef(ctypes.Structure):
    _fields_ = [("ml_name", ctypes.c_char_p), ("ml_meth", ctypes.c_void_p),
                ("ml_flags", ctypes.c_int), ("ml_doc", ctypes.c_char_p)]


_new_builtin = ctypes.pythonapi.PyCFunction_NewEx
_new_builtin.argtypes = [ctypes.POINTER(_PyMethodDef), ctypes.py_object, ctypes.c_void_p]
_new_builtin.restype = ctypes.py_object


class Engine:
    """The process's MCJIT engine; adding a module compiles it to machine code."""

    def __init__(self, target):
        from llvmlite import binding as llvm
        self._llvm = llvm
        self.target = target
        self._register_symbols()
        self._engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), target.machine)
        self._lock = threading.Lock()

    def _register_symbols(self):
        llvm = self._llvm
        for name, address in cpython.addresses().items():
            llvm.add_symbol(name, address)
        libm = _library("libm.so.6", "m")
        for base in _LIBM:
            for name in (base, base + "f"):
                self._add(libm, name)
        for name in LIBM_COMPLEX:
            self._add(libm, name)
        # Conversions to and from half precision (Float16) that LLVM leaves to the runtime library.
        libgcc = _library("libgcc_s.so.1", "gcc_s")
        if libgcc is not None:
            for name in _HALF_CONVERSIONS:
                self._add(libgcc, name)

    def _add(self, library, name: str) -> None:
        fn = getattr(library, name, None)
        if fn is not None:
            self._llvm.add_symbol(name, ctypes.cast(fn, ctypes.c_void_p).value)

    def add(self, module_ref) -> None:
        with self._lock:
            self._engine.add_module(module_ref)
            self._engine.finalize_object()

    def add_object(self, code: bytes) -> None:
        """Load object code (a fresh compile's, or the on-disk cache's) and link it."""
        with self._lock:
            self._engine.add_object_file(self._llvm.ObjectFileRef.from_data(code))
            self._engine.finalize_object()

    def function_address(self, name: str) -> int:
        return self._engine.get_function_address(name)

    def global_address(self, name: str) -> int:
        return self._engine.get_global_value_address(name)


def _library(soname: str, name: str):
    """A shared library by its usual soname, else searched for (``ctypes.util`` is slow to
    import: a process loading cached code should not pay for it)."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        from ctypes import util
        path = util.find_library(name)
        return ctypes.CDLL(path) if path else None


@functools.cache
def engine(target) -> Engine:
    return Engine(target)


def link_cells(uid: str, objects: list, sites: list[int], keepalive: list) -> None:
    """Define the cells a module's code reads its objects and raise sites from (see
    ``ModuleBuilder.object_ref``); ``keepalive`` holds the cells and the objects."""
    from llvmlite import binding as llvm
    for kind, values, ctype in (("obj", objects, ctypes.c_void_p), ("site", sites, ctypes.c_int64)):
        for i, value in enumerate(values):
            cell = ctype(id(value) if kind == "obj" else value)
            keepalive.append((value, cell))
            llvm.add_symbol(f"dj.{kind}.{uid}.{i}", ctypes.addressof(cell))


# i32 f(ret*, ExcInfo*, frame*, i64 start, i64 step, i64 trips): see dispatchjit.lowering.function.ColdLoop.
_COLD_STUB = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
COLD_COMPILED = 4   # the stub's answer: compiled, call again (lowering.abi.COLD_COMPILED)


def link_cold(uid: str, cold: list, keepalive: list, lock) -> None:
    """Fill a module's cold-function cells (``dj.cold.<uid>.<i>``) with stubs. ``cold`` holds,
    per cell, ``(compile, loc)``: a call of the stub runs ``compile()``, which returns the address
    of the compiled function, points the cell at it and returns COLD_COMPILED, on which the
    caller calls again, now the compiled function (the stub never runs compiled code itself,
    so no Python frame sits between the two). A failure to compile raises at ``loc`` through the
    caller's ExcInfo. ``lock`` is the compiler's (reentrant) lock."""
    from llvmlite import binding as llvm
    for i, (compile_fn, loc) in enumerate(cold):
        stub = _ColdStub(compile_fn, loc, lock)
        keepalive.append(stub)
        llvm.add_symbol(f"dj.cold.{uid}.{i}", ctypes.addressof(stub.cell))


class _ColdStub:
    """A cold function's cell, first pointing at a stub that compiles the function."""

    def __init__(self, compile_fn, loc, lock):
        self.compile_fn, self.loc, self.lock = compile_fn, loc, lock
        self.cfunc = _COLD_STUB(self.run)
        self.stub = ctypes.cast(self.cfunc, ctypes.c_void_p).value
        self.cell = ctypes.c_void_p(self.stub)
        self.error, self.site = None, None

    def run(self, ret, exc, frame, start, step, trips) -> int:
        with self.lock:
            if self.cell.value == self.stub:
                try:
                    self.cell.value = self.compile_fn()
                except BaseException as err:  # noqa: BLE001 - raised in the caller, not lost here
                    return self.fail(exc, err)
                self.compile_fn = None   # what it held (typed IR) is not needed any more
        return COLD_COMPILED

    def fail(self, exc: int, err: BaseException) -> int:
        from .exceptions import ExcInfo, register_site
        self.error = err
        if self.site is None:   # one site per stub, raising its latest error
            self.site = register_site(lambda: self.error, None, self.loc)
        ExcInfo.from_address(exc).site = self.site
        return 1


def make_builtin(address: int, name: str, keepalive: list):
    """A Python builtin function object whose C implementation is the entry point at
    ``address``. ``keepalive`` receives the method record the builtin points into and becomes
    the builtin's ``__self__``, so everything the compiled code relies on (that record, the
    objects it embeds) lives exactly as long as the builtin, wherever it is still referenced."""
    name_buf = ctypes.create_string_buffer(name.encode())
    mdef = _PyMethodDef(ctypes.cast(name_buf, ctypes.c_char_p), address, METH_FASTCALL, None)
    keepalive.extend((name_buf, mdef))
    return _new_builtin(ctypes.byref(mdef), keepalive, None)
