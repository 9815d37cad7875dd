"""The registry of Intacct objects, as users see it: ``register(IntacctObject(...))``, ``BILL``, ...

The registry itself lives in :mod:`intacct_provider.catalog.registry`; this module is its
public face, so a DAG's import does not change when the package's folders do.
"""

from intacct_provider.catalog.registry import (
    AP_PAYMENT,
    BILL,
    CUSTOMER,
    GL_ACCOUNT,
    INVOICE,
    JOURNAL_ENTRY,
    REGISTRY,
    VENDOR,
    IntacctObject,
    Workflow,
    register,
    resolve_path,
)

__all__ = [
    "AP_PAYMENT",
    "BILL",
    "CUSTOMER",
    "GL_ACCOUNT",
    "INVOICE",
    "JOURNAL_ENTRY",
    "REGISTRY",
    "VENDOR",
    "IntacctObject",
    "Workflow",
    "register",
    "resolve_path",
]
