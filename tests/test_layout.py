"""The code's shape: no import cycles anywhere (imports inside functions count), small modules,
and an engine that stays free of Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "desktop")
MAX_LINES = 400
ROOM = 30  # lines a module keeps free below the cap


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every project module `name` imports, at any depth of its code (functions, TYPE_CHECKING)."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in known and t != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def _path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One cycle through `component`, as the imports that close it: a -> b -> ... -> a."""
    inside = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & inside):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    return component


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    # A package's __init__ re-exporting its children is not a cycle of the children.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    return graph


def test_no_import_cycles() -> None:
    """Stricter than Python needs: an import inside a function closes a cycle too, so no module
    leans on being imported second."""
    graph = _graph()
    cycles = [" -> ".join(_path(graph, c)) for c in _cycles(graph)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("import b\n")
    b = tmp_path / "b.py"
    b.write_text("def f():\n    import a\n")
    graph = {"a": _imports("a", a, {"a", "b"}), "b": _imports("b", b, {"a", "b"})}
    assert _cycles(graph) == [["a", "b"]]


def test_cycle_finder_names_the_path_of_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    [component] = _cycles(graph)
    assert _path(graph, component) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_is_small(name: str) -> None:
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_has_room_to_grow(name: str) -> None:
    """A module near the cap is split where its jobs part before it must be squeezed to fit."""
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES - ROOM, f"{name} has {lines} lines, within {ROOM} of {MAX_LINES}"


def test_engine_imports_no_qt() -> None:
    code = "import sys, core.library, core.evaluate; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


README_MAX_LINES = 350


def test_readme_is_a_users_guide() -> None:
    """The README stays a guide a newcomer reads through; designs and figures live in docs/."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    for name in ("design.md", "benchmarks.md", "limits.md", "development.md"):
        assert (ROOT / "docs" / name).is_file(), f"docs/{name} is missing"


def test_every_benchmark_section_names_its_command() -> None:
    """A figure without the command that produced it cannot be checked or reproduced."""
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    assert sections, "docs/benchmarks.md has no sections"
    for section in sections:
        title = section.splitlines()[0]
        assert "Command" in section or "`python " in section, f"'{title}' names no command"
