"""Typing rules for Python's builtins, the ``math`` and ``operator`` modules, and the intrinsics
of dispatchjit's own library (``dispatchjit.base``) inside compiled code.

Each handler takes the inferrer, the typed arguments and the call, and returns a typed
expression built from ``Prim`` operations that ``lowering.prims`` implements with Python's semantics
(``math.sqrt(-1.0)`` raises ``ValueError``, ``int(nan)`` raises ``ValueError``...).

The intrinsics (``promote_builtin``, ``lossy``, ``inexact``, ``no_promotion``, ``not_defined``,
``egal``) are ordinary Python functions here, with the behaviour their names say when called
from Python; compiled, each is decided from the argument *types* while the function compiles.
"""

from __future__ import annotations

import math
import operator

from . import ir
from .errors import InexactError, MethodError, TypingError
from .array_calls import length
from .lattice import (ArrayType, Bool, Bottom, Complex128, Float32, Float64, Int64, JType, PrimitiveType,
                      StructType, TupleType, TypeType, join_types, promote_type, typeof)

__all__ = ["BUILTINS", "MATH_UNARY", "MATH_BINARY", "OPERATORS", "convert_call", "promote_builtin", "lossy",
           "inexact", "no_promotion", "not_defined", "egal"]

# math functions of one float, and of two; all return Float64 as in Python.
MATH_UNARY = ("sqrt", "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
              "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs", "erf",
              "erfc", "gamma", "lgamma", "cbrt", "exp2")
MATH_BINARY = ("atan2", "hypot", "pow", "copysign", "fmod")


def _num(args, e, n: int | tuple[int, ...], name: str, allow_complex=False):
    counts = (n,) if isinstance(n, int) else n
    if len(args) not in counts:
        raise TypingError(f"{name}() takes {' or '.join(map(str, counts))} argument(s), got {len(args)}", e.loc)
    for a in args:
        ok = isinstance(a.type, PrimitiveType) and (allow_complex or a.type.kind != "complex")
        if not ok:
            raise TypingError(f"{name}() does not accept {a.type} (argument `{a.loc.text() or 'value'}`)", a.loc)


def _prim(op: str, args, t: JType, e) -> ir.Prim:
    return ir.Prim(op, tuple(args), type=t, loc=e.loc)


def _abs(inf, args, e):
    _num(args, e, 1, "abs", allow_complex=True)
    (x,) = args
    t = x.type
    if t.kind == "complex":
        return _prim("cabs", args, Float64 if t == Complex128 else Float32, e)
    if t == Bool:
        x, t = inf.convert(x, Int64), Int64
    return _prim("fabs" if t.kind == "float" else "abs", (x,), t, e)


def _minmax(op):
    def handler(inf, args, e):
        if len(args) < 2:
            raise TypingError(f"{op}() of one iterable is not supported; pass the values as arguments", e.loc)
        _num(args, e, len(args), op)
        t = inf.join_all([(a.type, a.loc) for a in args], f"arguments of {op}()")
        return _prim(op, (inf.convert(a, t) for a in args), t, e)
    return handler


def _int(inf, args, e):
    _num(args, e, 1, "int")
    return _to_int(inf, args[0], Int64, e)


def _to_int(inf, x: ir.Expr, t: PrimitiveType, e) -> ir.Expr:
    if x.type.kind == "float":
        return inf.convert(_prim("toint", (x,), Int64, e), t, explicit=True)
    return inf.convert(x, t, explicit=True)


def _float(inf, args, e):
    _num(args, e, 1, "float")
    return inf.convert(args[0], Float64, explicit=True)


def _bool(inf, args, e):
    if len(args) != 1:
        raise TypingError(f"bool() takes 1 argument, got {len(args)}", e.loc)
    return inf.truth(args[0])


def _complex(inf, args, e):
    _num(args, e, (1, 2), "complex", allow_complex=len(args) == 1)
    if len(args) == 1:
        return inf.convert(args[0], Complex128, explicit=True)
    return _prim("complex", (inf.convert(a, Float64) for a in args), Complex128, e)


def _round(inf, args, e):
    _num(args, e, (1, 2), "round")
    x = args[0]
    if len(args) == 1:
        if x.type.kind != "float":
            return inf.convert(x, Int64) if x.type == Bool else x
        return _prim("round_int", (x,), Int64, e)
    if args[1].type.kind not in ("int", "uint", "bool"):
        raise TypingError(f"round() digits must be an integer, not {args[1].type}", args[1].loc)
    digits = inf.convert(args[1], Int64, explicit=True)
    if x.type.kind != "float":
        x = inf.convert(x, Int64) if x.type == Bool else x
        return _prim("round_int_digits", (x, inf.convert(digits, x.type, explicit=True)), x.type, e)
    return _prim("round_digits", (inf.convert(x, Float64), digits), Float64, e)


def _divmod(inf, args, e):
    _num(args, e, 2, "divmod")
    a, b = args
    t = Int64 if a.type == b.type == Bool else join_types(a.type, b.type)
    return _prim("divmod", (inf.convert(a, t), inf.convert(b, t)), TupleType((t, t)), e)


def _pow(inf, args, e):
    if len(args) != 2:
        raise TypingError("pow() with a modulus is not supported in compiled code", e.loc)
    return inf.binop("**", args[0], args[1], e.loc)


def _len(inf, args, e):
    if len(args) == 1 and isinstance(args[0].type, ArrayType):
        return length(args[0], e.loc)
    if len(args) != 1 or not isinstance(args[0].type, TupleType):
        raise TypingError(f"len() is supported on tuples and arrays, not {args[0].type if args else 'nothing'}", e.loc)
    return ir.Const(len(args[0].type.params), type=Int64, loc=e.loc)


def _math_unary(name):
    def handler(inf, args, e):
        _num(args, e, 1, f"math.{name}")
        return _prim(f"math.{name}", (inf.convert(args[0], Float64),), Float64, e)
    return handler


def _math_binary(name):
    def handler(inf, args, e):
        _num(args, e, 2, f"math.{name}")
        return _prim(f"math.{name}", (inf.convert(a, Float64) for a in args), Float64, e)
    return handler


def _math_log(inf, args, e):
    _num(args, e, (1, 2), "math.log")
    logs = [_prim("math.log", (inf.convert(a, Float64),), Float64, e) for a in args]
    return logs[0] if len(logs) == 1 else _prim("truediv", logs, Float64, e)


def _math_to_int(name):
    def handler(inf, args, e):
        _num(args, e, 1, f"math.{name}")
        x = args[0]
        if x.type.kind != "float":
            return inf.convert(x, Int64)
        return _prim("toint", (_prim(f"math.{name}", (inf.convert(x, Float64),), Float64, e),), Int64, e)
    return handler


def _math_test(name):
    def handler(inf, args, e):
        _num(args, e, 1, f"math.{name}")
        x = args[0]
        if x.type.kind != "float":
            return ir.Const(name == "isfinite", type=Bool, loc=e.loc)
        return _prim(name, (x,), Bool, e)
    return handler


def convert_call(inf, t: JType, args, e) -> ir.Expr:
    """``Float32(x)``, ``Int8(x)``, ``T(x)``: convert as Python's ``float``/``int``/``bool``/
    ``complex`` would, then to the width of ``t`` (integers wrap, as Julia's ``%`` conversions)."""
    if not isinstance(t, PrimitiveType):
        raise TypingError(f"cannot construct a {t} in compiled code", e.loc)
    _num(args, e, 1, repr(t), allow_complex=t.kind == "complex")
    x = args[0]
    if t.kind == "bool":
        return inf.truth(x)
    if t.kind in ("int", "uint"):
        return _to_int(inf, x, t, e)
    return inf.convert(x, t, explicit=True)


BUILTINS = {abs: _abs, min: _minmax("min"), max: _minmax("max"), int: _int, float: _float,
            bool: _bool, complex: _complex, round: _round, divmod: _divmod, pow: _pow, len: _len}
BUILTINS.update({getattr(math, n): _math_unary(n) for n in MATH_UNARY if hasattr(math, n)})
BUILTINS.update({getattr(math, n): _math_binary(n) for n in MATH_BINARY})
BUILTINS.update({getattr(math, n): _math_to_int(n) for n in ("floor", "ceil", "trunc")})
BUILTINS.update({getattr(math, n): _math_test(n) for n in ("isnan", "isinf", "isfinite")})
BUILTINS[math.log] = _math_log


# --- the operator module: what the built-in methods of dispatchjit.ops compile to ---------------
# operator function -> the operator it applies (binary, comparison or unary)
OPERATORS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
             operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.and_: "&",
             operator.or_: "|", operator.xor: "^", operator.lshift: "<<", operator.rshift: ">>",
             operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=", operator.eq: "==",
             operator.ne: "!=", operator.neg: "-", operator.pos: "+", operator.invert: "~"}
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_UNARY = frozenset({operator.neg, operator.pos, operator.invert})


def _operator(fn):
    op = OPERATORS[fn]

    def handler(inf, args, e):
        arity = 1 if fn in _UNARY else 2
        if len(args) != arity:
            raise TypingError(f"operator.{fn.__name__}() takes {arity} argument(s), got {len(args)}", e.loc)
        if arity == 1:
            return inf.unary(op, args[0], e.loc)
        if op in _COMPARISONS:
            return inf.compare(op, args[0], args[1], e.loc)
        return inf.binop(op, args[0], args[1], e.loc)
    return handler


def _not(inf, args, e):
    return ir.Prim("not", (inf.truth(args[0]),), type=Bool, loc=e.loc)


# --- intrinsics of dispatchjit.base --------------------------------------------------------------
def promote_builtin(a: JType, b: JType) -> JType:
    """The promotion of two built-in number types (the built-in ``promote_type`` method)."""
    return promote_type(a, b)


def lossy(t: PrimitiveType, x) -> bool:
    """Whether converting the number ``x`` to the built-in number type ``t`` loses its value
    (Julia's ``convert`` then raises ``InexactError``; floats may round)."""
    if t.kind in ("float", "complex"):
        return isinstance(x, complex) and t.kind != "complex" and x.imag != 0
    try:
        return t(x) != x or (x < 0) != (t(x) < 0)
    except (ValueError, OverflowError):
        return True


def inexact(t: PrimitiveType, x):
    raise InexactError(f"{x!r} does not convert exactly to {t!r}")


def no_promotion(op, x, y):
    raise MethodError(_no_promotion_message(op, typeof(x), typeof(y)))


def not_defined(op, x, y):
    raise MethodError(_not_defined_message(op, typeof(x), typeof(y)))


def egal(x, y) -> bool:
    """Julia's ``===`` fallback of ``==``: same type and equal fields."""
    return type(x) is type(y) and x == y


def _no_promotion_message(op, a: JType, b: JType) -> str:
    return (f"no method matching {op.__name__}(::{a!r}, ::{b!r}): {a!r} and {b!r} do not promote to a common "
            f"type; define promote_rule for Type[{a!r}], Type[{b!r}] and a convert method, or {op.__name__} "
            "for these types")


def _not_defined_message(op, a: JType, b: JType) -> str:
    return f"no method matching {op.__name__}(::{a!r}, ::{b!r}): define one with @ops.{op.__name__}.method"


def _type_args(args, e, n: int, name: str) -> list[JType]:
    if len(args) != n or not all(isinstance(a.type, TypeType) for a in args[:1]):
        raise TypingError(f"{name}() takes a type and {n - 1} value(s)", e.loc)
    return [a.type.param if isinstance(a.type, TypeType) else a.type for a in args]


def _typeof(inf, args, e):
    if len(args) != 1:
        raise TypingError(f"typeof() takes 1 argument, got {len(args)}", e.loc)
    if args[0].type == Bottom:   # a value that is never made (it raises): so is its type
        return args[0]
    return ir.Const(args[0].type, type=TypeType(args[0].type), loc=e.loc)


def _promote_builtin(inf, args, e):
    a, b = (x.type.param for x in args)
    t = promote_type(a, b)
    return ir.Const(t, type=TypeType(t), loc=e.loc)


def _lossy(inf, args, e):
    t, x = _type_args(args, e, 2, "lossy")
    value, loc = args[1], e.loc
    if t.kind in ("float", "complex") or x == t:
        if x.kind == "complex" and t.kind != "complex":
            return inf.compare("!=", ir.Prim("imag", (value,), type=_part(x), loc=loc), ir.Const(0.0, type=_part(x), loc=loc), loc)
        return ir.Const(False, type=Bool, loc=loc)
    if x.kind == "complex":
        raise TypingError(f"cannot convert {x} to {t}", loc)
    if x.kind == "float":   # not an integer, or out of t's range
        x64 = inf.convert(value, Float64)
        lo, hi = t.int_range
        floor = ir.Prim("math.floor", (x64,), type=Float64, loc=loc)
        checks = [inf.compare("!=", floor, x64, loc), inf.compare("<", x64, ir.Const(float(lo), type=Float64, loc=loc), loc),
                  inf.compare(">=", x64, ir.Const(float(hi) + 1.0, type=Float64, loc=loc), loc)]
        return ir.BoolOp("or", tuple(checks), type=Bool, loc=loc)
    converted = convert_call(inf, t, [value], e)
    zero = ir.Const(0, type=Int64, loc=loc)
    changed = inf.compare("!=", converted, value, loc)
    sign = inf.compare("!=", inf.compare("<", value, zero, loc), inf.compare("<", converted, zero, loc), loc)
    return ir.BoolOp("or", (changed, sign), type=Bool, loc=loc)


def _part(t: PrimitiveType) -> PrimitiveType:
    return Float32 if t.bits == 64 else Float64


def _inexact(inf, args, e):
    t, x = _type_args(args, e, 2, "inexact")
    if x.kind == "complex":
        return inf.throw(InexactError, f"a complex value does not convert exactly to {t!r}", e.loc)
    return inf.throw(InexactError, f"{{0}} does not convert exactly to {t!r}", e.loc, (args[1],))


def _method_error(message):
    def handler(inf, args, e):
        op = args[0].type.func
        text = message(op, args[1].type, args[2].type)
        return inf.throw(MethodError, text.replace("{", "{{").replace("}", "}}"), e.loc)
    return handler


def _egal(inf, args, e):
    """``x === y`` for values of the same type compared field by field (by ``==``), else False."""
    a, b = args
    loc = e.loc
    if a.type != b.type:
        return ir.Const(False, type=Bool, loc=loc)
    t = a.type
    if isinstance(t, (TupleType, StructType)):
        n = len(t.params) if isinstance(t, TupleType) else len(t.field_types)
        parts = [inf.compare("==", inf.getfield(a, i, loc), inf.getfield(b, i, loc), loc) for i in range(n)]
        if not parts:
            return ir.Const(True, type=Bool, loc=loc)
        return parts[0] if len(parts) == 1 else ir.BoolOp("and", tuple(parts), type=Bool, loc=loc)
    if isinstance(t, PrimitiveType):
        return inf.compare("==", a, b, loc)
    return ir.Const(True, type=Bool, loc=loc)   # Nothing: one value


BUILTINS.update({fn: _operator(fn) for fn in OPERATORS})
BUILTINS.update({operator.not_: _not, operator.abs: _abs, typeof: _typeof, promote_builtin: _promote_builtin,
                 lossy: _lossy, inexact: _inexact, no_promotion: _method_error(_no_promotion_message),
                 not_defined: _method_error(_not_defined_message), egal: _egal})
