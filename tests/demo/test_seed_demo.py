"""`seed_demo`: one login per role, staff with TOTP enrolled, and idempotent."""

from __future__ import annotations

import re
from io import StringIO

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from allauth.mfa.utils import decrypt
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.accounts.demo import demo_password
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

DEMO = {
    "admin@fanzdash.local": Role.SUPER_ADMIN,
    "finance@fanzdash.local": Role.FINANCE,
    "finance2@fanzdash.local": Role.FINANCE,
    "compliance@fanzdash.local": Role.COMPLIANCE,
    "support@fanzdash.local": Role.SUPPORT,
    "creator@fanzdash.local": Role.CREATOR,
}
STAFF = [email for email, role in DEMO.items() if role != Role.CREATOR]
SECRET_LINE = re.compile(r"^\s*(\S+@\S+)\s+.*TOTP secret ([A-Z2-7]+)\s*$", re.MULTILINE)


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _secrets(output: str) -> dict[str, str]:
    return dict(SECRET_LINE.findall(output))


def _authenticator(email: str, kind: str) -> Authenticator | None:
    return Authenticator.objects.filter(user__email=email, type=kind).first()


@pytest.fixture
def seeded():
    return _seed()


def test_creates_one_user_per_role(seeded, settings):
    demo_creators = User.objects.filter(email__startswith="demo.creator")
    assert demo_creators.count() == settings.DEMO_NETWORK_CREATORS - 1  # + creator@
    assert User.objects.exclude(email__startswith="demo.creator").count() == len(DEMO)
    for email, role in DEMO.items():
        user = User.objects.get(email=email)
        assert user.role == role
        assert user.is_active
        assert user.is_staff is (role != Role.CREATOR)
        assert user.is_superuser is (role == Role.SUPER_ADMIN)
        assert list(user.groups.values_list("name", flat=True)) == [str(role)]


def test_email_addresses_are_verified_and_primary(seeded):
    for email in DEMO:
        address = EmailAddress.objects.get(email=email)
        assert address.verified is True
        assert address.primary is True
        assert address.user.email == email


def test_staff_have_totp_and_recovery_codes_creator_has_neither(seeded):
    for email in STAFF:
        assert _authenticator(email, Authenticator.Type.TOTP) is not None, email
        assert _authenticator(email, Authenticator.Type.RECOVERY_CODES) is not None, email
    creator = "creator@fanzdash.local"
    assert _authenticator(creator, Authenticator.Type.TOTP) is None
    assert _authenticator(creator, Authenticator.Type.RECOVERY_CODES) is None


def test_output_lists_every_login_the_password_and_each_staff_secret(seeded):
    for email in DEMO:
        assert email in seeded
    assert demo_password() in seeded
    printed = _secrets(seeded)
    assert sorted(printed) == sorted(STAFF)
    assert "creator@fanzdash.local" not in printed
    creator_line = next(line for line in seeded.splitlines() if "creator@" in line)
    assert "no 2FA" in creator_line


def test_printed_secrets_match_the_stored_authenticators(seeded):
    printed = _secrets(seeded)
    secrets_seen = set()
    for email in STAFF:
        secret = printed[email]
        authenticator = _authenticator(email, Authenticator.Type.TOTP)
        assert decrypt(authenticator.data["secret"]) == secret
        code = pyotp.TOTP(secret).now()
        assert validate_totp_code(secret, code)
        # The login flow's own check (decrypts the stored secret, marks the code used).
        assert TOTP(authenticator).validate_code(code) is True
        secrets_seen.add(secret)
    assert len(secrets_seen) == len(STAFF)  # every user has their own secret


def test_a_code_from_another_users_secret_is_refused(seeded):
    printed = _secrets(seeded)
    admin = _authenticator("admin@fanzdash.local", Authenticator.Type.TOTP)
    other_code = pyotp.TOTP(printed["finance@fanzdash.local"]).now()
    own_code = pyotp.TOTP(printed["admin@fanzdash.local"]).now()
    if other_code != own_code:  # one in a million they collide
        assert TOTP(admin).validate_code(other_code) is False


def test_demo_password_authenticates_every_user(seeded):
    for email in DEMO:
        user = authenticate(email=email, password=demo_password())
        assert user is not None, email
        assert user.email == email
    assert authenticate(email="admin@fanzdash.local", password="wrong-password") is None


def test_demo_password_comes_from_settings(settings):
    settings.DEMO_PASSWORD = "another-demo-passphrase"
    output = _seed()
    assert "another-demo-passphrase" in output
    assert authenticate(email="support@fanzdash.local", password="another-demo-passphrase")


def test_second_run_changes_nothing_and_prints_the_same_secrets(seeded):
    users = sorted(User.objects.values_list("pk", "email", "role", "password"))
    authenticators = sorted(Authenticator.objects.values_list("pk", "user_id", "type"))
    events = AuditEvent.objects.count()
    addresses = EmailAddress.objects.count()

    again = _seed()

    assert sorted(User.objects.values_list("pk", "email", "role", "password")) == users
    assert sorted(Authenticator.objects.values_list("pk", "user_id", "type")) == authenticators
    assert AuditEvent.objects.count() == events
    assert EmailAddress.objects.count() == addresses
    assert _secrets(again) == _secrets(seeded)


def test_first_run_audits_each_user_creation(seeded):
    created = AuditEvent.objects.filter(action="user.created", target_repr__in=list(DEMO))
    assert created.count() == len(DEMO)
    assert all(event.actor_id is None for event in created)


def test_rerun_keeps_a_changed_password(seeded):
    user = User.objects.get(email="finance@fanzdash.local")
    user.set_password("my-own-long-passphrase")
    user.save()
    _seed()
    assert authenticate(email="finance@fanzdash.local", password="my-own-long-passphrase")
    assert authenticate(email="finance@fanzdash.local", password=demo_password()) is None


def test_rerun_restores_missing_pieces(seeded):
    """A demo user whose address became unverified or whose recovery codes were removed is
    repaired, without touching the TOTP secret."""
    EmailAddress.objects.filter(email="support@fanzdash.local").update(verified=False)
    Authenticator.objects.filter(
        user__email="support@fanzdash.local", type=Authenticator.Type.RECOVERY_CODES
    ).delete()
    again = _seed()
    assert EmailAddress.objects.get(email="support@fanzdash.local").verified is True
    assert _authenticator("support@fanzdash.local", Authenticator.Type.RECOVERY_CODES)
    assert _secrets(again) == _secrets(seeded)


def test_demo_network_has_a_history_that_balances(seeded, settings):
    from apps.creators.models import Creator
    from apps.ledger.models import EntryKind, JournalEntry
    from apps.ledger.selectors import creator_balances, trial_balance

    assert Creator.objects.count() == settings.DEMO_NETWORK_CREATORS
    casey = Creator.objects.get(user__email="creator@fanzdash.local")
    rows = creator_balances(casey)
    assert {row.platform_slug for row in rows} == {"boyfanz", "girlfanz"}
    assert all(row.lifetime > 0 for row in rows)
    assert any(row.available > 0 for row in rows)  # older earnings were released
    kinds = set(JournalEntry.objects.values_list("kind", flat=True))
    assert {EntryKind.SUBSCRIPTION, EntryKind.TIP, EntryKind.RELEASE} <= kinds
    assert trial_balance().balanced
    entries = JournalEntry.objects.count()
    _seed()
    assert JournalEntry.objects.count() == entries


def test_demo_platform_traffic_goes_through_the_webhook_endpoint(seeded):
    """Signed events are stored and (eagerly in tests) processed: earnings, a refund, a
    chargeback, a fraud report's payout hold; an oversized refund failed; a refund of a sale
    that never happened waits. A rerun stores nothing new and prints no second API key."""
    from django.db.models import Count

    from apps.creators.models import PayoutHold
    from apps.integrations.models import WebhookEvent
    from apps.integrations.services.processing import webhook_events_process_now
    from apps.platforms.models import PlatformAPIKey

    # What make run's worker does (the test transaction never commits, so nothing was enqueued).
    webhook_events_process_now(WebhookEvent.objects.values_list("pk", flat=True))
    states = dict(
        WebhookEvent.objects.values("state").annotate(n=Count("id")).values_list("state", "n")
    )
    assert states.get("processed", 0) >= 10, states
    assert WebhookEvent.objects.get(event_id="evt_demo_boyfanz_too_much").state == "failed"
    assert WebhookEvent.objects.get(event_id="evt_demo_boyfanz_orphan").state == "received"
    assert PayoutHold.objects.filter(source="fraud_detected").count() == 1
    assert "Demo API key of boyfanz" in seeded
    stored = WebhookEvent.objects.count()
    again = _seed()
    assert WebhookEvent.objects.count() == stored
    assert "Demo API key" not in again and PlatformAPIKey.objects.count() == 1
    assert "0 new" in again
    assert "Demo GDPR: the demo requests and legal hold were already there." in again
    assert "complete and 0 incomplete 2257 records" in again


PROGRESS_LINE = re.compile(r"^\[\s*(\d+\.\d)s\] (.+)$", re.MULTILINE)


def test_each_stage_prints_a_line_with_counts_and_the_seconds_so_far(seeded, settings):
    lines = PROGRESS_LINE.findall(seeded)
    stages = [text for _, text in lines]
    expected = [
        "Demo logins: 6 (one per role)",
        f"Demo network: {settings.DEMO_NETWORK_CREATORS} creators on 7 platforms",
        f"Demo network: history: day {settings.DEMO_HISTORY_DAYS} of {settings.DEMO_HISTORY_DAYS}",
        f"Demo network: {settings.DEMO_NETWORK_CREATORS} creators; this run posted",
        "Demo compliance: this run approved",
        "Demo GDPR: this run added",
        "Demo violations: this run opened",
        "Demo platform traffic:",
        "Demo payouts:",
        "Demo data loaded in",
    ]
    assert len(stages) == len(expected), stages
    for text, start in zip(stages, expected, strict=True):
        assert text.startswith(start), (text, start)
    seconds = [float(elapsed) for elapsed, _ in lines]
    assert seconds == sorted(seconds)
    # the progress comes first, then the URL and the logins
    assert seeded.index("Demo data loaded in") < seeded.index("FanzDash demo is ready at")


def test_a_long_history_reports_every_thirty_days(settings):
    settings.DEMO_NETWORK_CREATORS = 2
    settings.DEMO_HISTORY_DAYS = 61
    days = [line for _, line in PROGRESS_LINE.findall(_seed()) if "history: day" in line]
    assert [line.split(",")[0] for line in days] == [
        "Demo network: history: day 30 of 61",
        "Demo network: history: day 60 of 61",
        "Demo network: history: day 61 of 61",
    ]


def _demo_state() -> dict[str, object]:
    from django.db.models import Sum

    from apps.compliance.models import AgeVerification, KycVerification, Violation
    from apps.creators.models import Creator, PayoutHold, PlatformAccount
    from apps.integrations.models import WebhookEvent
    from apps.ledger.models import AccountBalance, JournalEntry, PendingRelease, Posting
    from apps.payouts.models import PayoutMethod, PayoutSchedule
    from apps.platforms.models import PlatformAPIKey, WebhookSecret

    models = [
        User,
        EmailAddress,
        Authenticator,
        Creator,
        PlatformAccount,
        PayoutHold,
        JournalEntry,
        Posting,
        PendingRelease,
        WebhookEvent,
        WebhookSecret,
        PayoutMethod,
        PayoutSchedule,
        PlatformAPIKey,
        KycVerification,
        AgeVerification,
        Violation,
        AuditEvent,
    ]
    state: dict[str, object] = {model.__name__: model.objects.count() for model in models}
    state["released"] = PendingRelease.objects.filter(released_entry__isnull=False).count()
    state["balances"] = sorted(
        AccountBalance.objects.values("account_id")
        .annotate(total=Sum("balance"))
        .values_list("account_id", "total")
    )
    return state


def test_a_second_run_changes_nothing_anywhere_says_so_and_is_quick():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first_run:
        _seed()
    before = _demo_state()
    with CaptureQueriesContext(connection) as rerun:
        again = _seed()
    assert _demo_state() == before
    assert "this run posted 0 earnings, 0 refunds, 0 chargebacks and 0 releases" in again
    assert "0 new" in again
    assert "added 0 schedules, 0 payout methods (0 verified) and 0 holds" in again
    # A rerun skips each day whose sales are all posted: a few statements a day instead of
    # some for every sale, refund and release.
    assert len(rerun.captured_queries) * 3 < len(first_run.captured_queries)


def test_the_printed_url_and_curl_example_are_site_url(settings):
    settings.SITE_URL = "http://localhost:8100"
    output = _seed()
    assert "FanzDash demo is ready at http://localhost:8100/" in output
    curl = next(line for line in output.splitlines() if line.lstrip().startswith("curl "))
    assert curl.endswith(" http://localhost:8100/api/v1/creators/")
    assert "8000" not in output


def test_the_demo_has_open_violations_of_every_severity(seeded):
    from apps.compliance.models import Violation
    from apps.creators.models import PayoutHold

    open_ones = Violation.objects.filter(status__in=["open", "investigating"])
    assert set(open_ones.values_list("severity", flat=True)) == {
        "low",
        "medium",
        "high",
        "critical",
    }
    critical = open_ones.get(severity="critical")
    assert PayoutHold.objects.get(pk=critical.payout_hold_id).released_at is None
    assert open_ones.filter(status="investigating").count() == 1
    assert "Demo violations: this run opened 7" in seeded
    assert "Demo violations: this run opened 0" in _seed()
