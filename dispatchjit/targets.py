"""Targets: what lowering and code generation need to know about a machine.

Lowering is written once against this small interface; a target supplies the triple, the data
layout, how math functions are reached (LLVM intrinsics and libm on the host, libdevice on
NVPTX), the optimization pipeline and machine-code emission. LLVM itself is initialized lazily,
on the first compile, so ``import dispatchjit`` stays cheap.
"""

from __future__ import annotations

import functools

from llvmlite import ir as llir

__all__ = ["Target", "CPUTarget", "NVPTXTarget", "host", "UnsupportedOnTarget"]

# Math functions with an LLVM intrinsic (lowered by the backend, vectorizable); the rest are
# called in libm by their C names.
_INTRINSICS = {"sqrt", "sin", "cos", "exp", "exp2", "log", "log2", "log10", "fabs", "floor",
               "ceil", "trunc", "roundeven", "pow", "copysign", "rint", "fma", "tan", "asin", "acos",
               "atan", "sinh", "cosh", "tanh", "atan2"}
_LIBM_NAMES = {"gamma": "tgamma"}


class UnsupportedOnTarget(Exception):
    """An operation this target cannot do (lowering reports it as a CompileError at the line)."""


class Target:
    """The interface; targets override what differs. ``name`` goes into cache keys."""

    name = "abstract"
    device = False   # code for an accelerator: no Python objects, no allocation, errors trap

    @property
    def triple(self) -> str:
        raise NotImplementedError

    @property
    def datalayout(self) -> str:
        raise NotImplementedError

    def math_function(self, module: llir.Module, name: str, ty: llir.Type) -> llir.Function:
        """The function computing ``math.<name>`` on values of type ``ty``."""
        raise NotImplementedError

    def optimize(self, module_ref, level: int) -> None:
        raise NotImplementedError


class CPUTarget(Target):
    """The host CPU, with all its vector features, through MCJIT."""

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
        return target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                            features=llvm.get_host_cpu_features().flatten(),
                                            opt=opt, reloc="pic", codemodel="small")

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
        return f"{llvm.get_host_cpu_name()}:{llvm.get_host_cpu_features().flatten()}"

    def math_function(self, module: llir.Module, name: str, ty: llir.Type) -> llir.Function:
        suffix = {"half": "f16", "float": "f32"}.get(str(ty), "f64")
        if name in _INTRINSICS:
            symbol = f"llvm.{name}.{suffix}"
        else:
            if suffix == "f16":  # no half-precision libm: the intrinsic, which LLVM widens
                symbol = f"llvm.{name}.f16"
            base = _LIBM_NAMES.get(name, name)
            symbol = symbol if suffix == "f16" else base + ("f" if suffix == "f32" else "")
        existing = module.globals.get(symbol)
        if existing is not None:
            return existing
        nargs = 3 if name == "fma" else 2 if name in ("pow", "copysign", "atan2", "hypot", "fmod") else 1
        return llir.Function(module, llir.FunctionType(ty, [ty] * nargs), symbol)

    def optimize(self, module_ref, level: int = 3) -> None:
        from llvmlite import binding as llvm
        pto = llvm.create_pipeline_tuning_options(speed_level=level)
        pto.loop_vectorization = level >= 2
        pto.slp_vectorization = level >= 1   # straight-line tuple arithmetic vectorizes too
        pb = llvm.create_pass_builder(self.machine, pto)
        pb.getModulePassManager().run(module_ref, pb)

    def emit_assembly(self, module_ref) -> str:
        return self.machine.emit_assembly(module_ref)


@functools.cache
def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@functools.cache
def host() -> CPUTarget:
    return CPUTarget()


# NVPTX lowers these directly; the rest of libm (sin, exp, pow...) comes from libdevice, NVIDIA's
# math library in LLVM bitcode (``__nv_sin``, ``__nv_sinf``...), linked into the kernel's module.
# LLVM's NVPTX backend aborts the process on their intrinsics, so those are never emitted.
_NVPTX_NATIVE = {"sqrt", "fabs", "floor", "ceil", "trunc", "rint", "roundeven", "fma", "copysign"}
LIBDEVICE_PREFIX = "__nv_"


class NVPTXTarget(Target):
    """NVIDIA GPUs through LLVM's NVPTX backend (no CUDA toolkit needed): PTX text for ``arch``."""

    device = True

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

    def math_function(self, module: llir.Module, name: str, ty: llir.Type) -> llir.Function:
        if name not in _NVPTX_NATIVE:
            return self._libdevice_function(module, _LIBM_NAMES.get(name, name), ty)
        suffix = {"half": "f16", "float": "f32"}.get(str(ty), "f64")
        symbol = f"llvm.{name}.{suffix}"
        existing = module.globals.get(symbol)
        if existing is not None:
            return existing
        nargs = 3 if name == "fma" else 2 if name == "copysign" else 1
        return llir.Function(module, llir.FunctionType(ty, [ty] * nargs), symbol)

    def _libdevice_function(self, module: llir.Module, name: str, ty: llir.Type) -> llir.Function:
        from .cuda_tools import INSTALL_HINT, libdevice
        if str(ty) == "half":
            raise UnsupportedOnTarget(f"math.{name} on Float16 is not available in GPU code; convert to Float32")
        if libdevice() is None:
            raise UnsupportedOnTarget(f"math.{name} in GPU code needs libdevice, which was not found: "
                                      f"{INSTALL_HINT}")
        symbol = f"{LIBDEVICE_PREFIX}{name}{'f' if str(ty) == 'float' else ''}"
        existing = module.globals.get(symbol)
        if existing is not None:
            return existing
        nargs = 2 if name in ("pow", "atan2", "hypot", "fmod", "copysign") else 1
        return llir.Function(module, llir.FunctionType(ty, [ty] * nargs), symbol)

    def link_libdevice(self, module_ref, keep: str) -> None:
        """Link libdevice into ``module_ref`` when its code calls it; everything but the kernel
        ``keep`` becomes internal, so the optimizer drops what the kernel does not use."""
        if not any(f.is_declaration and f.name.startswith(LIBDEVICE_PREFIX) for f in module_ref.functions):
            return
        from llvmlite import binding as llvm

        from .cuda_tools import libdevice
        lib = llvm.parse_bitcode(_read(libdevice()))
        lib.triple, lib.data_layout = module_ref.triple, module_ref.data_layout
        module_ref.link_in(lib)
        for f in module_ref.functions:
            if not f.is_declaration and f.name != keep:
                f.linkage = "internal"

    def optimize(self, module_ref, level: int = 2) -> None:
        CPUTarget.optimize(self, module_ref, level)

    def emit_assembly(self, module_ref) -> str:
        return self.machine.emit_assembly(module_ref)
