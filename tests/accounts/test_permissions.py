"""Each role reaches what it may and gets 403 elsewhere; anonymous users are sent to login."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.roles import ROLE_PERMISSIONS, Role, role_groups_sync

SA, FIN, COMP, SUP, CRE = (
    Role.SUPER_ADMIN,
    Role.FINANCE,
    Role.COMPLIANCE,
    Role.SUPPORT,
    Role.CREATOR,
)

# url name -> roles that get 200; every other role gets 403.
PAGE_ACCESS = {
    "dashboard:overview": {SA, FIN, COMP, SUP},
    "dashboard:health": {SA, FIN, SUP},
    "dashboard:schedules": {SA, FIN},
    "accounts:list": {SA, COMP, SUP},
    "accounts:invite": {SA},
    "audit:list": {SA, COMP},
    "audit:export": {SA, COMP},
    "creators:list": {SA, FIN, COMP, SUP},
    "platforms:list": {SA, FIN, COMP, SUP},
    "ledger:accounts": {SA, FIN},
    "ledger:entries": {SA, FIN},
    "ledger:trial_balance": {SA, FIN},
}


@pytest.mark.parametrize("url_name", PAGE_ACCESS)
@pytest.mark.parametrize("role", [SA, FIN, COMP, SUP, CRE])
def test_role_page_access(url_name, role, users_by_role, client_for):
    response = client_for(users_by_role[role]).get(reverse(url_name))
    expected = 200 if role in PAGE_ACCESS[url_name] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("url_name", [*PAGE_ACCESS, "dashboard:creator_home", "dashboard:home"])
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_403_page_is_the_friendly_one(client_for, creator_user):
    response = client_for(creator_user).get(reverse("dashboard:overview"))
    assert response.status_code == 403
    assert b"You don't have access to this page" in response.content


def test_user_detail_access(users_by_role, client_for, creator_user):
    url = reverse("accounts:detail", args=[creator_user.pk])
    for role, user in users_by_role.items():
        expected = 200 if role in {SA, COMP, SUP} else 403
        assert client_for(user).get(url).status_code == expected, role


def test_role_change_requires_manage_roles(users_by_role, client_for, creator_user):
    url = reverse("accounts:role", args=[creator_user.pk])
    for role in (FIN, COMP, SUP, CRE):
        response = client_for(users_by_role[role]).post(url, {"role": SA})
        assert response.status_code == 403
    creator_user.refresh_from_db()
    assert creator_user.role == CRE


@pytest.mark.parametrize("role", [SA, FIN, COMP, SUP])
def test_staff_land_on_overview(role, users_by_role, client_for):
    client = client_for(users_by_role[role])
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("dashboard:overview")
    # the creator page sends staff back to their own start page
    assert client.get(reverse("dashboard:creator_home"))["Location"] == reverse(
        "dashboard:overview"
    )


def test_creator_lands_on_own_page(client_for, creator_user):
    client = client_for(creator_user)
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("dashboard:creator_home")
    response = client.get(reverse("dashboard:creator_home"))
    assert response.status_code == 200
    assert b"Welcome" in response.content


def test_admin_site_is_for_staff_only(users_by_role, client_for):
    for role, user in users_by_role.items():
        response = client_for(user).get(reverse("admin:index"))
        if role == CRE:
            assert response.status_code != 200
        else:
            assert response.status_code == 200, role


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_groups_hold_exactly_the_mapped_permissions(db):
    role_groups_sync()
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(names), role


def test_role_sync_is_idempotent_and_repairs_drift(db):
    group = Group.objects.get(name=FIN)
    group.permissions.clear()
    role_groups_sync()
    role_groups_sync()
    assert group.permissions.count() == len(ROLE_PERMISSIONS[FIN])


@pytest.mark.parametrize(
    ("role", "expected"),
    [(SA, True), (FIN, True), (COMP, True), (SUP, True), (CRE, False)],
)
def test_role_flags(user_factory, role, expected):
    user = user_factory(role)
    assert user.is_staff is expected
    assert user.is_superuser is (role == SA)
    assert list(user.groups.values_list("name", flat=True)) == [role]


def test_current_user_api(client_for, finance_user, client):
    response = client_for(finance_user).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "finance"
    assert body["mfa_enabled"] is True
    assert "accounts.access_dashboard" in body["permissions"]
    assert "audit.view_auditevent" not in body["permissions"]

    anonymous = client.get("/api/v1/me/")
    assert anonymous.status_code == 403
    assert anonymous.json()["error"] == "not_authenticated"
