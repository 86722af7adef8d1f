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
