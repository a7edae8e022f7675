"""NumPy's array constructors written in the language: ``np.linspace``, ``np.eye`` and
``np.identity`` (``np.zeros``, ``np.empty``, ``np.full``, ``np.arange`` and the ``_like``
ones are typing rules of ``array_calls``). ``linspace`` computes as NumPy's does,
``start + i * step`` with the last element ``stop``, so its values are NumPy's to the bit."""

import numpy as np

from .. import library
from ..array_intrinsics import result_type
from ..generic import generic
from ..lattice import Float64, Integer, Real

__all__ = ["linspace", "eye", "identity"]


@generic
def linspace(start: Real, stop: Real, num: Integer = 50):
    """``np.linspace(start, stop, num)``: ``num`` evenly spaced numbers from ``start`` to ``stop``."""
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    t = result_type(start, stop)
    first, delta, div = t(start), t(stop) - t(start), num - 1
    out = np.empty(num, t)
    if div > 0 and delta / div != 0:
        step = delta / div
        for i in range(num):
            out[i] = t(i) * step + first
    elif div > 0:   # a step too small to represent (denormal): NumPy divides first
        for i in range(num):
            out[i] = t(i) / div * delta + first
    else:
        for i in range(num):
            out[i] = t(i) * delta + first
    if num > 1:
        out[num - 1] = t(stop)
    return out


@generic
def linspace(start: Integer, stop: Integer, num: Integer = 50):  # noqa: F811
    return linspace(Float64(start), Float64(stop), num)   # integers space out in floats, as NumPy's


@generic
def eye(n: Integer, m: Integer, k: Integer = 0):
    """``np.eye(n, m, k)``: an ``n`` by ``m`` Float64 matrix of zeros with ones on diagonal ``k``."""
    out = np.zeros((n, m))
    for i in range(max(0, -k), min(n, m - k)):
        out[i, i + k] = 1.0
    return out


@generic
def eye(n: Integer):  # noqa: F811
    return eye(n, n, 0)


@generic
def identity(n: Integer):
    """``np.identity(n)``: the ``n`` by ``n`` identity matrix (Float64)."""
    return eye(n, n, 0)


library.register(linspace, stands_for=(np.linspace,), by_name=False)
library.register(eye, stands_for=(np.eye,), by_name=False)
library.register(identity, stands_for=(np.identity,), by_name=False)
