"""FileCheck for tests: match compiler output (LLVM IR, PTX, assembly) against CHECK lines
written inline in the test, as LLVM's own tests do (STYLE.md, guideline 11).

    check(code_llvm(f, float), '''
        CHECK-LABEL: define {{.*}}@{{.*}}square
        CHECK:       fmul double
        CHECK-NOT:   call
        CHECK:       ret i32 0
    ''')

Directives are FileCheck's: ``CHECK`` (in order), ``CHECK-NEXT`` (on the next line),
``CHECK-SAME`` (on the same line), ``CHECK-NOT`` (not between the neighbouring matches),
``CHECK-LABEL`` (splits the input into blocks), ``CHECK-DAG``, ``CHECK-COUNT-n``; ``{{regex}}``
and ``[[VAR:regex]]``/``[[VAR]]`` inside a line. It runs the ``filecheck`` console script (the
Python port of LLVM's FileCheck, in the ``dev`` extra) installed next to this interpreter.

NOTE: this module shadows the ``filecheck`` package inside the test process (tests/ comes first
on ``sys.path``), which is why it runs the tool as a program, never imports it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

__all__ = ["check"]

_SHOWN_INPUT_LINES = 200


def _command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "filecheck")
    if os.path.exists(script):
        return [script]
    found = shutil.which("filecheck")
    if found:
        return [found]
    raise AssertionError("the filecheck tool is not installed: pip install -e '.[dev]' (or pip install filecheck)")


def check(text: str, pattern: str, *options: str) -> None:
    """Check ``text`` against the CHECK lines of ``pattern`` (indentation is ignored); on a
    mismatch raise AssertionError with FileCheck's diagnostic, the numbered pattern and the
    input. ``options`` go to FileCheck (``--match-full-lines``, ``--strict-whitespace``...)."""
    __tracebackhide__ = True
    pattern = textwrap.dedent(pattern).strip("\n") + "\n"
    if not text.endswith("\n"):
        text += "\n"   # NOTE: filecheck 1.0.6's CHECK-NOT misses a last line without a newline
    with tempfile.TemporaryDirectory(prefix="filecheck-") as tmp:
        check_file = os.path.join(tmp, "pattern")
        with open(check_file, "w") as fh:
            fh.write(pattern)
        # cwd: a directory of its own, so nothing there shadows the tool's modules
        done = subprocess.run([*_command(), *options, check_file], input=text, capture_output=True,
                              text=True, cwd=tmp)
    if done.returncode == 0:
        return
    numbered = "\n".join(f"{i:4} | {line}" for i, line in enumerate(pattern.splitlines(), 1))
    lines = text.splitlines()
    shown = "\n".join(lines[:_SHOWN_INPUT_LINES])
    if len(lines) > _SHOWN_INPUT_LINES:
        shown += f"\n... ({len(lines) - _SHOWN_INPUT_LINES} more lines)"
    diagnostic = (done.stderr + done.stdout).strip().replace(check_file, "pattern")
    raise AssertionError(f"FileCheck failed:\n{diagnostic}\n\npattern:\n{numbered}\n\ninput:\n{shown}")
