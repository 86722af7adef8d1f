from apps.core.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="integrations: process overdue webhook events",
        task="integrations.webhook_events_requeue_due",
        description=(
            "Processes webhook events still 'received' past their retry time (out-of-order "
            "refunds, unknown creators, transient errors) or never run because a broker "
            "message was lost. Safe to repeat: events are claimed before they run."
        ),
        every_seconds=60,
    ),
]
