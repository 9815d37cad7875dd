"""The package's folders are its layers: no import circles, and no module imports a layer above its own.

Every module of ``intacct_provider`` is parsed (not imported) and every import counts: at the top,
inside functions and under ``TYPE_CHECKING`` alike, because a type-only circle still ties two
modules together for every reader and every refactoring. CONTRIBUTING.md draws the same layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import intacct_provider

PACKAGE = Path(intacct_provider.__file__).parent
ROOT = "intacct_provider"

#: From the bottom up; a module may import its own layer and the layers below it.
#: (module or package, layer); the package root itself (``__version__``) is layer 0 too.
LAYERS: tuple[tuple[str, int], ...] = (
    # what everything may use: the version, the provider metadata, the errors, Sage's schemas as data
    (f"{ROOT}.get_provider_info", 0),
    (f"{ROOT}.exceptions", 0),
    (f"{ROOT}.contract", 0),
    # what describes Intacct's objects and checks arguments; ``objects`` is the registry's public face
    (f"{ROOT}.catalog", 1),
    (f"{ROOT}.objects", 1),
    # pure rules; ``assets`` holds the public intacct:// URI functions, pure as well
    (f"{ROOT}.core", 2),
    (f"{ROOT}.assets", 2),
    (f"{ROOT}.hooks", 3),
    (f"{ROOT}.operators", 4),
    (f"{ROOT}.sensors", 5),
    (f"{ROOT}.triggers", 5),
)
LAYER_NAMES = {0: "root/contract", 1: "catalog", 2: "core", 3: "hooks", 4: "operators", 5: "sensors/triggers"}
SANDBOX = f"{ROOT}.sandbox"
#: The sandbox is the other side of the wire: it must not lean on the client it is there to test.
SANDBOX_MUST_NOT_IMPORT = (f"{ROOT}.hooks", f"{ROOT}.operators", f"{ROOT}.sensors", f"{ROOT}.triggers")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The package's modules that ``name`` imports anywhere in its text.

    ``from package import module`` names the module; ``from module import thing`` the module.
    Implicit imports of parent packages are not edges: every submodule "imports" its package's
    ``__init__`` that way, which is how packages work, not a circle.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names
            ]
        else:
            continue
        yield from (target for target in targets if target in known and target != name)


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: set(imported(name, path, known)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(name: str) -> int | None:
    if name == ROOT:
        return 0
    return next((layer for prefix, layer in LAYERS if is_within(name, prefix)), None)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_parser_sees_every_kind_of_import(graph):
    """Guards the guard: a function-level, a TYPE_CHECKING and a relative import are all edges."""
    assert f"{ROOT}.hooks.intacct" in graph[f"{ROOT}.operators.base"]  # inside a function (and TYPE_CHECKING)
    assert f"{ROOT}.catalog.registry" in graph[f"{ROOT}.assets"]  # at the top
    assert f"{ROOT}.sandbox.errors" in graph[f"{ROOT}.sandbox.store"]  # relative
    assert f"{ROOT}.core.answers" in graph[f"{ROOT}.hooks.intacct"]  # ``from package import module``


def test_cycle_finder_reports_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_one_that_imports_it_back(graph):
    found = cycles(graph)
    assert not found, "import circles (type-only imports included):\n" + "\n".join(
        " <-> ".join(component) for component in found
    )


def test_every_provider_module_sits_in_a_layer(graph):
    homeless = sorted(name for name in graph if not is_within(name, SANDBOX) and layer_of(name) is None)
    assert not homeless, f"modules outside every layer (move them into a layer folder): {homeless}"


def test_no_module_imports_a_higher_layer(graph):
    upward = []
    for name, targets in sorted(graph.items()):
        own = layer_of(name)
        if own is None or is_within(name, SANDBOX):
            continue
        for target in sorted(targets):
            theirs = layer_of(target)
            if is_within(target, SANDBOX):
                upward.append(f"{name} imports the sandbox {target}")
            elif theirs is not None and theirs > own:
                upward.append(f"{name} ({LAYER_NAMES[own]}) imports {target} ({LAYER_NAMES[theirs]})")
    assert not upward, "imports of a higher layer:\n" + "\n".join(upward)


def test_the_sandbox_imports_nothing_of_the_client(graph):
    leaning = [
        f"{name} imports {target}"
        for name, targets in sorted(graph.items())
        if is_within(name, SANDBOX)
        for target in sorted(targets)
        if any(is_within(target, prefix) for prefix in SANDBOX_MUST_NOT_IMPORT)
    ]
    assert not leaning, "the sandbox leans on the client:\n" + "\n".join(leaning)


#: What runs only when a task runs; a DAG parse (importing the operators and sensors) must load none of it.
TASK_TIME = (
    f"{ROOT}.operators.execute",
    f"{ROOT}.sensors.execute",
    f"{ROOT}.hooks",
    f"{ROOT}.catalog",
    f"{ROOT}.triggers",
    f"{ROOT}.exceptions",
)


def test_task_time_code_leans_on_no_operator_declaration(graph):
    """``operators/execute`` is what the operators run: it reads them (as ``Any``), never imports them back.

    The link classes are the one exception: a running task pushes its URL under their XCom key.
    """
    allowed = {f"{ROOT}.operators.links"}
    leaning = [
        f"{name} imports {target}"
        for name, targets in sorted(graph.items())
        if is_within(name, f"{ROOT}.operators.execute") or name == f"{ROOT}.sensors.execute"
        for target in sorted(targets)
        if (is_within(target, f"{ROOT}.operators") or is_within(target, f"{ROOT}.sensors"))
        and not is_within(target, f"{ROOT}.operators.execute")
        and target not in allowed
    ]
    assert not leaning, "task-time code importing an operator declaration:\n" + "\n".join(leaning)


def test_a_dag_parse_loads_no_task_time_module():
    """Importing every operator and sensor (what a DAG file does) leaves the task-time code unloaded."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys; import intacct_provider.operators, intacct_provider.sensors; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    pulled = sorted(name for name in loaded if any(is_within(name, prefix) for prefix in TASK_TIME))
    assert f"{ROOT}.operators.create" in loaded  # guards the guard: the declarations did load
    assert not pulled, f"a DAG parse loads task-time modules: {pulled}"
