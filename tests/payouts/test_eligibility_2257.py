"""Payout eligibility requires a complete 2257 record (every creator with something to pay
produces content): without one, or with an incomplete one, the creator is refused with
``record_2257_incomplete`` and what is missing in words, one creator and set-based in the
batch; a complete record passes."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.compliance.models import Record2257
from apps.compliance.services import performer_create, record_2257_amend
from apps.payouts.models import Payout
from apps.payouts.selectors.eligibility import (
    creator_payout_eligibility,
    eligible_payouts_for_batch,
)
from apps.payouts.services.batches import payout_batches_build

pytestmark = pytest.mark.django_db


def batch_ids():
    return {r.creator.pk for r in eligible_payouts_for_batch(require_due=False)}


def test_a_creator_without_a_2257_record_is_refused_with_the_reason(payable_creator):
    creator = payable_creator(record_2257=False)
    result = creator_payout_eligibility(creator)
    assert not result.eligible
    assert result.reason_codes == ["record_2257_incomplete"]
    assert result.reasons[0]["message"] == "No 2257 record is on file."
    assert creator.pk not in batch_ids()


def test_an_incomplete_record_is_refused_with_what_is_missing(payable_creator):
    creator = payable_creator(record_2257=False)
    performer_create(creator=creator, legal_name="Jo Example", actor=None)
    result = creator_payout_eligibility(creator)
    assert result.reason_codes == ["record_2257_incomplete"]
    message = result.reasons[0]["message"]
    assert message.startswith("No complete 2257 record: ")
    assert "no date of birth" in message and "no ID document examined" in message
    assert "no content references" in message
    assert creator.pk not in batch_ids()


def test_a_complete_record_passes_one_creator_and_in_the_batch(payable_creator):
    creator = payable_creator()
    assert Record2257.objects.get(performer__creator=creator).is_complete
    assert creator_payout_eligibility(creator).eligible
    assert creator.pk in batch_ids()


def test_an_amendment_that_makes_the_record_incomplete_stops_payouts(payable_creator):
    creator = payable_creator()
    record = Record2257.objects.get(performer__creator=creator)
    record_2257_amend(
        record=record,
        actor=None,
        reason="Passport scan unreadable",
        legal_name=record.performer.legal_name,
        date_of_birth=date(1990, 1, 2),
        names=[],
        id_document=None,
        id_examined_on=None,
        content_references=["boyfanz:post/1"],
    )
    result = creator_payout_eligibility(creator)
    assert result.reason_codes == ["record_2257_incomplete"]
    assert "no ID document examined" in result.reasons[0]["message"]
    assert creator.pk not in batch_ids()


def test_the_batch_build_pays_only_creators_with_a_complete_record(payable_creator):
    paid = payable_creator()
    without = payable_creator(record_2257=False)
    incomplete = payable_creator(record_2257=False)
    performer_create(creator=incomplete, legal_name="In Complete", actor=None)
    payout_batches_build(source="schedule")
    assert set(Payout.objects.values_list("creator_id", flat=True)) == {paid.pk}
    assert not creator_payout_eligibility(without).eligible
    assert not creator_payout_eligibility(incomplete).eligible


def test_the_eligibility_page_names_the_2257_reason(payable_creator, client_for, super_admin):
    creator = payable_creator(record_2257=False)
    html = (
        client_for(super_admin)
        .get(reverse("payouts:creator_eligibility", args=[creator.pk]))
        .content.decode()
    )
    assert "No 2257 record is on file." in html
