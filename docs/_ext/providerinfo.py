"""``{provider-modules} <kind>``: the API reference of every module the provider registers.

Airflow learns the provider's operators, sensors, triggers and hooks from the ``python-modules``
of ``get_provider_info()``. This directive documents exactly those modules (``automodule`` with
``:members:``), so a module registered there is in the reference without editing a page, and a
module missing there is missing from Airflow's view too.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

KINDS = ("operators", "sensors", "triggers", "hooks")


def registered_modules(kind: str) -> list[str]:
    """The ``python-modules`` of every integration under ``kind`` in the provider info, in order."""
    from intacct_provider.get_provider_info import get_provider_info

    modules: list[str] = []
    for group in get_provider_info().get(kind, []):
        modules.extend(name for name in group.get("python-modules", []) if name not in modules)
    return modules


class ProviderModules(SphinxDirective):
    """Expand into ``.. automodule:: <module>`` with ``:members:`` for each registered module."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in KINDS:
            raise self.error(f"provider-modules: expected one of {', '.join(KINDS)}, got {kind!r}")
        modules = registered_modules(kind)
        if not modules:
            raise self.error(f"provider-modules: get_provider_info() registers no {kind}")
        source, line = self.get_source_info()
        lines = StringList()
        for module in modules:
            # A rubric per module: its docstring then reads as the introduction of what follows.
            for text in (f".. rubric:: {module}", "", f".. automodule:: {module}", "   :members:", ""):
                lines.append(text, source, line)
        return nested_parse_to_nodes(self.state, lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("provider-modules", ProviderModules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
