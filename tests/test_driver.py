"""The driver's one pipeline, the target interface and the table of type representations."""

import os
import sys

import numpy as np
import pytest
from llvmlite import ir as ll

from dispatchjit import Array, Float32, Float64, Int64, InternalCompilerError, Nothing, generic
from dispatchjit import cuda, driver
from dispatchjit.errors import CompileError
from dispatchjit.lattice import Bool, Complex128, Int8, PyObjectType, TupleType, TypeType, UInt64, typeof
from dispatchjit.lowering import reprs
from dispatchjit.reflection import _key
from dispatchjit.targets.cpu import CPUTarget, host
from dispatchjit.targets.emulator import EmulatorTarget
from dispatchjit.targets.ptx import NVPTXTarget
from dispatchjit.targets.target import Target

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filecheck import check  # noqa: E402


@generic
def poly(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s


@generic
def fill_kernel(out, v):
    out[0] = v


# --- the stages -----------------------------------------------------------------------------
def test_each_stage_stops_where_it_says_and_times_what_ran():
    job = driver.Job(_key(poly, (Float64, Int64)), host(), lazy=True)
    typed = driver.compile(job, stop_at="typed")
    assert set(typed.closure) == {job.key} and typed.builder is None and typed.text == ""
    assert set(typed.timings) == {"parse", "infer"}
    lowered = driver.compile(job, stop_at="llvm")
    assert lowered.module_ref is None and "lower" in lowered.timings
    check(lowered.text, """
        CHECK: define internal i32 @"poly<Float64,Int64>
        CHECK: alloca
        CHECK: define {{.*}}entry.
    """)
    optimized = driver.compile(job, stop_at="optimized")
    assert optimized.code is None and "optimize" in optimized.timings
    check(str(optimized.module_ref), """
        CHECK-NOT: alloca double
        CHECK: define {{.*}}entry.
    """)
    code = driver.compile(job, stop_at="code")
    assert isinstance(code.code, bytes) and code.code[:4] == b"\x7fELF" and code.loaded is None
    loaded = driver.compile(job)
    assert loaded.loaded.function_address(loaded.compiled.name) != 0
    assert set(loaded.timings) == {"parse", "infer", "lower", "optimize", "codegen"}


def test_an_unknown_stage_is_an_internal_error():
    with pytest.raises(InternalCompilerError, match="no compiler stage 'asm'"):
        driver.compile(driver.Job(_key(poly, (Float64, Int64)), host()), stop_at="asm")


def test_a_job_without_an_entry_exports_the_root_for_inspection():
    result = driver.compile(driver.Job(_key(poly, (Float64, Int64)), host(), entry=False), stop_at="llvm")
    assert result.compiled is None
    check(result.text, """
        CHECK: define external i32 @"poly<Float64,Int64>
        CHECK-NOT: @"entry.
    """)


def test_the_same_pipeline_makes_a_kernel_for_each_kernel_target():
    V = Array[Float32, 1, "C"]
    key = _key(fill_kernel, (V, Float32))
    ptx = driver.compile(driver.Job(key, NVPTXTarget("sm_90"), level=2), stop_at="code")
    assert ptx.compiled.params == ["data of Array[Float32, 1, C]", "shape[0]", "strides[0]", "Float32"]
    check(ptx.code, """
        CHECK: .target sm_90
        CHECK: .visible .entry fill_kernel_
        CHECK: ld.param.b32 [[V:%r[0-9]+]], [fill_kernel_{{[0-9]+}}_param_3]
        CHECK: st.global.b32 [%rd{{[0-9]+}}], [[V]]
    """)
    emulated = driver.compile(driver.Job(key, EmulatorTarget(), level=2))
    assert emulated.compiled.threaded is False and emulated.loaded is not None


def test_a_kernel_that_returns_a_value_is_rejected_before_lowering():
    @generic
    def returns(x):
        return x + 1.0
    for target in (NVPTXTarget(), EmulatorTarget()):
        with pytest.raises(CompileError, match="a kernel returns nothing; returns returns Float64"):
            driver.compile(driver.Job(_key(returns, (Float64,)), target), stop_at="llvm")


# --- the target interface -----------------------------------------------------------------------
def test_the_interface_defaults_refuse_kernel_intrinsics_at_the_users_line():
    @generic
    def uses_thread_index(out):
        out[0] = cuda.threadIdx.x
    with pytest.raises(CompileError, match=r"cuda tid.x is only available in GPU kernels") as err:
        uses_thread_index(np.zeros(1, np.int64))
    assert "test_driver.py" in str(err.value)


def test_a_target_overriding_one_hook_changes_only_that():
    """A CPU target whose ``threadIdx.x`` is 7: the shared lowering asks the hook, so a kernel
    intrinsic works on it with no other change anywhere."""
    class Seven(CPUTarget):
        name = "cpu-seven"

        def kernel_intrinsic(self, fl, e):
            return ll.Constant(ll.IntType(64), 7)

    @generic
    def tid(out):
        out[0] = cuda.threadIdx.x
    result = driver.compile(driver.Job(_key(tid, (Array[Int64, 1, "C"],)), Seven()), stop_at="optimized")
    check(str(result.module_ref), "CHECK: store i64 7")
    assert Target.python_objects and not NVPTXTarget.python_objects


# --- the representation table -------------------------------------------------------------------
@pytest.mark.parametrize("t, text", [
    (Bool, "i1"), (Int8, "i8"), (UInt64, "i64"), (Float32, "float"), (Float64, "double"),
    (Complex128, "{double, double}"), (TupleType((Int64, Float32)), "{i64, float}"),
    (Array[Float64, 2, "C"], "{i8*, double*, [2 x i64], [2 x i64], i1}"),
    (Array[Bool, 1, "A"], "{i8*, i8*, [1 x i64], [1 x i64], i1}"),
    (PyObjectType(str), "i8*"), (Nothing, "{}"), (TypeType(Int64), "{}"),
])
def test_each_kind_of_type_has_one_machine_representation(t, text):
    assert str(reprs.llvm_type(t)) == text


def test_reference_counting_follows_what_a_value_holds():
    assert reprs.is_refcounted(Array[Float64, 1, "C"]) and reprs.is_refcounted(PyObjectType(str))
    assert reprs.is_refcounted(TupleType((Int64, Array[Float64, 1, "C"])))
    assert not reprs.is_refcounted(TupleType((Int64, Float64))) and not reprs.is_refcounted(Int64)


def test_the_dispatcher_checks_what_the_table_can_recognize():
    assert all(reprs.dispatch_checkable(t) for t in (Int64, Array[Float64, 1, "C"], PyObjectType(str), Nothing,
                                                      TupleType((Int64, Float64)), typeof(poly)))
    assert not reprs.dispatch_checkable(TypeType(Int64))
    assert not reprs.dispatch_checkable(TupleType((Int64, TypeType(Int64))))


def test_kernel_parameters_and_values_agree():
    V = Array[Float64, 2, "C"]
    assert [d for _, d in reprs.repr_of(V).kernel_params(V)] == [
        "data of Array[Float64, 2, C]", "shape[0]", "shape[1]", "strides[0]", "strides[1]"]
    assert reprs.repr_of(Complex128).kernel_params(Complex128) is None
    assert reprs.repr_of(typeof(poly)).kernel_params(typeof(poly)) == []
    assert reprs.repr_of(Bool).kernel_values(Bool, True) == [np.uint8(1)]


def test_a_type_without_a_representation_is_an_internal_error():
    with pytest.raises(InternalCompilerError, match="no machine representation for type Real"):
        from dispatchjit import Real
        reprs.llvm_type(Real)
    with pytest.raises(InternalCompilerError, match="cannot convert PyObject"):
        b = ll.IRBuilder(ll.Function(ll.Module(), ll.FunctionType(ll.VoidType(), []), "f").append_basic_block())
        reprs.convert_value(b, ll.Constant(reprs.PTR, None), PyObjectType(str), Int64)
