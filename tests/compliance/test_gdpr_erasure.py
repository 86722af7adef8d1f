"""Erasure: a second compliance officer approves; the subject's personal data is
pseudonymised in every app while the ledger (trial balance, every account balance) does not
change by one cent; refused under a legal hold or any app's hold (naming it); logged, and
re-applied by ``gdpr_replay_erasures`` after a restore (a second run changes nothing)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.compliance.models import (
    AgeVerification,
    DataSubjectRequest,
    ErasureLog,
    KycVerification,
)
from apps.compliance.services import (
    erasure_hash,
    gdpr_erasure_approve,
    gdpr_erasure_request,
    gdpr_request_create,
    legal_hold_place,
    legal_hold_release,
)
from apps.core import personal_data
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PayoutHold, PlatformAccount
from apps.integrations.models import PlatformLinkRequest, PlatformUser, WebhookEvent
from apps.ledger.models import Account, Posting
from apps.ledger.selectors import account_balances, trial_balance
from apps.outbound.models import OutboundEvent
from apps.payouts.models import PayoutMethod
from tests.factories import make_user

from .gdpr_data import (
    EMAIL,
    FAN_EMAIL,
    FULL_NAME,
    TERMS,
    everything,
    find_everywhere,
    make_bystander,
    make_rich_subject,
    restore,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(db):
    return make_user(Role.COMPLIANCE, email="second@example.test")


@pytest.fixture
def subject(today, creator_factory, compliance_user, earning):
    return make_rich_subject(creator_factory, compliance_user, earning)


@pytest.fixture
def bystander(today, creator_factory, earning):
    return make_bystander(creator_factory, earning)


def _asked(actor, **subject):
    request = gdpr_request_create(
        kind="erasure", actor=actor, **(subject or {"subject_email": EMAIL})
    )
    return gdpr_erasure_request(request=request, actor=actor)


def _ledger_state():
    accounts = list(Account.objects.values_list("pk", "key"))
    balances = account_balances([pk for pk, _ in accounts])
    tb = trial_balance()
    return (
        {key: balances.get(pk, 0) for pk, key in accounts},
        [(row.account, row.currency, row.balance) for row in tb.rows],
        tb.totals,
        list(
            Posting.objects.order_by("pk").values_list("pk", "account_id", "amount", "occurred_at")
        ),
    )


def test_the_requester_cannot_approve_their_own_erasure(subject, compliance_user):
    request = _asked(compliance_user)
    with pytest.raises(ApplicationError) as error:
        gdpr_erasure_approve(request=request, actor=compliance_user)
    assert (error.value.code, error.value.status_code) == ("own_request", 403)
    request.refresh_from_db()
    assert request.status == "awaiting_approval"
    assert not ErasureLog.objects.exists()
    assert Creator.objects.get(pk=subject.creator.pk).display_name == FULL_NAME
    assert find_everywhere([EMAIL])


def test_erasure_pseudonymises_every_app_and_keeps_the_money(
    subject, bystander, compliance_user, second_officer
):
    ledger_before = _ledger_state()
    assert find_everywhere(TERMS)  # the subject is everywhere before
    request = _asked(compliance_user)
    log = gdpr_erasure_approve(request=request, actor=second_officer)

    assert _ledger_state() == ledger_before  # not one cent, not one posting moved
    assert find_everywhere(TERMS) == []  # no table, no column keeps the subject

    n = request.pk
    creator = Creator.objects.get(pk=subject.creator.pk)
    assert (creator.display_name, creator.legal_name, creator.country) == (
        f"Erased subject #{n}",
        "",
        "",
    )
    user = get_user_model().objects.get(pk=subject.user.pk)
    assert (user.email, user.first_name, user.last_name) == (f"erased-{n}@invalid", "", "")
    assert not user.is_active and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert all(s.get_decoded().get("_auth_user_id") != str(user.pk) for s in Session.objects.all())
    # Platform ids stay (the platforms' keys for money still arriving); usernames do not.
    assert set(
        PlatformAccount.objects.filter(creator=creator).values_list("external_id", "username")
    ) == {
        (f"boyfanz-{creator.pk}", f"erased-{n}"),
        (f"girlfanz-{creator.pk}", f"erased-{n}"),
    }
    method = PayoutMethod.objects.get(pk=subject.method.pk)
    assert (method.details_encrypted, method.key_id, method.status, method.label) == (
        "",
        "erased",
        "disabled",
        f"Erased subject #{n}",
    )
    synced = PlatformUser.objects.get(external_id=subject.external_id)
    assert (synced.email, synced.username) == (f"erased-{n}@invalid", f"erased-{n}")
    event = WebhookEvent.objects.get(event_id="evt_zelda_1")
    assert event.payload["data"] == {
        "userId": subject.external_id,
        "email": f"erased-{n}@invalid",
        "username": f"Erased subject #{n}",
        "amount": "1.00",
    }
    assert EMAIL not in event.raw_body
    # The audit rows stay (who did what, when), with the text pseudonymised and the
    # subject's own IP and user agent gone.
    own = AuditEvent.objects.get(action="account.signed_in", actor=user)
    assert (own.actor_email, own.ip, own.user_agent) == (f"erased-{n}@invalid", None, "")
    # Proof of age is kept; the free text around it is not.
    age = AgeVerification.objects.get(creator=creator)
    assert age.date_of_birth is not None and age.note == f"Passport of Erased subject #{n}"
    assert KycVerification.objects.get(creator=creator).level_granted == 2
    assert DataSubjectRequest.objects.get(pk=n).subject_email == f"erased-{n}@invalid"

    # The bystander is untouched.
    assert Creator.objects.get(pk=bystander.pk).display_name == "Bystander Bob"
    assert PlatformUser.objects.get(external_id="fan_77").email == FAN_EMAIL

    # The log keeps ids and hashes, never the plaintext.
    request.refresh_from_db()
    assert (request.status, request.erasure_approved_by, log.approved_by) == (
        "completed",
        second_officer,
        second_officer,
    )
    assert log.requested_by == compliance_user
    stored = json.dumps(
        [log.user_ids, log.creator_ids, log.platform_users, log.email_hashes, log.name_hashes]
    )
    assert EMAIL not in stored and FULL_NAME not in stored
    assert erasure_hash(EMAIL) in log.email_hashes
    assert log.user_ids == [user.pk] and log.creator_ids == [creator.pk]
    assert log.erased["payouts"]["payout_methods"] == 1
    assert AuditEvent.objects.filter(action="compliance.gdpr_erased", target_id=str(n)).exists()


def test_erasure_is_refused_under_a_legal_hold_naming_it(
    subject, compliance_user, second_officer, time_machine
):
    hold = legal_hold_place(
        subject_creator=subject.creator,
        reason="Chargeback dispute with the processor",
        actor=compliance_user,
        until=subject.creator.created_at.date() + timedelta(days=5),
    )
    request = gdpr_request_create(kind="erasure", subject_email=EMAIL, actor=compliance_user)
    with pytest.raises(ApplicationError) as error:
        gdpr_erasure_request(request=request, actor=compliance_user)
    assert (error.value.code, error.value.status_code) == ("erasure_held", 409)
    assert f"Legal hold #{hold.pk}" in error.value.detail
    assert "Chargeback dispute" in error.value.detail
    request.refresh_from_db()
    assert request.status == "received"

    # Placed after the erasure was asked: the approval is refused too, nothing erased.
    legal_hold_release(hold=hold, note="Dispute settled", actor=compliance_user)
    request = gdpr_erasure_request(request=request, actor=compliance_user)
    second = legal_hold_place(
        subject_user=subject.user, reason="Police request", actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        gdpr_erasure_approve(request=request, actor=second_officer)
    assert error.value.code == "erasure_held" and f"Legal hold #{second.pk}" in error.value.detail
    assert not ErasureLog.objects.exists()
    assert Creator.objects.get(pk=subject.creator.pk).display_name == FULL_NAME

    # A hold that has ended stops nothing.
    legal_hold_release(hold=second, note="Closed", actor=compliance_user)
    ended = legal_hold_place(
        subject_email=EMAIL,
        reason="Until the audit",
        until=request.received_at.date(),
        actor=compliance_user,
    )
    time_machine.shift(timedelta(days=2))
    assert gdpr_erasure_approve(request=request, actor=second_officer).pk
    assert ended.pk


def test_any_registered_hold_refuses_the_erasure(monkeypatch, subject, compliance_user):
    """A retention period another module declares (e.g. 2257 records) refuses it too."""
    personal_data.register(
        "compliance",
        part="retention_test",
        describe="test",
        export=lambda subject: {},
        erase=lambda subject, pseudonym: {},
        holds=lambda subject: ["2257 record #7 is kept until 2033-06-15 (7 years)."],
    )
    try:
        request = gdpr_request_create(kind="erasure", subject_email=EMAIL, actor=compliance_user)
        with pytest.raises(ApplicationError) as error:
            gdpr_erasure_request(request=request, actor=compliance_user)
    finally:
        personal_data._REGISTRY.pop("compliance.retention_test")
    assert error.value.code == "erasure_held"
    assert "2257 record #7 is kept until 2033-06-15" in error.value.detail


def test_erasure_needs_an_erasure_request_and_a_verified_identity(subject, compliance_user):
    access = gdpr_request_create(kind="access", subject_email=EMAIL, actor=compliance_user)
    with pytest.raises(ApplicationError) as error:
        gdpr_erasure_request(request=access, actor=compliance_user)
    assert error.value.code == "not_an_erasure"
    waiting = gdpr_request_create(
        kind="erasure", subject_email=EMAIL, identity_check="waiting", actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        gdpr_erasure_request(request=waiting, actor=compliance_user)
    assert error.value.code == "identity_not_verified"


RESTORED_MODELS = [
    get_user_model(),
    EmailAddress,
    Authenticator,
    Session,
    LogEntry,
    Creator,
    PlatformAccount,
    PayoutHold,
    PayoutMethod,
    PlatformUser,
    PlatformLinkRequest,
    WebhookEvent,
    AuditEvent,
    KycVerification,
    AgeVerification,
    DataSubjectRequest,
    OutboundEvent,
]


def test_replay_erases_again_after_a_restore_and_then_changes_nothing(
    subject, bystander, compliance_user, second_officer
):
    backup = snapshot(RESTORED_MODELS)
    request = _asked(compliance_user)
    gdpr_erasure_approve(request=request, actor=second_officer)
    assert find_everywhere(TERMS) == []
    ledger = _ledger_state()

    restore(backup)  # a backup from before the erasure comes back
    assert find_everywhere([EMAIL, FULL_NAME])

    out = io.StringIO()
    call_command("gdpr_replay_erasures", stdout=out)
    assert find_everywhere(TERMS) == []
    assert "erased again" in out.getvalue()
    assert _ledger_state() == ledger
    assert Creator.objects.get(pk=bystander.pk).display_name == "Bystander Bob"
    log = ErasureLog.objects.get()
    assert log.replay_count == 1

    # Idempotent: on an erased database nothing changes, not even the audit log.
    before = everything()
    out = io.StringIO()
    call_command("gdpr_replay_erasures", stdout=out)
    assert everything() == before
    assert "1 logged erasure checked; 0 rows erased again." in out.getvalue()


def test_replay_of_an_erased_database_changes_nothing(subject, compliance_user, second_officer):
    gdpr_erasure_approve(request=_asked(compliance_user), actor=second_officer)
    before = everything()
    call_command("gdpr_replay_erasures", stdout=io.StringIO())
    assert everything() == before


def test_an_exported_log_replays_after_a_restore_older_than_the_erasure(
    subject, compliance_user, second_officer, tmp_path
):
    """The restored database lacks the erasure and its log; the exported log brings both
    back into force."""
    backup = snapshot(RESTORED_MODELS)
    gdpr_erasure_approve(request=_asked(compliance_user), actor=second_officer)
    exported = tmp_path / "erasures.json"
    call_command("gdpr_replay_erasures", "--export", str(exported), stdout=io.StringIO())
    text = exported.read_text()
    assert EMAIL not in text and FULL_NAME not in text
    ErasureLog.objects.all().delete()
    restore(backup)
    assert find_everywhere([EMAIL, FULL_NAME])
    out = io.StringIO()
    call_command("gdpr_replay_erasures", "--from", str(exported), stdout=out)
    assert find_everywhere(TERMS) == []
    assert "1 logged erasure checked" in out.getvalue()


def test_a_2257_record_within_its_retention_holds_the_erasure(
    subject, compliance_user, second_officer
):
    """The law keeps a 2257 record 7 years after its last amendment: erasure is refused,
    naming the record and the date, and nothing is changed."""
    from apps.compliance.services import performer_create

    performer = performer_create(
        creator=subject.creator, legal_name=FULL_NAME, date_of_birth=None, actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        _asked(compliance_user)  # refused when asked, before any approval
    assert (error.value.code, error.value.status_code) == ("erasure_held", 409)
    assert f"2257 record #{performer.record_2257.pk} must be kept until" in str(error.value.detail)
    assert not ErasureLog.objects.exists()
    assert Creator.objects.get(pk=subject.creator.pk).display_name == FULL_NAME


def test_erasure_destroys_the_subjects_identity_documents(subject, compliance_user, second_officer):
    from apps.compliance.demo import demo_png
    from apps.compliance.models import IdentityDocument
    from apps.compliance.services import identity_document_upload

    document = identity_document_upload(
        creator=subject.creator,
        actor=compliance_user,
        document_type="passport",
        issuing_country="us",
        number="P1234567",
        expires_on=None,
        files=[demo_png()],
    )
    gdpr_erasure_approve(request=_asked(compliance_user), actor=second_officer)
    document = IdentityDocument.objects.get(pk=document.pk)
    assert document.destroyed_at is not None
    assert document.data_key_sealed == "" and document.number_encrypted == ""
