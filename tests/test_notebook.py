"""IPython and Jupyter display of generic functions, the %code_* magics and precompile_all."""

import subprocess
import sys
from pathlib import Path

import pytest

from dispatchjit import Float64, Int32, Int64, generic, precompile_all

HERE = Path(__file__).resolve()


@generic
def shown(r: float):
    return 3.0 * r


@generic
def shown(w: int, h: int):  # noqa: F811
    return w * h


class _Printer:
    def __init__(self):
        self.out = []

    def text(self, s):
        self.out.append(s)


def test_pretty_display_lists_methods_with_locations():
    p = _Printer()
    shown._repr_pretty_(p, False)
    text = "".join(p.out)
    assert text.splitlines()[0] == '# 2 methods for generic function "shown"'
    assert f"[1] shown(r::Float64) @ {HERE}:" in text and f"[2] shown(w::Int64, h::Int64) @ {HERE}:" in text


def test_html_display_is_a_methods_table():
    html = shown._repr_html_()
    assert html.count("<tr>") == 3 and "shown(w::Int64, h::Int64)" in html and f"{HERE}:" in html


def test_precompile_all_compiles_every_signature_and_shows_progress(capsys):
    @generic
    def inc(x):
        return x + 1

    done = precompile_all([(inc, Float64), (inc, Int64), (inc, Int32)], progress=True)
    assert [s.signature for s in done] == [(Float64,), (Int64,), (Int32,)]
    assert inc.compilations == 3
    assert inc(1) == 2 and inc.compilations == 3
    assert "precompile [" in capsys.readouterr().err


def test_ipython_magics_show_the_specialization_of_a_call(tmp_path):
    pytest.importorskip("IPython")
    module = tmp_path / "nbdefs.py"
    module.write_text("from dispatchjit import generic\n\n@generic\ndef twice(x):\n    return 2 * x\n")
    script = ("%load_ext dispatchjit\n"
              f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
              "from nbdefs import twice\n"
              "y = 1.5\n"
              "%code_typed twice(y)\n"
              "%code_llvm twice(3)\n"
              "%code_native twice(y)\n")
    ipython = Path(sys.executable).with_name("ipython")
    run = subprocess.run([str(ipython), "--simple-prompt", "--no-banner", "--colors=NoColor", "-c", script],
                         capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "function twice(x::Float64)::Float64" in out
    assert 'define' in out and "twice<Int64>" in out
    assert ".text" in out or "ret" in out
