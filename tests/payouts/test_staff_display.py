"""What staff read on the payout screens: a settled batch with failed payouts says so (paid
and failed counts and amounts, warning colour), money reads ``1,234.50 USD``, and what the
processor said is labelled fields, never a Python dict."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.payouts.models import Payout, PayoutBatch
from apps.payouts.services.submission import payout_batch_submit

from .submission_helpers import (
    reference_data,  # noqa: F401 (the fixture)
    sandbox_batch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

REPR = re.compile(r"\{'|'\w+': |\bTrue\b|\bFalse\b|\bNone\b")


@pytest.fixture
def settled_batch(creator_factory, finance_user):
    # demo-…00 and …10 are paid by the sandbox, …01 fails (account closed).
    batch, _ = sandbox_batch(
        creator_factory,
        ["demo-0000", "demo-0010", "demo-0001"],
        amount="2000.00",
        payout_minor=123450,
        fee=1000,
    )
    payout_batch_submit(batch=batch, actor=finance_user)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    return batch


def _badge(body: str) -> str:
    found = re.search(
        r'<span class="badge ([^"]+)" data-testid="batch-status">([^<]+)</span>', body
    )
    assert found, "no batch status badge"
    return f"{found[1]}|{found[2]}"


def test_settled_batch_with_failures_shows_paid_and_failed(settled_batch, client_for, finance_user):
    client = client_for(finance_user)

    body = client.get(reverse("payouts:batch_list")).content.decode()
    assert _badge(body) == "text-bg-warning|Settled · 2 paid, 1 failed"
    assert "2,469.00 USD" in body and "1,234.50 USD" in body  # paid, failed
    assert "123450" not in body and "246900" not in body

    response = client.get(reverse("payouts:batch_list"))
    (usd,) = response.context["totals"]
    assert (usd.paid_count, usd.paid_minor) == (2, 246900)
    assert (usd.failed_count, usd.failed_minor) == (1, 123450)
    assert usd.open_count == 0

    body = client.get(reverse("payouts:batch_detail", args=[settled_batch.pk])).content.decode()
    assert _badge(body) == "text-bg-warning|Settled · 2 paid, 1 failed"
    paid = re.search(r'data-testid="batch-paid">(.*?)</dd>', body, re.S)[1]
    failed = re.search(r'data-testid="batch-failed">(.*?)</dd>', body, re.S)[1]
    assert "2,469.00 USD" in paid and "2 payouts" in paid
    assert "1,234.50 USD" in failed and "1 payout" in failed
    assert "3,703.50 USD" in body  # the total as built


def test_settled_batch_all_paid_is_green(creator_factory, finance_user, client_for):
    batch, _ = sandbox_batch(creator_factory, ["demo-0000"])
    payout_batch_submit(batch=batch, actor=finance_user)
    body = client_for(finance_user).get(reverse("payouts:batch_list")).content.decode()
    assert _badge(body) == "text-bg-success|Settled · 1 paid"


def test_payout_page_shows_the_processor_trail_in_words(settled_batch, client_for, finance_user):
    failed = Payout.objects.get(batch=settled_batch, state=Payout.State.FAILED)
    response = client_for(finance_user).get(reverse("payouts:payout_detail", args=[failed.pk]))
    body = response.content.decode()
    details = " ".join(re.findall(r'data-testid="event-details">(.*?)</td>', body, re.S))
    assert details
    assert not REPR.search(details), REPR.search(details)
    assert "<dt>Callback delivered</dt><dd>Yes</dd>" in details
    assert "<dt>Amount</dt><dd>1,234.50 USD</dd>" in details
    assert "Sending to the processor" in body and "Callback from the processor" in body
    assert "1,234.50 USD" in body  # amount on the page
    assert "Account closed:" in body  # the failure in words
