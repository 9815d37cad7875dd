"""links: only an http(s) webURL Intacct gave becomes a link; results files as URIs; the registration."""

from __future__ import annotations

import pytest

from intacct_provider.get_provider_info import get_provider_info
from intacct_provider.operators.execute.links import has_web_url, results_url, web_url
from intacct_provider.operators.links import IntacctRecordLink, IntacctResultsFileLink


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"webURL": "https://www.intacct.com/ia/acct/ur.phtml?.r=abc"},
            "https://www.intacct.com/ia/acct/ur.phtml?.r=abc",
        ),
        (
            {"webURL": "http://127.0.0.1:8765/ia/api/v1/sandbox/records/accounts-payable/bill/2001"},
            "http://127.0.0.1:8765/ia/api/v1/sandbox/records/accounts-payable/bill/2001",
        ),
        ({"webURL": "javascript:alert(1)"}, None),
        ({"webURL": "https://x.test/a\nb"}, None),
        ({"webURL": ""}, None),
        ({"webURL": None}, None),
        ({"key": "1"}, None),
        (None, None),
    ],
)
def test_only_an_http_web_url_is_a_link(record, expected):
    assert web_url(record) == expected


def test_objects_link_where_sages_schema_has_a_web_url():
    assert has_web_url("accounts-payable/bill") and has_web_url("accounts-payable/vendor")
    assert has_web_url("accounts-payable/payment")
    assert not has_web_url("general-ledger/account")  # no webURL in Sage's schema: no request, no link
    assert not has_web_url("custom/thing")


@pytest.mark.parametrize(
    ("path", "expected"),
    [(None, None), ("", None), ("/tmp/r.jsonl", "file:///tmp/r.jsonl"), ("s3://b/r.jsonl", "s3://b/r.jsonl")],
)
def test_results_file_links(path, expected):
    assert results_url(path) == expected


def test_links_are_registered_with_airflow():
    registered = get_provider_info()["extra-links"]
    assert registered == [
        "intacct_provider.operators.links.IntacctRecordLink",
        "intacct_provider.operators.links.IntacctResultsFileLink",
    ]
    assert (IntacctRecordLink().name, IntacctRecordLink().xcom_key) == ("Intacct record", "intacct_record_url")
    assert IntacctResultsFileLink().xcom_key == "intacct_results_url"
