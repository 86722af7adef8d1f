from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_active_set, user_create, user_role_set
from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError


def test_super_admin_changes_a_role(client_for, super_admin, user_factory):
    finance = user_factory(Role.FINANCE)
    response = client_for(super_admin).post(
        reverse("accounts:role", args=[finance.pk]), {"role": Role.COMPLIANCE}
    )
    assert response.status_code == 302
    finance.refresh_from_db()
    assert finance.role == Role.COMPLIANCE
    assert list(finance.groups.values_list("name", flat=True)) == [Role.COMPLIANCE]
    assert finance.has_perm("audit.view_auditevent")
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.actor == super_admin
    assert event.target_id == str(finance.pk)
    assert event.before["role"] == "finance" and event.after["role"] == "compliance"


def test_unknown_role_is_refused(client_for, super_admin, creator_user):
    response = client_for(super_admin).post(
        reverse("accounts:role", args=[creator_user.pk]), {"role": "emperor"}, follow=True
    )
    assert b"Choose one of the listed roles" in response.content
    creator_user.refresh_from_db()
    assert creator_user.role == Role.CREATOR
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()
    with pytest.raises(ApplicationError):
        user_role_set(user=creator_user, role="emperor", actor=super_admin)


def test_last_super_admin_cannot_be_demoted_or_deactivated(client_for, super_admin):
    response = client_for(super_admin).post(
        reverse("accounts:role", args=[super_admin.pk]), {"role": Role.SUPPORT}, follow=True
    )
    assert b"at least one active super admin" in response.content
    super_admin.refresh_from_db()
    assert super_admin.role == Role.SUPER_ADMIN and super_admin.is_superuser
    with pytest.raises(ApplicationError) as error:
        user_active_set(user=super_admin, active=False, actor=None)
    assert error.value.code == "last_super_admin"


def test_a_second_super_admin_allows_demotion(super_admin, user_factory):
    other = user_factory(Role.SUPER_ADMIN)
    user_role_set(user=super_admin, role=Role.FINANCE, actor=other)
    super_admin.refresh_from_db()
    assert (super_admin.role, super_admin.is_superuser, super_admin.is_staff) == (
        Role.FINANCE,
        False,
        True,
    )


def test_deactivation(client_for, super_admin, creator_user):
    client = client_for(super_admin)
    client.post(reverse("accounts:active", args=[creator_user.pk]), {"active": "0"})
    creator_user.refresh_from_db()
    assert not creator_user.is_active
    assert AuditEvent.objects.filter(action="user.deactivated").exists()
    # a deactivated user cannot sign in
    other = type(client)()
    other.post(reverse("account_login"), {"login": creator_user.email, "password": "x" * 20})
    assert other.get(reverse("dashboard:creator_home")).status_code == 302
    client.post(reverse("accounts:active", args=[creator_user.pk]), {"active": "1"})
    creator_user.refresh_from_db()
    assert creator_user.is_active
    with pytest.raises(ApplicationError) as error:
        user_active_set(user=super_admin, active=False, actor=super_admin)
    assert error.value.code == "cannot_deactivate_self"


def test_invite_creates_user_and_sends_link(client_for, super_admin):
    response = client_for(super_admin).post(
        reverse("accounts:invite"),
        {
            "email": "New.Person@Example.test",
            "first_name": "New",
            "last_name": "Person",
            "role": Role.SUPPORT,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert user.role == Role.SUPPORT and user.is_staff
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    created = AuditEvent.objects.get(action="user.created")
    assert created.actor == super_admin and created.after["role"] == "support"


def test_invite_refuses_a_taken_email(client_for, super_admin, creator_user):
    response = client_for(super_admin).post(
        reverse("accounts:invite"), {"email": creator_user.email.upper(), "role": Role.FINANCE}
    )
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert User.objects.filter(email__iexact=creator_user.email).count() == 1
    assert not mail.outbox


def test_email_uniqueness_ignores_case(db):
    user_create(email="Someone@Example.test", role=Role.CREATOR, actor=None)
    with pytest.raises(ApplicationError):
        user_create(email="someone@example.TEST", role=Role.CREATOR, actor=None)


def test_user_list_search_and_filter(client_for, support_user, user_factory):
    user_factory(Role.CREATOR, email="alice@example.test")
    user_factory(Role.FINANCE, email="bob@example.test")
    client = client_for(support_user)
    found = client.get(reverse("accounts:list"), {"q": "alice"}).context["page"]
    assert [u.email for u in found] == ["alice@example.test"]
    found = client.get(reverse("accounts:list"), {"role": Role.FINANCE}).context["page"]
    assert [u.email for u in found] == ["bob@example.test"]
    deactivated = user_factory(Role.CREATOR, email="carol@example.test", is_active=False)
    found = client.get(reverse("accounts:list"), {"is_active": "false"}).context["page"]
    assert [u.email for u in found] == [deactivated.email]
    page = client.get(reverse("accounts:list"))
    assert b"Any status" in page.content
    assert b"Invite user" not in page.content  # support may read, not manage


def test_promote_command(db):
    call_command("promote", "boss@example.test", "--create")
    boss = User.objects.get(email="boss@example.test")
    assert boss.role == Role.SUPER_ADMIN and boss.is_superuser
    other = User.objects.create_user(email="second@example.test")
    call_command("promote", "second@example.test", "--role", "compliance")
    other.refresh_from_db()
    assert other.role == Role.COMPLIANCE
    with pytest.raises(CommandError):
        call_command("promote", "missing@example.test")
    with pytest.raises(CommandError):
        call_command("promote", "boss@example.test", "--role", "finance")  # last super admin
    assert AuditEvent.objects.filter(action="user.role_changed", actor=None).count() == 1
