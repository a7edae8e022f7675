"""NVIDIA GPUs through LLVM's NVPTX backend (no CUDA toolkit needed): PTX text for an architecture.

A root becomes a ``ptx_kernel`` entry whose parameters are flat (``Repr.kernel_params``: a number,
or an array's data pointer, shape and strides; a generic function passed in is compiled in and
takes none), which any launcher can pass; an exception in a kernel traps. Thread and block
indices are special registers, ``syncthreads`` is ``bar.sync``, shared arrays live in the shared
address space, and math functions LLVM cannot lower come from libdevice. Code here holds no
Python objects: there are none on a GPU, and the driver loads the PTX, not us.
"""

from __future__ import annotations

import functools
import itertools

from llvmlite import ir as ll

from ..errors import CompileError, UnsupportedOnTarget
from ..lattice import Bottom, Nothing
from ..lowering.abi import EXC_STACK_LIMIT, EXC_WHERE, EXCINFO, I32, I64, OK
from ..lowering.reprs import llvm_type, repr_of
from .cpu import LIBM_NAMES, declare_math
from .target import Compiled, Target

__all__ = ["NVPTXTarget", "LIBDEVICE_PREFIX", "check_kernel_root", "kernel_parameters"]

# NVPTX lowers these directly; the rest of libm (sin, exp, pow...) comes from libdevice, NVIDIA's
# math library in LLVM bitcode (``__nv_sin``, ``__nv_sinf``...), linked into the kernel's module.
# LLVM's NVPTX backend aborts the process on their intrinsics, so those are never emitted.
_NVPTX_NATIVE = {"sqrt", "fabs", "floor", "ceil", "trunc", "rint", "roundeven", "fma", "copysign", "maximum", "minimum"}
LIBDEVICE_PREFIX = "__nv_"
_SHARED = 3   # NVPTX's shared address space
_kernel_ids = itertools.count()


@functools.cache
def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def check_kernel_root(key, closure) -> None:
    """A kernel returns nothing: its results go into array arguments."""
    root = closure[key].fn
    if root.return_type not in (Nothing, Bottom):
        raise CompileError(f"a kernel returns nothing; {key.func.__name__} returns {root.return_type}",
                           root.loc, hint="write results into an array argument")
    if root.vararg is not None:
        raise CompileError("a GPU kernel cannot have *args", root.loc)


def kernel_parameters(argtypes, loc) -> list[tuple[ll.Type, str]]:
    """The flat parameters of a kernel taking ``argtypes``, with a description of each: the
    layout the launcher packs (``gpu.flat_params``) and the kernel unpacks."""
    flat = []
    for t in argtypes:
        params = repr_of(t).kernel_params(t)
        if params is None:
            raise CompileError(f"a GPU kernel cannot take an argument of type {t} (numbers and arrays only)", loc)
        flat += params
    return flat


class NVPTXTarget(Target):
    """NVIDIA GPUs of architecture ``arch`` (``sm_80``...)."""

    python_objects = False

    def without_gil(self, options: dict) -> bool:
        return True   # no interpreter on a GPU: nothing to count references with

    def __init__(self, arch: str = "sm_80"):
        self.arch = arch
        self.name = f"cuda:{arch}"

    @functools.cached_property
    def machine(self):
        from llvmlite import binding as llvm
        llvm.initialize_all_targets()
        llvm.initialize_all_asmprinters()
        return llvm.Target.from_triple(self.triple).create_target_machine(cpu=self.arch, opt=2)

    @property
    def triple(self) -> str:
        return "nvptx64-nvidia-cuda"

    @functools.cached_property
    def datalayout(self) -> str:
        return str(self.machine.target_data)

    # --- lowering ----------------------------------------------------------------------------
    def math_function(self, module: ll.Module, name: str, ty: ll.Type) -> ll.Function:
        if name not in _NVPTX_NATIVE:
            return self._libdevice_function(module, LIBM_NAMES.get(name, name), ty)
        suffix = {"half": "f16", "float": "f32"}.get(str(ty), "f64")
        return declare_math(module, f"llvm.{name}.{suffix}", ty, 3 if name == "fma" else 2 if name in ("copysign", "maximum", "minimum") else 1)

    def _libdevice_function(self, module: ll.Module, name: str, ty: ll.Type) -> ll.Function:
        from ..cuda_tools import INSTALL_HINT, libdevice
        if str(ty) == "half":
            raise UnsupportedOnTarget(f"math.{name} on Float16 is not available in GPU code; convert to Float32")
        if libdevice() is None:
            raise UnsupportedOnTarget(f"math.{name} in GPU code needs libdevice, which was not found: "
                                      f"{INSTALL_HINT}")
        symbol = f"{LIBDEVICE_PREFIX}{name}{'f' if str(ty) == 'float' else ''}"
        return declare_math(module, symbol, ty, 2 if name in ("pow", "atan2", "hypot", "fmod", "copysign") else 1)

    def kernel_intrinsic(self, fl, e):
        module = fl.mb.module
        if e.op == "cuda.syncthreads":
            fl.b.call(_intrinsic(module, "llvm.nvvm.barrier0", ll.VoidType()), [])
            return ll.Constant(llvm_type(e.type), None)
        _, register, axis = e.op.split(".")
        read = _intrinsic(module, f"llvm.nvvm.read.ptx.sreg.{register}.{axis}", I32)
        return fl.b.zext(fl.b.call(read, []), I64)

    def shared_memory(self, fl, e, element, count: int, itemsize: int):
        module = fl.mb.module
        memory = ll.GlobalVariable(module, ll.ArrayType(element, count), f"shared.{len(module.globals)}",
                                   addrspace=_SHARED)
        memory.linkage, memory.initializer = "internal", ll.Constant(memory.value_type, ll.Undefined)
        return fl.b.addrspacecast(fl.b.gep(memory, [I32(0), I32(0)]), element.as_pointer())

    # --- the driver's stages -----------------------------------------------------------------
    def check_root(self, key, closure) -> None:
        check_kernel_root(key, closure)

    def emit_entry(self, mb, key, closure) -> Compiled:
        """The ``ptx_kernel`` entry calling the root with the values its flat parameters make;
        an error status traps."""
        name = f"{key.func.__name__}_{next(_kernel_ids)}"
        flat = kernel_parameters(key.argtypes, closure[key].fn.loc)
        f = ll.Function(mb.module, ll.FunctionType(ll.VoidType(), [ty for ty, _ in flat]), name)
        f.calling_convention = "ptx_kernel"
        b = ll.IRBuilder(f.append_basic_block("entry"))
        params = iter(f.args)
        values = [repr_of(t).from_kernel_params(b, params, t) for t in key.argtypes]
        ret = b.alloca(llvm_type(closure[key].fn.return_type))
        exc = b.alloca(EXCINFO)
        b.store(I64(0), b.gep(exc, [I32(0), I32(EXC_STACK_LIMIT)]))  # no stack limit on the device
        b.store(I64(-1), b.gep(exc, [I32(0), I32(EXC_WHERE)]))
        status = b.call(mb.functions[key], [ret, exc, *values])
        with b.if_then(b.icmp_signed("!=", status, OK), likely=False):
            b.call(_intrinsic(mb.module, "llvm.trap", ll.VoidType()), [])
        b.ret_void()
        return Compiled(name, params=[description for _, description in flat])

    def finish(self, module_ref, compiled: Compiled | None) -> None:
        """Link libdevice when the code calls it; everything but the kernel becomes internal, so
        the optimizer drops what the kernel does not use."""
        if not any(f.is_declaration and f.name.startswith(LIBDEVICE_PREFIX) for f in module_ref.functions):
            return
        from llvmlite import binding as llvm

        from ..cuda_tools import libdevice
        lib = llvm.parse_bitcode(_read(libdevice()))
        lib.triple, lib.data_layout = module_ref.triple, module_ref.data_layout
        module_ref.link_in(lib)
        keep = compiled.name if compiled else None
        for f in module_ref.functions:
            if not f.is_declaration and f.name != keep:
                f.linkage = "internal"

    def emit(self, module_ref, quick: bool = False) -> str:
        """PTX text, which the GPU driver loads (``dispatchjit.runtime.cuda_driver``)."""
        return self.machine.emit_assembly(module_ref)


def _intrinsic(module: ll.Module, name: str, returns: ll.Type) -> ll.Function:
    return module.globals.get(name) or ll.Function(module, ll.FunctionType(returns, []), name)
