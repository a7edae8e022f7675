"""Redefinition in interactive sessions (Julia with Revise): real IPython and ``python -i``
sessions driven through a pseudo-terminal, and a notebook-like re-run of cells in process."""

import itertools
import linecache
import os
import sys
import textwrap

import pytest

import dispatchjit

pexpect = pytest.importorskip("pexpect")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
IPYTHON = os.path.join(BIN, "ipython")
FIRST_TIMEOUT = 60   # the first compile loads LLVM
TIMEOUT = 30


class Session:
    """An interactive interpreter in a pty. ``run`` types a cell (several lines end with a blank
    line, as at both prompts) and returns what it printed, up to a marker printed after it."""

    def __init__(self, argv, cwd, env):
        self.child = pexpect.spawn(argv[0], argv[1:], cwd=cwd, env=env, encoding="utf-8",
                                   timeout=FIRST_TIMEOUT, dimensions=(200, 250))
        self.marks = itertools.count()
        self.transcript = []
        self.run("import sys")  # wait for the first prompt to be usable

    def run(self, src, timeout=TIMEOUT):
        src = textwrap.dedent(src).strip("\n")
        lines = src.splitlines()
        for line in lines:
            self.child.sendline(line)
        if len(lines) > 1 or src.rstrip().endswith(":"):
            self.child.sendline("")
        k = next(self.marks)
        # the echo of this line does not contain the marker, only its output does
        self.child.sendline(f"print('<<' + 'MARK{k}' + '>>')")
        self.child.expect(f"<<MARK{k}>>", timeout=timeout)
        out = self.child.before
        self.transcript.append(f">>> {src}\n{out}")
        return out

    def close(self):
        try:
            self.child.sendline("exit()")
            self.child.expect(pexpect.EOF, timeout=10)
        finally:
            self.child.close(force=True)


def _env(tmp_path):
    env = dict(os.environ)
    env.update(PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""), TERM="dumb",
               IPYTHONDIR=str(tmp_path / "ipython"), PYTHONUNBUFFERED="1", NO_COLOR="1")
    env.pop("PYTHONSTARTUP", None)
    return env


@pytest.fixture
def ipython(tmp_path):
    if not os.path.exists(IPYTHON):
        pytest.skip("ipython is not installed in this environment")
    s = Session([IPYTHON, "--simple-prompt", "--no-banner", "--colors=NoColor", "--no-confirm-exit",
                 "--HistoryManager.enabled=False"], str(tmp_path), _env(tmp_path))
    yield s
    s.close()


def last_value(out):
    """The value IPython displayed (``Out[n]: value``) or the last printed line."""
    lines = [ln.strip() for ln in out.replace("\r", "").splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith("Out["):
            return ln.split(":", 1)[1].strip()
    return lines[-1] if lines else ""


# --- IPython ----------------------------------------------------------------------------------
def test_ipython_redefinition_takes_effect(ipython):
    s = ipython
    s.run("from dispatchjit import generic")
    s.run("""
        @generic
        def f(x):
            return x + 1
        """)
    out = s.run("print('R', f(1), f(2.5))", timeout=FIRST_TIMEOUT)
    assert "R 2 3.5" in out, s.transcript
    s.run("""
        @generic
        def g(x):
            return f(x) * 10
        """)
    assert "R 20" in s.run("print('R', g(1))"), s.transcript
    # redefine f in a new cell: the new body at the next call, also through g compiled before
    s.run("""
        @generic
        def f(x):
            return x + 100
        """)
    out = s.run("print('R', f(1), g(1), f(2.5))")
    assert "R 101 1010 102.5" in out, s.transcript
    out = s.run("print('C', f.compilations, g.compilations, len(f.methods()), len(g.invalidated))")
    assert "C 4 2 1 1" in out, s.transcript
    # the invalidation record names the new method in its cell
    out = s.run("print('B', g.invalidated[0].invalidated_by)")
    assert "B f(x) @ <ipython-input-" in out, s.transcript
    assert "Error" not in "".join(s.transcript), s.transcript


def test_ipython_redefinition_of_a_typed_method_and_adding_methods(ipython):
    s = ipython
    s.run("from dispatchjit import generic, Float64, Int64")
    s.run("""
        @generic
        def area(w: Int64, h: Int64):
            return w * h
        """)
    s.run("""
        @generic
        def total(n):
            t = 0
            for i in range(n):
                t += area(i, 2)
            return t
        """)
    assert "R 20" in s.run("print('R', total(5))", timeout=FIRST_TIMEOUT), s.transcript
    s.run("""
        @generic
        def area(w: Int64, h: Int64):
            return w * h * 100
        """)
    assert "R 2000" in s.run("print('R', total(5))"), s.transcript
    s.run("""
        @generic
        def area(r: Float64):
            return 3.0 * r * r
        """)
    assert "R 12.0 2000" in s.run("print('R', area(2.0), total(5))"), s.transcript
    assert "C 2" in s.run("print('C', total.compilations)"), s.transcript


def test_ipython_compile_error_names_the_cell(ipython):
    s = ipython
    s.run("from dispatchjit import generic")
    s.run("""
        @generic
        def bad(x):
            y = [x]
            return x
        """)
    out = s.run("bad(1)", timeout=FIRST_TIMEOUT)
    assert "CompileError" in out and "<ipython-input-" in out and "y = [x]" in out, s.transcript
    # the session goes on; the fixed cell works
    s.run("""
        @generic
        def bad(x):
            return x * 3
        """)
    assert "R 6" in s.run("print('R', bad(2))"), s.transcript


# --- python -i -------------------------------------------------------------------------------
SCRIPT = '''\
from dispatchjit import generic, CompileError

@generic
def scale(x):
    return x * 2

@generic
def total(n):
    s = 0
    for i in range(n):
        s += scale(i)
    return s
'''


@pytest.fixture
def python_i(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    s = Session([sys.executable, "-i", str(script)], str(tmp_path), _env(tmp_path))
    yield s
    s.close()


def test_python_i_script_functions_work(python_i):
    s = python_i
    out = s.run("print('R', scale(3), total(4))", timeout=FIRST_TIMEOUT)
    assert "R 6 12" in out, s.transcript
    assert "R 1 1" in s.run("print('R', total.compilations, len(total.specializations))"), s.transcript


def test_python_i_function_typed_at_prompt_raises_clear_compile_error(python_i):
    s = python_i
    assert "R 12" in s.run("print('R', total(4))", timeout=FIRST_TIMEOUT), s.transcript
    s.run("""
        @generic
        def typed_here(x):
            return x + 1
        """)
    out = s.run("typed_here(1)", timeout=FIRST_TIMEOUT)
    text = out.replace("\r", "")
    assert "CompileError" in text, s.transcript
    assert "source code is not available" in text, s.transcript
    assert "IPython" in text and "file" in text, s.transcript
    # the error is the only exception shown: no chained OSError, no internal error
    assert "OSError" not in text and "During handling" not in text, s.transcript
    assert "InternalCompilerError" not in text, s.transcript
    tail = [ln for ln in text.splitlines() if ln.strip()]
    assert any(ln.startswith("dispatchjit.errors.CompileError:") for ln in tail), s.transcript
    # catchable as CompileError, every time; the session keeps working
    out = s.run("""
        try:
            typed_here(2)
        except CompileError as e:
            print('CAUGHT', 'not available' in str(e))
        """)
    assert "CAUGHT True" in out, s.transcript
    assert "R 12 8" in s.run("print('R', total(4), scale(4))"), s.transcript


def test_python_i_redefinition_at_prompt_is_compile_error_not_stale_code(python_i):
    """Redefining a file's function at the prompt replaces the method; the new one has no
    source, so callers raise CompileError instead of running the stale compiled body."""
    s = python_i
    assert "R 12" in s.run("print('R', total(4))", timeout=FIRST_TIMEOUT), s.transcript
    s.run("""
        @generic
        def scale(x):
            return x * 1000
        """)
    out = s.run("""
        try:
            print('R', total(4))
        except CompileError as e:
            print('CAUGHT', 'not available' in str(e))
        """)
    assert "CAUGHT True" in out, s.transcript
    assert "R 12" not in out, s.transcript


def test_python_i_exec_of_a_file_redefines(python_i, tmp_path):
    """At ``python -i``, re-running an edited file (``exec(open(...).read())`` with its name, as
    ``%run`` does) redefines its functions; callers see the new body."""
    s = python_i
    assert "R 12" in s.run("print('R', total(4))", timeout=FIRST_TIMEOUT), s.transcript
    edited = tmp_path / "edited.py"
    edited.write_text(SCRIPT.replace("x * 2", "x * 3"))
    s.run(f"exec(compile(open({str(edited)!r}).read(), {str(edited)!r}, 'exec'))")
    assert "R 18 3" in s.run("print('R', total(4), scale(1))"), s.transcript
    assert "R 2" in s.run("print('R', total.compilations)"), s.transcript


# --- notebook-like re-run, in process --------------------------------------------------------
_cells = itertools.count()


def run_cell(source, ns):
    """Execute ``source`` as IPython does: a fresh file name per execution, registered in
    ``linecache`` so ``inspect`` finds the source."""
    name = f"<notebook-cell-{next(_cells)}>"
    source = textwrap.dedent(source)
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), ns)
    return name


def test_notebook_cell_rerun(tmp_path):
    ns = {"__name__": f"notebook_{os.getpid()}_{id(tmp_path)}"}
    cell1 = """
        from dispatchjit import generic
        @generic
        def f(x):
            return x + 1
        """
    run_cell(cell1, ns)
    run_cell("""
        @generic
        def g(x):
            return f(x) * 10
        """, ns)
    f, g = ns["f"], ns["g"]
    assert g(1) == 20 and f(1.5) == 2.5
    # the same cell, run again unchanged: same results, the method replaced
    run_cell(cell1, ns)
    assert ns["f"] is f and len(f.methods()) == 1
    assert g(1) == 20 and f(1.5) == 2.5
    # the cell edited and re-run: new body at the next call
    run_cell(cell1.replace("x + 1", "x - 1"), ns)
    assert ns["f"] is f and len(f.methods()) == 1
    assert f(1) == 0 and g(1) == 0 and f(1.5) == 0.5
    assert len(g.invalidated) == 2
    assert str(g.invalidated[-1].invalidated_by).startswith("f(x) @ <notebook-cell-")


def test_a_file_edited_after_import_never_compiles_text_python_does_not_run(tmp_path):
    """Python runs the code it compiled at import; compiled code must be that same code, or an
    error that says the file changed, never the new text."""
    import importlib
    import linecache
    import sys
    (tmp_path / "edited_mod.py").write_text("from dispatchjit import generic\n\n\n@generic\ndef f(x):\n    return x + 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module("edited_mod")
        (tmp_path / "edited_mod.py").write_text("from dispatchjit import generic\n\n\n@generic\ndef f(x):\n"
                                                "    return x + 100\n")
        linecache.checkcache()           # the new text is what a source reader finds now
        with pytest.raises(dispatchjit.CompileError, match="changed after the function was defined") as info:
            mod.f(1)
        assert "importlib.reload" in str(info.value)
        assert importlib.reload(mod).f(1) == 101
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("edited_mod", None)
