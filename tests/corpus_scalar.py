"""Differential corpus: plain Python functions in the scalar subset dispatchjit supports.

Nothing here is decorated.  ``tests/test_differential.py`` runs each function twice: as is, by
CPython (the oracle), and as ``dispatchjit.generic(fn)``; the results must agree in value and type.
Functions that call other ``@generic`` functions live in ``tests/corpus_calls.py``.

Rules the corpus keeps, so that every difference is a compiler bug and not a documented semantic
difference: no function returns different types on different paths, no local changes type on only
some paths, ``min``/``max``/``and``/``or`` only see operands of one type, and the strategies keep
integers where int64 cannot overflow (except in the functions meant to test wrap-around).
"""

import math


# ---------------------------------------------------------------- arithmetic operators

def arith_mix(a, b):
    return a + b * 3 - (a - b) * 2


def true_div(a, b):
    return a / b


def floor_div(a, b):
    return a // b


def modulo(a, b):
    return a % b


def divmod_builtin(a, b):
    return divmod(a, b)


def int_pow(a, n):
    return a ** n


def float_pow(x, y):
    return x ** y


def floor_mod_special(x, y):
    # floats including infinities and NaN: Python's float // and % are defined on all of them
    return x // y, x % y


def safe_div(a, b):
    return a // b if b != 0 else a


def int_pow_wrap(a, n):
    return a ** n


def neg_abs_wrap(a):
    return -a, abs(a), a + a, a * 3, a - 1


def mixed_pow(x, n):
    return x ** n, n ** 2.0


def unary_ops(a):
    return -a, +a, not a, -(-a)


def bool_arith(p, q, a):
    return p + q, p * a, p - q, p & q, p | q, p ^ q, a * q


def bool_div(p, q):
    return p / q


# ---------------------------------------------------------------- integer bit operations

def bitops(a, b):
    return a & b, a | b, a ^ b, ~a, ~b & a


def shifts(a, s):
    return a << s, a >> s


# ---------------------------------------------------------------- comparisons and logic

def chained_cmp(a, b, c):
    return a < b <= c, a == b != c, a < b > c, a >= b >= c, -1 < a < 1


def int_float_cmp(a, x):
    return a == x, a != x, a < x, a <= x, a > x, a >= x, x < a < x + 1


def logic_ops(a, b):
    return a and b, a or b, not a, (a or b) and b, (a and b) or a


def chain_short(a, b, c):
    # the last comparison must not be evaluated (10 // c must not raise) when a < b is false
    return a < b < 10 // c


def float_logic(x, y):
    return x and y, x or y, not x, not (x or y)


def short_circuit(x):
    return x != 0 and 100 // x > 3, x == 0 or 100 % x == 1


# ---------------------------------------------------------------- control flow

def classify(x):
    if x < -10:
        return 0
    elif x < 0:
        return 1
    elif x == 0:
        return 2
    elif x <= 10:
        return 3
    else:
        return 4


def sign_cond(x):
    return 1 if x > 0 else (-1 if x < 0 else 0)


def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def gcd_loop(a, b):
    while b:
        a, b = b, a % b
    return a


def sum_squares(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def range_two(a, b):
    s = 0
    for i in range(a, b):
        s = s * 3 + i
        s = s % 1000003
    return s


def range_step(a, b, step):
    s = 0
    count = 0
    for i in range(a, b, step):
        s += i
        count += 1
    return s, count


def countdown(n):
    s = 0
    for i in range(n, -1, -1):
        s = s * 2 + i
        if s > 1000000:
            s = s - 1000000
    return s


def break_continue(n, limit):
    s = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        s += i
        if s > limit:
            break
    return s


def nested_loops(n, m):
    total = 0
    for i in range(n):
        for j in range(m):
            if j > i:
                break
            if (i + j) % 2:
                continue
            total += i * j
    return total


def while_break(x):
    i = 0
    while True:
        i += 1
        x = x * 0.5 + 1.0
        if x < 2.0001 or i >= 100:
            break
    return i


def while_continue(n):
    i = 0
    s = 0
    while i < n:
        i += 1
        if i % 4 == 0:
            continue
        if i > 500:
            break
        s += i * (i % 7)
    return s, i


def range_extreme(a, b, step):
    # ranges near the ends of int64: the loop variable must never wrap around
    count = 0
    last = 0
    for i in range(a, b, step):
        count += 1
        last = i
        if count > 1000:
            break
    return count, last


def newton_sqrt(x):
    g = x if x > 1.0 else 1.0
    n = 0
    while abs(g * g - x) > 1e-12 * x and n < 200:
        g = 0.5 * (g + x / g)
        n += 1
    return g


def maybe_unbound(c):
    if c > 0:
        y = c * 2
    return y


def loop_var_after(n):
    for i in range(n):
        pass
    return i


def loop_var_reassigned(n):
    s = 0
    for i in range(n, 0, -2):
        i = i * 10
        s = s * 3 + i
    return s


def select_const(c):
    return 1.5 if c > 0 else 2.5


def if_float_consts(c):
    if c > 0:
        y = 0.25
    elif c < 0:
        y = -4.0
    else:
        y = 8.0
    return y


def bool_plus_const(p):
    return p + 0.5


def bool_float_mix(p, x):
    return p + 0.5, p - x, x * p, x + p, 1.5 - p


def early_return(n):
    if n < 0:
        return -1
    for i in range(2, n):
        if i * i > n:
            return n
        if n % i == 0:
            return i
    return n


def no_return(x):
    y = x * 2
    if y > 10:
        y = y - 10


def aug_assign(a, b):
    x = a
    x += b
    x -= 1
    x *= 3
    x //= 7
    x %= 1009
    x **= 2
    x <<= 3
    x >>= 1
    x |= b
    x &= 0xFFFFF
    x ^= a
    return x


def float_aug(x, y):
    z = x
    z += y
    z *= 1.5
    z -= x
    z /= 2
    z **= 2
    return z


def promote_local(n):
    s = 0
    s = s + 0.5
    for i in range(n):
        s += i
    return s


# ---------------------------------------------------------------- tuples

def tuples(a, b):
    t = (a, b, a + b)
    x, y, z = t
    u = (z, y, x)
    return u, t[0] + t[2], t[-1], u[1]


def sort3(a, b, c):
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    return a, b, c


def fib_iter(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


# ---------------------------------------------------------------- math module

def math_basic(x):
    return math.sqrt(x), math.exp(-x), math.log(x), math.sin(x), math.cos(x), math.tanh(x)


def math_int_results(x):
    return math.floor(x), math.ceil(x), math.fabs(x)


def math_two(x, y):
    return math.atan2(y, x), math.hypot(x, y), math.pow(abs(x) + 1.0, y)


def math_consts(x):
    return x * math.pi + math.e, math.isnan(x), math.isinf(x), x < math.inf, -math.inf < x


def sqrt_any(x):
    return math.sqrt(x)


# ---------------------------------------------------------------- builtins

def builtins_int(a, b):
    return abs(a), min(a, b), max(a, b), min(a, b, 0), max(b, a, -3)


def builtins_float(x, y):
    return abs(x), min(x, y), max(x, y)


def conversions(x):
    return int(x), float(int(x)), bool(x)


def int_conversions(a):
    return float(a), bool(a), int(a), complex(a), int(True) + a


def rounding(x):
    return round(x)


def round_digits(x, n):
    return round(x, n)


def round_int_digits(a, n):
    return round(a), round(a, n)


def builtin_pow(a, b):
    return pow(a, b)


# ---------------------------------------------------------------- complex

def complex_arith(a, b, c, d):
    z = complex(a, b)
    w = complex(c, d)
    return z + w, z - w, z * w, abs(z), -z, z * 2 + 1


def complex_div(a, b, c, d):
    return complex(a, b) / complex(c, d)


def complex_parts(a, b):
    z = complex(a, b)
    w = z * z
    return z.real, z.imag, w.real, z == w, z != w


# ---------------------------------------------------------------- errors, overflow

def raise_msg(x):
    if x < 0:
        raise ValueError("negative input")
    if x > 1000:
        raise OverflowError("too big")
    return x * 2


def overflow_mac(n, a):
    s = 1
    for i in range(n):
        s = s * a + i
    return s


def int_neg_pow(a, n):
    return a ** n


def spec_probe(a, b):
    # used only by the specialization-count test
    return a * b - a
