"""PTX from LLVM's NVPTX backend, checked by NVIDIA's assembler: every corpus kernel, for sm_80
and sm_90, must assemble with ptxas into a cubin, with one entry and no unresolved function.
The ptxas checks are skipped, with how to install it, when ptxas is not found."""

import os
import sys

import numpy as np
import pytest

from dispatchjit import Float32, cuda, cuda_tools, typeof
from dispatchjit.lattice import from_annotation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_corpus import CASE_IDS, CASES, V32, PtxasError, assemble, check_entry, entry_param_count, saxpy  # noqa: E402

PTXAS = cuda_tools.ptxas()
needs_ptxas = pytest.mark.skipif(PTXAS is None, reason=f"ptxas not found: {cuda_tools.INSTALL_HINT}")
ARCHS = ["sm_80", "sm_90"]


def needs_libdevice(case):
    if case.needs_libdevice and cuda_tools.libdevice() is None:
        pytest.skip(f"{case.name} calls math functions, which need libdevice: {cuda_tools.INSTALL_HINT}")


@needs_ptxas
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_kernel_assembles(case, arch, tmp_path):
    needs_libdevice(case)
    ptx = cuda.code_ptx(case.kernel, *case.argtypes, arch=arch)
    assert check_entry(ptx, arch).startswith(case.kernel.__name__)
    assert assemble(PTXAS, ptx, arch, tmp_path).stat().st_size > 0


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_corpus_inputs_have_the_declared_types(case):
    # The emulator launches with these inputs: they must select the specialization compiled here.
    args = case.make_args(np.random.default_rng(0))
    assert tuple(map(typeof, args)) == tuple(map(from_annotation, case.argtypes))
    assert len(case.reference(*args)) == len(case.outputs)


def test_each_argument_is_flattened_into_entry_parameters():
    # A number is one parameter, an array its data pointer, shape and strides.
    ptx = cuda.code_ptx(saxpy, Float32, V32, V32, V32)
    assert entry_param_count(ptx) == 1 + 3 * 3


def _saxpy_ptx():
    return cuda.code_ptx(saxpy, Float32, V32, V32, V32)


def _call_extern(ptx):
    # A declared function nobody defines: what an unlinked libdevice call looks like.
    entry = ptx.index(".visible .entry")
    return ptx[:entry] + ".extern .func missing_helper();\n" + _call_undeclared(ptx[entry:])


def _call_undeclared(ptx):
    return ptx.replace("\tret;", "\tcall.uni missing_helper, ();\n\tret;", 1)


def _undefined_register(ptx):
    return ptx.replace("\tret;", "\tmov.u32 %r999999, %nosuch;\n\tret;", 1)


@needs_ptxas
@pytest.mark.parametrize("breaks, says", [
    (_call_extern, "Unresolved extern function 'missing_helper'"),
    (_call_undeclared, "Unknown symbol 'missing_helper'"),
    (_undefined_register, "Unknown symbol '%r999999'"),
], ids=["extern", "undeclared", "register"])
def test_broken_ptx_fails_with_ptxas_stderr(breaks, says, tmp_path):
    # The check means something: ptxas rejects these, and the failure shows its message.
    good = _saxpy_ptx()
    assemble(PTXAS, good, "sm_80", tmp_path)
    with pytest.raises(PtxasError, match="ptxas -arch=sm_80 exited") as info:
        assemble(PTXAS, breaks(good), "sm_80", tmp_path)
    assert says in str(info.value)


def test_an_extern_in_ptx_is_caught_before_ptxas():
    with pytest.raises(AssertionError, match="unresolved functions.*missing_helper"):
        check_entry(_call_extern(_saxpy_ptx()), "sm_80")
