"""dispatchjit: Julia-style multiple dispatch for Python, compiled per signature with LLVM.

    from dispatchjit import generic

    @generic
    def area(r: float): return 3.141592653589793 * r * r
    @generic
    def area(w: int, h: int): return w * h

    area(2, 3), area(1.5)      # each signature compiles on its first call
"""

from .errors import (AmbiguityError, CompileError, FieldError, InexactError, InternalCompilerError, MethodError,
                     TypingError)
from .generic import (GenericFunction, Specialization, SpecializationLimitWarning, config, generic, precompile,
                      precompile_all)
from .reflection import code_llvm, code_native, code_typed, which
from .structs import abstract, fields, struct
from .lattice import (AbstractArray, AbstractFloat, Any, Array, Bool, Bottom, Complex64, Complex128, Float32,
                    Float16, Float64, Int8, Int16, Int32, Int64, Integer, Nothing, NTuple, Number, Real, Signed, Tuple,
                    Type, UInt8, UInt16, UInt32, UInt64, Unsigned, Val, typeof)

__version__ = "0.1.0"

__all__ = [
    "generic", "GenericFunction", "Specialization", "SpecializationLimitWarning", "config", "precompile",
    "precompile_all", "typeof", "promote", "promote_type", "which", "code_typed", "code_llvm", "code_native",
    "MethodError", "AmbiguityError", "CompileError", "TypingError", "InternalCompilerError", "Any", "Number",
    "Real", "Integer", "Signed", "Unsigned", "AbstractFloat", "AbstractArray", "Array", "Bool", "Int8", "Int16",
    "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float16", "Float32", "Float64", "Complex64",
    "Complex128", "Nothing", "Bottom", "Tuple", "NTuple", "Type", "Val", "struct", "abstract", "fields", "InexactError",
    "FieldError", "ops", "convert", "promote_rule",
]


_LIBRARY = {"convert", "promote_rule", "promote_type", "promote"}


def __getattr__(name: str):
    """Loaded on first use: ``dispatchjit.map`` and ``dispatchjit.reduce``, fused elementwise maps
    and folds over NumPy arrays on the CPU (``fused.elementwise``, ``fused.fold``;
    ``cuda.map``/``cuda.reduce`` take device arrays), left out of ``__all__`` so ``import *``
    never shadows the builtins; and the library of generic functions (``dispatchjit.base``):
    ``ops`` (the operators), ``math`` (the math functions), ``numpy`` (NumPy's functions:
    ``dispatchjit.numpy.sqrt`` is what ``np.sqrt`` calls in compiled code), ``random``
    (``np.random`` in compiled code, and its state: ``get_state``, ``set_state``), ``broadcast``,
    ``convert``, ``promote_rule``, ``promote_type`` and ``promote``."""
    if name in ("map", "reduce"):
        from . import fused
        return fused.elementwise if name == "map" else fused.fold
    if name == "broadcast":
        from .base.broadcast import broadcast
        return broadcast
    if name == "numpy":
        return _numpy_namespace()
    if name == "random":
        from .base import mtrand
        return mtrand
    if name in ("ops", "math"):
        from .base import mathfuncs, ops
        return ops if name == "ops" else mathfuncs
    if name in _LIBRARY:
        from .base import promotion
        return getattr(promotion, name)
    raise AttributeError(f"module 'dispatchjit' has no attribute {name!r}")


def _numpy_namespace():
    import types
    from . import library
    ns = types.ModuleType("dispatchjit.numpy", "NumPy's functions as the generic functions compiled code calls "
                          "(np.sqrt is dispatchjit.numpy.sqrt): add methods for your types to them")
    ns.__dict__.update(sorted(library.numpy_functions().items()))
    return ns


def load_ipython_extension(ipython) -> None:
    """``%load_ext dispatchjit``: the ``%code_typed``, ``%code_llvm`` and ``%code_native`` line
    magics, each taking a call expression: ``%code_llvm f(1.0, x)``."""
    from .magics import register
    register(ipython)
