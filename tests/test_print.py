"""``print`` in compiled code: the output is Python's own, byte for byte, through ``sys.stdout``."""

import numpy as np
import pytest

from dispatchjit import CompileError, generic, struct


@struct
class Pt:
    x: float
    y: int


def report(x, n, p, a):
    print("x =", x, "n:", n)
    print(f"sum {x + n}!", (1, 2.5), p, sep=" | ", end="#\n")
    print()
    for i in range(3):
        print(i, end=" ")
    print(a * 2.0, np.int32(n), None, True, flush=True)
    return n


compiled_report = generic(report)


def test_print_writes_what_python_writes(capsys):
    args = (1.5, 3, Pt(1.0, 2), np.arange(3.0))
    report(*args)
    expected = capsys.readouterr().out
    assert compiled_report(*args) == 3
    assert capsys.readouterr().out == expected


@generic(nogil=True)
def noisy(x):
    print(x)
    return x


def test_print_needs_the_gil():
    with pytest.raises(CompileError, match="print"):
        noisy(1.0)


@generic
def with_file(x):
    print(x, file=None)


def test_print_keywords_other_than_sep_end_flush_are_typing_errors():
    from dispatchjit import TypingError
    with pytest.raises(TypingError, match="sep, end and flush"):
        with_file(1.0)
