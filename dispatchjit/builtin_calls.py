"""Typing rules for Python's builtins and the ``math`` module inside compiled code.

Each handler takes the inferrer, the typed arguments and the call, and returns a typed
expression built from ``Prim`` operations that ``lowering.prims`` implements with Python's semantics
(``math.sqrt(-1.0)`` raises ``ValueError``, ``int(nan)`` raises ``ValueError``...).
"""

from __future__ import annotations

import math

from . import ir
from .errors import TypingError
from .array_calls import length
from .lattice import ArrayType, Bool, Complex128, Float32, Float64, Int64, JType, PrimitiveType, TupleType, join_types

__all__ = ["BUILTINS", "MATH_UNARY", "MATH_BINARY", "convert_call"]

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
