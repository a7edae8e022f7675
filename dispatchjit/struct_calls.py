"""Typing rules for structs in compiled code: construction, field reads and field writes.

A constructor call binds its arguments to the fields (positionally or by name, defaults filled
in), infers a parametric struct's parameters from the argument types by the rules of a method
call, and converts each argument to its field's type; the result is a ``New`` node. A field read
is a ``GetField`` (an element of the value, or a read from a mutable struct's object), a write
to a mutable struct's field a ``SetField``.
"""

from __future__ import annotations

from . import ir, library
from .errors import FieldError, MethodError, TypingError
from .lattice import ArrayType, Bottom, JType, PrimitiveType, StructType, TupleType, TypeType, join_types
from .state import Edge
from .subtype import issubtype, struct_parameters

__all__ = ["construct", "attribute", "set_attribute", "field_index"]


def field_index(t: StructType, attr: str, loc) -> int:
    try:
        return t.field_names.index(attr)
    except ValueError:
        raise FieldError(f"{t!r} has no field '{attr}' (its fields: {', '.join(t.field_names) or 'none'})",
                         loc) from None


def attribute(inf, base: ir.Expr, attr: str, loc) -> ir.Expr:
    t = base.type
    i = field_index(t, attr, loc)
    return ir.GetField(base, i, type=t.field_types[i], loc=loc)


def set_attribute(inf, s: ir.SetAttr) -> ir.Stmt:
    if isinstance(s.target, ir.Index):
        element = _element_field_store(inf, s)
        if element is not None:
            return element
    target = inf.expr(s.target)
    t = target.type
    if not isinstance(t, StructType):
        raise TypingError(f"cannot assign to the attribute '{s.attr}' of a {t} in compiled code", s.loc)
    i = field_index(t, s.attr, s.loc)
    if not t.mutable:
        raise FieldError(f"cannot assign to field '{s.attr}': {t!r} is an immutable struct", s.loc,
                         hint=f"make a new one ({t.name}(...)), or declare the struct @struct(mutable=True)")
    value = field_value(inf, inf.expr(s.value), t, i)
    return ir.SetField(target, i, value, loc=s.loc)


def _element_field_store(inf, s: ir.SetAttr) -> ir.Stmt | None:
    """``ps[i].x = v`` on an array of structs (NumPy's record field write): the element is stored
    again with that field replaced, which LLVM turns into a store of the one field. The array
    and index are evaluated more than once, so they must be free of calls."""
    array = inf.expr(s.target.value)
    t = array.type
    if not (isinstance(t, ArrayType) and isinstance(t.dtype, StructType)):
        return None
    if not _pure(s.target):
        raise TypingError("assigning to a field of an array element needs an array and index without calls",
                          s.target.loc, hint="compute the index into a variable first")
    st = t.dtype
    i = field_index(st, s.attr, s.loc)
    fields = [ir.Attr(s.target, name, loc=s.loc) for name in st.field_names]
    fields[i] = s.value
    rebuilt = ir.Call(ir.Const(st, loc=s.loc), tuple(fields), loc=s.loc)
    return inf.stmt(ir.SetItem(s.target.value, s.target.index, rebuilt, loc=s.loc))


def _pure(e: ir.Expr) -> bool:
    return not any(isinstance(n, ir.Call) for n in ir.walk(e))


def construct(inf, t: StructType, call: ir.Call) -> ir.Expr:
    """``Circle(1.0)``, ``Point(1, 2)`` (parameters inferred), ``Point[Float64](1, 2)``; a call
    of the class itself runs an outer constructor (``@Point.method``) that applies first."""
    outer = t.definition.constructors
    given = tuple(inf.expr(a) for a in call.args)
    if not call.kwargs and (not t.definition.typevars or not t.is_concrete):
        argtypes = tuple(a.type for a in given)
        try:
            inf.ctx.resolve(outer, argtypes)
        except MethodError:   # the default constructor, until an outer one takes these types
            inf.result.edges.add(Edge(outer, argtypes, None))
        else:
            return inf.invoke(outer, given, call.loc)
    values = _bind(inf, t, given, call)
    if not t.is_concrete:
        found = _parameters(t, tuple(v.type for v in values))
        if found is None:
            shown = ", ".join(f"::{v.type!r}" for v in values)
            return inf.throw(MethodError, f"no method matching {t.name}({shown}): the arguments do not give "
                             f"{t.name}'s parameters one value each", call.loc)
        t = found
    args = tuple(field_value(inf, v, t, i) for i, v in enumerate(values))
    if any(a.type == Bottom for a in args):   # a value that never arrives: no struct either
        return ir.Prim("unreachable", args, type=Bottom, loc=call.loc)
    new = ir.New(args, type=t, loc=call.loc)
    if t.definition.checked is not None:   # __post_init__ sees (and may refuse) each new one
        return inf.invoke(t.definition.checked, (new,), call.loc)
    return new


def _bind(inf, t: StructType, given: tuple[ir.Expr, ...], call: ir.Call) -> list[ir.Expr]:
    """The typed value of each field: the positional arguments (typed already), the keyword
    ones, the defaults."""
    defn = t.definition
    if len(given) > len(defn.fields):
        raise TypingError(f"{t.name}() takes {len(defn.fields)} field value(s), got {len(given)}", call.loc)
    values = dict(zip(defn.fields, given))
    for name, v in call.kwargs:
        if name not in defn.fields:
            raise FieldError(f"{t.name}() has no field '{name}' (its fields: {', '.join(defn.fields)})", v.loc)
        if name in values:
            raise TypingError(f"{t.name}() got field '{name}' twice", v.loc)
        values[name] = inf.expr(v)
    missing = [n for n in defn.fields if n not in values and n not in defn.defaults]
    if missing:
        raise TypingError(f"{t.name}() is missing the field value(s) {', '.join(missing)}", call.loc)
    return [values[n] if n in values else inf.const(defn.defaults[n], call.loc) for n in defn.fields]


def _parameters(t: StructType, types: tuple[JType, ...]) -> StructType | None:
    """The concrete instance of ``t`` that fields of these types make, if there is one (and it
    lies within ``t``: ``Point[Integer](1.5, 2.5)`` has none)."""
    params = struct_parameters(t.definition, types)
    found = None if params is None else StructType(t.definition, params)
    return found if found is not None and issubtype(found, t) else None


def field_value(inf, v: ir.Expr, t: StructType, i: int) -> ir.Expr:
    """``v`` converted to the type of field ``i`` of ``t``: unchanged, widened (numbers promote),
    an array relabelled to the field's layout, or else by a call of ``convert(field type, v)``
    (which users extend); a conversion to another type is an error at the argument."""
    ft = t.field_types[i]
    if v.type == ft or v.type == Bottom:
        return v
    if _widens(v.type, ft):
        return inf.convert(v, ft)
    if isinstance(ft, ArrayType) and isinstance(v.type, ArrayType) and ft.layout == "A" and \
            (v.type.dtype, v.type.ndim) == (ft.dtype, ft.ndim):
        return ir.Convert(v, type=ft, loc=v.loc)
    return convert_by_method(inf, v, ft, f"the value for field '{t.field_names[i]}' of {t!r}")


def convert_by_method(inf, v: ir.Expr, t: JType, what: str) -> ir.Expr:
    """``convert(t, v)``, the generic function users extend; a MethodError where it runs when no
    method applies (as any call that cannot dispatch, in Julia), a TypingError when a method
    returns another type."""
    convert = library.named("convert")
    target = ir.Const(t, type=TypeType(t), loc=v.loc)
    try:
        inf.ctx.resolve(convert, (target.type, v.type))
    except MethodError:
        return inf.throw(MethodError, f"cannot convert {what} ({v.type}) to {t!r}: no method matching "
                         f"convert(::Type[{t!r}], ::{v.type!r})", v.loc)
    converted = inf.invoke(convert, (target, v), v.loc)
    if converted.type not in (t, Bottom):
        raise TypingError(f"convert({t!r}, ...) of {what} ({v.type}) returns a {converted.type}, not a {t!r}",
                          v.loc)
    return converted


def _widens(a: JType, b: JType) -> bool:
    return (isinstance(a, (PrimitiveType, TupleType)) and isinstance(b, (PrimitiveType, TupleType))
            and join_types(a, b) == b)
