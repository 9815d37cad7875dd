"""Operator extra links: from a task in the Airflow UI to its record in Intacct, or to its results file.

Airflow 3 shows a task's extra links as buttons on its task-instance page, as the dbt Cloud
provider's "Monitor Job Run". The link is pushed to XCom under the link's ``xcom_key`` while the
task runs, as soon as it is known, so the button works while a task is still running or after it
failed on a later step (a bill created, its submit refused); Airflow reads that key in the
api-server, and pushes the value ``get_link`` reads again when the task ends.

Only links Intacct gave are shown: a record's ``webURL``, which Sage's schemas list for bills,
invoices, journal entries, vendors, customers and payments. Sage documents no UI URL pattern to
build one from a key, so an object without ``webURL`` gets no link rather than a guessed one; a
value that is not an ``http(s)`` URL is never shown (a ``javascript:`` link in the UI would run
in the user's browser).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context
    from airflow.sdk.types import TaskInstanceKey


class _XComLink(BaseOperatorLink):
    """A link whose URL the task pushed to XCom under :attr:`xcom_key`."""

    name = ""
    xcom_key = ""

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.providers.common.compat.sdk import XCom

        value = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return value if isinstance(value, str) else ""


class IntacctRecordLink(_XComLink):
    """ "Intacct record": the record a create, get, update or workflow task is about (its ``webURL``)."""

    name = "Intacct record"
    xcom_key = "intacct_record_url"


class IntacctResultsFileLink(_XComLink):
    """ "Bulk results file": where a bulk task wrote one result line per input record."""

    name = "Bulk results file"
    xcom_key = "intacct_results_url"


def web_url(record: Any) -> str | None:
    """The record's ``webURL`` when it is an ``http(s)`` URL; ``None`` otherwise (no link beats a wrong one)."""
    value = record.get("webURL") if isinstance(record, dict) else None
    if not isinstance(value, str) or not value.lower().startswith(("https://", "http://")):
        return None
    if any(char.isspace() or ord(char) < 32 for char in value):
        return None
    return value


def has_web_url(path: str) -> bool:
    """Sage's record schema of ``path`` lists ``webURL``: reading the record is worth a link."""
    from intacct_provider import contract

    try:
        return "webURL" in contract.load_schema(path, "record").get("properties", {})
    except (KeyError, FileNotFoundError):
        return False


def push_link(context: Context, link: type[_XComLink], url: str | None) -> None:
    """Store ``url`` as the task's ``link`` (nothing when there is no URL).

    A task instance that keeps no XCom (an operator's ``execute`` called outside Airflow, in a
    script or a test) simply gets no link: a link never fails the work it points to.
    """
    push = getattr(context["ti"], "xcom_push", None)
    if url and push is not None:
        push(key=link.xcom_key, value=url)


def results_url(path: Any) -> str | None:
    """A results file as a link: a URI as it is (``s3://...``), a local path as ``file://``."""
    if path in (None, ""):
        return None
    text = str(path)
    return text if "://" in text else "file://" + text


def link_record(
    operator: Any, context: Context, path: str, key: Any, *, record: Any = None, fetch: bool = True
) -> None:
    """Push the "Intacct record" link of record ``key``: from ``record`` when given, else read it.

    Reading costs one request (Intacct bills it as an API transaction), made only when the
    object has a ``webURL`` and ``fetch`` (the operator's ``web_link``) is on. A failed read never
    fails a task whose work is done: it is logged, and the task has no link.
    """
    from intacct_provider.exceptions import IntacctError

    if record is None:
        if not fetch or not has_web_url(path):
            return
        try:
            record = operator.hook.get_record(path, str(key))
        except IntacctError as exc:
            operator.log.warning("No Intacct record link for %s %s: reading its webURL failed: %s", path, key, exc)
            return
    push_link(context, IntacctRecordLink, web_url(record))
