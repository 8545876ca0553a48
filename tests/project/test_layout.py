"""The layout ARCHITECTURE.md draws: imports run one way, the heavy libraries have one home each, tests by area."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "coach"
TESTS = REPO_ROOT / "tests"

# The only modules that may import each heavy library (ARCHITECTURE.md, DESIGN.md: ~10 s / ~7 s imports).
HEAVY_HOMES = {
    "litellm": {"coach.interviewer.llm"},
    "gradio": {"coach.web.ui", "coach.web.ui_progress"},
    "faster_whisper": {"coach.speech.transcribe"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(body: list[ast.stmt], load_time_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements in ``body``; with ``load_time_only``, only those run when the module loads."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif load_time_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif load_time_only and isinstance(node, ast.If) and _is_type_checking(node):
            yield from _import_nodes(node.orelse, load_time_only)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _import_nodes([c for c in children if isinstance(c, ast.stmt)] + [
                        s for c in children if isinstance(c, (ast.ExceptHandler, ast.match_case)) for s in c.body
                    ], load_time_only)


def _imported(path: Path, module: str, load_time_only: bool, modules: frozenset[str] = frozenset()) -> set[str]:
    """Full names ``module`` imports: ``from a import b`` is ``a.b`` when that is one of ``modules``, else ``a``."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8")).body, load_time_only):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return names


def _graph(modules: dict[str, Path], load_time_only: bool) -> dict[str, set[str]]:
    graph = {}
    known = frozenset(modules)
    for name, path in modules.items():
        graph[name] = {target for target in _imported(path, name, load_time_only, known) if target in modules} - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle in ``graph`` as a path that ends where it starts, or [] when there is none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def _part(module: str) -> str:
    """A module's part: its sub-package (coach.scoring, …), or the module itself at the top of coach/."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_the_graph_helpers_find_a_cycle_and_a_type_checking_import(tmp_path: Path) -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nimport x\nif TYPE_CHECKING:\n    import y\n"
                      "def f():\n    import z\ntry:\n    import w\nexcept ImportError:\n    import v\n", "utf-8")
    assert _imported(source, "m", load_time_only=True) == {"typing", "x", "w", "v"}
    assert {"y", "z"} <= _imported(source, "m", load_time_only=False)


def test_no_module_imports_itself_back_when_loading() -> None:
    cycle = _cycle(_graph(_modules(), load_time_only=True))
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_the_parts_of_coach_import_one_way_even_lazily() -> None:
    # Every import counts here, inside functions and under TYPE_CHECKING too: a part may use another
    # only if that one never uses it back (ARCHITECTURE.md draws the direction).
    parts: dict[str, set[str]] = {}
    for module, targets in _graph(_modules(), load_time_only=False).items():
        parts.setdefault(_part(module), set()).update(_part(t) for t in targets if _part(t) != _part(module))
    cycle = _cycle(parts)
    assert not cycle, "parts import each other: " + " -> ".join(cycle)


def test_only_the_named_modules_import_litellm_gradio_faster_whisper() -> None:
    importers: dict[str, set[str]] = {lib: set() for lib in HEAVY_HOMES}
    for module, path in _modules().items():
        for name in _imported(path, module, load_time_only=False):  # ``from gradio import x`` counts as gradio
            if name.split(".")[0] in importers:
                importers[name.split(".")[0]].add(module)
    assert importers == HEAVY_HOMES


def test_at_most_a_dozen_modules_at_the_top_of_coach() -> None:
    # __init__ (the public API) and __main__ (python -m coach) are the package's own; the rest are parts.
    top = sorted(path.name for path in PACKAGE.glob("*.py") if path.name not in {"__init__.py", "__main__.py"})
    assert len(top) <= 12, top


def test_every_test_lives_in_an_area_and_helpers_in_support() -> None:
    assert not sorted(path.name for path in TESTS.glob("test_*.py")), "put it in an area folder"
    folders = {path.parent for path in TESTS.rglob("*.py")}
    assert all((folder / "__init__.py").is_file() for folder in folders), "every tests folder is a package"
    assert not list((TESTS / "support").glob("test_*.py")), "tests/support/ holds helpers, not tests"
    for folder in folders - {TESTS, TESTS / "support"}:
        helpers = {p.name for p in folder.glob("*.py")} - {"__init__.py"} - {p.name for p in folder.glob("test_*.py")}
        assert not helpers, f"{folder.name}: helpers go to tests/support/: {sorted(helpers)}"
