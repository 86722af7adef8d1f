"""Mass payout requests move from the integrations app to the payouts app, which builds their
batches: a new table with the same ids (so every batch keeps its request), naming the webhook
event by its source and id instead of a foreign key into the integrations app (integrations
calls payouts, not the other way round). The old table is dropped by
integrations 0004 once the rows are here."""

import django.db.models.deletion
from django.db import migrations, models


def copy_requests(apps, schema_editor):
    old = apps.get_model("integrations", "MassPayoutRequest")
    new = apps.get_model("payouts", "MassPayoutRequest")
    rows = [
        new(
            id=row.id,
            source=row.webhook_event.source,
            event_id=row.webhook_event.event_id,
            payload=row.payload,
            status=row.status,
            note=row.note,
            created_at=row.created_at,
            handled_at=row.handled_at,
        )
        for row in old.objects.select_related("webhook_event").order_by("id")
    ]
    new.objects.bulk_create(rows, batch_size=1000)
    if rows and schema_editor.connection.vendor == "postgresql":
        table = new._meta.db_table
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )


def copy_back(apps, schema_editor):
    old = apps.get_model("integrations", "MassPayoutRequest")
    new = apps.get_model("payouts", "MassPayoutRequest")
    event = apps.get_model("integrations", "WebhookEvent")
    for row in new.objects.order_by("id"):
        old.objects.create(
            id=row.id,
            webhook_event=event.objects.get(source=row.source, event_id=row.event_id),
            payload=row.payload,
            status=row.status,
            note=row.note,
            created_at=row.created_at,
            handled_at=row.handled_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0002_h5a_seed_processors"),
        ("integrations", "0003_ready_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="MassPayoutRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="Who sent the event (platform or network).", max_length=50
                    ),
                ),
                (
                    "event_id",
                    models.CharField(help_text="The event's id at its sender.", max_length=200),
                ),
                ("payload", models.JSONField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("recorded", "Recorded"),
                            ("handled", "Turned into batches"),
                            ("rejected", "Rejected"),
                        ],
                        default="recorded",
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("handled_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "event_id"), name="mass_payout_request_one_per_event"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_requests, copy_back),
        migrations.AlterField(
            model_name="payoutbatch",
            name="mass_payout_request",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="batches",
                to="payouts.masspayoutrequest",
            ),
        ),
    ]
