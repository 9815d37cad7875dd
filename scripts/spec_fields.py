"""Fields Sage's OpenAPI specification documents that the contract facts file does not list.

``intacct-objects.json`` (the facts in ``../shared/docs/contract/``) summarises each object and
leaves out fields nobody needed then: a bill's ``billBackTemplate``, ``dispute`` and ``refuse``, an
AP payment's ``exchangeRate``.  A body naming one of them was refused before sending although
Intacct accepts it.  The entries below were read in the specification itself (Sage's
``accounts-payable.json``, copy in ``lorenz-bus-service/node-intacct-rest-api`` at commit
``1dcbea36``, schemas ``objects.accounts-payable.bill``, ``...bill-line``, ``...payment`` and
``...payment-detail``), flag for flag: ``ro`` readOnly, ``wo`` writeOnly, ``null`` nullable,
``dep`` deprecated.  :mod:`build_contract` adds them where the facts are silent (the facts win
where both speak), so the schemas carry every documented field of the objects they describe:
writable ones are accepted on create and update, read-only ones are queryable.
"""

from __future__ import annotations

from typing import Any

SPEC = "spec accounts-payable.json#/components/schemas/objects.accounts-payable."

_FLAGS = {"ro": "readOnly", "wo": "writeOnly", "null": "nullable", "dep": "deprecated"}


def _field(schema: str, type_: str, flags: str = "", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": type_, "required": False, "readOnly": False}
    for flag in flags.split():
        entry[_FLAGS[flag]] = True
    entry.update(extra)
    entry["source"] = SPEC + schema
    return entry


def _fields(schema: str, rows: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """``(name, type, flags, extra...)`` rows as facts entries of ``schema``."""
    result = {}
    for row in rows:
        name, type_, flags, *rest = row
        result[name] = _field(schema, type_, flags, **(rest[0] if rest else {}))
    return result


DECIMAL = {"format": "decimal-precision-2"}
DATE = {"format": "date"}

_DISPUTE_REASONS = [
    None, "other", "bankDetailsError", "incorrectVATRate", "incorrectTotalAmount", "invoiceCalculationError",
    "legalNoticeMissing", "duplicateInvoice", "errorInRecipientInformation", "unknownTransaction", "issuerUnknown",
    "contractCompleted", "doubleInvoice", "orderNumberIncorrectOrMissing", "incorrectEmailBillingAddress",
    "incorrectOrMissingSiretNumber", "routingCodeMissingOrIncorrect", "contractualReferenceRequired",
    "incorrectReference", "incorrectUnitPrices", "incorrectDiscount", "incorrectQuantityBilled",
    "itemBilledIncorrectly", "incorrectPaymentMethod", "incorrectQualityOfItemDelivered", "deliveryProblem",
]  # fmt: skip
_REFUSAL_REASONS = [
    None, "incorrectVATRate", "incorrectTotalAmount", "invoiceCalculationError", "legalNoticeMissing",
    "duplicateInvoice", "errorInRecipientInformation", "unknownTransaction", "issuerUnknown", "contractCompleted",
    "doubleInvoice", "orderNumberIncorrectOrMissing", "incorrectEmailBillingAddress", "contractualReferenceRequired",
]  # fmt: skip


def _reference(prefix: str, flags: str = "null") -> list[tuple[Any, ...]]:
    """``{key, id, href}`` of a reference: key and id as flagged, href always read-only."""
    return [(f"{prefix}.key", "string", flags), (f"{prefix}.id", "string", flags), (f"{prefix}.href", "string", "ro")]


_BILL = _fields(
    "bill",
    [
        ("vendor.form1099.type", "string", "ro null"),
        ("vendor.form1099.box", "string", "ro null"),
        ("vendor.form1099.vendorTypeForm1099Type", "string", "ro null"),
        ("term.href", "string", "ro"),
        ("purchasing.id", "string", "null dep"),
        ("purchasing.key", "string", "ro dep"),
        ("purchasing.href", "string", "ro dep"),
        ("purchasingDocument.href", "string", "ro"),
        ("recurringSchedule.id", "string", "ro null"),
        ("recurringSchedule.href", "string", "ro"),
        ("contacts.payTo.href", "string", "ro"),
        ("contacts.payTo.tax.taxId", "string", "ro null"),
        ("contacts.payTo.tax.group.key", "string", "ro null"),
        ("contacts.payTo.tax.group.id", "string", "ro null"),
        ("contacts.payTo.tax.group.href", "string", "ro"),
        ("contacts.returnTo.href", "string", "ro"),
        ("taxSolution.showMultiLineTax", "string", "ro null"),
        ("taxSolution.taxCalculationMethod", "string", "ro null"),
        ("taxSolution.method", "string", "ro null dep"),
        ("taxSolution.href", "string", "ro"),
        ("importErrorMessage", "string", "ro"),
        ("recipientEmail", "string", "ro"),
        ("senderEmail", "string", "ro"),
        ("billSummary.name", "string", "ro"),
        ("billSummary.isSummaryPosted", "string", "ro"),
        ("billSummary.href", "string", "ro"),
        ("retainage.defaultPercentage", "string", "ro null", DECIMAL),
        ("retainage.totalTxnAmountReleased", "string", "ro", DECIMAL),
        ("retainage.totalBaseAmountRetained", "string", "ro", DECIMAL),
        ("billBackTemplate.key", "string", ""),
        ("billBackTemplate.id", "string", ""),
        ("billBackTemplate.enableInterEntityPostings", "boolean", "ro", {"default": True}),
        ("billBackTemplate.href", "string", "ro"),
        ("attachment.href", "string", "ro"),
        ("customerRefund.key", "string", "ro null"),
        ("customerRefund.id", "string", "ro null"),
        ("customerRefund.href", "string", "ro"),
        ("dispute.reason", "string", "null", {"enum": _DISPUTE_REASONS, "notes": "France e-invoicing only"}),
        ("dispute.notes", "string", ""),
        ("refuse.reason", "string", "null", {"enum": _REFUSAL_REASONS, "notes": "France e-invoicing only"}),
        ("refuse.notes", "string", ""),
    ],
)

_BILL_LINE = _fields(
    "bill-line",
    [
        ("vendor.href", "string", "ro"),
        ("glAccount.href", "string", "ro"),
        ("overrideOffsetGLAccount.name", "string", "ro"),
        ("overrideOffsetGLAccount.href", "string", "ro"),
        ("accountLabel.href", "string", "ro"),
        ("allocation.href", "string", "ro"),
        ("currency.exchangeRate.date", "string", "ro null", DATE),
        ("currency.exchangeRate.rate", "number", "ro null"),
        ("currency.exchangeRate.typeId", "string", "ro null"),
        ("retainage.hasRetainage", "boolean", "ro null"),
        ("retainage.percentage", "string", "ro null", DECIMAL),
        ("retainage.baseAmountRetained", "string", "ro null", DECIMAL),
        ("retainage.txnAmountRetained", "string", "ro null", DECIMAL),
        ("retainage.txnAmountReleased", "string", "ro null", DECIMAL),
        ("retainage.release", "boolean", "ro null"),
        ("baseLocation.id", "string", "ro"),
        ("baseLocation.href", "string", "ro"),
        ("fixedAsset.nameOfAcquiredAsset", "string", "null"),
        ("fixedAsset.includeTaxInAssetCost", "boolean", "", {"default": False}),
        ("fixedAsset.assetQuantity", "number", "null"),
        ("fixedAsset.cipAsset.name", "string", "ro null"),
        *_reference("fixedAsset.cipAsset"),
        ("fixedAsset.assetClassification.name", "string", "ro null"),
        *_reference("fixedAsset.assetClassification"),
        *_reference("amortizationTemplate"),
        *_reference("purchasing.document"),
        *_reference("purchasing.documentLine"),
    ],
)

_PAYMENT = _fields(
    "payment",
    [
        ("financialEntity.baseAmount", "string", "ro", DECIMAL),
        ("financialEntity.currency", "string", "ro"),
        ("financialEntity.baseCurrency", "string", "ro"),
        ("paymentSummary.key", "string", "ro"),
        ("paymentSummary.id", "string", "ro"),
        ("paymentSummary.name", "string", "ro"),
        ("paymentSummary.postingDate", "string", "ro", DATE),
        ("paymentSummary.href", "string", "ro"),
        ("exchangeRate.date", "string", "null", DATE),
        ("exchangeRate.rate", "string", "ro null"),
        ("exchangeRate.typeId", "string", "null"),
        *_reference("paymentProvider", "ro"),
        *_reference("payTo", "ro"),
        ("taxSolution.key", "string", "ro null"),
        ("taxSolution.id", "string", "ro null"),
        ("taxSolution.taxCalculationMethod", "string", "ro null"),
        ("taxSolution.href", "string", "ro"),
        ("vendor.href", "string", "ro"),
        ("vendor.entity", "string", "ro"),
        ("paymentSubmitter", "string", "ro"),
        *_reference("jointPayee", "ro null"),
        ("jointPayee.name", "string", "ro null"),
        ("jointPayee.printAs", "string", "ro null"),
        *_reference("bankFile", "ro"),
    ],
)

_PAYMENT_DETAIL = _fields(
    "payment-detail",
    [
        ("baseCurrency.inlineAmount", "string", "ro null", DECIMAL),
        ("baseCurrency.discountAmount", "string", "ro null", DECIMAL),
        ("baseCurrency.adjustmentAmount", "string", "ro null", DECIMAL),
        ("baseCurrency.postedAdvanceAmount", "string", "ro null", DECIMAL),
        *_reference("apDebitAdjustment"),
        *_reference("apDebitAdjustmentLine"),
        ("billLine.href", "string", "ro"),
        ("apPayment.id", "string", ""),
        ("apPayment.href", "string", "ro"),
        ("apPaymentLine.id", "string", ""),
        ("apPaymentLine.href", "string", "ro"),
        *_reference("inlineBill"),
        *_reference("inlineBillLine"),
        *_reference("apCreditAdjustment"),
        *_reference("apCreditAdjustmentLine"),
        *_reference("apAdvance"),
        *_reference("apAdvanceLine"),
        *_reference("apPostedAdvance", "ro null"),
        *_reference("apPostedAdvanceLine", "ro null"),
        *_reference("jointPayee", "ro null"),
        ("jointPayee.printAs", "string", "ro null"),
    ],
)

#: Object path -> ``{"fields": header fields, "lines"|"details": line fields}`` (dotted names).
SPEC_FIELDS: dict[str, dict[str, dict[str, dict[str, Any]]]] = {
    "accounts-payable/bill": {"fields": _BILL, "lines": _BILL_LINE},
    "accounts-payable/payment": {"fields": _PAYMENT, "details": _PAYMENT_DETAIL},
}
