"""Lowering rules for ``Prim`` operations, one function per op, looked up in ``RULES``.

Operands arrive already converted to the types inference chose; each rule implements Python's
semantics for that op on those types (see the module docstring of ``lowering.function``).
"""

from __future__ import annotations

from llvmlite import ir as ll

from .. import ir
from ..errors import CompileError, InternalCompilerError, UnsupportedOnTarget
from ..lattice import PrimitiveType
from .abi import EMPTY, F64, I1, I32, I64, PTR
from .arrays import ARRAY_RULES
from .reprs import complex_part, llvm_type, repr_of

__all__ = ["lower_prim"]


def lower_prim(fl, e: ir.Prim, args: list[ll.Value]) -> ll.Value:
    rule = RULES.get(e.op) or ARRAY_RULES.get(e.op) or (_math if e.op.startswith("math.") else None) \
        or (_np_math if e.op.startswith("np.") else None)
    if rule is None and e.op.startswith("cuda."):
        rule = _kernel_intrinsic
    if rule is None:
        raise InternalCompilerError(f"no lowering rule for primitive '{e.op}'", e.loc)
    try:
        return rule(fl, e, args)
    except UnsupportedOnTarget as err:
        raise CompileError(str(err), e.loc) from None


def _kernel_intrinsic(fl, e, args):
    """Thread and block indices and the block barrier: where they come from is the target's
    business (special registers on a GPU, the thread's context in the emulator)."""
    return fl.mb.target.kernel_intrinsic(fl, e)


def compare(b: ll.IRBuilder, op: str, x: ll.Value, y: ll.Value, t: PrimitiveType) -> ll.Value:
    """``x op y`` on two values of numeric type ``t`` (NaN compares false except with !=)."""
    if t.kind == "complex":
        parts = [compare(b, op, b.extract_value(x, i), b.extract_value(y, i), complex_part(t)) for i in (0, 1)]
        return b.and_(*parts) if op == "==" else b.or_(*parts)
    if t.kind == "float":
        if op == "!=":
            return b.fcmp_unordered(op, x, y)
        return b.fcmp_ordered(op, x, y)
    if t.kind == "int":
        return b.icmp_signed(op, x, y)
    return b.icmp_unsigned(op, x, y)


def _kind(e: ir.Prim, i: int = 0) -> str:
    return e.args[i].type.kind


def _fconst(v: ll.Value, x: float) -> ll.Constant:
    return ll.Constant(v.type, x)


# --- arithmetic ------------------------------------------------------------------------------
def _complex_parts(b, v):
    return b.extract_value(v, 0), b.extract_value(v, 1)


def _make_complex(b, ty, re, im):
    return b.insert_value(b.insert_value(ll.Constant(ty, None), re, 0), im, 1)


def _arith(int_op, float_op, complex_fn):
    def rule(fl, e, args):
        b, kind = fl.b, _kind(e)
        if kind == "complex":
            return complex_fn(b, llvm_type(e.type), *args)
        if kind == "float":
            return getattr(b, float_op)(*args, flags=fl.float_flags)
        return getattr(b, int_op)(*args)
    return rule


def _cadd(b, ty, x, y):
    (a, c), (d, f) = _complex_parts(b, x), _complex_parts(b, y)
    return _make_complex(b, ty, b.fadd(a, d), b.fadd(c, f))


def _csub(b, ty, x, y):
    (a, c), (d, f) = _complex_parts(b, x), _complex_parts(b, y)
    return _make_complex(b, ty, b.fsub(a, d), b.fsub(c, f))


def _cmul(b, ty, x, y):
    (a, c), (d, f) = _complex_parts(b, x), _complex_parts(b, y)
    return _make_complex(b, ty, b.fsub(b.fmul(a, d), b.fmul(c, f)), b.fadd(b.fmul(a, f), b.fmul(c, d)))


def _truediv(fl, e, args):
    b, (x, y) = fl.b, args
    kind = _kind(e)
    if kind == "complex":
        return _cdiv(fl, e, x, y)
    if kind != "float":
        raise InternalCompilerError("true division of integers must be converted to float first", e.loc)
    fl.check(b.fcmp_ordered("==", y, _fconst(y, 0.0)), ZeroDivisionError, "float division by zero", e.loc)
    return b.fdiv(x, y, flags=fl.float_flags)


def _cdiv(fl, e, x, y, checked=True):
    """CPython's complex quotient (Smith's algorithm, as in ``_Py_c_quot``); unchecked (NumPy),
    a zero divisor gives infinities and NaNs."""
    b = fl.b
    (a, c), (d, f) = _complex_parts(b, x), _complex_parts(b, y)
    zero = _fconst(d, 0.0)
    if checked:
        fl.check(b.and_(b.fcmp_ordered("==", d, zero), b.fcmp_ordered("==", f, zero)),
                 ZeroDivisionError, "complex division by zero", e.loc)
    fabs = fl.mb.target.math_function(fl.mb.module, "fabs", d.type)
    real_big = b.fcmp_ordered(">=", b.call(fabs, [d]), b.call(fabs, [f]))
    # |d| >= |f|: ratio = f/d, denom = d + f*ratio; otherwise ratio = d/f, denom = d*ratio + f.
    r1 = b.fdiv(f, d)
    den1 = b.fadd(d, b.fmul(f, r1))
    re1, im1 = b.fdiv(b.fadd(a, b.fmul(c, r1)), den1), b.fdiv(b.fsub(c, b.fmul(a, r1)), den1)
    r2 = b.fdiv(d, f)
    den2 = b.fadd(b.fmul(d, r2), f)
    re2, im2 = b.fdiv(b.fadd(b.fmul(a, r2), c), den2), b.fdiv(b.fsub(b.fmul(c, r2), a), den2)
    return _make_complex(b, llvm_type(e.type), b.select(real_big, re1, re2), b.select(real_big, im1, im2))


def _int_divmod(fl, e, x, y, checked=True):
    """Floor division and modulo as Python defines them; ``typemin // -1`` wraps (no trap).
    Unchecked (NumPy), a zero divisor gives 0 for both."""
    b = fl.b
    zero = ll.Constant(x.type, 0)
    if checked:
        fl.check(b.icmp_unsigned("==", y, zero), ZeroDivisionError, "integer division or modulo by zero", e.loc)
    else:
        by_zero = b.icmp_unsigned("==", y, zero)
        q, r = _int_divmod(fl, e, x, b.select(by_zero, ll.Constant(x.type, 1), y))
        return b.select(by_zero, zero, q), b.select(by_zero, zero, r)
    if _kind(e) == "uint":
        return b.udiv(x, y), b.urem(x, y)
    minus_one = b.icmp_signed("==", y, ll.Constant(x.type, -1))
    safe = b.select(minus_one, ll.Constant(x.type, 1), y)
    q = b.select(minus_one, b.sub(zero, x), b.sdiv(x, safe))
    r = b.select(minus_one, zero, b.srem(x, safe))
    fix = b.and_(b.icmp_signed("!=", r, zero), b.icmp_signed("<", b.xor(r, y), zero))
    return b.select(fix, b.sub(q, ll.Constant(x.type, 1)), q), b.select(fix, b.add(r, y), r)


def _float_divmod(fl, e, x, y, checked=True):
    """CPython's ``float_divmod``: the sign of the modulo follows the divisor. Unchecked
    (NumPy's ``npy_divmod``), a zero divisor gives ``x / 0`` and NaN."""
    b = fl.b
    mb = fl.mb
    if checked:
        fl.check(b.fcmp_ordered("==", y, _fconst(y, 0.0)), ZeroDivisionError, "float divmod()", e.loc)
    floor = mb.target.math_function(mb.module, "floor", x.type)
    copysign = mb.target.math_function(mb.module, "copysign", x.type)
    zero, one = _fconst(x, 0.0), _fconst(x, 1.0)
    mod = b.frem(x, y)
    div = b.fdiv(b.fsub(x, mod), y)
    mod_nonzero = b.fcmp_unordered("!=", mod, zero)
    fix = b.and_(mod_nonzero, b.xor(b.fcmp_ordered("<", y, zero), b.fcmp_ordered("<", mod, zero)))
    mod = b.select(fix, b.fadd(mod, y), mod)
    div = b.select(fix, b.fsub(div, one), div)
    mod = b.select(mod_nonzero, mod, b.call(copysign, [zero, y]))
    floordiv = b.call(floor, [div])
    floordiv = b.select(b.fcmp_ordered(">", b.fsub(div, floordiv), _fconst(x, 0.5)), b.fadd(floordiv, one), floordiv)
    floordiv = b.select(b.fcmp_unordered("!=", div, zero), floordiv, b.call(copysign, [zero, b.fdiv(x, y)]))
    if not checked:
        floordiv = b.select(b.fcmp_ordered("==", y, zero), b.fdiv(x, y), floordiv)
    return floordiv, mod


def _divmod_pair(fl, e, args):
    return (_float_divmod if _kind(e) == "float" else _int_divmod)(fl, e, *args)


def _floordiv(fl, e, args):
    return _divmod_pair(fl, e, args)[0]


def _mod(fl, e, args):
    return _divmod_pair(fl, e, args)[1]


def _divmod(fl, e, args):
    q, r = _divmod_pair(fl, e, args)
    agg = ll.Constant(llvm_type(e.type), None)
    return fl.b.insert_value(fl.b.insert_value(agg, q, 0), r, 1)


def _pow(fl, e, args):
    return (_float_pow if _kind(e) == "float" else _int_pow)(fl, e, *args)


def _int_pow(fl, e, x, y):
    b = fl.b
    if _kind(e) == "int":
        fl.check(b.icmp_signed("<", y, ll.Constant(y.type, 0)), ValueError,
                 "integer power with a negative exponent; use a float base (x ** -n is not an integer)", e.loc)
    helper = _ipow_function(fl.mb, x.type)
    return b.call(helper, [x, y])


def _ipow_function(mb, ty: ll.IntType) -> ll.Function:
    """Exponentiation by squaring, wrapping, emitted once per module and type."""
    name = f"dispatchjit.ipow.i{ty.width}"
    existing = mb.module.globals.get(name)
    if existing is not None:
        return existing
    f = ll.Function(mb.module, ll.FunctionType(ty, [ty, ty]), name)
    f.linkage = "internal"
    entry, loop, body, done = (f.append_basic_block(n) for n in ("entry", "loop", "body", "done"))
    b = ll.IRBuilder(entry)
    b.branch(loop)
    b.position_at_end(loop)
    result, base, exp = b.phi(ty), b.phi(ty), b.phi(ty)
    result.add_incoming(ll.Constant(ty, 1), entry)
    base.add_incoming(f.args[0], entry)
    exp.add_incoming(f.args[1], entry)
    b.cbranch(b.icmp_unsigned("==", exp, ll.Constant(ty, 0)), done, body)
    b.position_at_end(body)
    odd = b.trunc(exp, I1)
    result.add_incoming(b.select(odd, b.mul(result, base), result), body)
    base.add_incoming(b.mul(base, base), body)
    exp.add_incoming(b.lshr(exp, ll.Constant(ty, 1)), body)
    b.branch(loop)
    b.position_at_end(done)
    b.ret(result)
    return f


def _float_pow(fl, e, x, y):
    b, mb = fl.b, fl.mb
    zero = _fconst(x, 0.0)
    fl.check(b.and_(b.fcmp_ordered("==", x, zero), b.fcmp_ordered("<", y, zero)), ZeroDivisionError,
             "0.0 cannot be raised to a negative power", e.loc)
    floor = mb.target.math_function(mb.module, "floor", y.type)
    fractional = b.fcmp_ordered("!=", b.call(floor, [y]), y)
    fl.check(b.and_(b.and_(b.fcmp_ordered("<", x, zero), _finite(fl, x)), b.and_(fractional, _finite(fl, y))),
             ValueError, "a negative number raised to a fractional power has no real result "
             "(use complex numbers)", e.loc)
    result = b.call(mb.target.math_function(mb.module, "pow", x.type), [x, y])
    fl.check(b.and_(_isinf(fl, result), b.and_(_finite(fl, x), _finite(fl, y))), OverflowError,
             "numerical result out of range", e.loc)
    return result


def _shift(op):
    def rule(fl, e, args):
        b, (x, n) = fl.b, args
        fl.check(b.icmp_signed("<", n, I64(0)), ValueError, "negative shift count", e.loc)
        bits = x.type.width
        too_far = b.icmp_signed(">=", n, I64(bits))
        count = b.select(too_far, I64(bits - 1), n)
        count = b.trunc(count, x.type) if bits < 64 else count
        zero = ll.Constant(x.type, 0)
        if op == "shl":
            return b.select(too_far, zero, b.shl(x, count))
        if _kind(e) == "int":
            return b.ashr(x, count)  # shifting by bits-1 already gives 0 or -1
        return b.select(too_far, zero, b.lshr(x, count))
    return rule


def _neg(fl, e, args):
    b, (x,) = fl.b, args
    kind = _kind(e)
    if kind == "complex":
        re, im = _complex_parts(b, x)
        return _make_complex(b, x.type, b.fneg(re), b.fneg(im))
    return b.fneg(x) if kind == "float" else b.neg(x)


def _bitwise(name):
    def rule(fl, e, args):
        return getattr(fl.b, name)(*args)
    return rule


def _invert(fl, e, args):
    return fl.b.not_(args[0])


def _ne(fl, e, args):
    return compare(fl.b, "!=", args[0], args[1], e.args[0].type)


# --- complex parts ---------------------------------------------------------------------------
def _real(fl, e, args):
    return fl.b.extract_value(args[0], 0)


def _imag(fl, e, args):
    return fl.b.extract_value(args[0], 1)


def _conj(fl, e, args):
    b = fl.b
    re, im = _complex_parts(b, args[0])
    return _make_complex(b, args[0].type, re, b.fneg(im))


def _complex(fl, e, args):
    return _make_complex(fl.b, llvm_type(e.type), *args)


# --- abs, min, max, conversions ----------------------------------------------------------------
def _abs(fl, e, args):
    b, (x,) = fl.b, args
    return b.select(b.icmp_signed("<", x, ll.Constant(x.type, 0)), b.neg(x), x) if _kind(e) == "int" else x


def _fabs(fl, e, args):
    return _call_math(fl, "fabs", args)


def _cabs(fl, e, args):
    re, im = _complex_parts(fl.b, args[0])
    return _call_math(fl, "hypot", [re, im])


def _minmax(op):
    def rule(fl, e, args):
        b, t = fl.b, e.type
        result = args[0]
        for x in args[1:]:
            # Python keeps the earlier value unless the later one is strictly smaller/larger.
            better = compare(b, "<" if op == "min" else ">", x, result, t)
            result = b.select(better, x, result)
        return result
    return rule


def _toint(fl, e, args):
    """``int(x)`` of a float: truncate, raising as Python does for NaN and infinities."""
    b, (x,) = fl.b, args
    fl.check(b.fcmp_unordered("uno", x, x), ValueError, "cannot convert float NaN to integer", e.loc)
    fl.check(_isinf(fl, x), OverflowError, "cannot convert float infinity to integer", e.loc)
    wide = b.fpext(x, F64) if x.type != F64 else x
    out_of_range = b.or_(b.fcmp_ordered(">=", wide, F64(2.0 ** 63)), b.fcmp_ordered("<", wide, F64(-2.0 ** 63)))
    fl.check(out_of_range, OverflowError, "int({}) does not fit in Int64", e.loc, [wide], ("f",))
    return b.fptosi(x, I64)


def _round_int(fl, e, args):
    rounded = _call_math(fl, "roundeven", args)
    return _toint(fl, e, [rounded])


def _round_digits(fl, e, args):
    """``round(x, n)``: scale by 10**n, round half to even, scale back. A product or quotient that
    lands exactly on a half is decided by its exact rounding error (from an FMA), so results
    match CPython's correctly rounded ones while 10**|n| is exact (|n| <= 22)."""
    b, (x, n) = fl.b, args
    negative = b.icmp_signed("<", n, I64(0))
    p = _call_math(fl, "pow", [F64(10.0), b.sitofp(b.select(negative, b.neg(n), n), F64)])
    y = b.select(negative, b.fdiv(x, p), b.fmul(x, p))
    # The sign of the exact y's rounding error: x*p - y, or (x - y*p)/p for the quotient.
    err = b.select(negative, _call_math(fl, "fma", [b.fneg(y), p, x]), _call_math(fl, "fma", [x, p, b.fneg(y)]))
    floor = _call_math(fl, "floor", [y])
    half = b.fcmp_ordered("==", b.fsub(y, floor), F64(0.5))
    rounded = _call_math(fl, "roundeven", [y])
    rounded = b.select(b.and_(half, b.fcmp_ordered(">", err, F64(0.0))), b.fadd(floor, F64(1.0)), rounded)
    rounded = b.select(b.and_(half, b.fcmp_ordered("<", err, F64(0.0))), floor, rounded)
    result = b.select(negative, b.fmul(rounded, p), b.fdiv(rounded, p))
    # As CPython: x itself when it has no digits beyond the n-th (|x * 10**n| >= 2**53, or the
    # product overflows); a zero of x's sign when 10**-n is beyond every double (n < -308).
    keep = b.or_(b.not_(_finite(fl, y)), b.fcmp_ordered(">=", _call_math(fl, "fabs", [y]), F64(2.0 ** 53)))
    result = b.select(b.and_(b.not_(negative), keep), x, result)
    zero = _call_math(fl, "copysign", [F64(0.0), x])
    result = b.select(b.icmp_signed("<", n, I64(-308)), zero, result)
    return b.select(_finite(fl, x), result, x)   # inf and nan round to themselves


def _round_int_digits(fl, e, args):
    """``round(i, n)`` of an integer: for n < 0, to a multiple of 10**-n, halves to even."""
    b, (x, n) = fl.b, args
    ty = x.type
    negative = b.icmp_signed("<", n, ll.Constant(ty, 0))
    with b.if_else(negative) as (then, otherwise):
        with then:
            p = b.call(_ipow_function(fl.mb, ty), [ll.Constant(ty, 10), b.neg(n)])
            q, r = _int_divmod(fl, e, x, p)  # floor semantics: 0 <= r < p
            twice = b.shl(r, ll.Constant(ty, 1))
            up = b.or_(b.icmp_signed(">", twice, p),
                       b.and_(b.icmp_signed("==", twice, p), b.trunc(q, I1)))
            rounded = b.mul(b.select(up, b.add(q, ll.Constant(ty, 1)), q), p)
            then_block = b.block
        with otherwise:
            else_block = b.block
    result = b.phi(ty)
    result.add_incoming(rounded, then_block)
    result.add_incoming(x, else_block)
    # Beyond the width's largest power of ten every integer rounds to 0 (10**19 > 2**63).
    digits = len(str(1 << (ty.width - 1))) - 1
    return b.select(b.icmp_signed("<", n, ll.Constant(ty, -digits)), ll.Constant(ty, 0), result)


# --- math ------------------------------------------------------------------------------------
def _call_math(fl, name: str, args):
    f = fl.mb.target.math_function(fl.mb.module, name, args[0].type)
    return fl.b.call(f, list(args))


def _isnan(fl, x):
    return fl.b.fcmp_unordered("uno", x, x)


def _isinf(fl, x):
    return fl.b.fcmp_ordered("==", _call_math(fl, "fabs", [x]), _fconst(x, float("inf")))


def _finite(fl, x):
    return fl.b.fcmp_ordered("<", _call_math(fl, "fabs", [x]), _fconst(x, float("inf")))


_POLES = {"log", "log2", "log10", "log1p", "atanh"}
_NO_CHECK = {"fabs", "copysign", "atan2"}


def _math(fl, e, args):
    """``math.<fn>``: NaN from non-NaN arguments is a domain error (ValueError); an infinity
    from finite arguments is a pole (ValueError) or an overflow (OverflowError), as in CPython."""
    b = fl.b
    name = e.op.removeprefix("math.")
    result = _call_math(fl, name, args)
    if name in _NO_CHECK:
        return result
    any_nan = _any(b, [_isnan(fl, a) for a in args])
    fl.check(b.and_(_isnan(fl, result), b.not_(any_nan)), ValueError, "math domain error", e.loc)
    overflow = b.and_(_isinf(fl, result), _all(b, [_finite(fl, a) for a in args]))
    pole = _pole(fl, name, args)
    if pole is not None:
        fl.check(b.and_(overflow, pole), ValueError, "math domain error", e.loc)
        overflow = b.and_(overflow, b.not_(pole))
    fl.check(overflow, OverflowError, "math range error", e.loc)
    return result


def _pole(fl, name, args):
    """A condition under which an infinite result means 'undefined here', not 'too large'."""
    b, x = fl.b, args[0]
    if name in _POLES:
        return I1(1)
    if name in ("gamma", "lgamma"):
        integral = b.fcmp_ordered("==", _call_math(fl, "floor", [x]), x)
        return b.and_(integral, b.fcmp_ordered("<=", x, _fconst(x, 0.0)))
    if name == "pow":
        return b.fcmp_ordered("==", x, _fconst(x, 0.0))
    return None


def _any(b, conds):
    out = conds[0]
    for c in conds[1:]:
        out = b.or_(out, c)
    return out


def _all(b, conds):
    out = conds[0]
    for c in conds[1:]:
        out = b.and_(out, c)
    return out


def _float_test(test):
    def rule(fl, e, args):
        return test(fl, args[0])
    return rule


def _unreachable(fl, e, args):
    return ll.Constant(EMPTY, None)


def _not(fl, e, args):
    return fl.b.not_(args[0])


# --- NumPy's element functions (``numpy_op``): IEEE results where Python raises ---------------------
def _np_true_divide(fl, e, args):
    x, y = args
    if _kind(e) == "complex":
        return _cdiv(fl, e, x, y, checked=False)
    return fl.b.fdiv(x, y, flags=fl.float_flags)


def _np_divmod(index: int):
    def rule(fl, e, args):
        pair = (_float_divmod if _kind(e) == "float" else _int_divmod)(fl, e, *args, checked=False)
        return pair[index]
    return rule


def _np_extreme(op: str):
    """``np.maximum``/``np.minimum`` of two numbers: a NaN wins; floats use the IEEE maximum
    (``llvm.maximum``, -0.0 below 0.0), which LLVM vectorizes in reductions."""
    def rule(fl, e, args):
        if _kind(e) == "float":
            return _call_math(fl, op, args)
        return _minmax("max" if op == "maximum" else "min")(fl, e, args)
    return rule


def _np_math(fl, e, args):
    name = e.op.removeprefix("np.")
    name = {"power": "pow"}.get(name, name)
    if _kind(e) == "complex":
        return _call_complex(fl, e, "c" + name, args)
    return _call_math(fl, name, args)


def _call_complex(fl, e, name: str, args):
    """The C library's ``name`` (``csqrt``) of Complex128 values."""
    b = fl.b
    parts = [part for z in args for part in _complex_parts(b, z)]
    pair = b.call(fl.mb.target.complex_function(fl.mb.module, name), parts)
    return _make_complex(b, llvm_type(e.type), b.extract_value(pair, 0), b.extract_value(pair, 1))


def _print(fl, e, args):
    """``print(...)``: the call site's printer (``runtime.printing``, the first argument) called
    with the values boxed."""
    fl.python_objects("print", e.loc)
    b = fl.b
    boxed = [repr_of(a.type).box(fl, v, a.type) for a, v in zip(e.args, args)]
    failed = I1(0)
    for item in boxed:
        failed = b.or_(failed, b.icmp_unsigned("==", item, ll.Constant(PTR, None)))
    with b.if_then(failed, likely=False):
        for item in boxed:
            fl.call("Py_DecRef", item)   # NULL-safe: releases the ones that were made
        fl.pyerr()
    argv = fl.alloca(ll.ArrayType(PTR, max(len(boxed) - 1, 1)), "print.args")
    for k, item in enumerate(boxed[1:]):
        b.store(item, b.gep(argv, [I32(0), I32(k)]))
    result = fl.call("PyObject_Vectorcall", boxed[0], b.bitcast(argv, PTR.as_pointer()), I64(len(boxed) - 1),
                     ll.Constant(PTR, None))
    for item in boxed:
        fl.call("Py_DecRef", item)
    fl.fail_if(b.icmp_unsigned("==", result, ll.Constant(PTR, None)))
    fl.call("Py_DecRef", result)
    return ll.Constant(llvm_type(e.type), None)


RULES = {
    "add": _arith("add", "fadd", _cadd), "sub": _arith("sub", "fsub", _csub),
    "mul": _arith("mul", "fmul", _cmul), "truediv": _truediv, "floordiv": _floordiv, "mod": _mod,
    "divmod": _divmod, "pow": _pow, "shl": _shift("shl"), "shr": _shift("shr"),
    "and": _bitwise("and_"), "or": _bitwise("or_"), "xor": _bitwise("xor"), "invert": _invert,
    "neg": _neg, "not": _not, "ne": _ne, "real": _real, "imag": _imag, "conj": _conj,
    "complex": _complex, "abs": _abs, "fabs": _fabs, "cabs": _cabs, "min": _minmax("min"),
    "max": _minmax("max"), "toint": _toint, "round_int": _round_int, "round_digits": _round_digits,
    "round_int_digits": _round_int_digits,
    "isnan": _float_test(_isnan), "isinf": _float_test(_isinf), "isfinite": _float_test(_finite),
    "unreachable": _unreachable, "print": _print,
    "np.true_divide": _np_true_divide, "np.floor_divide": _np_divmod(0), "np.remainder": _np_divmod(1),
    "np.maximum": _np_extreme("maximum"), "np.minimum": _np_extreme("minimum"),
}
