"""The second PTX backend: NVIDIA's libNVVM, the LLVM-based compiler inside ``nvcc``.

libNVVM is loaded with ctypes from ``cuda_tools.libnvvm()`` on first use (importing this module
loads nothing) and needs no GPU. ``compile_nvvm_kernel(f, types, arch)`` compiles the same unoptimized
kernel IR that ``driver.compile_ptx_kernel`` gives LLVM's NVPTX backend, so the two backends can be
compared kernel by kernel; ``compile_ptx(text)`` compiles any NVVM IR text.

What NVVM takes (for sm_80/sm_90) is narrower than what LLVM reads, so ``nvvm_text`` adapts
llvmlite's text, at the string level, and never by changing the lowering:

- LLVM 7 syntax with typed pointers: llvmlite.ir's own text, never round-tripped through
  ``llvmlite.binding`` (LLVM 22 would print opaque pointers). ``fneg`` (LLVM 8) becomes
  ``fsub -0.0, x``; ``llvm.roundeven`` (LLVM 11) becomes ``llvm.rint`` (equal in the default
  rounding mode, the only one GPU code runs in).
- ``!nvvmir.version`` matching ``ir_version()`` (without it NVVM assumes IR 1.0 and refuses the
  program), and NVVM's documented 64-bit datalayout (a missing one is an error; CUDA 13 also
  takes LLVM's NVPTX layout, but the specification promises only its own).
- The kernel listed in ``!nvvm.annotations``, the one way the NVVM IR specification documents
  to mark a kernel. The lowering marks it with the ``ptx_kernel`` calling convention, which
  CUDA 13's libNVVM happens to honour as well; the annotation does not rest on that.

Floating point is compiled as LLVM's NVPTX backend and the CPU compile it: ``-fma=0`` (libNVVM
contracts ``a * b + c`` into one rounding by default; our lowering asks for that only under
``fastmath``), IEEE division and square root, no flush-to-zero (libNVVM's defaults).

Caveat: libNVVM emits the newest PTX ISA version of its toolkit (CUDA 13.0: PTX 9.0 for every
arch), where LLVM's NVPTX emits the oldest one the architecture allows (sm_80: 7.0, sm_90: 7.8). A driver older than the
toolkit refuses to JIT that PTX; load it with a driver at least as new, or assemble a cubin with
the same toolkit's ``ptxas``.
"""

from __future__ import annotations

import ctypes
import functools
import re

__all__ = ["NVVMError", "available", "why_unavailable", "version", "ir_version", "compile_ptx",
           "compile_nvvm_kernel", "nvvm_text", "DATALAYOUT"]

# NVVM IR specification, "Data Layout": the layout for 64-bit targets.
DATALAYOUT = ("e-p:64:64:64-i1:8:8-i8:8:8-i16:16:16-i32:32:32-i64:64:64-i128:128:128-f32:32:32-f64:64:64"
              "-v16:16:16-v32:32:32-v64:64:64-v128:128:128-n16:32:64")


class NVVMError(RuntimeError):
    """libNVVM refused a program, or could not be loaded; ``log`` is its program log."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(f"{message}\n{log}".rstrip())
        self.log = log


# --- loading ---------------------------------------------------------------------------------
_SIGNATURES = {   # name: argument types, all returning an nvvmResult (int)
    "nvvmVersion": [ctypes.POINTER(ctypes.c_int)] * 2,
    "nvvmIRVersion": [ctypes.POINTER(ctypes.c_int)] * 4,
    "nvvmCreateProgram": [ctypes.POINTER(ctypes.c_void_p)],
    "nvvmDestroyProgram": [ctypes.POINTER(ctypes.c_void_p)],
    "nvvmAddModuleToProgram": [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p],
    "nvvmLazyAddModuleToProgram": [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p],
    "nvvmCompileProgram": [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)],
    "nvvmGetCompiledResultSize": [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)],
    "nvvmGetCompiledResult": [ctypes.c_void_p, ctypes.c_char_p],
    "nvvmGetProgramLogSize": [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)],
    "nvvmGetProgramLog": [ctypes.c_void_p, ctypes.c_char_p],
}


@functools.cache
def _load():
    """``(library, None)``, or ``(None, why not)``; tried once per process."""
    from .cuda_tools import INSTALL_HINT, libnvvm
    path = libnvvm()
    if path is None:
        return None, f"libNVVM was not found: {INSTALL_HINT}"
    try:
        lib = ctypes.CDLL(path)
        for name, argtypes in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = argtypes, ctypes.c_int
        lib.nvvmGetErrorString.argtypes, lib.nvvmGetErrorString.restype = [ctypes.c_int], ctypes.c_char_p
    except (OSError, AttributeError) as e:
        return None, f"libNVVM at {path} could not be loaded ({e}): {INSTALL_HINT}"
    return lib, None


def why_unavailable() -> str | None:
    """Why libNVVM cannot be used (with how to get it), or None when it can."""
    return _load()[1]


def available() -> bool:
    return why_unavailable() is None


def _lib():
    lib, why = _load()
    if lib is None:
        raise NVVMError(why)
    return lib


def _check(result: int, what: str, log: str = "") -> None:
    if result != 0:
        raise NVVMError(f"libNVVM {what} failed: {_lib().nvvmGetErrorString(result).decode()}", log)


@functools.cache
def version() -> tuple[int, int]:
    """libNVVM's own version, e.g. ``(2, 0)``."""
    major, minor = ctypes.c_int(), ctypes.c_int()
    _check(_lib().nvvmVersion(ctypes.byref(major), ctypes.byref(minor)), "nvvmVersion")
    return major.value, minor.value


@functools.cache
def ir_version() -> tuple[int, int, int, int]:
    """The NVVM IR version and debug-info version it reads: ``!nvvmir.version`` must say these."""
    parts = [ctypes.c_int() for _ in range(4)]
    _check(_lib().nvvmIRVersion(*map(ctypes.byref, parts)), "nvvmIRVersion")
    return tuple(p.value for p in parts)


@functools.cache
def _libdevice_bitcode() -> bytes:
    from .cuda_tools import INSTALL_HINT, libdevice
    path = libdevice()
    if path is None:
        raise NVVMError(f"libdevice was not found: {INSTALL_HINT}")
    with open(path, "rb") as fh:
        return fh.read()


# --- compiling -------------------------------------------------------------------------------
def _text(prog, size_fn, get_fn, what: str) -> str:
    size = ctypes.c_size_t()
    _check(size_fn(prog, ctypes.byref(size)), what)
    buf = ctypes.create_string_buffer(size.value)
    _check(get_fn(prog, buf), what)
    return buf.value.decode(errors="replace")


def compile_ptx(text: str, arch: str = "sm_80", libdevice: bool = True) -> str:
    """PTX for GPU architecture ``arch`` from NVVM IR ``text`` (see ``nvvm_text`` for what NVVM
    accepts). With ``libdevice``, calls of ``__nv_*`` math functions resolve to libdevice (added
    lazily: only the functions the program uses are kept; a program calling none does not need
    libdevice installed). Raises NVVMError with the log."""
    lib = _lib()
    prog = ctypes.c_void_p()
    _check(lib.nvvmCreateProgram(ctypes.byref(prog)), "nvvmCreateProgram")
    try:
        source = text.encode()
        _check(lib.nvvmAddModuleToProgram(prog, source, len(source), b"kernel"), "nvvmAddModuleToProgram")
        if libdevice and "@__nv_" in text.replace('"', ""):   # only when used: nothing to find otherwise
            bc = _libdevice_bitcode()
            _check(lib.nvvmLazyAddModuleToProgram(prog, bc, len(bc), b"libdevice"), "nvvmLazyAddModuleToProgram")
        options = [f"-arch=compute_{arch.removeprefix('sm_')}".encode(), b"-fma=0"]   # see the module docstring
        result = lib.nvvmCompileProgram(prog, len(options), (ctypes.c_char_p * len(options))(*options))
        log = _text(prog, lib.nvvmGetProgramLogSize, lib.nvvmGetProgramLog, "reading the log")
        _check(result, f"compiling for {arch}", log)
        return _text(prog, lib.nvvmGetCompiledResultSize, lib.nvvmGetCompiledResult, "reading the PTX")
    finally:
        lib.nvvmDestroyProgram(ctypes.byref(prog))


def compile_nvvm_kernel(func, argtypes, arch: str = "sm_80"):
    """``func`` at ``argtypes`` (lattice types) compiled as a GPU kernel by libNVVM: a
    ``driver.PTXKernel``, like ``driver.compile_ptx_kernel`` gives for LLVM's NVPTX backend."""
    from . import driver
    from .targets.ptx import NVPTXTarget
    key, text, name, params = driver.kernel_module(func, tuple(argtypes), NVPTXTarget(arch))
    return driver.PTXKernel(key, compile_ptx(nvvm_text(text, name), arch), name, params)


# --- adapting llvmlite's text ----------------------------------------------------------------
def nvvm_text(text: str, kernel: str) -> str:
    """llvmlite's module ``text`` with kernel entry ``kernel``, made acceptable to libNVVM (see
    the module docstring for each change and why)."""
    text = re.sub(r'^target datalayout = ".*"$', f'target datalayout = "{DATALAYOUT}"', text, count=1, flags=re.M)
    text = _FNEG.sub(r"\1fsub\2 \3 -0.0, ", text)
    text = _dedup_declarations(text.replace("@\"llvm.roundeven.", "@\"llvm.rint."))
    ids = [int(n) for n in re.findall(r"^!(\d+) = ", text, flags=re.M)]
    first = max(ids, default=-1) + 1
    major, minor, dbg_major, dbg_minor = ir_version()
    return (f"{text.rstrip()}\n\n"
            f"!nvvm.annotations = !{{!{first}}}\n"
            f'!{first} = !{{{_kernel_type(text, kernel)}* @"{kernel}", !"kernel", i32 1}}\n'
            f"!nvvmir.version = !{{!{first + 1}}}\n"
            f"!{first + 1} = !{{i32 {major}, i32 {minor}, i32 {dbg_major}, i32 {dbg_minor}}}\n")


# ``%x = fneg fast float %y`` -> ``%x = fsub fast float -0.0, %y``: LLVM 7 has no fneg.
_FNEG = re.compile(r"(= )fneg((?: [a-z]+)*) (half|float|double) ")


def _dedup_declarations(text: str) -> str:
    """Without repeated ``declare`` lines (renaming roundeven to rint can make one)."""
    seen: set[str] = set()
    lines = []
    for line in text.splitlines():
        if line.startswith("declare "):
            if line in seen:
                continue
            seen.add(line)
        lines.append(line)
    return "\n".join(lines)


def _kernel_type(text: str, kernel: str) -> str:
    """The LLVM function type of the kernel entry, for its ``!nvvm.annotations`` entry (typed
    pointers need it). Kernel parameters are flat (numbers and pointers), so no commas nest."""
    m = re.search(rf'^define (?:ptx_kernel )?void @"?{re.escape(kernel)}"?\((.*)\)', text, flags=re.M)
    if m is None:
        raise NVVMError(f"the kernel {kernel} is not defined in the module")
    params = [re.sub(r' %"?[^ ]*"?$', "", p.strip()) for p in m.group(1).split(",") if p.strip()]
    return f"void ({', '.join(params)})"
