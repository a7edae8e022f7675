"""NumPy's advanced indexing in the language.

Boolean masks: ``a[m]`` reads the elements (or, for a mask of fewer axes, the subarrays) where
the boolean array ``m`` is true, in C order, into a new array; ``a[m] = v`` writes ``v`` there.
Integer (or boolean) index arrays: ``a[idx]``, ``a[:, idx]``, ``a[0, :, idx]`` read a new array
(``take``) and ``a[idx] = v`` writes (``put``), one 1-d index array on any axis.

Each is a loop nest generated for the number of axes, so it serves every layout; the compiler's
``x[...]`` calls them when the subscript holds an array (``array_calls``). The compiler passes
the subscript's shape as constants: the axis of the index array in the view of the other parts,
whether NumPy moves the indexed axis to the front (an integer and the index array with a slice
between them), and the axis of the original array named in errors.
"""

import numpy as np  # noqa: F401 - generated bodies

from .. import library
from ..generic import generic
from ..lattice import ArrayType, Bool, Int64  # noqa: F401 - generated bodies
from .broadcast import is_broadcasted, materialize  # noqa: F401 - generated bodies
from .shapes import _source

__all__ = ["mask_read", "mask_write", "take", "put", "nonzero", "flatnonzero", "argwhere"]


def _checked(a: ArrayType, m: ArrayType) -> list[str]:
    """NumPy's IndexError for a mask whose shape is not that of ``a``'s leading axes (an empty
    mask selects nothing whatever its shape, as NumPy's)."""
    lines = []
    for k in range(m.ndim):
        lines += [f"if m.shape[{k}] != a.shape[{k}] and m.size != 0:",
                  f"    raise IndexError(f'boolean index did not match indexed array along axis {k}; size of axis "
                  f"is {{a.shape[{k}]}} but size of corresponding boolean axis is {{m.shape[{k}]}}')"]
    return lines


def _nest(ndim: int, body: list[str], shape: str = "a") -> list[str]:
    """``body`` inside loops over the first ``ndim`` axes of ``shape``, ``i0, i1, ...``, in C order."""
    return ([f"{'    ' * k}for i{k} in range({shape}.shape[{k}]):" for k in range(ndim)]
            + [f"{'    ' * ndim}{line}" for line in body])


def _ix(ndim: int) -> str:
    return ", ".join(f"i{k}" for k in range(ndim))


def _count(ndim: int, test: str = "m") -> list[str]:
    """``n``: the number of true (nonzero) entries of ``test``."""
    return ["n = 0"] + _nest(ndim, [f"if {test}[{_ix(ndim)}]:", "    n += 1"], test)


def _at(ndim: int, axis: int, i: str) -> str:
    """The subscript of index ``i`` along ``axis`` of ``ndim`` axes: ``[:, :, i]``."""
    return "[" + ", ".join(i if k == axis else ":" for k in range(ndim)) + "]"


@generic(generated=True)
def mask_read(a, m):
    """``a[m]``: a new array of ``a``'s elements (subarrays) where ``m`` is true, in C order."""
    ix, rest = _ix(m.ndim), [f"a.shape[{k}]" for k in range(m.ndim, a.ndim)]
    lines = _checked(a, m) + _count(m.ndim)
    lines += [f"out = np.empty(({', '.join(['n'] + rest)},), a.dtype)", "k = 0"]
    lines += _nest(m.ndim, [f"if m[{ix}]:", f"    out[k] = a[{ix}]", "    k += 1"], "m")
    return _source("mask_read", "a, m", lines + ["return out"])


@generic(generated=True)
def mask_write(a, m, v):
    """``a[m] = v``: ``v`` (a number, an array of one element (subarray) per true entry of
    ``m`` or of one, or an array of a subarray's shape) written where ``m`` is true."""
    ix = _ix(m.ndim)
    lines = _checked(a, m)
    if not isinstance(v, ArrayType) or v.ndim < a.ndim - m.ndim + 1:
        return _source("mask_write", "a, m, v", lines + _nest(m.ndim, [f"if m[{ix}]:", f"    a[{ix}] = v"], "m"))
    lines += _count(m.ndim)
    lines += ["if v.shape[0] != n and v.shape[0] != 1:",
              "    raise ValueError(f'NumPy boolean array indexing assignment cannot assign {v.shape[0]} input "
              "values to the {n} output values where the mask is true')",
              "step = 1 if v.shape[0] != 1 else 0", "k = 0"]
    lines += _nest(m.ndim, [f"if m[{ix}]:", f"    a[{ix}] = v[k]", "    k += step"], "m")
    return _source("mask_write", "a, m, v", lines)


def _pairs(idx: ArrayType, axis: int, orig: int, body: list[str]) -> tuple[list[str], list[str]]:
    """For the index array ``idx`` into the axis ``axis`` of ``v``: lines setting ``n`` (the
    length of the result's indexed axis), and a loop running ``body`` with ``i`` the index
    into ``v`` and ``j`` the position in the result. Integers count from the end when negative
    and raise NumPy's IndexError out of bounds; booleans must match the axis's length."""
    if idx.dtype == Bool:
        count = [f"if idx.shape[0] != size and idx.shape[0] != 0:",
                 f"    raise IndexError(f'boolean index did not match indexed array along axis {orig}; size of "
                 f"axis is {{size}} but size of corresponding boolean axis is {{idx.shape[0]}}')",
                 "n = 0", "for i in range(idx.shape[0]):", "    if idx[i]:", "        n += 1"]
        loop = ["j = 0", "for i in range(idx.shape[0]):", "    if idx[i]:"] + [f"        {b}" for b in body + ["j += 1"]]
        return [f"size = v.shape[{axis}]"] + count, loop
    loop = ["for j in range(n):", "    i = Int64(idx[j])", "    if i < 0:", "        i += size",
            "    if i < 0 or i >= size:",
            f"        raise IndexError(f'index {{idx[j]}} is out of bounds for axis {orig} with size {{size}}')"]
    return [f"size = v.shape[{axis}]", "n = idx.shape[0]"], loop + [f"    {b}" for b in body]


def _constants(axis, front, orig) -> tuple[int, int, int]:
    """The subscript's constants (``Val`` types) as numbers: the axis of ``v`` indexed, where
    the result's indexed axis lies, and the axis named in errors."""
    a, f = axis.param.value, front.param.value
    return a, 0 if f else a, orig.param.value


@generic(generated=True)
def take(v, idx, axis, front, orig):
    """``v[..., idx, ...]`` with ``idx`` on ``axis``: a new array with that axis replaced by one
    of ``len(idx)`` (moved to the front when ``front``), element ``j`` being ``v``'s at ``idx[j]``."""
    ax, pos, og = _constants(axis, front, orig)
    other = [f"v.shape[{k}]" for k in range(v.ndim) if k != ax]
    shape = other[:pos] + ["n"] + other[pos:]
    head, loop = _pairs(idx, ax, og, [f"out{_at(v.ndim, pos, 'j')} = v{_at(v.ndim, ax, 'i')}"])
    lines = head + [f"out = np.empty(({', '.join(shape)},), v.dtype)"] + loop
    return _source("take", "v, idx, axis, front, orig", lines + ["return out"])


@generic(generated=True)
def put(v, idx, values, axis, front, orig):
    """``v[..., idx, ...] = values``: ``values`` broadcast to the shape ``take`` gives, its
    part ``j`` written at ``idx[j]`` (the last write wins for a repeated index, as NumPy)."""
    if isinstance(values, ArrayType) and values.ndim > v.ndim:   # leading axes of 1 broadcast away
        extra = values.ndim - v.ndim
        lines = [f"if values.shape[{k}] != 1:\n        raise ValueError('shape mismatch: value array could not be "
                 f"broadcast to the indexing result of {v.ndim} dimension(s)')" for k in range(extra)]
        rest = "values[" + ", ".join(["0"] * extra) + "]"
        return _source("put", "v, idx, values, axis, front, orig", lines + [f"put(v, idx, {rest}, axis, front, orig)"])
    ax, pos, og = _constants(axis, front, orig)
    target = f"v{_at(v.ndim, ax, 'i')}"
    q = pos - (v.ndim - values.ndim) if isinstance(values, ArrayType) else -1
    if q < 0:   # the values do not reach the indexed axis: each part gets all of them
        head, loop = _pairs(idx, ax, og, [f"{target} = values"])
        return _source("put", "v, idx, values, axis, front, orig", head + loop)
    head, loop = _pairs(idx, ax, og, [f"{target} = values{_at(values.ndim, q, 'j * step')}"])
    check = [f"if values.shape[{q}] != n and values.shape[{q}] != 1:",
             f"    raise ValueError(f'shape mismatch: value array of {{values.shape[{q}]}} along axis {q} could not "
             "be broadcast to the indexing result of {n}')",
             f"step = 1 if values.shape[{q}] != 1 else 0"]
    return _source("put", "v, idx, values, axis, front, orig", head + check + loop)


def _positions(a: ArrayType, record: list[str]) -> list[str]:
    """Count ``a``'s nonzero entries into ``n``, allocate with ``record[0]``, then run the rest
    of ``record`` at each nonzero entry in C order, ``k`` counting them."""
    if a.ndim == 0:
        hint = " If the context of this error is of the form `arr[nonzero(cond)]`, just use `arr[cond]`."
        return ["raise ValueError('Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar)"
                f".nonzero() instead.{hint if a.dtype == Bool else ''}')"]   # NumPy's words, by dtype
    return (_count(a.ndim, "a") + [record[0], "k = 0"]
            + _nest(a.ndim, [f"if a[{_ix(a.ndim)}]:"] + [f"    {r}" for r in record[1:] + ["k += 1"]]))


def _computed(name: str) -> str:
    """The body calling ``name`` again on its argument, an array expression, computed."""
    return _source(name, "a", [f"return {name}(materialize(a))"])


def _scalar(a) -> str:
    """The value of a 0-d array or number ``a`` in a generated body."""
    return "a[()]" if isinstance(a, ArrayType) else "a"


@generic(generated=True)
def nonzero(a):
    """``np.nonzero(a)``, ``np.where(a)``: a tuple of one Int64 array per axis, the indices of
    the nonzero entries in C order."""
    if is_broadcasted(a):
        return _computed("nonzero")
    if not isinstance(a, ArrayType):
        return _source("nonzero", "a", ["return nonzero(np.full((), a))"])
    lines = _positions(a, ["".join(f"out{d} = np.empty(n, np.int64); " for d in range(a.ndim)).rstrip("; ")]
                       + [f"out{d}[k] = i{d}" for d in range(a.ndim)])
    return _source("nonzero", "a", lines + [f"return ({''.join(f'out{d}, ' for d in range(a.ndim))})"])


@generic(generated=True)
def argwhere(a):
    """``np.argwhere(a)``: an Int64 array of shape ``(n, a.ndim)``, a row of indices per nonzero
    entry in C order (a 0-d array has one row of none when it is nonzero)."""
    if is_broadcasted(a):
        return _computed("argwhere")
    if not isinstance(a, ArrayType) or a.ndim == 0:   # a number is a 0-d array
        return _source("argwhere", "a", [f"return np.empty((1 if {_scalar(a)} != 0 else 0, 0), np.int64)"])
    lines = _positions(a, [f"out = np.empty((n, {a.ndim}), np.int64)"] + [f"out[k, {d}] = i{d}" for d in range(a.ndim)])
    return _source("argwhere", "a", lines + ["return out"])


@generic(generated=True)
def flatnonzero(a):
    """``np.flatnonzero(a)``: the C-order flat indices of ``a``'s nonzero entries."""
    if is_broadcasted(a):
        return _computed("flatnonzero")
    if not isinstance(a, ArrayType) or a.ndim == 0:
        return _source("flatnonzero", "a", [f"return np.arange(1 if {_scalar(a)} != 0 else 0)"])
    flat = " + ".join(f"i{d}" + "".join(f" * a.shape[{e}]" for e in range(d + 1, a.ndim)) for d in range(a.ndim))
    return _source("flatnonzero", "a", _positions(a, ["out = np.empty(n, np.int64)", f"out[k] = {flat}"])
                   + ["return out"])


for _f in (mask_read, mask_write, take, put):
    library.register(_f)
for _f, _py in [(nonzero, np.nonzero), (argwhere, np.argwhere), (flatnonzero, np.flatnonzero)]:
    library.register(_f, stands_for=(_py,), by_name=False)
