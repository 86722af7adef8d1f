from __future__ import annotations

from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.services import audit_record


def _nav_labels(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"]]


def test_navigation_follows_role(users_by_role, client_for):
    everyone = ["Overview", "Creators", "Platforms"]
    webhooks = ["Webhook events", "Outbound webhooks"]
    expected = {
        Role.SUPER_ADMIN: [
            *everyone,
            *webhooks,
            "Payout holds",
            "Link requests",
            "Compliance",
            "KYC reviews",
            "2257 records",
            "GDPR requests",
            "Violations",
            "System health",
            "Ledger",
            "Trial balance",
            "Payouts",
            "Verify payout methods",
            "Earnings reports",
            "Users & roles",
            "Audit log",
            "Security events",
            "Scheduled tasks",
        ],
        Role.FINANCE: [
            *everyone,
            *webhooks,
            "Payout holds",
            "System health",
            "Ledger",
            "Trial balance",
            "Payouts",
            "Verify payout methods",
            "Earnings reports",
            "Scheduled tasks",
        ],
        Role.COMPLIANCE: [
            *everyone,
            "Payout holds",
            "Link requests",
            "Compliance",
            "KYC reviews",
            "2257 records",
            "GDPR requests",
            "Violations",
            "Payouts",
            "Verify payout methods",
            "Users & roles",
            "Audit log",
            "Security events",
        ],
        Role.SUPPORT: [
            *everyone,
            *webhooks,
            "Payout holds",
            "Link requests",
            "System health",
            "Users & roles",
        ],
    }
    for role, labels in expected.items():
        response = client_for(users_by_role[role]).get(reverse("dashboard:overview"))
        assert _nav_labels(response) == labels, role
    creator = client_for(users_by_role[Role.CREATOR]).get(reverse("dashboard:creator_home"))
    assert _nav_labels(creator) == [
        "My earnings",
        "My payouts",
        "My account",
        "Platform links",
        "Verification",
    ]
    assert b"Django admin" not in creator.content


def test_overview_figures(client_for, super_admin, user_factory, django_assert_max_num_queries):
    user_factory(Role.CREATOR)
    user_factory(Role.CREATOR)
    user_factory(Role.SUPPORT, with_totp=False)
    audit_record(actor=None, action="auth.login_failed", after={"email": "x@example.test"})
    client = client_for(super_admin)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("dashboard:overview"))
    context = response.context
    counts = dict(context["role_counts"])
    assert counts["Creator"] == 2 and counts["Super admin"] == 1 and counts["Support"] == 1
    assert context["staff_without_mfa"] == 1
    assert context["failed_logins_24h"] == 1
    assert context["health"]["checks"]["database"]["ok"] is True
    assert b"auth.login_failed" in response.content


def test_overview_hides_what_the_role_may_not_see(client_for, finance_user):
    response = client_for(finance_user).get(reverse("dashboard:overview"))
    assert response.context["recent_events"] is None
    assert b"Recent activity" not in response.content
    assert response.context["health"] is not None


def test_health_page_and_htmx_fragment(client_for, support_user):
    client = client_for(support_user)
    page = client.get(reverse("dashboard:health"))
    assert page.status_code == 200
    assert b'hx-trigger="every 10s"' in page.content
    fragment = client.get(reverse("dashboard:health"), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert b'data-testid="check-database"' in fragment.content


def test_schedules_page_lists_declared_tasks(client_for, finance_user):
    from django.core.management import call_command

    call_command("setup_periodic_tasks")
    response = client_for(finance_user).get(reverse("dashboard:schedules"))
    assert b"core.record_worker_heartbeat" in response.content
    assert b"every 60 seconds" in response.content


def test_404_page(client_for, creator_user):
    response = client_for(creator_user).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content


def test_500_page_renders_without_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_htmx_is_served_locally(client_for, creator_user, client):
    response = client_for(creator_user).get(reverse("dashboard:creator_home"))
    assert b'<script src="/static/django_htmx/htmx-2.min.js"' in response.content
    for marker in (b"cdn.", b"unpkg", b"jsdelivr", b"googleapis"):
        assert marker not in response.content
    assert client.get("/static/django_htmx/htmx-2.min.js").status_code == 200
    assert client.get("/static/vendor/bootstrap/bootstrap.min.css").status_code == 200


def test_overview_shows_the_business(client_for, finance_user, creator_factory, earning):
    creator = creator_factory(platforms=("boyfanz",))
    earning(creator, gross="19.99")
    earning(creator, gross="5.01")
    response = client_for(finance_user).get(reverse("dashboard:overview"))
    network = response.context["network"]
    (usd,) = network["currencies"]
    assert (usd["currency"], usd["sales"], usd["gross"], usd["pending"]) == (
        "USD",
        2,
        "25.00",
        "25.00",
    )
    assert network["earning_creators"] == 1
    assert b'data-testid="network-money"' in response.content


def test_creators_land_on_their_earnings(client_for, creator_factory):
    creator = creator_factory()
    response = client_for(creator.user).get(reverse("dashboard:home"))
    assert response["Location"] == reverse("earnings:home")


def _active_labels(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def test_exactly_one_navigation_item_is_active_the_best_match(super_admin, client_for):
    client = client_for(super_admin)
    expected = {
        reverse("payouts:methods_verify_list"): "Verify payout methods",
        reverse("payouts:batch_list"): "Payouts",
        reverse("payouts:batch_build"): "Payouts",
        reverse("ledger:trial_balance"): "Trial balance",
        reverse("ledger:accounts"): "Ledger",
        reverse("ledger:entries"): "Ledger",
        reverse("integrations:payout_holds"): "Payout holds",
        reverse("dashboard:overview"): "Overview",
    }
    for url, label in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert _active_labels(response) == [label], url
        assert response.content.count(b'aria-current="page"') == 1, url
