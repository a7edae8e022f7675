"""User types: ``@abstract`` classes and ``@struct`` classes (Julia's ``abstract type``,
``struct`` and ``mutable struct``).

    @abstract
    class Shape: ...                     # an abstract type below Any (or below Number, Real...)

    @struct
    class Circle(Shape):                 # concrete and final, its fields typed
        r: float

    T = TypeVar("T", bound=Real)
    @struct
    class Point(Generic[T]):             # parametric: Point[Int64], Point[Float64]
        x: T
        y: T

Each decorator returns a new class built from the one written (with ``__slots__``, so the
compiler knows where each field lives) and registers its lattice type (``lattice.StructType``,
``lattice.UserAbstractType``). From Python a struct is an ordinary instance of its class: the
constructor converts each argument to its field's type, an immutable struct refuses writes and
compares and hashes by value, and instances pickle by value. A parametric struct's instances
belong to one class per concrete parameter tuple (``type(Point(1, 2))`` prints as
``Point[Int64]``), a subclass of the class written, so ``isinstance(p, Point)`` holds and the
compiled dispatcher recognizes each instantiation by its exact class.
"""

from __future__ import annotations

import copyreg
import dataclasses
import inspect
import threading
import typing

import numpy as np

from . import closures, library
from .errors import AmbiguityError, InexactError, MethodError
from .generic import GenericFunction
from .state import reinit_after_fork
from .lattice import (INT64_MAX, INT64_MIN, STRUCT_KEY, AbstractType, Any, ArrayType, JType, Literal, Nothing,
                      NTupleType, PrimitiveType, StructDef,
                      StructType, TupleType, TypeVar, UserAbstractType, from_annotation, register_class, type_key,
                      typeof)
from .subtype import issubtype, struct_parameters

__all__ = ["struct", "abstract", "InexactError", "fields", "TypeClass"]

_lock = threading.RLock()
reinit_after_fork(_lock)


class TypeClass(type):
    """The metaclass of ``@struct`` and ``@abstract`` classes. Their classes are type values
    (``Type[Circle]``), which a class of this metaclass tells apart from other classes (opaque
    objects) by its type alone, as the compiled dispatcher checks. (A metaclass method is not an
    attribute of the instances, so ``method`` never clashes with a field.)"""

    def method(cls, func):
        """``@Point.method``: add ``func`` as an outer constructor of the struct (Julia's
        ``Point(x) = Point(x, x)``), a method of a generic function consulted before the default
        constructor, from Python and in compiled code, when the class itself is called."""
        defn = _definition(cls)
        if defn.cls is not cls:
            raise TypeError(f"add outer constructors to {defn.name} itself, not to {cls.__name__}")
        with _lock:
            if not defn.constructors.table.methods:   # calls from Python consult them from now on
                cls.__new__ = _outer_new(cls.__new__, defn.constructors)
        defn.constructors.method(func)
        return cls


def _pickle_class(cls: TypeClass):
    """Classes pickle by reference; a parametric struct's instantiation (``Point[Int64]``, not an
    attribute of its module) as its class and parameters."""
    defn = getattr(cls, "__dispatchjit_struct__", None)
    if defn is not None and defn.cls is not cls:
        return _class_for_type, (from_annotation(cls),)
    return cls.__qualname__


def _class_for_type(t: StructType) -> type:
    return t.pyclass


copyreg.pickle(TypeClass, _pickle_class)


def fields(x) -> tuple[str, ...]:
    """The field names of a struct instance or class, in declaration order."""
    return _definition(x if isinstance(x, type) else type(x)).fields


def _definition(cls) -> StructDef:
    found = getattr(cls, "__dispatchjit_struct__", None)
    if found is None:
        raise TypeError(f"{cls!r} is not a @struct class")
    return found


# --- abstract types --------------------------------------------------------------------------
def abstract(cls: type) -> type:
    """Make ``cls`` an abstract type: a node of the type tree with no instances and no fields.
    A base class names its supertype: another ``@abstract`` class or a lattice type
    (``Number``, ``Real``, ``AbstractFloat``...); without one it is below ``Any``."""
    parent, typevars, pybase = _supertype(cls)
    if typevars:
        raise TypeError(f"abstract type {cls.__name__}: parametric abstract types are not supported yet")
    own = _own_annotations(cls)
    if own:
        raise TypeError(f"abstract type {cls.__name__} cannot have fields ({', '.join(own)}): as in Julia, "
                        "fields belong to the concrete @struct types below it")
    new = _remake(cls, pybase, {"__slots__": (), "__new__": _no_instances})
    t = UserAbstractType(cls.__name__, parent, new)
    register_class(new, t, instances=False)
    return new


def _no_instances(cls, *args, **kwargs):
    raise TypeError(f"{cls.__name__} is an abstract type and has no instances; construct one of its "
                    "concrete @struct subtypes")


# --- structs ---------------------------------------------------------------------------------
def struct(cls: type | None = None, *, mutable: bool = False):
    """Make ``cls`` a concrete struct type (``@struct`` or ``@struct(mutable=True)``). Every field
    is annotated with its type (a lattice type, ``int``/``float``/``bool``/``complex``, a tuple,
    an array with its element type and ndim, another struct, or a type parameter of
    ``Generic[...]``); ``name: type = value`` gives a default. Concrete types are final: a
    struct cannot be subclassed."""
    if cls is None:
        return lambda c: struct(c, mutable=mutable)
    with _lock:
        return _make_struct(cls, mutable)


def _make_struct(cls: type, mutable: bool) -> type:
    parent, typevars, pybase = _supertype(cls)
    hints = _own_annotations(cls)
    _check_unannotated(cls, hints)
    written = _written_operators(cls)
    tvmap: dict = {}
    lattice_tvars = tuple(from_annotation(tv, tvmap) for tv in typevars)
    names = tuple(hints)
    types = tuple(_field_type(cls.__name__, n, hints[n], tvmap) for n in names)
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    _check_default_order(cls.__name__, names, defaults)
    fingerprint = (f"{cls.__module__}.{cls.__qualname__}{'!' if mutable else ''}("
                   + ", ".join(f"{n}: {type_key(t)}" for n, t in zip(names, types)) + ")")
    defn = StructDef(cls.__name__, None, parent, lattice_tvars, names, types, defaults, mutable, fingerprint)
    defn.constructors = GenericFunction(cls.__name__, f"{cls.__qualname__}.<constructors>", cls.__module__,
                                        f"the outer constructors of {cls.__name__} (@{cls.__name__}.method)")
    new = _remake(cls, pybase, _class_attributes(cls, defn), drop=names + tuple(written))
    defn.cls = new
    if typevars:
        register_class(new, StructType(defn, tuple(tv.bound for tv in lattice_tvars)), instances=False)
    else:
        _install_constructor(new, StructType(defn, ()))
    _install_operators(new, written)
    if "__post_init__" in cls.__dict__:
        defn.checked = _checker(new, cls.__dict__["__post_init__"])
    return new


def _checker(cls: type, post_init) -> GenericFunction:
    """``__post_init__`` (dataclasses' name) checks or completes a new instance, as a Julia
    inner constructor does: the generic function compiled code calls on each struct it makes."""
    post_init.__annotations__.setdefault(next(iter(inspect.signature(post_init).parameters)), cls)
    check = GenericFunction("__post_init__", f"{cls.__qualname__}.__post_init__", cls.__module__, post_init.__doc__)
    check.method(post_init)
    checked = GenericFunction(cls.__name__, f"{cls.__qualname__}.<checked>", cls.__module__, "a checked new instance")
    checked.method(_checking(check))
    return checked


def _checking(check):
    def checked(obj):
        check(obj)
        return obj
    return checked


def _class_attributes(cls: type, defn: StructDef) -> dict:
    """What a struct's class gets besides the body written (which wins for ``__repr__``,
    ``__hash__`` and ``__copy__``): slots for the fields, immutability or converting writes,
    value equality for immutable structs, pickling, and for a parametric one ``Point[...]``
    and the constructor inferring the parameters."""
    extra = {"__slots__": defn.fields, "__dispatchjit_struct__": defn, "__match_args__": defn.fields,
             "__init_subclass__": classmethod(_final), "__dispatchjit_class_for__": classmethod(_class_for),
             "__dispatchjit_dtype__": classmethod(_dtype_for), "__reduce__": _reduce, "__repr__": _repr,
             "__copy__": _shallow_copy if defn.mutable else _same,
             "__setattr__": _set_mutable if defn.mutable else _set_immutable, "__delattr__": _delete_field}
    if not defn.mutable:
        extra["__eq__"], extra["__hash__"] = _eq, _hash
    if defn.typevars:
        extra["__class_getitem__"] = classmethod(_class_getitem)
        extra["__new__"] = _infer_parameters
    for name in ("__repr__", "__hash__", "__copy__"):
        if name in cls.__dict__:
            extra[name] = cls.__dict__[name]
    return extra


# --- operators: Python's dunder methods and the generic functions of dispatchjit.ops ----------
# dunder -> (the generic function's name in ops, whether the instance is the right operand)
_BINARY = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "truediv", "floordiv": "floordiv",
           "mod": "mod", "pow": "pow", "matmul": "matmul", "and": "and_", "or": "or_", "xor": "xor",
           "lshift": "lshift", "rshift": "rshift"}
_DUNDERS = {f"__{d}__": (op, False) for d, op in _BINARY.items()}
_DUNDERS.update({f"__r{d}__": (op, True) for d, op in _BINARY.items()})
_DUNDERS.update({"__lt__": ("lt", False), "__le__": ("le", False), "__gt__": ("gt", False),
                 "__ge__": ("ge", False), "__neg__": ("neg", False), "__pos__": ("pos", False),
                 "__invert__": ("invert", False), "__abs__": ("abs", False), "__float__": ("float", False),
                 "__int__": ("int", False), "__complex__": ("complex", False), "__round__": ("round", False)})
# Forwarded only when the class body defines them: without, Python's own behaviour stands
# (fields compared, the object true, no len).
_WRITTEN_ONLY = {"__eq__": ("eq", False), "__ne__": ("ne", False), "__bool__": ("bool", False),
                 "__len__": ("len", False), "__call__": ("call", False)}
_DUNDERS.update(_WRITTEN_ONLY)


def _written_operators(cls: type) -> dict:
    """The operator dunders the class body defines."""
    return {name: cls.__dict__[name] for name in _DUNDERS if name in cls.__dict__}


def _install_operators(cls: type, written: dict) -> None:
    """Give ``cls`` the dunder methods that forward Python's operators to the generic functions
    (``a + b`` from Python is ``ops.add(a, b)``, as in compiled code), and make each operator
    dunder written in the class body a method of its generic function, with ``self`` of this
    type (a reflected one, ``__radd__``, with ``self`` second). ``==`` from Python compares
    fields unless the body defines ``__eq__``; an instance is true and has no ``len`` unless
    the body defines ``__bool__`` or ``__len__``."""
    for name, func in written.items():
        op_name, reflected = _DUNDERS[name]
        annotations = func.__annotations__
        annotations.setdefault(next(iter(inspect.signature(func).parameters)), cls)
        for param, ann in annotations.items():   # "V2" in V2's own body: the class being defined
            if ann == cls.__name__ or ann == cls.__qualname__:
                annotations[param] = cls
        library.named(op_name).method(_swapped(cls, name, func) if reflected else func)
    for name, (op_name, reflected) in _DUNDERS.items():
        if name not in _WRITTEN_ONLY or name in written:
            setattr(cls, name, _forwarder(library.named(op_name), reflected, name))


def _swapped(cls: type, name: str, func):
    """``__radd__(self, other)`` as the method ``add(other, self)``: a generic function of its
    own for the body, called with the operands swapped back."""
    body = GenericFunction(name, f"{cls.__qualname__}.{name}", cls.__module__, func.__doc__)
    body.method(func)
    self_name, other_name = list(inspect.signature(func).parameters)[:2]

    def reflected(other, self):
        return body(self, other)
    reflected.__annotations__ = {"other": func.__annotations__.get(other_name, Any),
                                 "self": func.__annotations__[self_name]}
    return reflected


def _forwarder(op, reflected: bool, name: str):
    if name in ("__neg__", "__pos__", "__invert__", "__abs__", "__float__", "__int__", "__complex__", "__bool__",
                "__len__"):
        def unary(self):
            return op(self)
        forward = unary
    elif name == "__call__":
        def calling(self, *args):
            return op(self, *args)
        forward = calling
    elif name == "__round__":
        def rounding(self, ndigits=None):
            return op(self) if ndigits is None else op(self, ndigits)
        forward = rounding
    elif reflected:
        def right(self, other):
            return op(other, self)
        forward = right
    else:
        def left(self, other):
            return op(self, other)
        forward = left
    forward.__name__ = forward.__qualname__ = name
    return forward


def _final(cls, _instance: bool = False, **kwargs):
    if not _instance:
        raise TypeError(f"cannot subclass the struct {cls.__mro__[1].__name__}: concrete types are final; "
                        "make an @abstract type and put both structs below it")


def _class_for(cls, params: tuple) -> type:
    """The Python class of the instances of ``cls`` at the concrete ``params``."""
    defn = _definition(cls)
    found = defn.classes.get(params)
    if found is not None:
        return found
    t = StructType(defn, params)
    if not t.is_concrete:
        raise TypeError(f"{t!r} is not a concrete type: it has no instances; give concrete parameters, "
                        f"as in {defn.name}[{', '.join('Float64' for _ in defn.typevars)}](...)")
    with _lock:
        if params not in defn.classes:
            name = f"{defn.name}[{', '.join(map(repr, params))}]"
            sub = type(defn.cls)(name, (defn.cls,), {"__slots__": (), "__module__": defn.cls.__module__,
                                                      "__qualname__": f"{defn.cls.__qualname__}{name[len(defn.name):]}"},
                                 _instance=True)
            _install_constructor(sub, t)
        return defn.classes[params]


def _dtype_for(cls, params: tuple) -> np.dtype:
    """The aligned structured dtype of ``cls`` at ``params``, with its type in the metadata (so
    ``typeof`` of an array of it names the struct); made once per type."""
    t = StructType(_definition(cls), params)
    cache = _dtypes.get(t)
    if cache is None:
        if t.mutable or not t.is_concrete:
            raise TypeError(f"{t!r} has no array dtype: only concrete immutable structs are stored in arrays")
        fields = [(name, _element_dtype(ft, t, name)) for name, ft in zip(t.field_names, t.field_types)]
        cache = _dtypes[t] = np.dtype(np.dtype(fields, align=True), metadata={STRUCT_KEY: t})
    return cache


_dtypes: dict = {}


def _element_dtype(ft: JType, t: StructType, name: str) -> np.dtype:
    if isinstance(ft, PrimitiveType):
        return ft.dtype
    if isinstance(ft, StructType) and not ft.mutable:
        return ft.dtype
    if isinstance(ft, TupleType):
        return np.dtype([(f"f{k}", _element_dtype(p, t, name)) for k, p in enumerate(ft.params)], align=True)
    raise TypeError(f"{t!r} has no array dtype: field '{name}' is a {ft!r} (arrays of structs hold plain data: "
                    "numbers, tuples of them and such structs)")


def _class_getitem(cls, params) -> StructType:
    """``Point[Float64]`` (a concrete type: call it to construct), ``Point[T]`` and
    ``Point[Real]`` (for annotations: any ``Point`` whose parameter is below ``Real``)."""
    defn = _definition(cls)
    params = params if isinstance(params, tuple) else (params,)
    if len(params) != len(defn.typevars):
        raise TypeError(f"{defn.name} takes {len(defn.typevars)} type parameter(s), got {len(params)}")
    tvmap: dict = {}
    types = tuple(_parameter(p, tvmap) for p in params)
    for tv, p in zip(defn.typevars, types):
        if not isinstance(p, TypeVar) and not issubtype(p, tv.bound):
            raise TypeError(f"{defn.name}[{', '.join(map(repr, types))}]: {p!r} is not below the bound "
                            f"{tv.bound!r} of {tv.name}")
    return StructType(defn, types)


def _parameter(p, tvmap: dict) -> JType:
    """A type parameter as written: a type, or a plain value (``Dual[1, Float64, 3]``: a number,
    a bool or a string, Julia's value parameters)."""
    if isinstance(p, (int, str)) and not isinstance(p, type):   # bool is an int
        return Literal(p)
    return from_annotation(p, tvmap)


# --- construction ----------------------------------------------------------------------------
def _install_constructor(cls: type, t: StructType) -> None:
    """Give the class of ``t``'s instances its ``__new__`` (fields converted to their types) and
    make it the class of ``t``'s values."""
    defn = t.definition
    env = {"_alloc": object.__new__, "_set": object.__setattr__}
    params, body = [], []
    for i, (name, ft) in enumerate(zip(defn.fields, t.field_types)):
        if name in defn.defaults:
            env[f"_d{i}"] = defn.defaults[name]
            params.append(f"{name}=_d{i}")
        else:
            params.append(name)
        env[f"_c{i}"] = _converter(ft, defn.name, name)
        fast = _fast_check(ft, name, env, i)
        convert = f"_c{i}({name})"
        body.append(f"    _set(self, {name!r}, {name} if {fast} else {convert})" if fast else
                    f"    _set(self, {name!r}, {convert})")
    if "__post_init__" in vars(defn.cls):
        body.append("    self.__post_init__()")
    source = (f"def __new__(cls, {', '.join(params)}):\n    self = _alloc(cls)\n" + "\n".join(body)
              + "\n    return self\n")
    exec(source, env)  # noqa: S102 - our own text, built from identifiers
    new = env["__new__"]
    new.__qualname__ = f"{cls.__qualname__}.__new__"
    cls.__new__ = new
    cls.__dispatchjit_converters__ = {n: env[f"_c{i}"] for i, n in enumerate(defn.fields)}
    defn.classes[t.params] = cls
    register_class(cls, t, instances=True)


_EXACT = {"Float64": float, "Bool": bool, "Complex128": complex}   # Python's own classes


def _fast_check(ft: JType, name: str, env: dict, i: int) -> str | None:
    """A cheap test that an argument is already a value of ``ft`` (so it is stored as it is)."""
    if isinstance(ft, PrimitiveType):
        if ft.name == "Int64":
            return f"(type({name}) is int and {INT64_MIN} <= {name} <= {INT64_MAX})"
        env[f"_t{i}"] = _EXACT.get(ft.name) or ft.dtype.type
        return f"type({name}) is _t{i}"
    if isinstance(ft, StructType):
        env[f"_t{i}"] = ft.pyclass
        return f"type({name}) is _t{i}"
    return None


def _converter(ft: JType, struct_name: str, field_name: str):
    """The function converting a constructor argument to field type ``ft`` (Julia's
    ``convert(ft, x)``): numbers convert when the value is exact (else ``InexactError``), tuples
    elementwise; anything else must already be of the field's type (a ``MethodError`` says so)."""
    def fail(x, why: str = ""):
        try:
            what = repr(typeof(x))
        except (TypeError, OverflowError):
            what = type(x).__name__
        return MethodError(f"cannot convert the argument for field '{field_name}' of {struct_name} "
                           f"({what}) to {ft!r}{why}")

    if isinstance(ft, PrimitiveType):
        return lambda x: _convert_number(ft, x, fail)
    if isinstance(ft, TupleType):
        parts = [_converter(p, struct_name, f"{field_name}[{k}]") for k, p in enumerate(ft.params)]

        def convert_tuple(x):
            if not isinstance(x, tuple) or len(x) != len(parts):
                raise fail(x, f": a tuple of {len(parts)} values is needed")
            return tuple(c(v) for c, v in zip(parts, x))
        return convert_tuple

    def convert_other(x):
        try:
            t = typeof(x)
        except (TypeError, OverflowError):
            raise fail(x) from None
        if issubtype(t, ft):
            return x
        try:
            converted = library.named("convert")(ft, x)   # users' convert methods
        except MethodError:
            raise fail(x, f": no method matching convert(::Type[{ft!r}], ::{t!r})") from None
        if not issubtype(typeof(converted), ft):
            raise fail(x, f": convert returned a {typeof(converted)!r}")
        return converted
    return convert_other


def _convert_number(ft: PrimitiveType, x, fail):
    try:
        t = typeof(x)
    except (TypeError, OverflowError):
        raise fail(x) from None
    if not isinstance(t, PrimitiveType):
        raise fail(x)
    if ft.kind in ("float", "complex"):
        if ft.kind == "float" and t.kind == "complex":
            if complex(x).imag != 0:
                raise InexactError(f"{x!r} has an imaginary part: it does not convert to {ft!r}")
            x = complex(x).real
        return ft.pytype(x)
    if t.kind == "complex":
        c = complex(x)
        if c.imag != 0:
            raise InexactError(f"{x!r} has an imaginary part: it does not convert to {ft!r}")
        x = c.real
    if t.kind in ("float", "complex"):
        if not float(x).is_integer():
            raise InexactError(f"{x!r} is not an integer: it does not convert to {ft!r} exactly")
    value = int(x)
    lo, hi = ft.int_range
    if not lo <= value <= hi:
        raise InexactError(f"{x!r} is out of the range of {ft!r}")
    return ft.pytype(value)


def _outer_new(default, constructors):
    """A struct class's ``__new__`` once it has outer constructors: one that applies to the
    arguments' types runs; otherwise the default constructor."""
    applies: dict = {}   # (argument types, methods defined) -> whether an outer one applies

    def __new__(cls, *args, **kwargs):
        if not kwargs and cls is _definition(cls).cls:
            try:
                key = (tuple(map(typeof, args)), len(constructors.table.methods))
            except (TypeError, OverflowError):
                return default(cls, *args, **kwargs)
            found = applies.get(key)
            if found is None:
                found = applies[key] = _resolves(constructors, key[0])
            if found:
                return constructors(*args)
        return default(cls, *args, **kwargs)
    return __new__


def _resolves(f: GenericFunction, argtypes: tuple) -> bool:
    """Whether a call of ``f`` at these types reaches one of its methods (or an ambiguity
    among them, which the call then reports)."""
    try:
        f.resolve_types(argtypes)
    except AmbiguityError:
        return True
    except MethodError:
        return False
    return True


def _infer_parameters(cls, *args, **kwargs):
    """``Point(1, 2)``: the parameters from the arguments' types, by the same rules as a method
    call (one ``T`` for ``x: T, y: T``: the diagonal rule); remembered per argument types."""
    defn = _definition(cls)
    values = args if not kwargs and len(args) == len(defn.fields) else _bind(defn, args, kwargs)
    types = tuple(map(typeof, values))
    concrete = _inferred.get((defn, types))
    if concrete is None:
        params = struct_parameters(defn, types)
        if params is None:
            shown = ", ".join(f"::{t!r}" for t in types)
            wanted = ", ".join(f"{n}: {t!r}" for n, t in zip(defn.fields, defn.field_types))
            bounds = ", ".join(f"{tv.name} <: {tv.bound!r}" for tv in defn.typevars)
            raise MethodError(f"no method matching {defn.name}({shown}): the fields ({wanted}) where {bounds} "
                              f"do not fit these arguments; convert them to one type, or give the parameters: "
                              f"{defn.name}[{', '.join('Float64' for _ in defn.typevars)}](...)")
        concrete = _inferred[(defn, types)] = _class_for(cls, params)
    return concrete(*values)


_inferred: dict = {}   # (definition, argument types) -> the class of the instance made


def _bind(defn: StructDef, args: tuple, kwargs: dict) -> tuple:
    if len(args) > len(defn.fields):
        raise TypeError(f"{defn.name}() takes {len(defn.fields)} field value(s), got {len(args)}")
    values = dict(zip(defn.fields, args))
    for name, v in kwargs.items():
        if name not in defn.fields:
            raise TypeError(f"{defn.name}() has no field {name!r} (its fields: {', '.join(defn.fields)})")
        if name in values:
            raise TypeError(f"{defn.name}() got field {name!r} twice")
        values[name] = v
    missing = [n for n in defn.fields if n not in values and n not in defn.defaults]
    if missing:
        raise TypeError(f"{defn.name}() is missing the field value(s) {', '.join(missing)}")
    return tuple(values[n] if n in values else defn.defaults[n] for n in defn.fields)


# --- Python behaviour of instances -----------------------------------------------------------
def _repr(self) -> str:
    parts = ", ".join(f"{n}={getattr(self, n)!r}" for n in _definition(type(self)).fields)
    return f"{typeof(self)!r}({parts})"


def _values(self) -> tuple:
    return tuple(getattr(self, n) for n in _definition(type(self)).fields)


def _same_value(a, b) -> bool:
    # Arrays are compared by identity (Julia's === on the fields), everything else by ==.
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b
    return bool(a == b)


def _eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    return all(_same_value(a, b) for a, b in zip(_values(self), _values(other)))


def _hash(self) -> int:
    return hash((type(self), *(id(v) if isinstance(v, np.ndarray) else v for v in _values(self))))


def _set_immutable(self, name, value):
    defn = _definition(type(self))
    if name in defn.fields:
        raise dataclasses.FrozenInstanceError(
            f"cannot assign to field '{name}': {typeof(self)!r} is an immutable struct; make a new one "
            f"({defn.name}(...)), or declare it @struct(mutable=True)")
    raise AttributeError(f"{typeof(self)!r} has no field '{name}' (its fields: {', '.join(defn.fields)})")


def _set_mutable(self, name, value):
    converter = type(self).__dispatchjit_converters__.get(name)
    if converter is None:
        defn = _definition(type(self))
        raise AttributeError(f"{typeof(self)!r} has no field '{name}' (its fields: {', '.join(defn.fields)})")
    object.__setattr__(self, name, converter(value))


def _delete_field(self, name):
    raise AttributeError(f"cannot delete field '{name}' of {typeof(self)!r}: a struct keeps all its fields")


def _reduce(self):
    return _rebuild, (typeof(self), _values(self))


def _rebuild(t: StructType, values: tuple):
    """Unpickle: the values were the fields of an instance of ``t``, so they are stored as they are."""
    obj = object.__new__(t.pyclass)
    for name, v in zip(t.field_names, values):
        object.__setattr__(obj, name, v)
    return obj


def _same(self):
    return self   # an immutable value: a copy would be indistinguishable


def _shallow_copy(self):
    return _rebuild(typeof(self), _values(self))


# --- reading the class written ---------------------------------------------------------------
def _supertype(cls: type) -> tuple[AbstractType, tuple, type]:
    """The lattice supertype named by ``cls``'s bases, its ``Generic`` parameters, and the
    Python base class the new class derives from."""
    parent, typevars, pybase = Any, (), object
    for base in cls.__dict__.get("__orig_bases__", cls.__bases__):
        if base is object or base is typing.Generic:
            continue
        if typing.get_origin(base) is typing.Generic:
            typevars = typing.get_args(base)
            continue
        if isinstance(base, type) and hasattr(base, "__dispatchjit_struct__"):
            raise TypeError(f"{cls.__name__} cannot subclass the struct {base.__name__}: concrete types are final; "
                            "make an @abstract type and put both structs below it")
        t = from_annotation(base) if isinstance(base, type) else base
        if not isinstance(t, AbstractType):
            raise TypeError(f"{cls.__name__}: a base class must be an @abstract class or an abstract lattice type "
                            f"(Number, Real, AbstractFloat...), not {base!r}")
        if parent is not Any:
            raise TypeError(f"{cls.__name__} has two supertypes ({parent!r} and {t!r}); a type has one")
        parent = t
        if isinstance(t, UserAbstractType):
            pybase = t.cls
    return parent, typevars, pybase


def _own_annotations(cls) -> dict:
    hints = inspect.get_annotations(cls, eval_str=True)
    return {n: h for n, h in hints.items() if typing.get_origin(h) is not typing.ClassVar and h is not typing.ClassVar}


def _check_unannotated(cls, hints: dict) -> None:
    for name, value in cls.__dict__.items():
        if name.startswith("__") or name in hints:
            continue
        if callable(value) or isinstance(value, (property, staticmethod, classmethod)) or inspect.isdatadescriptor(value):
            continue
        raise TypeError(f"field '{name}' of {cls.__name__} has no type annotation: write `{name}: "
                        f"{type(value).__name__} = {value!r}` (compiled structs need each field's type)")


def _check_default_order(name: str, names: tuple, defaults: dict) -> None:
    seen_default = None
    for n in names:
        if n in defaults:
            seen_default = n
        elif seen_default is not None:
            raise TypeError(f"{name}: field '{n}' without a default follows '{seen_default}', which has one")


def _field_type(struct_name: str, name: str, annotation, tvmap: dict) -> JType:
    """The lattice type of one field; types compiled code cannot hold by value are errors here,
    at the definition."""
    try:
        t = from_annotation(annotation, tvmap)
    except TypeError as err:
        raise TypeError(f"field '{name}' of {struct_name}: {err}") from None
    return _storable(struct_name, name, t)


def _storable(struct_name: str, name: str, t: JType) -> JType:
    where = f"field '{name}' of {struct_name}"
    if isinstance(t, TypeVar) or isinstance(t, (PrimitiveType, StructType)) or t is Nothing:
        return t
    if isinstance(t, TupleType) and t.vararg is None:
        return TupleType(tuple(_storable(struct_name, name, p) for p in t.params))
    if isinstance(t, NTupleType):   # NTuple[N, T]: as many as the parameter N says
        return NTupleType(t.count, _storable(struct_name, name, t.elt))
    if isinstance(t, ArrayType):
        if t.ndim is None:
            raise TypeError(f"{where}: an array field needs its number of dimensions, as in Array[Float64, 1]")
        if not (t.dtype.is_concrete or isinstance(t.dtype, TypeVar)):
            raise TypeError(f"{where}: the element type {t.dtype!r} is abstract; use a concrete one or a type parameter")
        return ArrayType(t.dtype, t.ndim, t.layout or "A")   # any layout unless one is named
    raise TypeError(f"{where} has the type {t!r}, which a compiled struct cannot hold: use a concrete type "
                    "(Float64, Int64, a tuple, an array, another struct) or a type parameter "
                    "(T = TypeVar('T', bound=Real); class S(Generic[T]))")


def _remake(cls: type, pybase: type, extra: dict, drop: tuple = ()) -> type:
    """A new class with ``cls``'s body (its methods), ``pybase`` as its base and ``extra`` added:
    ``__slots__`` can only be given when a class is created."""
    skip = {"__dict__", "__weakref__", "__orig_bases__", "__parameters__", *drop}
    ns = {k: v for k, v in cls.__dict__.items() if k not in skip}
    ns.update(extra)
    if type(cls) not in (type, TypeClass):
        raise TypeError(f"{cls.__name__}: a user type's class cannot have the metaclass {type(cls).__name__}")
    new = TypeClass(cls.__name__, (pybase,), ns)
    new.__qualname__ = cls.__qualname__
    return new


closures.make_struct = struct   # closures are structs made while compiling (see closures)
