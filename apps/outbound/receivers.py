"""Creator changes that the creator's platforms are told about, as outbound events. Connected
when the app is ready; the creators app sends the signals inside the transaction of the
change, so no change commits without its events (they are delivered after commit)."""

from __future__ import annotations

from django.dispatch import receiver

from apps.creators.models import Creator
from apps.creators.signals import creator_kyc_changed, creator_status_changed

from .services import creator_event_emit

STATUS_EVENTS = {
    Creator.Status.ACTIVE: "creator.unsuspended",
    Creator.Status.SUSPENDED: "creator.suspended",
}


@receiver(creator_status_changed, dispatch_uid="outbound-creator-status")
def creator_status_emit(sender, *, creator, status, previous_status, **kwargs) -> None:
    event_type = STATUS_EVENTS.get(status)
    if event_type is not None:
        creator_event_emit(
            creator=creator,
            event_type=event_type,
            data={"status": status, "previousStatus": previous_status},
        )


@receiver(creator_kyc_changed, dispatch_uid="outbound-creator-kyc")
def creator_kyc_emit(sender, *, creator, kyc_level, previous_kyc_level, **kwargs) -> None:
    creator_event_emit(
        creator=creator,
        event_type="creator.kyc_changed",
        data={"kycLevel": kyc_level, "previousKycLevel": previous_kyc_level},
    )
