"""What the payout commands share: the staff user named by ``--as``, the batch named by its
id, and an ApplicationError as a command error."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from apps.core.exceptions import ApplicationError
from apps.payouts.models import PayoutBatch


def command_actor(email: str | None):
    """The active user with ``email`` (None when no email was given)."""
    if not email:
        return None
    actor = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if actor is None:
        raise CommandError(f"No active user {email}.")
    return actor


def command_batch(batch_id: int) -> PayoutBatch:
    batch = PayoutBatch.objects.select_related("processor").filter(pk=batch_id).first()
    if batch is None:
        raise CommandError(f"No payout batch #{batch_id}.")
    return batch


def command_error(error: ApplicationError) -> CommandError:
    detail = error.detail
    if isinstance(detail, list | tuple):
        detail = "; ".join(str(item) for item in detail)
    return CommandError(f"{error.code}: {detail}")
