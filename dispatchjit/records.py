"""Immutable records: the IR's node classes.

What the IR needs of ``dataclasses`` (fields from annotations, keyword-only fields with
defaults, ``replace``, ``fields``, slots, frozen instances, identity equality), built at class
creation for a small fraction of the cost: the IR's thirty-odd frozen, slotted dataclasses took
about 15 ms to create, a quarter of the first compile in a fresh process.

    class Name(Expr):                       # Expr derives from Immutable
        id: str
        checked: bool = False

Fields are positional in declaration order (a base's first), then the keyword-only ones
(``field(kw_only=True)``). Instances compare and hash by identity.
"""

from __future__ import annotations

__all__ = ["Immutable", "field", "fields", "replace", "FrozenInstanceError"]

_MISSING = object()


class FrozenInstanceError(AttributeError):
    pass


class Field:
    __slots__ = ("name", "default", "kw_only")

    def __init__(self, name: str, default=_MISSING, kw_only: bool = False):
        self.name, self.default, self.kw_only = name, default, kw_only

    def __repr__(self):
        return f"Field({self.name!r})"


def field(*, default=_MISSING, kw_only: bool = False) -> Field:
    return Field("", default, kw_only)


class Record(type):
    """The metaclass: turns annotated class attributes into slots and an ``__init__``."""

    def __new__(mcls, name, bases, ns):
        own = []
        for fname in ns.get("__annotations__", {}):
            value = ns.pop(fname, _MISSING)
            f = value if isinstance(value, Field) else Field(fname, value)
            f.name = fname
            own.append(f)
        ns["__slots__"] = tuple(f.name for f in own)
        cls = super().__new__(mcls, name, bases, ns)
        inherited = next((b.__fields__ for b in bases if isinstance(b, Record)), ())
        cls.__fields__ = (*inherited, *own)
        cls.__init__ = _make_init(cls.__fields__, name)
        return cls


def _make_init(all_fields: tuple[Field, ...], qualname: str):
    positional = [f for f in all_fields if not f.kw_only]
    keyword = [f for f in all_fields if f.kw_only]
    defaults = [f.default is not _MISSING for f in positional]
    if any(earlier and not later for earlier, later in zip(defaults, defaults[1:])):
        raise TypeError(f"{qualname}: a field without a default follows one with a default")
    env = {"_set": object.__setattr__}

    def param(f: Field) -> str:
        if f.default is _MISSING:
            return f.name
        env[f"_d_{f.name}"] = f.default
        return f"{f.name}=_d_{f.name}"

    params = [param(f) for f in positional] + (["*"] + [param(f) for f in keyword] if keyword else [])
    body = "".join(f"\n    _set(self, {f.name!r}, {f.name})" for f in all_fields) or "\n    pass"
    exec(f"def __init__(self, {', '.join(params)}):{body}", env)  # noqa: S102 - our own text
    init = env["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    return init


class Immutable(metaclass=Record):
    """Frozen, identity-compared instances with a dataclass-like repr."""

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self):
        parts = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__fields__)
        return f"{type(self).__name__}({parts})"

    def __reduce__(self):
        return _rebuild, (type(self), tuple(getattr(self, f.name) for f in self.__fields__))


def _rebuild(cls, values):
    obj = cls.__new__(cls)
    for f, v in zip(cls.__fields__, values):
        object.__setattr__(obj, f.name, v)
    return obj



def fields(obj) -> tuple[Field, ...]:
    return obj.__fields__


def replace(obj, **changes):
    """A copy of ``obj`` with ``changes`` applied to its fields."""
    values = {f.name: changes.pop(f.name, _MISSING) for f in obj.__fields__}
    if changes:
        raise TypeError(f"{type(obj).__name__} has no field {next(iter(changes))!r}")
    new = type(obj).__new__(type(obj))
    for name, value in values.items():
        object.__setattr__(new, name, getattr(obj, name) if value is _MISSING else value)
    return new
