"""The drivers: seed duals, call the function, read the partials out (ForwardDiff.jl's
``derivative``, ``gradient``, ``jacobian`` and ``hessian``), all ``@generic`` code.

A gradient of ``n`` inputs takes ``ceil(n / C)`` calls of the function, each on an array of
duals with ``C`` partials (the chunk: ``Val(C)``, ``DEFAULT_CHUNK`` unless given), the ``C``
inputs of the pass seeded with unit partials. The seeds' tag is one more than the highest tag
in the function's type (a callable struct carrying duals of an enclosing derivative) and the
point's, so a derivative nested in another cannot take the other's perturbation for its own
(perturbation confusion); ``_partials_of`` reads only its own tag's partials.
"""

from typing import TypeVar

import numpy as np

from ..base.promotion import convert, promote_type
from ..base.shapes import _source
from ..generic import generic
from ..lattice import AbstractArray, Array, ArrayType, Float64, Literal, Real, StructType, TupleType, TypeType, Val, typeof
from .dual import Dual, _zeros

__all__ = ["DEFAULT_CHUNK", "derivative", "gradient", "jacobian", "hessian"]

# ForwardDiff's threshold: above it, a chunk of 12 partials; each pass costs about C + 1 times
# the function, and more partials per pass mean fewer passes.
DEFAULT_CHUNK = 12

G, H, C = TypeVar("G"), TypeVar("H"), TypeVar("C")
V, W = TypeVar("V", bound=Real), TypeVar("W", bound=Real)


# --- tags -----------------------------------------------------------------------------------
def _level(t) -> int:
    """The highest tag of a dual anywhere in the lattice type ``t`` (0 where none)."""
    if isinstance(t, StructType):
        own = t.params[0].value if t.definition is Dual.__dispatchjit_struct__ and t.params \
            and isinstance(t.params[0], Literal) else 0
        inner = [_level(p) for p in t.params if not isinstance(p, Literal)]
        fields = list(t.field_types) if t.is_concrete else []
        return max([own, *inner, *map(_level, fields)])
    if isinstance(t, TupleType):
        return max(map(_level, t.params), default=0)
    if isinstance(t, ArrayType):
        return _level(t.dtype)
    if isinstance(t, TypeType):
        return _level(t.param)
    return 0


@generic(generated=True)
def _tag(f, x):
    """``Val(tag)`` for the duals a driver seeds to differentiate ``f`` at ``x``."""
    return _source("_tag", "f, x", [f"return Val({1 + max(_level(f), _level(x))})"])


# --- seeds and partials ------------------------------------------------------------------------
@generic(generated=True)
def _unit(t, chunk, j):
    """The partials of input ``j`` of a pass: 1 at ``j``, 0 elsewhere."""
    items = "".join(f"one if j == {k} else zero, " for k in range(chunk.param.value))
    return _source("_unit", "t, chunk, j", ["one = convert(t, 1)", "zero = convert(t, 0)", f"return ({items})"])


@generic
def _seeded(x: Array[V, 1], chunk: Val[C], tag: Val[G]):
    """An array of duals of ``x``'s values with zero partials."""
    xd = np.empty(len(x), Dual[G, V, C])
    z = _zeros(V, chunk)
    for i in range(len(x)):
        xd[i] = Dual[G, V, C](x[i], z)
    return xd


@generic
def _seed(xd, x: Array[V, 1], k, chunk: Val[C], tag: Val[G], on):
    """Seed (``on``) or clear the inputs ``k`` to ``k + C`` of the pass."""
    for j in range(min(C, len(x) - k)):
        xd[k + j] = Dual[G, V, C](x[k + j], _unit(V, chunk, j) if on else _zeros(V, chunk))


@generic
def _partials_of(y: Dual[G, V, C], tag: Val[G], chunk: Val[C]):
    return y.partials


@generic
def _partials_of(y: Real, tag: Val[H], chunk: Val[C]):  # noqa: F811
    return _zeros(typeof(y), chunk)   # no perturbation of this tag reached y: its derivative is 0


@generic(generated=True)
def _store(out, k, p):
    """``out[k + j] = p[j]`` for each partial that has an input."""
    lines = [f"if k + {j} < len(out):\n        out[k + {j}] = p[{j}]" for j in range(len(p.params))]
    return _source("_store", "out, k, p", lines)


@generic(generated=True)
def _store_row(out, i, k, p):
    """``out[i, k + j] = p[j]``: row ``i`` of a Jacobian, the columns of this pass."""
    lines = [f"if k + {j} < out.shape[1]:\n        out[i, k + {j}] = p[{j}]" for j in range(len(p.params))]
    return _source("_store_row", "out, i, k, p", lines)


@generic
def _rows(out, y, k, chunk, tag):
    for i in range(len(y)):
        _store_row(out, i, k, _partials_of(y[i], tag, chunk))


# --- the drivers ---------------------------------------------------------------------------
@generic
def derivative(f, x: Real):
    """``f'(x)`` for ``f`` from a number to a number."""
    return _derivative(f, x, _tag(f, x))


@generic
def _derivative(f, x: V, tag: Val[G]):
    y = f(Dual[G, V, 1](x, (convert(V, 1),)))
    return _partials_of(y, tag, Val(1))[0]


@generic
def gradient(f, x: Array[Real, 1]):
    """The gradient of ``f`` (a 1-D array to a number) at ``x``, in ``ceil(n / 12)`` passes."""
    return _gradient(f, x, Val(DEFAULT_CHUNK), _tag(f, x))


@generic
def gradient(f, x: Array[Real, 1], chunk: Val[C]):  # noqa: F811
    """The gradient with ``C`` partials per pass (``gradient(f, x, Val(4))``)."""
    return _gradient(f, x, chunk, _tag(f, x))


@generic
def _gradient(f, x: Array[V, 1], chunk: Val[C], tag: Val[G]):
    return _passes(np.empty(len(x), _float(V)), f, x, chunk, tag, _GRADIENT)


# What each pass of a driver computes from the seeded duals, and where the partials go: the
# gradient's, the Hessian's, or (``how`` the output array of duals) a writing f's Jacobian.
_GRADIENT, _HESSIAN = Val("gradient"), Val("hessian")


@generic
def _passes(out, f, x: Array[V, 1], chunk: Val[C], tag: Val[G], how):
    """``out`` filled by ``ceil(n / C)`` passes, each seeding ``C`` of ``x``'s inputs."""
    xd = _seeded(x, chunk, tag)
    for k in range(0, len(x), C):
        _seed(xd, x, k, chunk, tag, True)
        _pass(how, out, f, xd, k, chunk, tag)
        _seed(xd, x, k, chunk, tag, False)
    return out


@generic
def _pass(how: Val["gradient"], out, f, xd, k, chunk, tag):
    _store(out, k, _partials_of(f(xd), tag, chunk))


@generic
def _pass(how: Val["hessian"], out, f, xd, k, chunk, tag):  # noqa: F811
    _rows(out, gradient(f, xd, chunk), k, chunk, tag)   # the inner gradient's duals carry a higher tag


@generic
def _pass(how: AbstractArray, out, f, xd, k, chunk, tag):  # noqa: F811
    f(how, xd)
    _rows(out, how, k, chunk, tag)


@generic
def jacobian(f, x: Array[Real, 1]):
    """The Jacobian (``len(f(x))`` rows, ``len(x)`` columns) of ``f`` from a 1-D array to a 1-D
    array; ``f`` allocates its result (``np.empty_like(x)`` makes an array of duals)."""
    return _jacobian(f, x, Val(DEFAULT_CHUNK), _tag(f, x))


@generic
def jacobian(f, x: Array[Real, 1], chunk: Val[C]):  # noqa: F811
    return _jacobian(f, x, chunk, _tag(f, x))


@generic
def jacobian(f, y: Array[Real, 1], x: Array[Real, 1]):  # noqa: F811
    """The Jacobian of ``f(y, x)``, which writes its result into ``y``; ``y`` is left holding
    the values (ForwardDiff's ``jacobian(f!, y, x)``)."""
    return _jacobian_into(f, y, x, Val(DEFAULT_CHUNK), _tag(f, x))


@generic
def jacobian(f, y: Array[Real, 1], x: Array[Real, 1], chunk: Val[C]):  # noqa: F811
    return _jacobian_into(f, y, x, chunk, _tag(f, x))


@generic
def _jacobian(f, x: Array[V, 1], chunk: Val[C], tag: Val[G]):
    xd = _seeded(x, chunk, tag)
    _seed(xd, x, 0, chunk, tag, True)
    y = f(xd)
    out = np.empty((len(y), len(x)), _float(V))
    _rows(out, y, 0, chunk, tag)
    _seed(xd, x, 0, chunk, tag, False)
    for k in range(C, len(x), C):
        _seed(xd, x, k, chunk, tag, True)
        _rows(out, f(xd), k, chunk, tag)
        _seed(xd, x, k, chunk, tag, False)
    return out


@generic
def _jacobian_into(f, y: Array[W, 1], x: Array[V, 1], chunk: Val[C], tag: Val[G]):
    yd = np.empty(len(y), Dual[G, W, C])
    out = _passes(np.empty((len(y), len(x)), _float(W)), f, x, chunk, tag, yd)
    if len(x) == 0:   # no pass ran: f still gives the values
        f(yd, _seeded(x, chunk, tag))
    for i in range(len(y)):
        y[i] = yd[i].value
    return out


@generic
def hessian(f, x: Array[Real, 1]):
    """The Hessian of ``f`` (a 1-D array to a number): the Jacobian of its gradient, with the
    gradient's duals nested inside the Jacobian's (their own tag)."""
    return _hessian(f, x, Val(DEFAULT_CHUNK), _tag(f, x))


@generic
def hessian(f, x: Array[Real, 1], chunk: Val[C]):  # noqa: F811
    return _hessian(f, x, chunk, _tag(f, x))


@generic
def _hessian(f, x: Array[V, 1], chunk: Val[C], tag: Val[G]):
    return _passes(np.empty((len(x), len(x)), _float(V)), f, x, chunk, tag, _HESSIAN)


@generic
def _float(t):
    """The element type of a derivative of values of type ``t``: ``t`` or wider, a float."""
    return promote_type(t, Float64)
