"""creator_queryset_for(principal): the one door of every creators API queryset."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.accounts.roles import Role
from apps.creators.selectors import creator_get_for, creator_queryset_for
from apps.ledger.selectors import creator_balances, creator_earnings_summary
from apps.platforms.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_creators(creator_factory):
    return {
        "boy": creator_factory(platforms=("boyfanz",)),
        "both": creator_factory(platforms=("boyfanz", "girlfanz")),
        "girl": creator_factory(platforms=("girlfanz",)),
    }


@pytest.mark.parametrize("role", [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT])
def test_staff_see_every_creator(users_by_role, three_creators, role):
    ids = set(creator_queryset_for(users_by_role[role]).values_list("pk", flat=True))
    assert ids == {c.pk for c in three_creators.values()}


def test_a_platform_principal_sees_only_its_creators(three_creators):
    girlfanz = Platform.objects.get(slug="girlfanz")
    key = SimpleNamespace(platform=girlfanz)
    creators = list(creator_queryset_for(key))
    assert {c.pk for c in creators} == {three_creators["both"].pk, three_creators["girl"].pk}
    # ... and only its own platform account of each (no other platform's ids).
    for creator in creators:
        assert [a.platform.slug for a in creator.platform_accounts.all()] == ["girlfanz"]


def test_a_platform_principal_cannot_fetch_another_platforms_creator(three_creators):
    key = SimpleNamespace(platform=Platform.objects.get(slug="girlfanz"))
    assert creator_get_for(key, three_creators["girl"].pk) == three_creators["girl"]
    with pytest.raises(Http404):
        creator_get_for(key, three_creators["boy"].pk)


def test_a_platform_with_no_creators_sees_none(three_creators):
    key = SimpleNamespace(platform=Platform.objects.get(slug="pupfanz"))
    assert not creator_queryset_for(key).exists()


def test_the_platform_wins_over_permissions(users_by_role, three_creators):
    # Should a key ever carry user-like permissions, it stays confined to its platform.
    key = SimpleNamespace(
        platform=Platform.objects.get(slug="boyfanz"),
        is_authenticated=True,
        has_perm=lambda perm: True,
    )
    ids = set(creator_queryset_for(key).values_list("pk", flat=True))
    assert ids == {three_creators["boy"].pk, three_creators["both"].pk}


@pytest.mark.parametrize(
    "principal",
    [AnonymousUser(), None, SimpleNamespace(), SimpleNamespace(platform=None)],
    ids=["anonymous", "none", "bare-object", "platform-none"],
)
def test_anyone_else_sees_nothing(three_creators, principal):
    assert not creator_queryset_for(principal).exists()


def test_creators_see_nothing_not_even_themselves(three_creators):
    creator = three_creators["boy"]
    assert not creator_queryset_for(creator.user).exists()


def test_queryset_is_ordered_by_display_name_then_id(super_admin, creator_factory):
    z = creator_factory(display_name="Zed")
    a = creator_factory(display_name="Ann")
    assert list(creator_queryset_for(super_admin).values_list("pk", flat=True)) == [a.pk, z.pk]


def test_money_of_a_platform_principal_is_limited_to_its_platform(
    creator_factory, earning, super_admin
):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(creator, platform="boyfanz", gross="10.00")
    earning(creator, platform="girlfanz", gross="3.00")
    girlfanz = Platform.objects.get(slug="girlfanz")
    key = SimpleNamespace(platform=girlfanz)

    rows = creator_balances(creator, platform=girlfanz)
    assert [(r.platform_slug, r.pending, r.lifetime) for r in rows] == [("girlfanz", 300, 300)]
    all_rows = creator_balances(creator)
    assert {r.platform_slug for r in all_rows} == {"boyfanz", "girlfanz"}

    scoped = creator_get_for(key, creator.pk)
    earnings = creator_earnings_summary(scoped, currency="USD", exponent=2, platform=girlfanz)
    assert earnings.total == 300
    assert earnings.platforms == {"girlfanz": 300}
    staff_view = creator_get_for(super_admin, creator.pk)
    earnings = creator_earnings_summary(staff_view, currency="USD", exponent=2)
    assert earnings.total == 1300
    assert earnings.platforms == {"boyfanz": 1000, "girlfanz": 300}
