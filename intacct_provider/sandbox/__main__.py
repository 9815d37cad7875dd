"""``python -m intacct_provider.sandbox``: serve a sandbox until SIGINT/SIGTERM.

The first stdout line is the base URL and the second the Airflow connection JSON, both flushed
at once, so a parent process (``make demo``, a test) can read them and start talking.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .audit import OBJECT_ID_FIELDS, PERMISSIONS
from .handle import IntacctSandbox
from .model import OWNED_LISTS
from .readings import BILL_APPROVE_STATES, PAYMENT_FLOWS, PAYMENT_REVERSE_STATES
from .seed import SEEDS
from .state import (
    BULK_SHAPES,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_COMPANY_ID,
    DEFAULT_TOKEN_TTL,
    DEFAULT_USER_ID,
    MODEL_SERVICE,
    MODEL_UNKNOWN,
    RELATIONSHIP_ID,
    RELATIONSHIP_MISSING_STATUS,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m intacct_provider.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", choices=SEEDS, default="demo")
    parser.add_argument("--seed-scale", type=int, default=1, help="multiplies the generated demo records")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every API request")
    parser.add_argument("--max-concurrency", type=int, default=None, help="429 beyond N requests in flight")
    parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, help="access token lifetime (s)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--company-id", default=DEFAULT_COMPANY_ID)
    parser.add_argument("--user-id", default=DEFAULT_USER_ID)
    parser.add_argument("--invalid-token-status", type=int, choices=(401, 400), default=401)
    parser.add_argument(
        "--require-document-numbers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="billNumber/invoiceNumber required (no document sequencing, the default); off: numbers generated",
    )
    parser.add_argument(
        "--idempotency",
        choices=("conflict", "replay"),
        default="conflict",
        help="reuse of an Idempotency-Key: always 409 (default), or replay the first answer for the same body",
    )
    parser.add_argument(
        "--id-semantics",
        choices=("key", "number"),
        default="key",
        help="a bill's/invoice's/journal entry's id: its key (default, the spec) or its document number",
    )
    parser.add_argument(
        "--bill-approval",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="bills need approval: submit leads to submitted (the default); off: straight to posted",
    )
    parser.add_argument(
        "--bill-approve-state",
        choices=BILL_APPROVE_STATES,
        default="approved",
        help="what a bill's approve leads to: approved (the answer's enum, default) or posted (the description)",
    )
    parser.add_argument(
        "--payment-flow",
        choices=PAYMENT_FLOWS,
        default="print",
        help="AP payment after submit: print (approve, print, confirm; paid out when confirmed; default), "
        "approval (paid out once approved) or direct (submit confirms it)",
    )
    parser.add_argument(
        "--payment-reverse-state",
        choices=PAYMENT_REVERSE_STATES,
        default="voided",
        help="what reversing a confirmed AP payment leaves: voided (the state enum, default) "
        "or reversed (the reverse answer)",
    )
    parser.add_argument(
        "--tenant",
        metavar="FILE",
        default=None,
        help="a JSON file of the company's custom fields, custom objects and user-defined dimensions "
        "(format: intacct_provider/sandbox/tenant.py; example: intacct_provider/sandbox/tenants/example.json)",
    )
    parser.add_argument(
        "--model-service",
        choices=MODEL_SERVICE,
        default="open",
        help="'forbidden': the model service answers 403 (a user without permission for it)",
    )
    parser.add_argument(
        "--model-unknown",
        choices=MODEL_UNKNOWN,
        default="empty",
        help="how the model service answers a name it does not know: [] (default, the spec) or a 404 'error'",
    )
    parser.add_argument(
        "--owned-lists",
        choices=OWNED_LISTS,
        default="reference",
        help="how a model lists an object's lines: 'reference' (default: it names the owned object, "
        "e.g. accounts-payable/payment-detail, whose own model describes them) or 'inline'",
    )
    parser.add_argument(
        "--relationship-id",
        choices=RELATIONSHIP_ID,
        default="refused",
        help="whether a custom relationship may be written by id: 'refused' (default: key only) or 'accepted'",
    )
    parser.add_argument(
        "--relationship-missing-status",
        type=int,
        choices=RELATIONSHIP_MISSING_STATUS,
        default=422,
        help="the status refusing a custom relationship that names no record: 422 (default) or 400",
    )
    parser.add_argument(
        "--bulk-result-shape",
        choices=BULK_SHAPES,
        default="composite",
        help="per-record shape of a mixed (207) bulk answer",
    )
    parser.add_argument(
        "--audit-object-id",
        choices=OBJECT_ID_FIELDS,
        default="key",
        help="what the audit trail's objectId holds: the record's key (default) or its id",
    )
    parser.add_argument(
        "--audit-trail",
        choices=PERMISSIONS,
        default="allowed",
        help="whether the API user may read company-config/audit-history (refused: 403)",
    )
    parser.add_argument(
        "--null-modified-stamps",
        action="store_true",
        help="a new record's audit.modifiedDateTime stays null until it is first modified",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        sandbox = build(args)
    except ValueError as exc:  # a tenant file that cannot describe a company, an impossible setting
        print(f"python -m intacct_provider.sandbox: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with sandbox:
        print(sandbox.base_url, flush=True)
        print(sandbox.connection_json(), flush=True)
        while not stopping.wait(0.2):
            pass
    return 0


def build(args: argparse.Namespace) -> IntacctSandbox:
    """The sandbox the arguments describe (not started)."""
    return IntacctSandbox(
        host=args.host,
        port=args.port,
        seed=args.seed,
        seed_scale=args.seed_scale,
        latency_ms=args.latency_ms,
        max_concurrency=args.max_concurrency,
        token_ttl=args.token_ttl,
        client_id=args.client_id,
        client_secret=args.client_secret,
        company_id=args.company_id,
        user_id=args.user_id,
        invalid_token_status=args.invalid_token_status,
        require_document_numbers=args.require_document_numbers,
        idempotency=args.idempotency,
        id_semantics=args.id_semantics,
        bill_approval=args.bill_approval,
        bill_approve_state=args.bill_approve_state,
        payment_flow=args.payment_flow,
        payment_reverse_state=args.payment_reverse_state,
        bulk_result_shape=args.bulk_result_shape,
        audit_object_id=args.audit_object_id,
        audit_trail=args.audit_trail,
        null_modified_stamps=args.null_modified_stamps,
        tenant=args.tenant,
        model_service=args.model_service,
        model_unknown=args.model_unknown,
        owned_lists=args.owned_lists,
        relationship_id=args.relationship_id,
        relationship_missing_status=args.relationship_missing_status,
    )


if __name__ == "__main__":
    sys.exit(main())
