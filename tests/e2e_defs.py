"""Generic functions for the end-to-end tests, defined in a real file so that error messages and
tracebacks can name it. Tests find line numbers with ``line_of(fn, marker)`` (the line holding
``#@marker``), never by hard-coding them.

Importing this module decorates several functions whose bodies the compiler rejects: decoration
must not raise, only the first call.
"""

import inspect
import math  # noqa: F401 -- read by compiled code

from dispatchjit import GenericFunction, generic

FILE = __file__


def line_of(fn, marker: str) -> int:
    """The line of ``fn``'s source (any method, for a generic function) holding ``#@marker``."""
    funcs = [m.func for m in fn.methods()] if isinstance(fn, GenericFunction) else [fn]
    tag = f"#@{marker}"
    for f in funcs:
        lines, start = inspect.getsourcelines(f)
        for i, text in enumerate(lines):
            if text.rstrip().endswith(tag):
                return start + i
    raise LookupError(f"no line marked {tag} in {fn!r}")


# --- the example ----------------------------------------------------------------------
@generic
def hypot2(x, y):
    return x * x + y * y


@generic
def area(r: float):  #@area_r
    return 3.141592653589793 * r * r


@generic
def area(w: int, h: int):  #@area_wh
    return w * h


@generic
def fib(n: int):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


# --- unsupported constructs: decorating these must not raise ----------------------------------
@generic
def uses_list(x):
    y = [x, x]  #@list
    return y


@generic
def uses_matmul(a, b):
    return a @ b  #@matmul


@generic
def slices_a_tuple(t):
    return t[1:3]  #@tslice


@generic
def slices_a_tuple_to(t, n):
    return t[1:n]  #@tslicen


@generic
def uses_with(x):
    with x:  #@with
        pass
    return x


@generic
def uses_try(x):
    try:  #@try
        return x
    except ValueError:
        return 0


@generic
def uses_class(x):
    class K:  #@class
        pass
    return x


@generic
def uses_listcomp(n):
    return [i for i in range(n)]  #@listcomp


# --- typing failures --------------------------------------------------------------------------
@generic
def tuple_plus_float(x):
    t = (x, x)
    return t + 1.5  #@tuple_plus_float


@generic
def var_tuple_then_float(x):
    v = (x, x)  #@v_first
    if x > 0:
        v = 1.5  #@v_second
    return x


@generic
def returns_unmergeable(x):
    if x > 0:
        return (x, x)  #@ret_tuple
    return 1.5  #@ret_float


@generic
def add_to_opaque(x):
    return x + 1  #@opaque_add


# --- exceptions raised by compiled code -------------------------------------------------------
@generic
def raise_plain(x):
    if x < 0:
        raise ValueError("x must be non-negative")  #@raise_plain
    return x


@generic
def raise_fstring(x, y):
    if x > y:
        raise KeyError(f"{x} exceeds {y} by {x - y}")  #@raise_fstring
    return y - x


@generic
def depth3(x):
    return raise_plain(x) + 1


@generic
def depth2(x):
    return depth3(x) * 2


@generic
def depth1(x):
    return depth2(x) - 1


@generic
def countdown(n):
    if n == 0:
        raise RuntimeError(f"reached the bottom at {n}")  #@countdown
    return countdown(n - 1) + 1


@generic
def checked_sqrt(x):
    assert x >= 0, "negative input"  #@assert_msg
    return math.sqrt(x)


@generic
def checked_bare(x):
    assert x != 0  #@assert_bare
    return 1 / x


@generic
def int_floordiv(a, b):
    return a // b  #@floordiv


# --- dispatch from compiled code --------------------------------------------------------------
@generic
def amb_pair(x: int, y):  #@ambpair_1
    return 1


@generic
def amb_pair(x, y: int):  #@ambpair_2
    return 2


@generic
def calls_amb_pair(x, y, go):
    if go:
        return amb_pair(x, y)  #@calls_amb_pair
    return 0


@generic
def only_ints(a: int, b: int):  #@only_ints
    return a + b


@generic
def only_ints(a: int, b: int, c: int):  #@only_ints3
    return a + b + c


@generic
def maybe_no_method(x, go):
    if go:
        return only_ints(x, x)  #@maybe_no_method
    return 0
