"""NumPy's shape functions in the language: ``reshape``, ``ravel``, ``flatten``, ``transpose``
with axes, ``swapaxes``, ``moveaxis``, ``expand_dims``, ``squeeze``, ``flip``, ``concatenate``,
``stack``, ``hstack``, ``vstack`` and ``np.array`` of (nested) tuples.

Each gives a view where NumPy gives one: the array's own memory seen through the shape and
strides NumPy computes (``strided_view``, ``contiguous_view``), so writing into the result
writes into the array; and a new array where NumPy copies. A view of a C array keeps the C
layout only where that is known when the function compiles (``reshape`` of a C array); other
views are any-stride ('A'). The rank of every result is known from the argument types, so an
axis is an ordinary Int64 (or tuple of them) and may be computed at run time; only what decides
the rank (``squeeze``'s axes) must be given.
"""

import numpy as np
from numpy.exceptions import AxisError  # noqa: F401 - raised by compiled code

from .. import library
from ..array_intrinsics import contiguous_view, flat, result_type, setflat, strided_view  # noqa: F401 - generated bodies
from ..generic import generic
from ..lattice import ANY_TUPLE, AbstractArray, Any, Array, ArrayType, Int64, Integer, Nothing, TupleType, Val, make_union
from ..numpy_calls import REQUIRED
from ..runtime.exceptions import MAX_PAYLOAD
from .broadcast import astype, broadcast_into

__all__ = ["axis_index", "reshape", "ravel", "flatten", "transpose", "swapaxes", "moveaxis", "expand_dims",
           "squeeze", "flip", "concatenate", "stack", "hstack", "vstack", "array", "is_c_contiguous"]

Axes = make_union(Integer, ANY_TUPLE)


@generic
def axis_index(axis: Integer, ndim: Integer):
    """``axis`` counted from 0 (a negative one from the end), or NumPy's AxisError."""
    if axis < -ndim or axis >= ndim:
        raise AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return Int64(axis + ndim if axis < 0 else axis)


def _named_axis(var: str, param: str, n: int) -> list[str]:
    """Lines setting ``var`` to the parameter ``param`` as an axis of ``n``, or raising NumPy's
    AxisError that names the parameter (``np.swapaxes``' ``axis2: axis 5 is out of ...``)."""
    return [f"if {param} < -{n} or {param} >= {n}:",
            f"    raise AxisError(f'{param}: axis {{{param}}} is out of bounds for array of dimension {n}')",
            f"{var} = {param} + {n} if {param} < 0 else {param}"]


def _tuple(name: str, n: int) -> str:
    return "(" + "".join(f"{name}{k}, " for k in range(n)) + ")"


def _unpack(name: str, source: str, n: int) -> list[str]:
    return [f"{name}{k} = {source}[{k}]" for k in range(n)]


# --- reshape ---------------------------------------------------------------------------------
@generic(generated=True)
def new_shape(shape, size):
    """``shape`` (an integer or a tuple of them, a negative one standing for what the others
    leave) for ``size`` elements, or NumPy's ValueError."""
    n = len(shape.params) if isinstance(shape, TupleType) else 1
    lines = _unpack("s", "shape", n) if isinstance(shape, TupleType) else ["s0 = shape"]
    lines += [f"s{k} = Int64(s{k})" for k in range(n)]
    lines += ["unknown = -1", "known = 1"]
    for k in range(n):
        lines += [f"if s{k} < 0:",
                  "    if unknown >= 0:",
                  "        raise ValueError('can only specify one unknown dimension')",
                  f"    unknown = {k}",
                  "else:",
                  f"    known *= s{k}"]
    shown = ",".join(f"{{s{k}}}" for k in range(n))
    message = (f"cannot reshape array of size {{size}} into shape ({shown}{',' if n == 1 else ''})"
               if n < MAX_PAYLOAD else f"cannot reshape array of size {{size}} into a shape of {n} axes")
    lines += ["if unknown < 0:",
              "    if known != size:",
              f"        raise ValueError(f'{message}')",
              "elif known == 0 or size % known != 0:",
              f"    raise ValueError(f'{message}')"]
    for k in range(n):
        lines += [f"if unknown == {k}:", f"    s{k} = size // known"]
    lines.append(f"return {_tuple('s', n)}")
    return "def new_shape(shape, size):\n" + "".join(f"    {line}\n" for line in lines)


def _source(name: str, params: str, lines: list[str]) -> str:
    return f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in lines)


@generic(generated=True)
def c_strides(shape, itemsize):
    """The byte strides of a C-contiguous array of ``shape``."""
    n = len(shape.params)
    lines = [f"t{n - 1} = itemsize"] if n else []
    lines += [f"t{k} = t{k + 1} * shape[{k + 1}]" for k in range(n - 2, -1, -1)]
    return _source("c_strides", "shape, itemsize", lines + [f"return {_tuple('t', n)}"])


@generic(generated=True)
def is_c_contiguous(a):
    """Whether ``a``'s elements lie in C order without gaps (NumPy's flag: axes of length 1
    have any stride, and an empty array is contiguous)."""
    lines = ["step = a.itemsize", "ok = True"]
    for k in range(a.ndim - 1, -1, -1):
        lines += [f"if a.shape[{k}] != 1:", f"    ok = ok and a.strides[{k}] == step", f"step *= a.shape[{k}]"]
    return _source("is_c_contiguous", "a", lines + ["return ok or a.size == 0"])


@generic(generated=True)
def reversed_tuple(t):
    n = len(t.params)
    return _source("reversed_tuple", "t", ["return (" + "".join(f"t[{k}], " for k in reversed(range(n))) + ")"])


@generic
def reshape(a: AbstractArray, shape):
    """``np.reshape(a, shape)``, C order: a view when NumPy gives one (always for a contiguous
    array), else a copy."""
    return reshape_c(a, shape)


@generic
def reshape(a: AbstractArray, shape, order: Val["C"]):  # noqa: F811
    return reshape_c(a, shape)


@generic
def reshape(a: AbstractArray, shape, order: Val["F"]):  # noqa: F811
    """Fortran order: the transpose reshaped in C order to the reversed shape, transposed."""
    return reshape_c(a.T, reversed_tuple(new_shape(shape, a.size))).T


@generic
def reshape_c(a: Array[Any, None, "C"], shape):
    return contiguous_view(a, new_shape(shape, a.size))


@generic
def reshape_c(a: AbstractArray, shape):  # noqa: F811
    s = new_shape(shape, a.size)
    if a.size != 0:
        ok, strides = nocopy_strides(a, s)
        if ok:
            return strided_view(a, s, strides, 0)
    copied = a.copy()
    return strided_view(copied, s, c_strides(s, a.itemsize), 0)


@generic(generated=True)
def nocopy_strides(a, s):
    """Whether ``a`` (not empty) can be viewed at shape ``s`` in C order, and the strides: NumPy's
    ``_attempt_nocopy``. Each run of old axes merging into a run of new ones must be contiguous
    in itself; axes of length 1 are left out of the matching."""
    n, m = a.ndim, len(s.params)
    strides = "(" + "".join(f"ns[{k}], " for k in range(m)) + ")"
    lines = [f"od = np.empty({max(n, 1)}, Int64)", f"os = np.empty({max(n, 1)}, Int64)",
             f"nd = np.empty({max(m, 1)}, Int64)", f"ns = np.empty({max(m, 1)}, Int64)", "on = 0"]
    for k in range(n):
        lines += [f"if a.shape[{k}] != 1:", f"    od[on] = a.shape[{k}]", f"    os[on] = a.strides[{k}]", "    on += 1"]
    lines += [f"nd[{k}] = s[{k}]" for k in range(m)]
    lines += [
        "oi, oj, ni, nj = 0, 1, 0, 1",
        f"while ni < {m} and oi < on:",
        "    p, q = nd[ni], od[oi]",
        "    while p != q:",
        "        if p < q:",
        "            p *= nd[nj]",
        "            nj += 1",
        "        else:",
        "            q *= od[oj]",
        "            oj += 1",
        "    for ok in range(oi, oj - 1):",
        "        if os[ok] != od[ok + 1] * os[ok + 1]:",
        f"            return False, {strides}",
        "    ns[nj - 1] = os[oj - 1]",
        "    for nk in range(nj - 1, ni, -1):",
        "        ns[nk - 1] = ns[nk] * nd[nk]",
        "    ni, oi = nj, oj",
        "    nj, oj = nj + 1, oj + 1",
        "last = ns[ni - 1] if ni >= 1 else a.itemsize",
        f"for nk in range(ni, {m}):",
        "    ns[nk] = last",
        f"return True, {strides}"]
    return _source("nocopy_strides", "a, s", lines)


@generic
def ravel(a: AbstractArray):
    """``np.ravel(a)``: the elements in C order, a view when ``a`` is C-contiguous, else a copy."""
    return ravel_c(a)


@generic
def ravel(a: AbstractArray, order: Val["C"]):  # noqa: F811
    return ravel_c(a)


@generic
def ravel(a: AbstractArray, order: Val["F"]):  # noqa: F811
    return ravel_c(a.T)


@generic
def ravel_c(a: Array[Any, None, "C"]):
    return contiguous_view(a, (a.size,))


@generic
def ravel_c(a: AbstractArray):  # noqa: F811
    if is_c_contiguous(a):
        return strided_view(a, (a.size,), (a.itemsize,), 0)
    return strided_view(a.copy(), (a.size,), (a.itemsize,), 0)


@generic
def flatten(a: AbstractArray):
    """``a.flatten()``: a new array of the elements in C order (F: ``order='F'``)."""
    return contiguous_view(a.copy(), (a.size,))


@generic
def flatten(a: AbstractArray, order: Val["C"]):  # noqa: F811
    return flatten(a)


@generic
def flatten(a: AbstractArray, order: Val["F"]):  # noqa: F811
    return flatten(a.T)


# --- axes ------------------------------------------------------------------------------------
@generic(generated=True)
def tuple_at(t, i):
    """``t[i]`` for a tuple of one type and a run-time index the caller keeps in range."""
    n = len(t.params)
    lines = [f"if i == {k}:\n        return t[{k}]" for k in range(n - 1)] + [f"return t[{n - 1}]"]
    return _source("tuple_at", "t, i", lines)


@generic(generated=True)
def axis_set(axis, ndim):
    """An integer axis or a tuple of them, normalized (AxisError when out of range), sorted and
    checked distinct (ValueError, worded as NumPy's reductions word it), as a tuple."""
    k = len(axis.params) if isinstance(axis, TupleType) else 1
    lines = _normalized_axes(axis)
    for i in range(k):   # a sorting network: k is small
        for j in range(k - 1 - i):
            lines += [f"if x{j} > x{j + 1}:", f"    x{j}, x{j + 1} = x{j + 1}, x{j}"]
    for j in range(k - 1):
        lines += [f"if x{j} == x{j + 1}:", "    raise ValueError(\"duplicate value in 'axis'\")"]
    return _source("axis_set", "axis, ndim", lines + [f"return {_tuple('x', k)}"])


@generic(generated=True)
def axis_tuple(axis, ndim):
    """NumPy's ``normalize_axis_tuple``: an integer axis or a tuple of them, normalized, in the
    order given, checked distinct (``ValueError: repeated axis``), as a tuple."""
    k = len(axis.params) if isinstance(axis, TupleType) else 1
    lines = _normalized_axes(axis)
    for i in range(k):
        for j in range(i + 1, k):
            lines += [f"if x{i} == x{j}:", "    raise ValueError('repeated axis')"]
    return _source("axis_tuple", "axis, ndim", lines + [f"return {_tuple('x', k)}"])


def _normalized_axes(axis) -> list[str]:
    """Lines setting ``x0, x1, ...`` to the axes of ``axis`` (an integer or a tuple) counted from 0."""
    if isinstance(axis, TupleType):
        return [f"x{j} = axis_index(axis[{j}], ndim)" for j in range(len(axis.params))]
    return ["x0 = axis_index(axis, ndim)"]


@generic(generated=True)
def kept_axes(axes, a):
    """The axes of the array ``a`` not in the sorted tuple ``axes``, in order."""
    n = a.ndim - len(axes.params)
    lines = []
    for j in range(n):
        lines.append(f"k{j} = {j}")
        lines += [f"if axes[{i}] <= k{j}:\n        k{j} += 1" for i in range(len(axes.params))]
    return _source("kept_axes", "axes, a", lines + [f"return {_tuple('k', n)}"])


@generic(generated=True)
def permuted(a, order):
    """A view of ``a`` with axis ``k`` its axis ``order[k]`` (any subset of them, in any order)."""
    n = len(order.params)
    shape = "(" + "".join(f"tuple_at(a.shape, order[{k}]), " for k in range(n)) + ")"
    strides = "(" + "".join(f"tuple_at(a.strides, order[{k}]), " for k in range(n)) + ")"
    return _source("permuted", "a, order", [f"return strided_view(a, {shape}, {strides}, 0)"])


@generic
def transpose(a: AbstractArray):
    """``np.transpose(a)``: the axes reversed (a view)."""
    return a.T


@generic
def transpose(a: AbstractArray, axes: Nothing):  # noqa: F811
    return a.T


@generic(generated=True)
def transpose(a: AbstractArray, axes: ANY_TUPLE):  # noqa: F811
    """``np.transpose(a, axes)``: axis ``k`` of the view is ``a``'s axis ``axes[k]``."""
    n = a.ndim
    if len(axes.params) != n:
        return _source("transpose", "a, axes", ["raise ValueError(\"axes don't match array\")"])
    lines = [f"p{k} = axis_index(axes[{k}], {n})" for k in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            lines += [f"if p{i} == p{j}:", "    raise ValueError('repeated axis in transpose')"]
    return _source("transpose", "a, axes", lines + [f"return permuted(a, {_tuple('p', n)})"])


@generic(generated=True)
def swapaxes(a: AbstractArray, axis1: Integer, axis2: Integer):
    """``np.swapaxes(a, axis1, axis2)`` (a view)."""
    n = a.ndim
    order = "(" + "".join(f"i if {k} == j else j if {k} == i else {k}, " for k in range(n)) + ")"
    return _source("swapaxes", "a, axis1, axis2",
                   _named_axis("i", "axis1", n) + _named_axis("j", "axis2", n) + [f"return permuted(a, {order})"])


@generic(generated=True)
def moveaxis(a: AbstractArray, source: Integer, destination: Integer):
    """``np.moveaxis(a, source, destination)``: axis ``source`` moved to position
    ``destination``, the others in their order (a view)."""
    n = a.ndim
    other = lambda j: f"({j} if {j} < s else {j + 1})"  # noqa: E731 - the j-th axis that is not s
    order = "(" + "".join(f"s if {k} == d else {other(k)} if {k} < d else {other(k - 1)}, " for k in range(n)) + ")"
    return _source("moveaxis", "a, source, destination",
                   _named_axis("s", "source", n) + _named_axis("d", "destination", n) + [f"return permuted(a, {order})"])


@generic(generated=True)
def expand_dims(a: AbstractArray, axis: Integer):
    """``np.expand_dims(a, axis)``: a view with a new axis of length 1 at ``axis``."""
    n = a.ndim
    lines = [f"x = axis_index(axis, {n + 1})"]
    if n == 0:
        return _source("expand_dims", "a, axis", lines + ["return strided_view(a, (1,), (0,), 0)"])
    src = lambda k: f"{k} if {k} < x else {k - 1}" if k else "0"  # noqa: E731
    shape = "(" + "".join(f"1 if x == {k} else tuple_at(a.shape, {src(k)}), " for k in range(n + 1)) + ")"
    strides = "(" + "".join(f"0 if x == {k} else tuple_at(a.strides, {src(k)}), " for k in range(n + 1)) + ")"
    return _source("expand_dims", "a, axis", lines + [f"return strided_view(a, {shape}, {strides}, 0)"])


@generic(generated=True)
def expand_dims(a: AbstractArray, axis: ANY_TUPLE):  # noqa: F811
    """``np.expand_dims(a, axes)``: a view with a new axis of length 1 at each of ``axes``
    (positions in the result); the axes of ``a`` fill the other positions in order."""
    k, n = len(axis.params), a.ndim
    m = n + k
    lines = [f"axes = axis_tuple(axis, {m})", "src = 0"]
    for d in range(m):
        if n == 0:   # every axis is new
            lines.append(f"n{d}, s{d} = 1, 0")
            continue
        new = " or ".join(f"axes[{j}] == {d}" for j in range(k)) or "False"
        # else the next axis of ``a`` (chosen at run time: the new axes' positions are values)
        lines += [f"if {new}:", f"    n{d}, s{d} = 1, 0",
                  "else:", f"    n{d}, s{d} = tuple_at(a.shape, src), tuple_at(a.strides, src)", "    src += 1"]
    return _source("expand_dims", "a, axis", lines + [f"return strided_view(a, {_tuple('n', m)}, {_tuple('s', m)}, 0)"])


@generic
def squeeze(a: AbstractArray, axis: Axes):
    """``np.squeeze(a, axis)``: a view without the given axes, each of length 1 (ValueError
    otherwise). The axes must be given: without them the rank would depend on the shape."""
    axes = axis_set(axis, a.ndim)
    if not all_ones(a.shape, axes):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return permuted(a, kept_axes(axes, a))


@generic(generated=True)
def all_ones(shape, axes):
    """Whether the extents ``shape[k]`` are 1 for every ``k`` in ``axes``."""
    test = " and ".join(f"tuple_at(shape, axes[{j}]) == 1" for j in range(len(axes.params))) or "True"
    return _source("all_ones", "shape, axes", [f"return {test}"])


@generic(generated=True)
def flip(m: AbstractArray, axis):
    """``np.flip(m, axis)``: a view with the given axes (all for None) reversed."""
    n = m.ndim
    if axis is Nothing:
        lines, flipped = [], lambda k: "True"  # noqa: E731
    else:
        count = len(axis.params) if isinstance(axis, TupleType) else 1
        lines = ["axes = axis_tuple(axis, m.ndim)"]
        flipped = lambda k: " or ".join(f"axes[{j}] == {k}" for j in range(count))  # noqa: E731
    lines.append("offset = 0")
    for k in range(n):
        lines += [f"f{k} = {flipped(k)}",
                  f"if f{k} and m.shape[{k}] > 0:",
                  f"    offset += (m.shape[{k}] - 1) * m.strides[{k}]"]
    strides = "(" + "".join(f"-m.strides[{k}] if f{k} else m.strides[{k}], " for k in range(n)) + ")"
    return _source("flip", "m, axis", lines + [f"return strided_view(m, m.shape, {strides}, offset)"])


@generic
def flip(m: AbstractArray):  # noqa: F811
    return flip(m, None)


# --- joining ---------------------------------------------------------------------------------
@generic(generated=True)
def concatenate(arrays: ANY_TUPLE, axis: Integer):
    """``np.concatenate(arrays, axis)``: a new array of the arrays one after another along
    ``axis`` (their other axes must agree), of their dtypes' promotion."""
    types = arrays.params
    if not types or not all(isinstance(t, ArrayType) for t in types):
        return _raising("concatenate", "arrays, axis", TypeError, "np.concatenate takes a tuple of arrays")
    n = types[0].ndim
    for i, t in enumerate(types):
        if t.ndim != n:
            return _raising("concatenate", "arrays, axis", ValueError,
                            "all the input arrays must have same number of dimensions, but the array at index 0 "
                            f"has {n} dimension(s) and the array at index {i} has {t.ndim} dimension(s)")
    if n == 0:
        return _raising("concatenate", "arrays, axis", ValueError, "zero-dimensional arrays cannot be concatenated")
    lines = [f"x{i} = arrays[{i}]" for i in range(len(types))] + [f"ax = axis_index(axis, {n})", "total = 0"]
    for i in range(len(types)):
        for k in range(n):
            lines += [f"if {k} != ax and x{i}.shape[{k}] != x0.shape[{k}]:",
                      "    raise ValueError(f'all the input array dimensions except for the concatenation axis must "
                      f"match exactly, but along dimension {k}, the array at index 0 has size {{x0.shape[{k}]}} and "
                      f"the array at index {i} has size {{x{i}.shape[{k}]}}')"]
        lines.append(f"total += tuple_at(x{i}.shape, ax)")
    shape = "(" + "".join(f"total if ax == {k} else x0.shape[{k}], " for k in range(n)) + ")"
    probe = ", ".join(f"flat(x{i}, 0)" for i in range(len(types)))
    lines += [f"out = np.empty({shape}, result_type({probe}))", "step = tuple_at(out.strides, ax)", "start = 0"]
    for i in range(len(types)):
        lines += [f"broadcast_into(strided_view(out, x{i}.shape, out.strides, start * step), x{i})",
                  f"start += tuple_at(x{i}.shape, ax)"]
    return _source("concatenate", "arrays, axis", lines + ["return out"])


def _raising(name: str, params: str, cls: type, message: str) -> str:
    return _source(name, params, [f"raise {cls.__name__}({message!r})"])


@generic
def concatenate(arrays: ANY_TUPLE):  # noqa: F811
    return concatenate(arrays, 0)


@generic(generated=True)
def stack(arrays: ANY_TUPLE, axis: Integer):
    """``np.stack(arrays, axis)``: arrays of one shape joined along a new axis."""
    k = len(arrays.params)
    lines = [f"if arrays[{i}].shape != arrays[0].shape:\n        raise ValueError('all input arrays must have the "
             "same shape')" for i in range(1, k)]
    expanded = "(" + "".join(f"expand_dims(arrays[{i}], axis), " for i in range(k)) + ")"
    return _source("stack", "arrays, axis", lines + [f"return concatenate({expanded}, axis)"])


@generic
def stack(arrays: ANY_TUPLE):  # noqa: F811
    return stack(arrays, 0)


@generic(generated=True)
def hstack(tup: ANY_TUPLE):
    """``np.hstack``: 1-d arrays joined end to end, others along their second axis."""
    axis = 0 if tup.params and getattr(tup.params[0], "ndim", None) == 1 else 1
    return _source("hstack", "tup", [f"return concatenate(tup, {axis})"])


@generic(generated=True)
def vstack(tup: ANY_TUPLE):
    """``np.vstack``: arrays joined along their first axis, a 1-d one as a row."""
    rows = "(" + "".join(f"expand_dims(tup[{i}], 0), " if getattr(t, "ndim", None) == 1 else f"tup[{i}], "
                         for i, t in enumerate(tup.params)) + ")"
    return _source("vstack", "tup", [f"return concatenate({rows}, 0)"])


# --- np.array ----------------------------------------------------------------------------------
def _nested_shape(t) -> tuple[int, ...] | None:
    """The shape of a rectangular nest of tuples of numbers, or None for a ragged one."""
    if not isinstance(t, TupleType):
        return ()
    shapes = {_nested_shape(p) for p in t.params}
    if len(shapes) > 1 or None in shapes:
        return None
    return (len(t.params), *(shapes.pop() if shapes else ()))


@generic(generated=True)
def array(obj, dtype):
    """``np.array(obj, dtype)`` of a number or a rectangular nest of tuples of numbers (the
    dtype their promotion, for None): a new array of that shape."""
    shape = _nested_shape(obj)
    if shape is None:
        return _raising("array", "obj, dtype", ValueError,
                        "setting an array element with a sequence. The requested array has an inhomogeneous shape")
    indices = list(np.ndindex(*shape))
    leaves = ["obj" + "".join(f"[{i}]" for i in index) for index in indices]
    t = "dtype" if dtype is not Nothing else (f"result_type({', '.join(leaves)})" if leaves else "np.float64")
    lines = [f"out = np.empty({shape!r}, {t})"]
    lines += [f"out[{', '.join(map(str, index))}] = {leaf}" for index, leaf in zip(indices, leaves) if index]
    if not shape:
        return _source("array", "obj, dtype", lines + ["setflat(out, 0, obj)", "return out"])
    return _source("array", "obj, dtype", lines + ["return out"])


@generic
def array(obj: AbstractArray, dtype: Nothing):  # noqa: F811
    return obj.copy()


@generic
def array(obj: AbstractArray, dtype):  # noqa: F811
    return astype(obj, dtype)


@generic
def array(obj):  # noqa: F811
    return array(obj, None)


@generic
def asarray(a: AbstractArray):
    """``np.asarray(a)``: an array itself; a number or tuple as ``np.array``."""
    return a


@generic
def asarray(a):  # noqa: F811
    return array(a, None)


_ORDER = {"order": "C"}
for _f, _py, _keywords, _static in [
        (reshape, np.reshape, {"shape": None, **_ORDER}, ("order",)), (ravel, np.ravel, _ORDER, ("order",)),
        (flatten, np.ndarray.flatten, _ORDER, ("order",)), (transpose, np.transpose, {"axes": None}, ()),
        (swapaxes, np.swapaxes, {"axis1": None, "axis2": None}, ()),
        (moveaxis, np.moveaxis, {"source": None, "destination": None}, ()),
        (expand_dims, np.expand_dims, {"axis": None}, ()), (squeeze, np.squeeze, {"axis": REQUIRED}, ()),
        (flip, np.flip, {"axis": None}, ()), (concatenate, np.concatenate, {"axis": 0}, ()),
        (stack, np.stack, {"axis": 0}, ()), (hstack, np.hstack, {}, ()), (vstack, np.vstack, {}, ()),
        (array, np.array, {"dtype": None}, ()), (asarray, np.asarray, {}, ())]:
    library.register(_f, stands_for=(_py,), by_name=False, keywords=_keywords, static=_static)
