from apps.core.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="ledger: release pending earnings",
        task="ledger.release_pending",
        description=(
            "Moves earnings whose platform hold period is over from the creator's pending to "
            "available balance (one release entry per earning; safe to repeat)."
        ),
        every_seconds=300,
    ),
]
