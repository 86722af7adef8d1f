"""Both signature schemes, checked against the Standard Webhooks reference library, and secret
rotation (old and new valid during the grace window, the old refused after it)."""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from apps.core import signing
from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import WebhookEvent
from apps.integrations.signatures import SignatureError, SigningSecret, signature_verify

from .conftest import SECRET, encode

BODY = b'{"id":"evt_1","event":"tip_sent"}'


def meta(headers: dict[str, str]) -> dict[str, str]:
    """request.META names of HTTP headers."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def secrets(*values: str) -> list[SigningSecret]:
    return [SigningSecret.from_secret(value) for value in values]


def tip_payload(event_id: str) -> dict:
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    payload["id"] = event_id
    payload["data"]["transactionId"] = f"tx_{event_id}"
    payload["created_at"] = datetime.now(UTC).isoformat()
    return payload


# --- the verifier on its own ---------------------------------------------------------------------


def test_fanz_signature_matches_any_active_secret_and_says_which():
    headers = meta(
        {"X-FANZ-Signature": signing.fanz_signature("old-secret-xxxxxxxxxxxxxxxx1", BODY)}
    )
    verification = signature_verify(
        meta=headers,
        body=BODY,
        secrets=secrets("new-secret-xxxxxxxxxxxxxxxx2", "old-secret-xxxxxxxxxxxxxxxx1"),
    )
    assert verification.scheme == "fanz"
    assert verification.secret_index == 1
    assert verification.secret_hint == "…xxx1"


def test_fanz_signature_hex_is_case_insensitive():
    value = signing.fanz_signature(SECRET, BODY).upper().replace("SHA256=", "sha256=")
    assert signature_verify(
        meta=meta({"X-FANZ-Signature": value}), body=BODY, secrets=secrets(SECRET)
    )


@pytest.mark.parametrize(
    "value",
    ["sha1=abcd", "sha256=", "deadbeef", "sha256=zz"],
)
def test_fanz_signature_in_another_form_is_invalid(value):
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta({"X-FANZ-Signature": value}), body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "invalid_signature"


def test_no_secret_verifies_nothing():
    headers = meta({"X-FANZ-Signature": signing.fanz_signature(SECRET, BODY)})
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=headers, body=BODY, secrets=[])
    assert error.value.code == "invalid_signature"


def test_no_signature_header_is_missing_signature():
    with pytest.raises(SignatureError) as error:
        signature_verify(meta={}, body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "missing_signature"


def test_standard_needs_all_three_headers():
    headers = signing.standard_headers(SECRET, "msg_1", BODY)
    del headers["webhook-timestamp"]
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "missing_signature"


def test_a_standard_header_disables_the_fanz_fallback():
    headers = {
        "X-FANZ-Signature": signing.fanz_signature(SECRET, BODY),
        "webhook-id": "msg_1",
    }
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "missing_signature"


def test_standard_accepts_one_good_signature_among_several_and_ignores_other_versions():
    good = signing.standard_headers(SECRET, "msg_1", BODY)
    headers = {
        **good,
        "webhook-signature": "v1a,AAAA v1,not-base64!! v1,"
        + base64.b64encode(b"x" * 32).decode()
        + " "
        + good["webhook-signature"],
    }
    assert (
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET)).scheme
        == "standard"
    )


@pytest.mark.parametrize("skew", [-301, 301])
def test_standard_tolerance_is_five_minutes_either_way(skew):
    now = time.time()
    headers = signing.standard_headers(SECRET, "msg_1", BODY, timestamp=int(now) + skew)
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET), now=now)
    assert error.value.code == "stale_timestamp"
    ok = signing.standard_headers(SECRET, "msg_1", BODY, timestamp=int(now) - 299)
    assert signature_verify(meta=meta(ok), body=BODY, secrets=secrets(SECRET), now=now)


def test_a_stale_forgery_is_invalid_not_stale():
    headers = signing.standard_headers("another-secret-000000000000", "m", BODY, timestamp=1)
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "invalid_signature"


def test_standard_timestamp_must_be_whole_seconds():
    headers = signing.standard_headers(SECRET, "msg_1", BODY)
    headers["webhook-timestamp"] = "soon"
    with pytest.raises(SignatureError) as error:
        signature_verify(meta=meta(headers), body=BODY, secrets=secrets(SECRET))
    assert error.value.code == "invalid_signature"


def test_whsec_secret_is_the_base64_decoded_key():
    key = b"\x01\x02" * 16
    secret = "whsec_" + base64.b64encode(key).decode()
    assert signing.standard_key(secret) == key
    assert signing.standard_key("plain-secret-abc") == b"plain-secret-abc"


# --- against the reference library ---------------------------------------------------------------


def test_our_standard_signature_verifies_with_the_reference_library():
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    headers = signing.standard_headers(secret, "msg_42", BODY)
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    # a raw (non-whsec) secret is used as its bytes, as the library does with bytes keys
    raw_headers = signing.standard_headers(SECRET, "msg_42", BODY)
    assert Webhook(SECRET.encode()).verify(BODY, raw_headers) == json.loads(BODY)


@pytest.mark.django_db
def test_a_request_signed_by_the_reference_library_is_accepted(platform_secret, post_webhook):
    payload = tip_payload("evt_lib_raw")
    body = encode(payload)
    signature = Webhook(SECRET.encode()).sign("evt_lib_raw", datetime.now(UTC), body.decode())
    headers = {
        "webhook-id": "evt_lib_raw",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": signature,
    }
    response = post_webhook(payload, headers=headers)
    assert response.status_code == 202, response.content
    assert WebhookEvent.objects.get().signature_scheme == "standard"


@pytest.mark.django_db
def test_a_whsec_secret_signed_by_the_reference_library_is_accepted(platform_secret, post_webhook):
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_webhook_secret_rotate

    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    platform_webhook_secret_rotate(
        platform=Platform.objects.get(slug="boyfanz"), actor=None, secret=secret, grace_hours=0
    )
    payload = tip_payload("evt_lib_whsec")
    body = encode(payload)
    when = datetime.now(UTC)
    headers = {
        "webhook-id": "evt_lib_whsec",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_lib_whsec", when, body.decode()),
    }
    assert post_webhook(payload, headers=headers).status_code == 202
    # the library's old signature (10 minutes ago) is refused as stale
    old = when - timedelta(minutes=10)
    headers = {
        "webhook-id": "evt_lib_old",
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_lib_old", old, body.decode()),
    }
    payload["id"] = "evt_lib_old"
    body = encode(payload)
    headers["webhook-signature"] = Webhook(secret).sign("evt_lib_old", old, body.decode())
    response = post_webhook(payload, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"


# --- rotation ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_keeps_the_old_secret_valid_for_the_grace_window(platform_secret, post_webhook):
    from django.utils import timezone

    from apps.platforms.models import Platform, WebhookSecret
    from apps.platforms.services import platform_webhook_secret_rotate

    boyfanz = Platform.objects.get(slug="boyfanz")
    assert post_webhook(tip_payload("evt_r0")).status_code == 202  # fills the source cache
    new = platform_webhook_secret_rotate(platform=boyfanz, actor=None, grace_hours=2).secret
    assert post_webhook(tip_payload("evt_r1"), secret=new).status_code == 202
    assert post_webhook(tip_payload("evt_r2"), secret=SECRET).status_code == 202
    assert post_webhook(tip_payload("evt_r3"), secret=new, scheme="standard").status_code == 202
    hints = set(WebhookEvent.objects.values_list("verification__secret_hint", flat=True))
    assert hints == {"…" + SECRET[-4:], "…" + new[-4:]}

    # the grace window ends
    WebhookSecret.objects.filter(platform=boyfanz, secret=SECRET).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    from apps.integrations.services.ingest import source_cache_clear

    source_cache_clear()  # another process would see it within WEBHOOK_SOURCE_CACHE_SECONDS
    response = post_webhook(tip_payload("evt_r4"), secret=SECRET)
    assert response.status_code == 401
    assert post_webhook(tip_payload("evt_r5"), secret=new).status_code == 202


@pytest.mark.django_db
def test_a_new_secret_works_at_once_even_with_a_cached_old_list(platform_secret, post_webhook):
    """A secret added by another process (no signal here) is found by the second look."""
    from apps.platforms.models import Platform, WebhookSecret

    assert post_webhook(tip_payload("evt_c0")).status_code == 202  # caches [SECRET]
    fresh = "secret-made-by-another-process-0001"
    WebhookSecret.objects.bulk_create(
        [WebhookSecret(platform=Platform.objects.get(slug="boyfanz"), secret=fresh)]
    )
    assert post_webhook(tip_payload("evt_c1"), secret=fresh).status_code == 202


@pytest.mark.django_db
def test_a_revoked_secret_is_refused(platform_secret, post_webhook):
    from apps.platforms.models import WebhookSecret
    from apps.platforms.services import platform_webhook_secret_revoke

    assert post_webhook(tip_payload("evt_v0")).status_code == 202
    platform_webhook_secret_revoke(secret=WebhookSecret.objects.get(secret=SECRET), actor=None)
    assert post_webhook(tip_payload("evt_v1")).status_code == 401


@pytest.mark.django_db
def test_rotation_from_the_dashboard_is_honoured(
    platform_secret, post_webhook, client_for, super_admin
):
    from apps.platforms.models import WebhookSecret

    client = client_for(super_admin)
    response = client.post("/platforms/boyfanz/secrets/rotate/", {"grace_hours": 1})
    assert response.status_code in (200, 302), response.status_code
    new = WebhookSecret.objects.filter(platform__slug="boyfanz").order_by("-created_at", "-id")[0]
    assert new.secret != SECRET
    assert post_webhook(tip_payload("evt_d1"), secret=new.secret).status_code == 202
    assert post_webhook(tip_payload("evt_d2"), secret=SECRET).status_code == 202


@pytest.mark.django_db
def test_rotate_command_prints_the_new_secret_and_keeps_the_old_one(platform_secret, post_webhook):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("rotate_webhook_secret", "boyfanz", "--grace-hours", "3", stdout=out, stderr=err)
    new = out.getvalue().strip()
    assert len(new) >= 24 and "valid for 3 more hours" in err.getvalue()
    assert post_webhook(tip_payload("evt_m1"), secret=new).status_code == 202
    assert post_webhook(tip_payload("evt_m2"), secret=SECRET).status_code == 202

    given = "a-secret-chosen-by-the-operator-0001"
    call_command(
        "rotate_webhook_secret",
        "boyfanz",
        "--secret",
        given,
        "--grace-hours",
        "0",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert post_webhook(tip_payload("evt_m3"), secret=given).status_code == 202
    assert post_webhook(tip_payload("evt_m4"), secret=new).status_code == 401


@pytest.mark.django_db
def test_rotate_command_refusals(platform_secret):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No platform"):
        call_command("rotate_webhook_secret", "nosuchfanz", stdout=StringIO())
    with pytest.raises(CommandError, match="weak_secret"):
        call_command("rotate_webhook_secret", "boyfanz", "--secret", "short", stdout=StringIO())
