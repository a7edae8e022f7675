"""The package's shape: an acyclic import graph, a runtime that imports no compiler stage, no
module named after a standard-library one, and an ``import dispatchjit`` that loads no compiler."""

import ast
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Packages as installed (pyproject's package-dir): runtime/ is dispatchjit.runtime.
PACKAGES = (("dispatchjit", "dispatchjit"), ("runtime", "dispatchjit.runtime"))
# What compiled code's runtime may use of the compiler: the lattice and the error classes.
RUNTIME_MAY_IMPORT = {"dispatchjit.lattice", "dispatchjit.errors"}


def _modules() -> dict[str, str]:
    mods = {}
    for folder, package in PACKAGES:
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if not name.endswith(".py"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), os.path.join(ROOT, folder))[:-3]
                dotted = rel.replace(os.sep, ".")
                if dotted == "__init__":
                    mods[package] = os.path.join(dirpath, name)
                else:
                    mods[f"{package}.{dotted.removesuffix('.__init__')}"] = os.path.join(dirpath, name)
    return mods


def _imports(module: str, path: str, known) -> set[tuple[str, bool]]:
    """The package modules ``module`` imports, each with whether the import is inside a function."""
    tree = ast.parse(open(path).read())
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    local = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            source = (base + ("." + node.module if node.module else "")) if node.level else node.module
            names = [source] + [f"{source}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {(n, id(node) in local) for n in names if n in known and n != module}
    return found


def _graph() -> dict[str, set[tuple[str, bool]]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_is_acyclic_with_function_local_imports_counted():
    """Apart from the public namespace's re-exports, no module reaches itself, even through the
    imports made inside functions (which stay only to keep ``import dispatchjit`` cheap, never
    to break a circle)."""
    graph = _graph()
    edges = {m: {t for t, _ in imported if t != "dispatchjit"} for m, imported in graph.items() if m != "dispatchjit"}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_package():
    graph = _graph()
    assert {"dispatchjit.driver", "dispatchjit.targets.cpu", "dispatchjit.lowering.function",
            "dispatchjit.runtime.jit"} <= set(graph)
    assert ("dispatchjit.lowering.reprs", False) in graph["dispatchjit.lowering.function"]
    assert ("dispatchjit.driver", True) in graph["dispatchjit.generic"]   # the first compile imports it


def test_the_runtime_imports_no_compiler_stage():
    for module, imported in _graph().items():
        if module.startswith("dispatchjit.runtime"):
            outside = {t for t, _ in imported if not t.startswith("dispatchjit.runtime")} - RUNTIME_MAY_IMPORT
            assert outside == set(), f"{module} imports {sorted(outside)}"


def test_no_module_is_named_after_a_standard_library_module():
    clashes = {m for m in _modules() if m.rsplit(".", 1)[-1] in sys.stdlib_module_names}
    assert clashes == set()


def test_import_loads_no_compiler_stage_and_runtime_is_not_top_level(tmp_path):
    probe = ("import json, sys, importlib.util, dispatchjit; "
             "print(json.dumps({'loaded': sorted(m for m in sys.modules if m.startswith('dispatchjit.')),"
             " 'binding': 'llvmlite.binding' in sys.modules, 'runtime': importlib.util.find_spec('runtime') is None,"
             " 'jit': importlib.util.find_spec('dispatchjit.runtime.jit') is not None}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    stages = {"dispatchjit.driver", "dispatchjit.frontend", "dispatchjit.infer", "dispatchjit.lowering.function",
              "dispatchjit.codegen", "dispatchjit.cache"}
    assert stages.isdisjoint(seen["loaded"]), seen["loaded"]
    assert seen["binding"] is False and seen["runtime"] is True and seen["jit"] is True


def test_every_package_folder_is_installed():
    """An installed wheel has every subpackage: pyproject's package list names each folder."""
    import tomllib
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        listed = set(tomllib.load(fh)["tool"]["setuptools"]["packages"])
    packages = {m for m, p in _modules().items() if p.endswith("__init__.py")}
    assert packages == listed
