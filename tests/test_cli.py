"""The installed ``dispatchjit`` console script: ``cache path|list|show|stats|clear`` and
``inspect``, run as a user runs it (a subprocess), against a cache filled by real programs in a
temporary directory (DISPATCHJIT_CACHE_DIR always points there)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cache_support import def_line, edit, env_for, rows, run, write_modules

SCRIPT = Path(sys.executable).with_name("dispatchjit")
LIST_KEYS = {"id", "function", "method", "signature", "target", "code_size", "compile_ms", "hits", "last_used",
             "status"}
FILL = "import kern; kern.f(3, 4); kern.f(1.5, 2.0); kern.total(__import__('numpy').arange(3.0)); " \
       "kern.check(1); print('{}')"


def cli(d: Path, cache: Path, *args, pythonpath: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    env = env_for(d, cache, PYTHONPATH=str(d) if pythonpath else None)
    proc = subprocess.run([str(SCRIPT), *args], cwd=d if pythonpath else cache.parent.parent, env=env,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, f"rc={proc.returncode}\nstdout={proc.stdout}\nstderr={proc.stderr}"
    return proc


def table(text: str) -> list[dict]:
    """The rows of a table ``_emit`` printed (header, dashes, rows; columns apart by 2+ spaces)."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = re.split(r"\s{2,}", lines[0].strip())
    assert set(lines[1]) <= {"-", " "}
    return [dict(zip(header, re.split(r"\s{2,}", line.strip()))) for line in lines[2:]]


def listing(d, cache, *args, **kw) -> list[dict]:
    return json.loads(cli(d, cache, "cache", "list", "--json", *args, **kw).stdout)


def _filled(d: Path) -> Path:
    write_modules(d)
    cache = d / "cache"
    run(d, cache, FILL)
    return cache


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """f at two signatures, total and check compiled in one process; f(Int64, Int64) loaded in
    a second one (one hit)."""
    d = tmp_path_factory.mktemp("cli")
    cache = _filled(d)
    run(d, cache, "import kern; kern.f(3, 4); print('{}')")
    return d, cache


@pytest.fixture
def copy(filled, tmp_path):
    """A private copy of the filled cache (same modules), for the commands that change it."""
    d, cache = filled
    mine = tmp_path / "cache"
    shutil.copytree(cache, mine)
    return d, mine


def test_script_is_installed():
    assert SCRIPT.exists(), SCRIPT


def test_cache_path_prints_the_directory(filled, tmp_path):
    d, cache = filled
    assert cli(d, cache, "cache", "path").stdout.strip() == str(cache)
    # without DISPATCHJIT_CACHE_DIR: the user cache directory ($XDG_CACHE_HOME here, a tmp dir)
    env = env_for(d, cache, DISPATCHJIT_CACHE_DIR=None, XDG_CACHE_HOME=tmp_path / "xdg")
    out = subprocess.run([str(SCRIPT), "cache", "path"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == str(tmp_path / "xdg" / "dispatchjit")
    assert not (tmp_path / "xdg").exists()   # printing the path creates nothing


def test_cache_list_table_has_one_row_per_specialization(filled):
    d, cache = filled
    out = cli(d, cache, "cache", "list").stdout
    got = table(out)
    assert list(got[0]) == ["id", "function", "method", "signature", "target", "code_size", "compile_ms", "hits",
                            "last_used", "status"]
    stored = rows(cache)
    assert len(got) == len(stored) == 4
    assert sorted((r["function"], r["signature"]) for r in got) == sorted([
        ("kern.f", "(Int64, Int64)"), ("kern.f", "(Float64, Float64)"), ("kern.total", "(Array[Float64, 1, C],)"),
        ("kern.check", "(Int64,)")])
    by_id = {r["id"]: r for r in got}
    for r in stored:
        shown = by_id[r["key"][:12]]
        name = r["function"].rsplit(".", 1)[-1]
        assert shown["method"] == f"{d / 'kern.py'}:{def_line(d / 'kern.py', name)}"
        assert shown["code_size"] == str(len(r["code"]))
        assert float(shown["compile_ms"]) > 0
        assert shown["status"] == "valid"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown["last_used"])
        assert shown["target"] and shown["target"] != "-"


def test_cache_list_json(filled):
    d, cache = filled
    got = listing(d, cache)
    assert isinstance(got, list) and len(got) == 4
    for entry in got:
        assert set(entry) == LIST_KEYS
        assert entry["status"] == "valid"
        assert isinstance(entry["code_size"], int) and entry["code_size"] > 0
        assert isinstance(entry["hits"], int)
    hits = {(e["function"], e["signature"]): e["hits"] for e in got}
    assert hits[("kern.f", "(Int64, Int64)")] == 1
    assert hits[("kern.f", "(Float64, Float64)")] == 0
    assert {e["method"] for e in got if e["function"] == "kern.f"} == {f"{d / 'kern.py'}:{def_line(d / 'kern.py', 'f')}"}


def test_cache_list_filters_by_function(filled):
    d, cache = filled
    short = listing(d, cache, "--function", "f")
    assert sorted(e["signature"] for e in short) == ["(Float64, Float64)", "(Int64, Int64)"]
    assert listing(d, cache, "--function", "kern.total")[0]["function"] == "kern.total"
    assert listing(d, cache, "--function", "nothing_like_it") == []
    assert "(none)" in cli(d, cache, "cache", "list", "--function", "nothing_like_it").stdout


def _id(d, cache, function, signature) -> str:
    (entry,) = [e for e in listing(d, cache) if e["function"] == function and e["signature"] == signature]
    return entry["id"]


def test_cache_show_typed_llvm_and_asm(filled):
    d, cache = filled
    ident = _id(d, cache, "kern.total", "(Array[Float64, 1, C],)")
    typed = cli(d, cache, "cache", "show", ident, "--typed").stdout
    assert "total" in typed and "Float64" in typed
    llvm_ir = cli(d, cache, "cache", "show", ident, "--llvm").stdout
    assert "define" in llvm_ir and "fadd" in llvm_ir
    asm = cli(d, cache, "cache", "show", ident, "--asm").stdout
    assert ".text" in asm or "ret" in asm
    assert asm != llvm_ir
    ptx = cli(d, cache, "cache", "show", ident, "--ptx", check=False)
    assert ptx.returncode == 1 and "PTX" in ptx.stderr
    needs_kind = cli(d, cache, "cache", "show", ident, check=False)
    assert needs_kind.returncode != 0


def test_cache_show_bad_id_is_a_clear_error(filled):
    d, cache = filled
    bad = cli(d, cache, "cache", "show", "zzzznotanid", "--llvm", check=False)
    assert bad.returncode == 1
    assert "no cache entry with id 'zzzznotanid'" in bad.stderr
    assert "Traceback" not in bad.stderr and bad.stdout == ""
    ambiguous = cli(d, cache, "cache", "show", "", "--llvm", check=False)   # a prefix of every id
    assert ambiguous.returncode == 1 and "more than one" in ambiguous.stderr


def test_cache_stats(filled):
    d, cache = filled
    stored = rows(cache)
    (stats,) = json.loads(cli(d, cache, "cache", "stats", "--json").stdout)
    assert stats["entries"] == 4
    assert stats["functions"] == 3
    assert stats["code_bytes"] == sum(len(r["code"]) for r in stored)
    assert stats["hits"] == 1
    assert stats["path"] == str(cache / "index.sqlite3")
    text = cli(d, cache, "cache", "stats").stdout
    assert re.search(r"^entries\s+4$", text, re.M) and re.search(r"^hits\s+1$", text, re.M)


def test_cache_clear_by_function(copy):
    d, cache = copy
    out = cli(d, cache, "cache", "clear", "--function", "f").stdout
    assert "removed 2 entries" in out
    assert sorted(e["function"] for e in listing(d, cache)) == ["kern.check", "kern.total"]


def test_cache_clear_everything(copy):
    d, cache = copy
    assert "removed 4 entries" in cli(d, cache, "cache", "clear").stdout
    assert listing(d, cache) == []
    assert "(none)" in cli(d, cache, "cache", "list").stdout


def test_cache_clear_stale_removes_only_entries_with_a_changed_callee(tmp_path):
    d = tmp_path
    cache = _filled(d)
    edit(d / "callee.py", "return x * x\n", "return x * x * x\n")   # f inlines sq; total and check don't
    statuses = {(e["function"], e["signature"]): e["status"] for e in listing(d, cache)}
    assert statuses[("kern.f", "(Int64, Int64)")].startswith("stale")
    assert "sq" in statuses[("kern.f", "(Int64, Int64)")]
    assert statuses[("kern.total", "(Array[Float64, 1, C],)")] == "valid"
    assert "removed 2 entries" in cli(d, cache, "cache", "clear", "--stale").stdout
    assert sorted(e["function"] for e in listing(d, cache)) == ["kern.check", "kern.total"]
    assert all(e["status"] == "valid" for e in listing(d, cache))


def test_cache_clear_stale_removes_an_entry_whose_own_source_changed(tmp_path):
    """An edited function compiles under a new key; its old entry can never be used again, so
    it is stale (and ``clear --stale`` is how a user reclaims the space)."""
    d = tmp_path
    cache = _filled(d)
    edit(d / "kern.py", "s += xs[i]", "s += 2.0 * xs[i]")
    run(d, cache, "import kern, numpy; assert kern.total(numpy.arange(3.0)) == 6.0; print('{}')")
    totals = [e for e in listing(d, cache) if e["function"] == "kern.total"]
    assert len(totals) == 2
    assert sorted(e["status"].split(":")[0] for e in totals) == ["stale", "valid"]
    assert "removed 1 entry" in cli(d, cache, "cache", "clear", "--stale").stdout
    assert len([e for e in listing(d, cache) if e["function"] == "kern.total"]) == 1


def test_cache_clear_stale_from_another_directory_keeps_valid_entries(copy):
    """Run where the cached functions' modules are not importable (no PYTHONPATH, another cwd):
    nothing changed, so nothing is stale, and nothing may be deleted."""
    d, cache = copy
    before = len(rows(cache))
    cli(d, cache, "cache", "clear", "--stale", pythonpath=False)
    assert len(rows(cache)) == before


def test_inspect_prints_methods_and_specializations(filled):
    d, cache = filled
    out = cli(d, cache, "inspect", "kern:f").stdout
    assert out.startswith("f (generic function with 1 method)")
    assert f"f(x, y) @ {d / 'kern.py'}:{def_line(d / 'kern.py', 'f')}" in out
    memory = out.split("specializations in memory:")[1].split("specializations on disk:")[0]
    assert "(none)" in memory
    disk = table(out.split("specializations on disk:")[1])
    assert sorted(r["signature"] for r in disk) == ["(Float64, Float64)", "(Int64, Int64)"]
    assert {r["status"] for r in disk} == {"valid"}
    assert {r["id"] for r in disk} == {e["id"] for e in listing(d, cache, "--function", "kern.f")}


def test_inspect_json(filled):
    d, cache = filled
    (info,) = json.loads(cli(d, cache, "inspect", "kern:f", "--json").stdout)
    assert info["function"] == "kern.f"
    assert len(info["methods"]) == 1 and info["in_memory"] == []
    assert len(info["on_disk"]) == 2


def test_inspect_needs_module_colon_function(filled):
    d, cache = filled
    out = cli(d, cache, "inspect", "kern", check=False)
    assert out.returncode == 2 and "MODULE:FUNCTION" in out.stderr


@pytest.mark.parametrize("target, says", [("nosuchmod:f", "cannot import nosuchmod"), ("kern:nope", "kern has no nope"),
                                          ("os:path", "is a module, not a generic function")])
def test_inspect_of_something_missing_says_what_without_a_traceback(filled, target, says):
    d, cache = filled
    out = cli(d, cache, "inspect", target, check=False)
    assert out.returncode == 1 and says in out.stderr and "Traceback" not in out.stderr


def _garbage(path):
    path.write_bytes(bytes(range(256)) * 20)


def _truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _other_table(path):
    db = sqlite3.connect(path)
    db.execute("DROP TABLE specializations")
    db.execute("CREATE TABLE specializations (x)")
    db.commit()
    db.close()


@pytest.mark.parametrize("damage", [_garbage, _truncated, _other_table])
def test_read_commands_report_a_damaged_database_without_a_traceback(copy, damage):
    d, cache = copy
    for wal in cache.glob("index.sqlite3-*"):
        wal.unlink()
    damage(cache / "index.sqlite3")
    for command in (("cache", "stats"), ("cache", "list"), ("inspect", "kern:f")):
        out = cli(d, cache, *command)
        assert "Traceback" not in out.stderr and "dispatchjit: dispatchjit cache" in out.stderr, (command, out.stderr)


def test_version_and_python_dash_m(tmp_path):
    from dispatchjit import __version__
    for command in ([str(SCRIPT), "--version"], [sys.executable, "-m", "dispatchjit", "--version"]):
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and out.stdout.strip() == f"dispatchjit {__version__}", out


def test_read_only_commands_create_no_cache_directory(tmp_path):
    missing = tmp_path / "not" / "there"
    env = dict(env_for(tmp_path, missing))
    for args in (("cache", "list"), ("cache", "stats"), ("cache", "clear"), ("cache", "list", "--json")):
        out = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
    assert not (tmp_path / "not").exists()
