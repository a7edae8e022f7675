"""dispatchjit: Julia-style multiple dispatch for Python, compiled per signature with LLVM.

    from dispatchjit import generic

    @generic
    def area(r: float): return 3.141592653589793 * r * r
    @generic
    def area(w: int, h: int): return w * h

    area(2, 3), area(1.5)      # each signature compiles on its first call
"""

from .errors import AmbiguityError, CompileError, FieldError, InternalCompilerError, MethodError, TypingError
from .generic import (GenericFunction, Specialization, SpecializationLimitWarning, config, generic, precompile,
                      precompile_all)
from .reflection import code_llvm, code_native, code_typed, promote, which
from .structs import InexactError, abstract, fields, struct
from .lattice import (AbstractArray, AbstractFloat, Any, Array, Bool, Bottom, Complex64, Complex128, Float32,
                    Float16, Float64, Int8, Int16, Int32, Int64, Integer, Nothing, Number, Real, Signed, Tuple,
                    Type, UInt8, UInt16, UInt32, UInt64, Unsigned, Val, promote_type, typeof)

__version__ = "0.1.0"

__all__ = [
    "generic", "GenericFunction", "Specialization", "SpecializationLimitWarning", "config", "precompile",
    "precompile_all", "typeof", "promote", "promote_type", "which", "code_typed", "code_llvm", "code_native",
    "MethodError", "AmbiguityError", "CompileError", "TypingError", "InternalCompilerError", "Any", "Number",
    "Real", "Integer", "Signed", "Unsigned", "AbstractFloat", "AbstractArray", "Array", "Bool", "Int8", "Int16",
    "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float16", "Float32", "Float64", "Complex64",
    "Complex128", "Nothing", "Bottom", "Tuple", "Type", "Val", "struct", "abstract", "fields", "InexactError",
    "FieldError",
]


def __getattr__(name: str):
    """``dispatchjit.map`` and ``dispatchjit.reduce``: fused elementwise maps and folds over NumPy
    arrays on the CPU (``fused.elementwise``, ``fused.fold``; ``cuda.map``/``cuda.reduce`` take device arrays). Loaded on
    first use, and left out of ``__all__`` so ``import *`` never shadows the builtins."""
    if name in ("map", "reduce"):
        from . import fused
        return fused.elementwise if name == "map" else fused.fold
    raise AttributeError(f"module 'dispatchjit' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """``%load_ext dispatchjit``: the ``%code_typed``, ``%code_llvm`` and ``%code_native`` line
    magics, each taking a call expression: ``%code_llvm f(1.0, x)``."""
    from .magics import register
    register(ipython)
