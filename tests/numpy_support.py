"""What the NumPy tests share: a function as NumPy runs it and compiled, and inputs in other
memory layouts."""

import warnings

import numpy as np

from dispatchjit import generic


def pair(f):
    """``f`` as plain Python (NumPy runs it: the reference) and as a generic function."""
    g = generic(f)
    g.max_specializations = 10_000
    return f, g


def layout(a, how):
    """A view with the values of ``a`` in another memory layout."""
    if how == "C":
        return np.ascontiguousarray(a)
    if how == "F":
        return np.asfortranarray(a)
    if how == "T":                              # the transpose of a C array (an F-ordered view)
        return np.ascontiguousarray(a.T).T
    if how == "strided":                        # every other element of a wider array: x[..., ::2]
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return wide[..., ::2]
    if how == "reversed":                       # negative strides along the first axis
        return np.ascontiguousarray(a[::-1])[::-1]
    raise AssertionError(how)


def outcome(f, *args):
    """``f(*args)``, or the exception it raised (what the tests compare), NumPy's warnings
    silenced (compiled code gives none)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*args)
        except Exception as err:  # noqa: BLE001 - the exception is the outcome compared
            return err
