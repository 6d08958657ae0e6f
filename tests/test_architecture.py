"""The package's shape, checked: no import cycles between its modules, each stage one folder, a short pipeline,
and no module-level cache that holds weights."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "briefing"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(top_level_only: bool) -> dict[str, set[str]]:
    """Each module's imports of other modules of the package (a package counts as its __init__)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        checking = {id(n) for top in tree.body if isinstance(top, ast.If) and "TYPE_CHECKING" in ast.unparse(top.test)
                    for n in ast.walk(top)}  # `if TYPE_CHECKING:` imports never run
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        for node in nodes:
            if id(node) in checking:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                while t and t not in modules:
                    t = t.rsplit(".", 1)[0] if "." in t else ""
                if t and t != name and t.startswith("briefing"):
                    graph[name].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_at_import_time():
    assert _cycles(_imports(top_level_only=True)) == []


def test_no_import_cycles_even_through_lazy_imports():
    """Imports inside functions too (they keep torch and friends off the start-up path, not to dodge cycles)."""
    assert _cycles(_imports(top_level_only=False)) == []


def test_pipeline_reads_as_the_list_of_stages():
    assert len((PACKAGE / "pipeline.py").read_text().splitlines()) < 200


@pytest.mark.parametrize("folder", ["read", "text", "stories", "summarize", "models", "publish", "engines", "apps"])
def test_each_stage_is_a_folder(folder):
    assert (PACKAGE / folder / "__init__.py").exists()


def test_no_module_global_holds_weights():
    """Weights belong to the run's Models (models/bundle.py): no lru_cache/cache around a loader of a model."""
    loaders = ("Encoder(", "Compressor(", "load_classifier(", "load_lexical(", "from_pretrained(", "factory(")
    found = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    "cache" in ast.unparse(d) for d in node.decorator_list):
                body = ast.unparse(node)
                if any(x in body for x in loaders):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert found == []
