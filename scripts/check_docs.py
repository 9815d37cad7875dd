"""Check the built documentation site against the package (run by ``make docs`` after Sphinx).

Sphinx with ``-n -W`` already refuses a reference to a page, heading or Python name that does not
exist. What it cannot know is what *should* be there. This script enumerates it from the package
itself and checks the built site:

1. every public operator, sensor, trigger, hook (and each public method of the hook),
   exception, the sandbox's handle with each of its methods, and the registry's classes and
   functions (``intacct_provider.objects``), is in the API reference
   (``objects.inv``) under any name: what is checked is the object, so a class documented where
   it is re-exported counts;
2. every exception of ``intacct_provider.exceptions`` has a row in the errors page's table, which
   says what it means and what to do, linked to its reference;
3. every link between pages of the built site points at a page and an anchor that exist;
4. every repository path the pages and README name (``tests/...``, ``example_dags/...``, GitHub
   links into this repository) exists;
5. every field of the connection form is on the connection page, and every flag of the
   sandbox's command line on the sandbox page.

Usage: ``python scripts/check_docs.py docs/_build/html``. Exit status 1 lists every problem.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
GITHUB = "https://github.com/airflow-provider-sage-intacct/airflow-provider-sage-intacct/"
#: Top-level folders of the repository whose paths pages may name.
REPO_FOLDERS = ("bench", "demo", "docs", "e2e", "example_dags", "intacct_provider", "requirements", "scripts", "tests")
ERRORS_PAGE = "errors.html"
EXCEPTIONS_PAGE = "api/exceptions.html"


# ------------------------------------------------------------------ what the package makes public
def registered_modules(kind: str) -> list[str]:
    """The ``python-modules`` Airflow learns from ``get_provider_info()`` for ``kind``."""
    from intacct_provider.get_provider_info import get_provider_info

    return [name for group in get_provider_info().get(kind, []) for name in group.get("python-modules", [])]


def classes_in(modules: list[str], base: type) -> dict[str, type]:
    """Public subclasses of ``base`` defined in ``modules`` (not merely imported there)."""
    found = {}
    for name in modules:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, base)
                and value.__module__ == name
                and not attribute.startswith("_")
            ):
                found[f"{name}.{attribute}"] = value
    return found


def exported(package: str) -> dict[str, Any]:
    """The names a package's ``__all__`` exports."""
    module = importlib.import_module(package)
    return {f"{package}.{name}": getattr(module, name) for name in getattr(module, "__all__", [])}


def public_methods(cls: type) -> dict[str, Any]:
    """Public methods and properties a class defines itself (what users call on a hook)."""
    kinds = (property, cached_property, classmethod, staticmethod)
    return {
        f"{cls.__module__}.{cls.__qualname__}.{name}": value
        for name, value in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, kinds))
    }


def public_surface() -> dict[str, dict[str, Any]]:
    """What the API reference must hold, by kind, enumerated from the package."""
    from airflow.sdk import BaseHook, BaseOperator
    from airflow.triggers.base import BaseTrigger

    from intacct_provider import exceptions

    operators = classes_in(registered_modules("operators"), BaseOperator) | exported("intacct_provider.operators")
    sensors = classes_in(registered_modules("sensors"), BaseOperator) | exported("intacct_provider.sensors")
    hooks = classes_in(registered_modules("hooks"), BaseHook)
    methods: dict[str, Any] = {}
    for hook in hooks.values():
        methods |= public_methods(hook)
    sandbox = {name: value for name, value in exported("intacct_provider.sandbox").items() if inspect.isclass(value)}
    for cls in list(sandbox.values()):
        sandbox |= public_methods(cls)
    return {
        "operator": operators,
        "sensor": sensors,
        "trigger": classes_in(registered_modules("triggers"), BaseTrigger),
        "hook": hooks,
        "hook method": methods,
        "exception": classes_in([exceptions.__name__], BaseException),
        "sandbox name": sandbox,
        "registry name": {
            name: value
            for name, value in exported("intacct_provider.objects").items()
            if inspect.isclass(value) or inspect.isfunction(value)
        },
    }


# ------------------------------------------------------------------ what the site documents
def inventory(html: Path) -> dict[str, str]:
    """``{name: uri}`` of every Python object in the site's ``objects.inv`` (Sphinx format 2)."""
    raw = (html / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # four text lines, then the zlib stream
        header_end = raw.index(b"\n", header_end) + 1
    entries = {}
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        match = re.match(r"(?x)(.+?)\s+(\S+):(\S+)\s+(-?\d+)\s+(\S+)\s+(.*)", line)
        if match and match.group(2) == "py":
            name, uri = match.group(1), match.group(5)
            entries[name] = uri.replace("$", name) if uri.endswith("$") else uri
    return entries


def resolve(dotted: str) -> Any:
    """The object a documented name stands for (``None`` if it cannot be imported)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            owner = value
            value = inspect.getattr_static(owner, name, None) if inspect.isclass(owner) else getattr(owner, name, None)
            if value is None:
                return None
        return value
    return None


def identity(value: Any) -> Any:
    """What makes two names the same object: the function behind a static/class method wrapper."""
    return getattr(value, "__func__", value)


def check_reference(html: Path) -> list[str]:
    documented = {id(identity(resolve(name))) for name in inventory(html)}
    problems = []
    for kind, members in public_surface().items():
        for name, value in sorted(members.items()):
            if id(identity(value)) not in documented:
                problems.append(f"API reference: public {kind} {name} is not documented (add it to docs/api/)")
    return problems


class _Links(HTMLParser):
    """Collects the ids of a page and the hrefs it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)
            if key == "href" and tag == "a" and value:
                self.hrefs.append(value)


def pages(html: Path) -> Iterator[Path]:
    for page in sorted(html.rglob("*.html")):
        if not page.relative_to(html).parts[0].startswith("_"):
            yield page


def parse(page: Path) -> _Links:
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def check_links(html: Path) -> list[str]:
    parsed = {page: parse(page) for page in pages(html)}
    problems = []
    for page, links in parsed.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue  # external: not fetched (no network in CI)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(html)}: link {href!r}"
            if not target.exists():
                problems.append(f"{where}: no such page")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: no anchor {parts.fragment!r} in {target.relative_to(html)}")
    return problems


class _FirstCells(HTMLParser):
    """The hrefs in the first cell of each table row: what a row is about."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self._cell = 0
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._cell = 0
        elif tag in ("td", "th"):
            self._cell += 1
            self._inside = self._cell == 1
        elif tag == "a" and self._inside:
            self.hrefs.extend(value for key, value in attrs if key == "href" and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._inside = False


def check_errors_page(html: Path) -> list[str]:
    """Every exception has a row of the errors table (what it means, what to do), linked to its reference."""
    from intacct_provider import exceptions

    page = html / ERRORS_PAGE
    if not page.exists():
        return [f"{ERRORS_PAGE}: missing"]
    rows = _FirstCells()
    rows.feed(page.read_text(encoding="utf-8"))
    linked = {urlsplit(href).fragment for href in rows.hrefs if urlsplit(href).path.endswith(EXCEPTIONS_PAGE)}
    return [
        f"{ERRORS_PAGE}: exception {name} has no row in the table of errors (docs/errors.md)"
        for name in sorted(classes_in([exceptions.__name__], BaseException))
        if name not in linked
    ]


# ------------------------------------------------------------------ the pages' words against the repository
def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)]


def named_paths(text: str) -> set[str]:
    """Repository paths a page names: in backticks, in links, or as GitHub links into this repository."""
    folders = "|".join(REPO_FOLDERS)
    found = set(re.findall(rf"`((?:{folders})/[^`\s]*)`", text))
    found |= set(re.findall(rf"\]\(\.\./((?:{folders})/[^)\s#]*)", text))
    found |= set(re.findall(re.escape(GITHUB) + r"(?:blob|tree)/main/([^)\s#`>]+)", text))
    return {path.rstrip(".,;:") for path in found if not re.search(r"[<>*{}$\[\]]|\.\.\.", path)}


def check_paths() -> list[str]:
    problems = []
    for source in markdown_files():
        for path in sorted(named_paths(source.read_text(encoding="utf-8"))):
            if not (REPO / path.split("::")[0]).exists():
                problems.append(f"{source.relative_to(REPO)}: names {path}, which does not exist")
    return problems


def sandbox_flags() -> set[str]:
    """The sandbox command line's flags, from its own ``--help``."""
    out = subprocess.run(
        [sys.executable, "-m", "intacct_provider.sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return set(re.findall(r"(--[a-z][a-z0-9-]+)", out)) - {"--help"}


def check_manual_pages() -> list[str]:
    from intacct_provider.get_provider_info import get_provider_info

    problems = []
    connection = (DOCS / "connection.md").read_text(encoding="utf-8")
    for conn_type in get_provider_info()["connection-types"]:
        for field in conn_type.get("conn-fields", {}):
            if f"`{field}`" not in connection:
                problems.append(f"docs/connection.md: connection field `{field}` is not described")
    sandbox = (DOCS / "sandbox.md").read_text(encoding="utf-8")
    for flag in sorted(sandbox_flags()):
        if not re.search(rf"`{re.escape(flag)}[` ]", sandbox):
            problems.append(f"docs/sandbox.md: sandbox flag `{flag}` is not described")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    html = Path(argv[1])
    # The package imports Airflow: keep its home (airflow.cfg, a SQLite file) inside the build, as conf.py does.
    os.environ.setdefault("AIRFLOW_HOME", str(DOCS / "_build" / "airflow-home"))
    problems = [
        *check_reference(html),
        *check_errors_page(html),
        *check_links(html),
        *check_paths(),
        *check_manual_pages(),
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    checked = len(list(pages(html)))
    print(f"check_docs: {checked} pages, {len(inventory(html))} documented names, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
