"""Helpers for the processing, handler and screen tests: events stored the way ingestion
stores them (a WebhookEvent row), built from the documented examples."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime

from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import CENTRAL_SOURCE, WebhookEvent
from apps.integrations.schemas import EARNING_EVENTS, EVENT_TYPES, event_validate
from apps.platforms.models import Platform

_seq = itertools.count(1)


_UNSET = object()


def payload_for(event_type: str, *, event_id: str | None = None, platform=_UNSET, **data):
    """The documented example of ``event_type`` with a fresh id, sent to ``platform`` (for a
    central event: ``data.platform``), ``data`` fields overridden (``None`` removes one)."""
    payload = copy.deepcopy(EVENT_EXAMPLES[event_type])
    payload["id"] = event_id or f"evt_{event_type}_{next(_seq)}"
    if EVENT_TYPES[event_type].scope == "platform":
        payload["platform"] = "boyfanz" if platform is _UNSET else platform
    elif platform is not _UNSET:
        data["platform"] = platform
    payload["created_at"] = datetime.now(UTC).isoformat()
    if event_type in EARNING_EVENTS:
        data.setdefault("transactionId", f"tx_{payload['id']}")
    for name, value in data.items():
        if value is None:
            payload["data"].pop(name, None)
        else:
            payload["data"][name] = value
    return payload


def store_event(payload: dict, *, source: str | None = None, source_ip: str | None = None):
    """A WebhookEvent as ingestion writes it (already verified and schema-checked)."""
    source = source or (
        CENTRAL_SOURCE if EVENT_TYPES[payload["event"]].scope == "central" else payload["platform"]
    )
    cleaned = event_validate(source, payload)
    platform = None if source == CENTRAL_SOURCE else Platform.objects.get(slug=source)
    raw = json.dumps(payload)
    return WebhookEvent.objects.create(
        source=source,
        platform=platform,
        event_id=payload["id"],
        event_type=payload["event"],
        transaction_id=cleaned["transaction_id"],
        creator_external_id=cleaned["creator_external_id"],
        occurred_at=cleaned["occurred_at"],
        payload=payload,
        raw_body=raw,
        headers={"Content-Type": "application/json", "X-FANZ-Signature": "sha256=" + "ab" * 32},
        signature_scheme=WebhookEvent.Scheme.FANZ,
        verification={"secret_hint": "…abcd"},
        source_ip=source_ip,
    )


def external_id(creator, slug: str = "boyfanz") -> str:
    return creator.platform_accounts.get(platform__slug=slug).external_id
