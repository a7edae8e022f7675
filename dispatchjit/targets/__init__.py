"""Targets: what the driver and the lowering ask of a machine (``target.Target``), one file per
target.

    target.py      the interface: hooks with defaults, each saying why it exists
    cpu.py         the host CPU through MCJIT; its CPython entry points (``boxing.py``) and
                   the vectorcall dispatcher it generates per generic function (``dispatcher.py``)
    emulator.py    the CPU emulator of GPU kernels: a CPU target reading an emulated grid
    ptx.py         NVIDIA GPUs: PTX through LLVM's NVPTX backend (libNVVM: ``dispatchjit.nvvm``)

Nothing is imported here, so importing one target loads no other.
"""
