"""What a running task pushes for its extra links: the record's ``webURL``, the results file's URL.

The links themselves (:mod:`intacct_provider.operators.links`) are declared with the operators;
their URLs are pushed to XCom here, as soon as a task knows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.operators.links import IntacctRecordLink

if TYPE_CHECKING:
    from airflow.sdk import Context

    from intacct_provider.operators.links import XComLink


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


def push_link(context: Context, link: type[XComLink], url: str | None) -> None:
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
