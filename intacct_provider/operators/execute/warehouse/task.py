"""What the warehouse operators run: their arguments checked, one load or tie-out, the outcome reported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intacct_provider.exceptions import IntacctTieOutError
from intacct_provider.operators.execute.outlets import emit_assets, intacct_outlets
from intacct_provider.operators.execute.warehouse.run import LoadTask, TieOutTask

if TYPE_CHECKING:
    from airflow.sdk import Context


def run_load(operator: Any, context: Context) -> dict[str, Any]:
    """``IntacctToSqlOperator.execute``: every argument checked before any request or connection, then one load."""
    task = LoadTask.check(operator)
    assets = intacct_outlets(operator, task.path)
    result, operator.table_lineage = task.run(operator.hook)
    operator.log.info(
        "Loaded %s into %s: %d rows read, %d inserted, %d updated, %d deleted (window %s)",
        task.path, result["table"], result["rows"], result["inserted"], result["updated"], result["deleted"],
        result["window"],
    )  # fmt: skip
    emit_assets(context, assets, result)
    return result


def run_tie_out(operator: Any, context: Context) -> dict[str, Any]:
    """``IntacctTieOutOperator.execute``: the comparison, then success, a warning or a failure that keeps its XCom."""
    task = TieOutTask.check(operator)
    tie, result, operator.table_lineage = task.run(operator.hook)
    where = f"{task.path} vs table {task.display_table}"
    if tie.ties_out:
        operator.log.info("%s ties out: %s", where, tie.summary())
        return result
    message = f"{where} does not tie out: {tie.summary()}\n{tie.report()}"
    if task.on_mismatch == "warn":
        operator.log.warning("%s", message)
        return result
    ti = context.get("ti")
    if ti is not None:  # the result stays readable after the failure (a failed task returns nothing)
        ti.xcom_push(key="tie_out", value=result)
    raise IntacctTieOutError(message, result)
