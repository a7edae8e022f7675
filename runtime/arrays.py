"""NumPy arrays across the boundary.

Compiled code sees an array as a struct ``{owner, data, shape[N], strides[N], writeable}``;
``owner`` is the ``ndarray`` that owns (or keeps alive) the memory, and compiled code holds a
reference to it wherever it holds the struct (see ``dispatchjit.lowering.function``). Arrays made in compiled code
are ordinary NumPy arrays allocated here, so what is returned to Python owns its memory and
temporaries are freed by NumPy when their last reference goes. Unboxing reads the ``ndarray``
fields directly at the offsets of NumPy's stable ABI (``PyArrayObject_fields``).
"""

from __future__ import annotations

import ctypes

import numpy as np

from ..lattice import PRIMITIVES

from .exceptions import reraise_at

__all__ = ["allocate", "box", "DATA_OFFSET", "NDIM_OFFSET", "DIMS_OFFSET", "STRIDES_OFFSET", "FLAGS_OFFSET",
           "WRITEABLE", "dtype_code"]

# PyArrayObject_fields on 64-bit CPython (PyObject_HEAD is 16 bytes), unchanged since NumPy 1.7.
DATA_OFFSET, NDIM_OFFSET, DIMS_OFFSET, STRIDES_OFFSET, FLAGS_OFFSET = 16, 24, 32, 40, 64
WRITEABLE = 0x0400
EMPTY, ZEROS = 0, 1
_DTYPES = [t.dtype for t in PRIMITIVES]


def dtype_code(t) -> int:
    """The number compiled code passes to ``allocate`` for element type ``t`` (-1: a struct,
    whose dtype follows the shape)."""
    return PRIMITIVES.index(t) if t in PRIMITIVES else -1


def allocate(address: int) -> np.ndarray:
    """Called from compiled code: the request at ``address`` is ``[kind, dtype code, order
    (0 C, 1 F), ndim, raise site, shape..., dtype]`` (int64 words; the last, the address of a
    NumPy dtype the module holds, where the code is -1: a struct's). NumPy's errors (a negative
    dimension, no memory) are raised again from the user's line (the raise site's)."""
    kind, code, order, ndim, site = (ctypes.c_int64 * 5).from_address(address)
    words = (ctypes.c_int64 * (ndim + 1)).from_address(address + 40)
    shape = tuple(words[:ndim])
    dtype = _DTYPES[code] if code >= 0 else ctypes.cast(words[ndim], ctypes.py_object).value
    make = np.zeros if kind == ZEROS else np.empty
    try:
        return make(shape, dtype=dtype, order="F" if order else "C")
    except Exception as err:  # noqa: BLE001 - any NumPy error, re-raised at the user's line
        reraise_at(site, err)


class _Interface:
    """Lends compiled code's view (pointer, shape, strides) to NumPy, keeping its owner alive."""

    def __init__(self, owner, interface: dict):
        self.owner, self.__array_interface__ = owner, interface


def box(address: int):
    """Called from compiled code returning an array: the record at ``address`` is ``[owner,
    data, ndim, writeable, shape..., strides...]``. The owner itself when the struct describes
    it exactly (no copy, identity kept), else a view of it."""
    head = (ctypes.c_int64 * 4).from_address(address)
    owner_address, data, ndim, writeable = head
    dims = tuple((ctypes.c_int64 * (2 * ndim)).from_address(address + 32))
    shape, strides = dims[:ndim], dims[ndim:]
    owner = ctypes.cast(owner_address, ctypes.py_object).value
    start = owner.ctypes.data
    if start == data and owner.shape == shape and owner.strides == strides:
        return owner
    if owner.flags.c_contiguous or owner.flags.f_contiguous:
        # A view whose base is the owner itself, as NumPy's own slicing makes.
        view = np.ndarray(shape, owner.dtype, buffer=owner, offset=data - start, strides=strides)
        if not writeable:
            view.flags.writeable = False
        return view
    interface = {"data": (data, not writeable), "shape": shape, "strides": strides,
                 "typestr": owner.dtype.str, "version": 3}
    return np.asarray(_Interface(owner, interface))
