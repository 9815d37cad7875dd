"""Every ```python block of README.md and docs/ runs here, so no example in the docs can go stale.

Each block runs as a module of its own inside a DAG context, as a snippet of a DAG file would: its
operators are constructed the way Airflow constructs them when it parses a DAG, so a renamed
operator, a misspelt or removed argument, or a wrong import fails here (with the closest name).
A block that defines ``test_*`` functions is a test in its own right (the sandbox page's pytest
example): each is called with the fixtures its parameters name, as pytest would call it. The
README's example DAG, the first code a user copies, runs end to end against the sandbox.

Longer examples are not ```python blocks: the pages include them from ``example_dags/``, which
``tests/dags/test_example_dags.py`` runs end to end.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

REPO = Path(__file__).resolve().parents[2]
#: A fenced block's opening line: its fence (``` or longer, or ~~~) and its language.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")


def documents() -> list[Path]:
    docs = REPO / "docs"
    pages = sorted(p for p in docs.rglob("*.md") if "_build" not in p.relative_to(docs).parts)
    return [REPO / "README.md", *pages]


def python_blocks(text: str) -> Iterator[tuple[int, str]]:
    """``(line of the block's first code line, code)`` of each ```python fence (indented ones too)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        if opening["info"] in ("python", "py", "python3"):
            body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
            yield i + 2, "\n".join(body) + "\n"
        i = end + 1


def examples() -> list[Any]:
    found = []
    for document in documents():
        for line, code in python_blocks(document.read_text(encoding="utf-8")):
            where = f"{document.relative_to(REPO)}:{line}"
            found.append(pytest.param(document, line, code, id=where))
    return found


EXAMPLES = examples()


def test_the_docs_have_python_examples():
    """The collector finds the blocks (a broken fence pattern would silently test nothing)."""
    pages = {param.values[0].name for param in EXAMPLES}
    assert {"README.md", "operators.md", "sandbox.md"} <= pages


def run_block(document: Path, line: int, code: str, folder: Path | None = None) -> types.ModuleType:
    """Run one block as a module inside a DAG, its lines numbered as in the Markdown file.

    Without ``folder`` the code runs from memory and tracebacks name the Markdown file. A block
    whose tests run their DAG with ``dag.test()`` is written to ``folder`` (the DAGs folder) and
    imported from there: Airflow runs only DAGs whose file lies in its DAGs folder.
    """
    from airflow.sdk import DAG

    slug = re.sub(r"\W+", "_", f"{document.stem}_{line}")
    name = f"docs_example_{slug}"
    padded = "\n" * (line - 1) + code
    module = types.ModuleType(name)
    module.__file__ = str(document)
    if folder is not None:
        module.__file__ = str(folder / f"{name}.py")
        Path(module.__file__).write_text(padded, encoding="utf-8")
    compiled = compile(padded, module.__file__, "exec")
    with DAG(dag_id=name, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
        exec(compiled, module.__dict__)  # noqa: S102 - the repository's own documentation
    return module


def defines_tests(code: str) -> bool:
    return re.search(r"^def test_\w+\(", code, re.MULTILINE) is not None


def dags_in(module: types.ModuleType) -> list[Any]:
    from airflow.sdk import DAG

    return [value for value in vars(module).values() if isinstance(value, DAG)]


@pytest.mark.parametrize(("document", "line", "code"), EXAMPLES)
def test_example_runs(document: Path, line: int, code: str, request: pytest.FixtureRequest):
    runs_dags = document.name == "README.md" and re.search(r"^with DAG\(", code, re.MULTILINE) is not None
    if not defines_tests(code) and not runs_dags:
        run_block(document, line, code)
        return
    # Airflow runs only DAGs whose file lies in its DAGs folder, with a metadata DB.
    folder = Path(request.getfixturevalue("airflow_db")) / "dags"
    module = run_block(document, line, code, folder)
    try:
        if runs_dags:
            request.getfixturevalue("intacct_conn")  # sage_intacct_default -> the sandbox
            dags = [dag for dag in dags_in(module) if dag.dag_id != module.__name__]
            assert dags, f"{document.name}:{line}: the block defines no DAG"
            for dag in dags:
                assert dag.test().state == "success", f"{dag.dag_id} failed against the sandbox"
        tests = [
            value
            for name, value in vars(module).items()
            if name.startswith("test_") and inspect.isfunction(value) and value.__module__ == module.__name__
        ]
        assert tests or runs_dags, f"{document.name}:{line}: a block that defines test functions ran none"
        for test in tests:
            test(**{name: request.getfixturevalue(name) for name in inspect.signature(test).parameters})
    finally:
        Path(module.__file__ or "").unlink(missing_ok=True)
