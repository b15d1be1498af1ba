"""Dependencies point down only, and no module imports itself back through others.

Layers, lowest first (docs/architecture.md):

    base      backend.config, errors, extensions, models, schemas, auth (token primitives), i18n
    services  backend.services.*, backend.demo (business logic; no flask.request, no click)
    http      backend.api.*, backend.console.*, openapi, hooks, observability
    factory   backend (create_app), backend.cli, wsgi

``recommender`` is a library below all of them (it imports nothing from backend), and backend never
imports ``training`` (the content team's CLI and the benchmarks sit on top of backend).

Every import counts, at module level or inside a function: a function-level import hides a
dependency from a reader but not from this test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "recommender", "training")

LAYERS = {"recommender": 0, "base": 1, "services": 2, "http": 3, "factory": 4, "training": 5}


def layer(module: str) -> str:
    top = module.split(".")[0]
    if top in ("recommender", "training"):
        return top
    if module == "wsgi" or module in ("backend", "backend.cli"):
        return "factory"
    parts = module.split(".")
    second = parts[1] if len(parts) > 1 else ""
    if second in ("services", "demo"):
        return "services"
    if second in ("api", "console", "openapi", "hooks", "observability"):
        return "http"
    return "base"


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path
    yield "wsgi", ROOT / "wsgi.py"


def _resolve(name: str, known: set[str]) -> str | None:
    """The longest known module that ``name`` names (``backend.models.Employee`` -> models)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for name in names:
            target = _resolve(name, known)
            if target is not None and target != module:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = dict(_modules())
    known = set(modules)
    return {module: _imports(module, path, known) for module, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(frozenset(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _is_package_parent(importer: str, imported: str) -> bool:
    """``import backend.x`` runs ``backend/__init__``: that is Python, not a dependency."""
    return importer.startswith(imported + ".")


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "backend.services.suggestions" in graph["backend.api.suggestions"]
    assert "backend.models" in graph["backend.services.tracking"]
    assert len(graph) > 80


def test_no_import_points_up() -> None:
    graph = _graph()
    upward = sorted(
        f"{importer} ({layer(importer)}) -> {imported} ({layer(imported)})"
        for importer, targets in graph.items()
        for imported in targets
        if LAYERS[layer(imported)] > LAYERS[layer(importer)]
        and not _is_package_parent(importer, imported)
    )
    assert not upward, "\n".join(upward)


def test_no_import_circle() -> None:
    graph = _graph()
    # The package parent edge (backend -> backend.api ...) is the factory wiring its parts.
    graph = {
        importer: {t for t in targets if not _is_package_parent(importer, t)}
        for importer, targets in graph.items()
    }
    circles = [sorted(c) for c in _cycles(graph)]
    assert not circles, circles
