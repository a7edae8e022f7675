"""The IR's immutable records (dispatchjit.records): what the compiler relies on."""

import pickle

import pytest

from dispatchjit import ir
from dispatchjit.errors import SourceLoc
from dispatchjit.records import FrozenInstanceError
from dispatchjit.lattice import Float64, Int64

LOC = SourceLoc("f.py", 3)


def test_fields_are_positional_then_keyword_only_with_defaults():
    name = ir.Name("x", loc=LOC, type=Int64)
    assert (name.id, name.checked, name.loc, name.type) == ("x", False, LOC, Int64)
    assert [f.name for f in ir.fields(name)] == ["loc", "type", "id", "checked"]
    with pytest.raises(TypeError):
        ir.Name("x", False, LOC)   # loc is keyword-only
    with pytest.raises(TypeError):
        ir.Name()                  # id has no default


def test_records_are_frozen_and_compare_by_identity():
    a, b = ir.Const(1.0), ir.Const(1.0)
    with pytest.raises(FrozenInstanceError):
        a.value = 2.0
    with pytest.raises(AttributeError):
        a.other = 1                # slots: no stray attributes
    assert a != b and a == a and len({a, b}) == 2


def test_replace_copies_with_changes_and_rejects_unknown_fields():
    a = ir.Name("x", loc=LOC)
    b = ir.replace(a, type=Float64, checked=True)
    assert (b.id, b.loc, b.type, b.checked) == ("x", LOC, Float64, True)
    assert (a.type, a.checked) == (None, False)
    with pytest.raises(TypeError, match="no field 'nope'"):
        ir.replace(a, nope=1)


def test_records_pickle_and_repr():
    s = ir.Assign("y", ir.BinOp("+", ir.Const(1), ir.Name("x")), loc=LOC)
    t = pickle.loads(pickle.dumps(s))
    assert (type(t), t.target, t.value.op, t.value.right.id, t.loc) == (ir.Assign, "y", "+", "x", LOC)
    assert repr(ir.Const(2)) == f"Const(loc={ir.NOLOC!r}, type=None, value=2)"
