"""NumPy's legacy ``np.random`` in compiled code: ``seed``, ``rand``, ``random``/``random_sample``,
``randn``/``standard_normal``, ``randint``, ``uniform``, ``normal``, ``shuffle``, ``permutation``
and ``choice`` (of an integer or a 1-d array, with or without replacement), drawing **the same
streams as NumPy's ``np.random`` for the same seed**: the Mersenne Twister (MT19937) seeded as
``RandomState(seed)`` seeds it, and NumPy's legacy transformations (53-bit doubles from two
words, the polar Box-Muller method with its cached second value, masked rejection for integers,
Fisher-Yates from the end for shuffles).

The state is one per process, compiled code's own: NumPy's global generator and this one do not
share state (as in Numba), so seed it in compiled code, or copy NumPy's across from Python with
``dispatchjit.random.set_state(np.random.get_state())``. Threads share it too; compiled code
holds the GIL, so draws never interleave, except in functions compiled with ``nogil=True`` run
from several threads at once, which must not draw. Until seeded, the state is seeded from the
operating system's entropy when this module loads.
"""

import os

import numpy as np

from .. import library
from ..generic import generic
from ..lattice import AbstractArray, Any, Array, Float64, Int64, Integer, Nothing, Real
from .shapes import ravel_c

__all__ = ["seed", "rand", "random_sample", "randn", "standard_normal", "randint", "uniform", "normal", "shuffle",
           "permutation", "choice", "get_state", "set_state"]

_N, _M = 624, 397          # MT19937's state words, and the distance of the word each twist mixes in
_MASK = 0xFFFFFFFF
# The state compiled code reads and writes in place: the words (each below 2**32), then the
# position of the next word to temper (624: twist first) and whether a normal is cached.
_KEY = np.zeros(_N, np.int64)
_AT = np.zeros(2, np.int64)
_GAUSS = np.zeros(1, np.float64)


def _initial_words(s: int) -> list[int]:
    """MT19937's ``init_genrand``: the state words for the seed ``s``."""
    words = [s & _MASK]
    for i in range(1, _N):
        words.append((1812433253 * (words[-1] ^ (words[-1] >> 30)) + i) & _MASK)
    return words


def set_state(state) -> None:
    """Set compiled code's generator from NumPy's ``np.random.get_state()`` tuple (the legacy
    form: ``('MT19937', keys, pos, has_gauss, cached_gaussian)``)."""
    name, keys, pos, has_gauss, gauss = state[:5]
    keys = np.asarray(keys)
    if name != "MT19937" or keys.shape != (_N,) or not 0 <= int(pos) <= _N:
        raise ValueError("set_state() takes NumPy's legacy state: ('MT19937', 624 keys, pos, has_gauss, gauss)")
    _KEY[:] = keys.astype(np.uint32)
    _AT[:] = (int(pos), int(bool(has_gauss)))
    _GAUSS[0] = float(gauss)


def get_state() -> tuple:
    """Compiled code's generator as NumPy's legacy state tuple (``np.random.set_state`` takes it)."""
    return ("MT19937", _KEY.astype(np.uint32), int(_AT[0]), int(_AT[1]), float(_GAUSS[0]))


set_state(("MT19937", _initial_words(int.from_bytes(os.urandom(4), 'little')), _N, 0, 0.0))


# --- the generator -------------------------------------------------------------------------------
@generic
def seed(s: Integer):
    """``np.random.seed(s)``: the state ``np.random.RandomState(s)`` starts from."""
    if s < 0 or s > 0xFFFFFFFF:
        raise ValueError("Seed must be between 0 and 2**32 - 1")
    k = Int64(s)
    _KEY[0] = k
    for i in range(1, 624):
        k = (1812433253 * (k ^ (k >> 30)) + i) & 0xFFFFFFFF
        _KEY[i] = k
    _AT[0] = 624
    _AT[1] = 0
    _GAUSS[0] = 0.0


@generic(boundscheck=False)
def mixed(i, j, k):
    """A twisted word: the top bit of word ``i``, the others of word ``j``, mixed with word ``k``."""
    y = (_KEY[i] & 0x80000000) | (_KEY[j] & 0x7FFFFFFF)
    v = _KEY[k] ^ (y >> 1)
    return v ^ 0x9908B0DF if y & 1 else v


@generic(boundscheck=False)
def twist():
    """The next 624 words (three loops, so no index wraps around inside one)."""
    for i in range(624 - 397):
        _KEY[i] = mixed(i, i + 1, i + 397)
    for i in range(624 - 397, 623):
        _KEY[i] = mixed(i, i + 1, i + 397 - 624)
    _KEY[623] = mixed(623, 0, 396)
    _AT[0] = 0


@generic(boundscheck=False)
def next_word():
    """The next 32 random bits, tempered, as an Int64."""
    if _AT[0] >= 624:
        twist()
    y = _KEY[_AT[0]]
    _AT[0] += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    return y ^ (y >> 18)


@generic
def next_double():
    """A double in [0, 1) from 53 random bits (27 of one word, 26 of the next)."""
    a = next_word() >> 5
    b = next_word() >> 6
    return (a * 67108864.0 + b) / 9007199254740992.0


@generic
def next_gauss():
    """A standard normal by the polar method; each round makes two, the second cached."""
    if _AT[1] != 0:
        _AT[1] = 0
        cached = _GAUSS[0]
        _GAUSS[0] = 0.0   # as NumPy's state shows it
        return cached
    x1 = 2.0 * next_double() - 1.0
    x2 = 2.0 * next_double() - 1.0
    r2 = x1 * x1 + x2 * x2
    while r2 >= 1.0 or r2 == 0.0:
        x1 = 2.0 * next_double() - 1.0
        x2 = 2.0 * next_double() - 1.0
        r2 = x1 * x1 + x2 * x2
    f = np.sqrt(-2.0 * np.log(r2) / r2)
    _GAUSS[0] = f * x1
    _AT[1] = 1
    return f * x2


@generic
def next_interval(high):
    """An integer in [0, high] by masked rejection: the bits below ``high``'s highest, drawn
    again while above it (one word for a ``high`` of 32 bits, two for more)."""
    if high == 0:
        return Int64(0)
    mask = Int64(high)
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> shift
    if high <= 0xFFFFFFFF:
        v = next_word() & mask
        while v > high:
            v = next_word() & mask
        return v
    v = ((next_word() << 32) | next_word()) & mask
    while v > high:
        v = ((next_word() << 32) | next_word()) & mask
    return v


# --- NumPy's functions ---------------------------------------------------------------------------
@generic
def filled(f, size, t, a, b):
    """``f(a, b)``, or an array of type ``t`` and shape ``size`` of one draw per element in C order."""
    out = np.empty(size, t)
    flat = ravel_c(out)
    for i in range(flat.shape[0]):
        flat[i] = f(a, b)
    return out


@generic
def filled(f, size: Nothing, t, a, b):  # noqa: F811
    return f(a, b)


@generic
def uniform_draw(low, high):
    return low + (high - low) * next_double()


@generic
def normal_draw(loc, scale):
    return loc + scale * next_gauss()


@generic
def integer_draw(low, high):
    return low + next_interval(high - low - 1)


@generic
def random_sample(size=None):
    """``np.random.random(size)``: doubles in [0, 1)."""
    return filled(uniform_draw, size, np.float64, 0.0, 1.0)


@generic
def standard_normal(size=None):
    """``np.random.standard_normal(size)``, ``np.random.randn(*shape)``."""
    return filled(normal_draw, size, np.float64, 0.0, 1.0)


@generic
def rand(*shape):
    """``np.random.rand(d0, d1, ...)``: doubles in [0, 1) of that shape (one, given none)."""
    return random_sample(shape)


@generic
def rand():  # noqa: F811
    return random_sample(None)


@generic
def randn(*shape):
    """``np.random.randn(d0, d1, ...)``: standard normals of that shape (one, given none)."""
    return standard_normal(shape)


@generic
def randn():  # noqa: F811
    return standard_normal(None)


@generic
def uniform(low: Real = 0.0, high: Real = 1.0, size=None):
    """``np.random.uniform(low, high, size)``: ``low + (high - low) * random()``."""
    return filled(uniform_draw, size, np.float64, Float64(low), Float64(high))


@generic
def normal(loc: Real = 0.0, scale: Real = 1.0, size=None):
    """``np.random.normal(loc, scale, size)``: ``loc + scale * standard_normal()``."""
    if scale < 0:
        raise ValueError("scale < 0")
    return filled(normal_draw, size, np.float64, Float64(loc), Float64(scale))


@generic
def randint(low: Integer, high: Integer, size=None):
    """``np.random.randint(low, high, size)``: Int64s in [low, high)."""
    if low >= high:
        raise ValueError("low >= high")
    return filled(integer_draw, size, np.int64, Int64(low), Int64(high))


@generic
def randint(low: Integer):  # noqa: F811
    return randint(0, low, None)


@generic
def randint(low: Integer, high: Nothing, size=None):  # noqa: F811
    return randint(0, low, size)


@generic
def shuffle(x: Array[Any, 1]):
    """``np.random.shuffle(x)``: ``x``'s elements (rows, along the first axis) permuted in place."""
    for i in range(x.shape[0] - 1, 0, -1):
        j = next_interval(i)
        t = x[i]
        x[i] = x[j]
        x[j] = t


@generic
def shuffle(x: AbstractArray):  # noqa: F811
    for i in range(x.shape[0] - 1, 0, -1):
        j = next_interval(i)
        t = x[i].copy()
        x[i] = x[j]
        x[j] = t


@generic
def permutation(x: Integer):
    """``np.random.permutation(n)``: ``arange(n)`` shuffled; of an array, a shuffled copy."""
    out = np.arange(Int64(x))
    shuffle(out)
    return out


@generic
def permutation(x: AbstractArray):  # noqa: F811
    out = x.copy()
    shuffle(out)
    return out


@generic
def shuffle(x: Array[Any, 0]):  # noqa: F811
    raise TypeError("len() of unsized object")


@generic
def permutation(x: Array[Any, 0]):  # noqa: F811
    raise IndexError("x must be an integer or at least 1-dimensional")


@generic
def population(a: Integer):
    if a <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    return Int64(a)


@generic
def population(a: AbstractArray):  # noqa: F811
    if a.ndim != 1:
        raise ValueError("a must be 1-dimensional")
    if a.shape[0] == 0:
        raise ValueError("'a' cannot be empty unless no samples are taken")
    return a.shape[0]


@generic
def element(a: Integer, i):
    return i


@generic
def element(a: AbstractArray, i):  # noqa: F811
    return a[i]


@generic
def element_type(a: Integer):
    return Int64


@generic
def element_type(a: AbstractArray):  # noqa: F811
    return a.dtype


@generic
def choice(a, size=None, replace=True):
    """``np.random.choice(a, size, replace)``: elements of the 1-d array ``a`` (of ``arange(a)``
    for an integer), drawn independently, or without replacement the first of a permutation."""
    n = population(a)
    out = np.empty(size, element_type(a))
    flat = ravel_c(out)
    if replace:
        for i in range(flat.shape[0]):
            flat[i] = element(a, next_interval(n - 1))
        return out
    if flat.shape[0] > n:
        raise ValueError("Cannot take a larger sample than population when 'replace=False'")
    order = permutation(n)
    for i in range(flat.shape[0]):
        flat[i] = element(a, order[i])
    return out


@generic
def choice(a, size: Nothing, replace=True):  # noqa: F811
    n = population(a)
    return element(a, next_interval(n - 1) if replace else permutation(n)[0])


_SIZE = {"size": None}
for _f, _py, _keywords in [
        (seed, np.random.seed, {}), (random_sample, np.random.random, {}),
        (random_sample, np.random.random_sample, {}), (standard_normal, np.random.standard_normal, {}),
        (randint, np.random.randint, {"high": None, **_SIZE}), (uniform, np.random.uniform, {"high": 1.0, **_SIZE}),
        (normal, np.random.normal, {"scale": 1.0, **_SIZE}), (shuffle, np.random.shuffle, {}),
        (permutation, np.random.permutation, {}), (choice, np.random.choice, {**_SIZE, "replace": True})]:
    library.register(_f, stands_for=(_py,), by_name=False, keywords=_keywords)
for _f, _py in [(rand, np.random.rand), (randn, np.random.randn)]:
    library.register(_f, stands_for=(_py,), by_name=False)
