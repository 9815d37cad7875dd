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
in the user's browser). What a running task pushes is :mod:`intacct_provider.operators.execute.links`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


class XComLink(BaseOperatorLink):
    """A link whose URL the task pushed to XCom under :attr:`xcom_key`."""

    name = ""
    xcom_key = ""

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.providers.common.compat.sdk import XCom

        value = XCom.get_value(key=self.xcom_key, ti_key=ti_key)
        return value if isinstance(value, str) else ""


class IntacctRecordLink(XComLink):
    """ "Intacct record": the record a create, get, update or workflow task is about (its ``webURL``)."""

    name = "Intacct record"
    xcom_key = "intacct_record_url"


class IntacctResultsFileLink(XComLink):
    """ "Bulk results file": where a bulk task wrote one result line per input record."""

    name = "Bulk results file"
    xcom_key = "intacct_results_url"
