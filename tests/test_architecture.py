"""The contracts of the package's layout: which parts may import Qt, and no import cycles."""

import ast
import subprocess
import sys
from pathlib import Path

import gmm_viz

PACKAGE = Path(gmm_viz.__file__).parent

#: The parts that never import Qt: they are tested, and used by the headless commands,
#: without it.
QT_FREE = ["gmm_viz.engine", "gmm_viz.data", "gmm_viz.run.session", "gmm_viz.run.history",
           "gmm_viz.run.describe", "gmm_viz.run.run_file", "gmm_viz.scenarios",
           "gmm_viz.palette", "gmm_viz.files", "gmm_viz.limits", "gmm_viz.progress",
           "gmm_viz.bulk", "gmm_viz.json_stream", "gmm_viz.selection", "gmm_viz.colour_vision",
           "gmm_viz.run.agreement", "gmm_viz.inspect"]

# Imports every Qt-free part and uses each the way the headless commands do (a run played
# and saved, opened again, a scenario made), then lists the Qt modules that got loaded.
_USE_WITHOUT_QT = """
import importlib, sys, tempfile, os
for name in {names!r}:
    importlib.import_module(name)
from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.run.run_file import generator_source, load_run, save_run
from gmm_viz.run.session import RunSession
from gmm_viz.scenarios import get_scenario, scenario_names

dataset = make_dataset("moons", n_samples=200, random_state=0)
session = RunSession(dataset, EMConfig(n_components=2, max_iter=10), soft_colours=True)
snapshots = session.run_to_end()
session.seek(3)
session.frame()
path = os.path.join(tempfile.mkdtemp(), "run.json")
save_run(path, session.config, generator_source("moons", 200, 0), snapshots, X=dataset.X)
load_run(path)
get_scenario(scenario_names()[0]).data.make()
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PyQt6", "PyQt5", "PySide6",
                                                          "pyqtgraph", "sip"))
print(",".join(qt))
"""


def test_the_engine_data_run_session_scenarios_and_run_files_import_no_qt():
    script = _USE_WITHOUT_QT.format(names=QT_FREE)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt was imported: {result.stdout.strip()}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict:
    """Every module of the package, by dotted name: its source file."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str, modules: dict) -> set:
    """The package's modules that ``name`` imports (anywhere in it, also in functions).

    ``from a.b import c`` names the module ``a.b.c`` when there is one, else ``a.b``.
    Relative imports are resolved against ``name``'s package.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict) -> list:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_cycle_among_the_package_modules():
    modules = _modules()
    graph = {name: _imports(path, name, modules) for name, path in modules.items()}
    assert len(graph) > 40  # the whole package was read
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    # The test above can fail: a loop through three modules is found, a chain is not.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_gui_never_imports_the_command_line_or_the_benchmarks():
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("gmm_viz.gui"):
            bad = {m for m in _imports(path, name, modules)
                   if m.startswith(("gmm_viz.cli", "gmm_viz.bench"))}
            assert not bad, f"{name} imports {sorted(bad)}"
