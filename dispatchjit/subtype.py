"""Subtyping, matching and specificity on the type lattice, by Julia's rules.

Types denote sets of concrete types; ``issubtype`` is set inclusion. Method signatures are tuple
types, possibly with ``where`` variables: ``match`` binds those variables against the concrete
types of a call, and ``morespecific`` orders two signatures (a strict subtype is more specific).
"""

from __future__ import annotations

import functools

from collections import Counter

from .lattice import (
    AbstractArray, AbstractType, Any, ArrayType, Bottom, JType, Literal, NTupleType, PrimitiveType, PyObjectType,
    StructType, TupleType, TypeType, TypeVar, UnionType, UserAbstractType, ValType, make_union, map_components,
    substitute,
)

__all__ = ["issubtype", "match", "struct_parameters", "morespecific", "typeintersect", "signature_type",
           "free_typevars", "erase_typevars", "same_signature"]


def issubtype(a: JType, b: JType) -> bool:
    """``a <: b``. A ``TypeVar`` met here stands for its bound (use ``match`` to bind variables)."""
    return _sub(a, b, None)


def signature_type(method) -> TupleType:
    """A method's signature as one tuple type: ``f(x: Int64, *ys: Real)`` is
    ``Tuple[Int64, Real, ...]``."""
    return TupleType(tuple(method.sig), method.vararg)


def free_typevars(t: JType) -> list[TypeVar]:
    """The variables occurring in ``t``, each once, in order of first occurrence."""
    return list(dict.fromkeys(_occurrences(t)))


def erase_typevars(t: JType) -> JType:
    """``t`` with each variable replaced by its bound (``Type[T]`` by bare ``Type``): a supertype
    of ``t``, used to tell which arguments of a failed call matched."""
    if isinstance(t, TypeVar):
        return t.bound
    if isinstance(t, TypeType):
        return TypeType(Any) if isinstance(t.param, TypeVar) else TypeType(erase_typevars(t.param))
    return map_components(t, erase_typevars)


# --- subtyping core ---------------------------------------------------------------------------
class _Env:
    """Right-hand variables being solved while deciding ``a <: b`` between signatures.

    A right variable that occurs once needs only ``a <: bound``; one that occurs several times
    (Julia's diagonal rule) must take one concrete type, so its first match binds it and later
    ones must be equal. Left variables are opaque: ``T <: X`` iff ``bound(T) <: X``, except that
    a left variable occurring several times is itself concrete, so it may bind a diagonal one,
    as may a type concrete but for left variables (``Dual[G, V, N]`` binds the ``T`` of
    ``(Type[T], T)``)."""

    __slots__ = ("right", "diagonal", "left_diagonal", "bound")

    def __init__(self, right, diagonal, left_diagonal):
        self.right, self.diagonal, self.left_diagonal = right, diagonal, left_diagonal
        self.bound: dict[TypeVar, JType] = {}

    def bind(self, a: JType, var: TypeVar) -> bool:
        if var in self.bound:
            return a == self.bound[var]
        if not _sub(a, var.bound, self):
            return False
        if var not in self.diagonal:
            return True
        if not (a.is_concrete or a in self.left_diagonal or not isinstance(a, TypeVar) and _concrete_in_vars(a)):
            return False
        self.bound[var] = a
        return True

    def attempt(self, check) -> bool:
        """Run ``check()``; undo the bindings it made if it fails (one union branch)."""
        saved = dict(self.bound)
        if check():
            return True
        self.bound = saved
        return False


def _sub(a: JType, b: JType, env: _Env | None) -> bool:
    if a == b:
        return True
    if not _variables(a) and not _variables(b):
        return _plain_sub(a, b)   # no variables to solve: the answer depends on the types alone
    return _sub_rules(a, b, env)


@functools.lru_cache(maxsize=16384)
def _plain_sub(a: JType, b: JType) -> bool:
    return _sub_rules(a, b, None)


def _sub_rules(a: JType, b: JType, env: _Env | None) -> bool:
    if isinstance(b, TypeVar):
        if env is not None and b in env.right:
            return env.bind(a, b)
        return _sub(a, b.bound, env)
    if isinstance(a, UnionType):
        return all(_sub(m, b, env) for m in a.members)
    if isinstance(a, TypeVar):
        return _sub(a.bound, b, env)
    if b is Any:
        return True
    if isinstance(b, NTupleType):
        return _sub_ntuple(a, b, env)
    if isinstance(b, UnionType):
        if env is None:
            return any(_sub(a, m, None) for m in b.members)
        return any(env.attempt(lambda m=m: _sub(a, m, env)) for m in b.members)
    rule = _RULES.get(type(a))
    return rule is not None and rule(a, b, env)


def _sub_nominal(a: AbstractType | PrimitiveType | StructType, b: JType, env) -> bool:
    if not isinstance(b, AbstractType):
        return False
    parent = a.parent
    while parent is not None:
        if parent == b:
            return True
        parent = parent.parent
    return False


def _sub_tuple(a: TupleType, b: JType, env) -> bool:
    if not isinstance(b, TupleType):
        return False
    if a.vararg is not None and b.vararg is None:
        return False  # a holds tuples of every length above its fixed part
    if len(a.params) < len(b.params):
        return False  # a holds shorter tuples than b admits
    if b.vararg is None and len(a.params) != len(b.params):
        return False
    if not all(_sub(x, y, env) for x, y in zip(a.params, _expand(b, len(a.params)))):
        return False
    return a.vararg is None or _sub(a.vararg, b.vararg, env)


def _sub_typetype(a: TypeType, b: JType, env) -> bool:
    if not isinstance(b, TypeType):
        return False
    if b.param is Any:
        return True  # bare ``Type``: every type object
    if isinstance(b.param, TypeVar) and env is not None and b.param in env.right:
        return env.bind(a.param, b.param)
    if isinstance(b.param, TypeVar):
        return _sub(a.param, b.param.bound, env)
    return _sub(a.param, b.param, env) and _sub(b.param, a.param, env)  # invariant


def _sub_val(a: ValType, b: JType, env) -> bool:
    """``Val[3] <: Val[N]``: the type of a value is below the ``Val`` types it fits, alone."""
    return isinstance(b, ValType) and _sub_typetype(a, b, env)


def _sub_array(a: ArrayType, b: JType, env) -> bool:
    if b == AbstractArray:
        return True
    if not isinstance(b, ArrayType):
        return False
    if b.ndim is not None and a.ndim != b.ndim:
        return False
    if b.layout not in (None, "A") and a.layout != b.layout:
        return False
    return _sub(a.dtype, b.dtype, env)  # covariant: Array[Real, 1] is Array{<:Real,1}


def _sub_pyobject(a: PyObjectType, b: JType, env) -> bool:
    return isinstance(b, PyObjectType) and issubclass(a.cls, b.cls)


def _sub_struct(a: StructType, b: JType, env) -> bool:
    if isinstance(b, StructType):
        # Parameters are invariant, but an annotation's abstract parameter stands for every
        # concrete one below it (``Point[Real]`` is ``Point{<:Real}``): concrete ones are equal.
        return a.definition is b.definition and len(a.params) == len(b.params) and \
            all(_sub(x, y, env) for x, y in zip(a.params, b.params))
    return _sub_nominal(a, b, env)


def _sub_ntuple(a: JType, b: NTupleType, env) -> bool:
    """``a <: NTuple[N, T]``: a tuple of one length whose elements are below ``T`` (binding
    ``N`` to the length where it is being solved); tuples of any length only for an ``N`` that
    is not (it then stands for every length)."""
    if isinstance(a, NTupleType):
        a = TupleType((), a.elt)
    if not isinstance(a, TupleType):
        return False
    if a.vararg is not None:
        return not a.params and env is None and _sub(a.vararg, b.elt, env)
    if env is not None and b.count in env.right and not env.bind(Literal(len(a.params)), b.count):
        return False
    return all(_sub(x, b.elt, env) for x in a.params)


def _sub_left_ntuple(a: NTupleType, b: JType, env) -> bool:
    return _sub(TupleType((), a.elt), b, env)


_RULES = {AbstractType: _sub_nominal, UserAbstractType: _sub_nominal, PrimitiveType: _sub_nominal,
          TupleType: _sub_tuple, TypeType: _sub_typetype, ArrayType: _sub_array, PyObjectType: _sub_pyobject,
          StructType: _sub_struct, NTupleType: _sub_left_ntuple, ValType: _sub_val}


def _expand(t: TupleType, n: int) -> tuple[JType, ...]:
    """The first ``n`` element types of ``t`` (``n`` at least its fixed length)."""
    return t.params + (t.vararg,) * (n - len(t.params))


# --- matching a call --------------------------------------------------------------------------
def match(argtypes: tuple[JType, ...], method) -> dict[TypeVar, JType] | None:
    """The ``where`` variable bindings under which ``method`` applies to a call with these
    concrete argument types, or ``None`` if it does not apply.

    A variable met in an invariant position (``Type[T]``, the element of ``Array[T, 1]``) binds
    exactly what stands there, and its covariant occurrences need only be subtypes of that; a
    variable met only in covariant positions obeys the diagonal rule: every occurrence must be
    the same concrete type. Bounds are checked. A variable with no occurrence in the call (the
    ``T`` of ``*xs: T`` called with no ``xs``) stays unbound, as in Julia."""
    params = _call_params(method, len(argtypes))
    if params is None:
        return None
    if not method.typevars:
        return {} if all(_sub(a, p, None) for a, p in zip(argtypes, params)) else None
    seen = _Seen()
    if not all(_observe(a, p, seen, False) for a, p in zip(argtypes, params)):
        return None
    return seen.solve()


class _Fields:
    """A struct's fields as the signature ``match`` binds its type parameters against."""

    __slots__ = ("sig", "vararg", "typevars")

    def __init__(self, defn):
        self.sig, self.vararg, self.typevars = defn.field_types, None, defn.typevars


def struct_parameters(defn, argtypes: tuple[JType, ...]) -> tuple[JType, ...] | None:
    """The parameters of the parametric struct ``defn`` whose fields take values of these
    concrete types, by the rules of a method call (one ``T`` for ``x: T, y: T``); None when
    there are none."""
    env = match(argtypes, _Fields(defn))
    if env is None or any(tv not in env for tv in defn.typevars):
        return None
    return tuple(env[tv] for tv in defn.typevars)


def _call_params(method, n: int) -> tuple[JType, ...] | None:
    """The method's parameter types for a call with ``n`` arguments, or ``None`` (wrong arity)."""
    k = len(method.sig)
    if n == k:
        return tuple(method.sig)
    if n < k or method.vararg is None:
        return None
    return tuple(method.sig) + (method.vararg,) * (n - k)


class _Seen:
    """What each variable was matched against, split by position kind, then solved at once."""

    __slots__ = ("invariant", "covariant")

    def __init__(self):
        self.invariant: dict[TypeVar, list[JType]] = {}
        self.covariant: dict[TypeVar, list[JType]] = {}

    def copy(self) -> _Seen:
        new = _Seen()
        new.invariant = {k: list(v) for k, v in self.invariant.items()}
        new.covariant = {k: list(v) for k, v in self.covariant.items()}
        return new

    def solve(self) -> dict[TypeVar, JType] | None:
        env: dict[TypeVar, JType] = {}
        for var in dict.fromkeys([*self.invariant, *self.covariant]):
            exact, loose = self.invariant.get(var, []), self.covariant.get(var, [])
            pinned = exact or loose  # with no invariant occurrence, the diagonal rule pins it
            first = pinned[0]
            if not all(_equivalent(t, first) for t in pinned):
                return None
            if not all(_sub(t, first, None) for t in loose) or not _sub(first, var.bound, None):
                return None
            env[var] = first
        return env


def _observe(a: JType, p: JType, seen: _Seen, invariant: bool) -> bool:
    """Match concrete ``a`` against parameter ``p``, recording what variables stand against."""
    if isinstance(p, TypeVar):
        (seen.invariant if invariant else seen.covariant).setdefault(p, []).append(a)
        return True
    if not _has_typevars(p):
        return _equivalent(a, p) if invariant else _sub(a, p, None)
    if isinstance(p, UnionType):
        return _observe_union(a, p, seen)
    if isinstance(p, TypeType):
        return isinstance(a, TypeType) and _observe(a.param, p.param, seen, True)
    if isinstance(p, ArrayType):
        return isinstance(a, ArrayType) and _sub(a, ArrayType(Any, p.ndim, p.layout), None) \
            and _observe(a.dtype, p.dtype, seen, True)
    if isinstance(p, TupleType):
        return isinstance(a, TupleType) and a.vararg is None and _observe_tuple(a, p, seen, invariant)
    if isinstance(p, NTupleType):   # the length binds exactly; the elements as a tuple's would
        return isinstance(a, TupleType) and a.vararg is None and \
            _observe(Literal(len(a.params)), p.count, seen, True) and \
            all(_observe(x, p.elt, seen, invariant) for x in a.params)
    if isinstance(p, StructType):   # parameters bind exactly what stands there (invariant)
        return isinstance(a, StructType) and a.definition is p.definition and len(a.params) == len(p.params) \
            and all(_observe(x, y, seen, True) for x, y in zip(a.params, p.params))
    return False


def _observe_union(a: JType, p: UnionType, seen: _Seen) -> bool:
    # A member without variables that matches wins: nothing needs to bind (Julia leaves ``T``
    # unbound for ``x: Union[T, Nothing]`` called with ``None``).
    if any(_sub(a, m, None) for m in p.members if not _has_typevars(m)):
        return True
    for m in p.members:
        trial = seen.copy()
        if _has_typevars(m) and _observe(a, m, trial, False) and trial.solve() is not None:
            seen.invariant, seen.covariant = trial.invariant, trial.covariant
            return True
    return False


def _observe_tuple(a: TupleType, p: TupleType, seen: _Seen, invariant: bool) -> bool:
    n = len(a.params)
    if n < len(p.params) or n > len(p.params) and p.vararg is None:
        return False
    return all(_observe(x, y, seen, invariant) for x, y in zip(a.params, _expand(p, n)))


def _equivalent(a: JType, b: JType) -> bool:
    return a == b or _sub(a, b, None) and _sub(b, a, None)


# --- specificity ------------------------------------------------------------------------------
def morespecific(m1, m2, nargs: int | None = None) -> bool:
    """Whether method ``m1`` is more specific than ``m2``.

    Julia's first rule: ``m1``'s signature is a strict subtype of ``m2``'s (``(T, T) where T``
    beats ``(Any, Any)``; ``f(x: Int64)`` beats ``f(*xs: Int64)``). When neither signature
    contains the other and ``nargs`` is given, they are compared elementwise as expanded to
    ``nargs`` arguments, plus their vararg element types when both have one, as Julia's
    ``tuple_morespecific`` walks them: ``f(x: Int64, *r: Int64)`` beats ``f(x: Number)`` for one
    argument, ``f(x: Int64, *r: Any)`` and ``f(x: Number, *r: Int64)`` stay ambiguous. The
    answer never depends on definition order."""
    s1, s2 = signature_type(m1), signature_type(m2)
    le, ge = _sig_le(s1, s2), _sig_le(s2, s1)
    if le or ge or nargs is None:
        return le and not ge
    p1, p2 = _call_params(m1, nargs), _call_params(m2, nargs)
    if p1 is None or p2 is None:
        return False
    if m1.vararg is not None and m2.vararg is not None:
        p1, p2 = p1 + (m1.vararg,), p2 + (m2.vararg,)
    e1, e2 = TupleType(p1), TupleType(p2)
    return _sig_le(e1, e2) and not _sig_le(e2, e1)


def same_signature(m1, m2) -> bool:
    """Whether two methods' signatures are the same type (mutual subtypes, so ``where``
    variables may be renamed and unions written differently): Julia then replaces the method."""
    if len(m1.sig) != len(m2.sig) or (m1.vararg is None) != (m2.vararg is None):
        return False
    if m1.sig == m2.sig and m1.vararg == m2.vararg:
        return True
    if not (m1.typevars or m2.typevars):
        # Without variables, signatures are the same exactly when each position is: a tenth of
        # the general check's cost with the cached subtype test (registering the library's 800
        # methods compares each with its function's others).
        pairs = list(zip(m1.sig, m2.sig)) + ([(m1.vararg, m2.vararg)] if m1.vararg is not None else [])
        return all(issubtype(a, b) and issubtype(b, a) for a, b in pairs)
    s1, s2 = signature_type(m1), signature_type(m2)
    return _sig_le(s1, s2) and _sig_le(s2, s1)


def _sig_le(left: TupleType, right: TupleType) -> bool:
    """``left <: right`` for signatures with ``where`` variables: left ones are universal,
    right ones existential."""
    right = _freshen(right, set(_occurrences(left)))
    lcount, rcount = _counts(left), _counts(right)
    env = _Env(set(rcount), {v for v, c in rcount.items() if c > 1},
               {v for v, c in lcount.items() if c > 1})
    return _sub(left, right, env)


def _counts(t: TupleType) -> Counter:
    """How often each variable occurs; a vararg's elements count twice (it stands for many)."""
    counts = Counter(_occurrences(TupleType(t.params)))
    if t.vararg is not None:
        counts.update(list(_occurrences(t.vararg)) * 2)
    return counts


def _concrete_in_vars(t: JType) -> bool:
    """Whether ``t`` is concrete once its (left, universal) variables are: ``Dual[G, V, N]``
    names one type for each ``G, V, N``, where the bare ``Dual`` names many."""
    if isinstance(t, TypeVar):
        return True
    if isinstance(t, StructType):
        return len(t.params) == len(t.definition.typevars) and all(map(_concrete_in_vars, t.params))
    if isinstance(t, TupleType):
        return t.vararg is None and all(map(_concrete_in_vars, t.params))
    if isinstance(t, ArrayType):
        return t.ndim is not None and t.layout is not None and _concrete_in_vars(t.dtype)
    return t.is_concrete


def _freshen(t: JType, avoid: set[TypeVar]) -> JType:
    """``t`` with variables shared with the other side renamed apart (a module-level ``T`` may
    be the same object in two methods)."""
    clash = {v: TypeVar(v.name, v.bound) for v in _occurrences(t) if v in avoid}
    return substitute(t, clash) if clash else t


def _occurrences(t: JType):
    return iter(_variables(t))


@functools.lru_cache(maxsize=8192)
def _variables(t: JType) -> tuple[TypeVar, ...]:
    """Each occurrence of a ``where`` variable in ``t``, in order (cached: signatures repeat
    the same large unions, ``NUMBERS``, in every method)."""
    if isinstance(t, TypeVar):
        return (t,)
    if isinstance(t, TupleType):
        parts = t.params + (() if t.vararg is None else (t.vararg,))
    elif isinstance(t, UnionType):
        parts = tuple(t.members)
    elif isinstance(t, TypeType):
        parts = (t.param,)
    elif isinstance(t, ArrayType):
        parts = (t.dtype,)
    elif isinstance(t, StructType):
        parts = t.params
    elif isinstance(t, NTupleType):
        parts = (t.count, t.elt)
    else:
        return ()
    return tuple(v for p in parts for v in _variables(p))


def _has_typevars(t: JType) -> bool:
    return next(_occurrences(t), None) is not None


# --- intersection -----------------------------------------------------------------------------
def typeintersect(a: JType, b: JType) -> JType | None:
    """The intersection of two types (``Bottom`` when disjoint), or ``None`` where it cannot be
    computed exactly here (variables in either type, Python classes that are not subclasses of
    one another); callers then fall back to a concrete type they know lies in both."""
    if _has_typevars(a) or _has_typevars(b):
        return None
    if _sub(a, b, None):
        return a
    if _sub(b, a, None):
        return b
    if isinstance(a, UnionType) or isinstance(b, UnionType):
        return _intersect_unions(a, b)
    if isinstance(a, TupleType) and isinstance(b, TupleType):
        return _intersect_tuples(a, b)
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return _intersect_arrays(a, b)
    if isinstance(a, StructType) and isinstance(b, StructType) and a.definition is b.definition:
        parts = [typeintersect(x, y) for x, y in zip(a.params, b.params)]
        if None in parts:
            return None
        return Bottom if Bottom in parts else StructType(a.definition, tuple(parts))
    if isinstance(a, PyObjectType) and isinstance(b, PyObjectType):
        return None  # a common subclass may exist
    return Bottom  # the nominal tower is a tree: unrelated nodes share no concrete type


def _intersect_unions(a: JType, b: JType) -> JType | None:
    left = a.members if isinstance(a, UnionType) else (a,)
    right = b.members if isinstance(b, UnionType) else (b,)
    parts = [typeintersect(x, y) for x in left for y in right]
    return None if None in parts else make_union(*parts)


def _intersect_tuples(a: TupleType, b: TupleType) -> JType | None:
    if a.vararg is None and b.vararg is None and len(a.params) != len(b.params):
        return Bottom
    if a.vararg is None and len(b.params) > len(a.params) or \
            b.vararg is None and len(a.params) > len(b.params):
        return Bottom
    n = max(len(a.params), len(b.params))
    parts = [typeintersect(x, y) for x, y in zip(_expand(a, n), _expand(b, n))]
    vararg = None
    if a.vararg is not None and b.vararg is not None:
        vararg = typeintersect(a.vararg, b.vararg)
        if vararg is None:
            return None
        vararg = None if vararg == Bottom else vararg  # then only the fixed part remains
    if None in parts:
        return None
    return Bottom if Bottom in parts else TupleType(tuple(parts), vararg)


def _intersect_arrays(a: ArrayType, b: ArrayType) -> JType | None:
    if a.ndim is not None and b.ndim is not None and a.ndim != b.ndim:
        return Bottom
    layouts = {a.layout, b.layout} - {None, "A"}
    if len(layouts) > 1:
        return Bottom
    dtype = typeintersect(a.dtype, b.dtype)
    if dtype is None or dtype == Bottom:
        return dtype
    ndim = a.ndim if a.ndim is not None else b.ndim
    layout = layouts.pop() if layouts else a.layout or b.layout
    return ArrayType(dtype, ndim, layout)
