"""/api/v1/compliance/gdpr-requests/: a platform key files requests about its own users only
(another platform's user: 404, nothing written), staff for anyone; bad input is 400 with the
reason; lists and details scoped to the caller; in the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.compliance.models import DataSubjectRequest
from apps.compliance.services import gdpr_request_create
from apps.integrations.models import PlatformUser
from apps.platforms.models import Platform
from tests.api.keys import key_client, make_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/gdpr-requests/"


@pytest.fixture
def boyfanz_key(db):
    return key_client(make_key("boyfanz")[1])


def test_a_platform_files_for_its_own_creator_by_platform_user_id(today, creator, boyfanz_key):
    response = boyfanz_key.post(
        URL,
        {"kind": "access", "platformUserId": f"boyfanz-{creator.pk}"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "access" and body["status"] == "received"
    assert body["subject"]["platform"] == "boyfanz"
    assert body["subject"]["platformUserId"] == f"boyfanz-{creator.pk}"
    assert body["dueAt"] == "2026-07-15T12:00:00Z" and body["daysLeft"] == 30
    request = DataSubjectRequest.objects.get()
    assert request.filed_by_platform.slug == "boyfanz" and request.created_by is None


def test_a_platform_files_for_its_fan_and_by_email(today, creator, boyfanz_key):
    PlatformUser.objects.create(
        platform=Platform.objects.get(slug="boyfanz"),
        external_id="fan_77",
        email="fan@example.test",
    )
    assert (
        boyfanz_key.post(
            URL, {"kind": "erasure", "platformUserId": "fan_77"}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        boyfanz_key.post(
            URL, {"kind": "access", "email": creator.user.email}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        boyfanz_key.post(
            URL, {"kind": "access", "email": "FAN@example.test"}, content_type="application/json"
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "access", "platformUserId": "pupfanz-1"},  # nobody on boyfanz
        {"kind": "access", "email": "nobody@example.test"},
        {"kind": "access", "platform": "girlfanz", "platformUserId": "x"},  # another platform
    ],
)
def test_never_another_platforms_users(today, creator_factory, boyfanz_key, payload):
    other = creator_factory(platforms=("pupfanz",), email="pup@example.test")
    payload = dict(payload)
    if payload.get("platformUserId") == "pupfanz-1":
        payload["platformUserId"] = f"pupfanz-{other.pk}"
    response = boyfanz_key.post(URL, payload, content_type="application/json")
    assert response.status_code == 404, response.json()
    assert response.json()["error"] == "not_found"
    # The email of a creator who is only on another platform: 404 too.
    response = boyfanz_key.post(
        URL, {"kind": "access", "email": "pup@example.test"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"kind": "forget", "email": "a@example.test"}, "invalid"),
        ({"kind": "access"}, "subject_required"),
        ({"kind": "access", "creatorId": 1}, "invalid_subject"),
        ({"kind": "access", "email": "not-an-email"}, "invalid"),
    ],
)
def test_bad_input_is_400_with_the_reason(today, creator, boyfanz_key, payload, error):
    response = boyfanz_key.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["detail"]
    assert not DataSubjectRequest.objects.exists()


def test_staff_file_for_anyone(today, creator, compliance_user, client_for):
    client = client_for(compliance_user)
    response = client.post(
        URL,
        {"kind": "rectification", "creatorId": creator.pk, "receivedAt": "2026-01-31T10:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["subject"]["creatorId"] == creator.pk
    response = client.post(
        URL, {"kind": "access", "creatorId": 999999}, content_type="application/json"
    )
    assert response.status_code == 404
    assert DataSubjectRequest.objects.count() == 1


def test_lists_and_details_are_scoped(today, creator, compliance_user, client_for, boyfanz_key):
    mine = gdpr_request_create(
        kind="access",
        subject_platform_user_id=f"boyfanz-{creator.pk}",
        platform=Platform.objects.get(slug="boyfanz"),
        actor=None,
    )
    staff = gdpr_request_create(kind="access", subject_creator=creator, actor=compliance_user)
    assert [r["id"] for r in boyfanz_key.get(URL).json()["results"]] == [mine.pk]
    assert boyfanz_key.get(f"{URL}{mine.pk}/").status_code == 200
    assert boyfanz_key.get(f"{URL}{staff.pk}/").status_code == 404
    girl = key_client(make_key("girlfanz")[1])
    assert girl.get(f"{URL}{mine.pk}/").status_code == 404
    assert girl.get(URL).json()["results"] == []
    ids = {r["id"] for r in client_for(compliance_user).get(URL).json()["results"]}
    assert ids == {mine.pk, staff.pk}


def test_who_may_call(today, creator, finance_user, support_user, client_for):
    for user in (finance_user, support_user):
        assert client_for(user).get(URL).status_code == 403
        assert (
            client_for(user)
            .post(URL, {"kind": "access", "creatorId": creator.pk}, content_type="application/json")
            .status_code
            == 403
        )
    assert Client().get(URL).status_code in (401, 403)
    assert not DataSubjectRequest.objects.exists()


def test_in_the_schema(super_admin, client_for):
    schema = client_for(super_admin).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/compliance/gdpr-requests/"])
    assert "get" in paths["/api/v1/compliance/gdpr-requests/{id}/"]
    post = paths["/api/v1/compliance/gdpr-requests/"]["post"]
    assert {"201", "400", "404"} <= set(post["responses"])
