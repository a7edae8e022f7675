"""The persistent on-disk specialization cache: compiled code survives restarts (fresh
interpreters load it without compiling or loading the compiler), entries are keyed by everything
that changes the code (own source, callees' sources, signature, methods added since), it is safe
under concurrent writers and damaged or unusable databases, it is opt-in, and generic functions
pickle by reference so process pools reuse the cache.

Every test points DISPATCHJIT_CACHE_DIR at its tmp_path."""

from __future__ import annotations

import concurrent.futures as cf
import importlib.util
import multiprocessing
import os
import pickle
import sqlite3
import sys
import time
import uuid
import warnings

import numpy as np
import pytest

import dispatchjit
from dispatchjit import generic
from dispatchjit.cache import CacheWarning

from cache_support import (CALLEE_EXTRA, EXPECTED, KERNELS, PROBE, cache_warnings, edit, finish, line_with,
                           rows, run, script, start, update, write_modules)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Never the user's cache, and no global switch left on from the environment."""
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(tmp_path / "default-cache"))
    monkeypatch.delenv("DISPATCHJIT_CACHE", raising=False)
    monkeypatch.setattr(dispatchjit.config, "cache", False)


def assert_results(result: dict) -> None:
    for name, value in EXPECTED.items():
        assert result[name] == value, (name, result[name])
    assert result["again"][:7] == [EXPECTED[n] for n in KERNELS]
    assert result["again"][7] == "x must be non-negative, got -3"


# --- 1. compiled code survives restarts --------------------------------------------------------
@pytest.fixture(scope="module")
def restart(tmp_path_factory):
    """Process 1 compiles every kernel into an empty cache; process 2 loads them."""
    d = write_modules(tmp_path_factory.mktemp("restart"))
    cache = d / "cache"
    first = run(d, cache)
    second = run(d, cache)
    return d, first, second


def test_first_process_compiles_and_stores(restart):
    d, first, _ = restart
    assert_results(first)
    assert first["compilations"] == {n: 1 for n in KERNELS}
    assert all("load" not in keys and "codegen" in keys for keys in first["timings"].values())
    assert first["driver_loaded"]
    assert {r["function"] for r in rows(d / "cache")} == {f"kern.{n}" for n in KERNELS}
    assert cache_warnings(first) == []


def test_second_process_loads_everything_without_compiling(restart):
    _, _, second = restart
    assert_results(second)
    assert second["compilations"] == {n: 0 for n in KERNELS}
    assert all(keys == ["load"] for keys in second["timings"].values()), second["timings"]
    assert cache_warnings(second) == []


def test_cached_calls_load_no_compiler_stage(restart):
    assert restart[2]["driver_loaded"] is False
    # nor do repeated calls, which go through the dispatcher built for the loaded entries
    assert restart[2]["driver_loaded_after_repeats"] is False


@pytest.mark.parametrize("name", ["f", "g", "total", "doubled", "swap", "check", "fib"])
def test_each_kind_of_kernel_gives_same_result_after_restart(restart, name):
    """Scalars, a callee inlined (f, g: through two modules), an array argument (total), an
    array result (doubled), a tuple (swap), recursion (fib)."""
    _, first, second = restart
    assert second[name] == first[name] == EXPECTED[name]


def test_exception_from_cached_code_has_class_message_and_user_line(restart):
    d, first, second = restart
    line = line_with(d / "kern.py", "raise ValueError")
    expected = ["ValueError", "x must be non-negative, got -3", str(d / "kern.py"), line]
    assert first["raised"][:4] == expected
    assert second["raised"][:4] == expected
    assert "raise ValueError" in second["raised"][4]


def test_cached_entry_records_a_hit(restart):
    d, _, _ = restart
    assert {r["hits"] for r in rows(d / "cache")} == {1}


# --- 2. keyed by everything that changes the code ----------------------------------------------
def test_editing_the_function_itself_recompiles_it_only(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    assert run(d, cache)["f"] == 13
    edit(d / "kern.py", "return sq(x) + y", "return sq(x) + 2 * y")   # same lines, new code
    second = run(d, cache)
    assert second["f"] == 17
    assert second["compilations"]["f"] == 1
    assert {n: c for n, c in second["compilations"].items() if n != "f"} == {n: 0 for n in KERNELS if n != "f"}
    third = run(d, cache)
    assert third["f"] == 17 and third["compilations"]["f"] == 0


def test_editing_a_callee_in_another_module_never_serves_stale_code(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    first = run(d, cache)
    assert (first["f"], first["g"]) == (13, 9)
    # g -> cube (callee.py) -> base (deep.py): an edit two modules away
    edit(d / "deep.py", "return x\n", "return x + 1\n")
    second = run(d, cache)
    assert second["g"] == 3 * 2 * 2 + 1
    assert second["compilations"]["g"] == 1
    assert second["f"] == 13 and second["compilations"]["f"] == 0   # f does not call base
    # f -> sq (callee.py)
    edit(d / "callee.py", "return x * x\n", "return x * x * x\n")
    third = run(d, cache)
    assert third["f"] == 27 + 4 and third["compilations"]["f"] == 1
    assert third["g"] == 13 and third["compilations"]["g"] == 0
    # and back: the entry was replaced, so the old callee is not served by stale code either
    edit(d / "callee.py", "return x * x * x\n", "return x * x\n")
    fourth = run(d, cache)
    assert fourth["f"] == 13 and fourth["compilations"]["f"] == 1
    fifth = run(d, cache)
    assert fifth["f"] == 13 and fifth["compilations"]["f"] == 0


TWO_SIGNATURES = script('''
    import json, kern
    a = kern.f(3, 4)
    after_int = kern.f.compilations
    b = kern.f(1.5, 2.0)
    print(json.dumps({"int": a, "float": b, "after_int": after_int, "total": kern.f.compilations}))
''')


def test_a_different_signature_gets_its_own_entry(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    run(d, cache, "import kern; kern.f(3, 4); print('{}')")
    second = run(d, cache, TWO_SIGNATURES)
    assert (second["int"], second["float"]) == (13, 4.25)
    assert (second["after_int"], second["total"]) == (0, 1)
    sigs = sorted(r["signature"] for r in rows(cache) if r["function"] == "kern.f")
    assert sigs == ["(Float64, Float64)", "(Int64, Int64)"]
    third = run(d, cache, TWO_SIGNATURES)
    assert (third["int"], third["float"], third["total"]) == (13, 4.25, 0)


ADD_METHOD_AFTER_LOAD = script('''
    import json, callee, kern
    before = kern.f(3, 4)
    loaded = kern.f.compilations
    path = "extra.py"
    exec(compile(open(path).read(), __import__("os").path.abspath(path), "exec"), callee.__dict__)
    after = kern.f(3, 4)
    print(json.dumps({"before": before, "loaded": loaded, "after": after, "total": kern.f.compilations,
                      "float": kern.f(2.0, 1.0)}))
''')


def test_a_new_more_specific_callee_method_is_not_bypassed_by_the_cache(tmp_path):
    d = write_modules(tmp_path)
    (d / "extra.py").write_text("from dispatchjit import generic\n\n\n" + CALLEE_EXTRA)
    cache = tmp_path / "cache"
    assert run(d, cache)["f"] == 13
    # defined before the call (at import of callee): the cached caller must not be used
    second = run(d, cache, CALLEE_INT_METHOD=1)
    assert second["f"] == 100 + 3 + 4
    assert second["compilations"]["f"] == 1
    assert second["g"] == 9 and second["compilations"]["g"] == 0   # g does not call sq
    # without the method again: the entry now inlines the int method, so it is stale
    third = run(d, cache)
    assert third["f"] == 13 and third["compilations"]["f"] == 1
    # defined after the cached caller was loaded and called: the loaded code is invalidated
    fourth = run(d, cache, ADD_METHOD_AFTER_LOAD)
    assert (fourth["before"], fourth["loaded"]) == (13, 0)
    assert fourth["after"] == 107
    assert fourth["float"] == 5.0


# --- 3. safety --------------------------------------------------------------------------------
def test_two_processes_compiling_and_writing_at_once(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    # both wait until the same moment after their imports, so they open the new database and
    # write the same entries at once
    go = time.time() + 2.0
    barrier = f"import time\nwhile time.time() < {go}: pass\n"
    code = PROBE_WITH_BARRIER(barrier)
    procs = [start(d, cache, code) for _ in range(2)]
    results = [finish(p) for p in procs]
    for r in results:
        assert_results(r)
        # each kernel compiled here, or loaded if the other process stored it first
        assert set(r["compilations"].values()) <= {0, 1}
    for r in results:   # no "database is locked": both used the cache
        assert cache_warnings(r) == []
    db = sqlite3.connect(cache / "index.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert sorted(r["function"] for r in rows(cache)) == sorted(f"kern.{n}" for n in KERNELS)
    third = run(d, cache)
    assert_results(third)
    assert third["compilations"] == {n: 0 for n in KERNELS}
    assert cache_warnings(third) == []


def test_opening_a_cache_another_process_is_writing_waits_instead_of_giving_up(tmp_path, monkeypatch):
    """Deterministic form of the race above: while another connection holds a write lock on a
    database being created (as a process in the middle of its first open does), a process's
    first use of the cache waits for it (busy timeout) rather than finding it "locked" and
    running without a cache for the rest of its life."""
    import threading
    cache = tmp_path / "c"
    cache.mkdir()
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, "@generic(cache=True)\ndef h(x):\n    return x + 1\n")
    other = sqlite3.connect(cache / "index.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: (other.execute("COMMIT"), other.close()))
    release.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert m.h(1) == 2
    finally:
        release.join()
    assert [str(w.message) for w in caught if issubclass(w.category, CacheWarning)] == []
    assert _stored(cache) == {"h"}


def PROBE_WITH_BARRIER(barrier: str) -> str:
    from cache_support import PROBE
    head, sep, rest = PROBE.partition("import kern\n")
    return head + sep + barrier + rest


def _fill(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    run(d, cache)
    return d, cache


def _key_of(cache, function):
    (row,) = [r for r in rows(cache) if r["function"] == function]
    return row["key"]


def test_damaged_entries_warn_and_recompile(tmp_path):
    d, cache = _fill(tmp_path)
    keys = {n: _key_of(cache, f"kern.{n}") for n in ("total", "swap", "check", "fib")}
    code = {r["key"]: r["code"] for r in rows(cache)}
    flipped = bytearray(code[keys["total"]])
    mid = len(flipped) // 2
    flipped[mid:mid + 16] = bytes(b ^ 0xFF for b in flipped[mid:mid + 16])
    update(cache, "UPDATE specializations SET code = ? WHERE key = ?", bytes(flipped), keys["total"])
    truncated = code[keys["swap"]][: len(code[keys["swap"]]) // 3]
    update(cache, "UPDATE specializations SET code = ? WHERE key = ?", truncated, keys["swap"])
    update(cache, "UPDATE specializations SET code_sha = ? WHERE key = ?", "0" * 64, keys["check"])
    update(cache, "UPDATE specializations SET payload = ? WHERE key = ?", b"\x80\x05not a pickle", keys["fib"])

    second = run(d, cache)
    assert_results(second)
    damaged = {"total", "swap", "check", "fib"}
    assert second["compilations"] == {n: int(n in damaged) for n in KERNELS}
    messages = cache_warnings(second)
    assert len(messages) == 4, messages
    for name in damaged:
        assert any(m.startswith(f"dispatchjit cache entry for {name}(") for m in messages), (name, messages)
    third = run(d, cache)   # the recompiles replaced the damaged entries
    assert_results(third)
    assert third["compilations"] == {n: 0 for n in KERNELS}
    assert cache_warnings(third) == []


def test_truncated_object_code_with_a_matching_checksum_does_not_crash(tmp_path):
    """A blob cut short whose checksum was stored for the short bytes (a torn write that the
    writer hashed, an external tool): the loader must not hand it to the JIT linker and crash
    the process."""
    import hashlib
    d, cache = _fill(tmp_path)
    key = _key_of(cache, "kern.total")
    (code,) = [r["code"] for r in rows(cache) if r["key"] == key]
    short = code[: len(code) // 2]
    update(cache, "UPDATE specializations SET code = ?, code_sha = ? WHERE key = ?", short,
           hashlib.sha256(short).hexdigest(), key)
    second = run(d, cache)
    assert_results(second)
    assert second["compilations"]["total"] == 1


def test_another_entrys_code_or_a_foreign_payload_is_damage_not_a_crash(tmp_path):
    """Consistent damage: two entries' code and checksums swapped (each blob sound, each hash
    right), and a payload that is a valid pickle of something else."""
    import pickle
    d, cache = _fill(tmp_path)
    keys = {n: _key_of(cache, f"kern.{n}") for n in ("f", "g", "total")}
    by_key = {r["key"]: r for r in rows(cache)}
    for a, b in (("f", "g"), ("g", "f")):
        update(cache, "UPDATE specializations SET code = ?, code_sha = ? WHERE key = ?", by_key[keys[b]]["code"],
               by_key[keys[b]]["code_sha"], keys[a])
    update(cache, "UPDATE specializations SET payload = ? WHERE key = ?", pickle.dumps({"edges": 1}), keys["total"])
    second = run(d, cache)
    assert_results(second)
    assert {n for n, c in second["compilations"].items() if c} == {"f", "g", "total"}
    third = run(d, cache)
    assert_results(third)
    assert third["compilations"] == {n: 0 for n in KERNELS} and cache_warnings(third) == []


def test_database_of_another_format_is_moved_aside(tmp_path):
    d, cache = _fill(tmp_path)
    db = sqlite3.connect(cache / "index.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    second = run(d, cache)
    assert_results(second)
    assert second["compilations"] == {n: 1 for n in KERNELS}
    messages = cache_warnings(second)
    assert len(messages) == 1 and "another format" in messages[0], messages
    assert [p.name for p in cache.glob("index.old*")], list(cache.iterdir())
    third = run(d, cache)
    assert third["compilations"] == {n: 0 for n in KERNELS}
    assert cache_warnings(third) == []


def test_cache_dir_that_cannot_be_created_warns_and_computes(tmp_path):
    d = write_modules(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache = blocker / "cache"   # mkdir fails: its parent is a regular file
    for _ in range(2):
        result = run(d, cache)
        assert_results(result)
        assert result["compilations"] == {n: 1 for n in KERNELS}
        messages = cache_warnings(result)
        assert len(messages) == 1 and "unusable" in messages[0], messages
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into a read-only directory anyway")
def test_read_only_cache_dir_warns_and_computes(tmp_path):
    d = write_modules(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        result = run(d, cache)
        assert_results(result)
        assert result["compilations"] == {n: 1 for n in KERNELS}
        assert cache_warnings(result)
    finally:
        cache.chmod(0o700)


def test_unusable_cache_dir_in_process(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(blocker / "cache"))
    m = _module(tmp_path, "@generic(cache=True)\ndef h(x):\n    return x + 1\n")
    with pytest.warns(CacheWarning, match="unusable"):
        assert m.h(41) == 42
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m.h(1.5) == 2.5   # one warning per cache directory, not per compile


# --- 4. opt-in -------------------------------------------------------------------------------
def _module(tmp_path, body: str):
    """A module-level definition in a real file (importable by name, for pickling)."""
    name = f"cachemod_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.py"
    path.write_text("from dispatchjit import generic\n\n\n" + body)
    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


TWO_FUNCS = "@generic(cache=True)\ndef a(x):\n    return x + 1\n\n\n@generic\ndef b(x):\n    return x + 2\n"


def _stored(cache) -> set[str]:
    if not (cache / "index.sqlite3").exists():
        return set()
    return {r["function"].rsplit(".", 1)[-1] for r in rows(cache)}


def test_cache_option_on_one_function(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, TWO_FUNCS)
    assert (m.a(1), m.b(1)) == (2, 3)
    assert _stored(cache) == {"a"}


def test_environment_switch_caches_every_function(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    monkeypatch.setenv("DISPATCHJIT_CACHE", "1")
    m = _module(tmp_path, TWO_FUNCS)
    assert (m.a(1), m.b(1)) == (2, 3)
    assert _stored(cache) == {"a", "b"}


def test_environment_switch_zero_is_off(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    monkeypatch.setenv("DISPATCHJIT_CACHE", "0")
    m = _module(tmp_path, "@generic\ndef b(x):\n    return x + 2\n")
    assert m.b(1) == 3
    assert not cache.exists()


def test_config_switch_caches_every_function(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    monkeypatch.setattr(dispatchjit.config, "cache", True)
    m = _module(tmp_path, TWO_FUNCS)
    assert (m.a(1), m.b(1)) == (2, 3)
    assert _stored(cache) == {"a", "b"}


def test_without_a_switch_nothing_is_written(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, "@generic\ndef b(x):\n    return x + 2\n\n\n@generic\ndef c(x):\n    return b(x) * 2\n")
    assert (m.b(1), m.c(1.5), m.c(2)) == (3, 7.0, 8)
    assert not cache.exists()


def test_without_a_switch_in_a_fresh_process_nothing_is_written(tmp_path):
    d = write_modules(tmp_path)
    (d / "kern.py").write_text((d / "kern.py").read_text().replace("@generic(cache=True)", "@generic"))
    cache = tmp_path / "cache"
    result = run(d, cache)
    assert_results(result)
    assert not cache.exists()


# --- 5. pickling and process pools ------------------------------------------------------------
POOL_MODULE = '''\
@generic(cache=True)
def f(x, y):
    return x * x + y


def work(x, y):
    return f(x, y), f.compilations


def call(fn, *args):
    return fn(*args), fn.compilations
'''


def test_generic_functions_pickle_by_reference(tmp_path):
    m = _module(tmp_path, POOL_MODULE)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(m.f, protocol)) is m.f
    assert pickle.loads(pickle.dumps([m.f, {"k": m.f}]))[1]["k"] is m.f
    assert pickle.loads(pickle.dumps(dispatchjit.generic)) is dispatchjit.generic


def _prefill(tmp_path, module, cache):
    """Fill ``cache`` from another process that imports ``module`` by name from its file."""
    code = f"import {module.__name__} as m; print('[' + str(m.f(3, 4)) + ']')"
    assert run(tmp_path, cache, code) == [13]


def test_fork_pool_workers_load_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, POOL_MODULE)
    _prefill(tmp_path, m, cache)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # fork in a process with threads
        with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(m.work, [3, 3, 3, 3], [4, 4, 4, 4]))
            passed = pool.submit(m.call, m.f, 3, 4).result()
    assert results == [(13, 0)] * 4
    assert passed == (13, 0)
    assert m.f.compilations == 0   # the parent never called it


def test_spawn_pool_workers_load_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, POOL_MODULE)
    _prefill(tmp_path, m, cache)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(m.call, m.f, 3, 4) for _ in range(4)]   # f itself is pickled
        results = [fut.result(timeout=120) for fut in futures]
    assert results == [(13, 0)] * 4


def test_spawn_pool_without_prefill_compiles_in_workers_then_reuses(tmp_path, monkeypatch):
    """The parent's own compile fills the cache for its workers."""
    cache = tmp_path / "c"
    monkeypatch.setenv("DISPATCHJIT_CACHE_DIR", str(cache))
    m = _module(tmp_path, POOL_MODULE)
    assert m.f(3, 4) == 13 and m.f.compilations == 1
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = [fut.result(timeout=120) for fut in [pool.submit(m.work, 3, 4) for _ in range(4)]]
    assert results == [(13, 0)] * 4


# --- user types ---------------------------------------------------------------------------------
SHAPES = '''\
from typing import Generic, TypeVar
from dispatchjit import Real, generic, struct

T = TypeVar("T", bound=Real)


@struct
class Point(Generic[T]):
    x: T
    y: T


@struct(mutable=True)
class Box:
    n: int


@generic(cache=True)
def moved(p, d):
    return Point(p.x + d, p.y + d)


@generic(cache=True)
def total(p):
    return p.x + 10 * p.y


@generic(cache=True)
def fill(b, k):
    for i in range(k):
        b.n += i
    return b.n
'''

SHAPES_PROBE = '''\
import json
import shapes
p = shapes.moved(shapes.Point(1.0, 2.0), 0.5)
b = shapes.Box(1)
n = shapes.fill(b, 4)
print(json.dumps({"moved": [type(p).__name__, p.x, p.y], "fill": [n, b.n], "total": shapes.total(p),
                  "compilations": [shapes.moved.compilations, shapes.fill.compilations,
                                   shapes.total.compilations]}))
'''


def test_struct_signatures_are_cached_and_keyed_on_the_definition(tmp_path):
    (tmp_path / "shapes.py").write_text(SHAPES)
    cache = tmp_path / "cache"
    first = run(tmp_path, cache, SHAPES_PROBE)
    assert first == {"moved": ["Point[Float64]", 1.5, 2.5], "fill": [7, 7], "total": 26.5,
                     "compilations": [1, 1, 1]}
    second = run(tmp_path, cache, SHAPES_PROBE)
    assert second == dict(first, compilations=[0, 0, 0])            # loaded, not compiled
    # A field added (on the same line, so no method moves): Point is another type now.
    edit(tmp_path / "shapes.py", "    x: T\n", "    w: T; x: T\n")
    edit(tmp_path / "shapes.py", "return Point(p.x + d, p.y + d)", "return Point(p.x, p.x + d, p.y + d)")
    third = run(tmp_path, cache, SHAPES_PROBE.replace("shapes.Point(1.0, 2.0)", "shapes.Point(0.0, 1.0, 2.0)"))
    # total's own code is unchanged, but its argument's fields moved: compiled again, not loaded.
    assert third["moved"] == ["Point[Float64]", 1.5, 2.5] and third["total"] == 26.5
    assert third["compilations"] == [1, 0, 1]


# --- module globals the code read ------------------------------------------------------------
GLOBALS = '''\
import numpy as np
from dispatchjit import generic

SCALE = 2.0
TABLE = np.arange(4.0)


@generic(cache=True)
def scaled(x):
    return SCALE * x


@generic(cache=True)
def accumulate(k):
    for i in range(len(TABLE)):
        TABLE[i] += k
    return TABLE[0] + TABLE[1] + TABLE[2] + TABLE[3]
'''

GLOBALS_PROBE = '''\
import json
import glob_mod
s = glob_mod.scaled(10.0)
a = glob_mod.accumulate(1.0)
print(json.dumps({"scaled": s, "accumulate": a, "table": glob_mod.TABLE.tolist(),
                  "compilations": [glob_mod.scaled.compilations, glob_mod.accumulate.compilations]}))
'''


def test_a_changed_global_is_never_served_from_the_cache_and_arrays_are_the_modules(tmp_path):
    (tmp_path / "glob_mod.py").write_text(GLOBALS)
    cache = tmp_path / "cache"
    first = run(tmp_path, cache, GLOBALS_PROBE)
    assert first == {"scaled": 20.0, "accumulate": 10.0, "table": [1.0, 2.0, 3.0, 4.0], "compilations": [1, 1]}
    second = run(tmp_path, cache, GLOBALS_PROBE)
    assert second == dict(first, compilations=[0, 0])       # loaded; the module's own array updated
    edit(tmp_path / "glob_mod.py", "SCALE = 2.0", "SCALE = 3.0")
    third = run(tmp_path, cache, GLOBALS_PROBE)
    assert third["scaled"] == 30.0 and third["compilations"] == [1, 0]
    edit(tmp_path / "glob_mod.py", "TABLE = np.arange(4.0)", "TABLE = np.arange(4)")   # another dtype
    fourth = run(tmp_path, cache, GLOBALS_PROBE)
    assert fourth["accumulate"] == 10.0 and fourth["compilations"] == [0, 1]
    assert sum(len(r["payload"]) for r in rows(cache)) < 20000   # no copy of the array stored


def test_a_populated_cache_that_cannot_be_written_still_serves_its_entries(tmp_path):
    d, cache = _fill(tmp_path)
    readonly = ("import sqlite3, dispatchjit.cache as c\n"
                "def refuse(self):\n"
                "    raise sqlite3.OperationalError('attempt to write a readonly database')\n"
                "c.Store._open = refuse\n")
    result = run(d, cache, readonly + PROBE)
    assert_results(result)
    assert result["compilations"] == {n: 0 for n in KERNELS}          # loaded, read-only
    assert any("read-only" in m for m in cache_warnings(result))
