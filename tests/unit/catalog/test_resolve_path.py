"""objects: registry names and raw Intacct paths resolve; typos fail naming the known objects."""

from __future__ import annotations

import pytest

from intacct_provider.catalog.registry import BILL, REGISTRY, resolve_path
from intacct_provider.exceptions import IntacctValidationError


@pytest.mark.parametrize(
    ("given", "path"),
    [("bill", "accounts-payable/bill"), (BILL, "accounts-payable/bill"), ("/objects/purchasing/document", "purchasing/document"),
     (" accounts-receivable/invoice/ ", "accounts-receivable/invoice")],
)  # fmt: skip
def test_resolves(given, path):
    assert resolve_path(given) == path


@pytest.mark.parametrize("given", ["bills", "a/b/c", "a/../b", "", "a/b?x=1"])
def test_typos_name_the_registry(given):
    with pytest.raises(IntacctValidationError, match="bill"):
        resolve_path(given)


def test_every_entry_is_reachable_by_name_and_path():
    for name, entry in REGISTRY.items():
        assert resolve_path(name) == resolve_path(entry.path) == entry.path
