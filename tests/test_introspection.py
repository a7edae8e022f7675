"""End to end: what a user inspects about generic functions, methods and their compiled code."""

import os
import re
import sys

import numpy as np
import pytest
from llvmlite import binding as llvm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_defs import line_of  # noqa: E402
from filecheck import check  # noqa: E402

import dispatchjit  # noqa: E402
from dispatchjit import (Any, Bool, Complex128, Float32, Float64, Int8, Int32, Int64, MethodError,  # noqa: E402
                         Nothing, Real, Tuple, Type, UInt8, code_llvm, code_native, code_typed, generic,
                         promote, promote_type, typeof, which)

HERE = __file__


@generic
def shape_area(r: float):  #@shape_r
    return 3.141592653589793 * r * r


@generic
def shape_area(w: int, h: int):  #@shape_wh
    return w * h


@generic
def one_method(x):
    return x


@generic
def poly(x, y):  #@poly_def
    s = x * y  #@poly_mul
    if s > 10:
        return s - y  #@poly_ret
    return s


@generic
def square(x):
    return x * x


def test_repr_counts_methods():
    assert repr(shape_area) == "shape_area (generic function with 2 methods)"
    assert repr(one_method) == "one_method (generic function with 1 method)"
    assert shape_area.__name__ == "shape_area"


def test_methods_list_signature_and_file_line():
    methods = shape_area.methods()
    assert len(methods) == 2
    r, wh = methods
    assert r.sig == (Float64,) and wh.sig == (Int64, Int64)
    line_r, line_wh = line_of(shape_area, "shape_r"), line_of(shape_area, "shape_wh")
    assert r.location == f"{HERE}:{line_r}" and wh.location == f"{HERE}:{line_wh}"
    assert f"{HERE}:{line_r}" in str(r)
    assert str(wh) == f"shape_area(w::Int64, h::Int64) @ {HERE}:{line_wh}"


def test_which_returns_the_method_a_call_runs():
    r, wh = shape_area.methods()
    assert which(shape_area, Int64, Int64) is wh
    assert which(shape_area, int, int) is wh
    assert which(shape_area, float) is r
    assert which(shape_area, Float64) is r
    with pytest.raises(MethodError):
        which(shape_area, Float32)
    # which() compiles nothing
    assert shape_area.specializations == []


def test_code_typed_shows_types_and_source_lines():
    text = code_typed(poly, int, int)
    assert "::Int64" in text
    for marker in ("poly_def", "poly_mul", "poly_ret"):
        assert re.search(rf"\b{line_of(poly, marker)}\b", text), marker
    assert HERE in text
    text_f = code_typed(poly, float, Int64)
    assert "::Float64" in text_f
    # inference alone compiles no machine code
    assert poly.specializations == []


def test_code_llvm_is_valid_ir_with_a_definition():
    text = code_llvm(square, float)
    assert isinstance(text, str)
    # i32 @name(ret*, exc*, double): the status convention of lowering.abi; x * x on doubles
    check(text, """
        CHECK-LABEL: define {{.*}}i32 @"square<Float64>{{[.0-9]*}}"(
        CHECK-SAME:  double
        CHECK:       fmul double
        CHECK:       ret i32 0
    """)
    module = llvm.parse_assembly(text)
    module.verify()
    assert any(not f.is_declaration for f in module.functions)
    # inspecting is not calling: no specialization is recorded until a call
    assert square.specializations == []
    assert square(3.0) == 9.0
    assert [s.signature for s in square.specializations] == [(Float64,)]


def test_code_native_is_assembly_text():
    text = code_native(square, int)
    assert isinstance(text, str) and text.strip()
    # the function's label, then instruction mnemonics (x86-64 or AArch64): host assembly, not IR
    check(text, r"""
        CHECK-NOT:   define
        CHECK-LABEL: square<Int64>{{[.0-9]*}}":
        CHECK:       {{\b(i?mul[a-z]*)\b}}
        CHECK:       {{\bretq?\b}}
        CHECK-NOT:   define
    """)
    assert all(s.signature != (Int64,) for s in square.specializations)


def test_typeof_of_values():
    assert typeof(1) is Int64
    assert typeof(1.0) is Float64
    assert typeof(True) is Bool
    assert typeof(1j) is Complex128
    assert typeof(None) is Nothing
    assert typeof(np.int32(1)) is Int32
    assert typeof(np.uint8(1)) is UInt8
    assert typeof(np.float32(1)) is Float32
    assert typeof((1, 2.5)) == Tuple[Int64, Float64]
    assert typeof(()) == Tuple[()]
    assert typeof(Int64) == Type[Int64]
    assert typeof(square) == typeof(square) and typeof(square) != typeof(poly)
    with pytest.raises(OverflowError):
        typeof(2 ** 70)


def test_promote_type_and_promote():
    assert promote_type(Int64, Float32) is Float32
    assert promote_type(Int8, Int32) is Int32
    assert promote_type(Bool, Int8) is Int8
    assert promote_type(Float32, Complex128) is Complex128
    assert promote_type(int, float) is Float64
    p = promote(1, 2.5)
    assert p == (1.0, 2.5) and all(type(x) is float for x in p)
    p = promote(np.int32(1), np.float32(2.0))
    assert p == (1.0, 2.0) and all(type(x) is np.float32 for x in p)
    assert promote(1, 2) == (1, 2) and all(type(x) is int for x in promote(1, 2))


def test_types_print_by_julia_names():
    assert repr(Tuple[Int64, Float64]) == "Tuple[Int64, Float64]"
    assert repr(Tuple[Int64, ...]) == "Tuple[Int64, ...]"
    assert repr(Tuple[()]) == "Tuple[()]"
    assert repr(Type[Int64]) == "Type[Int64]"
    assert repr(Int64) == "Int64" and repr(Real) == "Real" and repr(Any) == "Any"
    assert repr(typeof(None)) == "Nothing"
    assert repr(typeof((1, (2.0, True)))) == "Tuple[Int64, Tuple[Float64, Bool]]"


def test_specialization_records():
    @generic
    def twice(x):
        return x + x

    assert twice(2) == 4 and twice(2.5) == 5.0 and twice(3) == 6
    specs = {s.signature: s for s in twice.specializations}
    assert set(specs) == {(Int64,), (Float64,)}
    i, f = specs[(Int64,)], specs[(Float64,)]
    assert i.return_type is Int64 and f.return_type is Float64
    assert i.method is f.method is twice.methods()[0]
    assert i.calls == 2 and f.calls == 1
    assert i.compile_time > 0 and f.compile_time > 0
    assert "Int64" in repr(i)


def test_public_names():
    for name in ("generic", "typeof", "promote", "promote_type", "which", "code_typed", "code_llvm",
                 "code_native", "MethodError", "AmbiguityError", "CompileError", "TypingError"):
        assert hasattr(dispatchjit, name), name
