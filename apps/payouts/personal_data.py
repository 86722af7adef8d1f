"""The personal data of the payouts app (registered in ``PayoutsConfig.ready()``; see
``apps.core.personal_data``): payout method details (account holder, IBAN, wallet address:
sealed with ``apps.core.crypto``), their labels and hints, and the processors' and mass payout
requests' payloads that name the subject.

Erasure destroys the sealed details (the ciphertext is blanked and ``key_id`` set to
``erased``, so no key can ever open them again), disables the method and keeps the row with a
pseudonymous label: payouts refer to it, and the payouts keep their amounts, currencies,
states and dates (financial records the law requires). ``payout_methods_reseal`` counts an
erased method as unreadable and leaves it alone.

Held while a payout of the subject is in flight (pending or submitted): its settlement needs
the details."""

from __future__ import annotations

from apps.core import crypto
from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import MassPayoutRequest, Payout, PayoutMethod, ProcessorEvent

ERASED_KEY_ID = "erased"


def _method_details(method: PayoutMethod) -> dict | None:
    if method.key_id == ERASED_KEY_ID:
        return None
    try:
        return method.details()
    except crypto.SealError:
        return None


def export(subject: Subject) -> dict[str, list[dict]]:
    ids = subject.creator_ids
    methods = PayoutMethod.objects.filter(creator_id__in=ids).select_related("processor")
    return {
        "payout_methods": [
            {
                "id": method.pk,
                "processor": method.processor.name,
                "currency": method.currency_id,
                "label": method.label,
                "details_hint": method.details_hint,
                "details": _method_details(method),
                "status": method.status,
                "created_at": method.created_at.isoformat(),
            }
            for method in methods[:1000]
        ],
        "payouts": rows(
            Payout.objects.filter(creator_id__in=ids),
            [
                "id",
                "amount_minor",
                "currency_id",
                "state",
                "method_id",
                "created_at",
                "failure_reason",
            ],
        ),
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    methods = (
        PayoutMethod.objects.filter(creator_id__in=subject.creator_ids)
        .exclude(key_id=ERASED_KEY_ID)
        .update(
            details_encrypted="",
            key_id=ERASED_KEY_ID,
            details_hint="erased",
            label=pseudonym.name,
            status=PayoutMethod.Status.DISABLED,
            is_default=False,
        )
    )
    return {
        "payout_methods": methods,
        "processor_events": pseudonymise_rows(
            ProcessorEvent.objects.all(), ["payload"], subject, pseudonym
        ),
        "mass_payout_requests": pseudonymise_rows(
            MassPayoutRequest.objects.all(), ["payload", "note"], subject, pseudonym
        ),
    }


def holds(subject: Subject) -> list[str]:
    in_flight = Payout.objects.filter(
        creator_id__in=subject.creator_ids,
        state__in=[Payout.State.PENDING, Payout.State.SUBMITTED],
    ).values_list("pk", flat=True)[:5]
    return [
        f"Payout #{pk} is in flight (pending or submitted): its settlement needs the payout "
        "method details."
        for pk in in_flight
    ]


def register_personal_data() -> None:
    register(
        "payouts",
        describe="Payout methods (sealed account details, label, hint) and processor or mass "
        "payout payloads naming the subject. Payout amounts and dates are kept.",
        models=["payouts.PayoutMethod", "payouts.ProcessorEvent", "payouts.MassPayoutRequest"],
        export=export,
        erase=erase,
        holds=holds,
    )
