"""The creator's own payout pages and the staff verification screen: access for each role,
own data only, what is shown (never the details), the forms, htmx fragments, bounded reads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.currencies import currency_exponent
from apps.payouts.models import Payout, PayoutMethod, PayoutSchedule, Processor
from apps.payouts.services.methods import payout_method_add, payout_method_verify

from .conftest import make_method, make_payout

pytestmark = pytest.mark.django_db

ME = reverse("payouts:me")
VERIFY_LIST = reverse("payouts:methods_verify_list")
IBAN = {"account_holder": "Ana Example", "iban": "DE89370400440532013000"}


@pytest.fixture
def creator(creator_factory):
    return creator_factory(currency="EUR", display_name="Ana")


@pytest.fixture
def other(creator_factory):
    return creator_factory(currency="EUR", display_name="Zed")


@pytest.fixture
def client(creator, client_for):
    return client_for(creator.user)


def sepa_method(creator, **details) -> PayoutMethod:
    return payout_method_add(
        creator=creator,
        processor=Processor.objects.get(code="sepa"),
        currency="EUR",
        details={**IBAN, **details},
        actor=creator.user,
    )


def creator_urls(method_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", ME),
        ("get", reverse("payouts:me_schedule")),
        ("get", reverse("payouts:me_method_choose")),
        ("get", reverse("payouts:me_method_add", args=["sepa"])),
        ("post", reverse("payouts:me_method_default", args=[method_pk])),
        ("post", reverse("payouts:me_method_disable", args=[method_pk])),
        ("post", reverse("payouts:me_method_instant", args=[method_pk])),
    ]


# --- access ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(creator):
    method = sepa_method(creator)
    anonymous = Client()
    for verb, url in [*creator_urls(method.pk), ("get", VERIFY_LIST)]:
        response = getattr(anonymous, verb)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    response = anonymous.post(reverse("payouts:method_verify", args=[method.pk]))
    assert response.status_code == 302
    method.refresh_from_db()
    assert method.status == "unverified" and method.is_default


@pytest.mark.parametrize("role", ["super_admin", "finance_user", "support_user"])
def test_staff_are_not_creators(request, client_for, creator, role):
    staff_client = client_for(request.getfixturevalue(role))
    method = sepa_method(creator)
    for verb, url in creator_urls(method.pk):
        assert getattr(staff_client, verb)(url).status_code == 404, url
    method.refresh_from_db()
    assert method.status == "unverified" and method.is_default


def test_another_creators_method_answers_404_and_stays_as_it_was(client, other):
    theirs = sepa_method(other)
    for _, url in creator_urls(theirs.pk)[4:]:
        assert client.post(url).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == "unverified" and theirs.is_default
    assert "DE89 …3000" not in client.get(ME).content.decode()


def test_post_only_routes_refuse_get(client, creator):
    method = sepa_method(creator)
    for _, url in creator_urls(method.pk)[4:]:
        assert client.get(url).status_code == 405


# --- overview ----------------------------------------------------------------------------


def test_overview_without_anything_says_why_not_paid(client):
    response = client.get(ME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "My payouts" in body
    assert "Add a payout method so we know where to pay you." in body
    assert "Your age has not been verified yet" in body
    assert "No payout method yet." in body
    assert "No payouts yet." in body
    assert 'data-testid="schedule"' in body and "default" in body


def test_overview_of_a_payable_creator(client_for, payable_creator):
    creator = payable_creator("100.00")
    response = client_for(creator.user).get(ME)
    body = response.content.decode()
    outlook = response.context["outlook"]
    assert outlook.eligible and outlook.reasons == []
    assert outlook.estimate == 10000 and outlook.currency == "USD"
    assert outlook.fee > 0
    assert 'data-testid="eligible"' in body
    assert "100.00 USD" in body
    assert outlook.progress_percent == 100


def test_overview_progress_to_threshold_and_next_date(client_for, payable_creator):
    creator = payable_creator("25.00")
    PayoutSchedule.objects.filter(creator=creator).update(threshold_minor=10000)
    response = client_for(creator.user).get(ME)
    outlook = response.context["outlook"]
    assert outlook.target == 10000 and outlook.target_label == "threshold"
    assert outlook.progress_percent == 25
    assert 'aria-valuenow="25"' in response.content.decode()
    PayoutSchedule.objects.filter(creator=creator).update(kind="weekly", weekday=2)
    response = client_for(creator.user).get(ME)
    assert response.context["outlook"].next_date.weekday() == 2
    assert "Every Wednesday" in response.content.decode()


def test_overview_history_and_failure_reasons_in_plain_words(client_for, payable_creator):
    creator = payable_creator("100.00")
    paid = make_payout(creator, 3000)
    failed = make_payout(creator, 2000)
    Payout.objects.filter(pk=paid.pk).update(state=Payout.State.PAID)
    Payout.objects.filter(pk=failed.pk).update(
        state=Payout.State.FAILED,
        failure_code="account_closed",
        failure_reason="Your bank account is closed. Please add a new payout method.",
    )
    PayoutMethod.objects.filter(creator=creator).update(
        status=PayoutMethod.Status.NEEDS_ATTENTION,
        attention_reason="The last payout failed: the account is closed.",
    )
    response = client_for(creator.user).get(ME)
    body = response.content.decode()
    assert (
        "Your payout method needs attention: The last payout failed: the account is closed."
        in response.context["outlook"].reasons
    )
    assert f'data-testid="payout-{paid.pk}"' in body and "30.00 USD" in body
    assert "Your bank account is closed. Please add a new payout method." in body
    assert "The last payout failed: the account is closed." in body
    assert "account_closed" not in body


def test_overview_never_shows_the_details(client, creator):
    sepa_method(creator, account_holder="Secret Holder")
    body = client.get(ME).content.decode()
    assert "IBAN DE89 …3000" in body
    assert "DE89370400440532013000" not in body and "0532013000" not in body
    assert "Secret Holder" not in body


def test_history_fragment_for_htmx(client_for, payable_creator):
    creator = payable_creator("100.00")
    for _ in range(21):
        make_payout(creator, 100)
    client = client_for(creator.user)
    response = client.get(ME, {"page": 2}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="history">')
    assert "<html" not in body
    assert body.count('data-testid="payout-') == 1
    assert "HX-Request" in response["Vary"]


def test_overview_query_count_is_constant(
    client_for, payable_creator, django_assert_max_num_queries
):
    for code in ("USD", "EUR"):
        currency_exponent(code)
    creator = payable_creator("100.00")
    make_payout(creator, 99)  # an empty history skips the page query
    client = client_for(creator.user)
    client.get(ME)
    with CaptureQueriesContext(connection) as small:
        client.get(ME)
    for i in range(5):
        make_method(creator, "paxum", default=False, status="unverified")
        make_payout(creator, 100 + i)
    with django_assert_max_num_queries(40):
        client.get(ME)
    with CaptureQueriesContext(connection) as large:
        client.get(ME)
    assert len(large) == len(small)


# --- methods -----------------------------------------------------------------------------


def test_choose_lists_active_processors(client):
    Processor.objects.filter(code="check").update(active=False)
    body = client.get(reverse("payouts:me_method_choose")).content.decode()
    assert 'data-testid="processor-sepa"' in body
    assert 'data-testid="processor-crypto-btc"' in body
    assert 'data-testid="processor-check"' not in body


def test_sandbox_is_offered_only_where_it_is_enabled(client, creator, settings):
    sandbox = reverse("payouts:me_method_add", args=["sandbox"])
    settings.SANDBOX_ENABLED = False  # production
    body = client.get(reverse("payouts:me_method_choose")).content.decode()
    assert 'data-testid="processor-sandbox"' not in body
    assert "Sandbox" not in body
    assert client.get(sandbox).status_code == 404
    # Refused on the server too, not only left out of the list.
    response = client.post(sandbox, {"currency": "USD", "account": "demo-0000"})
    assert response.status_code == 404
    assert not PayoutMethod.objects.filter(creator=creator, processor__code="sandbox").exists()

    settings.SANDBOX_ENABLED = True  # the demo, development (make run: DEBUG=true)
    body = client.get(reverse("payouts:me_method_choose")).content.decode()
    assert 'data-testid="processor-sandbox"' in body
    assert client.get(sandbox).status_code == 200


def test_sandbox_setting_follows_debug_unless_set():
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fanzdash.settings');"
        "django.setup(); from django.conf import settings; print(settings.SANDBOX_ENABLED)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SANDBOX_ENABLED")}

    def enabled(**extra) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]

    assert enabled(DEBUG="true") == "True"
    assert enabled(DEBUG="false") == "False"
    assert enabled(DEBUG="false", SANDBOX_ENABLED="true") == "True"


@pytest.mark.parametrize("code", list(Processor.MethodType.values))
def test_every_method_type_has_a_form(client, code, settings):
    settings.SANDBOX_ENABLED = True
    processor = Processor.objects.filter(method_type=code, active=True).first()
    if processor is None:
        pytest.skip(f"no seeded processor of type {code}")
    response = client.get(reverse("payouts:me_method_add", args=[processor.code]))
    assert response.status_code == 200
    assert 'name="currency"' in response.content.decode()


def test_add_unknown_or_inactive_processor_is_404(client):
    assert client.get(reverse("payouts:me_method_add", args=["nope"])).status_code == 404
    Processor.objects.filter(code="sepa").update(active=False)
    assert client.get(reverse("payouts:me_method_add", args=["sepa"])).status_code == 404


def test_add_iban_through_the_form(client, creator):
    response = client.post(
        reverse("payouts:me_method_add", args=["sepa"]),
        {
            "account_holder": "Ana Example",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "",
            "currency": "EUR",
            "label": "Main",
        },
    )
    assert response.status_code == 302 and response["Location"] == ME
    method = PayoutMethod.objects.get(creator=creator)
    assert method.details_hint == "IBAN DE89 …3000" and method.label == "Main"
    assert method.is_default and method.status == "unverified"
    assert "verifies it before the first payout" in client.get(ME).content.decode()


def test_add_with_invalid_details_shows_errors_and_writes_nothing(client, creator):
    response = client.post(
        reverse("payouts:me_method_add", args=["ach"]),
        {
            "account_holder": "Sam",
            "routing_number": "011000016",
            "account_number": "12",
            "account_type": "checking",
            "currency": "USD",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "check digit" in form.errors["routing_number"][0]
    assert "4 to 17 digits" in form.errors["account_number"][0]
    assert not PayoutMethod.objects.exists()


def test_add_with_a_currency_the_processor_lacks_is_refused(client):
    response = client.post(
        reverse("payouts:me_method_add", args=["sepa"]),
        {"account_holder": "Ana", "iban": IBAN["iban"], "currency": "USD"},
    )
    assert response.status_code == 400
    assert not PayoutMethod.objects.exists()


def test_add_crypto_wallet(client, creator):
    response = client.post(
        reverse("payouts:me_method_add", args=["crypto-eth"]),
        {"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "currency": "USD"},
    )
    assert response.status_code == 400
    assert "checksum" in response.context["form"].errors["address"][0]
    response = client.post(
        reverse("payouts:me_method_add", args=["crypto-eth"]),
        {"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "currency": "USD"},
    )
    assert response.status_code == 302
    assert PayoutMethod.objects.get(creator=creator).details_hint == "ETH 0x5aAe…eAed"


def test_set_default_and_disable(client, creator):
    first = sepa_method(creator)
    second = sepa_method(creator, account_holder="Two")
    response = client.post(reverse("payouts:me_method_default", args=[second.pk]))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.is_default
    response = client.post(
        reverse("payouts:me_method_disable", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="methods">') and "<html" not in body
    assert "is disabled" in body
    first.refresh_from_db()
    assert first.status == "disabled"
    # disabling again is refused in words, nothing changes
    response = client.post(reverse("payouts:me_method_disable", args=[first.pk]), follow=True)
    assert "already disabled" in response.content.decode()


def test_instant_button_where_allowed(client_for, payable_creator):
    creator = payable_creator("100.00", processor="paxum")
    method = creator.payout_methods.get()
    client = client_for(creator.user)
    body = client.get(ME).content.decode()
    assert reverse("payouts:me_method_instant", args=[method.pk]) in body
    response = client.post(reverse("payouts:me_method_instant", args=[method.pk]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    payout = Payout.objects.get(creator=creator)
    assert payout.batch.source == "instant" and payout.amount_minor == 10000
    assert f"Instant payout requested (batch #{payout.batch_id})" in body
    assert f'data-testid="payout-{payout.pk}"' in body
    # asked again while it is on its way: refused in words, nothing more is built
    response = client.post(reverse("payouts:me_method_instant", args=[method.pk]), follow=True)
    assert "A payout to you is already on its way." in response.content.decode()
    assert Payout.objects.filter(creator=creator).count() == 1


def test_no_instant_button_for_sepa(client, creator):
    method = sepa_method(creator)
    assert (
        reverse("payouts:me_method_instant", args=[method.pk])
        not in client.get(ME).content.decode()
    )


# --- schedule ----------------------------------------------------------------------------


def test_schedule_form_saves(client, creator):
    assert client.get(reverse("payouts:me_schedule")).status_code == 200
    response = client.post(
        reverse("payouts:me_schedule"),
        {"kind": "threshold", "threshold": "150.00", "minimum": "20", "currency": "EUR"},
    )
    assert response.status_code == 302
    schedule = PayoutSchedule.objects.get(creator=creator)
    assert (schedule.kind, schedule.threshold_minor, schedule.minimum_minor) == (
        "threshold",
        15000,
        2000,
    )
    assert "When the balance reaches 150.00 EUR" in client.get(ME).content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "threshold", "threshold": "", "minimum": "20"}, "threshold"),
        ({"kind": "threshold", "threshold": "10", "minimum": "20"}, "threshold"),
        ({"kind": "monthly", "day_of_month": "", "minimum": "20"}, "day_of_month"),
        ({"kind": "weekly", "weekday": "", "minimum": "1.234"}, "minimum"),
        ({"kind": "yearly", "minimum": "20"}, "kind"),
    ],
)
def test_schedule_form_errors_write_nothing(client, data, field):
    response = client.post(reverse("payouts:me_schedule"), {**data, "currency": "EUR"})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PayoutSchedule.objects.exists()


# --- staff verification screen -----------------------------------------------------------


@pytest.mark.parametrize("role", ["super_admin", "finance_user", "compliance_user"])
def test_verify_screen_allowed_roles(request, client_for, creator, role):
    staff = request.getfixturevalue(role)
    method = sepa_method(creator)
    client = client_for(staff)
    body = client.get(VERIFY_LIST).content.decode()
    assert f'data-testid="method-{method.pk}"' in body and "IBAN DE89 …3000" in body
    assert "0532013000" not in body
    response = client.post(reverse("payouts:method_verify", args=[method.pk]))
    assert response.status_code == 302
    method.refresh_from_db()
    assert method.status == "verified" and method.verified_by == staff
    assert f'data-testid="method-{method.pk}"' not in client.get(VERIFY_LIST).content.decode()


@pytest.mark.parametrize("role", ["support_user", "creator_user"])
def test_verify_screen_wrong_roles(request, client_for, creator, role):
    method = sepa_method(creator)
    client = client_for(request.getfixturevalue(role))
    assert client.get(VERIFY_LIST).status_code == 403
    assert client.post(reverse("payouts:method_verify", args=[method.pk])).status_code == 403
    method.refresh_from_db()
    assert method.status == "unverified"


def test_verify_screen_needs_attention_filter_and_refusal_words(client_for, finance_user, creator):
    method = sepa_method(creator)
    payout_method_verify(method=method, actor=finance_user)
    PayoutMethod.objects.filter(pk=method.pk).update(
        status="needs_attention", attention_reason="Payout failed: account closed."
    )
    client = client_for(finance_user)
    body = client.get(VERIFY_LIST, {"status": "needs_attention"}).content.decode()
    assert "Payout failed: account closed." in body
    PayoutMethod.objects.filter(pk=method.pk).update(status="disabled")
    response = client.post(reverse("payouts:method_verify", args=[method.pk]), follow=True)
    assert "This method is disabled." in response.content.decode()
    assert client.post(reverse("payouts:method_verify", args=[999999])).status_code == 404


def test_verify_screen_query_count_is_constant(
    client_for, finance_user, creator_factory, django_assert_max_num_queries
):
    client = client_for(finance_user)
    sepa_method(creator_factory(currency="EUR"))
    client.get(VERIFY_LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(VERIFY_LIST)
    for _ in range(6):
        sepa_method(creator_factory(currency="EUR"))
    with django_assert_max_num_queries(20):
        client.get(VERIFY_LIST)
    with CaptureQueriesContext(connection) as large:
        client.get(VERIFY_LIST)
    assert len(large) == len(small)
    fragment = client.get(VERIFY_LIST, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment


# --- navigation --------------------------------------------------------------------------


def test_navigation_links(client, client_for, support_user, finance_user):
    assert ME in client.get(reverse("earnings:home")).content.decode()
    nav = [item["label"] for item in client.get(ME).context["nav_items"]]
    assert "My payouts" in nav
    finance_nav = client_for(finance_user).get(VERIFY_LIST).context["nav_items"]
    assert "Verify payout methods" in [item["label"] for item in finance_nav]
    support_nav = client_for(support_user).get(reverse("dashboard:overview")).context["nav_items"]
    assert "Verify payout methods" not in [item["label"] for item in support_nav]


def test_reasons_in_the_creators_words(client_for, payable_creator, finance_user):
    from datetime import timedelta

    from django.utils import timezone

    from apps.creators.models import Creator, PayoutHold

    creator = payable_creator("100.00")
    Creator.objects.filter(pk=creator.pk).update(
        status=Creator.Status.SUSPENDED,
        age_verified_until=timezone.now().date() - timedelta(days=1),
    )
    PayoutHold.objects.create(creator=creator, source="staff", reason="internal: chargeback ring")
    PayoutMethod.objects.filter(creator=creator).update(status="unverified")
    reasons = client_for(creator.user).get(ME).context["outlook"].reasons
    assert "Your account is suspended: payouts are paused." in reasons
    assert "Your age verification has expired: please verify again to be paid." in reasons
    assert "Your payouts are on hold while our team reviews your account." in reasons
    assert "Your payout method is waiting to be verified by our team." in reasons
    assert not any("chargeback ring" in r for r in reasons)
