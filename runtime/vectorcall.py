"""Generic functions are objects CPython calls through *vectorcall*.

A generic function is an instance of a heap type made here with ``PyType_FromSpec``: a header, a
vectorcall pointer and a ``__dict__``. The pointer is the function's dispatcher, machine code the
CPU target generates (``dispatchjit.targets.dispatcher``); while it is NULL (before anything is
compiled, and between an invalidation and the next rebuild) calls go to the Python ``__call__``.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, Structure, c_char_p, c_int, c_ssize_t, c_uint, c_void_p, py_object

__all__ = ["callable_type", "set_vectorcall"]

VECTORCALL_OFFSET, DICT_OFFSET, BASICSIZE = 16, 24, 32
_TPFLAGS_DEFAULT, _TPFLAGS_HAVE_VECTORCALL = 1 << 18, 1 << 11
_SLOT_CALL, _SLOT_NEW, _SLOT_MEMBERS = 50, 65, 72      # typeslots.h
_T_PYSSIZET, _READONLY = 19, 1                           # structmember.h


class _Slot(Structure):
    _fields_ = [("slot", c_int), ("pfunc", c_void_p)]


class _Spec(Structure):
    _fields_ = [("name", c_char_p), ("basicsize", c_int), ("itemsize", c_int), ("flags", c_uint),
                ("slots", POINTER(_Slot))]


class _Member(Structure):
    _fields_ = [("name", c_char_p), ("type", c_int), ("offset", c_ssize_t), ("flags", c_int), ("doc", c_char_p)]


_keep: list = []   # the spec records a type points into live as long as the process


def callable_type(name: str, namespace: type) -> type:
    """A new type named ``name`` whose instances are called by vectorcall and have a
    ``__dict__``, with every attribute of the plain class ``namespace`` (methods, properties, a
    Python ``__call__`` used while an instance has no dispatcher)."""
    api = ctypes.pythonapi
    members = (_Member * 3)(_Member(b"__vectorcalloffset__", _T_PYSSIZET, VECTORCALL_OFFSET, _READONLY, None),
                            _Member(b"__dictoffset__", _T_PYSSIZET, DICT_OFFSET, _READONLY, None),
                            _Member(None, 0, 0, 0, None))
    address = lambda fn: ctypes.cast(getattr(api, fn), c_void_p).value  # noqa: E731
    slots = (_Slot * 4)(_Slot(_SLOT_CALL, address("PyVectorcall_Call")),
                        _Slot(_SLOT_MEMBERS, ctypes.cast(members, c_void_p).value),
                        _Slot(_SLOT_NEW, address("PyType_GenericNew")), _Slot(0, None))
    spec = _Spec(name.encode(), BASICSIZE, 0, _TPFLAGS_DEFAULT | _TPFLAGS_HAVE_VECTORCALL, slots)
    _keep.extend((members, slots, spec, spec.name))
    from_spec = api.PyType_FromSpec
    from_spec.restype, from_spec.argtypes = py_object, [POINTER(_Spec)]
    cls = from_spec(ctypes.byref(spec))
    for attr, value in vars(namespace).items():
        if attr not in ("__dict__", "__weakref__", "__module__"):
            setattr(cls, attr, value)
    return cls


def set_vectorcall(obj, address: int | None) -> None:
    """Install a dispatcher (``None``: calls go to the Python ``__call__``)."""
    ctypes.c_void_p.from_address(id(obj) + VECTORCALL_OFFSET).value = address
