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


def same(got, want, tolerance=None) -> None:
    """``got`` (compiled) is ``want`` (NumPy): the same error (class and message), None, or
    the same values (NaN where NumPy has NaN; -0.0 equals 0.0; within the relative
    ``tolerance(dtype)`` when given),
    dtype and shape; tuples item by item; a NumPy scalar as a scalar (not an array)."""
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"NumPy raised {want!r}, compiled code returned {got!r}"
        assert type(got) is type(want), (got, want)
        assert str(got) == str(want), (str(got), str(want))
        return
    assert not isinstance(got, Exception), f"compiled code raised {got!r}, NumPy gave {want!r}"
    if want is None:
        assert got is None, got
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            try:
                same(g, w, tolerance)
            except AssertionError as err:
                raise AssertionError(f"result {k}: {err}") from None
        return
    assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), f"array or scalar: {got!r}, {want!r}"
    g, w = np.asarray(got), np.asarray(want)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    assert g.shape == w.shape, (g.shape, w.shape)
    rtol = tolerance(w.dtype) if tolerance is not None else 0
    if rtol:
        np.testing.assert_allclose(g, w, rtol=rtol, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w, strict=True)
