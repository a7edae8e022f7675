"""The type lattice: Julia's numeric tower and the concrete types values have at run time.

Every type is a small immutable, hashable record, so tuples of them key the method caches and
the specialization table directly. Types print by their Julia names (``Float64``,
``Tuple[Int64, Float64]``). Subtyping and specificity live in ``subtype.py``; this module only
says what the types are, how a Python value or annotation maps onto them, and how numeric types
promote.
"""

from __future__ import annotations

import numbers
import types as pytypes
import typing
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "JType", "AbstractType", "PrimitiveType", "SingletonType", "TupleType", "UnionType", "TypeType",
    "FunctionType", "PyObjectType", "TypeVar", "ArrayType", "Literal", "NTupleType", "NTuple", "ntuple_type",
    "ValType", "Val", "Boxed", "is_lazy",
    "StructDef", "StructType", "UserAbstractType", "register_class", "substitute", "map_components", "type_key",
    "Any", "Number", "Real", "Integer", "Signed", "Unsigned", "AbstractFloat", "AbstractArray",
    "Bool", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
    "Float16", "Float32", "Float64", "Complex64", "Complex128", "Nothing", "Bottom", "Tuple", "Type", "Array",
    "typeof", "from_annotation", "promote_type", "join_types", "make_union",
]


class JType:
    """Base of every lattice type. ``A | B`` builds a Union, as in annotations.

    Named types (the tower, the primitives, ``Nothing``) exist once each and compare by identity;
    structural ones (tuples, arrays, unions, ``Type[T]``) compare by value and cache their hash,
    because tuples of types key the dispatch caches on every call."""

    __slots__ = ()

    @property
    def is_concrete(self) -> bool:
        return False

    def __or__(self, other):
        return make_union(self, from_annotation(other))

    def __ror__(self, other):
        return make_union(from_annotation(other), self)


class _Structural(JType):
    """Value-compared types cache their hash (computed once, from their fields)."""

    __slots__ = ("_hash",)

    def __post_init__(self):
        object.__setattr__(self, "_hash", hash((type(self).__name__,
                                                *(getattr(self, f) for f in self.__dataclass_fields__))))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        # Rebuild through the constructor, which computes the cached hash.
        return type(self), tuple(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass(frozen=True, slots=True, eq=False)
class AbstractType(JType):
    """A node of the abstract tower (``Real``, ``Integer``...): no value has it as its type."""

    def __reduce__(self):
        return self.name  # pickled by reference: one object per named type

    name: str
    parent: AbstractType | None

    def __repr__(self) -> str:
        return self.name

    def __mro_entries__(self, bases):
        # ``class MyNum(Number)``: a lattice type named as a base is the supertype ``@struct``
        # and ``@abstract`` read from ``__orig_bases__``; the Python class derives from object.
        return ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class UserAbstractType(AbstractType):
    """An ``@abstract`` class: a node of the tower below ``parent``, standing for ``cls``."""

    cls: type = None

    def __reduce__(self):
        return from_annotation, (self.cls,)   # by reference to the class


@dataclass(frozen=True, slots=True, eq=False)
class PrimitiveType(JType):
    """A concrete bits type. ``kind`` is one of int, uint, bool, float, complex; ``bits`` its width
    (for complex, the width of the pair)."""

    def __reduce__(self):
        return self.name  # pickled by reference: one object per named type

    name: str
    parent: AbstractType
    kind: str
    bits: int

    @property
    def is_concrete(self) -> bool:
        return True

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(_DTYPE_NAMES[self.name])

    @property
    def pytype(self) -> type:
        """The Python class a value of this type is boxed as (Python's own for the types Python has,
        else the NumPy scalar type), so results keep their Julia type across the boundary."""
        return _BOXED_AS.get(self.name) or self.dtype.type

    def __call__(self, value):
        """``Float32(1.5)``: convert a Python value, as Julia's constructors do."""
        return self.pytype(value)

    @property
    def int_range(self) -> tuple[int, int]:
        """The smallest and largest value of an integer type (Bool: 0 and 1)."""
        if self.kind == "bool":
            return 0, 1
        if self.kind == "uint":
            return 0, (1 << self.bits) - 1
        return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, eq=False)
class SingletonType(JType):
    """A type with exactly one value, ``Nothing`` (the type of ``None``)."""

    def __reduce__(self):
        return self.name  # pickled by reference: one object per named type

    name: str

    @property
    def is_concrete(self) -> bool:
        return True

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TupleType(_Structural):
    """``Tuple[A, B]``; ``vararg`` set means any number of trailing ``vararg`` elements
    (``Tuple[Int64, ...]``). Tuples are covariant, as in Julia."""

    __hash__ = _Structural.__hash__

    params: tuple[JType, ...]
    vararg: JType | None = None

    @property
    def is_concrete(self) -> bool:
        return self.vararg is None and all(p.is_concrete for p in self.params)

    def __repr__(self) -> str:
        if self.vararg is not None:
            return f"Tuple[{', '.join(map(repr, self.params + (self.vararg,)))}, ...]"
        if not self.params:
            return "Tuple[()]"
        return f"Tuple[{', '.join(map(repr, self.params))}]"


@dataclass(frozen=True, slots=True)
class NTupleType(_Structural):
    """``NTuple[N, T]`` with ``N`` a type variable: a tuple of ``N`` elements of type ``T``
    (Julia's ``NTuple{N,T}``), so a struct field or a parameter can say "as many as the
    parameter ``N``". Build with ``ntuple_type``: once ``N`` is a number it is the plain
    ``TupleType`` of that length."""

    __hash__ = _Structural.__hash__

    count: JType
    elt: JType

    def __repr__(self) -> str:
        return f"NTuple[{self.count!r}, {self.elt!r}]"


def ntuple_type(count: JType, elt: JType) -> JType:
    """``NTuple[count, elt]``: a ``TupleType`` when ``count`` is a known length; a tuple of any
    length when it is abstract (no value given); else the pattern, ``count`` a variable."""
    if isinstance(count, Literal):
        n = count.value
        if type(n) is not int or n < 0:
            raise TypeError(f"NTuple[N, T] needs a non-negative int N, got {n!r}")
        return TupleType((elt,) * n)
    if isinstance(count, TypeVar):
        return NTupleType(count, elt)
    return TupleType((), elt)


@dataclass(frozen=True, slots=True)
class UnionType(_Structural):
    """``Union[A, B]``; the empty union is ``Bottom`` (Julia's ``Union{}``), the type of an
    expression that never produces a value. Build with ``make_union``, which normalizes."""

    __hash__ = _Structural.__hash__

    members: frozenset[JType]

    def __repr__(self) -> str:
        return f"Union[{', '.join(sorted(map(repr, self.members)))}]"


@dataclass(frozen=True, slots=True)
class TypeType(_Structural):
    """``Type[T]``: the type of the type object ``T`` itself, so ``f(Int64)`` can dispatch on it."""

    __hash__ = _Structural.__hash__

    param: JType

    @property
    def is_concrete(self) -> bool:
        return not isinstance(self.param, TypeVar)

    def __repr__(self) -> str:
        return f"Type[{self.param!r}]"


@dataclass(frozen=True, slots=True)
class Literal(_Structural):
    """A plain value used as a type parameter: the ``3`` in ``Val[3]``."""

    __hash__ = _Structural.__hash__

    value: typing.Any

    @property
    def is_concrete(self) -> bool:
        return True

    def __repr__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class ValType(TypeType):
    """``Val[3]``: the type of ``Val(3)``, one type per value, so a function can specialize on
    a size or a flag (Julia's ``Val{N}``). ``Val[N]`` with a type variable binds ``N`` to the
    value by dispatch, as ``Type[T]`` binds ``T``; in the body ``N`` is that constant."""

    __hash__ = _Structural.__hash__

    def __repr__(self) -> str:
        return f"Val[{self.param!r}]"


class Boxed:
    """The class standing for any object in a ``nospecialize`` parameter's compiled type
    (``PyObject[Boxed]``): the value is passed through, its real type unknown to the compiler."""


class Val:
    """A value lifted to the type level: ``f(x, Val(3))`` compiles ``f`` for 3 specifically."""

    __slots__ = ("value",)

    def __init__(self, value):
        typeof(value)  # must be a value the compiler can hold (a number, a tuple of them...)
        self.value = value

    def __class_getitem__(cls, param) -> ValType:
        if isinstance(param, (JType, typing.TypeVar)):
            return ValType(from_annotation(param))
        return ValType(Literal(param))

    def __eq__(self, other) -> bool:
        return isinstance(other, Val) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Val", self.value))

    def __repr__(self) -> str:
        return f"Val({self.value!r})"


@dataclass(frozen=True, slots=True, eq=False)
class FunctionType(JType):
    """The singleton type of one generic function: a function passed as an argument is known at
    compile time, so calls through it are direct. Compared by identity of the function."""

    func: typing.Any

    @property
    def is_concrete(self) -> bool:
        return True

    def __eq__(self, other) -> bool:
        return isinstance(other, FunctionType) and other.func is self.func

    def __hash__(self) -> int:
        return hash(("FunctionType", id(self.func)))

    def __repr__(self) -> str:
        return f"typeof({self.func.__name__})"


@dataclass(frozen=True, slots=True)
class PyObjectType(_Structural):
    """A Python class the compiler has no type for (``str``, user objects). Such values dispatch
    to methods accepting ``Any`` (or their class), pass through compiled code untouched, and any
    operation on them is a ``TypingError``. Subtyping follows the Python class hierarchy."""

    __hash__ = _Structural.__hash__

    cls: type

    @property
    def is_concrete(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"PyObject[{self.cls.__qualname__}]"


@dataclass(frozen=True, slots=True, eq=False)
class TypeVar(JType):
    """Julia's ``where T <: bound``. Each annotation's ``typing.TypeVar`` maps to one of these,
    compared by identity, so two methods may both use a ``T`` without meaning the same one.
    ``origin`` is that ``typing.TypeVar``: it lets ``from_annotation`` make the ``T`` inside
    ``Tuple[T, T]`` (built before the function's annotations are read) the same variable as a
    plain ``y: T`` of the same function."""

    name: str
    bound: JType
    origin: typing.Any = field(default=None, compare=False)

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ArrayType(_Structural):
    """``Array[T, N, layout]``; in annotations ``ndim``/``layout`` may be ``None`` (free) and the
    element type abstract (``Array[Real, 1]`` is Julia's ``Array{<:Real,1}``). Layout is 'C', 'F'
    or 'A' (any strides)."""

    __hash__ = _Structural.__hash__

    dtype: JType
    ndim: int | None = None
    layout: str | None = None

    @property
    def is_concrete(self) -> bool:
        return self.dtype.is_concrete and self.ndim is not None and self.layout is not None

    def __repr__(self) -> str:
        parts = [repr(self.dtype)]
        if self.ndim is not None or self.layout is not None:
            parts.append("N" if self.ndim is None else str(self.ndim))
        if self.layout is not None:
            parts.append(self.layout)
        return f"Array[{', '.join(parts)}]"


class StructDef:
    """What ``@struct`` read from one class definition (``dispatchjit.structs`` builds it): the
    name, supertype, type parameters (``Generic[T]``), fields with their annotated types (which may
    mention the parameters) and defaults, and whether instances are mutable. A redefinition of
    the class makes a new one, so a new type: code compiled for the old one keeps serving old
    instances. ``classes`` maps each concrete parameter tuple to the Python class of its
    instances; ``constructors`` holds the outer constructors (``@Point.method``) as a generic
    function; ``fingerprint`` names the definition for the on-disk cache."""

    __slots__ = ("name", "cls", "parent", "typevars", "fields", "field_types", "defaults", "mutable",
                 "fingerprint", "classes", "constructors", "checked", "lazy", "__weakref__")

    def __init__(self, name, cls, parent, typevars, fields, field_types, defaults, mutable, fingerprint):
        self.name, self.cls, self.parent, self.typevars = name, cls, parent, typevars
        self.fields, self.field_types, self.defaults = fields, field_types, defaults
        self.mutable, self.fingerprint = mutable, fingerprint
        self.classes: dict[tuple, type] = {}
        self.constructors = None   # the generic function of the outer constructors (structs.py)
        self.checked = None        # for a class with __post_init__: the function running it
        self.lazy = False          # the library's Broadcasted: an array expression not computed yet

    def field_types_for(self, params: tuple[JType, ...]) -> tuple[JType, ...]:
        if not self.typevars:
            return self.field_types
        mapping = dict(zip(self.typevars, params))
        return tuple(substitute(t, mapping) for t in self.field_types)

    def __reduce__(self):
        return _definition_of, (self.cls,)   # by reference to the class

    def __repr__(self) -> str:
        return f"<struct definition {self.name}>"


def is_lazy(t) -> bool:
    """Whether ``t`` is the type of an array expression not computed yet (the library's
    Broadcasted: its definition is marked ``lazy``)."""
    return isinstance(t, StructType) and t.definition.lazy


def _definition_of(cls) -> StructDef:
    return cls.__dispatchjit_struct__


@dataclass(frozen=True, slots=True)
class StructType(_Structural):
    """A ``@struct``: ``Circle``, or a parametric one at its parameters, ``Point[Float64]``.
    Concrete when every parameter is; parameters are invariant, so in an annotation an abstract
    parameter means "any concrete one below it" (``Point[Real]`` is Julia's ``Point{<:Real}``)
    and the bare class means all of them. Immutable structs are values (compiled by value);
    mutable ones are objects shared by reference."""

    __hash__ = _Structural.__hash__

    definition: StructDef
    params: tuple[JType, ...] = ()

    @property
    def is_concrete(self) -> bool:
        return len(self.params) == len(self.definition.typevars) and all(p.is_concrete for p in self.params)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def parent(self) -> AbstractType:
        return self.definition.parent

    @property
    def mutable(self) -> bool:
        return self.definition.mutable

    @property
    def field_names(self) -> tuple[str, ...]:
        return self.definition.fields

    @property
    def field_types(self) -> tuple[JType, ...]:
        return self.definition.field_types_for(self.params)

    @property
    def pyclass(self) -> type:
        """The Python class of this type's instances (concrete types only)."""
        return self.definition.cls.__dispatchjit_class_for__(self.params)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy structured dtype of an array of these (plain-data, immutable structs only):
        ``np.zeros(n, Point[Float64].dtype)`` is a vector of points."""
        return self.definition.cls.__dispatchjit_dtype__(self.params)

    def __call__(self, *args, **kwargs):
        """``Point[Float64](1, 2)``: construct, converting each argument to its field's type."""
        return self.pyclass(*args, **kwargs)

    def __repr__(self) -> str:
        tvs = self.definition.typevars
        if not tvs or self.params == tuple(tv.bound for tv in tvs):
            return self.name
        return f"{self.name}[{', '.join(map(repr, self.params))}]"


# --- the tower -------------------------------------------------------------------------------
Any = AbstractType("Any", None)
Number = AbstractType("Number", Any)
Real = AbstractType("Real", Number)
Integer = AbstractType("Integer", Real)
Signed = AbstractType("Signed", Integer)
Unsigned = AbstractType("Unsigned", Integer)
AbstractFloat = AbstractType("AbstractFloat", Real)
AbstractArray = AbstractType("AbstractArray", Any)

Bool = PrimitiveType("Bool", Integer, "bool", 1)
Int8, Int16, Int32, Int64 = (PrimitiveType(f"Int{b}", Signed, "int", b) for b in (8, 16, 32, 64))
UInt8, UInt16, UInt32, UInt64 = (PrimitiveType(f"UInt{b}", Unsigned, "uint", b) for b in (8, 16, 32, 64))
Float16 = PrimitiveType("Float16", AbstractFloat, "float", 16)
Float32 = PrimitiveType("Float32", AbstractFloat, "float", 32)
Float64 = PrimitiveType("Float64", AbstractFloat, "float", 64)
Complex64 = PrimitiveType("Complex64", Number, "complex", 64)
Complex128 = PrimitiveType("Complex128", Number, "complex", 128)
Nothing = SingletonType("Nothing")
Bottom = UnionType(frozenset())

PRIMITIVES = (Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64,
              Float16, Float32, Float64, Complex64, Complex128)
_DTYPE_NAMES = {t.name: t.name.lower() for t in PRIMITIVES}
_BOXED_AS = {"Int64": int, "Float64": float, "Bool": bool, "Complex128": complex}
_BY_DTYPE = {t.dtype: t for t in PRIMITIVES}


STRUCT_KEY = "dispatchjit.struct"   # a struct's dtype carries its type in its metadata


def dtype_to_type(dtype: np.dtype) -> JType:
    """The element type of a NumPy dtype; a TypeError names dtypes we do not compile."""
    dtype = np.dtype(dtype)
    try:
        return _BY_DTYPE[dtype]
    except KeyError:
        if dtype.metadata and STRUCT_KEY in dtype.metadata:
            return dtype.metadata[STRUCT_KEY]
        if dtype.names is not None:
            raise TypeError(f"the structured dtype {dtype} is not a struct's: make the array with a struct's dtype "
                            "(np.zeros(n, Point[Float64].dtype))") from None
        if dtype.newbyteorder("=") in _BY_DTYPE:
            raise TypeError(f"dtype {dtype} is in non-native byte order; convert the array with "
                            f".astype({dtype.newbyteorder('=').name!r}) first") from None
        raise TypeError(f"dtype {dtype} has no dispatchjit element type (bool, integer, float and "
                        "complex dtypes are supported)") from None


# --- type constructors used in annotations ---------------------------------------------------
class _TupleConstructor:
    """``Tuple[Int64, Float64]``, ``Tuple[Int64, ...]``, ``Tuple[()]``; bare ``Tuple`` is any tuple."""

    def __getitem__(self, params) -> TupleType:
        if not isinstance(params, tuple):
            params = (params,)
        if params == ((),):
            return TupleType(())
        typevars: dict = {}  # one T for every T in these brackets
        if len(params) >= 2 and params[-1] is Ellipsis:
            *fixed, last = params[:-1]
            return TupleType(tuple(from_annotation(p, typevars) for p in fixed),
                             from_annotation(last, typevars))
        return TupleType(tuple(from_annotation(p, typevars) for p in params))

    def __repr__(self) -> str:
        return "Tuple"


class _NTupleConstructor:
    """``NTuple[3, Float64]`` is ``Tuple[Float64, Float64, Float64]``; ``NTuple[N, T]`` with a
    ``TypeVar`` ``N`` binds ``N`` to the length (a struct field ``partials: NTuple[N, T]``)."""

    def __getitem__(self, params) -> JType:
        if not (isinstance(params, tuple) and len(params) == 2):
            raise TypeError("NTuple takes [N, T]: a length (an int or a TypeVar) and an element type")
        count, elt = params
        typevars: dict = {}
        count = from_annotation(count, typevars) if isinstance(count, (typing.TypeVar, TypeVar)) else Literal(count)
        return ntuple_type(count, from_annotation(elt, typevars))

    def __repr__(self) -> str:
        return "NTuple"


class _TypeConstructor:
    """``Type[Int64]`` is the type of the value ``Int64``; ``Type[T]`` binds ``T`` by dispatch."""

    def __getitem__(self, param) -> TypeType:
        return TypeType(from_annotation(param))

    def __repr__(self) -> str:
        return "Type"


class _ArrayConstructor:
    """``Array[Real, 1]`` (Julia's ``Array{<:Real,1}``), ``Array[Float64, 2, 'C']``, ``Array[T, 1]``
    (``T`` binds the element type exactly); an omitted or ``None`` ndim/layout is free."""

    def __getitem__(self, params) -> ArrayType:
        if not isinstance(params, tuple):
            params = (params,)
        if not 1 <= len(params) <= 3:
            raise TypeError(f"Array takes [dtype, ndim, layout], got {len(params)} parameters")
        dtype, ndim, layout = params + (None,) * (3 - len(params))
        if ndim is not None and not (isinstance(ndim, int) and ndim >= 0):
            raise TypeError(f"Array ndim must be a non-negative int or None, got {ndim!r}")
        if layout not in (None, "C", "F", "A"):
            raise TypeError(f"Array layout must be 'C', 'F', 'A' or None, got {layout!r}")
        return ArrayType(from_annotation(dtype), ndim, layout)

    def __repr__(self) -> str:
        return "Array"


Tuple = _TupleConstructor()
NTuple = _NTupleConstructor()
Type = _TypeConstructor()
Array = _ArrayConstructor()
ANY_TUPLE = TupleType((), Any)
ANY_TYPE = TypeType(Any)


def make_union(*members: JType) -> JType:
    """Flatten nested unions and drop duplicates; one member is itself, none is ``Bottom``."""
    flat: set[JType] = set()
    for m in members:
        flat.update(m.members if isinstance(m, UnionType) else (m,))
    if Any in flat:
        return Any
    if len(flat) == 1:
        return next(iter(flat))
    return UnionType(frozenset(flat))


# --- values to types -------------------------------------------------------------------------
_SCALAR_TYPES: dict[type, JType] = {float: Float64, bool: Bool, complex: Complex128, type(None): Nothing}
_SCALAR_TYPES.update({t.dtype.type: t for t in PRIMITIVES})
_PY_CLASSES: dict[typing.Any, JType] = {int: Int64, float: Float64, bool: Bool, complex: Complex128,
                                        type(None): Nothing, object: Any, typing.Any: Any,
                                        numbers.Number: Number, numbers.Complex: Number,
                                        numbers.Real: Real, numbers.Integral: Integer}
_PY_CLASSES.update({t.dtype.type: t for t in PRIMITIVES})
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# The built-in Python classes that are type values (``f(int)`` passes ``Type[Int64]``), not opaque
# objects; user types' classes are too, and have their own metaclass (``structs.TypeClass``).
TYPE_VALUES = tuple(c for c in _PY_CLASSES if isinstance(c, type))



def register_class(cls: type, t: JType, instances: bool) -> None:
    """Make the class ``cls`` stand for ``t`` in annotations and as a value (``Type[t]``), and,
    with ``instances``, make ``t`` the type of its instances (``@struct`` and ``@abstract``)."""
    _PY_CLASSES[cls] = t
    if instances:
        _SCALAR_TYPES[cls] = t


# Classes defined elsewhere that know their own lattice type (generic functions register here),
# so this module need not import the modules that define them.
TYPEOF_HOOKS: dict[type, typing.Callable[[typing.Any], JType]] = {}


def typeof(value) -> JType:
    """The concrete lattice type of a runtime value: what dispatch and specialization key on."""
    cls = type(value)
    t = _SCALAR_TYPES.get(cls)
    if t is not None:
        return t
    if cls is int:
        if INT64_MIN <= value <= INT64_MAX:
            return Int64
        raise OverflowError(f"integer {value} does not fit in Int64 (dispatchjit integers are 64-bit)")
    if cls is tuple:
        return TupleType(tuple(map(typeof, value)))
    if cls is np.ndarray:
        return ArrayType(dtype_to_type(value.dtype), value.ndim, _layout(value))
    if cls is Val:
        return ValType(Literal(value.value))
    hook = TYPEOF_HOOKS.get(cls)
    if hook is not None:
        return hook(value)
    if isinstance(value, JType) or isinstance(value, type) and value in _PY_CLASSES:
        return TypeType(from_annotation(value))
    return PyObjectType(cls)


def _layout(a: np.ndarray) -> str:
    if a.flags.c_contiguous:
        return "C"
    return "F" if a.flags.f_contiguous else "A"


# --- annotations to types --------------------------------------------------------------------
def from_annotation(ann, typevars: dict | None = None) -> JType:
    """Map a parameter annotation to a lattice type. ``typevars`` memoizes ``typing.TypeVar``s so
    one method's ``T`` is one variable across its parameters. A TypeError names what is not a
    type."""
    if typevars is None:
        typevars = {}
    if isinstance(ann, JType):
        return _adopt(ann, typevars)
    if ann is None:
        return Nothing
    if isinstance(ann, typing.TypeVar):
        if ann not in typevars:
            bound = Any if ann.__bound__ is None else from_annotation(ann.__bound__, typevars)
            typevars[ann] = TypeVar(ann.__name__, bound, ann)
        return typevars[ann]
    if ann is Tuple or ann is tuple or ann is typing.Tuple:
        return ANY_TUPLE
    if ann is Type or ann is type or ann is typing.Type:
        return ANY_TYPE
    if ann is np.ndarray:
        return AbstractArray
    try:
        known = _PY_CLASSES.get(ann)
    except TypeError:  # unhashable annotation objects
        known = None
    if known is not None:
        return known
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (typing.Union, pytypes.UnionType):
        return make_union(*(from_annotation(a, typevars) for a in args))
    if origin is tuple:
        if args == ((),) or not args and ann is not tuple:
            return TupleType(())
        if len(args) == 2 and args[1] is Ellipsis:
            return TupleType((), from_annotation(args[0], typevars))
        return TupleType(tuple(from_annotation(a, typevars) for a in args))
    if origin is type:
        return TypeType(from_annotation(args[0], typevars))
    if isinstance(ann, type):
        return PyObjectType(ann)
    raise TypeError(f"{ann!r} is not a type dispatchjit understands as an annotation")


def _adopt(t: JType, typevars: dict) -> JType:
    """``t`` with each variable built from a ``typing.TypeVar`` replaced by the one ``typevars``
    already holds for it (or registered there, if first), so a function's ``T`` is one variable."""
    if isinstance(t, TypeVar):
        return t if t.origin is None else typevars.setdefault(t.origin, t)
    if isinstance(t, TupleType):
        vararg = None if t.vararg is None else _adopt(t.vararg, typevars)
        return TupleType(tuple(_adopt(p, typevars) for p in t.params), vararg)
    if isinstance(t, UnionType) and t.members:
        return make_union(*(_adopt(m, typevars) for m in t.members))
    if isinstance(t, TypeType):
        return type(t)(_adopt(t.param, typevars))
    if isinstance(t, ArrayType):
        return ArrayType(_adopt(t.dtype, typevars), t.ndim, t.layout)
    if isinstance(t, StructType):
        return StructType(t.definition, tuple(_adopt(p, typevars) for p in t.params))
    if isinstance(t, NTupleType):
        return ntuple_type(_adopt(t.count, typevars), _adopt(t.elt, typevars))
    return t


def map_components(t: JType, fn) -> JType:
    """``t`` with ``fn`` applied to each direct component type."""
    if isinstance(t, TupleType):
        return TupleType(tuple(map(fn, t.params)), None if t.vararg is None else fn(t.vararg))
    if isinstance(t, UnionType) and t.members:
        return make_union(*map(fn, t.members))
    if isinstance(t, TypeType):
        return type(t)(fn(t.param))
    if isinstance(t, ArrayType):
        return ArrayType(fn(t.dtype), t.ndim, t.layout)
    if isinstance(t, StructType):
        return StructType(t.definition, tuple(map(fn, t.params)))
    if isinstance(t, NTupleType):
        return ntuple_type(fn(t.count), fn(t.elt))
    return t


def type_key(t: JType) -> str:
    """``t`` written out with each user type's definition (``StructDef.fingerprint``), so that a
    struct redefined with other fields names another type: what the on-disk cache keys on."""
    if isinstance(t, StructType):
        params = f"[{', '.join(map(type_key, t.params))}]" if t.params else ""
        return f"{t.definition.fingerprint}{params}"
    if isinstance(t, UserAbstractType):
        return f"{t.cls.__module__}.{t.cls.__qualname__}"
    if isinstance(t, TupleType):
        tail = "" if t.vararg is None else f", {type_key(t.vararg)}, ..."
        return f"Tuple[{', '.join(map(type_key, t.params))}{tail}]"
    if isinstance(t, ArrayType):
        return f"Array[{type_key(t.dtype)}, {t.ndim}, {t.layout}]"
    if isinstance(t, TypeType):
        return f"{type(t).__name__}[{type_key(t.param)}]"
    if isinstance(t, NTupleType):
        return f"NTuple[{t.count!r}, {type_key(t.elt)}]"
    return repr(t)


def substitute(t: JType, mapping: dict) -> JType:
    """``t`` with each type variable in ``mapping`` replaced by what it maps to."""
    if isinstance(t, TypeVar):
        return mapping.get(t, t)
    return map_components(t, lambda x: substitute(x, mapping))


# --- promotion -------------------------------------------------------------------------------
def _promote_primitive(a: PrimitiveType, b: PrimitiveType) -> PrimitiveType:
    if a == b:
        return a
    if a.kind == "bool" or b.kind == "bool":
        return b if a.kind == "bool" else a
    if a.kind == "complex" or b.kind == "complex":
        wide = any(t.kind == "float" and t.bits == 64 or t == Complex128 for t in (a, b))
        return Complex128 if wide else Complex64
    if a.kind == "float" or b.kind == "float":
        floats = [t for t in (a, b) if t.kind == "float"]
        return max(floats, key=lambda t: t.bits)
    if a.kind == b.kind:
        return max(a, b, key=lambda t: t.bits)
    signed, unsigned = (a, b) if a.kind == "int" else (b, a)
    # Julia: the unsigned type wins when it is at least as wide (Int64 + UInt64 isa UInt64).
    return unsigned if unsigned.bits >= signed.bits else signed


def join_types(a: JType, b: JType) -> JType | None:
    """The type two values merge to where a variable or a return takes both: equal types stay,
    numbers promote (Int64 and Float64 give Float64), tuples of equal length join elementwise,
    ``Bottom`` (no value) gives way to the other. ``None`` when they cannot merge."""
    if a == b or b == Bottom:
        return a
    if a == Bottom:
        return b
    if isinstance(a, PrimitiveType) and isinstance(b, PrimitiveType):
        return _promote_primitive(a, b)
    if isinstance(a, TupleType) and isinstance(b, TupleType) and a.is_concrete and b.is_concrete \
            and len(a.params) == len(b.params):
        joined = [join_types(x, y) for x, y in zip(a.params, b.params)]
        return None if None in joined else TupleType(tuple(joined))
    return None


def promote_type(*ts: JType) -> JType:
    """Julia's ``promote_type``: the type that values of all ``ts`` convert to for arithmetic;
    ``Any`` where there is none (as Julia answers for unrelated types)."""
    result: JType = Bottom
    for t in ts:
        joined = join_types(result, from_annotation(t))
        if joined is None:
            return Any
        result = joined
    return result
