"""Forward-mode automatic differentiation, written as ordinary dispatchjit code (ForwardDiff.jl's
design): ``Dual`` is a ``@struct`` below ``Real`` with a method for every operator and ``math``
function, and the drivers seed duals, call the user's function, unchanged, and read the
partials out. Each driver compiles per (function, argument types, chunk size), as any
specialization.

    derivative(f, 1.5)                 # f'(1.5)
    gradient(f, x)                     # a 1-D array: the partials of a scalar f
    jacobian(f, x)                     # f from a 1-D array to a 1-D array; jacobian(f, y, x) for f(y, x)
    hessian(f, x)                      # nested duals, tags keeping the perturbations apart
"""

from .dual import Dual, partials, tag_of, value
from .drivers import DEFAULT_CHUNK, derivative, gradient, hessian, jacobian

__all__ = ["Dual", "value", "partials", "tag_of", "derivative", "gradient", "jacobian", "hessian", "DEFAULT_CHUNK"]
