"""dispatchjit's own library, Julia's Base in miniature, written as ``@generic`` code that the
compiler compiles like users' code: conversion and promotion (``promotion``: ``convert``,
``promote_rule``, ``promote_type``, ``promote``), the operators and builtins as generic
functions (``ops``: ``ops.add`` is ``+``), and the math functions (``mathfuncs``, public as
``dispatchjit.math``). Their built-in methods cover the built-in numbers, where compiled code
gets the same machine instructions as before they were generic functions; users add methods
for their own types. The package is loaded when it is first needed (a struct's operator, or a
user naming it), not when dispatchjit is imported.
"""

# The modules define the functions; the operators first (a struct's class forwards to them).
from . import promotion, ops, mathfuncs, reductions  # noqa: F401, I001
from . import broadcast, creation, indexing, linalg, shapes, sorting, tuples, ufuncs  # noqa: F401
# ``mtrand`` (np.random) is loaded by ``library.builtin`` when compiled code first calls np.random.
