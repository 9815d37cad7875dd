"""Sphinx configuration of the documentation site (``make docs``).

The pages are Markdown (MyST) so that they read well on GitHub too; the API reference is
generated from the docstrings by autodoc, which reads their ``:param x:`` fields natively.
The build runs without a network: no intersphinx; a reference to a name the site does not
document (another project's class, an internal module) is checked by importing it instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

# Autodoc imports the operators, and so Airflow: keep its home (airflow.cfg, logs) inside the build.
os.environ.setdefault("AIRFLOW_HOME", str(DOCS / "_build" / "airflow-home"))

import intacct_provider  # noqa: E402

project = "airflow-provider-sage-intacct"
author = "airflow-provider-sage-intacct developers"
copyright = "airflow-provider-sage-intacct developers"
release = version = intacct_provider.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "guides",  # docs/_ext/guides.py: the Guides toctree lists every page no other toctree lists
    "providerinfo",  # docs/_ext/providerinfo.py: the reference of every module get_provider_info() registers
    "pyrefs",  # docs/_ext/pyrefs.py: references to undocumented names are imported to check them
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext"]

# -- MyST: GitHub-style anchors ([text](page.md#a-heading)), fenced directives, tables
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# -- Autodoc: members in source order, type hints shown in signatures
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_default_options = {"show-inheritance": True}
add_module_names = False
python_maximum_signature_line_length = 100

# -- Every cross-reference must resolve (make docs runs with -n -W). Names nothing here documents
# (internal modules, Airflow's classes) are checked by importing them (docs/_ext/pyrefs.py); these
# three are Airflow's, imported only under TYPE_CHECKING where they appear (a DAG parse must not load
# them), so they cannot be.
nitpicky = True
nitpick_ignore = [("py:class", "Asset"), ("py:class", "Context"), ("py:class", "PokeReturnValue")]

# -- HTML: furo, search built in; no external fonts or scripts (the site works offline)
html_theme = "furo"
html_title = f"Sage Intacct provider {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "source_repository": "https://github.com/airflow-provider-sage-intacct/airflow-provider-sage-intacct/",
    "source_branch": "main",
    "source_directory": "docs/",
}


def dataclass_factories(app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, ret: Any) -> Any:
    """Show a dataclass field's ``default_factory`` as a call (``= dict()``).

    Python renders it as ``<factory>``, which is not Python: the signature would no longer
    parse, and Sphinx would split it at every comma (``tuple[str,`` / ``...]``).
    """
    if signature is None or "<factory>" not in signature or not dataclasses.is_dataclass(obj):
        return None
    for item in dataclasses.fields(obj):
        factory = item.default_factory
        if factory is not dataclasses.MISSING:
            made = getattr(factory, "__qualname__", "factory")
            signature = re.sub(rf"(\b{item.name}: [^=]*?)\s*=\s*<factory>", rf"\1 = {made}()", signature, count=1)
    return signature, ret


def operator_signatures(app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, ret: Any) -> Any:
    """Show an operator's own arguments rather than its metaclass's ``__call__(*args, **kwargs)``.

    Autodoc reads a class's signature from a metaclass ``__call__`` first; the operators' metaclass
    defines one (it turns a misspelt argument into a "did you mean" error), which would hide every
    argument. ``__init__`` is what users call.
    """
    if what != "class" or not inspect.isclass(obj) or type(obj).__call__ is type.__call__:
        return None
    from sphinx.util.inspect import signature as signature_of
    from sphinx.util.inspect import stringify_signature

    own = signature_of(obj.__init__, bound_method=True, type_aliases=app.config.autodoc_type_aliases)
    return stringify_signature(own, show_return_annotation=False), ret


def setup(app: Any) -> None:
    app.connect("autodoc-process-signature", dataclass_factories)
    app.connect("autodoc-process-signature", operator_signatures)
