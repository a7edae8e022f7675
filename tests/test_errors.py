"""End to end: errors point at the user's code.

Compile and typing errors are raised at the first call (never at decoration) and name
``file:line``, the source line and the problem; exceptions raised by compiled code arrive as the
user's exception class with the user's message, the traceback's last frame on the user's line;
dispatch failures are ``MethodError``/``AmbiguityError`` naming the candidates.
"""

import os
import sys
import traceback

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_defs as d  # noqa: E402 -- importing it decorates functions with unsupported bodies
from e2e_defs import FILE, line_of  # noqa: E402

from dispatchjit import (AmbiguityError, CompileError, Float64, Int64, MethodError, TypingError,  # noqa: E402
                         generic)


def where(fn, marker):
    return f"{FILE}:{line_of(fn, marker)}:"


def source_line(fn, marker):
    import linecache
    return linecache.getline(FILE, line_of(fn, marker)).strip()


def last_frame(exc):
    return traceback.extract_tb(exc.__traceback__)[-1]


# --- unsupported constructs -------------------------------------------------------------------
@pytest.mark.parametrize("fn, marker, what", [
    (d.uses_list, "list", "lists"),
    (d.uses_with, "with", "with"),
    (d.uses_try, "try", "try"),
    (d.uses_class, "class", "class"),
    (d.uses_listcomp, "listcomp", "list comprehension"),
])
def test_unsupported_construct_is_compile_error_at_user_line(fn, marker, what):
    with pytest.raises(CompileError) as info:
        fn(3)
    assert type(info.value) is CompileError  # not a TypingError: the syntax is unsupported
    msg = str(info.value)
    assert where(fn, marker) in msg
    assert source_line(fn, marker).split("#@")[0].strip() in msg
    assert "unsupported" in msg and what in msg
    assert fn.specializations == []


def test_matrix_product_and_tuple_slices_are_errors_at_the_users_line():
    """Both used to escape as internal errors (a KeyError from the frontend, an AttributeError
    from inference); ``@`` of matrices and constant tuple slices now work, and ``@`` of numbers
    and a tuple slice whose bounds are known only when the code runs are located TypingErrors."""
    import numpy as np
    assert np.array_equal(d.uses_matmul(np.ones((2, 2)), np.ones((2, 2))), np.full((2, 2), 2.0))
    with pytest.raises(TypingError) as info:
        d.uses_matmul(1.0, 2.0)
    assert where(d.uses_matmul, "matmul") in str(info.value) and "unsupported operand types for @" in str(info.value)
    assert d.slices_a_tuple((1, 2, 3, 4)) == (2, 3)
    with pytest.raises(TypingError) as info:
        d.slices_a_tuple_to((1, 2, 3, 4), 3)
    assert where(d.slices_a_tuple_to, "tslicen") in str(info.value) and "constant bounds" in str(info.value)
    assert len(d.uses_matmul.specializations) == 1 and d.slices_a_tuple_to.specializations == []


def test_compile_error_is_raised_at_every_call_not_at_decoration():
    @generic
    def local_bad(x):
        d = {x: x}  # a dict: unsupported
        return d

    # decorating did not raise; each call does, and nothing is recorded as compiled
    for _ in range(2):
        with pytest.raises(CompileError, match="dicts"):
            local_bad(1)
    assert local_bad.specializations == []


def test_unsupported_code_in_a_function_never_called_does_not_matter():
    @generic
    def fine(x):
        return x + 1

    @generic
    def never_called(x):
        return [fine(x)]

    assert fine(1) == 2
    assert never_called.specializations == []


# --- typing failures --------------------------------------------------------------------------
def test_adding_tuple_and_float_is_typing_error():
    with pytest.raises(TypingError) as info:
        d.tuple_plus_float(1)
    msg = str(info.value)
    assert where(d.tuple_plus_float, "tuple_plus_float") in msg
    assert "Tuple[Int64, Int64]" in msg and "Float64" in msg
    assert "return t + 1.5" in msg


def test_variable_of_two_unmergeable_types_names_variable_and_both_lines():
    with pytest.raises(TypingError) as info:
        d.var_tuple_then_float(1)
    msg = str(info.value)
    first, second = line_of(d.var_tuple_then_float, "v_first"), line_of(d.var_tuple_then_float, "v_second")
    assert "'v'" in msg
    assert f"line {first}" in msg and f"line {second}" in msg
    assert f"{FILE}:{second}:" in msg or f"{FILE}:{first}:" in msg
    assert "Tuple[Int64, Int64]" in msg and "Float64" in msg


def test_unmergeable_returns_name_both_return_lines():
    with pytest.raises(TypingError) as info:
        d.returns_unmergeable(2)
    msg = str(info.value)
    l1, l2 = line_of(d.returns_unmergeable, "ret_tuple"), line_of(d.returns_unmergeable, "ret_float")
    assert f"line {l1}" in msg and f"line {l2}" in msg
    assert FILE in msg
    assert d.returns_unmergeable.specializations == []


def test_operation_on_opaque_value_is_typing_error_naming_type():
    with pytest.raises(TypingError) as info:
        d.add_to_opaque("text")
    msg = str(info.value)
    assert "str" in msg
    assert where(d.add_to_opaque, "opaque_add") in msg


# --- exceptions raised by compiled code -------------------------------------------------------
def test_raise_with_plain_message_points_at_raise_line():
    assert d.raise_plain(4) == 4
    with pytest.raises(ValueError) as info:
        d.raise_plain(-1)
    assert type(info.value) is ValueError
    assert str(info.value) == "x must be non-negative"
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.raise_plain, "raise_plain"))
    assert "raise ValueError" in frame.line


@pytest.mark.parametrize("x, y, text", [
    (7, 2, "7 exceeds 2 by 5"),
    (7.5, 2.0, "7.5 exceeds 2.0 by 5.5"),
    (-1, -10, "-1 exceeds -10 by 9"),
])
def test_raise_with_fstring_formats_numbers(x, y, text):
    with pytest.raises(KeyError) as info:
        d.raise_fstring(x, y)
    assert info.value.args == (text,)
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.raise_fstring, "raise_fstring"))


def test_raise_from_nested_generic_calls_points_at_innermost_raise():
    assert d.depth1(1) == 3
    for arg in (-1, -2.5):
        with pytest.raises(ValueError, match="^x must be non-negative$") as info:
            d.depth1(arg)
        frame = last_frame(info.value)
        assert (frame.filename, frame.lineno) == (FILE, line_of(d.raise_plain, "raise_plain"))
        assert frame.name == "raise_plain"


def test_raise_from_deep_recursion():
    with pytest.raises(RuntimeError) as info:
        d.countdown(200)
    assert str(info.value) == "reached the bottom at 0"
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.countdown, "countdown"))


def test_assert_with_and_without_message():
    assert d.checked_sqrt(4.0) == 2.0
    with pytest.raises(AssertionError) as info:
        d.checked_sqrt(-4.0)
    assert str(info.value) == "negative input"
    assert (last_frame(info.value).filename, last_frame(info.value).lineno) == \
        (FILE, line_of(d.checked_sqrt, "assert_msg"))

    assert d.checked_bare(4) == 0.25
    with pytest.raises(AssertionError) as info:
        d.checked_bare(0)
    assert str(info.value) == ""
    assert last_frame(info.value).lineno == line_of(d.checked_bare, "assert_bare")


def test_zero_division_in_compiled_code_points_at_user_line():
    with pytest.raises(ZeroDivisionError) as info:
        d.int_floordiv(1, 0)
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.int_floordiv, "floordiv"))


# --- dispatch failures ------------------------------------------------------------------------
def test_method_error_from_python_names_closest_candidates():
    with pytest.raises(MethodError) as info:
        d.only_ints(1.5, 2)
    err = info.value
    assert isinstance(err, TypeError)
    msg = str(err)
    assert "no method matching only_ints(::Float64, ::Int64)" in msg
    assert "Closest candidates" in msg
    assert f"{FILE}:{line_of(d.only_ints, 'only_ints')}" in msg
    # the two-argument method is closer than the three-argument one, so it is listed first
    two, three = msg.find(f":{line_of(d.only_ints, 'only_ints')}"), msg.find(f":{line_of(d.only_ints, 'only_ints3')}")
    assert two != -1 and (three == -1 or two < three)
    assert all(s.signature != (Float64, Int64) for s in d.only_ints.specializations)


def test_method_error_from_compiled_code_raised_only_when_executed():
    assert d.maybe_no_method(1.5, False) == 0  # the branch with the bad call is never taken
    assert d.maybe_no_method(2, True) == 4
    with pytest.raises(MethodError) as info:
        d.maybe_no_method(1.5, True)
    msg = str(info.value)
    assert "no method matching only_ints(::Float64, ::Float64)" in msg
    assert f"{FILE}:{line_of(d.only_ints, 'only_ints')}" in msg
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.maybe_no_method, "maybe_no_method"))


def test_ambiguity_error_names_both_candidates():
    with pytest.raises(AmbiguityError) as info:
        d.amb_pair(1, 2)
    err = info.value
    assert isinstance(err, MethodError) and isinstance(err, TypeError)
    msg = str(err)
    assert "ambiguous" in msg
    assert f"{FILE}:{line_of(d.amb_pair, 'ambpair_1')}" in msg
    assert f"{FILE}:{line_of(d.amb_pair, 'ambpair_2')}" in msg
    # unambiguous calls work
    assert d.amb_pair(1, 2.5) == 1 and d.amb_pair(2.5, 1) == 2


def test_ambiguity_from_compiled_code_raised_only_when_executed():
    assert d.calls_amb_pair(1, 2, False) == 0
    assert d.calls_amb_pair(1, 2.5, True) == 1
    with pytest.raises(AmbiguityError) as info:
        d.calls_amb_pair(1, 2, True)
    msg = str(info.value)
    assert f"{FILE}:{line_of(d.amb_pair, 'ambpair_1')}" in msg
    assert f"{FILE}:{line_of(d.amb_pair, 'ambpair_2')}" in msg
    frame = last_frame(info.value)
    assert (frame.filename, frame.lineno) == (FILE, line_of(d.calls_amb_pair, "calls_amb_pair"))


def test_keyword_arguments_bind_parameters_by_name():
    assert d.hypot2(x=1, y=2) == 5 and d.hypot2(3, y=4.0) == 25.0
    with pytest.raises(TypeError, match="keyword argument"):
        d.hypot2(1, z=2)


def test_two_lambdas_of_one_line_with_the_same_parameters_are_a_compile_error_saying_to_use_def():
    pair = (lambda x: x * x, lambda x: x + x)  # noqa: E731 - the user's spelling under test
    with pytest.raises(CompileError) as got:
        generic(pair[0])(3)
    line = pair[0].__code__.co_firstlineno
    assert f"{__file__}:{line}:" in str(got.value) and "def" in str(got.value)
