"""SEPA pain.001.001.03: valid against the XSD, exact control sums, ids, refusals."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.payouts.adapters.files.common import FileFormatError
from apps.payouts.adapters.files.sepa import (
    SEPA_XSD_PATH,
    end_to_end_id,
    sepa_credit_transfer_xml,
    sepa_validate,
)

from .files_support import HEADER, sepa_line

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture(scope="module")
def schema():
    # The official pain.001.001.03 XSD shipped by sepaxml, loaded here independently.
    assert SEPA_XSD_PATH.exists()
    return xmlschema.XMLSchema(str(SEPA_XSD_PATH))


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - our own document, not untrusted input


def test_document_is_valid_against_the_xsd_with_control_totals(schema):
    lines = [sepa_line(i, amount_minor=amount) for i, amount in enumerate([1, 10, 1999, 250000, 7])]
    document = sepa_credit_transfer_xml(HEADER, lines)
    schema.validate(document.decode())  # raises on any violation
    assert schema.is_valid(document.decode())

    root = parse(document)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == "FANZDASH-B42"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-12-01T09:30:00"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "5"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "2520.17"
    payment_info = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert len(payment_info) == 1
    info = payment_info[0]
    assert info.findtext("p:PmtInfId", namespaces=NS) == "FANZDASH-B42-1"
    assert info.findtext("p:NbOfTxs", namespaces=NS) == "5"
    assert info.findtext("p:CtrlSum", namespaces=NS) == "2520.17"
    assert info.findtext("p:ReqdExctnDt", namespaces=NS) == "2026-12-02"
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == HEADER.iban
    transactions = info.findall("p:CdtTrfTxInf", NS)
    amounts = [t.findtext("p:Amt/p:InstdAmt", namespaces=NS) for t in transactions]
    assert amounts == ["0.01", "0.10", "19.99", "2500.00", "0.07"]
    assert all(t.find("p:Amt/p:InstdAmt", NS).get("Ccy") == "EUR" for t in transactions)
    # The sum of the transactions (exact decimals) is the control sum.
    assert sum(Decimal(a) for a in amounts) == Decimal(header.findtext("p:CtrlSum", namespaces=NS))


def test_end_to_end_id_is_the_idempotency_key(schema):
    line = sepa_line(0)
    root = parse(sepa_credit_transfer_xml(HEADER, [line]))
    e2e = root.find(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", NS).text
    assert e2e == uuid.UUID(line.reference).hex
    assert len(e2e) <= 35


def test_long_references_are_shortened_deterministically():
    long_reference = "payout-" + "x" * 80
    first = end_to_end_id(long_reference)
    assert first == end_to_end_id(long_reference)
    assert len(first) == 35
    assert end_to_end_id(long_reference + "y") != first
    assert end_to_end_id("short-ref") == "short-ref"


def test_bic_is_optional_for_creditor_and_debtor(schema):
    with_bic = sepa_line(0)  # has a BIC
    without = sepa_line(1)  # DE IBAN, no BIC
    assert with_bic.bic and not without.bic
    document = sepa_credit_transfer_xml(replace(HEADER, bic=""), [with_bic, without])
    assert schema.is_valid(document.decode())
    transactions = parse(document).findall(".//p:CdtTrfTxInf", NS)
    assert transactions[0].findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BNPAFRPP"
    assert transactions[1].find("p:CdtrAgt", NS) is None
    debtor_agent = parse(document).find(".//p:PmtInf/p:DbtrAgt/p:FinInstnId", NS)
    assert debtor_agent.findtext("p:Othr/p:Id", namespaces=NS) == "NOTPROVIDED"


def test_same_input_gives_the_same_bytes():
    lines = [sepa_line(i) for i in range(3)]
    assert sepa_credit_transfer_xml(HEADER, lines) == sepa_credit_transfer_xml(HEADER, lines)


def test_names_are_cleaned_to_the_sepa_character_set(schema):
    line = sepa_line(0, name='Zoë <Müller> & "Søn" 東京 ' + "x" * 100)
    document = sepa_credit_transfer_xml(HEADER, [line])
    assert schema.is_valid(document.decode())
    name = parse(document).find(".//p:Cdtr/p:Nm", NS).text
    assert name.startswith("Zoe Muller Son")
    assert len(name) <= 70
    assert all(ch.isalnum() or ch in "/-?:().,'+ " for ch in name)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=99_999_999_999), min_size=1, max_size=30))
def test_control_sum_is_exact_for_any_amounts(amounts):
    lines = [sepa_line(i, amount_minor=a) for i, a in enumerate(amounts)]
    root = parse(sepa_credit_transfer_xml(HEADER, lines, validate=False))
    ctrl = root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)
    assert Decimal(ctrl) == Decimal(sum(amounts)).scaleb(-2)
    written = [
        Decimal(t.text).scaleb(2) for t in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)
    ]
    assert written == [Decimal(a) for a in amounts]


def test_validation_catches_a_broken_document():
    document = sepa_credit_transfer_xml(HEADER, [sepa_line(0)])
    broken = document.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>one</NbOfTxs>", 1)
    with pytest.raises(FileFormatError) as caught:
        sepa_validate(broken)
    assert caught.value.code == "invalid_sepa_file"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"currency": "USD"}, "currency_mismatch"),
        ({"amount_minor": 19.99}, "invalid_amount"),
        ({"amount_minor": Decimal("1999")}, "invalid_amount"),
        ({"amount_minor": True}, "invalid_amount"),
        ({"amount_minor": 0}, "invalid_amount"),
        ({"amount_minor": -5}, "invalid_amount"),
        ({"amount_minor": 100_000_000_000}, "amount_too_large"),
        ({"iban": "DE89370400440532013001"}, "invalid_iban"),  # bad checksum
        ({"iban": "not an iban"}, "invalid_iban"),
        ({"bic": "BNPA"}, "invalid_bic"),
        ({"name": "  "}, "invalid_name"),
    ],
)
def test_lines_a_sepa_file_cannot_carry_are_refused(change, code):
    with pytest.raises(FileFormatError) as caught:
        sepa_credit_transfer_xml(HEADER, [sepa_line(1), sepa_line(0, **change)])
    assert caught.value.code == code


def test_batch_level_refusals():
    with pytest.raises(FileFormatError, match="at least one"):
        sepa_credit_transfer_xml(HEADER, [])
    with pytest.raises(FileFormatError) as caught:
        sepa_credit_transfer_xml(HEADER, [sepa_line(0), sepa_line(0)])
    assert caught.value.code == "duplicate_payout"
    with pytest.raises(FileFormatError) as caught:
        sepa_credit_transfer_xml(replace(HEADER, message_id="M" * 36), [sepa_line(0)])
    assert caught.value.code == "invalid_message_id"
    with pytest.raises(FileFormatError) as caught:
        sepa_credit_transfer_xml(replace(HEADER, iban="XX00"), [sepa_line(0)])
    assert caught.value.code == "invalid_iban"
