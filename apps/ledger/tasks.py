from __future__ import annotations

from celery import shared_task

from .services import pending_release_due


@shared_task(name="ledger.release_pending")
def release_pending() -> int:
    """Scheduled by beat: move every earning whose hold period is over from pending to
    available. Idempotent (one release entry per lot, keyed ``release:<entry id>``) and safe
    to run from several workers at once (lots are claimed with SKIP LOCKED)."""
    return pending_release_due()
