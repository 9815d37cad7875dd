"""``{guides}``: a toctree of every top-level page that no other toctree of its document lists.

Guides arrive one page at a time (custom fields, deletions, warehouse loads, tie-outs...), each
``docs/<topic>.md`` written beside the capability it documents. Listing them by hand in the index
would leave a new page out of the navigation (or in it twice, which Sphinx warns about); this
directive lists whatever is left, sorted by file name, so a new page needs no index edit.

The entries are filled in on ``doctree-read`` just before Sphinx collects toctrees, when every
other toctree of the document is known, wherever the ``{guides}`` directive stands in it.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.directives.other import TocTree
from sphinx.environment import BuildEnvironment

MARK = "intacct_guides"


class GuidesDirective(TocTree):
    """A toctree (same options) whose entries are computed; it takes no content of its own."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        wrapper = super().run()
        for toctree in wrapper[0].findall(addnodes.toctree):
            toctree[MARK] = True
        return wrapper


def fill_guides(app: Sphinx, doctree: nodes.document) -> None:
    """Give each ``{guides}`` toctree the top-level pages the document's other toctrees leave out."""
    env = app.env
    docname = env.current_document.docname
    toctrees = list(doctree.findall(addnodes.toctree))
    marked = [t for t in toctrees if t.get(MARK)]
    if not marked:
        return
    listed = {name for t in toctrees for name in t["includefiles"]}
    pages = sorted(d for d in env.found_docs if "/" not in d and d != docname and d not in listed)
    for toctree in marked:
        toctree["entries"] = [(None, page) for page in pages]
        toctree["includefiles"] = list(pages)


def reread_index(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """A page added or removed changes what the Guides toctree lists: read the root page again."""
    return [app.config.root_doc] if added or removed else []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("guides", GuidesDirective)
    # Before the toctree collector (priority 500) records the document's entries.
    app.connect("doctree-read", fill_guides, priority=400)
    app.connect("env-get-outdated", reread_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
