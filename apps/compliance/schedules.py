"""Periodic tasks of the compliance app (written to django-celery-beat by
``python manage.py setup_periodic_tasks``; the times are editable in the admin)."""

from apps.core.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="compliance: expire KYC verifications",
        task="compliance.expire_kyc",
        description=(
            "Marks approved KYC verifications whose expiry date has passed as expired and "
            "derives each creator's KYC level again (it may drop, lowering the payout limit; "
            "the platforms are told). Safe to repeat: a second run expires nothing."
        ),
        crontab={"minute": "15", "hour": "0"},
    ),
    PeriodicTaskSpec(
        name="compliance: daily scan",
        task="compliance.scan",
        description=(
            "Warns creators whose age verification expires within 15 days (email and a banner, "
            "once per expiry date), expires KYC verifications and derives levels again, and "
            "opens violations for what the scan rules find (expired age verification with "
            "earnings still arriving, payouts over the KYC limit, incomplete 2257 records). "
            "Safe to repeat: a second run sends and opens nothing."
        ),
        crontab={"minute": "30", "hour": "0"},
    ),
    PeriodicTaskSpec(
        name="compliance: process overdue KYC provider events",
        task="compliance.kyc_provider_events_requeue_due",
        description=(
            "Processes KYC provider webhook results still waiting past their retry time (an "
            "expiry that arrived before its approval) or never run because a broker message "
            "was lost. Safe to repeat: each event is claimed before it runs and applied once."
        ),
        every_seconds=60,
    ),
]
