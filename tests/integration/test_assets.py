"""Intacct Assets: the URI scheme, operator events, and a downstream DAG triggered by the sync."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pendulum
import pytest
from airflow.sdk import DAG, Asset
from airflow.sdk.execution_time.context import OutletEventAccessors

from intacct_provider.assets import asset_uri, intacct_asset, parse_asset_uri, writes_extra
from intacct_provider.exceptions import IntacctConfigError, IntacctValidationError
from intacct_provider.get_provider_info import get_provider_info
from intacct_provider.operators import (
    IntacctCreateVendorOperator,
    IntacctListBillsOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
)

COMPANY = "SANDBOX-CO"  # the sandbox's company id
BILLS_URI = f"intacct://{COMPANY}/accounts-payable/bill"


def context():
    return {
        "ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1),
        "outlet_events": OutletEventAccessors(),
    }


def extra_of(ctx, asset):
    return ctx["outlet_events"][asset].extra


# ---------------------------------------------------------------- the URI scheme
def test_scheme_is_registered_with_airflow():
    (entry,) = get_provider_info()["asset-uris"]
    assert entry["schemes"] == ["intacct"]
    from airflow.sdk.definitions.asset import _get_uri_normalizer

    assert _get_uri_normalizer("intacct").__module__ == "intacct_provider.assets"


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("intacct://ACME/bill", "intacct://ACME/accounts-payable/bill"),
        ("intacct://ACME/accounts-payable/bill/", "intacct://ACME/accounts-payable/bill"),
        ("INTACCT://ACME/accounts-payable/bill?entity=US", "intacct://ACME/accounts-payable/bill?entity=US"),
        ("intacct://ACME/accounts-payable/bill?entity=", "intacct://ACME/accounts-payable/bill"),
        ("intacct://ACME/purchasing/document#x", "intacct://ACME/purchasing/document"),
    ],
)
def test_airflow_normalizes_intacct_uris(written, normalized):
    assert Asset(written).uri == normalized


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("intacct://ACME/bills", "did you mean 'bill'?"),
        ("intacct:///accounts-payable/bill", "company id as its host"),
        ("intacct://user@ACME/accounts-payable/bill", "company id as its host"),
        ("intacct://ACME/accounts-payable/bill?entty=US", "got 'entty' — did you mean 'entity'?"),
        ("intacct://ACME/a/b/c", "Intacct path like"),
    ],
)
def test_malformed_uris_fail_at_parse_time(uri, message):
    with pytest.raises(ValueError, match=message):
        Asset(uri)


def test_helper_and_parser_round_trip():
    assert asset_uri("ACME", "bill") == "intacct://ACME/accounts-payable/bill"
    asset = intacct_asset("ACME", "invoice", entity="UK")
    assert asset.uri == "intacct://ACME/accounts-receivable/invoice?entity=UK"
    assert parse_asset_uri(asset.uri) == ("ACME", "accounts-receivable/invoice", "UK")
    assert parse_asset_uri("s3://bucket/key") is None
    with pytest.raises(IntacctValidationError, match="company_id"):
        intacct_asset("ACME/US", "bill")


def test_write_extra_is_bounded():
    assert writes_extra(["1", "2"]) == {"keys": ["1", "2"], "count": 2}
    big = writes_extra([str(n) for n in range(250)])
    assert big["count"] == 250 and len(big["keys"]) == 100 and big["keys_truncated"] is True


# ---------------------------------------------------------------- operators
def test_emit_asset_declares_the_outlet_at_parse_time():
    with DAG("assets_parse", schedule=None, default_args={"asset_company_id": COMPANY}):
        query = IntacctQueryOperator(task_id="q", object="bill", emit_asset=True)
        vendor = IntacctCreateVendorOperator(task_id="v", vendor_id="V-1", name="n", emit_asset=True)
        update = IntacctUpdateRecordOperator(
            task_id="u", object="accounts-payable/bill", key="1", changes={"a": 1}, emit_asset=True
        )
        plain = IntacctQueryOperator(task_id="p", object="bill")
    assert [o.uri for o in query.outlets] == [BILLS_URI]
    assert [o.uri for o in vendor.outlets] == [f"intacct://{COMPANY}/accounts-payable/vendor"]
    assert [o.uri for o in update.outlets] == [BILLS_URI]
    assert plain.outlets == []


def test_emit_asset_needs_a_company_known_at_parse_time():
    with pytest.raises(IntacctValidationError, match="asset_company_id"):
        IntacctQueryOperator(task_id="q", object="bill", emit_asset=True)
    with pytest.raises(IntacctValidationError, match="asset_company_id"):
        IntacctQueryOperator(task_id="q", object="bill", emit_asset=True, asset_company_id="{{ var.value.co }}")
    with pytest.raises(IntacctValidationError, match="outlets=\\[intacct_asset"):
        IntacctQueryOperator(task_id="q", object="{{ params.o }}", emit_asset=True, asset_company_id=COMPANY)


def test_list_operators_do_not_take_asset_arguments():
    with pytest.raises(IntacctValidationError, match="unknown argument 'emit_asset'"):
        IntacctListBillsOperator(task_id="l", emit_asset=True)


def test_query_event_extra_names_count_window_and_file(intacct_sandbox, intacct_conn, tmp_path):
    op = IntacctQueryOperator(
        task_id="q",
        object="bill",
        fields=["id"],
        modified_since="2026-03-11T00:00:00Z",
        modified_until="2026-03-12T00:00:00Z",
        output_path=str(tmp_path / "bills.jsonl"),
        emit_asset=True,
        asset_company_id=COMPANY,
    )
    ctx = context()
    result = op.execute(ctx)
    lines = (tmp_path / "bills.jsonl").read_text().splitlines()
    assert result["count"] == len(lines) > 0
    assert extra_of(ctx, op.outlets[0]) == {
        "count": len(lines),
        "window": ["2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"],
        "path": str(tmp_path / "bills.jsonl"),
    }


def test_user_outlets_get_the_event_too(intacct_sandbox, intacct_conn):
    asset = intacct_asset(COMPANY, "bill")
    other = Asset("s3://lake/bills")
    op = IntacctQueryOperator(task_id="q", object="bill", max_records=3, outlets=[asset, other])
    ctx = context()
    rows = op.execute(ctx)
    assert extra_of(ctx, asset) == {"count": len(rows), "window": [None, None], "path": None}  # no window: everything
    assert extra_of(ctx, other) == {}  # not ours to describe


def test_writes_emit_their_record_keys(intacct_sandbox, intacct_conn):
    ctx = context()
    create = IntacctCreateVendorOperator(
        task_id="v", vendor_id="V-ASSET", name="Asset Vendor", emit_asset=True, asset_company_id=COMPANY
    )
    key = create.execute(ctx)["ia::result"]["key"]
    assert extra_of(ctx, create.outlets[0]) == {"keys": [key], "count": 1}
    ctx = context()
    update = IntacctUpdateRecordOperator(
        task_id="u", object="vendor", key=key, changes={"name": "Renamed"}, emit_asset=True, asset_company_id=COMPANY
    )
    update.execute(ctx)
    assert extra_of(ctx, update.outlets[0]) == {"keys": [key], "count": 1}


def test_an_asset_of_another_company_fails_before_any_request(intacct_sandbox, intacct_conn):
    op = IntacctQueryOperator(task_id="q", object="bill", emit_asset=True, asset_company_id="PRODUCTION-CO")
    with pytest.raises(IntacctConfigError, match=r"PRODUCTION-CO.*not the connection's data.*'SANDBOX-CO'"):
        op.execute(context())
    entity = IntacctCreateVendorOperator(
        task_id="v", vendor_id="V-9", name="n", emit_asset=True, asset_company_id=COMPANY, asset_entity="US"
    )
    with pytest.raises(IntacctConfigError, match=r"entity=US.*top level"):
        entity.execute(context())
    assert intacct_sandbox.requests == []


def test_an_asset_of_another_object_is_refused(intacct_sandbox, intacct_conn):
    op = IntacctQueryOperator(task_id="q", object="bill", outlets=[intacct_asset(COMPANY, "invoice")])
    with pytest.raises(IntacctValidationError, match="outlets: expected Intacct assets of accounts-payable/bill"):
        op.execute(context())
    assert intacct_sandbox.requests == []


def test_entity_assets_match_an_entity_connection(intacct_sandbox, intacct_conn):
    intacct_conn(entity_id="US")
    op = IntacctQueryOperator(
        task_id="q", object="bill", max_records=2, emit_asset=True, asset_company_id=COMPANY, asset_entity="US"
    )
    ctx = context()
    rows = op.execute(ctx)
    assert op.outlets[0].uri == f"{BILLS_URI}?entity=US"
    assert extra_of(ctx, op.outlets[0])["count"] == len(rows)


# ---------------------------------------------------------------- the asset-triggered DAG
def _sync_dags_folder() -> None:
    """Write every DAG of the DAGs folder to the metadata DB, as the dag-processor does."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)


def _set_paused(session, dag_id: str, paused: bool) -> None:
    from airflow.models.dag import DagModel
    from sqlalchemy import update

    session.execute(update(DagModel).where(DagModel.dag_id == dag_id).values(is_paused=paused))


def test_the_bill_sync_triggers_the_ageing_report(run_dag, intacct_sandbox, airflow_db, tmp_path, monkeypatch):
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType
    from sqlalchemy import delete, select

    report = "intacct_ap_ageing_report"
    _sync_dags_folder()
    with create_session() as session:
        _set_paused(session, report, False)  # as a user switches the DAG on
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == report))
        # Earlier tests in this session ran the sync too; the report would consume their events as well.
        bill_asset_ids = select(AssetModel.id).where(AssetModel.uri == BILLS_URI)
        session.execute(delete(AssetEvent).where(AssetEvent.asset_id.in_(bill_asset_ids)))
    try:
        dag_run, xcoms = run_dag(
            "intacct_daily_ap_ar_sync",
            conf={"base_path": str(tmp_path), "lookback_seconds": 3600},
            logical_date=pendulum.datetime(2026, 3, 12, tz="UTC"),  # covers 2026-03-11, a day with bills
        )
        assert dag_run.state == "success"
        synced = xcoms["sync_bills"]
        assert synced["count"] > 0

        with create_session() as session:
            bills = session.scalar(select(AssetModel).where(AssetModel.uri == BILLS_URI))
            event = session.scalars(
                select(AssetEvent)
                .where(AssetEvent.asset_id == bills.id, AssetEvent.source_run_id == dag_run.run_id)
                .order_by(AssetEvent.id.desc())
            ).first()
            assert event is not None, "the sync recorded no event for the bill asset"
            assert event.source_task_id == "sync_bills"
            assert event.extra == {"count": synced["count"], "window": synced["window"], "path": synced["path"]}
            queued = session.scalars(select(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == report)).all()
            assert [q.asset_id for q in queued] == [bills.id]

            # The scheduler's own decision: the report's asset condition is met, and it creates the run.
            query, triggered = DagModel.dags_needing_dagruns(session)
            due = [dm for dm in query.all() if dm.dag_id in triggered]
            assert [dm.dag_id for dm in due] == [report]
            SchedulerJobRunner(job=Job())._create_dag_runs_asset_triggered(dag_models=due, session=session)
            session.flush()
            run = session.scalars(select(DagRun).where(DagRun.dag_id == report).order_by(DagRun.id.desc())).first()
            assert run.run_type == DagRunType.ASSET_TRIGGERED
            assert event.id in [e.id for e in run.consumed_asset_events]
            run_id = run.run_id

        # Run the run the scheduler created, in process (dag.test's task loop, our DagRun).
        with create_session() as session:
            run = session.scalar(select(DagRun).where(DagRun.run_id == run_id, DagRun.dag_id == report))
            run.state = DagRunState.RUNNING

        def the_scheduled_run(*, dag, session, **_):
            found = session.scalar(select(DagRun).where(DagRun.run_id == run_id, DagRun.dag_id == report))
            found.dag = dag
            return found

        monkeypatch.setattr("airflow.models.dagrun.get_or_create_dagrun", the_scheduled_run)
        report_run, report_xcoms = run_dag(report)
        assert report_run.run_id == run_id and report_run.state == "success"
        summary = report_xcoms["ageing_report"]
        with open(synced["path"]) as handle:
            rows = [json.loads(line) for line in handle]
        assert summary["files"] == [synced["path"]]
        assert summary["bills"] == len(rows) == synced["count"]
        assert summary["as_of"] == "2026-03-12"
        in_sandbox = {r["key"]: r for r in intacct_sandbox.records("accounts-payable/bill")}
        expected_due = sum(float(in_sandbox[r["key"]]["totalTxnAmountDue"]) for r in rows)
        assert sum(float(v) for v in summary["due_by_age"].values()) == pytest.approx(expected_due)
    finally:
        with create_session() as session:
            _set_paused(session, report, True)
