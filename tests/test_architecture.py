"""The layering of ARCHITECTURE.md, enforced: which part of diglot may import which.

Every ``import`` of a diglot module anywhere in ``src/diglot`` counts, lazy ones inside
functions too; only imports under ``if TYPE_CHECKING:`` (annotations) are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "diglot"

VOCABULARY = {"errors", "model", "_display", "_version"}
"""The shared vocabulary at the top: imported by everyone, imports only itself."""

ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "specs": set(),
    "strategies": {"specs"},
    "transport": {"specs"},
    "contracts": {"specs", "strategies", "transport"},
    "server": set(),
    "engine": {"specs", "strategies", "transport", "contracts", "server"},
    "reports": {"specs", "transport", "engine"},
    "plugin": {"specs", "strategies", "transport", "contracts", "engine", "reports", "server"},
    "cli": {"specs", "strategies", "transport", "contracts", "engine", "reports", "server"},
    "package": {
        "specs",
        "strategies",
        "transport",
        "contracts",
        "engine",
        "reports",
        "plugin",
        "cli",
        "server",
    },
}
"""Layer -> the layers it may import besides the vocabulary (and itself)."""


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts == ["diglot"]:
        return "package"
    if parts[1] in VOCABULARY:
        return "vocabulary"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def module_name(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[str]:
    """The diglot modules ``path`` imports (a ``from x import y`` may name a module ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt = _type_checking_lines(tree)
    found: set[str] = set()
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in exempt:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("diglot"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("diglot"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _exists(candidate) else base)
    return {name for name in found if _exists(name)}


def _exists(module: str) -> bool:
    path = SRC.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}
GRAPH = {name: imports_of(path) - {name} for name, path in MODULES.items()}


def test_the_tree_has_one_directory_per_stage():
    stages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == {
        "specs",
        "strategies",
        "transport",
        "contracts",
        "engine",
        "reports",
        "cli",
        "plugin",
        "server",
    }
    top = {p.stem for p in SRC.glob("*.py")}
    assert top == {"__init__", "__main__", "errors", "model", "_display", "_version"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_import_follows_the_layering(module):
    layer = layer_of(module)
    allowed = ALLOWED[layer] | {layer, "vocabulary"}
    wrong = sorted(name for name in GRAPH[module] if layer_of(name) not in allowed)
    assert not wrong, f"{module} ({layer}) imports {wrong}; ARCHITECTURE.md allows {allowed}"


def test_there_is_no_import_cycle():
    # a module importing its own package's __init__ is not a cycle worth the name when the
    # __init__ only re-exports; every other back edge is
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_the_layering_test_sees_imports():
    # the test itself can fail: the engine does import the contracts, lazily or not
    assert "diglot.contracts" in GRAPH["diglot.engine._run"]
    assert layer_of("diglot.server._app") == "server"
    assert "diglot.model" in GRAPH["diglot.server._faults"]
