"""Python cross-references outside the API reference: checked to exist, shown as code.

The API reference documents the public surface (operators, sensors, triggers, the hook,
exceptions, assets, the registry, the sandbox). Docstrings and signatures also name internal
modules and classes (``QuerySpec``, ``hooks.transport``, a mixin among an operator's bases):
worth naming, not worth a page each, and they move between folders. Nitpicky mode would
reject each as an unresolved reference. Instead, a reference to a name under
``intacct_provider`` that is not documented is imported here: if it exists it is rendered as
plain code without a warning; if it does not (a typo, a renamed class) the warning stays and
``make docs`` fails. The same holds for other projects' names (``airflow.sdk.Context``,
``urllib.parse.SplitResult``): without a network there are no intersphinx inventories, so they
are checked by importing them instead of linked.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def resolve(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute reachable from one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(value, name):
                return False
            value = getattr(value, name)
        return True
    return False


def candidates(target: str, module: str | None, cls: str | None) -> list[str]:
    """The full names a reference may mean, as the Python domain searches them."""
    if target.startswith("."):
        # Relative to the current module, as in an import statement (``.faults`` beside ``.handle``).
        if not module:
            return []
        depth = len(target) - len(target.lstrip("."))
        base = module.split(".")[:-depth] if depth <= module.count(".") else []
        return [".".join([*base, target.lstrip(".")])] if base else []
    names = [target]
    if module:
        names.append(f"{module}.{target}")
        if cls:
            names.append(f"{module}.{cls}.{target}")
    return names


def internal_reference(app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element) -> Any:
    """Render a reference nothing documents as its text, if the name it means exists."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~")
    for name in candidates(target, node.get("py:module"), node.get("py:class")):
        if "." in name and resolve(name):
            return contnode
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", internal_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
