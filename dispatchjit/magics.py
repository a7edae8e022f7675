"""IPython line magics: ``%code_typed f(1.0, x)`` prints what that call compiles to.

The call expression is parsed, not run: the function and the arguments are evaluated in the
user's namespace, and the specialization for the arguments' types is shown."""

from __future__ import annotations

import ast

from .reflection import code_llvm, code_native, code_typed
from .lattice import typeof

__all__ = ["register"]


def _specialization_of(line: str, namespace: dict):
    tree = ast.parse(line.strip(), mode="eval").body
    if not isinstance(tree, ast.Call) or tree.keywords:
        raise ValueError("give a call with positional arguments, e.g. %code_llvm f(1.0, x)")
    evaluate = lambda node: eval(compile(ast.Expression(node), "<magic>", "eval"), namespace)  # noqa: E731,S307
    func = evaluate(tree.func)
    types = tuple(typeof(evaluate(arg)) for arg in tree.args)
    return func, types


def register(ipython) -> None:
    for name, show in (("code_typed", code_typed), ("code_llvm", code_llvm), ("code_native", code_native)):
        def magic(line, show=show):
            func, types = _specialization_of(line, ipython.user_ns)
            print(show(func, *types))
        magic.__name__ = name
        magic.__doc__ = f"%{name} f(args...): {show.__doc__.splitlines()[0]}"
        ipython.register_magic_function(magic, magic_kind="line", magic_name=name)
