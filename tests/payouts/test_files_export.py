"""Bank files of real batches: ``export_batch``, the download view, and their refusals."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime

import pytest
import xmlschema
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.payouts.adapters import adapter_for
from apps.payouts.adapters.files import SepaFileAdapter
from apps.payouts.adapters.files.sepa import SEPA_XSD_PATH
from apps.payouts.models import Payout, ProcessorEvent
from apps.payouts.views.files import batch_page_url

from .files_support import ACH_DETAILS, SEPA_DETAILS, file_batch
from .test_files_nacha import field, parse_back

pytestmark = pytest.mark.django_db


@pytest.fixture
def sepa_batch(payable_creator):
    details = [
        SEPA_DETAILS,
        {"account_holder": "Jan de Vries", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"},
    ]
    return file_batch(payable_creator, "sepa", details, currency="EUR", amounts=[5000, 12345])


@pytest.fixture
def ach_batch(payable_creator):
    savings = {**ACH_DETAILS, "account_type": "savings", "routing_number": "021000021"}
    return file_batch(payable_creator, "ach", [ACH_DETAILS, savings], currency="USD")


def test_export_sepa_writes_a_valid_file_with_amounts_after_fees(sepa_batch, tmp_path):
    batch, payouts = sepa_batch
    output = tmp_path / "batch.xml"
    call_command("export_batch", str(batch.pk), "--format", "sepa", "--output", str(output))
    document = output.read_text()
    xmlschema.XMLSchema(str(SEPA_XSD_PATH)).validate(document)
    # What the creator receives: amount - fee (25 cents each).
    assert '<InstdAmt Ccy="EUR">49.75</InstdAmt>' in document
    assert '<InstdAmt Ccy="EUR">123.20</InstdAmt>' in document
    assert "<CtrlSum>172.95</CtrlSum>" in document
    assert f"<MsgId>FANZDASH-B{batch.pk}</MsgId>" in document
    for payout in payouts:
        assert f"<EndToEndId>{payout.idempotency_key.hex}</EndToEndId>" in document
    assert "<Nm>Zoe Muller</Nm>" in document  # decrypted holder name, transliterated
    # Audited, and on each payout's trail.
    event = AuditEvent.objects.get(action="payout_batch.file_exported")
    assert event.after["format"] == "sepa" and event.after["payouts"] == 2
    assert ProcessorEvent.objects.filter(kind="file_exported", payout__batch=batch).count() == 2
    assert not list(tmp_path.glob(".*partial"))


# The batch is built (and so dated) on the last day of February; the file header carries
# that date whatever day the suite runs.
@pytest.mark.time_machine(datetime(2027, 2, 28, 23, 59, 30, tzinfo=UTC), tick=False)
def test_export_nacha_parses_back(ach_batch, tmp_path):
    batch, payouts = ach_batch
    output = tmp_path / "batch.ach"
    call_command("export_batch", str(batch.pk), "--format", "nacha", "--output", str(output))
    parsed = parse_back(output.read_text(), created=date(2027, 2, 28))
    entries = parsed["entries"]
    assert [int(field(e, 30, 39)) for e in entries] == [
        p.amount_minor - p.fee_minor for p in payouts
    ]
    assert [field(e, 2, 3) for e in entries] == ["22", "32"]
    assert [field(e, 4, 12) for e in entries] == ["011000015", "021000021"]
    assert field(entries[0], 55, 76).rstrip() == "JANE DOE"


def test_export_paxum_and_wise(payable_creator, tmp_path):
    batch, payouts = file_batch(
        payable_creator, "paxum", [{"email": "=evil@example.test"}], currency="USD"
    )
    output = tmp_path / "paxum.csv"
    call_command("export_batch", str(batch.pk), "--format", "paxum", "--output", str(output))
    table = list(csv.reader(io.StringIO(output.read_text())))
    assert table[1][:4] == ["'=evil@example.test", "49.75", "USD", str(payouts[0].idempotency_key)]

    batch, payouts = file_batch(
        payable_creator,
        "wise",
        [{"account_holder": "Ana Silva", "email": "ana@example.test"}],
        currency="EUR",
    )
    output = tmp_path / "wise.csv"
    call_command("export_batch", str(batch.pk), "--format", "wise", "--output", str(output))
    table = list(csv.reader(io.StringIO(output.read_text())))
    assert table[1][:6] == [
        "Ana Silva",
        "ana@example.test",
        payouts[0].idempotency_key.hex,
        "PERSON",
        "target",
        "49.75",
    ]


@pytest.mark.parametrize("wrong", ["nacha", "paxum", "wise"])
def test_a_format_that_does_not_fit_is_refused_and_nothing_written(
    sepa_batch, tmp_path, wrong, document_store
):
    batch, _ = sepa_batch
    output = tmp_path / "out.file"
    with pytest.raises(CommandError, match="format_not_for_batch"):
        call_command("export_batch", str(batch.pk), "--format", wrong, "--output", str(output))
    assert not output.exists()
    # (the compliance document store of the test, holding the creators' 2257 passports,
    # shares tmp_path; it is not an output)
    assert not [path for path in tmp_path.iterdir() if path != document_store]
    assert not AuditEvent.objects.filter(action="payout_batch.file_exported").exists()
    assert not ProcessorEvent.objects.filter(kind="file_exported").exists()


def test_unknown_format_and_batch_exit_non_zero(sepa_batch, tmp_path):
    batch, _ = sepa_batch
    with pytest.raises(CommandError):
        call_command("export_batch", str(batch.pk), "--format", "mt940", "--output", "x")
    with pytest.raises(CommandError, match="No payout batch"):
        call_command("export_batch", "999999", "--format", "sepa", "--output", str(tmp_path / "x"))


@pytest.mark.parametrize("status", ["draft", "cancelled", "settled"])
def test_only_approved_or_submitted_batches_have_a_file(payable_creator, tmp_path, status):
    # A draft batch's file would let money go out before the second finance user approved.
    batch, _ = file_batch(payable_creator, "sepa", [SEPA_DETAILS], currency="EUR", status=status)
    output = tmp_path / "out.xml"
    with pytest.raises(CommandError, match="batch_not_exportable"):
        call_command("export_batch", str(batch.pk), "--format", "sepa", "--output", str(output))
    assert not output.exists()


def test_a_currency_the_format_cannot_carry_is_refused(payable_creator, tmp_path):
    batch, _ = file_batch(payable_creator, "sepa", [SEPA_DETAILS], currency="EUR")
    type(batch).objects.filter(pk=batch.pk).update(currency_id="USD")
    with pytest.raises(CommandError, match="EUR only"):
        call_command(
            "export_batch", str(batch.pk), "--format", "sepa", "--output", str(tmp_path / "x")
        )


def test_settled_payouts_are_left_out_of_a_re_export(sepa_batch):
    batch, payouts = sepa_batch
    Payout.objects.filter(pk=payouts[0].pk).update(state=Payout.State.PAID)
    exported = adapter_for(batch.processor).export(batch)
    assert isinstance(adapter_for(batch.processor), SepaFileAdapter)
    assert payouts[0].idempotency_key.hex.encode() not in exported.content
    assert payouts[1].idempotency_key.hex.encode() in exported.content


# --- the download view -------------------------------------------------------------------


def url(batch, file_format="sepa"):
    return reverse("payouts:batch_file", kwargs={"pk": batch.pk, "file_format": file_format})


@pytest.mark.parametrize("role", ["super_admin", "finance"])
def test_download_for_finance_and_super_admin(sepa_batch, users_by_role, client_for, role):
    batch, _ = sepa_batch
    response = client_for(users_by_role[role]).get(url(batch))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="fanzdash-batch-{batch.pk}-sepa.xml"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"<?xml")
    event = AuditEvent.objects.get(action="payout_batch.file_exported")
    assert event.actor == users_by_role[role]


@pytest.mark.parametrize("role", ["compliance", "support", "creator"])
def test_download_refused_for_other_roles(sepa_batch, users_by_role, client_for, role):
    batch, _ = sepa_batch
    response = client_for(users_by_role[role]).get(url(batch))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="payout_batch.file_exported").exists()


def test_download_anonymous_is_sent_to_login(sepa_batch, client):
    batch, _ = sepa_batch
    response = client.get(url(batch))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_download_of_a_wrong_format_explains_and_exports_nothing(
    sepa_batch, finance_user, client_for
):
    batch, _ = sepa_batch
    client = client_for(finance_user)
    for file_format, words in (("nacha", "not nacha"), ("bogus", "Unknown file format")):
        response = client.get(url(batch, file_format))
        assert response.status_code == 302
        assert response["Location"] == batch_page_url(batch)
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert words in shown[-1] and "othing was exported" in shown[-1]
    assert not AuditEvent.objects.filter(action="payout_batch.file_exported").exists()


def test_download_of_a_missing_batch_is_404(finance_user, client_for):
    assert (
        client_for(finance_user)
        .get(reverse("payouts:batch_file", kwargs={"pk": 999999, "file_format": "sepa"}))
        .status_code
        == 404
    )


def test_keys_in_file_are_the_payouts(sepa_batch):
    batch, payouts = sepa_batch
    content = adapter_for(batch.processor).export(batch).content.decode()
    assert all(str(uuid.UUID(str(p.idempotency_key)).hex) in content for p in payouts)


# --- the batch page's partial ---------------------------------------------------------------


def render_partial(batch, user) -> str:
    from django.contrib.auth.context_processors import PermWrapper
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "payouts/_batch_files.html", {"batch": batch, "perms": PermWrapper(user)}, request=request
    )


def test_partial_shows_the_download_and_upload_to_finance(payable_creator, finance_user):
    batch, _ = file_batch(
        payable_creator, "sepa", [SEPA_DETAILS], currency="EUR", status="submitted"
    )
    html = render_partial(batch, finance_user)
    assert url(batch) in html
    assert reverse("payouts:batch_result_upload", kwargs={"pk": batch.pk}) in html
    assert 'enctype="multipart/form-data"' in html


def test_partial_of_an_approved_batch_has_no_upload(sepa_batch, finance_user):
    batch, _ = sepa_batch
    html = render_partial(batch, finance_user)
    assert url(batch) in html
    assert "result_file" not in html


def test_partial_is_empty_for_roles_without_the_permission(sepa_batch, compliance_user):
    batch, _ = sepa_batch
    assert "batch_file" not in render_partial(batch, compliance_user)
    assert url(batch) not in render_partial(batch, compliance_user)


def test_unreadable_method_details_refuse_the_export(sepa_batch, tmp_path):
    batch, payouts = sepa_batch
    type(payouts[0].method).objects.filter(pk=payouts[0].method_id).update(
        details_encrypted="not-a-token"
    )
    output = tmp_path / "out.xml"
    with pytest.raises(CommandError, match="unreadable_method_details"):
        call_command("export_batch", str(batch.pk), "--format", "sepa", "--output", str(output))
    assert not output.exists()


def test_two_batches_get_distinct_ach_file_id_modifiers(ach_batch, payable_creator):
    from apps.payouts.adapters.files.batch import file_header_for

    batch, _ = ach_batch
    other, _ = file_batch(payable_creator, "ach", [ACH_DETAILS], currency="USD")
    assert (
        file_header_for(batch).ach_file_id_modifier != file_header_for(other).ach_file_id_modifier
    )
    assert file_header_for(batch) == file_header_for(batch)


def test_the_batch_page_links_to_the_file(sepa_batch, finance_user, client_for):
    batch, _ = sepa_batch
    page = reverse("payouts:batch_detail", kwargs={"pk": batch.pk})
    assert batch_page_url(batch) == page
    response = client_for(finance_user).get(page)
    assert response.status_code == 200
    assert url(batch) in response.content.decode()
