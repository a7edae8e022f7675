"""Lowering: typed IR to LLVM IR, written once for every target.

    abi.py       the calling convention and the LLVM types it is built from
    reprs.py     each kind of type's machine representation (one class per kind)
    function.py  a module's specializations, statement by statement (``ModuleBuilder``)
    prims.py     one rule per primitive operation
    arrays.py    array operations and stores
    bce.py       which array accesses a loop's bounds test proves in range
"""
