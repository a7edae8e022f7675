"""Where the compiler finds the generic functions of dispatchjit's own library
(``dispatchjit.base``): the operators (by symbol), the builtins and math functions (by the Python
function they stand for) and the rest (by name).

The library is written in the language, so it is built on the compiler; the compiler cannot
import it without an import circle. So the library registers its functions here when it is
imported, and ``get`` imports it the first time compiled code (or a struct) needs one.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["register", "binary", "unary", "builtin", "named", "stands_for", "keywords"]

_binary: dict = {}     # "+" -> ops.add
_unary: dict = {}      # "-" -> ops.neg
_builtins: dict = {}   # abs -> ops.abs, math.sin -> dispatchjit.math.sin
_named: dict = {}      # "convert" -> convert
_stands_for: dict = {}  # dispatchjit.numpy.sqrt -> np.sqrt (the first function it stands for)
_keywords: dict = {}   # sum -> ({"axis": None, "keepdims": False, ...}, {"keepdims"})


def register(f, *, symbol: str | None = None, unary_symbol: str | None = None, stands_for=(),
             by_name: bool = True, keywords: dict | None = None, static=()) -> None:
    """``keywords``: the parameters of the NumPy function ``f`` stands for that its methods take
    (by NumPy's name, with the value a call that skips one passes); ``static``: those of them
    passed as ``Val(constant)`` (``numpy_calls``)."""
    if keywords is not None:
        _keywords[f] = (keywords, frozenset(static))
    if by_name:
        _named[f.__name__] = f
    if symbol is not None:
        _binary[symbol] = f
    if unary_symbol is not None:
        _unary[unary_symbol] = f
    for py in stands_for:
        _builtins[py] = f
        _stands_for.setdefault(f, py)


def _loaded() -> None:
    if not _named:
        importlib.import_module("dispatchjit.base")


def binary(symbol: str):
    _loaded()
    return _binary[symbol]


def unary(symbol: str):
    _loaded()
    return _unary[symbol]


def builtin(py_function):
    """The generic function standing for a builtin or math function, or None."""
    _loaded()
    f = _builtins.get(py_function)
    if f is None and _of_numpy_random(py_function) and "dispatchjit.base.mtrand" not in sys.modules:
        importlib.import_module("dispatchjit.base.mtrand")
        f = _builtins.get(py_function)
    return f


def _of_numpy_random(py_function) -> bool:
    """Whether ``py_function`` is one of ``np.random``'s. Their library (``base.mtrand``) is
    loaded only when compiled code first calls one: it and ``numpy.random`` cost a quarter of
    the library's import."""
    return (getattr(py_function, "__module__", None) or "").startswith("numpy.random")


def named(name: str):
    _loaded()
    return _named[name]


def stands_for(f):
    """The Python (or NumPy) function the library's generic function ``f`` stands for."""
    return _stands_for[f]


def keywords(f) -> tuple[dict, frozenset] | None:
    """The NumPy parameters ``f``'s methods take beyond the first, and which are static (None:
    ``f`` takes its arguments positionally, as given)."""
    return _keywords.get(f)


def numpy_functions() -> dict:
    """The library's generic functions standing for NumPy's, by NumPy's names (``sqrt``, ``sum``)."""
    _loaded()
    return {py.__name__: f for py, f in _builtins.items() if getattr(py, "__module__", None) == "numpy"}
