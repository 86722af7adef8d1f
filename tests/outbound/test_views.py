"""The outbound webhooks screens and API: who may read and act (allowed, wrong role,
anonymous), what they show, the htmx fragment, bounded queries, and the actions' effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.outbound.models import OutboundDelivery, OutboundEndpoint
from apps.outbound.services import outbound_endpoint_disable, outbound_event_emit

from .conftest import Answer

State = OutboundDelivery.State
READERS = [Role.SUPER_ADMIN, Role.FINANCE, Role.SUPPORT]
NON_READERS = [Role.COMPLIANCE, Role.CREATOR]
MANAGERS = [Role.SUPER_ADMIN, Role.FINANCE]
NON_MANAGERS = [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR]
DATA = {"payoutId": "po_9", "creatorId": "c-1", "amount": "5.00", "currency": "USD"}


@pytest.fixture
def failed_delivery(platform, platform_server, django_capture_on_commit_callbacks):
    """A delivery the platform answered 500 twice, then abandoned."""
    platform_server.script(Answer(500, body=b"upstream down"))
    with django_capture_on_commit_callbacks(execute=True):
        event = outbound_event_emit(platform=platform, event_type="payout.paid", data=DATA)
    OutboundDelivery.objects.filter(event=event).update(state=State.ABANDONED, next_attempt_at=None)
    return OutboundDelivery.objects.select_related("event").get(event=event)


def _read_urls(delivery) -> list[str]:
    return [
        reverse("outbound:deliveries"),
        reverse("outbound:delivery_detail", args=[delivery.pk]),
        reverse("outbound:endpoints"),
    ]


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_readers_see_every_screen(users_by_role, client_for, failed_delivery, role):
    client = client_for(users_by_role[role])
    for url in _read_urls(failed_delivery):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("outbound:delivery_detail", args=[failed_delivery.pk]))
    assert failed_delivery.event.event_id.encode() in detail.content
    assert b"upstream down" in detail.content  # the attempt log's response excerpt


@pytest.mark.parametrize("role", NON_READERS)
def test_other_roles_are_refused(users_by_role, client_for, failed_delivery, role):
    client = client_for(users_by_role[role])
    for url in _read_urls(failed_delivery):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_sign_in(failed_delivery, platform):
    client = Client()
    urls = [*_read_urls(failed_delivery), reverse("outbound:bulk_redeliver")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    posts = [
        reverse("outbound:delivery_redeliver", args=[failed_delivery.pk]),
        reverse("outbound:endpoint_disable", args=[platform.slug]),
        reverse("outbound:endpoint_enable", args=[platform.slug]),
        reverse("outbound:bulk_redeliver"),
    ]
    for url in posts:
        response = client.post(url, {"reason": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == State.ABANDONED
    assert OutboundEndpoint.objects.get(platform=platform).enabled


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_only_managers_may_act(users_by_role, client_for, failed_delivery, platform, role):
    client = client_for(users_by_role[role])
    assert client.get(reverse("outbound:bulk_redeliver")).status_code == 403
    posts = [
        (reverse("outbound:delivery_redeliver", args=[failed_delivery.pk]), {}),
        (reverse("outbound:endpoint_disable", args=[platform.slug]), {"reason": "x"}),
        (reverse("outbound:endpoint_enable", args=[platform.slug]), {}),
        (
            reverse("outbound:bulk_redeliver"),
            {"platform": platform.slug, "since": "2020-01-01T00:00", "until": "2030-01-01T00:00"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == State.ABANDONED and failed_delivery.redelivery_count == 0
    assert OutboundEndpoint.objects.get(platform=platform).enabled
    assert not AuditEvent.objects.filter(action__startswith="outbound.").exists()


def test_the_redeliver_button_shows_only_to_managers(users_by_role, client_for, failed_delivery):
    url = reverse("outbound:delivery_detail", args=[failed_delivery.pk])
    action = reverse("outbound:delivery_redeliver", args=[failed_delivery.pk]).encode()
    assert action in client_for(users_by_role[Role.FINANCE]).get(url).content
    assert action not in client_for(users_by_role[Role.SUPPORT]).get(url).content


def test_the_nav_shows_outbound_webhooks_to_readers(users_by_role, client_for, platform):
    link = reverse("outbound:deliveries").encode()
    assert link in client_for(users_by_role[Role.SUPPORT]).get(reverse("creators:list")).content
    compliance = client_for(users_by_role[Role.COMPLIANCE]).get(reverse("creators:list"))
    assert link not in compliance.content


# --- the list --------------------------------------------------------------------------------


def _list(client, **params):
    response = client.get(reverse("outbound:deliveries"), params)
    assert response.status_code == 200
    return [delivery.pk for delivery in response.context["page"]]


def test_filters(client_for, finance_user, platform, failed_delivery, clock):
    from apps.platforms.models import Platform

    girlfanz, _ = Platform.objects.get_or_create(
        slug="girlfanz", defaults={"name": "GirlFanz", "domain": "girlfanz.com"}
    )
    clock.advance(days=2)
    other = OutboundDelivery.objects.get(
        event=outbound_event_emit(
            platform=girlfanz,
            event_type="creator.kyc_changed",
            data={"creatorId": "g-1", "kycLevel": 2, "previousKycLevel": 1},
        )
    )
    client = client_for(finance_user)
    assert _list(client) == [other.pk, failed_delivery.pk]
    assert _list(client, platform="boyfanz") == [failed_delivery.pk]
    assert _list(client, state="failed") == [other.pk]
    assert _list(client, state="abandoned") == [failed_delivery.pk]
    assert _list(client, event_type="creator.kyc_changed") == [other.pk]
    assert _list(client, q=failed_delivery.event.event_id) == [failed_delivery.pk]
    today = timezone.localdate(clock.now)
    assert _list(client, date_from=today.isoformat()) == [other.pk]
    before = (today - timedelta(days=1)).isoformat()
    assert _list(client, date_to=before) == [failed_delivery.pk]
    # An unreadable filter lists nothing rather than everything.
    assert _list(client, platform="nope") == []
    assert _list(client, state="exploded") == []


def test_htmx_gets_only_the_results_fragment(client_for, finance_user, failed_delivery):
    response = client_for(finance_user).get(
        reverse("outbound:deliveries"), {"state": "abandoned"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b"<table" in response.content
    assert failed_delivery.event.event_id.encode() in response.content
    assert "HX-Request" in response["Vary"]


def test_the_list_issues_a_constant_number_of_queries(
    client_for, finance_user, platform, platform_server
):
    client = client_for(finance_user)
    url = reverse("outbound:deliveries")

    def count() -> int:
        client.get(url)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(2):
        outbound_event_emit(platform=platform, event_type="payout.paid", data=DATA)
    few = count()
    for _ in range(25):
        outbound_event_emit(platform=platform, event_type="payout.paid", data=DATA)
    assert count() == few


def test_the_endpoints_screen_shows_state_and_counts(
    client_for, finance_user, platform, failed_delivery, platform_server
):
    outbound_endpoint_disable(platform=platform, actor=finance_user, reason="server move")
    response = client_for(finance_user).get(reverse("outbound:endpoints"))
    row = next(row for row in response.context["rows"] if row.platform.slug == "boyfanz")
    assert not row.enabled and row.abandoned == 1 and row.url == platform_server.url
    assert row.url_from_environment and row.has_secret
    assert b"server move" in response.content
    assert reverse("outbound:endpoint_enable", args=["boyfanz"]).encode() in response.content


# --- the actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_redeliver_one(
    users_by_role,
    client_for,
    failed_delivery,
    platform_server,
    role,
    django_capture_on_commit_callbacks,
):
    user = users_by_role[role]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(
            reverse("outbound:delivery_redeliver", args=[failed_delivery.pk])
        )
    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == State.SUCCEEDED and failed_delivery.redelivery_count == 1
    assert AuditEvent.objects.filter(action="outbound.delivery_redelivered", actor=user).exists()


def test_redeliver_of_a_pending_delivery_says_why(client_for, finance_user, platform):
    event = outbound_event_emit(platform=platform, event_type="payout.paid", data=DATA)
    delivery = OutboundDelivery.objects.get(event=event)
    response = client_for(finance_user).post(
        reverse("outbound:delivery_redeliver", args=[delivery.pk]), follow=True
    )
    assert b"already scheduled" in response.content
    assert not AuditEvent.objects.filter(action="outbound.delivery_redelivered").exists()


def test_redeliver_requires_post(client_for, finance_user, failed_delivery):
    url = reverse("outbound:delivery_redeliver", args=[failed_delivery.pk])
    assert client_for(finance_user).get(url).status_code == 405


def test_disable_then_enable_from_the_screen(client_for, finance_user, platform):
    client = client_for(finance_user)
    response = client.post(reverse("outbound:endpoint_disable", args=["boyfanz"]), {"reason": ""})
    assert response.status_code == 302
    # No reason, no change.
    assert not OutboundEndpoint.objects.filter(platform=platform, enabled=False).exists()
    client.post(reverse("outbound:endpoint_disable", args=["boyfanz"]), {"reason": "maintenance"})
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert not endpoint.enabled and endpoint.disabled_reason == "maintenance"
    client.post(reverse("outbound:endpoint_enable", args=["boyfanz"]))
    assert OutboundEndpoint.objects.get(platform=platform).enabled
    assert client.post(reverse("outbound:endpoint_enable", args=["nope"])).status_code == 404


def test_bulk_redeliver_from_the_form(
    client_for, finance_user, platform, failed_delivery, django_capture_on_commit_callbacks
):
    client = client_for(finance_user)
    page = client.get(reverse("outbound:bulk_redeliver"), {"platform": "boyfanz"})
    assert page.status_code == 200 and b'name="since"' in page.content
    now = timezone.localtime()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outbound:bulk_redeliver"),
            {
                "platform": "boyfanz",
                "since": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "until": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("outbound:deliveries"))
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == State.SUCCEEDED
    audit = AuditEvent.objects.get(action="outbound.deliveries_redelivered")
    assert audit.actor == finance_user and audit.after["count"] == 1


@pytest.mark.parametrize(
    "data",
    [
        {"platform": "boyfanz", "since": "2026-11-02T00:00", "until": "2026-11-01T00:00"},
        {"platform": "boyfanz", "since": "yesterday", "until": "2026-11-01T00:00"},
        {"platform": "nope", "since": "2026-11-01T00:00", "until": "2026-11-02T00:00"},
        {"platform": "boyfanz", "since": "2020-01-01T00:00", "until": "2026-11-02T00:00"},
    ],
)
def test_bulk_redeliver_bad_input_is_a_400_and_changes_nothing(
    client_for, finance_user, failed_delivery, data
):
    response = client_for(finance_user).post(reverse("outbound:bulk_redeliver"), data)
    assert response.status_code == 400
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == State.ABANDONED
    assert not AuditEvent.objects.filter(action="outbound.deliveries_redelivered").exists()


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_api_lists_deliveries_for_readers(users_by_role, client_for, failed_delivery, role):
    response = client_for(users_by_role[role]).get(reverse("api:outbound-delivery-list"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["eventId"] == failed_delivery.event.event_id
    assert row["state"] == "abandoned" and row["platform"] == "boyfanz"
    assert row["lastStatusCode"] == 500 and row["endpointEnabled"] is True


@pytest.mark.parametrize("role", NON_READERS)
def test_api_refuses_other_roles(users_by_role, client_for, failed_delivery, role):
    client = client_for(users_by_role[role])
    for url in (
        reverse("api:outbound-delivery-list"),
        reverse("api:outbound-delivery-detail", args=[failed_delivery.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"] == "permission_denied"


def test_api_refuses_anonymous_callers(failed_delivery):
    response = Client().get(reverse("api:outbound-delivery-list"))
    assert response.status_code in (401, 403)
    assert response.json()["error"] == "not_authenticated"


def test_api_filters_and_bad_filters(client_for, finance_user, failed_delivery):
    client = client_for(finance_user)
    url = reverse("api:outbound-delivery-list")
    assert len(client.get(url, {"state": "abandoned"}).json()["results"]) == 1
    assert client.get(url, {"state": "succeeded"}).json()["results"] == []
    assert client.get(url, {"platform": "girlfanz"}).json()["results"] == []
    event_id = failed_delivery.event.event_id
    assert len(client.get(url, {"event_id": event_id}).json()["results"]) == 1
    bad = client.get(url, {"state": "exploded"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    assert "state" in bad.json()["detail"]
    bad = client.get(url, {"created_after": "not a date"})
    assert bad.status_code == 400 and "created_after" in bad.json()["detail"]


def test_api_detail_has_the_body_and_attempt_log(client_for, finance_user, failed_delivery):
    client = client_for(finance_user)
    response = client.get(reverse("api:outbound-delivery-detail", args=[failed_delivery.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["body"] == failed_delivery.event.body
    [attempt] = body["attemptLog"]
    assert attempt["statusCode"] == 500 and attempt["responseExcerpt"] == "upstream down"
    missing = client.get(reverse("api:outbound-delivery-detail", args=[999999]))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_api_schema_documents_the_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/outbound/deliveries/", "/api/v1/outbound/deliveries/{id}/"):
        assert set(schema["paths"][path]) - {"parameters"} == {"get"}
        assert "403" in schema["paths"][path]["get"]["responses"]


def test_api_refuses_platform_keys(platform, failed_delivery, super_admin):
    """Deliveries are staff-only: a platform's own API key is refused too."""
    services = pytest.importorskip("apps.platforms.services")
    if not hasattr(services, "platform_api_key_create"):
        pytest.skip("platform API keys are not there yet")
    _, raw_key = services.platform_api_key_create(
        platform=platform, name="outbound test", actor=super_admin
    )
    response = Client().get(
        reverse("api:outbound-delivery-list"), HTTP_AUTHORIZATION=f"Bearer {raw_key}"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
