"""The on-disk specialization cache: compiled object code that survives the process.

Opt in per function with ``@generic(cache=True)``, or for every function with the environment
variable ``DISPATCHJIT_CACHE=1`` or ``dispatchjit.config.cache = True``. Entries live in an
SQLite database (WAL mode, so processes read and write it at once) under
``$DISPATCHJIT_CACHE_DIR``, else the platform's user cache directory.

An entry is keyed by everything that decides its machine code: the method's code (a
fingerprint of its code object, defaults and options), the concrete signature (user types by
their definitions), the target (CPU name and features) and the versions of dispatchjit,
llvmlite and LLVM. It also records what the code inlined: each generic call it resolved at
compile time, with the fingerprint of the method it resolved to, and each module global it read
as a constant. A load re-resolves those calls in the current process and re-reads those globals,
and uses the entry only if every call still lands on the same code and every global still has
the value (a number, a tuple, a type) or the type (an array, another object) the code was
compiled with; an object the code refers to is the module's current one, not a copy. So an
edited callee or a changed global never serves stale code.

Loading does no parsing, inference or optimization: the object code goes straight to the JIT
linker, with the Python objects and raise sites it refers to recreated from the entry
(``dispatchjit.runtime.jit.link_cells``). A damaged entry, a database of another format or a read-only
directory is reported with a warning and the code is compiled as if there were no cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import struct
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from .state import Edge

__all__ = ["CacheWarning", "cache_dir", "Store", "store", "fingerprint", "entry_key",
           "CachedCode", "FORMAT"]

FORMAT = 4   # bump when the table or the meaning of a stored column changes (4: ExcInfo.where)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS specializations (
    key TEXT PRIMARY KEY, function TEXT NOT NULL, method TEXT NOT NULL, signature TEXT NOT NULL,
    target TEXT NOT NULL, entry TEXT NOT NULL, uid TEXT NOT NULL, payload BLOB NOT NULL,
    code BLOB NOT NULL, code_sha TEXT NOT NULL, llvm_ir TEXT, typed_ir TEXT,
    compile_time REAL, created REAL, last_used REAL, hits INTEGER DEFAULT 0
)"""


class CacheWarning(UserWarning):
    """The cache could not be used for an entry (it is compiled instead)."""




def cache_dir() -> Path:
    explicit = os.environ.get("DISPATCHJIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dispatchjit"


# --- keys ------------------------------------------------------------------------------------
def fingerprint(method) -> str:
    """A hash of what a method's compiled code depends on in the method itself."""
    cached = _fingerprints.get(method)
    if cached is None:
        func = method.func
        h = hashlib.sha256()
        _hash_code(h, func.__code__)
        h.update(repr((func.__defaults__, func.__kwdefaults__, method.sig, method.vararg, method.ngiven,
                       sorted(getattr(func, "__dispatchjit_options__", {}).items()))).encode())
        cached = _fingerprints[method] = h.hexdigest()
    return cached


_fingerprints: dict = {}


def _hash_code(h, code) -> None:
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_filename, code.co_firstlineno)).encode())
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            _hash_code(h, const)
        else:
            h.update(repr(const).encode())


def _versions() -> str:
    import llvmlite
    from llvmlite import binding as llvm

    from . import __version__
    return f"{__version__}/{llvmlite.__version__}/{'.'.join(map(str, llvm.llvm_version_info))}/{FORMAT}"


def entry_key(func, method, argtypes, target) -> str:
    from .lattice import type_key   # user types are keyed on their definitions, not their names
    signature = tuple(map(type_key, argtypes))
    text = repr((func.__module__, func.__qualname__, fingerprint(method), signature, target.cpu_id, _versions()))
    return hashlib.sha256(text.encode()).hexdigest()


# --- the database ----------------------------------------------------------------------------
class Store:
    """The cache database. Every failure to read or write becomes a warning and a miss."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / "index.sqlite3"
        self._local = threading.local()
        self._broken = False

    def _db(self, create: bool = True) -> sqlite3.Connection | None:
        """The connection; with ``create`` false, None while there is no database yet (reading
        and loading never create the cache directory)."""
        if self._broken:
            return None
        db = getattr(self._local, "db", None)
        if db is None and not create and not self.path.exists():
            return None
        if db is None:
            try:
                db = self._open()
            except (OSError, sqlite3.Error) as err:
                db = self._open_read_only()
                if db is None:
                    self._broken = True
                    warnings.warn(f"dispatchjit cache at {self.path} is unusable ({err}); compiling without it",
                                  CacheWarning, stacklevel=4)
                    return None
                warnings.warn(f"dispatchjit cache at {self.path} is read-only ({err}): it serves what it has "
                              "and stores nothing new", CacheWarning, stacklevel=4)
            self._local.db = db
        return db

    def _open_read_only(self) -> sqlite3.Connection | None:
        """A cache that cannot be written (a read-only directory or file, shared by a team) still
        serves its entries: opened immutable, which needs neither the write-ahead log nor a lock."""
        try:
            db = sqlite3.connect(f"file:{self.path}?immutable=1", uri=True, isolation_level=None)
            if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
                db.close()
                return None
            db.execute("SELECT key FROM specializations LIMIT 1")
            return db
        except sqlite3.Error:
            return None

    def _open(self) -> sqlite3.Connection:
        self.directory.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        if db.execute("PRAGMA user_version").fetchone()[0] not in (0, FORMAT):
            db.close()
            stale = self.path.with_suffix(f".old{int(time.time())}")
            self.path.rename(stale)
            warnings.warn(f"dispatchjit cache {self.path} had another format; moved to {stale.name}",
                          CacheWarning, stacklevel=5)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        # Switching to WAL needs the database to itself (it does not wait on a busy writer), so
        # only the process that creates the database does it; the mode then persists.
        for attempt in range(100):
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
                db.execute(_SCHEMA)
                if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
                    db.execute(f"PRAGMA user_version = {FORMAT}")
                return db
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == 99:
                    raise
                time.sleep(0.05)
        return db

    def get(self, key: str):
        db = self._db(create=False)
        if db is None:
            return None
        try:
            return db.execute("SELECT entry, uid, payload, code, code_sha FROM specializations WHERE key = ?",
                              (key,)).fetchone()
        except sqlite3.Error as err:
            warnings.warn(f"dispatchjit cache read failed ({err})", CacheWarning, stacklevel=3)
            return None

    def put(self, row: dict) -> None:
        db = self._db()
        if db is None:
            return
        columns = ", ".join(row)
        try:
            db.execute(f"INSERT OR REPLACE INTO specializations ({columns}) VALUES "
                       f"({', '.join('?' * len(row))})", tuple(row.values()))
        except sqlite3.Error as err:  # a read-only directory, a full disk
            self._broken = True
            warnings.warn(f"dispatchjit cache write to {self.path} failed ({err}); compiling without it",
                          CacheWarning, stacklevel=3)

    def hit(self, key: str) -> None:
        db = self._db(create=False)
        if db is not None:
            try:
                db.execute("UPDATE specializations SET hits = hits + 1, last_used = ? WHERE key = ?",
                           (time.time(), key))
            except sqlite3.Error:
                pass  # a read-only cache still serves what it has

    def delete(self, key: str) -> None:
        db = self._db(create=False)
        if db is not None:
            try:
                db.execute("DELETE FROM specializations WHERE key = ?", (key,))
            except sqlite3.Error:
                pass

    def rows(self, function: str | None = None) -> list[sqlite3.Row]:
        db = self._db(create=False)
        if db is None:
            return []
        db.row_factory = sqlite3.Row
        try:
            query = "SELECT * FROM specializations" + (" WHERE function = ?" if function else "")
            return db.execute(query + " ORDER BY created", (function,) if function else ()).fetchall()
        except sqlite3.Error as err:   # a damaged database (another table of that name, torn pages)
            warnings.warn(f"dispatchjit cache {self.path} cannot be read ({err}); delete the file to start "
                          "a new cache", CacheWarning, stacklevel=3)
            return []
        finally:
            db.row_factory = None


_stores: dict[Path, Store] = {}


def store() -> Store:
    directory = cache_dir()
    if directory not in _stores:
        _stores[directory] = Store(directory)
    return _stores[directory]


# --- what an entry carries besides code ------------------------------------------------------
@dataclass
class CachedCode:
    """Everything but the object code needed to use it in another process."""

    return_type: object
    objects: list          # the Python objects the code refers to (pickled by reference)
    sites: list            # runtime.exceptions.RaiseSite records
    edges: list            # (generic function, argument types, method fingerprint): itself and
                           # every call it inlined
    counter: str           # the symbol of its call counter
    globals: list          # (module, name, kind, ...): the module globals it read (_global_record)


def pack(cached: CachedCode) -> bytes | None:
    """The entry's payload, or None if some object cannot be recreated in another process."""
    try:
        return pickle.dumps(cached, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


def unpack(payload: bytes) -> CachedCode:
    return pickle.loads(payload)


# --- load and save ---------------------------------------------------------------------------
def load(func, method, argtypes):
    """The cached entry point for ``method`` at ``argtypes``, or None. Imports no compiler stage."""
    from .runtime import exceptions
    from .runtime.jit import make_builtin

    from .spec import SpecKey
    from .state import CompiledEntry
    from .targets.cpu import host
    target = host()
    t0 = time.perf_counter()
    key = entry_key(func, method, argtypes, target)
    db = store()
    row = db.get(key)
    if row is None:
        return None
    entry_name, uid, payload, code, code_sha = row
    try:
        if hashlib.sha256(code).hexdigest() != code_sha or not _sound_object(code):
            raise ValueError("its object code is damaged")
        if f"{entry_name}\0".encode() not in code:   # another entry's code (and checksum)
            raise ValueError("its object code is not this entry's")
        cached = unpack(payload)
        if not isinstance(cached, CachedCode) or not hasattr(cached, "globals"):
            raise ValueError("its payload is not an entry's")
    except Exception as err:  # noqa: BLE001 - any damage: drop the entry and compile
        warnings.warn(f"dispatchjit cache entry for {func.__name__}{argtypes} is unusable ({err}); "
                      "compiling it again", CacheWarning, stacklevel=4)
        db.delete(key)
        return None
    if stale_reason(cached.edges) is not None or stale_global(cached.globals, cached.objects) is not None:
        return None   # a callee or a global changed since: the next compile replaces the entry
    sites = [exceptions.register_site(s.exc, s.template, s.loc, s.kinds) for s in cached.sites]
    keepalive: list = []
    loaded = target.load(code, uid, cached.objects, sites, [], keepalive)
    address = loaded.function_address(entry_name)
    entry = make_builtin(address, func.__name__, keepalive)
    db.hit(key)
    edges = tuple(Edge(f, types, Edge(f, types, None).resolves_now()) for f, types, _ in cached.edges)
    return CompiledEntry(SpecKey(func, method, argtypes), entry, frozenset(), cached.return_type,
                         {"load": time.perf_counter() - t0}, "", None, loaded.global_address(cached.counter),
                         address, keepalive, edges, key)


def _sound_object(code: bytes) -> bool:
    """Whether ``code`` is a well-formed 64-bit little-endian ELF file whose headers and sections
    lie within it. LLVM trusts an object file's structure (a truncated one crashes it), so the
    checksum alone, which damage may have rewritten too, is not enough."""
    if len(code) < 64 or code[:4] != b"\x7fELF" or code[4] != 2 or code[5] != 1:
        return False
    shoff, = struct.unpack_from("<Q", code, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", code, 0x3A)
    if shentsize != 64 or shstrndx >= shnum or shoff + shnum * 64 > len(code):
        return False
    for i in range(shnum):
        sh_type, = struct.unpack_from("<I", code, shoff + 64 * i + 4)
        offset, size = struct.unpack_from("<QQ", code, shoff + 64 * i + 0x18)
        if sh_type != 8 and offset + size > len(code):  # 8: SHT_NOBITS occupies no file space
            return False
    return True


def stale_reason(stored_edges) -> str | None:
    """Why code recorded with ``stored_edges`` (``(function, types, fingerprint)``: an ``Edge``
    as stored, the method by its code) no longer applies here; None when it does."""
    for func, argtypes, recorded in stored_edges:
        method = Edge(func, argtypes, None).resolves_now()
        if method is None:
            return f"{func.__name__}{argtypes} has no method now"
        if fingerprint(method) != recorded:
            return f"the code of {func.__name__} changed"
    return None


_MISSING = object()


def _global_record(module: str, name: str, objects: list):
    """How a load checks the global ``module.name`` the code read: an object the code refers to
    by its type (the load substitutes the module's current object), a type by its definition,
    a value baked into the code by its pickle; None for generic functions and modules (calls
    are checked as edges) and ``False`` for a value that cannot be checked."""
    import types as pytypes

    from .lattice import FunctionType, JType, from_annotation, type_key, typeof
    value = getattr(sys.modules.get(module), "__dict__", {}).get(name, _MISSING)
    if value is _MISSING or isinstance(value, pytypes.ModuleType):
        return None
    index = next((i for i, o in enumerate(objects) if o is value), None)
    try:
        if isinstance(typeof(value), FunctionType):   # a generic function: its calls are edges
            return None
        if index is not None:
            return module, name, "object", index, type_key(typeof(value))
        if isinstance(value, (type, JType)):
            return module, name, "type", type_key(from_annotation(value))
        return module, name, "value", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - cannot be checked: the entry is not stored
        return False


def stale_global(records, objects: list) -> str | None:
    """Why the globals recorded with an entry (``_global_record``) no longer hold what its code
    was compiled with; None when they do, after putting the modules' current objects into
    ``objects``."""
    from .lattice import from_annotation, type_key, typeof
    for module, name, kind, *data in records:
        value = getattr(sys.modules.get(module), "__dict__", {}).get(name, _MISSING)
        if value is _MISSING:
            return f"the global {module}.{name} is gone"
        try:
            if kind == "object" and type_key(typeof(value)) == data[1]:
                objects[data[0]] = value
                continue
            if kind == "type" and type_key(from_annotation(value)) == data[0]:
                continue
            if kind == "value" and pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) == data[0]:
                continue
        except Exception:  # noqa: BLE001 - it cannot be the same: compile again
            pass
        return f"the global {module}.{name} changed"
    return None


def save(compiled, mb, entry_name: str, code: bytes, closure: dict, typed_text: str, target) -> None:
    """Store a fresh compile, whose module ``mb`` has the entry point ``entry_name`` (when every
    object it refers to can be recreated elsewhere)."""
    from .runtime.exceptions import site

    key = compiled.cache_key
    root = compiled.key
    # The root too: when its own source changes, `dispatchjit cache list` reports the entry stale.
    edges = [(k.func, k.argtypes, fingerprint(k.method)) for k in closure]
    read = {(k.method.func.__module__, name) for k, inf in closure.items() for name in inf.globals_read}
    records = [_global_record(module, name, mb.objects) for module, name in sorted(read)]
    if False in records:
        return   # a global it read cannot be checked in another process: not stored
    records = [r for r in records if r is not None]
    objects = list(mb.objects)
    for record in records:
        if record[2] == "object":
            objects[record[3]] = None   # not a copy: the load puts in the module's current object
    cached = CachedCode(compiled.return_type, objects, [site(s) for s in mb.sites], edges,
                        f"{entry_name}.calls", records)
    payload = pack(cached)
    if payload is None:
        return
    method = root.method
    store().put({
        "key": key, "function": f"{root.func.__module__}.{root.func.__qualname__}",
        "method": f"{method.file}:{method.line}", "signature": repr(root.argtypes), "target": target.cpu_id,
        "entry": entry_name, "uid": mb.uid, "payload": payload, "code": code,
        "code_sha": hashlib.sha256(code).hexdigest(), "llvm_ir": compiled.llvm_ir, "typed_ir": typed_text,
        "compile_time": sum(compiled.timings.values()), "created": time.time(), "last_used": time.time(),
    })
