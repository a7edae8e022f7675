"""The operators and the numeric builtins as generic functions, with the ``operator`` module's
names: ``ops.add`` is ``+``, ``ops.lt`` is ``<``, ``ops.neg`` is unary ``-``, ``ops.abs`` is
``abs``; ``ops.min``, ``ops.max``, ``ops.round``, ``ops.float``, ``ops.int``, ``ops.bool``,
``ops.complex`` and ``ops.len`` are the builtins of those names.

Each has a built-in method on the built-in numbers (tuples too, for ``+`` and ``len``), compiled
to the machine operation, and arithmetic, comparisons, ``min`` and ``max`` have Julia's fallback
for any two ``Number``s: promote both, then call the operator again (``promotion``). Compiled code
applies an operator to two built-in numbers directly; on anything else it calls the generic
function, whose methods users add (``@ops.add.method``). The built-in numbers' methods are
sealed: a method that would take precedence for them is refused (``1 + 2`` means one thing).
"""

import builtins
import operator

from .. import library
from ..builtin_calls import egal
from ..generic import GenericFunction
from ..lattice import AbstractArray, Any, Bottom, Number, Tuple, TupleType, make_union
from ..subtype import morespecific, signature_type, typeintersect
from .promotion import NUMBERS, equal_promoting, promoting

__all__ = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor", "lshift",
           "rshift", "lt", "le", "gt", "ge", "eq", "ne", "neg", "pos", "invert", "abs", "min", "max", "round",
           "float", "int", "bool", "complex", "len"]

INTEGERS = make_union(*(t for t in NUMBERS.members if t.kind in ("int", "uint", "bool")))


def _function(name: str, doc: str, **registered) -> GenericFunction:
    f = GenericFunction(name, name, __name__, doc)
    globals()[name] = f
    library.register(f, **registered)
    return f


# Method templates: each is the body of one kind of method, with the operation a constant of
# its closure (a Python function the compiler applies as the machine operation, or a generic
# function to call again).
def _numbers1(apply):
    def builtin(x: NUMBERS):
        return apply(x)
    return builtin


def _numbers2(apply, kind=NUMBERS):
    def builtin(x: kind, y: kind):
        return apply(x, y)
    return builtin


def _tuples(apply, kind=Tuple):
    def builtin(x: kind):
        return apply(x)
    return builtin


def _tuple_pair(apply):
    def builtin(x: Tuple, y: Tuple):
        return apply(x, y)
    return builtin


def _promoting(op):
    def fallback(x: Number, y: Number):
        return promoting(op, x, y)
    return fallback


def _equal_promoting(op):
    def fallback(x: Number, y: Number):
        return equal_promoting(op, x, y)
    return fallback


def _fields_equal():
    def fallback(x: Any, y: Any):
        return egal(x, y)
    return fallback


def _not_equal(eq):
    def fallback(x: Any, y: Any):
        return not eq(x, y)
    return fallback


def _seal(f: GenericFunction, arity: int) -> None:
    """Refuse methods that would take the place of the built-in one (the first method) for
    built-in numbers: compiled code applies the machine operation to them without asking."""
    region = TupleType((NUMBERS,) * arity)
    builtin = f.table.methods[0]

    def guard(method):
        overlap = typeintersect(signature_type(method), region)
        if overlap == Bottom or overlap is not None and morespecific(builtin, method, arity):
            return
        sig = ", ".join(map(repr, method.sig))
        raise TypeError(f"ops.{f.__name__}({sig}) would apply to the built-in numbers, whose {f.__name__} is built "
                        f"in ({method.location}); give at least one argument your own type")
    f.guard = guard


_ARITHMETIC = [("add", "+", operator.add), ("sub", "-", operator.sub), ("mul", "*", operator.mul),
               ("truediv", "/", operator.truediv), ("floordiv", "//", operator.floordiv),
               ("mod", "%", operator.mod), ("pow", "**", operator.pow)]
_BITWISE = [("and_", "&", operator.and_), ("or_", "|", operator.or_), ("xor", "^", operator.xor),
            ("lshift", "<<", operator.lshift), ("rshift", ">>", operator.rshift)]
_ORDER = [("lt", "<", operator.lt), ("le", "<=", operator.le), ("gt", ">", operator.gt), ("ge", ">=", operator.ge)]

for _name, _symbol, _apply in _ARITHMETIC + _BITWISE + _ORDER:
    _f = _function(_name, f"``x {_symbol} y``", symbol=_symbol)
    _f.method(_numbers2(_apply, INTEGERS if (_name, _symbol, _apply) in _BITWISE else NUMBERS))
    if (_name, _symbol, _apply) not in _BITWISE:
        _f.method(_promoting(_f))
    _seal(_f, 2)
add.method(_tuple_pair(operator.add))   # tuples concatenate

eq = _function("eq", "``x == y``: numbers by value, other values field by field", symbol="==")
eq.method(_numbers2(operator.eq))
eq.method(_equal_promoting(eq))
eq.method(_fields_equal())
_seal(eq, 2)
ne = _function("ne", "``x != y``: ``not (x == y)``", symbol="!=")
ne.method(_numbers2(operator.ne))
ne.method(_not_equal(eq))
_seal(ne, 2)
matmul = _function("matmul", "``x @ y``", symbol="@")

for _name, _symbol, _apply in [("neg", "-", operator.neg), ("pos", "+", operator.pos),
                               ("invert", "~", operator.invert)]:
    _f = _function(_name, f"unary ``{_symbol}x``", unary_symbol=_symbol)
    _f.method(_numbers1(_apply))
    _seal(_f, 1)

# The builtins, by their own names (called as abs(x), min(x, y)... in compiled code).
for _apply in (builtins.abs, builtins.float, builtins.int, builtins.bool, builtins.complex, builtins.round):
    _f = _function(_apply.__name__, f"``{_apply.__name__}(x)``",
                   stands_for=(_apply, operator.abs) if _apply is builtins.abs else (_apply,))
    _f.method(_numbers1(_apply))
    _seal(_f, 1)
round.method(_numbers2(builtins.round))
for _apply in (builtins.min, builtins.max):
    _f = _function(_apply.__name__, f"``{_apply.__name__}(x, y)``", stands_for=(_apply,))
    _f.method(_numbers2(_apply))
    _f.method(_promoting(_f))
    _seal(_f, 2)
_function("len", "``len(x)``", stands_for=(builtins.len,))
len.method(_tuples(builtins.len))
len.method(_tuples(builtins.len, AbstractArray))
