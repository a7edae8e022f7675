"""Shared pieces of the on-disk cache tests (test_cache.py, test_cli.py): kernel modules written
into a temporary directory, a runner for fresh interpreters that reads back one JSON line, and
readers for the cache database.

Every run sets ``DISPATCHJIT_CACHE_DIR`` to a directory under the test's tmp_path: no test touches
the user's real cache."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

PY = sys.executable

# A callee module: ``sq`` and ``cube`` are plain generic functions (no cache option) that the
# cached callers in ``kern`` inline; ``cube`` calls into a third module, ``deep``.
CALLEE = '''\
import os
from dispatchjit import generic
from deep import base


@generic
def sq(x):
    return x * x


@generic
def cube(x):
    return base(x) * x * x


if os.environ.get("CALLEE_INT_METHOD"):
    @generic
    def sq(x: int):
        return 100 + x
'''

DEEP = '''\
from dispatchjit import generic


@generic
def base(x):
    return x
'''

# What a later process adds to ``callee`` at run time (exec'd into the module's namespace, so it
# is a method of the same generic function, with a real file for its source).
CALLEE_EXTRA = '''\
@generic
def sq(x: int):
    return 100 + x
'''

KERN = '''\
import numpy as np
from dispatchjit import generic
from callee import cube, sq


@generic(cache=True)
def f(x, y):
    return sq(x) + y


@generic(cache=True)
def g(x):
    return cube(x) + 1


@generic(cache=True)
def total(xs):
    s = 0.0
    for i in range(len(xs)):
        s += xs[i]
    return s


@generic(cache=True)
def doubled(xs):
    out = np.empty(len(xs))
    for i in range(len(xs)):
        out[i] = 2.0 * xs[i]
    return out


@generic(cache=True)
def swap(a, b):
    return (b, a)


@generic(cache=True)
def check(x):
    if x < 0:
        raise ValueError(f"x must be non-negative, got {x}")
    return x + 1


@generic(cache=True)
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
'''

KERNELS = ("f", "g", "total", "doubled", "swap", "check", "fib")

# Calls every kernel once, then reports results, compile counts, timing keys, the exception and
# whether the compiler was loaded, then calls them again (through the dispatcher).
PROBE = '''\
import json, sys, traceback, warnings
warnings.simplefilter("always")
_caught = warnings.catch_warnings(record=True)
_w = _caught.__enter__()
warnings.simplefilter("always")
import numpy as np
import kern
out = {}
out["f"] = kern.f(3, 4)
out["g"] = kern.g(2)
out["total"] = kern.total(np.arange(5.0))
out["doubled"] = kern.doubled(np.arange(3.0)).tolist()
out["swap"] = list(kern.swap(1, 2.5))
try:
    kern.check(-3)
except ValueError as e:
    last = traceback.extract_tb(e.__traceback__)[-1]
    out["raised"] = [type(e).__name__, str(e), last.filename, last.lineno, last.line]
out["fib"] = kern.fib(20)
# every kernel called once so far (a second call builds the dispatcher, which needs the compiler)
STAGES = ("dispatchjit.driver", "dispatchjit.frontend", "dispatchjit.infer", "dispatchjit.lowering.function")
out["driver_loaded"] = any(m in sys.modules for m in STAGES)
out["check"] = kern.check(5)
names = %r
out["compilations"] = {n: getattr(kern, n).compilations for n in names}
out["timings"] = {n: sorted(getattr(kern, n).specializations[0].timings) for n in names}
again = [kern.f(3, 4), kern.g(2), kern.total(np.arange(5.0)), kern.doubled(np.arange(3.0)).tolist(),
         list(kern.swap(1, 2.5)), kern.check(5), kern.fib(20)]
try:
    kern.check(-3)
except ValueError as e:
    again.append(str(e))
out["again"] = again
out["driver_loaded_after_repeats"] = any(m in sys.modules for m in STAGES)
_caught.__exit__(None, None, None)
out["warnings"] = [[w.category.__module__ + "." + w.category.__name__, str(w.message)] for w in _w]
print(json.dumps(out))
''' % (KERNELS,)

EXPECTED = {"f": 13, "g": 9, "total": 10.0, "doubled": [0.0, 2.0, 4.0], "swap": [2.5, 1], "check": 6,
            "fib": 6765}


def write_modules(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "callee.py").write_text(CALLEE)
    (d / "deep.py").write_text(DEEP)
    (d / "kern.py").write_text(KERN)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new))


def def_line(path: Path, name: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith(f"def {name}("):
            return i
    raise AssertionError(name)


def line_with(path: Path, marker: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if marker in line:
            return i
    raise AssertionError(marker)


def env_for(d: Path, cache: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPATCHJIT_CACHE", "CALLEE_INT_METHOD", "PYTHONPATH")}
    env["DISPATCHJIT_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = str(d)
    env["COLUMNS"] = "400"
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def start(d: Path, cache: Path, code: str = PROBE, **extra) -> subprocess.Popen:
    return subprocess.Popen([PY, "-c", code], cwd=d, env=env_for(d, cache, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"rc={proc.returncode}\nstdout={out[-3000:]}\nstderr={err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])


def run(d: Path, cache: Path, code: str = PROBE, **extra) -> dict:
    """Run ``code`` in a fresh interpreter (cwd and PYTHONPATH ``d``, cache dir ``cache``); its
    last line of output is JSON."""
    return finish(start(d, cache, code, **extra))


def rows(cache: Path) -> list[dict]:
    db = sqlite3.connect(cache / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM specializations ORDER BY created")]
    finally:
        db.close()


def update(cache: Path, sql: str, *params) -> None:
    db = sqlite3.connect(cache / "index.sqlite3")
    try:
        db.execute(sql, params)
        db.commit()
    finally:
        db.close()


def cache_warnings(result: dict) -> list[str]:
    return [msg for cat, msg in result["warnings"] if cat == "dispatchjit.cache.CacheWarning"]


def script(text: str) -> str:
    return textwrap.dedent(text)
