"""Stored machine values as staff read them (apps.core.display and the fanzdash tags)."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import Context, Template

from apps.core.display import action_words, field_label, record_words, show_fields, show_value

pytestmark = pytest.mark.django_db


def _texts(data: dict) -> dict[str, str]:
    return {label: shown.text for label, shown in show_fields(data)}


def test_labels_are_words():
    assert field_label("callback_delivered") == "Callback delivered"
    assert field_label("failureCode") == "Failure code"
    assert field_label("threshold_minor") == "Threshold"
    assert field_label("secret_index") == "Secret used"


def test_values_are_formatted_for_people():
    texts = _texts(
        {
            "callback_delivered": True,
            "ignored": False,
            "amount_minor": 123450,
            "currency": "USD",
            "settled_at": "2026-12-02T13:37:17.037812+00:00",
            "status": "needs_attention",
            "detail": "",
            "reference": "integrations.webhookevent:11",
        }
    )
    assert texts == {
        "Callback delivered": "Yes",
        "Already applied (ignored)": "No",
        "Amount": "1,234.50 USD",  # the currency is folded into the amount
        "Settled at": "2026-12-02 13:37:17 UTC",
        "Status": "needs attention",
        "Detail": "—",
        "Processor reference": "Webhook event #11",
    }
    assert show_value("amount_minor", 500, siblings={"currency": "JPY"}).text == "500 JPY"
    assert show_value("weekday", 0).text == "Monday"
    assert show_value("platforms", ["boyfanz", "girlfanz"]).text == "boyfanz, girlfanz"
    nested = show_value("raw", {"status": "pending"})
    assert nested.fields is not None and nested.fields[0][0] == "Status"


def test_record_ids_link_only_for_who_may_open_them(super_admin, support_user):
    linked = show_value("entry_id", 42, user=super_admin)
    assert (linked.text, linked.url) == ("Journal entry #42", "/ledger/entries/42/")
    assert show_value("entry_id", 42, user=support_user).url is None


def test_actions_and_records_in_words():
    assert action_words("payouts.payout_paid") == "Payout paid"
    assert action_words("platform.api_key_created") == "Platform API key created"
    assert action_words("auth.login") == "Signed in"
    assert record_words("integrations.webhookevent", 11) == "Webhook event #11"
    assert record_words("accounts.user", 3, "a@example.test") == "User a@example.test"
    assert record_words("payouts.payout", 38, "Payout #38 to Ana (paid)") == (
        "Payout #38 to Ana (paid)"
    )


def test_details_tag_never_prints_a_repr(super_admin):
    html = Template("{% load fanzdash %}{% details payload %}").render(
        Context({"payload": {"attempt": 1, "raw": {"ok": True}}, "user": super_admin})
    )
    assert "{'" not in html and "True" not in html
    assert "<dt>Attempt</dt><dd>1</dd>" in html and "<dt>Ok</dt><dd>Yes</dd>" in html


def test_details_escape_what_they_show():
    html = Template("{% load fanzdash %}{% details payload %}").render(
        Context({"payload": {"reason": "<script>alert(1)</script>"}})
    )
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_filtered_tells_a_filter_from_paging():
    from apps.integrations.filters import PayoutHoldFilter

    def filtered(query: str) -> str:
        return Template("{% load fanzdash %}{{ f|filtered }}").render(
            Context({"f": PayoutHoldFilter(QueryDict(query) or None)})
        )

    assert filtered("") == "False"
    assert filtered("page=2") == "False"
    assert filtered("open=") == "False"
    assert filtered("open=open") == "True"
