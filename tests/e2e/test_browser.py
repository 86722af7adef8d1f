"""End-to-end browser tests: a real Chromium drives the live server through the sign-in flows.

Run with ``pytest tests/e2e``. They use Debian's /usr/bin/chromium; nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
import pytest

from apps.accounts.roles import Role
from tests.factories import PASSWORD, make_user

# Playwright's sync API runs an asyncio event loop in the test thread, so Django's
# async-safety check would raise SynchronousOnlyOperation on every ORM call made from the
# test (creating users, reading fixtures). Nothing here runs concurrently with that loop,
# so the check is safely disabled for this module.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """The live server speaks plain HTTP: no HTTPS redirect, cookies not marked Secure."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def _sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign In").click()


def _code(totp: pyotp.TOTP) -> str:
    """The current code, waiting for the next period if this one is about to end: allauth
    accepts only the current period (MFA_TOTP_TOLERANCE is 0), and a code typed in the last
    moment would expire before the form is submitted."""
    remaining = totp.interval - time.time() % totp.interval
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return totp.now()


def _side_nav(page):
    return page.get_by_role("navigation", name="Main")


def test_super_admin_signs_in_with_totp_and_sees_overview(page):
    admin = make_user(Role.SUPER_ADMIN, email="admin@example.test")

    _sign_in(page, admin.email)

    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.locator("input[name=code]").fill(_code(admin.totp))
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(r"/overview/$"))
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.locator("[data-testid=role-badge]")).to_have_text("Super admin")
    nav = _side_nav(page)
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    expect(nav.get_by_role("link", name="Users & roles")).to_be_visible()

    page.screenshot(path=_artifact("overview.png"), full_page=True)


def test_finance_user_without_totp_is_made_to_enrol_first(page):
    finance = make_user(Role.FINANCE, email="finance@example.test", with_totp=False)

    _sign_in(page, finance.email)

    # The middleware sends the user to the TOTP activation page, with a warning saying why.
    page.wait_for_url(re.compile(r"/accounts/(reauthenticate|2fa/totp/activate)/"))
    expect(page.get_by_text("Staff accounts must use two-factor authentication")).to_be_visible()
    if "/accounts/reauthenticate/" in page.url:
        # allauth (65.x, MFA_REAUTHENTICATION_REQUIRED defaults to True) only counts an
        # explicit reauthentication as recent, not the sign-in that just happened, so it puts
        # a "Confirm Access" password prompt in front of the activation page. A person types
        # the password again; the test does the same so the rest of the enrolment is covered.
        expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    # allauth shows the secret in a disabled text input (and as the QR image's alt text).
    secret_input = page.locator("#authenticator_secret")
    expect(secret_input).to_be_visible()
    secret = secret_input.input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    expect(page.get_by_role("img", name=secret)).to_be_visible()

    page.screenshot(path=_artifact("totp-activation.png"), full_page=True)

    page.locator("input[name=code]").fill(_code(pyotp.TOTP(secret)))
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10, codes

    page.goto("/overview/")
    expect(page).to_have_url(re.compile(r"/overview/$"))
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.locator("[data-testid=role-badge]")).to_have_text("Finance")
    nav = _side_nav(page)
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_text("Audit log", exact=True)).to_have_count(0)


def test_creator_lands_on_own_page_and_is_refused_the_overview(page):
    creator = make_user(Role.CREATOR, email="creator@example.test")

    _sign_in(page, creator.email)

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()

    response = page.goto("/overview/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()


def test_wrong_password_shows_error_and_does_not_sign_in(page):
    user = make_user(Role.SUPER_ADMIN, email="admin@example.test")

    _sign_in(page, user.email, password="not-the-password-at-all")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("[data-testid=role-badge]")).to_have_count(0)
    # Not signed in: the dashboard still sends the browser to the login page.
    page.goto("/overview/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/overview/"))


def _post_signed(url: str, payload: dict, secret: str) -> tuple[int, dict]:
    """A platform sends a signed event to the live server over real HTTP."""
    import hashlib
    import hmac
    import json
    import urllib.error
    import urllib.request

    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 (the live server on 127.0.0.1)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-FANZ-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_finance_follows_a_platform_event_and_replays_a_failed_one(page, live_server):
    """A platform posts a signed tip and a refund larger than it over HTTP; finance sees both
    on the Webhook events screen, the tip processed into the ledger, the refund failed with
    its reason, and replays it (audited)."""
    from datetime import UTC, datetime

    from apps.audit.models import AuditEvent
    from apps.core.currencies import ISO_4217
    from apps.core.models import Currency
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_webhook_secret_rotate
    from tests.factories import make_creator

    # A transactional test before this one may have flushed the reference data.
    for code, name, exponent in ISO_4217:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "exponent": exponent})
    boyfanz, _ = Platform.objects.get_or_create(
        slug="boyfanz", defaults={"name": "BoyFanz", "domain": "boyfanz.com"}
    )
    secret = "e2e-webhook-secret-0123456789abcdef"
    platform_webhook_secret_rotate(platform=boyfanz, actor=None, secret=secret)
    creator = make_creator(platforms=("boyfanz",), display_name="Browser Creator")
    external = creator.platform_accounts.get().external_id
    url = f"{live_server.url}/api/integrations/webhooks/boyfanz"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tip = {
        "id": "evt_e2e_tip",
        "event": "tip_sent",
        "platform": "boyfanz",
        "created_at": now,
        "data": {
            "transactionId": "tx_e2e",
            "creatorId": external,
            "amount": "19.99",
            "currency": "USD",
        },
    }
    refund = {
        "id": "evt_e2e_refund",
        "event": "refund_issued",
        "platform": "boyfanz",
        "created_at": now,
        "data": {"transactionId": "tx_e2e", "amount": "50.00", "currency": "USD"},
    }
    assert _post_signed(url, tip, secret)[0] == 202
    assert _post_signed(url, refund, secret)[0] == 202
    assert _post_signed(url, tip, "forged-secret-forged-secret-0000")[0] == 401

    finance = make_user(Role.FINANCE, email="finance@example.test")
    _sign_in(page, finance.email)
    page.locator("input[name=code]").fill(_code(finance.totp))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/overview/$"))

    _side_nav(page).get_by_role("link", name="Webhook events").click()
    expect(page).to_have_url(re.compile(r"/integrations/events/"))
    expect(page.get_by_text("evt_e2e_tip")).to_be_visible()
    expect(page.get_by_text("evt_e2e_refund")).to_be_visible()
    page.screenshot(path=_artifact("webhook-events.png"), full_page=True)

    page.get_by_text("evt_e2e_refund").click()
    expect(page.get_by_text("refund_exceeds_original").first).to_be_visible()
    page.get_by_test_id("replay").click()
    expect(page.get_by_text(re.compile("replay", re.I)).first).to_be_visible()
    assert AuditEvent.objects.filter(action__icontains="replay").count() == 1
    page.screenshot(path=_artifact("webhook-event-replayed.png"), full_page=True)


def test_busy_pages_fit_a_phone_and_a_desktop(page):
    """The overview and a creator's page do not scroll sideways on a 390 px phone (wide tables
    scroll inside their own box); the webhook events table fits a 1440 px screen."""
    from apps.audit.services import audit_record
    from apps.integrations.services.processing import webhook_event_process_now
    from tests.factories import make_creator, post_earning
    from tests.integrations.h2_support import payload_for, store_event
    from tests.reference_data import reseed

    reseed()  # a transactional test before this one may have flushed the reference data
    creator = make_creator(
        platforms=("boyfanz", "girlfanz"), display_name="Alexandrina Montgomery-Featherstone"
    )
    for n in range(12):
        post_earning(creator, gross=f"{1000 + n}.99", platform=("boyfanz", "girlfanz")[n % 2])
    admin = make_user(Role.SUPER_ADMIN, email="a.very.long.administrator.address@example.test")
    for n in range(5):
        audit_record(
            actor=admin,
            action="payouts.payout_retry_scheduled",
            target=creator,
            after={"reason": "the processor asked us to slow down " * 3},
        )
        event = store_event(
            payload_for(
                "refund_issued",
                event_id=f"evt_e2e_a_rather_long_event_identifier_{n:04d}",
                transactionId=f"tx_e2e_a_rather_long_transaction_{n:04d}",
            )
        )
        webhook_event_process_now(event.pk)

    _sign_in(page, admin.email)
    page.locator("input[name=code]").fill(_code(admin.totp))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/overview/$"))

    scrolling_tables = """() => Array.from(document.querySelectorAll('.table-responsive'))
        .filter(box => box.scrollWidth > box.clientWidth + 1).length"""
    for width, path in [
        (390, "/overview/"),
        (390, f"/creators/{creator.pk}/"),
        (390, "/integrations/events/"),
        (1440, "/integrations/events/"),
    ]:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(path)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, (path, width, page_width)
        if width == 1440:
            assert page.evaluate(scrolling_tables) == 0, path
        name = re.sub(r"\W+", "-", path.strip("/"))
        page.screenshot(path=_artifact(f"fit-{name}-{width}.png"), full_page=True)


def test_compliance_pages_fit_a_phone(page):
    """The KYC review queue, a creator's compliance page and its two forms do not scroll
    sideways on a 390 px phone (long names and references wrap or scroll inside their box)."""
    from datetime import date

    from apps.compliance.services import (
        age_verification_record,
        kyc_verification_decide,
        kyc_verification_request,
    )
    from tests.factories import make_creator
    from tests.reference_data import reseed

    reseed()
    creator = make_creator(
        platforms=("boyfanz",), display_name="Alexandrina Montgomery-Featherstone", kyc_level=0
    )
    officer = make_user(Role.COMPLIANCE, email="a.very.long.compliance.officer@example.test")
    decided = kyc_verification_request(
        creator=creator,
        level_requested=2,
        provider="verifymy",
        provider_reference="vm-a-rather-long-provider-reference-0123456789abcdef",
    )
    kyc_verification_decide(
        verification=decided,
        approve=True,
        level_granted=2,
        reason="passport and proof of address match the legal name " * 2,
        reviewer=officer,
    )
    pending = kyc_verification_request(
        creator=creator,
        level_requested=3,
        provider="manual",
        provider_reference="documents-received-by-email-on-a-long-thread-0001",
    )
    # History with fixed dates (an expired check), so the page does not depend on today.
    age_verification_record(
        creator=creator,
        method="id_document",
        date_of_birth=date(1990, 2, 28),
        verified_on=date(2020, 1, 2),
        expires_on=date(2021, 1, 2),
        reviewer=officer,
        note="driving licence checked against the selfie " * 2,
        history=True,
    )

    _sign_in(page, officer.email)
    page.locator("input[name=code]").fill(_code(officer.totp))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/overview/$"))
    for path in [
        "/compliance/kyc/",
        f"/compliance/creators/{creator.pk}/",
        f"/compliance/kyc/{pending.pk}/decide/",
        f"/compliance/creators/{creator.pk}/age/",
    ]:
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(path)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 390, (path, page_width)
        name = re.sub(r"\W+", "-", path.strip("/"))
        page.screenshot(path=_artifact(f"fit-{name}-390.png"), full_page=True)
