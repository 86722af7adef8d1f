"""Staff payout screens: access per role, filters, totals, htmx partial, actions through the
services, bounded queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.payouts.models import Payout, PayoutBatch
from apps.payouts.services.batches import payout_batch_approve, payout_batches_build

from .conftest import available_minor

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(payable_creator, finance_user):
    payable_creator("100.00")
    [built] = payout_batches_build(actor=finance_user, source="manual")
    return built


@pytest.fixture
def second_finance(user_factory):
    return user_factory(Role.FINANCE, email="finance2@example.test")


def _urls(batch):
    payout = batch.payouts.get()
    return {
        "list": reverse("payouts:batch_list"),
        "detail": reverse("payouts:batch_detail", args=[batch.pk]),
        "build": reverse("payouts:batch_build"),
        "payout": reverse("payouts:payout_detail", args=[payout.pk]),
        "export": reverse("payouts:batch_export", args=[batch.pk]),
    }


# role -> pages it may open
ALLOWED = {
    Role.SUPER_ADMIN: {"list", "detail", "build", "payout", "export"},
    Role.FINANCE: {"list", "detail", "build", "payout", "export"},
    Role.COMPLIANCE: {"list", "detail", "payout", "export"},
    Role.SUPPORT: {"payout"},
    Role.CREATOR: set(),
}


def test_access_per_role(batch, users_by_role, client_for):
    urls = _urls(batch)
    for role, allowed in ALLOWED.items():
        client = client_for(users_by_role[role])
        for name, url in urls.items():
            response = client.get(url)
            expected = 200 if name in allowed else 403
            assert response.status_code == expected, (role, name, response.status_code)


def test_anonymous_is_sent_to_login(batch, client):
    for url in _urls(batch).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
    for name in ("batch_approve", "batch_cancel"):
        response = client.post(reverse(f"payouts:{name}", args=[batch.pk]))
        assert response.status_code == 302 and "login" in response["Location"]
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


def test_list_shows_batches_and_totals(batch, payable_creator, client_for, finance_user):
    payable_creator("50.00", currency="EUR")
    payout_batches_build(source="manual")
    response = client_for(finance_user).get(reverse("payouts:batch_list"))
    body = response.content.decode()
    assert f'href="{reverse("payouts:batch_detail", args=[batch.pk])}"' in body
    totals = {t.currency: t for t in response.context["totals"]}
    assert totals["USD"].total_display == "100.00" and totals["USD"].payouts == 1
    assert totals["EUR"].total_display == "50.00"
    assert 'data-testid="build-link"' in body


def test_list_filters_and_htmx_partial(batch, payable_creator, client_for, finance_user):
    payable_creator("50.00", currency="EUR")
    [eur] = payout_batches_build(source="manual")
    client = client_for(finance_user)
    response = client.get(reverse("payouts:batch_list"), {"currency": "EUR"})
    assert [b.pk for b in response.context["page"]] == [eur.pk]
    assert [t.currency for t in response.context["totals"]] == ["EUR"]
    response = client.get(reverse("payouts:batch_list"), {"status": "approved"})
    assert list(response.context["page"]) == []
    response = client.get(reverse("payouts:batch_list"), {"processor": "sandbox"})
    assert {b.pk for b in response.context["page"]} == {batch.pk, eur.pk}
    # htmx: only the results fragment
    response = client.get(
        reverse("payouts:batch_list"), {"currency": "USD"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and f"#{batch.pk}" in body
    # an unreadable filter lists nothing
    response = client.get(reverse("payouts:batch_list"), {"status": "bogus"})
    assert list(response.context["page"]) == []


def test_list_queries_are_bounded(
    payable_creator, client_for, finance_user, django_assert_max_num_queries
):
    client = client_for(finance_user)
    payable_creator("10.00")
    payout_batches_build(source="manual")
    client.get(reverse("payouts:batch_list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("payouts:batch_list"))
    for currency in ("EUR", "GBP", "USD", "EUR"):
        payable_creator("10.00", currency=currency)
        payout_batches_build(source="manual")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("payouts:batch_list"))
    assert len(response.context["page"]) == 5


def test_detail_queries_are_bounded(
    payable_creator, client_for, finance_user, django_assert_max_num_queries
):
    client = client_for(finance_user)
    payable_creator("10.00")
    [one] = payout_batches_build(source="manual")
    client.get(reverse("payouts:batch_detail", args=[one.pk]))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("payouts:batch_detail", args=[one.pk]))
    for _ in range(6):
        payable_creator("10.00")
    [many] = payout_batches_build(source="manual")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("payouts:batch_detail", args=[many.pk]))
    assert len(response.context["page"]) == 6


def test_builder_sees_no_approve_button_and_is_refused(batch, client_for, finance_user):
    client = client_for(finance_user)
    page = client.get(reverse("payouts:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="four-eyes"' in page and 'data-testid="approve-form"' not in page
    response = client.post(reverse("payouts:batch_approve", args=[batch.pk]), follow=True)
    assert "different finance user" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


def test_second_finance_user_approves(batch, client_for, second_finance):
    client = client_for(second_finance)
    page = client.get(reverse("payouts:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="approve-form"' in page
    response = client.post(reverse("payouts:batch_approve", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED and batch.approved_by == second_finance


def test_compliance_cannot_approve_or_cancel(batch, client_for, compliance_user):
    client = client_for(compliance_user)
    assert client.post(reverse("payouts:batch_approve", args=[batch.pk])).status_code == 403
    response = client.post(reverse("payouts:batch_cancel", args=[batch.pk]), {"reason": "x"})
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


def test_cancel_through_the_screen_returns_money(batch, client_for, finance_user):
    creator = batch.payouts.get().creator
    client = client_for(finance_user)
    response = client.post(reverse("payouts:batch_cancel", args=[batch.pk]), {"reason": ""})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT  # no reason: refused
    client.post(reverse("payouts:batch_cancel", args=[batch.pk]), {"reason": "typo"})
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.CANCELLED
    assert available_minor(creator) == 10000


def test_cancel_a_submitted_batch_is_refused(batch, client_for, finance_user):
    PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutBatch.Status.SUBMITTED)
    response = client_for(finance_user).post(
        reverse("payouts:batch_cancel", args=[batch.pk]), {"reason": "late"}, follow=True
    )
    assert "only a draft or approved batch" in response.content.decode()
    assert Payout.objects.get(batch=batch).state == Payout.State.PENDING


def test_build_form(payable_creator, client_for, finance_user, compliance_user):
    payable_creator("100.00")
    payable_creator("100.00", currency="EUR")
    assert client_for(compliance_user).post(reverse("payouts:batch_build")).status_code == 403
    client = client_for(finance_user)
    assert client.get(reverse("payouts:batch_build")).status_code == 200
    response = client.post(reverse("payouts:batch_build"), {"currency": "EUR"})
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payouts:batch_detail", args=[batch.pk])
    assert batch.currency_id == "EUR" and batch.built_by == finance_user
    assert batch.source == "manual"
    # nothing left to pay in EUR
    response = client.post(reverse("payouts:batch_build"), {"currency": "EUR"}, follow=True)
    assert "Nobody is payable" in response.content.decode()
    # bad input: 400, nothing built
    response = client.post(reverse("payouts:batch_build"), {"currency": "XXX"})
    assert response.status_code == 400
    assert PayoutBatch.objects.count() == 1


def test_payout_detail_shows_the_ledger_trail(batch, client_for, finance_user, support_user):
    from apps.payouts.services.ledger import payout_settle

    payout = batch.payouts.get()
    payout_settle(payout=payout)
    response = client_for(finance_user).get(reverse("payouts:payout_detail", args=[payout.pk]))
    body = response.content.decode()
    assert [step.step for step in response.context["trail"]] == ["reserve", "settle"]
    assert reverse("ledger:entry", args=[payout.reserve_entry_id]) in body
    assert reverse("ledger:entry", args=[payout.settle_entry_id]) in body
    assert f"payout:{payout.pk}:settle" in body
    # support may read the payout but not open the ledger: no links
    body = client_for(support_user).get(reverse("payouts:payout_detail", args=[payout.pk]))
    assert reverse("ledger:entry", args=[payout.reserve_entry_id]) not in body.content.decode()


def test_export_csv(batch, client_for, finance_user):
    response = client_for(finance_user).get(reverse("payouts:batch_export", args=[batch.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("id,batch_id,creator_id")
    assert len(lines) == 2 and ",100.00,1.25,98.75," in lines[1]
    assert "test-placeholder" not in response.content.decode()


HYPERLINK = '=HYPERLINK("http://x","y")'


def test_export_csv_escapes_formulas_and_keeps_amounts_numbers(
    payable_creator, client_for, finance_user
):
    import csv
    import io

    payable_creator("100.00", display_name=HYPERLINK)
    [batch] = payout_batches_build(actor=finance_user, source="manual")
    response = client_for(finance_user).get(reverse("payouts:batch_export", args=[batch.pk]))
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    row = dict(zip(header, row, strict=True))
    assert row["creator"] == "'" + HYPERLINK
    assert (row["amount"], row["fee"], row["creator_receives"]) == ("100.00", "1.25", "98.75")


def test_admin_payout_export_escapes_formulas(payable_creator, finance_user):
    from apps.payouts.resources import PayoutResource

    payable_creator("100.00", display_name=HYPERLINK)
    payout_batches_build(actor=finance_user, source="manual")
    dataset = PayoutResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["creator"] == "'" + HYPERLINK and row["amount"] == "100.00"
    # What the admin's CSV download writes (with IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT on).
    import csv
    import io

    from import_export.formats.base_formats import CSV

    header, line = list(csv.reader(io.StringIO(CSV().export_data(dataset))))
    assert dict(zip(header, line, strict=True))["creator"] == "'" + HYPERLINK


def test_mass_request_build_button(payable_creator, client_for, finance_user):
    from .test_batches import _mass_request

    payable_creator("100.00")
    request = _mass_request({"batchId": "b9", "currency": "USD", "platforms": ["boyfanz"]})
    client = client_for(finance_user)
    page = client.get(reverse("payouts:batch_list")).content.decode()
    assert 'data-testid="mass-requests"' in page
    assert "USD · BoyFanz ·" in page  # the platform's name, not its slug
    response = client.post(reverse("payouts:mass_request_handle", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "handled"
    assert PayoutBatch.objects.get().source == "mass_payout"


def test_missing_batch_is_404(client_for, finance_user):
    assert (
        client_for(finance_user).get(reverse("payouts:batch_detail", args=[999])).status_code == 404
    )


def test_approved_batch_shows_who_approved(batch, client_for, second_finance, finance_user):
    payout_batch_approve(batch=batch, actor=second_finance)
    body = client_for(finance_user).get(reverse("payouts:batch_detail", args=[batch.pk]))
    assert "finance2@example.test" in body.content.decode()


def test_admin_pages_and_export(batch, client_for, super_admin):
    client = client_for(super_admin)
    for model in ("processor", "fxrate", "payoutschedule", "payoutmethod", "payoutbatch", "payout"):
        response = client.get(reverse(f"admin:payouts_{model}_changelist"))
        assert response.status_code == 200, model
    payout = batch.payouts.get()
    assert client.get(reverse("admin:payouts_payout_change", args=[payout.pk])).status_code == 200
    page = client.get(reverse("admin:payouts_payout_changelist")).content.decode()
    assert "export/" in page and "import/" not in page
    assert client.get(reverse("admin:payouts_payout_export")).status_code == 200
    # read-only: no add page for batches or payouts
    assert client.get(reverse("admin:payouts_payout_add")).status_code == 403
    assert client.get(reverse("admin:payouts_payoutbatch_add")).status_code == 403


def test_payout_resource_exports_hints_not_details(batch):
    from apps.payouts.resources import PayoutResource

    dataset = PayoutResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["amount"] == "100.00" and row["fee"] == "1.25" and row["creator_receives"] == "98.75"
    assert row["processor"] == "sandbox" and row["method"] == "sandbox test account"
    assert "details_encrypted" not in dataset.headers


def test_creator_eligibility_page(payable_creator, users_by_role, client_for, client):
    from .conftest import make_schedule

    creator = payable_creator("250.00", kyc_level=0)
    make_schedule(creator, "manual")
    url = reverse("payouts:creator_eligibility", args=[creator.pk])
    for role in (Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE):
        assert client_for(users_by_role[role]).get(url).status_code == 200
    for role in (Role.SUPPORT, Role.CREATOR):
        assert client_for(users_by_role[role]).get(url).status_code == 403
    assert client.get(url).status_code == 302
    response = client_for(users_by_role[Role.FINANCE]).get(url)
    body = response.content.decode()
    assert response.context["scheduled"].reason_codes == ["manual_schedule"]
    assert response.context["by_hand"].eligible
    assert "100.00 USD" in body and "KYC cap" in body  # capped at level 0's $100
