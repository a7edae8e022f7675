"""The back half of the pipeline, for any target and any module: parse, finish, optimize, emit
and load LLVM IR, through the target's hooks.

The driver (``dispatchjit.driver``) runs every compile through these stages after lowering; a
generic function's dispatcher (``targets.dispatcher``), which has no typed IR, enters them
directly, so rebuilding one in a process that loads everything from the on-disk cache imports
no frontend or inference.
"""

from __future__ import annotations

__all__ = ["optimized", "emitted", "QUICK_CODEGEN_LIMIT"]

# Straight-line code this small (the boxing entry point and an expression or two) runs as fast
# with LLVM's quick code generator; its cost is its call, and the quick one compiles 4x faster.
QUICK_CODEGEN_LIMIT = 64   # LLVM instructions, after optimization


def optimized(target, text: str, compiled, level: int):
    """The module ``text`` parsed, finished by the target for its entry ``compiled`` (libraries
    linked) and optimized at ``level``."""
    from llvmlite import binding as llvm
    module_ref = llvm.parse_assembly(text)
    target.finish(module_ref, compiled)
    target.optimize(module_ref, level)
    return module_ref


def emitted(target, module_ref, quick: bool):
    """The target's code for ``module_ref``; ``quick``: with LLVM's quick code generator when the
    module is small enough for it not to matter."""
    return target.emit(module_ref, quick=quick and _is_small(module_ref))


def _is_small(module_ref) -> bool:
    count = 0
    for f in module_ref.functions:
        for block in f.blocks:
            count += sum(1 for _ in block.instructions)
            if count > QUICK_CODEGEN_LIMIT:
                return False
    return True
