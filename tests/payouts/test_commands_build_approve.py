"""Operator commands: build_payout_batches and approve_batch."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.roles import Role
from apps.payouts.models import PayoutBatch

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_build_prints_one_batch_id_per_line(payable_creator):
    payable_creator("100.00")
    payable_creator("100.00", currency="EUR")
    out, err = _run("build_payout_batches")
    ids = [int(line) for line in out.splitlines()]
    assert sorted(ids) == sorted(PayoutBatch.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    assert "payouts" in err
    # again: nothing new, nothing printed
    out, err = _run("build_payout_batches")
    assert out == "" and "Nobody is payable" in err


def test_build_filters(payable_creator):
    payable_creator("100.00")
    payable_creator("100.00", currency="EUR")
    out, _ = _run("build_payout_batches", "--processor", "sandbox", "--currency", "EUR")
    [batch] = PayoutBatch.objects.all()
    assert out.strip() == str(batch.pk) and batch.currency_id == "EUR"


def test_build_as_a_finance_user(payable_creator, finance_user, support_user):
    payable_creator("100.00")
    with pytest.raises(CommandError, match="not a user allowed"):
        _run("build_payout_batches", "--as", support_user.email)
    assert not PayoutBatch.objects.exists()
    _run("build_payout_batches", "--as", finance_user.email)
    assert PayoutBatch.objects.get().built_by == finance_user


def test_build_unknown_processor_fails(payable_creator):
    with pytest.raises(CommandError, match="unknown_processor"):
        _run("build_payout_batches", "--processor", "nope")


def test_build_due_only_respects_schedules(payable_creator):
    from .conftest import make_schedule

    creator = payable_creator("100.00")
    make_schedule(creator, "manual")
    out, _ = _run("build_payout_batches", "--due-only")
    assert out == ""
    out, _ = _run("build_payout_batches")
    assert out.strip()


def test_approve_batch_four_eyes(payable_creator, finance_user, user_factory):
    payable_creator("100.00")
    _run("build_payout_batches", "--as", finance_user.email)
    batch = PayoutBatch.objects.get()
    with pytest.raises(CommandError, match="four_eyes"):
        _run("approve_batch", str(batch.pk), "--as", finance_user.email)
    other = user_factory(Role.FINANCE, email="other-finance@example.test")
    out, _ = _run("approve_batch", str(batch.pk), "--as", other.email)
    assert "approved by other-finance@example.test" in out
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.APPROVED and batch.approved_by == other


def test_approve_batch_refusals(payable_creator, support_user):
    payable_creator("100.00")
    _run("build_payout_batches")
    batch = PayoutBatch.objects.get()
    with pytest.raises(CommandError, match="permission_denied"):
        _run("approve_batch", str(batch.pk), "--as", support_user.email)
    with pytest.raises(CommandError, match="No active user"):
        _run("approve_batch", str(batch.pk), "--as", "nobody@example.test")
    with pytest.raises(CommandError, match="No payout batch"):
        _run("approve_batch", "99999", "--as", support_user.email)
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT
