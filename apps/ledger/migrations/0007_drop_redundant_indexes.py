"""Drop three single-column indexes that composite indexes already lead with:
``journalentry(creator_id)`` (covered by ``(creator_id, occurred_at)``),
``journalentry(platform_id)`` (covered by ``(platform_id, source_type, source_id)``) and
``posting(account_id)`` (covered by ``(account_id, occurred_at) INCLUDE (amount)``). Every
index is maintained on each insert, so each one dropped makes every posting cheaper.

Only the indexes are dropped (a plain ``DROP INDEX``): Django's AlterField would also drop and
re-validate the foreign keys, a scan of the whole posting table. On SQLite the state changes
only (its table rebuild would drop the ledger triggers).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = (
    "ledger_journalentry_creator_id_ce09055c",
    "ledger_journalentry_platform_id_9543ed26",
    "ledger_posting_account_id_964f801d",
)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table, column in zip(
            INDEXES,
            ("ledger_journalentry", "ledger_journalentry", "ledger_posting"),
            ("creator_id", "platform_id", "account_id"),
            strict=True,
        ):
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("creators", "0002_initial"),
        ("platforms", "0002_core_platforms"),
        ("ledger", "0006_set_based_batch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="journalentry",
                    name="creator",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="creators.creator",
                    ),
                ),
                migrations.AlterField(
                    model_name="journalentry",
                    name="platform",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="platforms.platform",
                    ),
                ),
                migrations.AlterField(
                    model_name="posting",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="postings",
                        to="ledger.account",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
