"""URLs for the webhook benchmark's gunicorn: the project as it is, plus the baseline view at
``/bench/bare`` (a bare Django view that checks the HMAC and inserts one row). Settings:
benchmarks/webhooks_settings.py. Used only by benchmarks/webhooks.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from fanzdash.urls import urlpatterns as project_urlpatterns

BARE_SECRET = os.environ.get("BENCH_WEBHOOK_SECRET", "").encode()
BARE_TABLE = "bench_bare_event"


@csrf_exempt
def bare_webhook(request):
    """The baseline: what any Django webhook view must do at least, through the same stack."""
    body = request.body
    expected = "sha256=" + hmac.new(BARE_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-FANZ-Signature", ""), expected):
        return JsonResponse({"error": "invalid_signature"}, status=401)
    event_id = json.loads(body)["id"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (event_id, body) VALUES (%s, %s) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [event_id, body.decode()],
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None, "duplicate": row is None}, status=202)


urlpatterns = [path("bench/bare", bare_webhook), *project_urlpatterns]
