"""Staff must enrol TOTP before any dashboard page; login asks for the code."""

from __future__ import annotations

import pyotp
from allauth.mfa.models import Authenticator
from django.urls import reverse

from apps.accounts.roles import Role
from apps.accounts.services import user_role_set
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD, has_totp


def test_staff_without_totp_is_sent_to_enrolment(user_factory, client_for):
    user = user_factory(Role.FINANCE, with_totp=False)
    client = client_for(user)
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert "next=%2Foverview%2F" in response["Location"]
    # every other staff page too, and the admin
    for url in (reverse("dashboard:health"), reverse("admin:index"), "/users/"):
        assert client.get(url)["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_without_totp_gets_json_403_from_api(user_factory, client_for):
    user = user_factory(Role.SUPPORT, with_totp=False)
    response = client_for(user).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"] == "mfa_enrollment_required"


def test_staff_without_totp_can_reach_account_pages(user_factory, client_for):
    user = user_factory(Role.COMPLIANCE, with_totp=False)
    client = client_for(user)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


def test_creator_does_not_need_totp(client_for, creator_user):
    assert client_for(creator_user).get(reverse("dashboard:creator_home")).status_code == 200


def test_promotion_to_staff_forces_enrolment(client_for, creator_user, super_admin):
    client = client_for(creator_user)
    user_role_set(user=creator_user, role=Role.SUPPORT, actor=super_admin)
    response = client.get(reverse("dashboard:overview"))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def _login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_totp_code(client, finance_user):
    response = _login(client, finance_user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # not signed in yet: the dashboard still sends us to login
    assert client.get(reverse("dashboard:overview"))["Location"].startswith(
        reverse("account_login")
    )
    response = client.post(reverse("mfa_authenticate"), {"code": finance_user.totp.now()})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:overview")).status_code == 200
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor == finance_user
    assert login.ip == "127.0.0.1"


def test_wrong_totp_code_is_refused_and_audited(client, finance_user):
    _login(client, finance_user.email)
    wrong = "000000" if finance_user.totp.now() != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("dashboard:overview")).status_code == 302
    assert AuditEvent.objects.filter(action="mfa.code_failed", actor=finance_user).exists()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_totp_code_cannot_be_replayed(client, finance_user):
    code = finance_user.totp.now()
    _login(client, finance_user.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    other = type(client)()
    _login(other, finance_user.email)
    response = other.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert other.get(reverse("dashboard:overview")).status_code == 302


def test_enrolment_flow(client, user_factory, django_capture_on_commit_callbacks):
    user = user_factory(Role.FINANCE, with_totp=False)
    response = _login(client, user.email)
    assert response.status_code == 302
    response = client.get(reverse("dashboard:overview"))
    activate_url = response["Location"]
    # the password typed at login counts as the reauthentication allauth asks for before
    # a factor is added, so enrolment follows at once
    page = client.get(activate_url)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    # allauth announces the new authenticator after commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert has_totp(user)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get(reverse("dashboard:overview")).status_code == 200
    added = AuditEvent.objects.filter(action="mfa.authenticator_added", actor=user)
    assert added.filter(after__type="totp").exists()


def test_deactivating_totp_is_audited_and_regates(client_for, support_user):
    client = client_for(support_user)
    # removing a factor needs a fresh reauthentication (password) first
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert has_totp(support_user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not has_totp(support_user)
    assert AuditEvent.objects.filter(action="mfa.authenticator_removed").exists()
    assert client.get(reverse("dashboard:overview"))["Location"].startswith(
        reverse("mfa_activate_totp")
    )
