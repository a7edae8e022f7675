"""User types: @abstract and @struct classes, from Python and in compiled code.

Declaring (errors at the definition), constructing (conversion of each field, parameters
inferred by the diagonal rule), Python behaviour (repr, equality, hashing, immutability,
pickling, copying), dispatch on user types, field reads and writes in compiled code, values
across the boundary (by value for immutable structs, by reference for mutable ones), errors at
the user's line, redefinition, and the same programs run by CPython and compiled.
"""

import copy
import dataclasses
import gc
import math
import pickle
import sys
from typing import Generic, TypeVar, Union

import numpy as np
import pytest

from dispatchjit import (AbstractFloat, AmbiguityError, Any, Array, FieldError, Float64, InexactError, Int32,
                         Int64, MethodError, Number, Real, Tuple, Type, abstract, fields, generic, struct, typeof)
from dispatchjit.subtype import issubtype

FILE = __file__


def line_of(marker: str) -> int:
    with open(FILE) as f:
        for n, text in enumerate(f, 1):
            if text.rstrip().endswith(f"#@{marker}"):
                return n
    raise LookupError(marker)


@abstract
class Shape: ...


@struct
class Circle(Shape):
    r: float


@struct
class Rect(Shape):
    w: float
    h: float


T = TypeVar("T", bound=Real)


@struct
class Point(Generic[T]):
    x: T
    y: T


@struct(mutable=True)
class Counter:
    n: int


@struct
class Particle:
    pos: Tuple[Float64, Float64]
    vel: Tuple[Float64, Float64]
    mass: float = 1.0


@struct
class Labelled:
    values: Array[Float64, 1]
    centre: Point[Float64]
    count: int


@abstract
class MyReal(AbstractFloat): ...


@struct
class Meters(MyReal):
    v: float


# --- declaring -------------------------------------------------------------------------------
def test_types_take_their_place_in_the_lattice():
    shape, circle = typeof(Shape).param, typeof(Circle(1.0))
    assert circle == typeof(Circle).param and repr(circle) == "Circle" and repr(shape) == "Shape"
    assert issubtype(circle, shape) and issubtype(shape, Any) and not issubtype(shape, Number)
    assert not issubtype(typeof(Rect(1.0, 2.0)), circle)
    meters = typeof(Meters(1.0))
    assert issubtype(meters, typeof(MyReal).param) and issubtype(meters, Real) and issubtype(meters, Number)
    assert isinstance(Circle(1.0), Shape) and isinstance(Point(1, 2), Point)


def test_parametric_types_are_invariant_and_abstract_parameters_mean_below():
    assert typeof(Point(1, 2)) == Point[Int64] and repr(Point[Int64]) == "Point[Int64]"
    assert Point[Int64].is_concrete and not Point[Real].is_concrete
    assert not issubtype(Point[Int64], Point[Float64])
    assert issubtype(Point[Int64], Point[Real]) and issubtype(Point[Float64], Point[AbstractFloat])
    assert repr(Point[Real]) == "Point"          # the bare class: every Point
    assert issubtype(Point[Int64], typeof(Point).param)
    assert type(Point(1, 2)).__name__ == "Point[Int64]" and type(Point(1, 2)) is not type(Point(1.0, 2.0))


@pytest.mark.parametrize("source, message", [
    ("@struct\nclass S:\n    x = 1.0\n", "field 'x' of S has no type annotation"),
    ("@struct\nclass S(Circle):\n    y: float\n", "cannot subclass the struct Circle"),
    ("@struct\nclass S:\n    x: Real\n", "field 'x' of S has the type Real"),
    ("@struct\nclass S:\n    x: Array[Float64]\n", "needs its number of dimensions"),
    ("@struct\nclass S(Shape, Number):\n    x: float\n", "two supertypes"),
    ("@abstract\nclass A:\n    x: float\n", "cannot have fields"),
    ("@struct\nclass S:\n    x: float = 1.0\n    y: float\n", "'y' without a default follows 'x'"),
    ("class S(Circle):\n    pass\n", "concrete types are final"),
])
def test_bad_definitions_are_type_errors_at_the_definition(source, message):
    scope = dict(globals())
    with pytest.raises(TypeError, match=message):
        exec(source, scope)


def test_point_bound_is_checked():
    with pytest.raises(TypeError, match="not below the bound Real"):
        Point[Tuple[Int64]]


# --- construction from Python ----------------------------------------------------------------
def test_default_constructor_converts_each_field():
    r = Rect(2.0, 3)
    assert (r.w, r.h) == (2.0, 3.0) and type(r.h) is float
    assert Rect(h=1, w=2) == Rect(2.0, 1.0)
    p = Point[Float64](1, 2)
    assert (p.x, p.y, typeof(p)) == (1.0, 2.0, Point[Float64]) and type(p.x) is float
    assert Particle((0, 0), (1, 2)).mass == 1.0 and Particle((0, 0), (1, 2)).vel == (1.0, 2.0)
    assert type(Point[Int32](1, 2).x) is np.int32


def test_parameters_are_inferred_by_the_diagonal_rule():
    assert typeof(Point(1, 2)) == Point[Int64] and typeof(Point(1.0, 2.0)) == Point[Float64]
    with pytest.raises(MethodError, match=r"no method matching Point\(::Int64, ::Float64\)"):
        Point(1, 2.0)
    with pytest.raises(TypeError, match="not a concrete type"):
        Point[Real](1, 2)


def test_arguments_that_do_not_convert_name_the_field():
    with pytest.raises(InexactError, match="not an integer"):
        Point[Int64](1.5, 2)
    with pytest.raises(InexactError, match="out of the range of Int32"):
        Point[Int32](2 ** 40, 1)
    with pytest.raises(MethodError, match="field 'r' of Circle"):
        Circle("1.0")
    with pytest.raises(MethodError, match="field 'pos\\[1\\]' of Particle"):
        Particle((0.0, "a"), (0.0, 0.0))
    with pytest.raises(TypeError, match=r"Point\[Float64\].*missing 1 required positional argument: 'y'"):
        Point[Float64](1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point[Float64](1.0, z=2.0)
    with pytest.raises(TypeError, match="has no field 'z'"):
        Point(1.0, z=2.0)


# --- Python behaviour --------------------------------------------------------------------------
def test_repr_equality_hash_and_immutability():
    p = Point(1, 2)
    assert repr(p) == "Point[Int64](x=1, y=2)" and repr(Circle(1.5)) == "Circle(r=1.5)"
    assert p == Point(1, 2) and p != Point(1, 3) and hash(p) == hash(Point(1, 2)) and p != Point(1.0, 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError, match="immutable struct"):
        p.x = 3
    with pytest.raises(AttributeError, match="has no field 'z'"):
        p.z = 3
    assert fields(p) == ("x", "y") and fields(Rect) == ("w", "h")


def test_pickle_and_copy_by_value():
    for value in (Point(1, 2), Point[Float64](1, 2), Rect(1.0, 2.0), Particle((1, 2), (3, 4)), Counter(3)):
        back = pickle.loads(pickle.dumps(value))
        assert type(back) is type(value) and fields(back) == fields(value)
        assert all(getattr(back, n) == getattr(value, n) for n in fields(value))
    p = Point(1, 2)
    assert copy.copy(p) is p and copy.deepcopy(p) == p
    c = Counter(1)
    d = copy.copy(c)
    d.n = 5
    assert (c.n, d.n) == (1, 5)


def test_mutable_struct_writes_convert_and_compare_by_identity():
    c = Counter(0)
    c.n = 3.0
    assert c.n == 3 and type(c.n) is int
    with pytest.raises(InexactError):
        c.n = 2.5
    assert Counter(1) != Counter(1)


# --- compiled code ---------------------------------------------------------------------------
@generic
def area(s: Circle):
    return math.pi * s.r * s.r


@generic
def area(s: Rect):  # noqa: F811
    return s.w * s.h


@generic
def area(s: Shape):  # noqa: F811
    return 0.0


@generic
def total(shapes):
    t = 0.0
    for s in shapes:
        t += area(s)
    return t


@struct
class Blob(Shape):
    size: int


def test_dispatch_on_structs_and_their_abstract_supertype():
    assert area(Circle(1.0)) == math.pi and area(Rect(2.0, 3)) == 6.0
    assert area(Blob(3)) == 0.0                    # only the method for Shape applies
    chosen = {s.signature: s.method.sig for s in area.specializations}
    assert chosen[(typeof(Circle(1.0)),)] == (typeof(Circle).param,)
    assert chosen[(typeof(Blob(1)),)] == (typeof(Shape).param,)
    with pytest.raises(MethodError, match="Point"):
        area(Point(1, 2))


def test_a_tuple_of_mixed_shapes_is_one_specialization():
    shapes = (Circle(1.0), Rect(2.0, 3), Circle(2.0))
    assert total(shapes) == pytest.approx(math.pi + 6.0 + 4 * math.pi)
    assert [s.signature for s in total.specializations] == [(typeof(shapes),)]


@generic
def norm2(p: Point[T]) -> T:
    return p.x * p.x + p.y * p.y


def test_type_parameters_bind_in_the_body():
    assert norm2(Point(1, 2)) == 5 and type(norm2(Point(1, 2))) is int
    assert norm2(Point(1.5, 2.0)) == 6.25
    assert {s.signature for s in norm2.specializations} == {(Point[Int64],), (Point[Float64],)}


@generic
def make(a, b):
    return Point(a, b), Point[Float64](a, b), Rect(w=a, h=b), Circle(a)


def test_construction_in_compiled_code_returns_instances():
    p, q, r, c = make(1, 2)
    assert (p, q, r, c) == (Point(1, 2), Point[Float64](1.0, 2.0), Rect(1.0, 2.0), Circle(1.0))
    assert typeof(p) == Point[Int64] and type(q) is type(Point(1.0, 2.0)) and type(q.x) is float


@generic
def make_mixed(a, b):
    return Point(a, b)  #@mixed


def test_parameters_that_do_not_unify_raise_method_error_at_the_line():
    with pytest.raises(MethodError, match="no method matching Point") as info:
        make_mixed(1, 2.0)
    assert info.traceback[-1].lineno + 1 == line_of("mixed")


@generic
def bump(c: Counter, k: int):
    for i in range(k):
        c.n += 1


@generic
def fresh_counter(k):
    c = Counter(k)
    c.n = c.n * 2
    return c


def test_mutable_structs_are_shared_by_reference():
    c = Counter(0)
    bump(c, 10)
    assert c.n == 10
    bump(c, 5)
    assert c.n == 15 and type(c.n) is int
    made = fresh_counter(21)
    assert type(made) is Counter and made.n == 42


@generic
def missing_field(p):
    return p.z  #@missing


@generic
def write_immutable(p):
    p.x = 1.0  #@frozen


def test_field_errors_name_the_struct_and_the_line():
    with pytest.raises(FieldError) as info:
        missing_field(Point(1.0, 2.0))
    assert isinstance(info.value, AttributeError)
    assert f"{FILE}:{line_of('missing')}:" in str(info.value) and "its fields: x, y" in str(info.value)
    with pytest.raises(FieldError) as info:
        write_immutable(Point(1.0, 2.0))
    assert f"{FILE}:{line_of('frozen')}:" in str(info.value) and "immutable struct" in str(info.value)


@generic
def bad_field_value(x):
    return Circle((x, x))  #@badvalue


def test_a_field_value_that_does_not_convert_raises_method_error_at_the_line():
    with pytest.raises(MethodError, match=r"field 'r' of Circle \(Tuple\[Float64, Float64\]\) to Float64") as info:
        bad_field_value(1.0)
    assert info.traceback[-1].lineno + 1 == line_of("badvalue")


@generic
def step(p: Particle, dt):
    (x, y), (vx, vy) = p.pos, p.vel
    return Particle((x + vx * dt, y + vy * dt), p.vel, p.mass)


@generic
def describe(s: Labelled):
    t = 0.0
    for v in s.values:
        t += v
    return Labelled(s.values, Point[Float64](s.centre.x + t, s.centre.y), s.count + 1)


def test_structs_holding_tuples_arrays_and_structs_cross_the_boundary():
    p = step(Particle((0.0, 0.0), (1.0, 2.0), 3.0), 0.5)
    assert p == Particle((0.5, 1.0), (1.0, 2.0), 3.0)
    values = np.arange(4.0)
    before = sys.getrefcount(values)
    out = describe(Labelled(values, Point(1.0, 2.0), 3))
    assert out.values is values and out.centre == Point(7.0, 2.0) and out.count == 4
    del out
    for _ in range(1000):
        describe(Labelled(values, Point(1.0, 2.0), 3))
    gc.collect()
    assert sys.getrefcount(values) == before


ORIGIN = Point(0.0, 0.0)


@generic
def from_origin(p):
    return Point(p.x - ORIGIN.x, p.y - ORIGIN.y)


def test_a_global_struct_is_a_constant():
    assert from_origin(Point(1.0, 2.0)) == Point(1.0, 2.0)


def test_struct_arguments_take_the_dispatcher():
    c = Circle(2.0)
    area(c)
    area(c)
    assert area._dispatcher is not None and (typeof(c),) in area._dispatcher[1]
    assert area(Circle(1.0)) == math.pi


def run_cell(source: str, scope: dict, n: int) -> None:
    """Run ``source`` as a notebook cell does: its text kept in linecache under a cell name."""
    import linecache
    name = f"<cell-structs-{n}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), scope)


def test_redefinition_makes_a_new_type_and_old_code_keeps_working():
    scope = {"struct": struct, "generic": generic, "__name__": "cells"}
    run_cell("@struct\nclass V:\n    a: float\n@generic\ndef get(v: V):\n    return v.a\n", scope, 1)
    old_v, get = scope["V"], scope["get"]
    old = old_v(1.0)
    assert get(old) == 1.0
    run_cell("@struct\nclass V:\n    a: int\n    b: int\n", scope, 2)
    new = scope["V"](2, 3)
    assert typeof(new) != typeof(old)
    with pytest.raises(MethodError):
        get(new)                                   # the method was for the old V
    assert get(old) == 1.0


# --- differential: the same code run by CPython and compiled ---------------------------------
def _advance_one(p, dt):
    (x, y), (vx, vy) = p.pos, p.vel
    return Particle((x + vx * dt, y + vy * dt), (vx - x * dt, vy - y * dt), p.mass)


advance_one = generic(_advance_one)


def _advance(ps, dt):
    a, b, c = ps
    return advance_one(a, dt), advance_one(b, dt), advance_one(c, dt)


def _energy(ps):
    e = 0.0
    for p in ps:
        vx, vy = p.vel
        e += 0.5 * p.mass * (vx * vx + vy * vy)
    return e


def _areas(shapes, scale):
    best, total_ = 0.0, 0.0
    for s in shapes:
        a = area(s) * scale
        if a > best:
            best = a
        total_ += a
    return best, total_


def _counter_loop(c, k):
    for i in range(k):
        if i % 3 == 0:
            c.n += i
        else:
            c.n -= 1
    return c.n


@pytest.mark.parametrize("seed", range(8))
def test_struct_programs_agree_with_cpython(seed):
    rng = np.random.default_rng(seed)
    ps = tuple(Particle(tuple(rng.normal(size=2)), tuple(rng.normal(size=2)), float(rng.uniform(0.5, 2)))
               for _ in range(3))
    dt = float(rng.uniform(0, 0.1))
    expected = tuple(_advance_one(p, dt) for p in ps)
    assert generic(_advance)(ps, dt) == expected
    assert generic(_energy)(ps) == pytest.approx(_energy(ps), rel=1e-15)
    shapes = (Circle(float(rng.uniform(0, 2))), Rect(float(rng.uniform(0, 3)), int(rng.integers(0, 5))),
              Circle(float(rng.uniform(0, 2))))
    scale = float(rng.uniform(0.1, 3))
    pure_area = {Circle: lambda s: math.pi * s.r * s.r, Rect: lambda s: s.w * s.h}
    expected_best, expected_total = 0.0, 0.0
    for s in shapes:
        a = pure_area[type(s)](s) * scale
        expected_best, expected_total = max(expected_best, a), expected_total + a
    assert generic(_areas)(shapes, scale) == pytest.approx((expected_best, expected_total), rel=1e-15)
    k = int(rng.integers(0, 50))
    start = int(rng.integers(-10, 10))
    c1, c2 = Counter(start), Counter(start)
    assert generic(_counter_loop)(c1, k) == _counter_loop(c2, k) and c1.n == c2.n


# --- arrays of structs: NumPy structured arrays ----------------------------------------------
@struct
class Body:
    pos: Tuple[Float64, Float64]
    vel: Tuple[Float64, Float64]
    alive: bool
    tag: Int32


@struct
class Vec2:
    x: float
    y: float


def test_plain_data_structs_have_an_aligned_structured_dtype():
    d = Point[Float64].dtype
    assert d.names == ("x", "y") and d.itemsize == 16 and d is Point[Float64].dtype
    b = typeof(Body((0, 0), (0, 0), True, 1)).dtype
    assert b.names == ("pos", "vel", "alive", "tag") and b.fields["alive"][1] == 32 and b.itemsize == 40
    assert typeof(np.zeros(3, d)) == Array[Point[Float64], 1, "C"]
    with pytest.raises(TypeError, match="only concrete immutable structs"):
        typeof(Counter(1)).dtype
    with pytest.raises(TypeError, match="field 'values'"):
        typeof(Labelled(np.zeros(1), Point(0.0, 0.0), 1)).dtype
    with pytest.raises(TypeError, match="not a struct's"):
        typeof(np.zeros(3, [("x", "f8"), ("y", "f8")]))


@generic
def sum_norm2(ps):
    s = 0.0
    for p in ps:
        s += p.x * p.x + p.y * p.y
    return s


@generic
def integrate(bodies, dt, steps):
    for _ in range(steps):
        for i in range(len(bodies)):
            b = bodies[i]
            (x, y), (vx, vy) = b.pos, b.vel
            bodies[i] = Body((x + vx * dt, y + vy * dt), (vx, vy - 9.8 * dt), b.alive and y > 0.0, b.tag)


@generic
def nudge(ps, k):
    for i in range(len(ps)):
        ps[i].x = ps[i].x * k
        ps[i].y += 1.0


@generic
def element(ps, i):
    return ps[i]


def test_arrays_of_structs_are_read_and_written_field_by_field():
    rng = np.random.default_rng(0)
    ps = np.zeros(50, Point[Float64].dtype)
    ps["x"], ps["y"] = rng.normal(size=50), rng.normal(size=50)
    assert sum_norm2(ps) == pytest.approx(float((ps["x"] ** 2 + ps["y"] ** 2).sum()), rel=1e-13)
    x0, y0 = ps["x"].copy(), ps["y"].copy()
    nudge(ps, 3.0)
    assert np.array_equal(ps["x"], x0 * 3.0) and np.array_equal(ps["y"], y0 + 1.0)
    assert element(ps, 2) == Point(float(x0[2] * 3.0), float(y0[2] + 1.0)) and type(element(ps, 2)) is type(Point(1.0, 1.0))
    assert sum_norm2(ps[::2]) == pytest.approx(float((ps["x"][::2] ** 2 + ps["y"][::2] ** 2).sum()), rel=1e-13)


def test_a_particle_system_in_a_structured_array_matches_numpy():
    bodies = np.zeros(6, typeof(Body((0, 0), (0, 0), True, 0)).dtype)
    bodies["pos"]["f0"], bodies["pos"]["f1"] = np.arange(6.0), np.linspace(-1, 4, 6)
    bodies["vel"]["f0"], bodies["alive"], bodies["tag"] = 1.5, True, np.arange(6)
    expected = bodies.copy()
    for _ in range(20):   # the same steps in NumPy
        y = expected["pos"]["f1"].copy()
        expected["pos"]["f0"] += expected["vel"]["f0"] * 0.01
        expected["pos"]["f1"] += expected["vel"]["f1"] * 0.01
        expected["vel"]["f1"] -= 9.8 * 0.01
        expected["alive"] &= y > 0.0
    integrate(bodies, 0.01, 20)
    for name in ("pos", "vel"):
        for part in ("f0", "f1"):
            assert np.allclose(bodies[name][part], expected[name][part], rtol=1e-13, atol=1e-13)
    assert np.array_equal(bodies["alive"], expected["alive"]) and np.array_equal(bodies["tag"], np.arange(6))


def test_arrays_of_two_structs_with_one_layout_are_different_types():
    a, b = np.zeros(3, Point[Float64].dtype), np.zeros(3, typeof(Vec2(0.0, 0.0)).dtype)
    a["x"], b["x"] = 1.0, 2.0
    assert sum_norm2(a) == 3.0 and sum_norm2(b) == 12.0 and sum_norm2(a) == 3.0
    assert sum_norm2(a) == 3.0   # through the dispatcher now
    assert {s.signature for s in sum_norm2.specializations} >= {(typeof(a),), (typeof(b),)}
    assert (typeof(a),) in sum_norm2._dispatcher[1]


# --- outer constructors (Julia's manual, Constructors) ---------------------------------------
@struct
class Foo:
    bar: float
    baz: float


@Foo.method
def _(x: Real):              # Foo(x) = Foo(x, x)
    return Foo(x, x)


@Foo.method
def _():                     # Foo() = Foo(0)
    return Foo(0)


@Point.method
def _(x: Real):              # Point(x) = Point(x, x): the parameter from the one argument
    return Point(x, x)


@generic
def make_foos(x):
    return Foo(x), Foo(), Foo(x, 2 * x), Point(x)


def test_outer_constructors_dispatch_from_python_and_compiled_code():
    assert (Foo(1), Foo(), Foo(1, 2)) == (Foo(1.0, 1.0), Foo(0.0, 0.0), Foo(1.0, 2.0))
    assert Point(2) == Point(2, 2) and typeof(Point(2.5)) == Point[Float64]
    assert make_foos(3) == (Foo(3.0, 3.0), Foo(0.0, 0.0), Foo(3.0, 6.0), Point(3, 3))
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        Point[Float64](1.0)            # the concrete type's constructor takes the fields only
    with pytest.raises(TypeError, match="not to Point"):
        type(Point(1, 2)).method(lambda x: x)


def test_an_outer_constructor_defined_later_reaches_code_compiled_before():
    @struct
    class Pair:
        a: float
        b: float

    @generic
    def build(x, y):
        return Pair(x, y)

    assert build(1, 2) == Pair(1.0, 2.0)

    @Pair.method
    def _(x: Int64, y: Int64):     # taken before the default for two ints
        return Pair(float(y), float(x))

    assert build(1, 2) == Pair(2.0, 1.0) and Pair(1, 2) == Pair(2.0, 1.0)
    assert build(1.0, 2.0) == Pair(1.0, 2.0)


# --- dispatch: unions, Type[...], ambiguity ----------------------------------------------------
S = TypeVar("S")


@generic
def kind(s: Circle | Rect):
    return 1


@generic
def kind(s: Union[Point[Int64], Shape]):  # noqa: F811
    return 2


@generic
def type_kind(t: Type[Circle]):
    return 10


@generic
def type_kind(t: Type[S]):  # noqa: F811
    return 20


@generic
def pass_type(t):
    return type_kind(t)


@generic
def clash(a: Shape, b: Circle):
    return 1


@generic
def clash(a: Circle, b: Shape):  # noqa: F811
    return 2


def test_unions_type_values_and_ambiguities_with_user_types():
    assert (kind(Circle(1.0)), kind(Rect(1.0, 2.0)), kind(Blob(1)), kind(Point(1, 2))) == (1, 1, 2, 2)
    with pytest.raises(MethodError, match=r"kind\(::Point\[Float64\]\)"):
        kind(Point(1.0, 2.0))
    assert (type_kind(Circle), type_kind(Rect), pass_type(Circle), pass_type(Rect)) == (10, 20, 10, 20)
    with pytest.raises(AmbiguityError, match=r"(?s)clash\(::Circle, ::Circle\) is ambiguous.*define\s+clash\(::Circle, ::Circle\)"):
        clash(Circle(1.0), Circle(1.0))
    assert clash(Rect(1.0, 1.0), Circle(1.0)) == 1


# --- invariants: __post_init__ (Julia's inner constructors), truth and len ---------------------
@struct
class OrderedPair:           # Julia's manual: OrderedPair(x, y) = x > y ? error("out of order") : new(x, y)
    x: float
    y: float

    def __post_init__(self):
        if self.x > self.y:
            raise ValueError("out of order")  #@order


@generic
def ordered(a, b):
    return OrderedPair(a, b)


@struct(mutable=True)
class Magnitude:
    v: float

    def __post_init__(self):
        if self.v < 0:
            self.v = -self.v


@generic
def magnitude(a):
    return Magnitude(a)


def test_post_init_checks_every_new_instance_from_python_and_compiled_code():
    assert OrderedPair(1, 2) == ordered(1, 2) == OrderedPair(1.0, 2.0)
    with pytest.raises(ValueError, match="out of order"):
        OrderedPair(2, 1)
    with pytest.raises(ValueError, match="out of order") as info:
        ordered(2, 1)
    assert info.traceback[-1].lineno + 1 == line_of("order")
    assert Magnitude(-2).v == 2.0 and magnitude(-3.0).v == 3.0
    pairs = np.zeros(2, typeof(OrderedPair(0.0, 1.0)).dtype)
    with pytest.raises(ValueError, match="out of order"):
        nudge_pair(pairs)     # a field written into an array element makes a new instance too


@generic
def nudge_pair(ps):
    ps[0].x = 5.0


@struct
class Span:
    lo: float
    hi: float

    def __bool__(self):
        return self.hi > self.lo

    def __len__(self):
        return 2


@generic
def truthy(s):
    if s:
        return 1
    return 0


@generic
def negated_len(s):
    return not s, len(s)


def test_truth_and_len_follow_python_unless_the_class_says_otherwise():
    assert (truthy(Span(0, 1)), truthy(Span(1, 0)), bool(Span(1, 0)), len(Span(0, 1))) == (1, 0, False, 2)
    assert negated_len(Span(0, 1)) == (False, 2)
    assert truthy(Circle(0.0)) == 1 and bool(Circle(0.0)) is True     # any object is true
    with pytest.raises(TypeError):
        len(Circle(1.0))


@struct(mutable=True)
class Holder:
    a: Array[Float64, 1]
    n: int


@generic
def swap_many(h, x, y, k):
    for i in range(k):
        if i % 2 == 0:
            h.a = x
        else:
            h.a = y
        h.n += 1
    return h.a


def test_writes_to_a_mutable_structs_fields_count_references_exactly():
    x, y = np.zeros(3), np.ones(3)
    h = Holder(x, 0)
    assert swap_many(h, x, y, 3) is x            # i = 2 wrote x last
    rx, ry = sys.getrefcount(x), sys.getrefcount(y)
    for _ in range(100):
        assert swap_many(h, x, y, 1000) is y     # i = 999 wrote y last
    gc.collect()
    assert (sys.getrefcount(x), sys.getrefcount(y)) == (rx - 1, ry + 1)   # h now holds y, not x
    assert h.n == 100003 and h.a is y
