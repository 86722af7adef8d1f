from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.ledger import exports


def _command(*args) -> str:
    out = io.StringIO()
    call_command("trial_balance", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def corrupt(monkeypatch):
    """Make the trial balance report ``minor`` units too many on USD processor clearing, as
    if a bug had written an unbalanced posting. (The database cannot hold one: PostgreSQL's
    deferred check refuses it at commit, and at the end of a test.)"""

    def apply(minor: int = 1) -> None:
        real = exports.trial_balance

        def skewed(*, as_of=None):
            balance = real(as_of=as_of)
            for row in balance.rows:
                if row.account == "network:processor_clearing:USD":
                    row.balance += minor
            balance.totals["USD"] += minor
            return balance

        monkeypatch.setattr(exports, "trial_balance", skewed)

    return apply


def test_command_json_has_the_documented_shape(ledger):
    payload = json.loads(_command("--format", "json"))
    assert set(payload) == {"as_of", "accounts", "totals"}
    assert timezone.datetime.fromisoformat(payload["as_of"])
    alice = ledger.alice.pk
    accounts = {row["account"]: row for row in payload["accounts"]}
    assert accounts[f"creator:{alice}:boyfanz:pending:USD"] == {
        "account": f"creator:{alice}:boyfanz:pending:USD",
        "currency": "USD",
        "balance": "-27.00",
    }
    assert accounts["network:processor_clearing:USD"]["balance"] == "34.99"
    assert accounts["platform:boyfanz:fee_revenue:USD"]["balance"] == "-2.99"
    assert accounts["network:processor_clearing:EUR"]["balance"] == "7.50"
    assert all(set(row) == {"account", "currency", "balance"} for row in payload["accounts"])
    # zero balances (the available accounts) are left out
    assert f"creator:{alice}:boyfanz:available:USD" not in accounts
    assert payload["totals"] == {"EUR": "0.00", "USD": "0.00"}


def test_command_as_of(ledger):
    five_days_ago = (timezone.now() - timedelta(days=5)).isoformat()
    payload = json.loads(_command("--format", "json", "--as-of", five_days_ago))
    assert {row["account"]: row["balance"] for row in payload["accounts"]} == {
        "network:processor_clearing:USD": "10.00",
        "platform:boyfanz:fee_revenue:USD": "-1.00",
        f"creator:{ledger.alice.pk}:boyfanz:pending:USD": "-9.00",
    }
    assert payload["totals"] == {"USD": "0.00"}
    # a bare date means the end of that day
    day = (timezone.now() - timedelta(days=20)).date().isoformat()
    assert json.loads(_command("--format", "json", "--as-of", day))["accounts"] == []


def test_command_table(ledger):
    text = _command()
    lines = text.splitlines()
    assert lines[0].startswith("Trial balance as of ")
    header = next(line for line in lines if line.startswith("account"))
    assert header.split() == ["account", "currency", "balance"]
    row = next(line for line in lines if line.startswith("network:processor_clearing:USD"))
    assert row.split() == ["network:processor_clearing:USD", "USD", "34.99"]
    # balances are right-aligned in one column
    assert len(row) == len(header)
    assert "Totals" in text
    totals = lines[lines.index("Totals (must be zero)") + 1 :]
    assert [t.split() for t in totals] == [["EUR", "0.00"], ["USD", "0.00"]]


def test_command_refuses_a_bad_as_of(db):
    with pytest.raises(CommandError, match="ISO 8601"):
        _command("--as-of", "last tuesday")


def test_command_fails_when_a_total_is_not_zero(ledger, corrupt):
    corrupt(3)
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"USD 0\.03"):
        call_command("trial_balance", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["totals"]["USD"] == "0.03"


def test_page_shows_accounts_and_totals(ledger, client_for, finance_user):
    page = client_for(finance_user).get(reverse("ledger:trial_balance"))
    assert page.status_code == 200
    assert page.context["unbalanced"] == []
    assert b'data-testid="unbalanced"' not in page.content
    rows = {item["row"].account: (item["debit"], item["credit"]) for item in page.context["page"]}
    assert rows["network:processor_clearing:USD"] == ("34.99", "")
    assert rows["platform:boyfanz:fee_revenue:USD"] == ("", "2.99")
    usd = next(t for t in page.context["totals"] if t["currency"] == "USD")
    assert usd == {
        "currency": "USD", "debit": "34.99", "credit": "34.99", "net": "0.00", "balanced": True
    }  # fmt: skip


def test_page_shows_a_red_alert_when_unbalanced(ledger, client_for, finance_user, corrupt):
    corrupt(1)
    page = client_for(finance_user).get(reverse("ledger:trial_balance"))
    assert page.context["unbalanced"] == ["USD"]
    assert b'data-testid="unbalanced"' in page.content
    assert b"alert-danger" in page.content


def test_page_json_equals_the_command(ledger, client_for, finance_user):
    as_of = (timezone.now() - timedelta(days=5)).replace(microsecond=0)
    response = client_for(finance_user).get(
        reverse("ledger:trial_balance"),
        {"format": "json", "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%S")},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(_command("--format", "json", "--as-of", as_of.isoformat()))
    now_payload = (
        client_for(finance_user).get(reverse("ledger:trial_balance"), {"format": "json"}).json()
    )
    command_payload = json.loads(_command("--format", "json"))
    assert now_payload["accounts"] == command_payload["accounts"]
    assert now_payload["totals"] == command_payload["totals"]


def test_page_json_refuses_a_bad_as_of(db, client_for, finance_user):
    response = client_for(finance_user).get(
        reverse("ledger:trial_balance"), {"format": "json", "as_of": "soon"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_page_queries_are_bounded(
    ledger, client_for, finance_user, creator_factory, earning, django_assert_max_num_queries
):
    client = client_for(finance_user)
    client.get(reverse("ledger:trial_balance"))
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("ledger:trial_balance"))
    for _ in range(10):
        earning(creator_factory(), gross="2.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("ledger:trial_balance"))
