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
from ..subtype import erase_typevars, morespecific, signature_type, typeintersect
from .promotion import NUMBERS, equal_promoting, promoting

__all__ = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor", "lshift",
           "rshift", "lt", "le", "gt", "ge", "eq", "ne", "neg", "pos", "invert", "abs", "min", "max", "round",
           "float", "int", "bool", "complex", "len", "call"]

INTEGERS = make_union(*(t for t in NUMBERS.members if t.kind in ("int", "uint", "bool")))


def _function(name: str, doc: str, **registered) -> GenericFunction:
    f = GenericFunction(name, name, __name__, doc)
    library.register(f, **registered)
    return f


# Method templates: each is the body of one kind of method, with the operation a constant of
# its closure (a Python function the compiler applies as the machine operation, or a generic
# function to call again).
def _numbers1(apply, kind=NUMBERS):
    def builtin(x: kind):
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
        sig = signature_type(method)
        overlap = typeintersect(sig, region)
        if overlap is None:   # variables in the signature: what their bounds allow
            overlap = typeintersect(erase_typevars(sig), region)
        if overlap == Bottom or overlap is not None and morespecific(builtin, method, arity):
            return
        sig = ", ".join(map(repr, method.sig))
        raise TypeError(f"ops.{f.__name__}({sig}) would apply to the built-in numbers, whose {f.__name__} is built "
                        f"in ({method.location}); give at least one argument your own type")
    f.guard = guard


def _arithmetic(name: str, symbol: str, apply) -> GenericFunction:
    """``x symbol y``: the machine operation on built-in numbers, promotion for other Numbers."""
    f = _function(name, f"``x {symbol} y``", symbol=symbol)
    f.method(_numbers2(apply))
    f.method(_promoting(f))
    _seal(f, 2)
    return f


def _bitwise(name: str, symbol: str, apply) -> GenericFunction:
    """``x symbol y`` on integers (and Bool); no promotion of other types."""
    f = _function(name, f"``x {symbol} y``", symbol=symbol)
    f.method(_numbers2(apply, INTEGERS))
    _seal(f, 2)
    return f


def _unary(name: str, symbol: str, apply) -> GenericFunction:
    f = _function(name, f"unary ``{symbol}x``", unary_symbol=symbol)
    f.method(_numbers1(apply))
    _seal(f, 1)
    return f


def _builtin1(apply, *also) -> GenericFunction:
    """A builtin of one number, by its own name (``abs(x)`` in compiled code calls it)."""
    f = _function(apply.__name__, f"``{apply.__name__}(x)``", stands_for=(apply, *also))
    f.method(_numbers1(apply))
    _seal(f, 1)
    return f


def _builtin2(apply) -> GenericFunction:
    """``min(x, y)``/``max(x, y)``: the builtin on built-in numbers, promotion for other Numbers."""
    f = _function(apply.__name__, f"``{apply.__name__}(x, y)``", stands_for=(apply,))
    f.method(_numbers2(apply))
    f.method(_promoting(f))
    _seal(f, 2)
    return f


# (The names below shadow the builtins of the same names in this module: its code reaches
# those through ``builtins``.)
add = _arithmetic("add", "+", operator.add)
add.method(_tuple_pair(operator.add))   # tuples concatenate
sub = _arithmetic("sub", "-", operator.sub)
mul = _arithmetic("mul", "*", operator.mul)
truediv = _arithmetic("truediv", "/", operator.truediv)
floordiv = _arithmetic("floordiv", "//", operator.floordiv)
mod = _arithmetic("mod", "%", operator.mod)
pow = _arithmetic("pow", "**", operator.pow)
lt = _arithmetic("lt", "<", operator.lt)
le = _arithmetic("le", "<=", operator.le)
gt = _arithmetic("gt", ">", operator.gt)
ge = _arithmetic("ge", ">=", operator.ge)
and_ = _bitwise("and_", "&", operator.and_)
or_ = _bitwise("or_", "|", operator.or_)
xor = _bitwise("xor", "^", operator.xor)
lshift = _bitwise("lshift", "<<", operator.lshift)
rshift = _bitwise("rshift", ">>", operator.rshift)
matmul = _function("matmul", "``x @ y``", symbol="@")   # its methods come with the array library

eq = _function("eq", "``x == y``: numbers by value, other values field by field", symbol="==")
eq.method(_numbers2(operator.eq))
eq.method(_equal_promoting(eq))
eq.method(_fields_equal())
_seal(eq, 2)
ne = _function("ne", "``x != y``: ``not (x == y)``", symbol="!=")
ne.method(_numbers2(operator.ne))
ne.method(_not_equal(eq))
_seal(ne, 2)

neg = _unary("neg", "-", operator.neg)
pos = _unary("pos", "+", operator.pos)
invert = _unary("invert", "~", operator.invert)

abs = _builtin1(builtins.abs, operator.abs)
float = _builtin1(builtins.float)
int = _builtin1(builtins.int)
bool = _builtin1(builtins.bool)
complex = _builtin1(builtins.complex)
round = _builtin1(builtins.round)
round.method(_numbers2(builtins.round))
min = _builtin2(builtins.min)
max = _builtin2(builtins.max)
len = _function("len", "``len(x)``", stands_for=(builtins.len,))
# A struct whose class body defines ``__call__`` is callable (Julia's functors): ``f(x)`` on it,
# from Python or in compiled code, is ``call(f, x)``, and ``__call__`` is a method of ``call``.
call = _function("call", "``f(*args)`` of a callable struct: its class body's ``__call__``")
len.method(_tuples(builtins.len))
len.method(_tuples(builtins.len, AbstractArray))
