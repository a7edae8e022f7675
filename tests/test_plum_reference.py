"""plum-dispatch as an independent reference: on the subset both model (a Python class tower,
Union, tuples, varargs) random method sets must resolve random calls to the same method, or both
report ambiguity, or both find no method.

Where plum legitimately differs from Julia the generator leaves the case out (``_shared``):

- Two vararg methods whose element types agree once expanded to the call, e.g. ``f(x, *r)`` and
  ``f(*r)`` for ``f(1)``: plum finds them mutually as specific and keeps whichever it met last
  (registration order decides); in Julia ``Tuple{Any, Vararg}`` is a strict subtype of
  ``Tuple{Vararg}``, so ``f(x, *r)`` wins.
- Calls where the specificity order among the applicable methods is not transitive (the vararg
  rule makes ``a > b > c`` with ``a`` and ``c`` incomparable possible): plum's resolver is greedy
  and answers by registration order; Julia requires one method more specific than every other
  and reports an ambiguity.
- Unions with a redundant member (``Union[A, C]`` with ``C <: A``): Julia and we treat it as the
  same type as ``A`` (a redefinition replaces), plum keeps two methods. The pool's unions are of
  unrelated classes only.
"""

import itertools
import typing

import plum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatchjit.errors import AmbiguityError, MethodError
from dispatchjit.methods import MethodTable, methods_from_function
from dispatchjit.subtype import issubtype, morespecific
from dispatchjit.lattice import TupleType, typeof


class A: ...
class B(A): ...
class C(B): ...
class D: ...


NAMESPACE = {"A": A, "B": B, "C": C, "D": D, "Union": typing.Union}
PARAMS = ["A", "B", "C", "D", None, "Union[B, D]", "Union[C, D]",
          "tuple[A, B]", "tuple[B, B]", "tuple[C, A]", "tuple[A]"]
VARARGS = [False, "A", "B", "C", "D", None, "Union[C, D]"]  # False: no *rest; None: unannotated
VALUES = [A(), B(), C(), D(), (A(), B()), (B(), B()), (C(), A()), (C(),), ()]

signatures = st.tuples(st.lists(st.sampled_from(PARAMS), max_size=2).map(tuple),
                       st.sampled_from(VARARGS))
method_sets = st.lists(signatures, min_size=1, max_size=5, unique=True)
calls = st.lists(st.lists(st.sampled_from(VALUES), max_size=3).map(tuple), min_size=1, max_size=6)


def define(i: int, params, vararg):
    """A function ``f`` with these annotations that returns ``i``."""
    names = [f"x{j}" + (f": {t}" if t else "") for j, t in enumerate(params)]
    if vararg is not False:
        names.append("*rest" + (f": {vararg}" if vararg else ""))
    namespace = dict(NAMESPACE)
    exec(f"def f({', '.join(names)}):\n    return {i}\n", namespace)  # noqa: S102
    return namespace["f"]


def plum_answer(function, args):
    try:
        return function(*args)
    except plum.AmbiguousLookupError:
        return "ambiguous"
    except plum.NotFoundLookupError:
        return "no method"


def _shared(table, argtypes) -> bool:
    """Whether this call lies in the subset where plum and Julia agree (module docstring)."""
    found = table.applicable(argtypes)
    n = len(argtypes)
    for m1, m2 in itertools.permutations(found, 2):
        if _vararg_tie(m1, m2, n):
            return False
    better = {(a, b) for a, b in itertools.permutations(found, 2) if morespecific(a, b, n)}
    return all((a, c) in better for a, b in better for b2, c in better if b2 is b and a is not c)


def _vararg_tie(m1, m2, n) -> bool:
    if m1.vararg is None or m2.vararg is None or len(m1.sig) == len(m2.sig):
        return False
    e1 = TupleType(m1.sig + (m1.vararg,) * (n + 1 - len(m1.sig)))
    e2 = TupleType(m2.sig + (m2.vararg,) * (n + 1 - len(m2.sig)))
    return issubtype(e1, e2) and issubtype(e2, e1)


def build(sigs):
    """Our table and plum's function from the same definitions."""
    dispatch, table, function = plum.Dispatcher(), MethodTable("f"), None
    for i, (params, vararg) in enumerate(sigs):
        fn = define(i, params, vararg)
        function = dispatch(fn)
        for m in methods_from_function(fn):
            table.add(m)
    return table, function


def check(sigs, arglists) -> int:
    """Assert agreement on every call in the shared subset; the number of calls compared."""
    table, function = build(sigs)
    compared = 0
    for args in arglists:
        argtypes = tuple(map(typeof, args))
        if not _shared(table, argtypes):
            continue
        try:
            ours = table.resolve(argtypes)[0].func(*args)
        except AmbiguityError:
            ours = "ambiguous"
        except MethodError:
            ours = "no method"
        assert ours == plum_answer(function, args), (sigs, [type(a).__name__ for a in args])
        compared += 1
    return compared


@st.composite
def cases(draw):
    """A method set and calls whose arities are the methods' own (or one more, for varargs), so
    most calls find candidates."""
    sigs = draw(method_sets)
    arities = sorted({len(p) + extra for p, v in sigs for extra in ((0, 1) if v is not False else (0,))})
    arglists = [tuple(draw(st.lists(st.sampled_from(VALUES), min_size=k, max_size=k)))
                for k in draw(st.lists(st.sampled_from(arities), min_size=1, max_size=8))]
    return sigs, arglists


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_same_resolution_as_plum(case):
    check(*case)


def test_known_cases_agree():
    """Cases that tell the rules apart, so a regression shows without luck."""
    assert check([((), "B"), (("B",), None)], [(C(),)])  # (*B) beats (B, *Any): vararg slot
    assert check([((), "A"), (("A", "A"), None)], [(A(), B())])  # (*A) beats (A, A, *Any)
    assert check([(("A",), "A"), (("A", None), "B")], [(B(), A())])  # ambiguous
    assert check([(("A", None), "A"), (("B",), None)], [(C(), (B(), B()))])  # ambiguous
    assert check([(("B",), False), (("B",), "B")], [(C(),)])  # non-vararg wins
    assert check([(("A", "A"), False), (("B", None), False), ((None, "B"), False)], [(C(), C())])
    assert check([(("Union[B, D]",), False), (("D",), False), ((None,), "A")], [(D(),), (C(),), (A(),)])
    assert check([(("tuple[A, B]",), False), (("tuple[C, A]",), False)], [((C(), B()),)])


def test_generator_reaches_every_outcome():
    """The shared subset still holds winners, ambiguities and misses (guards the filters)."""
    sigs = [(("B",), "A"), (("A",), "B"), (("C",), False), (("D",), False)]
    table, _ = build(sigs)
    assert check(sigs, [(C(),), (B(), B()), (D(),), ()]) == 4
    assert len(table.applicable((typeof(B()), typeof(B())))) == 2
