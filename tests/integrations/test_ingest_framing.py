"""How a webhook's body may arrive: with Content-Length or chunked (read within the limit,
411 where the server cannot delimit it), and only as application/json (415). Refusals write
nothing and count against the address's failed-authentication quota."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.audit.models import SecurityEvent
from apps.integrations.models import WebhookEvent
from tests.chunked import post_chunked

from .conftest import encode, sign_fanz, sign_standard
from .test_ingest import assert_nothing_written, error_of, tip

pytestmark = pytest.mark.django_db

URL = "/api/integrations/webhooks/boyfanz"
BATCH_URL = URL + "/batch"


def test_a_chunked_body_is_read_and_its_signature_verifies(platform_secret):
    payload = tip()
    body = encode(payload)
    response = post_chunked(URL, body, headers=sign_fanz(body))
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.event_id == payload["id"]
    assert event.raw_body == body.decode()


def test_a_chunked_batch_is_read_too(platform_secret):
    body = encode({"events": [tip(), tip()]})
    response = post_chunked(BATCH_URL, body, headers=sign_standard(body, webhook_id="batch_1"))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2


def test_a_chunked_body_over_the_limit_is_413(platform_secret, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    body = encode(tip(padding="x" * 2048))
    response = post_chunked(URL, body, headers=sign_fanz(body))
    assert response.status_code == 413
    assert error_of(response)[0] == "payload_too_large"
    assert_nothing_written()


def test_a_chunked_body_the_server_cannot_delimit_is_411(platform_secret):
    body = encode(tip())
    response = post_chunked(URL, body, headers=sign_fanz(body), terminated=False)
    assert response.status_code == 411
    assert error_of(response)[0] == "length_required"
    assert_nothing_written()
    assert SecurityEvent.objects.count() == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;charset=UTF-8", "APPLICATION/JSON"],
)
def test_json_with_parameters_passes(platform_secret, content_type):
    body = encode(tip())
    response = Client().post(URL, data=body, content_type=content_type, headers=sign_fanz(body))
    assert response.status_code == 202, response.content


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
@pytest.mark.parametrize("url", [URL, BATCH_URL, "/api/integrations/webhooks/fanzdash"])
def test_a_correctly_signed_body_that_is_not_json_is_415(platform_secret, content_type, url):
    payload = tip() if url != BATCH_URL else {"events": [tip()]}
    body = encode(payload)
    response = Client().post(url, data=body, content_type=content_type, headers=sign_fanz(body))
    assert response.status_code == 415
    assert error_of(response)[0] == "unsupported_media_type"
    assert_nothing_written()
    assert SecurityEvent.objects.count() == 0


def test_a_missing_content_type_is_415(platform_secret):
    body = encode(tip())
    response = post_chunked(URL, body, content_type=None, headers=sign_fanz(body))
    assert response.status_code == 415
    assert_nothing_written()


def test_415_comes_after_the_size_and_before_the_platform(platform_secret, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    big = encode(tip(padding="x" * 2048))
    response = Client().post(
        "/api/integrations/webhooks/nosuchfanz", data=big, content_type="text/plain"
    )
    assert response.status_code == 413
    small = encode(tip())
    response = Client().post(
        "/api/integrations/webhooks/nosuchfanz", data=small, content_type="text/plain"
    )
    assert response.status_code == 415


def test_411_and_415_count_against_the_address(platform_secret, settings):
    settings.WEBHOOK_FAILED_AUTH_LIMIT = 3
    body = encode(tip())
    client = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [
        post_chunked(URL, body, headers=sign_fanz(body), terminated=False, client=client),
        client.post(URL, data=body, content_type="text/plain", headers=sign_fanz(body)),
        client.post(URL, data=body, content_type="text/plain", headers=sign_fanz(body)),
        client.post(URL, data=body, content_type="text/plain", headers=sign_fanz(body)),
    ]
    assert [response.status_code for response in statuses] == [411, 415, 415, 429]
    assert statuses[-1].json()["error"] == "throttled"
    assert statuses[-1]["Retry-After"]
    # A correctly signing sender elsewhere is not affected.
    assert (
        Client()
        .post(URL, data=body, content_type="application/json", headers=sign_fanz(body))
        .status_code
        == 202
    )
