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


@pytest.mark.parametrize(
    "given",
    ["nsp::cip_asset", "platform-apps/nsp::cip_asset", "/objects/platform-apps/nsp::cip_asset", " nsp::cip_asset "],
)
def test_custom_objects_resolve_to_platform_apps(given):
    assert resolve_path(given) == "platform-apps/nsp::cip_asset"


@pytest.mark.parametrize("given", ["nsp::", "nsp::a b", "nsp::x/y", "nsp::9lives", "platform-apps/nsp::a-b"])
def test_malformed_custom_objects_are_refused(given):
    with pytest.raises(IntacctValidationError, match="platform-apps/nsp::cip_asset"):
        resolve_path(given)


def test_a_custom_object_has_an_entry_keyed_by_id():
    from intacct_provider.catalog.identity import NaturalKey
    from intacct_provider.catalog.registry import entry, is_custom_object, lookup

    found = entry("nsp::cip_asset")
    assert found.path == found.name == "platform-apps/nsp::cip_asset"
    assert found.payload is None and found.list_key == "records"
    key = NaturalKey(found.natural_key)
    assert key.filters([key.of({"id": "10004", "name": "x"})]) == [{"$eq": {"id": "10004"}}]
    assert key.of({"name": "x"}) is None  # Intacct numbers it: settled by content
    assert is_custom_object("nsp::cip_asset") and not is_custom_object("bill")
    assert lookup("purchasing/document") is None  # another unregistered path stays unregistered
    with pytest.raises(IntacctValidationError, match="custom object"):
        entry("purchasing/document")
