"""The second PTX backend, libNVVM: every corpus kernel compiles through it for sm_80 and sm_90
and its PTX assembles with ptxas; errors carry NVVM's log. Skipped when libNVVM is not found
(ptxas checks alone when ptxas is not)."""

import os
import subprocess
import sys

import pytest

from dispatchjit import Float32, cuda_tools, driver, nvvm
from dispatchjit.targets.ptx import NVPTXTarget
from dispatchjit.lattice import from_annotation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import CASE_IDS, CASES, V32, assemble, check_entry, entry_param_count, saxpy  # noqa: E402
from filecheck import check  # noqa: E402

needs_nvvm = pytest.mark.skipif(not nvvm.available(), reason=f"{nvvm.why_unavailable()}")
ARCHS = ["sm_80", "sm_90"]


def _types(case):
    return tuple(map(from_annotation, case.argtypes))


def _saxpy_text():
    types = tuple(map(from_annotation, (Float32, V32, V32, V32)))
    _, text, name, _ = driver.kernel_module(saxpy, types, NVPTXTarget("sm_80"))
    return text, name


@needs_nvvm
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_kernel_compiles_and_assembles(case, arch, tmp_path):
    if case.needs_libdevice and cuda_tools.libdevice() is None:
        pytest.skip(f"{case.name} calls math functions, which need libdevice: {cuda_tools.INSTALL_HINT}")
    kernel = nvvm.compile_nvvm_kernel(case.kernel, _types(case), arch)
    assert isinstance(kernel, driver.PTXKernel)
    assert check_entry(kernel.ptx, arch) == kernel.name
    assert entry_param_count(kernel.ptx) == len(kernel.params)
    if cuda_tools.ptxas() is None:
        pytest.skip(f"ptxas not found, so the PTX is not assembled: {cuda_tools.INSTALL_HINT}")
    assemble(cuda_tools.ptxas(), kernel.ptx, arch, tmp_path)


@needs_nvvm
def test_versions_are_sane():
    major, minor = nvvm.version()
    assert major >= 1 and minor >= 0
    ir = nvvm.ir_version()
    assert len(ir) == 4 and all(isinstance(v, int) and v >= 0 for v in ir) and ir[0] >= 1


@needs_nvvm
def test_a_syntax_error_raises_nvvm_error_with_the_log():
    text, name = _saxpy_text()
    broken = nvvm.nvvm_text(text, name).replace("fmul float", "fmull float", 1)
    with pytest.raises(nvvm.NVVMError, match="NVVM_ERROR") as info:
        nvvm.compile_ptx(broken)
    assert "expected instruction opcode" in info.value.log
    assert info.value.log in str(info.value)


@needs_nvvm
@pytest.mark.skipif(cuda_tools.libdevice() is None, reason=f"libdevice not found: {cuda_tools.INSTALL_HINT}")
def test_libdevice_resolves_math_calls():
    case = next(c for c in CASES if c.needs_libdevice)
    _, text, name, _ = driver.kernel_module(case.kernel, _types(case), NVPTXTarget("sm_80"))
    text = nvvm.nvvm_text(text, name)
    assert check_entry(nvvm.compile_ptx(text), "sm_80") == name
    with pytest.raises(AssertionError, match="unresolved functions.*__nv_"):
        check_entry(nvvm.compile_ptx(text, libdevice=False), "sm_80")


@needs_nvvm
def test_floating_point_is_not_contracted():
    # Like the NVPTX backend and the CPU: a * x + y rounds twice unless fastmath asks otherwise.
    ptx = nvvm.compile_nvvm_kernel(saxpy, tuple(map(from_annotation, (Float32, V32, V32, V32)))).ptx
    check(ptx, """
        CHECK-NOT: fma.rn.f32
        CHECK:     mul.rn.f32
        CHECK-NOT: fma.rn.f32
        CHECK:     add.rn.f32
        CHECK-NOT: fma.rn.f32
    """)


@needs_nvvm
def test_text_is_adapted_for_nvvm():
    text, name = _saxpy_text()
    adapted = nvvm.nvvm_text(text, name)
    # NVVM's data layout; the kernel annotated as one; the IR version NVVM reads, as named metadata
    check(adapted, r"""
        CHECK:     target datalayout = "%s"
        CHECK-DAG: !nvvm.annotations = !{![[A:[0-9]+]]}
        CHECK-DAG: ![[A]] = {{!\{.*}}* @"%s", !"kernel", i32 1}
        CHECK-DAG: !nvvmir.version = !{![[V:[0-9]+]]}
        CHECK-DAG: ![[V]] = !{i32 %d, i32 %d, i32 %d, i32 %d}
    """ % (nvvm.DATALAYOUT, name, *nvvm.ir_version()))


@needs_nvvm
def test_llvm_7_lacks_fneg_and_roundeven():
    text = ('target triple = "nvptx64-nvidia-cuda"\ntarget datalayout = "e"\n'
            'define double @f(double %x) {\n  %n = fneg fast double %x\n'
            '  %r = call double @"llvm.roundeven.f64"(double %n)\n  ret double %r\n}\n'
            'declare double @"llvm.roundeven.f64"(double %".1")\ndeclare double @"llvm.rint.f64"(double %".1")\n'
            'define ptx_kernel void @"k"(double* %p) {\n  ret void\n}\n')
    adapted = nvvm.nvvm_text(text, "k")
    # fneg as a subtraction from -0.0; roundeven as rint, declared once; the kernel's annotation
    # with its typed-pointer type
    check(adapted, r"""
        CHECK-NOT:  roundeven
        CHECK:      define double @f(double %x) {
        CHECK-NEXT: %n = fsub fast double -0.0, %x
        CHECK-NEXT: %r = call double @"llvm.rint.f64"(double %n)
        CHECK-NOT:  roundeven
        CHECK:      declare double @"llvm.rint.f64"
        CHECK-NOT:  {{roundeven|declare double @"llvm\.rint\.f64"}}
        CHECK:      !{void (double*)* @"k", !"kernel", i32 1}
        CHECK-NOT:  {{roundeven|declare double @"llvm\.rint\.f64"}}
    """)
    check(nvvm.compile_ptx(adapted, libdevice=False), """
        CHECK: .visible .entry k(
    """)


def test_missing_library_says_how_to_install(monkeypatch):
    monkeypatch.setattr(cuda_tools, "libnvvm", lambda: None)
    nvvm._load.cache_clear()
    try:
        assert not nvvm.available()
        assert cuda_tools.INSTALL_HINT in nvvm.why_unavailable()
        with pytest.raises(nvvm.NVVMError, match="libNVVM was not found"):
            nvvm.compile_ptx("")
    finally:
        nvvm._load.cache_clear()


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads Linux's /proc/self/maps")
def test_importing_loads_nothing():
    code = "import dispatchjit.nvvm; print('libnvvm' in open('/proc/self/maps').read())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
