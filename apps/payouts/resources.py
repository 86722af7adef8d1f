"""Payouts and batches out to spreadsheets (django-import-export): export only.

Nothing is imported: a payout is created only by a batch build (eligibility, caps and the
ledger reservation), and a result is recorded only through the settlement services (the
bank result file upload, ``reconcile_batch``). Method details appear as their hint
("IBAN DE89 …3000"), never decrypted. Cells that would start a spreadsheet formula (a
display name ``=HYPERLINK(...)``) are escaped (``apps.core.csv``).
"""

from __future__ import annotations

from import_export import fields, resources

from apps.core.csv import CsvSafeExportMixin

from .models import Payout, PayoutBatch
from .selectors.payouts import money


class PayoutResource(CsvSafeExportMixin, resources.ModelResource):
    batch = fields.Field(attribute="batch_id", column_name="batch_id")
    creator_id = fields.Field(attribute="creator_id", column_name="creator_id")
    creator = fields.Field(attribute="creator__display_name", column_name="creator")
    processor = fields.Field(attribute="method__processor__code", column_name="processor")
    method = fields.Field(attribute="method__details_hint", column_name="method")
    currency = fields.Field(attribute="currency_id", column_name="currency")
    amount = fields.Field(column_name="amount")
    fee = fields.Field(column_name="fee")
    creator_receives = fields.Field(column_name="creator_receives")

    class Meta:
        model = Payout
        fields = [
            "id",
            "batch",
            "creator_id",
            "creator",
            "processor",
            "method",
            "currency",
            "amount",
            "fee",
            "creator_receives",
            "state",
            "idempotency_key",
            "processor_reference",
            "failure_code",
            "failure_reason",
            "created_at",
            "submitted_at",
            "settled_at",
        ]
        export_order = fields

    def get_queryset(self):
        return Payout.objects.select_related("creator", "method__processor").order_by("id")

    def dehydrate_amount(self, payout: Payout) -> str:
        return money(payout.amount_minor, payout.currency_id)

    def dehydrate_fee(self, payout: Payout) -> str:
        return money(payout.fee_minor, payout.currency_id)

    def dehydrate_creator_receives(self, payout: Payout) -> str:
        return money(payout.amount_minor - payout.fee_minor, payout.currency_id)


class PayoutBatchResource(CsvSafeExportMixin, resources.ModelResource):
    processor = fields.Field(attribute="processor__code", column_name="processor")
    currency = fields.Field(attribute="currency_id", column_name="currency")
    total = fields.Field(column_name="total")
    fees = fields.Field(column_name="fees")
    built_by = fields.Field(attribute="built_by__email", column_name="built_by")
    approved_by = fields.Field(attribute="approved_by__email", column_name="approved_by")

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "processor",
            "currency",
            "status",
            "source",
            "payout_count",
            "total",
            "fees",
            "built_by",
            "approved_by",
            "auto_approved",
            "created_at",
            "approved_at",
            "submitted_at",
            "settled_at",
            "cancelled_at",
        ]
        export_order = fields

    def get_queryset(self):
        return PayoutBatch.objects.select_related("processor", "built_by", "approved_by")

    def dehydrate_total(self, batch: PayoutBatch) -> str:
        return money(batch.total_minor, batch.currency_id)

    def dehydrate_fees(self, batch: PayoutBatch) -> str:
        return money(batch.fee_total_minor, batch.currency_id)
