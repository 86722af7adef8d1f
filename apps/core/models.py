from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per heartbeat task a Celery worker ran: proof that the queue is being worked.

    ``token`` is the Celery task id, so a redelivered message records nothing new.
    """

    token = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.hostname or 'worker'} at {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class Currency(models.Model):
    """ISO 4217 currencies the ledger may hold, with their minor-unit exponent."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    exponent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.code
