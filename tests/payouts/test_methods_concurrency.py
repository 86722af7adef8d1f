"""Concurrent changes to one creator's methods on PostgreSQL: the creator row lock keeps
exactly one default, whoever wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.payouts.models import PayoutMethod, Processor
from apps.payouts.services.methods import payout_method_add, payout_method_set_default

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # Re-seed what a transactional test before this one flushed (serialized_rollback would
    # reload rows that post_migrate has already recreated, e.g. the role groups).
    pytest.mark.usefixtures("payout_reference_data"),
]

IBAN = {"account_holder": "Ana Example", "iban": "DE89370400440532013000"}


def _together(targets) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_default_changes_keep_one_default(creator_factory):
    creator = creator_factory(currency="EUR")
    sepa = Processor.objects.get(code="sepa")
    methods = [
        payout_method_add(
            creator=creator,
            processor=sepa,
            currency="EUR",
            details={**IBAN, "account_holder": f"H{i}"},
            actor=creator.user,
        )
        for i in range(4)
    ]
    for _ in range(3):
        errors = _together(
            [
                lambda m=m: payout_method_set_default(method=m, actor=creator.user)
                for m in methods[1:]
            ]
        )
        assert errors == []
        assert PayoutMethod.objects.filter(creator=creator, is_default=True).count() == 1


def test_concurrent_first_methods_make_one_default(creator_factory):
    creator = creator_factory(currency="EUR")
    sepa = Processor.objects.get(code="sepa")
    errors = _together(
        [
            lambda i=i: payout_method_add(
                creator=creator,
                processor=sepa,
                currency="EUR",
                details={**IBAN, "account_holder": f"H{i}"},
                actor=creator.user,
            )
            for i in range(4)
        ]
    )
    assert errors == []
    assert PayoutMethod.objects.filter(creator=creator).count() == 4
    assert PayoutMethod.objects.filter(creator=creator, is_default=True).count() == 1
