from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.accounts.roles import Role
from apps.ledger.models import JournalEntry
from apps.platforms.models import Platform


@dataclass
class Ledger:
    alice: object
    bob: object
    tip: JournalEntry
    old_sub: JournalEntry
    euro_tip: JournalEntry


@pytest.fixture
def platform_fee(db):
    """Give boyfanz a 10% fee so that entries have three postings and fee revenue moves."""
    Platform.objects.filter(slug="boyfanz").update(fee_percent="10")


@pytest.fixture
def ledger(db, platform_fee, creator_factory, earning):
    """Two creators: Alice earns USD on boyfanz (now and 10 days ago) and girlfanz; Bob earns
    EUR on girlfanz."""
    alice = creator_factory(platforms=("boyfanz", "girlfanz"), display_name="Alice Example")
    bob = creator_factory(platforms=("girlfanz",), currency="EUR", display_name="Bob Sample")
    tip = earning(alice, gross="19.99").entry
    old_sub = earning(alice, gross="10.00", days_ago=10, kind="subscription").entry
    earning(alice, platform="girlfanz", gross="5.00")
    euro_tip = earning(bob, platform="girlfanz", gross="7.50", currency="EUR").entry
    return Ledger(alice=alice, bob=bob, tip=tip, old_sub=old_sub, euro_tip=euro_tip)


ALLOWED = [Role.FINANCE, Role.SUPER_ADMIN]
DENIED = [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR]
