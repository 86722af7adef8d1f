"""One valid example of every event type: the request examples of the OpenAPI schema (as in
docs/integration.md) and the default ``data`` of the development ``test/webhook`` endpoint. The
schema tests check that each one passes ``schemas.event_validate``."""

from __future__ import annotations

from .models import CENTRAL_SOURCE


def _example(event_id: str, event: str, data: dict, platform: str = "boyfanz") -> dict:
    return {
        "id": event_id,
        "event": event,
        "platform": platform,
        "created_at": "2026-11-20T12:00:00Z",
        "data": data,
    }


EVENT_EXAMPLES: dict[str, dict] = {
    "subscription_created": _example(
        "evt_sub_0001",
        "subscription_created",
        {
            "transactionId": "tx_sub_0001",
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "subscription_renewed": _example(
        "evt_sub_0002",
        "subscription_renewed",
        {
            "transactionId": "tx_sub_0002",
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "tip_sent": _example(
        "evt_8f14e45f",
        "tip_sent",
        {
            "transactionId": "tx_123",
            "userId": "fan_77",
            "creatorId": "creator456",
            "amount": "19.99",
            "currency": "USD",
        },
    ),
    "content_purchased": _example(
        "evt_buy_0001",
        "content_purchased",
        {
            "transactionId": "tx_buy_0001",
            "creatorId": "creator456",
            "userId": "fan_78",
            "contentId": "post_5521",
            "amount": "7.50",
            "currency": "EUR",
        },
    ),
    "refund_issued": _example(
        "evt_ref_0001",
        "refund_issued",
        {
            "transactionId": "tx_123",
            "creatorId": "creator456",
            "amount": "5.00",
            "currency": "USD",
            "reason": "Partial refund: duplicate tip",
        },
    ),
    "chargeback_received": _example(
        "evt_cb_0001",
        "chargeback_received",
        {
            "transactionId": "tx_sub_0001",
            "creatorId": "creator456",
            "chargebackFee": "15.00",
            "currency": "USD",
            "reason": "Cardholder dispute",
        },
    ),
    "subscription_cancelled": _example(
        "evt_sub_0003",
        "subscription_cancelled",
        {
            "creatorId": "creator456",
            "userId": "fan_77",
            "subscriptionId": "sub_991",
            "reason": "user_request",
        },
    ),
    "creator_earnings_updated": _example(
        "evt_earn_0001",
        "creator_earnings_updated",
        {
            "creatorId": "creator456",
            "currency": "USD",
            "earnings": {
                "total": "5000.00",
                "thisMonth": "1200.00",
                "lastPayout": "4500.00",
                "pendingPayout": "500.00",
            },
        },
    ),
    "fraud_detected": _example(
        "evt_fraud_0001",
        "fraud_detected",
        {
            "creatorId": "creator456",
            "reason": "Card testing: 40 tips from one card in 2 minutes",
            "severity": "high",
            "transactionId": "tx_123",
            "riskScore": 92,
        },
    ),
    "content_flagged": _example(
        "evt_flag_0001",
        "content_flagged",
        {
            "contentId": "post_5521",
            "creatorId": "creator456",
            "violationType": "content_policy",
            "severity": "high",
            "confidence": "0.87",
            "reason": "Moderation model: prohibited content category",
        },
    ),
    "user_created": _example(
        "evt_user_0001",
        "user_created",
        {
            "id": "creator456",
            "platform": "boyfanz",
            "username": "creator_username",
            "email": "user@example.com",
            "role": "creator",
            "status": "active",
        },
        platform=CENTRAL_SOURCE,
    ),
    "user_updated": _example(
        "evt_user_0002",
        "user_updated",
        {"id": "creator456", "platform": "boyfanz", "username": "new_username"},
        platform=CENTRAL_SOURCE,
    ),
    "user_suspended": _example(
        "evt_user_0003",
        "user_suspended",
        {"id": "creator456", "platform": "boyfanz", "reason": "Terms of service violation"},
        platform=CENTRAL_SOURCE,
    ),
    "security_alert": _example(
        "evt_sec_0001",
        "security_alert",
        {
            "alertId": "alert_311",
            "title": "Credential stuffing against boyfanz login",
            "severity": "critical",
            "description": "12,000 failed logins from one ASN in 10 minutes.",
            "platform": "boyfanz",
            "sourceIp": "203.0.113.7",
        },
        platform=CENTRAL_SOURCE,
    ),
    "platform_config_updated": _example(
        "evt_cfg_0001",
        "platform_config_updated",
        {
            "platform": "boyfanz",
            "feePercent": "0.00",
            "holdDays": 7,
            "status": "active",
            "outboundUrl": "https://api.boyfanz.com/webhooks/money-dash",
        },
        platform=CENTRAL_SOURCE,
    ),
    "mass_payout_initiated": _example(
        "evt_pay_0001",
        "mass_payout_initiated",
        {
            "batchId": "batch_2026_11_20",
            "initiatedBy": "finance@fanz.network",
            "scheduledFor": "2026-11-21T09:00:00Z",
            "currency": "USD",
            "totalAmount": "125000.00",
            "payoutCount": 412,
            "platforms": ["boyfanz", "girlfanz"],
        },
        platform=CENTRAL_SOURCE,
    ),
}
