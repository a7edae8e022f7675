"""The target interface: what the driver and the shared lowering ask of a machine.

A target is a small object with documented hooks; targets override only what differs (the CPU,
``cpu.py``; the CPU emulator of GPU kernels, ``emulator.py``; NVIDIA GPUs, ``ptx.py``). The
driver (``dispatchjit.driver``) runs every compile through the same stages and calls these
hooks at each; the shared lowering (``dispatchjit.lowering``) calls the few that emit code, and
never asks which target it is on. LLVM itself is initialized lazily, on the first compile, so
``import dispatchjit`` stays cheap.
"""

from __future__ import annotations

from ..errors import CompileError

__all__ = ["Target", "Compiled", "not_in_kernel"]


def not_in_kernel(e) -> CompileError:
    """The error for a kernel-language operation outside a GPU kernel."""
    what = e.op.replace("cuda.", "cuda ").replace("cuda shared.array", "cuda.shared.array()")
    return CompileError(f"{what} is only available in GPU kernels "
                        "(launch with cuda.launch, or compile with cuda.code_ptx)", e.loc)


class Compiled:
    """What a target's ``emit_entry`` made of a root: the entry's symbol and what the target
    needs to keep about it (a kernel's parameters, whether it runs thread by thread)."""

    def __init__(self, name: str, **info):
        self.name = name
        self.__dict__.update(info)


class Target:
    """The interface, with defaults. ``name`` goes into cache keys."""

    name = "abstract"
    # Whether compiled code may hold Python objects and call the C API (allocate arrays, refer
    # to objects through cells the loader fills). False on a GPU, where none of that exists.
    python_objects = True

    def without_gil(self, options: dict) -> bool:
        """Whether code compiled with these ``@generic`` options runs without the GIL, and so
        counts no references and allocates nothing (``nogil=True`` on the CPU)."""
        return bool(options.get("nogil", False))

    # --- what lowering needs -----------------------------------------------------------------
    @property
    def triple(self) -> str:
        raise NotImplementedError

    @property
    def datalayout(self) -> str:
        raise NotImplementedError

    def math_function(self, module, name: str, ty):
        """The LLVM function computing ``math.<name>`` on values of LLVM type ``ty``."""
        raise NotImplementedError

    def complex_function(self, module, name: str):
        """The LLVM function computing the C library's ``double complex`` function ``name``
        (``csqrt``, ``cpow``) on Complex128 values, each passed as its two parts."""
        from ..errors import UnsupportedOnTarget
        raise UnsupportedOnTarget(f"{name} of complex numbers is not available on the {self.name} target")

    def kernel_intrinsic(self, fl, e):
        """The value of a kernel-language primitive ``e`` (``cuda.tid.x``, ``cuda.syncthreads``)
        in the function being lowered by ``fl``. Only kernel targets have them."""
        raise not_in_kernel(e)

    def shared_memory(self, fl, e, element, count: int, itemsize: int):
        """A pointer to ``count`` elements of block-shared memory for the call site ``e``."""
        raise not_in_kernel(e)

    # --- what the driver needs ---------------------------------------------------------------
    def check_root(self, key, closure) -> None:
        """Reject a root specialization this target cannot run, given the typed IR of it and of
        everything it calls (``closure``)."""

    def emit_entry(self, mb, key, closure) -> Compiled:
        """Emit into ``mb``'s module the entry point through which the root ``key`` runs
        (``closure``: its typed IR and its callees')."""
        raise NotImplementedError

    def finish(self, module_ref, compiled: Compiled | None) -> None:
        """Last changes to the parsed module before optimization (linking libraries)."""

    def optimize(self, module_ref, level: int) -> None:
        """LLVM's standard pipeline at ``level``, vectorizers on from O2 (SLP from O1)."""
        from llvmlite import binding as llvm
        pto = llvm.create_pipeline_tuning_options(speed_level=level)
        pto.loop_vectorization = level >= 2
        pto.slp_vectorization = level >= 1   # straight-line tuple arithmetic vectorizes too
        pb = llvm.create_pass_builder(self.machine, pto)
        pb.getModulePassManager().run(module_ref, pb)

    def emit(self, module_ref, quick: bool = False):
        """The module's code in the form this target loads: object code by default."""
        return self.machine.emit_object(module_ref)

    def emit_assembly(self, module_ref) -> str:
        return self.machine.emit_assembly(module_ref)

    def load(self, code, uid: str, objects: list, sites: list, cold: list, keepalive: list):
        """Load emitted ``code`` of the module ``uid``, whose code reads ``objects`` and raise
        ``sites`` from cells and reaches its cold loops through stubs (``cold``: ``(compile,
        loc)`` per loop); ``keepalive`` receives what must live as long as the code; returns what finds its symbols
        (``function_address``, ``global_address``). Targets whose code is loaded elsewhere (by
        a GPU's driver) do not load."""
        raise NotImplementedError
