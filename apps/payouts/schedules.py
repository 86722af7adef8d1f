"""Periodic tasks of the payouts app (written to django-celery-beat by
``python manage.py setup_periodic_tasks``; the times are editable in the admin)."""

from apps.core.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="payouts: build scheduled batches",
        task="payouts.build_batches",
        description=(
            "Builds draft payout batches (per processor and currency) of every creator whose "
            "schedule is due and who is eligible; reserves each payout's money. A finance user "
            "then approves each batch (four-eyes). Safe to repeat: creators with an open payout "
            "are skipped."
        ),
        crontab={"minute": "0", "hour": "6"},
    ),
    PeriodicTaskSpec(
        name="payouts: handle mass payout requests",
        task="payouts.handle_mass_payout_requests",
        description=(
            "Turns recorded mass_payout_initiated requests from the central platform into draft "
            "batches (or rejects them, with the reason in their note)."
        ),
        every_seconds=300,
    ),
    # Submission (H5b):
    PeriodicTaskSpec(
        name="payouts: submit due payouts",
        task="payouts.submit_due",
        description=(
            "Sends payouts of submitted batches whose retry time has come (transient processor "
            "errors, exponential backoff) or whose worker died mid-call (re-sent with the same "
            "idempotency key: the processor answers with the transfer it already made), and "
            "settles batches whose last payout closed. Safe to repeat: payouts are claimed "
            "before they are sent."
        ),
        every_seconds=60,
    ),
]
