"""The C API functions compiled code calls, declared once for every module that needs them.

Their addresses come from the running interpreter (``ctypes.pythonapi``) and NumPy's function
table, and are registered with the JIT, so nothing depends on how Python was linked."""

from __future__ import annotations

import ctypes

from llvmlite import ir as ll

__all__ = ["CAPI", "NUMPY_API", "declare", "addresses", "slot_offset"]

_P = ll.IntType(8).as_pointer()
_I32, _I64, _F64, _VOID = ll.IntType(32), ll.IntType(64), ll.DoubleType(), ll.VoidType()

# name -> (return type, parameter types)
CAPI = {
    "PyLong_AsLongLong": (_I64, [_P]), "PyLong_AsUnsignedLongLong": (_I64, [_P]),
    "PyFloat_AsDouble": (_F64, [_P]), "PyObject_IsTrue": (_I32, [_P]),
    "PyComplex_RealAsDouble": (_F64, [_P]), "PyComplex_ImagAsDouble": (_F64, [_P]),
    "PyTuple_GetItem": (_P, [_P, _I64]), "PyErr_Occurred": (_P, []),
    "PyLong_FromLongLong": (_P, [_I64]), "PyLong_FromUnsignedLongLong": (_P, [_I64]),
    "PyFloat_FromDouble": (_P, [_F64]), "PyBool_FromLong": (_P, [_I64]),
    "PyComplex_FromDoubles": (_P, [_F64, _F64]), "PyTuple_New": (_P, [_I64]),
    "PyTuple_SetItem": (_I32, [_P, _I64, _P]), "Py_IncRef": (_VOID, [_P]),
    "Py_DecRef": (_VOID, [_P]), "PyObject_CallOneArg": (_P, [_P, _P]),
    "PyLong_FromVoidPtr": (_P, [_P]), "PyErr_SetString": (_VOID, [_P, _P]),
    "PyNumber_Index": (_P, [_P]), "PyEval_SaveThread": (_P, []), "PyEval_RestoreThread": (_VOID, [_P]), "PyObject_Vectorcall": (_P, [_P, _P.as_pointer(), _I64, _P]),
    "PyType_GenericAlloc": (_P, [_P, _I64]), "PyErr_Clear": (_VOID, []),
}

# NumPy's C API functions compiled code calls, by their index in NumPy's function table (the
# ``_ARRAY_API`` capsule; the indices are NumPy's stable ABI): what ``np.empty``/``np.zeros``
# do, without a Python-level call. Both steal a reference to the dtype.
NUMPY_API = {"PyArray_Zeros": (183, _P, [_I32, _I64.as_pointer(), _P, _I32]),
             "PyArray_Empty": (184, _P, [_I32, _I64.as_pointer(), _P, _I32])}


def slot_offset(cls: type, name: str) -> int:
    """The byte offset of the ``__slots__`` member ``name`` in instances of ``cls``, read from its
    member descriptor: ``PyMemberDescrObject.d_member`` follows ``PyDescr_COMMON`` (the object
    header, ``d_type``, ``d_name``, ``d_qualname``: 40 bytes) and ``PyMemberDef.offset`` follows
    ``name`` and ``type`` (16 bytes), layouts CPython has kept since 3.3."""
    desc = next(vars(k)[name] for k in cls.__mro__ if name in vars(k))
    member = ctypes.c_void_p.from_address(id(desc) + 40).value
    offset = ctypes.c_ssize_t.from_address(member + 16).value
    if not 16 <= offset <= cls.__basicsize__ - 8:
        raise RuntimeError(f"unexpected slot layout for {cls.__qualname__}.{name} (offset {offset})")
    return offset


def declare(module: ll.Module, name: str) -> ll.Function:
    f = module.globals.get(name)
    if f is None:
        ret, params = CAPI[name] if name in CAPI else NUMPY_API[name][1:]
        f = ll.Function(module, ll.FunctionType(ret, params), name)
    return f


def addresses() -> dict[str, int]:
    found = {name: ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value for name in CAPI}
    table = _numpy_table()
    found.update({name: table[index] for name, (index, _, _) in NUMPY_API.items()})
    return found


def _numpy_table():
    """NumPy's C API function table, as ``import_array()`` finds it."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:   # NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    # A prototype of our own: setting restype on ctypes.pythonapi's would change it for everyone.
    get = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_GetPointer",
                                                                                 ctypes.pythonapi))
    size = 1 + max(index for index, _, _ in NUMPY_API.values())
    return (ctypes.c_void_p * size).from_address(get(umath._ARRAY_API, None))
