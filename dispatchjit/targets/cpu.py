"""The host CPU: machine code through MCJIT, entered from Python.

A root specialization gets a CPython entry point (``boxing.emit_entry``: a ``METH_FASTCALL``
builtin that unboxes its arguments, calls the specialization and boxes the result); loading
fills the cells the code reads its objects from, installs the cold-loop stubs and hands the
object code to the process's MCJIT engine (``dispatchjit.runtime.jit``). Each generic
function's vectorcall dispatcher is generated for this target too (``dispatcher.py``).
"""

from __future__ import annotations

import functools

from llvmlite import ir as llir

from ..errors import CompileError
from ..lowering.reprs import is_refcounted
from ..runtime.jit import engine, link_cells, link_cold
from ..state import COMPILE_LOCK
from .target import Compiled, Target

__all__ = ["CPUTarget", "host"]

# Math functions with an LLVM intrinsic (lowered by the backend, vectorizable); the rest are
# called in libm by their C names.
_INTRINSICS = {"sqrt", "sin", "cos", "exp", "exp2", "log", "log2", "log10", "fabs", "floor",
               "ceil", "trunc", "roundeven", "pow", "copysign", "rint", "fma", "tan", "asin", "acos",
               "atan", "sinh", "cosh", "tanh", "atan2", "maximum", "minimum"}
LIBM_NAMES = {"gamma": "tgamma"}


def math_arity(name: str) -> int:
    return 3 if name == "fma" else 2 if name in ("pow", "copysign", "atan2", "hypot", "fmod", "maximum", "minimum") else 1


def declare_math(module: llir.Module, symbol: str, ty: llir.Type, nargs: int) -> llir.Function:
    existing = module.globals.get(symbol)
    if existing is not None:
        return existing
    return llir.Function(module, llir.FunctionType(ty, [ty] * nargs), symbol)


class CPUTarget(Target):
    """The host CPU, with all its vector features."""

    name = "cpu"

    @functools.cached_property
    def machine(self):
        return self._machine(opt=2)

    @functools.cached_property
    def quick_machine(self):
        """The same CPU, with LLVM's fast instruction selection and register allocation: a
        quarter of the code-generation time, for code too small for the difference to show."""
        return self._machine(opt=0)

    def _machine(self, opt: int):
        from llvmlite import binding as llvm
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_triple(llvm.get_process_triple())
        return target.create_target_machine(cpu=llvm.get_host_cpu_name(), features=self.features,
                                            opt=opt, reloc="pic", codemodel="small")

    @functools.cached_property
    def features(self) -> str:
        """The host's features, and on x86 a tuning: vectorize strided accesses without
        gathers and scatters. Intel's microcode against Downfall (GDS) makes them several times
        slower than scalar code, and AMD's scatters are microcoded; LLVM's cost model does not
        know (a particle update over an array of structs ran 3.8x slower with scatters)."""
        from llvmlite import binding as llvm
        features = llvm.get_host_cpu_features().flatten()
        if llvm.get_process_triple().startswith("x86_64"):
            features += ",+prefer-no-gather,+prefer-no-scatter"
        return features

    @functools.cached_property
    def triple(self) -> str:
        from llvmlite import binding as llvm
        return llvm.get_process_triple()

    @functools.cached_property
    def datalayout(self) -> str:
        return str(self.machine.target_data)

    @functools.cached_property
    def cpu_id(self) -> str:
        """CPU name and features: what machine code compiled here is valid for."""
        from llvmlite import binding as llvm
        return f"{llvm.get_host_cpu_name()}:{self.features}"

    def math_function(self, module: llir.Module, name: str, ty: llir.Type) -> llir.Function:
        suffix = {"half": "f16", "float": "f32"}.get(str(ty), "f64")
        if name in _INTRINSICS or suffix == "f16":   # no half-precision libm: the intrinsic, which LLVM widens
            symbol = f"llvm.{name}.{suffix}"
        else:
            symbol = LIBM_NAMES.get(name, name) + ("f" if suffix == "f32" else "")
        return declare_math(module, symbol, ty, math_arity(name))

    def complex_function(self, module: llir.Module, name: str) -> llir.Function:
        # The C ABI of x86-64 and AArch64 passes a double complex as two doubles and returns it
        # as a pair of them: the function clang declares for ``double complex f(double complex)``.
        existing = module.globals.get(name)
        if existing is not None:
            return existing
        pair = llir.LiteralStructType([llir.DoubleType()] * 2)
        nargs = 4 if name == "cpow" else 2
        return llir.Function(module, llir.FunctionType(pair, [llir.DoubleType()] * nargs), name)

    def emit_entry(self, mb, key, closure) -> Compiled:
        name = f"entry.{mb.uid}"
        fn = closure[key].fn
        nfixed = len(fn.params) if fn.vararg is not None else None
        from .boxing import emit_cpython_entry   # not imported by processes that only load cached code
        if mb.nogil and is_refcounted(fn.return_type):
            # Code run without the GIL counts no references: it could only hand back a borrowed
            # one, which the caller would then own (a use-after-free in waiting).
            raise CompileError(f"a function compiled with nogil=True cannot return {fn.return_type} (arrays and "
                               "Python objects need the GIL to be counted)", fn.loc,
                               hint="return numbers or tuples of numbers, and write results into an array argument")
        emit_cpython_entry(mb, mb.functions[key], key.argtypes, nfixed, fn.return_type, name, release_gil=mb.nogil)
        return Compiled(name)

    def emit(self, module_ref, quick: bool = False) -> bytes:
        return (self.quick_machine if quick else self.machine).emit_object(module_ref)

    def load(self, code: bytes, uid: str, objects: list, sites: list, cold: list, keepalive: list):
        link_cells(uid, objects, sites, keepalive)
        link_cold(uid, cold, keepalive, COMPILE_LOCK)
        eng = engine(host())   # one MCJIT engine per process, whichever CPU target loads
        eng.add_object(code)
        return eng


@functools.cache
def host() -> CPUTarget:
    return CPUTarget()
