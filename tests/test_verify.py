"""The typed-IR verifier: it accepts what inference produces for real functions, and rejects
hand-corrupted IR with one InternalCompilerError naming every problem, its node and its line."""

import dataclasses
import math
import os
import re
import sys

import numpy as np
import pytest

from dispatchjit import (Array, Complex128, Float32, Float64, Int64, InternalCompilerError, Real, driver,
                         generic, ir, verify)
from dispatchjit.reflection import _key

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import block_sums  # noqa: E402

HERE = __file__
V64 = Array[Float64, 1, "C"]
M64 = Array[Float64, 2, "C"]


# --- real functions --------------------------------------------------------------------------
@generic
def mixed(x, y):
    s = x  # @mixed_s
    s = s + y  # @mixed_add
    return s  # @mixed_ret


@generic
def count(n):
    total = 0
    i = 0
    while i < n:  # @count_while
        i += 1
        if i % 3 == 0:  # @count_if
            continue
        if i > 100:
            break  # @count_break
        total += i
    return total


@generic
def tuples(a, b):
    t = (a, b)
    x, y = t  # @tuples_unpack
    return (y, x + len(t))


@generic
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)  # @fib_call


@generic
def countdown(n):
    # while inference iterates the cycle, this call's type is a guess (Bottom): only the final
    # IR, where it is Int64, is well formed (the one lowering sees)
    return countdown(n - 1) + 1 if n > 0 else 0


@generic
def smooth(x):
    out = np.zeros(x.shape[0])
    for i in range(1, x.shape[0] - 1):  # @smooth_for
        out[i] = (x[i - 1] + x[i] + x[i + 1]) / 3
    return out


@generic
def rows(m):
    s = 0.0
    for row in m:
        s += row[0]
    col = m[:, 0]
    return s + col[1]


@generic
def maybe(x):
    if x > 0:
        y = x
    return y  # @maybe_read


@generic
def raising(x):
    if x < 0:
        raise ValueError(f"negative: {x}")  # @raising_throw
    return math.sqrt(x)  # @raising_sqrt


@generic
def varargs(*xs):
    return len(xs)


@generic
def with_default(x, k=2):
    return x * k


@generic
def calls(x):
    return varargs(x, 1.0) + with_default(x)  # @calls_invoke


@generic
def logic(a, b):
    return (a < b <= 10) and (b if a > 0 else -b) or 0  # @logic


@generic
def complexes(z):
    return abs(z * 1j + 1)


def line_of(marker: str) -> int:
    with open(HERE) as fh:
        return next(i for i, line in enumerate(fh, 1) if line.rstrip().endswith(f"# @{marker}"))


def at(marker: str) -> str:
    return f"{HERE}:{line_of(marker)}"


def typed(f, *types):
    return driver.typed(_key(f, types))


def nodes(inferred, kind):
    return [n for n in ir.walk(inferred.fn.body) if isinstance(n, kind)]


# (function, argument types, node kinds its typed IR must hold: the case exercises them)
CASES = [
    (mixed, (Int64, Float64), (ir.Convert, ir.Prim)),
    (count, (Int64,), (ir.While, ir.If, ir.Break, ir.Continue, ir.Compare)),
    (tuples, (Int64, Float64), (ir.TupleExpr, ir.GetField)),
    (fib, (Int64,), (ir.Invoke,)),
    (countdown, (Int64,), (ir.Invoke, ir.IfExp)),
    (smooth, (V64,), (ir.ForRange, ir.SetItem, ir.Prim)),
    (rows, (M64,), (ir.ForRange, ir.Prim)),
    (maybe, (Int64,), (ir.Name,)),
    (raising, (Float64,), (ir.Throw,)),
    (calls, (Int64,), (ir.Invoke, ir.TupleExpr)),
    (logic, (Int64, Int64), (ir.BoolOp, ir.IfExp, ir.Compare, ir.Convert)),
    (complexes, (Complex128,), (ir.Prim,)),
    (block_sums, (V64, V64), (ir.Prim, ir.SetItem, ir.IfExp, ir.While)),   # a kernel of the corpus
]


@pytest.mark.parametrize("f, types, kinds", CASES, ids=[c[0].__name__ for c in CASES])
def test_typed_ir_of_real_functions_verifies(f, types, kinds):
    inferred = typed(f, *types)
    for kind in kinds:
        assert nodes(inferred, kind), f"{f.__name__} was meant to exercise {kind.__name__}"
    verify.verify(inferred)
    closure, _ = driver.infer_closure(inferred.key)
    verify.verify_closure(closure)   # calls across functions too
    assert all(verify.problems(inf, closure) == [] for inf in closure.values())


def test_verified_ir_is_what_runs():
    # guideline 5: verify between stages; the same typed IR then lowers and runs
    verify.verify(typed(fib, Int64))
    assert fib(20) == 6765
    verify.verify(typed(smooth, V64))
    assert smooth(np.arange(4.0)).tolist() == [0.0, 1.0, 2.0, 0.0]
    verify.verify(typed(maybe, Int64))
    with pytest.raises(UnboundLocalError):
        maybe(-1)


# Known compiler bugs the verifier finds in real inference output (both fail in lowering today):
@generic
def loop_then_float(n):
    s = 0.0
    for i in range(n):  # @loop_var
        s += i
    i = 0.5
    return s + i


@generic
def fails(x):
    raise ValueError("no")


@generic
def bottom_condition(x):
    if fails(x):  # @bottom_if
        return 1
    return 2


def test_a_loop_variable_reassigned_with_another_type():
    """Found by this verifier: the counted loop stored an Int64 into the variable's Float64 slot
    (a raw llvmlite TypeError). The loop now converts, as any assignment of a narrower value."""
    verify.verify(typed(loop_then_float, Int64))
    for n in (0, 1, 5):
        got = loop_then_float(n)
        assert got == sum(float(i) for i in range(n)) + 0.5 and type(got) is float


def test_a_condition_that_never_returns():
    """Found by this verifier: a value of type Bottom (a call that always raises) used as a
    condition reached lowering, which branched on an empty struct. Lowering now ends the
    statement at such an expression, and the IR is valid."""
    verify.verify(typed(bottom_condition, Int64))
    with pytest.raises(ValueError, match="no"):
        bottom_condition(1)


def _never(x):
    raise ValueError("never")


# Every consumer of a value that never arrives, against CPython: each raises or returns as it does.
_BOTTOM_CONSUMERS = [
    "def f(x):\n    if never(x):\n        return 1\n    return 2",
    "def f(x):\n    while never(x):\n        return 1\n    return 2",
    "def f(x):\n    return 1 if never(x) else 2",
    "def f(x):\n    return never(x) if x > 0 else 2",
    "def f(x):\n    return x and never(x)",
    "def f(x):\n    return never(x) or x",
    "def f(x):\n    return not never(x)",
    "def f(x):\n    return never(x) + 1",
    "def f(x):\n    return (never(x), 1)",
    "def f(x):\n    y = never(x) if x else 3\n    return y",
    "def f(x):\n    s = 0\n    for i in range(3):\n        if i == x:\n            s += never(x)\n        s += i\n    return s",
]


@pytest.mark.parametrize("source", _BOTTOM_CONSUMERS)
def test_values_that_never_arrive_behave_as_in_cpython(source, tmp_path):
    never = generic(_never)
    path = tmp_path / "bottom_case.py"
    path.write_text(source + "\n")
    namespace = {"never": never}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    python = namespace["f"]
    compiled = generic(python)
    for x in (0, 1, 5):
        try:
            expected = ("value", python(x))
        except ValueError as err:
            expected = ("raises", str(err))
        try:
            got = ("value", compiled(x))
        except ValueError as err:
            got = ("raises", str(err))
        assert got == expected, (source, x)


# --- corrupted IR ----------------------------------------------------------------------------
def substitute(node, old, new):
    """``node`` with the node ``old`` (by identity) replaced by ``new``."""
    if node is old:
        return new
    if isinstance(node, tuple):
        return tuple(substitute(x, old, new) for x in node)
    if not isinstance(node, (ir.Node, ir.Function)):
        return node
    changes = {f.name: substitute(getattr(node, f.name), old, new) for f in ir.fields(node)
               if isinstance(getattr(node, f.name), (ir.Node, tuple))}
    if all(_same(v, getattr(node, k)) for k, v in changes.items()):
        return node   # untouched nodes keep their identity, so a second substitute finds them
    return ir.replace(node, **changes)


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    return a is b


def corrupt(inferred, old, new, **fn_changes):
    """A copy of ``inferred`` with ``old`` replaced by ``new`` (the cached original untouched)."""
    fn = substitute(inferred.fn, old, new)
    return dataclasses.replace(inferred, fn=ir.replace(fn, **fn_changes) if fn_changes else fn)


def first(inferred, kind, pred=lambda n: True):
    return next(n for n in ir.walk(inferred.fn.body) if isinstance(n, kind) and pred(n))


def rejects(inferred, *fragments, count: int | None = None) -> str:
    with pytest.raises(InternalCompilerError) as info:
        verify.verify(inferred)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    if count is not None:
        assert f"{count} problem{'s' if count != 1 else ''}" in message, message
    return message


def test_a_missing_convert_in_an_assignment():
    inferred = typed(mixed, Int64, Float64)
    conv = first(inferred, ir.Convert)
    rejects(corrupt(inferred, conv, conv.value),
            f"Assign at {at('mixed_s')}: stores a Int64 without a Convert to Float64", count=1)


def test_a_missing_convert_into_a_boolop():
    inferred = typed(logic, Int64, Int64)
    conv = first(inferred, ir.Convert)   # Bool -> Int64, an operand of `and`
    rejects(corrupt(inferred, conv, conv.value),
            f"BoolOp at {at('logic')}: an operand is a Bool in `and` of type Int64 (no Convert)", count=1)


def test_a_node_with_a_wrong_type():
    inferred = typed(mixed, Int64, Float64)
    add = first(inferred, ir.Prim, lambda p: p.op == "add")
    rejects(corrupt(inferred, add, ir.replace(add, type=Float32)),
            f"Assign at {at('mixed_add')}: stores a Float32 without a Convert to Float64",
            f"Prim at {at('mixed_add')}: 'add' has operands and result (Float64, Float64) -> Float32", count=2)


def test_a_variable_read_with_another_type_than_declared():
    inferred = typed(mixed, Int64, Float64)
    ret = first(inferred, ir.Return)
    name = ret.value
    rejects(corrupt(inferred, name, ir.replace(name, type=Int64)),
            f"Name at {at('mixed_ret')}: variable 's' has type Int64, but the variable is declared Float64",
            f"Return at {at('mixed_ret')}: returns a Int64 from a function whose return type is Float64")


def test_an_undeclared_variable():
    inferred = typed(mixed, Int64, Float64)
    name = first(inferred, ir.Return).value
    rejects(corrupt(inferred, name, ir.replace(name, id="ghost")),
            f"Name at {at('mixed_ret')}: variable 'ghost' is not declared in locals", count=1)


def test_an_assignment_to_an_undeclared_variable():
    inferred = typed(mixed, Int64, Float64)
    rejects(corrupt(inferred, None, None, locals=()),
            f"Assign at {at('mixed_s')}: assigned variable 's' is not declared",
            f"Name at {at('mixed_ret')}: variable 's' is not declared", "parameter 'x' is not declared")


def test_an_expression_without_a_type():
    inferred = typed(tuples, Int64, Float64)
    get = first(inferred, ir.GetField)
    rejects(corrupt(inferred, get, ir.replace(get, type=None)), f"GetField at {at('tuples_unpack')}: has no type",
            count=1)


def test_an_abstract_type_lowering_cannot_represent():
    inferred = typed(fib, Int64)
    call = first(inferred, ir.Invoke)
    rejects(corrupt(inferred, call, ir.replace(call, type=Real)),
            f"Invoke at {at('fib_call')}: has type Real, which has no machine representation")


def test_a_condition_that_is_not_bool():
    inferred = typed(count, Int64)
    loop = first(inferred, ir.While)
    n = next(x for x in ir.walk(loop.test) if isinstance(x, ir.Name) and x.id == "n")
    rejects(corrupt(inferred, loop.test, n),
            f"While at {at('count_while')}: the condition has type Int64, not Bool", count=1)


def test_a_convert_lowering_cannot_do():
    inferred = typed(raising, Float64)
    sqrt = first(inferred, ir.Prim, lambda p: p.op == "math.sqrt")
    x = sqrt.args[0]
    rejects(corrupt(inferred, x, ir.Convert(x, type=Int64, loc=x.loc)),
            f"Convert at {at('raising_sqrt')}: converts Float64 to Int64, which lowering cannot "
            "(float to integer must be `toint`",
            f"Prim at {at('raising_sqrt')}: 'math.sqrt' is (Int64) -> Float64")


def test_an_invoke_whose_arguments_do_not_match_its_key():
    inferred = typed(fib, Int64)
    call = first(inferred, ir.Invoke)
    wrong = ir.Const(1.5, type=Float64, loc=call.loc)
    rejects(corrupt(inferred, call, ir.replace(call, args=(wrong,))),
            f"Invoke at {at('fib_call')}: passes arguments of types (Float64) to fib(Int64), which takes (Int64)")


def test_an_invoke_with_the_wrong_return_type_is_caught_across_the_closure():
    inferred = typed(calls, Int64)
    call = first(inferred, ir.Invoke, lambda i: i.target.func is with_default)
    bad = corrupt(inferred, call, ir.replace(call, type=Float64))
    closure = {**driver.infer_closure(inferred.key)[0], inferred.key: bad}
    assert all("returns" not in p for p in verify.problems(bad))   # needs the callee to tell
    with pytest.raises(InternalCompilerError, match="problem") as info:
        verify.verify_closure(closure)
    assert f"Invoke at {at('calls_invoke')}: has type Float64, but with_default(Int64) returns Int64" in str(info.value)


def test_an_invoke_not_listed_in_invokes():
    inferred = typed(fib, Int64)
    rejects(dataclasses.replace(inferred, invokes=set()),
            f"Invoke at {at('fib_call')}: calls fib(Int64), which is not in the function's invokes", count=2)


def test_a_prim_without_a_lowering_rule():
    inferred = typed(mixed, Int64, Float64)
    add = first(inferred, ir.Prim, lambda p: p.op == "add")
    rejects(corrupt(inferred, add, ir.replace(add, op="fadd")),
            f"Prim at {at('mixed_add')}: 'fadd' has no lowering rule")


def test_a_setitem_storing_the_wrong_element_type():
    inferred = typed(smooth, V64)
    store = first(inferred, ir.SetItem)
    value = ir.Const(1, type=Int64, loc=store.loc)
    line = line_of("smooth_for") + 1
    rejects(corrupt(inferred, store, ir.replace(store, value=value)),
            f"SetItem at {HERE}:{line}: stores a Int64 into Array[Float64, 1, C] without a Convert")


def test_a_break_outside_a_loop():
    inferred = typed(count, Int64)
    loop = first(inferred, ir.While)
    # hoist the loop's body out of the loop: its break and continue are now outside any loop
    fn = ir.replace(inferred.fn, body=tuple(s for s in inferred.fn.body if s is not loop) + loop.body)
    rejects(dataclasses.replace(inferred, fn=fn), f"Break at {at('count_break')}: outside a loop",
            f"Continue at {HERE}:{line_of('count_if') + 1}: outside a loop")


def test_an_untyped_node_that_survived_inference():
    inferred = typed(mixed, Int64, Float64)
    add = first(inferred, ir.Prim, lambda p: p.op == "add")
    binop = ir.BinOp("+", *add.args, loc=add.loc)
    rejects(corrupt(inferred, add, binop), f"BinOp at {at('mixed_add')}: an untyped expression survived inference")


def test_a_checked_read_of_a_variable_not_in_maybe_unbound():
    inferred = typed(maybe, Int64)
    rejects(corrupt(inferred, None, None, maybe_unbound=frozenset()),
            f"Name at {at('maybe_read')}: checks whether 'y' is bound, but it is not in maybe_unbound")


def test_a_throw_with_a_value_it_cannot_format():
    inferred = typed(raising, Float64)
    throw = first(inferred, ir.Throw)
    z = ir.Const(1j, type=Complex128, loc=throw.loc)
    rejects(corrupt(inferred, throw, ir.replace(throw, args=(z,))),
            f"Throw at {at('raising_throw')}: formats a Complex128 into its message")


def test_every_problem_is_reported_at_once():
    inferred = typed(mixed, Int64, Float64)
    conv = first(inferred, ir.Convert)
    name = first(inferred, ir.Return).value
    bad = corrupt(corrupt(inferred, conv, conv.value), name, ir.replace(name, id="ghost"))
    message = rejects(bad, at("mixed_s"), at("mixed_ret"), count=2)
    assert f"in mixed(Int64, Float64) (defined at {HERE}:{line_of('mixed_s') - 1}):" in message
    assert "This is a bug in dispatchjit" in message and "Hint: inspect it with dispatchjit.code_typed" in message
    assert message.index(at("mixed_s")) < message.index(at("mixed_ret"))   # in program order


def test_the_driver_hook_verifies_only_when_enabled(monkeypatch):
    inferred = typed(mixed, Int64, Float64)
    conv = first(inferred, ir.Convert)
    closure = {inferred.key: corrupt(inferred, conv, conv.value)}
    monkeypatch.delenv("DISPATCHJIT_VERIFY", raising=False)
    assert not verify.enabled()
    verify.verify_if_enabled(closure)
    monkeypatch.setenv("DISPATCHJIT_VERIFY", "0")
    assert not verify.enabled()
    verify.verify_if_enabled(closure)
    monkeypatch.setenv("DISPATCHJIT_VERIFY", "1")
    assert verify.enabled()
    with pytest.raises(InternalCompilerError, match=re.escape(f"Assign at {at('mixed_s')}: stores a Int64")):
        verify.verify_if_enabled(closure)
