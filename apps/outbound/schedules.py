from apps.core.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="outbound: send due webhook deliveries",
        task="outbound.send_due",
        description=(
            "Queues the due attempts of outbound webhooks to platforms (first tries, retries "
            "on the 5 s … 10 h schedule, redeliveries). Each attempt is claimed, so a run that "
            "overlaps another sends nothing twice."
        ),
        every_seconds=15,
    ),
]
