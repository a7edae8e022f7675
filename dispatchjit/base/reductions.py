"""NumPy's reductions (``np.sum``, ``np.prod``, ``np.min``, ``np.max``, ``np.mean``,
``np.var``, ``np.std``, ``np.argmin``, ``np.argmax``, ``np.any``, ``np.all``, and the array methods
of those names) and the cumulative ``np.cumsum`` and ``np.cumprod``, as generic functions
written in the language.

Each has its whole-array methods; ``axis=`` (an integer or a tuple of them), ``dtype=``,
``keepdims=`` and ``ddof=`` are one generated method per function (``_with_axis``) that
applies the whole-array method to each subarray over the axes (``along``), so ``np.max(x,
axis=0)`` has exactly the semantics of ``np.max`` of each column. The result types are NumPy 2's: integer sums and products in Int64 (UInt64 for
unsigned elements; wrapping as NumPy's do), Bool sums count; floats and complex keep their
type. A float sum is NumPy's pairwise summation (blocks of 128 with eight accumulators, halves
above), so it is as accurate as NumPy's, and for an array NumPy sums in one pass (contiguous,
of a float dtype) the same to the last bit.
"""

import builtins

import numpy as np

from .. import library
from ..array_intrinsics import (at, broadcast_view, contiguous_view, flat, numpy_op, setflat, strided_view,  # noqa: F401
                               weak)  # - generated bodies
from ..generic import generic
from ..lattice import (AbstractArray, Any, Array, ArrayType, Bool, Integer, Complex64, Complex128, Float32, Float64, Int8, Int16,
                       Int32, Int64, Nothing, PrimitiveType, TupleType, Type, TypeVar, UInt8, UInt16, UInt32, UInt64, make_union, typeof)  # noqa: F401
from .broadcast import Broadcasted, Tree, astype, materialize, probe, shape_lines  # noqa: F401 - generated bodies
from .ops import gt, lt
from .shapes import axis_index, axis_set, is_c_contiguous, kept_axes, ravel_c, tuple_at  # noqa: F401 - generated bodies

__all__ = ["sum", "prod", "min", "max", "mean", "var", "std", "argmin", "argmax", "any", "all", "cumsum", "cumprod",
           "along", "lines_along"]

SIGNED = TypeVar("SIGNED", make_union(Bool, Int8, Int16, Int32, Int64))
UNSIGNED = TypeVar("UNSIGNED", make_union(UInt8, UInt16, UInt32, UInt64))
INTEGER = TypeVar("INTEGER", make_union(Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64))
INEXACT = TypeVar("INEXACT", make_union(Float32, Float64, Complex64, Complex128))
FLOAT = TypeVar("FLOAT", make_union(Float32, Float64))
_ieee_max, _ieee_min = numpy_op("maximum"), numpy_op("minimum")


# Generic functions standing for the intrinsics, which are not values ``extreme`` can be passed.
@generic
def _maximum(x, y):
    return _ieee_max(x, y)


@generic
def _minimum(x, y):
    return _ieee_min(x, y)


@generic
def sum(a: Array[SIGNED]):
    """``np.sum(a)`` of the whole array."""
    return sequential_sum(a, Int64)


@generic
def sum(a: Array[UNSIGNED]):  # noqa: F811
    return sequential_sum(a, UInt64)


@generic
def sequential_sum(a, t):
    """The elements added in order as values of ``t`` (integers: exact, or wrapping as NumPy's)."""
    s = t(0)
    for i in range(a.size):
        s += t(flat(a, i))
    return s


@generic
def sum(a: Array[INEXACT]):  # noqa: F811
    return total(a, a.dtype)


@generic
def total(a, t):
    """The sum of ``a``'s elements as values of type ``t``, as NumPy's reduction adds them:
    zero plus the pairwise sum of all of them (so a sum of negative zeros is 0.0, as NumPy's)."""
    return t(0) + pairwise(a, 0, a.size, t)


@generic
def pairwise(a, lo, n, t):
    """NumPy's pairwise summation of ``n`` elements from flat index ``lo``, in type ``t``:
    below 8 elements a plain loop, up to 128 eight accumulators, above that the halves (the
    first rounded down to a multiple of 8) summed recursively and added.

    Only the rightmost block can have a tail of ``n % 8`` elements, so the halves on its left
    go to ``blocks``, which has no tail code: a tail loop fed by the eight accumulators' sum
    makes LLVM's SLP vectorizer pack that sum two lanes wide, dragging the accumulators into
    the same shape (four 2-lane registers and shuffles: a quarter slower at 10^6), while without it
    they stay in one vector register."""
    if n < 8:
        s = t(0)
        for i in range(lo, lo + n):
            s += t(flat(a, i))
        return s
    if n <= 128:
        end = lo + n - n % 8
        s = eight_accumulators(a, lo, end, t)
        for i in range(end, lo + n):
            s += t(flat(a, i))
        return s
    half = n // 2
    half -= half % 8
    return blocks(a, lo, half, t) + pairwise(a, lo + half, n - half, t)


@generic
def blocks(a, lo, n, t):
    """``pairwise`` of a multiple of 8, at least 64, elements (its halves are too)."""
    if n <= 128:
        return eight_accumulators(a, lo, lo + n, t)
    half = n // 2
    half -= half % 8
    return blocks(a, lo, half, t) + blocks(a, lo + half, n - half, t)


@generic
def eight_accumulators(a, lo, end, t):
    """The sum of the elements from ``lo`` to ``end`` (8 or more, a multiple of 8), NumPy's
    way: element ``i`` added to accumulator ``i % 8``, the eight then added pairwise."""
    r0, r1, r2, r3 = t(flat(a, lo)), t(flat(a, lo + 1)), t(flat(a, lo + 2)), t(flat(a, lo + 3))
    r4, r5, r6, r7 = t(flat(a, lo + 4)), t(flat(a, lo + 5)), t(flat(a, lo + 6)), t(flat(a, lo + 7))
    for i in range(lo + 8, end, 8):
        r0 += t(flat(a, i))
        r1 += t(flat(a, i + 1))
        r2 += t(flat(a, i + 2))
        r3 += t(flat(a, i + 3))
        r4 += t(flat(a, i + 4))
        r5 += t(flat(a, i + 5))
        r6 += t(flat(a, i + 6))
        r7 += t(flat(a, i + 7))
    return ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))


@generic
def prod(a: Array[SIGNED]):
    """``np.prod(a)`` of the whole array (in order, as NumPy multiplies)."""
    return sequential_product(a, Int64)


@generic
def prod(a: Array[UNSIGNED]):  # noqa: F811
    return sequential_product(a, UInt64)


@generic
def prod(a: Array[INEXACT]):  # noqa: F811
    return sequential_product(a, a.dtype)


@generic
def sequential_product(a, t):
    p = t(1)
    for i in range(a.size):
        p *= t(flat(a, i))
    return p


@generic
def min(a: AbstractArray):
    """``np.min(a)``: a NaN anywhere gives NaN; an empty array raises ValueError, as NumPy."""
    if a.size == 0:
        raise ValueError("zero-size array to reduction operation minimum which has no identity")
    return extreme(a, lt, _minimum)


@generic
def max(a: AbstractArray):
    """``np.max(a)``: a NaN anywhere gives NaN; an empty array raises ValueError, as NumPy."""
    if a.size == 0:
        raise ValueError("zero-size array to reduction operation maximum which has no identity")
    return extreme(a, gt, _maximum)


@generic
def extreme(a, better, ieee):
    """The element no other is ``better`` than (the first NaN, if there is one)."""
    m = flat(a, 0)
    for i in range(1, a.size):
        v = flat(a, i)
        if better(v, m) or v != v:
            m = v
    return m


@generic
def extreme(a: Array[FLOAT], better, ieee):  # noqa: F811
    """Floats: the IEEE maximum (or minimum) of the elements, a loop LLVM vectorizes (a NaN
    wins; of 0.0 and -0.0 the maximum is 0.0, where NumPy's answer depends on its SIMD loop)."""
    m = flat(a, 0)
    for i in range(1, a.size):
        m = ieee(m, flat(a, i))
    return m


@generic
def mean(a: Array[INEXACT]):
    """``np.mean(a)``: the pairwise sum over the size, in the element type (NaN for an empty
    array, as NumPy gives, without its warning)."""
    if a.size == 0:
        return a.dtype(np.nan)
    return total(a, a.dtype) / a.dtype(a.size)


@generic
def mean(a: Array[INTEGER]):  # noqa: F811
    """Integers average in Float64, summed as NumPy sums them (converted, then pairwise)."""
    if a.size == 0:
        return np.nan
    return total(a, Float64) / Float64(a.size)


@generic
def any(a: AbstractArray):
    """``np.any(a)``: whether some element is true (nonzero; NaN is true)."""
    for i in range(a.size):
        if flat(a, i):
            return True
    return False


@generic
def all(a: AbstractArray):
    """``np.all(a)``: whether every element is true (so True for an empty array)."""
    for i in range(a.size):
        if not flat(a, i):
            return False
    return True


@generic
def var(a: AbstractArray):
    """``np.var(a)``: the mean squared distance from the mean (absolute squares, for complex
    numbers: a real result), over ``n - ddof``."""
    return variance(a, 0)


@generic
def variance(a, ddof):
    m = mean(a)
    squares = np.empty(a.size, typeof(abs2(m)))
    for i in range(a.size):
        squares[i] = abs2(flat(a, i) - m)
    n = a.size - ddof   # NumPy divides by max(n, 0): inf or NaN when no degree of freedom is left
    return _true_divide(total(squares, squares.dtype), squares.dtype(n if n > 0 else 0))


@generic
def abs2(x):
    """``|x|**2`` as NumPy's var squares: ``x * x``, or for complex ``(x * conj(x)).real``."""
    return x * x


@generic
def abs2(x: make_union(Complex64, Complex128)):  # noqa: F811
    return x.real * x.real + x.imag * x.imag


@generic
def std(a: AbstractArray):
    """``np.std(a)``: the square root of ``np.var(a)``."""
    return deviation(a, 0)


@generic
def deviation(a, ddof):
    return _sqrt(variance(a, ddof))


_sqrt = numpy_op("sqrt")
_true_divide = numpy_op("true_divide")


@generic
def argmin(a: AbstractArray):
    """``np.argmin(a)``: the C-order index of the first least element (of the first NaN, if any)."""
    if a.size == 0:
        raise ValueError("attempt to get argmin of an empty sequence")
    return best_index(in_c_order(a), lt)


@generic
def argmax(a: AbstractArray):
    """``np.argmax(a)``: the C-order index of the first greatest element (of the first NaN)."""
    if a.size == 0:
        raise ValueError("attempt to get argmax of an empty sequence")
    return best_index(in_c_order(a), gt)


@generic
def best_index(a, better):
    k, m = 0, flat(a, 0)
    if m != m:
        return 0
    for i in range(1, a.size):
        v = flat(a, i)
        if v != v:
            return i
        if better(v, m):
            k, m = i, v
    return k


@generic
def in_c_order(a: Array[Any, 1]):
    """An array ``flat`` reads in C order: ``a`` itself, or a C copy of an F or strided one."""
    return a


@generic
def in_c_order(a: Array[Any, None, "C"]):  # noqa: F811
    return a


@generic
def in_c_order(a: Array[Any, 1, "C"]):  # noqa: F811 - both methods above apply
    return a


@generic
def in_c_order(a: AbstractArray):  # noqa: F811
    return a.copy()


# --- cumulative ------------------------------------------------------------------------------
@generic
def cumsum(a: AbstractArray):
    """``np.cumsum(a)``: the running sums of the elements in C order (a 1-d array; integers
    in Int64, or UInt64 for unsigned, as NumPy's)."""
    return cumulative(add_to, a, None, accumulator(a.dtype))


@generic
def cumsum(a: AbstractArray, axis):  # noqa: F811
    """``np.cumsum(a, axis)``: the running sums along ``axis``, an array of ``a``'s shape."""
    return cumulative(add_to, a, axis, accumulator(a.dtype))


@generic
def cumsum(a: AbstractArray, axis, dtype):  # noqa: F811
    """With ``dtype=``, NumPy accumulates in ``dtype`` itself (an ``int32`` sum wraps in 32 bits)."""
    return cumulative(add_to, astype(a, dtype), axis, dtype)


@generic
def cumsum(a: AbstractArray, axis, dtype: Nothing):  # noqa: F811
    return cumsum(a, axis)


@generic
def cumprod(a: AbstractArray):
    """``np.cumprod(a)``: the running products of the elements in C order."""
    return cumulative(multiply_by, a, None, accumulator(a.dtype))


@generic
def cumprod(a: AbstractArray, axis):  # noqa: F811
    return cumulative(multiply_by, a, axis, accumulator(a.dtype))


@generic
def cumprod(a: AbstractArray, axis, dtype):  # noqa: F811
    return cumulative(multiply_by, astype(a, dtype), axis, dtype)


@generic
def cumprod(a: AbstractArray, axis, dtype: Nothing):  # noqa: F811
    return cumprod(a, axis)


@generic
def cumulative(op, a, axis: Nothing, t):
    """``op`` accumulated in type ``t``: over the elements in C order (a 1-d array) or along
    the integer ``axis`` (an array of ``a``'s shape)."""
    return running(op, ravel_c(a), t)


@generic
def cumulative(op, a, axis: Integer, t):  # noqa: F811
    out = np.empty(a.shape, t)
    lines_along(running_into, out, a, axis, op)
    return out


@generic
def accumulator(t: Type[SIGNED]):
    return Int64


@generic
def accumulator(t: Type[UNSIGNED]):  # noqa: F811
    return UInt64


@generic
def accumulator(t):  # noqa: F811
    return t


@generic
def add_to(s, x):
    return s + x


@generic
def multiply_by(s, x):
    return s * x


@generic
def running(op, a, t):
    """A new 1-d array of ``op`` accumulated over the 1-d ``a``, in type ``t``."""
    out = np.empty(a.size, t)
    running_into(out, a, op)
    return out


@generic
def running_into(out, a, op):
    """``out[i] = op(out[i - 1], a[i])`` over 1-d arrays of one length (``out[0] = a[0]``)."""
    if a.shape[0] > 0:
        s = out.dtype(a[0])
        out[0] = s
        for i in range(1, a.shape[0]):
            s = op(s, out.dtype(a[i]))
            out[i] = s


@generic(generated=True)
def lines_along(f, out, a, axis, *extra):
    """``f(line of out, line of a, *extra)`` for each line of ``a`` (and ``out``, of its shape)
    along the integer ``axis``."""
    n = a.ndim
    if n == 0:   # no axis: NumPy's AxisError
        return _source("lines_along", "f, out, a, axis, *extra", ["axis_index(axis, 0)"])
    lines = [f"ax = axis_index(axis, {n})", "kept = kept_axes((ax,), a)",
             "length, step, out_step = tuple_at(a.shape, ax), tuple_at(a.strides, ax), tuple_at(out.strides, ax)"]
    m = n - 1
    lines += [f"n{j}, s{j}, o{j} = tuple_at(a.shape, kept[{j}]), tuple_at(a.strides, kept[{j}]), "
              f"tuple_at(out.strides, kept[{j}])" for j in range(m)]
    for j in range(m):
        lines.append("    " * j + f"for i{j} in range(n{j}):")
    offset = " + ".join(f"i{j} * s{j}" for j in range(m)) or "0"
    out_offset = " + ".join(f"i{j} * o{j}" for j in range(m)) or "0"
    rest = "".join(f", extra[{k}]" for k in range(len(extra)))
    lines.append("    " * m + f"f(strided_view(out, (length,), (out_step,), {out_offset}), "
                 f"strided_view(a, (length,), (step,), {offset}){rest})")
    return _source("lines_along", "f, out, a, axis, *extra", lines)


# --- along axes ------------------------------------------------------------------------------
def _tuple(items) -> str:
    return "(" + "".join(f"{x}, " for x in items) + ")"


@generic(generated=True)
def along(f, a, axis, *extra):
    """``f(sub, *extra)`` for each subarray ``sub`` of ``a`` over the axes ``axis`` (an integer
    or a tuple): a new C array of the other axes (``f``'s value itself when no axis is left).
    Subarrays in C order (``axis=-1`` of a C array) are passed as C arrays, whose loops LLVM
    vectorizes without checking strides."""
    n = a.ndim
    k = len(axis.params) if isinstance(axis, TupleType) else 1
    m = n - k
    rest = "".join(f", extra[{j}]" for j in range(len(extra)))
    lines = [f"axes = axis_set(axis, {n})", "kept = kept_axes(axes, a)",
             f"shape = {_tuple(f'tuple_at(a.shape, axes[{j}])' for j in range(k))}",
             f"strides = {_tuple(f'tuple_at(a.strides, axes[{j}])' for j in range(k))}"]
    if m <= 0:
        return _source("along", "f, a, axis, *extra", lines + [f"return f(strided_view(a, shape, strides, 0){rest})"])
    lines += [f"n{j} = tuple_at(a.shape, kept[{j}])" for j in range(m)]
    lines += [f"s{j} = tuple_at(a.strides, kept[{j}])" for j in range(m)]
    lines.append(f"out = np.empty({_tuple(f'n{j}' for j in range(m))}, "
                 f"typeof(f(strided_view(a, shape, strides, 0){rest})))")
    empty = " or ".join(f"shape[{j}] == 0" for j in range(k)) or "False"
    # No subarray to reduce, and each one empty: a reduction without an identity (min, argmax)
    # must still raise its error, as NumPy's does.
    lines += [f"if out.size == 0 and ({empty}):", f"    f(strided_view(a, shape, strides, 0){rest})"]
    offset = " + ".join(f"i{j} * s{j}" for j in range(m))
    index = ", ".join(f"i{j}" for j in range(m))
    lines.append("if is_c_contiguous(strided_view(a, shape, strides, 0)):")
    for sub, indent in ((f"contiguous_view(strided_view(a, shape, strides, {offset}), shape)", 1),
                        (f"strided_view(a, shape, strides, {offset})", 1)):
        lines += ["    " * (j + indent) + f"for i{j} in range(n{j}):" for j in range(m)]
        lines.append("    " * (m + indent) + f"out[{index}] = f({sub}{rest})")
        if sub.startswith("contiguous"):
            lines.append("else:")
    return _source("along", "f, a, axis, *extra", lines + ["return out"])


@generic(lazy=True, generated=True)
def along_lazy(f, bc, axis, *extra):
    """``along`` for an array expression over one integer ``axis``, never materialized: each
    line along the axis is computed into one buffer, reused, and ``f`` reduces it (so ``f`` has
    exactly its semantics on an array). A version of the loop nest per axis the reduction may
    run along lets each read its elements through the broadcast views directly."""
    tree = Tree(bc)
    nd = builtins.max(t.ndim for _, t in tree.arrays)
    rest = "".join(f", extra[{k}]" for k in range(len(extra)))
    lines = tree.lines + shape_lines(tree, nd) + [f"v{x} = broadcast_view({x}, shape)" for x, _ in tree.arrays]
    lines += [f"ax = axis_index(axis, {nd})", f"line = np.empty(tuple_at(shape, ax), typeof({tree.element(probe)}))"]
    index = lambda k: ", ".join("j" if d == k else f"i{d}" for d in range(nd))  # noqa: E731
    fill = lambda k: ["for j in range(line.shape[0]):",  # noqa: E731
                      f"    line[j] = {tree.element(lambda x: f'at(v{x}, {index(k)})')}"]
    if nd == 1:
        return _source("along_lazy", "f, bc, axis, *extra", lines + fill(0) + [f"return f(line{rest})"])
    kept = lambda k: [d for d in range(nd) if d != k]  # noqa: E731
    lines.append(f"out = np.empty({_tuple(f'tuple_at(shape, kept_axes((ax,), v{tree.arrays[0][0]})[{j}])' for j in range(nd - 1))}, "
                 f"typeof(f(line{rest})))")
    lines += ["if out.size == 0 and line.size == 0:", f"    f(line{rest})"]   # min of nothing still raises
    for k in range(nd):
        lines.append(f"{'if' if k == 0 else 'elif'} ax == {k}:")
        loops = [f"{'    ' * n}for i{d} in range(shape[{d}]):" for n, d in enumerate(kept(k))]
        body = fill(k) + [f"out[{', '.join(f'i{d}' for d in kept(k))}] = f(line{rest})"]
        lines += _indent(loops + ["    " * (nd - 1) + b for b in body])
    return _source("along_lazy", "f, bc, axis, *extra", lines + ["return out"])


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


@generic(generated=True)
def with_kept_dims(r, a, axis):
    """The reduction ``r`` of ``a`` over ``axis`` with each reduced axis kept, of length 1."""
    n = a.ndim
    if axis is Nothing:
        return _source("with_kept_dims", "r, a, axis", [f"return np.full({(1,) * n!r}, r, typeof(r))"])
    k = len(axis.params) if isinstance(axis, TupleType) else 1
    lines = [f"axes = axis_set(axis, {n})"]
    reduced = lambda d: " or ".join(f"axes[{j}] == {d}" for j in range(k)) or "False"  # noqa: E731
    shape = _tuple(f"1 if {reduced(d)} else a.shape[{d}]" for d in range(n))
    if not isinstance(r, ArrayType):
        return _source("with_kept_dims", "r, a, axis", lines + [f"return np.full({(1,) * n!r}, r, typeof(r))"])
    return _source("with_kept_dims", "r, a, axis", lines + [f"return contiguous_view(r, {shape})"])


@generic(generated=True)
def in_dtype(r, t):
    """The result ``r`` of a sum, product or mean asked for in ``dtype=t``, in ``t``: NumPy
    accumulates in ``t`` itself, so an integer sum narrower than 64 bits is the 64-bit one
    wrapped, and an integer mean is the mean truncated."""
    element = r.dtype if isinstance(r, ArrayType) else r
    if element == t.param:
        return _source("in_dtype", "r, t", ["return r"])
    return _source("in_dtype", "r, t", ["return astype(r, t)" if isinstance(r, ArrayType) else "return t(r)"])


def _source(name: str, params: str, lines: list[str]) -> str:
    return f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in lines)


def _with_axis(f, whole: str, params: tuple[str, ...]):
    """Add to ``f`` the method ``f(a, axis, *rest)``, ``rest`` being NumPy's parameters
    ``params`` after ``axis`` as ``numpy_calls`` passes them: ``dtype`` converts first, ``ddof``
    goes to the whole-array function ``whole`` (its name here), ``keepdims`` is static."""
    def generator(a, axis, *rest):
        given = dict(zip(params, rest))
        if whole in ("argmin", "argmax") and isinstance(axis, TupleType):
            return _source(f.__name__, "a, axis, *rest",
                           ["raise TypeError(\"'tuple' object cannot be interpreted as an integer\")"])
        lines = ["b = a"]
        dtype = given.get("dtype", Nothing) is not Nothing
        if dtype:
            lines = [f"b = astype(a, rest[{params.index('dtype')}])"]
        extra = f", rest[{params.index('ddof')}]" if "ddof" in given else ", 0" if "ddof" in params else ""
        cast = dtype and whole in ("sum", "prod", "mean")
        r = "r0" if cast else "r"   # a variable keeps one type
        lines.append(f"{r} = {whole}(b{extra})" if axis is Nothing else f"{r} = along({whole}, b, axis{extra})")
        if cast:
            lines.append(f"r = in_dtype(r0, rest[{params.index('dtype')}])")
        keep = given.get("keepdims")
        result = "with_kept_dims(r, a, axis)" if keep is not None and keep.param.value else "r"
        return _source(f.__name__, "a, axis, *rest", lines + [f"return {result}"])

    generator.__name__ = generator.__qualname__ = f.__name__
    generator.__annotations__ = {"a": AbstractArray}
    generator.__dispatchjit_options__ = {"generated": True}
    f.method(generator)

    def expression(a, axis, *rest):
        """An array expression reduced along one integer axis is never materialized (``along_lazy``);
        with other arguments, it is."""
        given = dict(zip(params, rest))
        keep = given.get("keepdims")
        plain = (isinstance(axis, PrimitiveType) and axis.kind in ("int", "uint") and given.get("dtype", Nothing) is Nothing
                 and given.get("out", Nothing) is Nothing and not (keep is not None and keep.param.value))
        arguments = "".join(f", rest[{k}]" for k in range(len(rest)))
        if not plain:
            return _source(f.__name__, "a, axis, *rest", [f"return {f.__name__}(materialize(a), axis{arguments})"])
        extra = f", rest[{params.index('ddof')}]" if "ddof" in given else ", 0" if "ddof" in params else ""
        return _source(f.__name__, "a, axis, *rest", [f"return along_lazy({whole}, a, axis{extra})"])

    expression.__name__ = expression.__qualname__ = f.__name__
    expression.__annotations__ = {"a": Broadcasted}
    expression.__dispatchjit_options__ = {"generated": True, "lazy": True}
    f.method(expression)


_KEEP = {"axis": None, "keepdims": False}
for _f, _py, _whole, _params in [
        (sum, np.sum, "sum", ("dtype", "out", "keepdims")), (prod, np.prod, "prod", ("dtype", "out", "keepdims")),
        (min, np.min, "min", ("out", "keepdims")), (max, np.max, "max", ("out", "keepdims")),
        (mean, np.mean, "mean", ("dtype", "out", "keepdims")),
        (var, np.var, "variance", ("dtype", "out", "ddof", "keepdims")),
        (std, np.std, "deviation", ("dtype", "out", "ddof", "keepdims")),
        (argmin, np.argmin, "argmin", ("out", "keepdims")), (argmax, np.argmax, "argmax", ("out", "keepdims")),
        (any, np.any, "any", ("out", "keepdims")), (all, np.all, "all", ("out", "keepdims"))]:
    _with_axis(_f, _whole, _params)
    supported = {**_KEEP, **{p: None for p in _params if p == "dtype"}, **({"ddof": 0} if "ddof" in _params else {})}
    library.register(_f, stands_for=(_py,) + ((np.amin,) if _py is np.min else (np.amax,) if _py is np.max else ()),
                     by_name=False, keywords=supported, static=("keepdims",))
for _f, _py in [(cumsum, np.cumsum), (cumprod, np.cumprod)]:
    library.register(_f, stands_for=(_py,), by_name=False, keywords={"axis": None, "dtype": None})
