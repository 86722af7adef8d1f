"""GET /api/v1/compliance/creators/{id}/status/: staff with the compliance permission, and
platform API keys for their own platform's creators only (another platform's creator: 404)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from apps.compliance.services import (
    age_verification_record,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.creators.services import payout_hold_place
from tests.api.keys import key_client, make_key
from tests.factories import record_2257_complete

from .records import amend

pytestmark = pytest.mark.django_db


def _url(creator) -> str:
    return f"/api/v1/compliance/creators/{creator.pk}/status/"


def test_status_of_a_creator_never_verified(client_for, compliance_user, creator):
    response = client_for(compliance_user).get(_url(creator))
    assert response.status_code == 200
    both = ["publish", "payout"]
    assert response.json() == {
        "creatorId": creator.pk,
        "canPublish": False,
        "canBePaid": False,
        "kycLevel": 0,
        "kycLimit": {"amount": "100.00", "currency": "USD"},
        "ageVerifiedUntil": None,
        "reasons": [
            {
                "code": "age_verification_missing",
                "detail": "No age verification on file.",
                "stops": both,
            },
            {"code": "record_2257_missing", "detail": "No 2257 record is on file.", "stops": both},
        ],
    }


def test_status_after_verifications(client_for, super_admin, compliance_user, creator, today):
    age_verification_record(
        creator=creator,
        method="provider",
        date_of_birth=date(1991, 2, 3),
        verified_on=date(2026, 6, 1),
        expires_on=date(2027, 6, 1),
        reviewer=compliance_user,
    )
    verification = kyc_verification_request(creator=creator, level_requested=3, provider="verifymy")
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=3,
        reason="full check",
        reviewer=compliance_user,
    )
    body = client_for(super_admin).get(_url(creator)).json()
    assert (body["canPublish"], body["canBePaid"]) == (False, False)
    assert [r["code"] for r in body["reasons"]] == ["record_2257_missing"]
    record_2257_complete(creator)
    body = client_for(super_admin).get(_url(creator)).json()
    assert body["canPublish"] is True and body["canBePaid"] is True and body["reasons"] == []
    assert (body["kycLevel"], body["kycLimit"], body["ageVerifiedUntil"]) == (
        3,
        None,
        "2027-06-01",
    )
    payout_hold_place(creator=creator, source="staff", reason="chargeback spree", actor=None)
    body = client_for(super_admin).get(_url(creator)).json()
    assert (body["canPublish"], body["canBePaid"]) == (True, False)  # a hold stops payouts only
    assert body["reasons"] == [
        {
            "code": "payout_hold",
            "detail": "Payouts are on hold: chargeback spree",
            "stops": ["payout"],
        }
    ]


def test_an_incomplete_2257_record_stops_publishing_and_says_what_is_missing(
    client_for, super_admin, compliance_user, creator, today
):
    record = record_2257_complete(creator)
    amend(record, actor=compliance_user, reason="document withdrawn", id_document=None)
    body = client_for(super_admin).get(_url(creator)).json()
    assert (body["canPublish"], body["canBePaid"]) == (False, False)
    reason = next(r for r in body["reasons"] if r["code"] == "record_2257_incomplete")
    assert "no ID document examined" in reason["detail"]
    assert reason["stops"] == ["publish", "payout"]


def test_a_platform_key_reads_its_own_creators_only(creator, creator_factory):
    _row, raw = make_key("boyfanz")
    client = key_client(raw)
    assert client.get(_url(creator)).status_code == 200  # on boyfanz and girlfanz
    stranger = creator_factory(platforms=("pupfanz",))
    response = client.get(_url(stranger))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert client.get("/api/v1/compliance/creators/999999/status/").status_code == 404


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_other_roles_are_refused(request, client_for, role, creator):
    response = client_for(request.getfixturevalue(role)).get(_url(creator))
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_anonymous_is_refused(creator):
    response = Client().get(_url(creator))
    assert response.status_code in (401, 403)


def test_the_endpoint_is_in_the_schema(client_for, super_admin, today):
    schema = client_for(super_admin).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/compliance/creators/{id}/status/"]["get"]
    assert {"200", "401", "403", "404", "429"} <= set(operation["responses"])
    properties = schema["components"]["schemas"]["ComplianceStatus"]["properties"]
    assert {
        "canPublish",
        "canBePaid",
        "kycLevel",
        "kycLimit",
        "ageVerifiedUntil",
        "reasons",
    } <= set(properties)
