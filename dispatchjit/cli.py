"""The ``dispatchjit`` command: inspect the on-disk specialization cache and generic functions.

    dispatchjit cache path
    dispatchjit cache list [--function NAME] [--json]
    dispatchjit cache show ID (--typed | --llvm | --asm)
    dispatchjit cache stats [--json]
    dispatchjit cache clear [--function NAME] [--stale]
    dispatchjit inspect MODULE:FUNCTION [--json]

``ID`` is a prefix of an entry's key, as ``list`` prints it. Tables fit the terminal's width;
``--json`` prints a JSON array of objects (one per row) for scripts.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import shutil
import sys
import warnings

from . import cache

__all__ = ["main"]

_LIST_COLUMNS = ("id", "function", "method", "signature", "target", "code_size", "compile_ms", "hits",
                 "last_used", "status")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The cache's warnings (a damaged database, an unusable directory) as one line each.
    warnings.showwarning = lambda message, *rest, **kw: print(f"dispatchjit: {message}", file=sys.stderr)
    try:
        return args.run(args)
    except BrokenPipeError:  # `dispatchjit cache list | head`
        return 0


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(prog="dispatchjit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dispatchjit {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    cache_cmd = commands.add_parser("cache", help="the on-disk specialization cache")
    actions = cache_cmd.add_subparsers(required=True, metavar="ACTION")
    p = actions.add_parser("path", help="print the cache directory")
    p.set_defaults(run=_path)
    p = actions.add_parser("list", help="one row per cached specialization")
    p.add_argument("--function", help="only this function (its qualified name, or its last part)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_list)
    p = actions.add_parser("show", help="the stored code of one entry")
    p.add_argument("id")
    kind = p.add_mutually_exclusive_group(required=True)
    for flag in ("--typed", "--llvm", "--asm", "--ptx"):
        kind.add_argument(flag, dest="kind", action="store_const", const=flag[2:])
    p.set_defaults(run=_show)
    p = actions.add_parser("stats", help="entries, sizes, hits")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_stats)
    p = actions.add_parser("clear", help="delete entries")
    p.add_argument("--function")
    p.add_argument("--stale", action="store_true",
                   help="only entries whose code no longer applies (not those it cannot check here)")
    p.set_defaults(run=_clear)
    p = commands.add_parser("inspect", help="a generic function's methods and specializations")
    p.add_argument("target", metavar="MODULE:FUNCTION")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_inspect)
    return parser


# --- cache ------------------------------------------------------------------------------------
def _path(args) -> int:
    print(cache.cache_dir())
    return 0


def _matches(row, name: str | None) -> bool:
    return name is None or row["function"] == name or row["function"].rsplit(".", 1)[-1] == name


def _status(row) -> str:
    """'valid', or 'stale: why' when the code no longer applies in this environment."""
    try:
        payload = cache.unpack(row["payload"])
    except (ImportError, AttributeError) as err:  # its module is not importable from here
        return f"unknown: cannot import its code here ({err})"
    except Exception as err:  # noqa: BLE001
        return f"stale: unreadable ({type(err).__name__})"
    reason = cache.stale_reason(payload.edges) or cache.stale_global(payload.globals, list(payload.objects))
    return "valid" if reason is None else f"stale: {reason}"


def _rows(args):
    return [r for r in cache.store().rows() if _matches(r, getattr(args, "function", None))]


def _list(args) -> int:
    table = []
    for r in _rows(args):
        table.append({
            "id": r["key"][:12], "function": r["function"], "method": r["method"], "signature": r["signature"],
            "target": r["target"].split(":")[0], "code_size": len(r["code"]),
            "compile_ms": round(1e3 * (r["compile_time"] or 0), 1), "hits": r["hits"],
            "last_used": _when(r["last_used"]), "status": _status(r),
        })
    _emit(table, _LIST_COLUMNS, args.json)
    return 0


def _show(args) -> int:
    rows = [r for r in cache.store().rows() if r["key"].startswith(args.id)]
    if len(rows) != 1:
        print(f"dispatchjit: {'no' if not rows else 'more than one'} cache entry with id {args.id!r}",
              file=sys.stderr)
        return 1
    row = rows[0]
    if args.kind == "typed":
        print(row["typed_ir"])
    elif args.kind == "llvm":
        print(row["llvm_ir"])
    elif args.kind == "asm":
        print(_assembly(row["llvm_ir"]))
    else:
        print("dispatchjit: this entry is CPU code; it has no PTX", file=sys.stderr)
        return 1
    return 0


def _assembly(llvm_ir: str) -> str:
    from llvmlite import binding as llvm

    from .targets.cpu import host
    return host().emit_assembly(llvm.parse_assembly(llvm_ir))


def _stats(args) -> int:
    rows = cache.store().rows()
    stats = {"path": str(cache.store().path), "entries": len(rows),
             "functions": len({r["function"] for r in rows}),
             "code_bytes": sum(len(r["code"]) for r in rows), "hits": sum(r["hits"] for r in rows),
             "compile_seconds_saved": round(sum((r["compile_time"] or 0) * r["hits"] for r in rows), 3)}
    if args.json:
        print(json.dumps([stats]))
    else:
        width = max(map(len, stats))
        for k, v in stats.items():
            print(f"{k:<{width}}  {v}")
    return 0


def _clear(args) -> int:
    store = cache.store()
    doomed = [r for r in _rows(args) if not args.stale or _status(r).startswith("stale")]
    for r in doomed:
        store.delete(r["key"])
    print(f"removed {len(doomed)} entr{'y' if len(doomed) == 1 else 'ies'}")
    return 0


# --- inspect ----------------------------------------------------------------------------------
def _inspect(args) -> int:
    module_name, _, name = args.target.partition(":")
    if not name:
        print("dispatchjit: give the function as MODULE:FUNCTION", file=sys.stderr)
        return 2
    func = _find_function(module_name, name)
    if func is None:
        return 1
    qualified = f"{func.__module__}.{func.__qualname__}"
    methods = [{"method": str(m)} for m in func.methods()]
    memory = [{"signature": repr(s.signature), "method": str(s.method), "return_type": repr(s.return_type),
               "compile_ms": round(1e3 * s.compile_time, 1), "calls": s.calls, "status": "valid"}
              for s in func.specializations]
    memory += [{"signature": repr(s.signature), "method": str(s.method), "return_type": repr(s.return_type),
                "compile_ms": round(1e3 * s.compile_time, 1), "calls": s.calls,
                "status": f"invalidated by {s.invalidated_by}"} for s in func.invalidated]
    disk = [{"id": r["key"][:12], "signature": r["signature"], "status": _status(r)}
            for r in cache.store().rows(qualified)]
    if args.json:
        print(json.dumps([{"function": qualified, "methods": methods, "in_memory": memory, "on_disk": disk}]))
        return 0
    print(repr(func))
    _emit(methods, ("method",), False)
    print("\nspecializations in memory:")
    _emit(memory, ("signature", "return_type", "compile_ms", "calls", "status"), False)
    print("\nspecializations on disk:")
    _emit(disk, ("id", "signature", "status"), False)
    return 0


def _find_function(module_name: str, name: str):
    """The generic function ``module_name:name``, or None after saying on stderr why not. The
    current directory is searched first, as ``python -m`` does."""
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        found = importlib.import_module(module_name)
    except ImportError as err:
        print(f"dispatchjit: cannot import {module_name}: {err}", file=sys.stderr)
        return None
    for part in name.split("."):
        found = getattr(found, part, None)
        if found is None:
            print(f"dispatchjit: {module_name} has no {name}", file=sys.stderr)
            return None
    if not callable(getattr(found, "methods", None)) or not hasattr(found, "specializations"):
        print(f"dispatchjit: {module_name}:{name} is a {type(found).__name__}, not a generic function",
              file=sys.stderr)
        return None
    return found


# --- output -----------------------------------------------------------------------------------
def _when(timestamp) -> str:
    if not timestamp:
        return "-"
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _emit(rows: list[dict], columns, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows))
        return
    if not rows:
        print("(none)")
        return
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    room = shutil.get_terminal_size((160, 24)).columns
    while sum(widths) + 2 * len(widths) > room and max(widths) > 12:  # shrink the widest column
        widths[widths.index(max(widths))] -= 1
    line = lambda values: "  ".join(_fit(v, w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    print(line(columns))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[:width - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
