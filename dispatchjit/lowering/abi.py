"""The calling convention of compiled code, and the LLVM types everything else is built from.

Every specialization becomes one LLVM function

    i32 @name(T_ret* %ret, ExcInfo* %exc, T_1 %a1, ..., T_n %an)

returning a status (``STATUS``): 0 success (the result stored through ``%ret``); 1 an exception
recorded in the ExcInfo (``dispatchjit.runtime.exceptions``); 2 a Python exception already set (a
C API call failed). Between a function and its cold loops only: LOOP_DONE, the loop ran to its
end; COLD_COMPILED, the stub compiled the loop and the call must be made again.
"""

from __future__ import annotations

from llvmlite import ir as ll

from ..runtime.exceptions import MAX_PAYLOAD

__all__ = ["STATUS", "OK", "RAISED", "PYERR", "LOOP_DONE", "COLD_COMPILED", "I1", "I8", "I32", "I64", "F16",
           "F32", "F64", "PTR", "EXCINFO", "EMPTY", "EXC_STACK_LIMIT", "EXC_WHERE"]

STATUS = ll.IntType(32)
OK, RAISED, PYERR = STATUS(0), STATUS(1), STATUS(2)
LOOP_DONE = STATUS(3)
COLD_COMPILED = STATUS(4)   # also dispatchjit.runtime.jit.COLD_COMPILED
I1, I8, I32, I64 = ll.IntType(1), ll.IntType(8), ll.IntType(32), ll.IntType(64)
F16, F32, F64 = ll.HalfType(), ll.FloatType(), ll.DoubleType()
PTR = I8.as_pointer()
EXCINFO = ll.LiteralStructType([I64, ll.ArrayType(I64, MAX_PAYLOAD), I64, I64])  # runtime.exceptions.ExcInfo
EXC_STACK_LIMIT = 2   # the ExcInfo field holding the stack limit recursive functions check
EXC_WHERE = 3         # the ExcInfo field naming the user's call into the library that raised
EMPTY = ll.LiteralStructType([])
