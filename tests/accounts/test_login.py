"""Login, logout, failed logins, throttling, email verification and password reset."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_login_page_renders(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"Sign In" in response.content
    assert b"vendor/bootstrap/bootstrap.min.css" in response.content
    assert b"Staff accounts are created by a super admin" in response.content
    assert b"sign up" not in response.content.lower()


def test_creator_login_and_logout_are_audited(client, creator_user):
    response = _login(client, creator_user.email, HTTP_USER_AGENT="Safari/19")
    assert response.status_code == 302
    assert client.get(reverse("dashboard:creator_home")).status_code == 200
    login = AuditEvent.objects.get(action="auth.login")
    assert (login.actor, login.user_agent) == (creator_user, "Safari/19")
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=creator_user).exists()
    assert client.get(reverse("dashboard:creator_home")).status_code == 302


def test_email_login_is_case_insensitive(client, creator_user):
    assert _login(client, creator_user.email.upper()).status_code == 302
    assert client.get(reverse("dashboard:creator_home")).status_code == 200


def test_failed_login_is_audited_without_password(client, creator_user):
    response = _login(client, creator_user.email, password="wrong-password-123")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.after == {"email": creator_user.email}
    assert event.target_id == str(creator_user.pk)
    assert "wrong-password" not in str(event.after)
    # an unknown address is recorded too, with no target user
    _login(client, "nobody@example.test", password="whatever-123")
    unknown = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert unknown.after == {"email": "nobody@example.test"} and unknown.target_id == ""


THROTTLED = b"Too many failed login attempts"


# The limits count failures in a window (allauth's login_failed rate): the clock stands still
# so that the attempts of one test never straddle its edge.
def test_brute_force_is_throttled_per_account(client, creator_user, frozen_clock):
    for _ in range(5):
        response = _login(client, creator_user.email, password="guess-password-1")
        assert THROTTLED not in response.content
    assert THROTTLED in _login(client, creator_user.email, password="guess-password-1").content
    # even the right password is refused while the account is throttled
    assert THROTTLED in _login(client, creator_user.email).content
    assert client.get(reverse("dashboard:creator_home")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    throttled = AuditEvent.objects.filter(action="auth.login_throttled")
    assert throttled.count() == 2
    assert throttled.first().after == {"email": creator_user.email}


def test_a_throttled_login_answers_429_with_the_form_and_retry_after(
    client, creator_user, frozen_clock
):
    for _ in range(5):
        response = _login(client, creator_user.email, password="guess-password-1")
        assert response.status_code == 200
    response = _login(client, creator_user.email, password="guess-password-1")
    assert response.status_code == 429
    assert THROTTLED in response.content
    assert b'name="password"' in response.content  # the form, for a person to read
    # 5 failures per 5 minutes per address: room again when the first one leaves the window.
    assert 290 <= int(response["Retry-After"]) <= 300
    # Even the right password is refused with 429 while the account is throttled.
    assert _login(client, creator_user.email).status_code == 429


def test_a_throttled_login_per_ip_waits_for_the_ip_window(
    client, user_factory, settings, frozen_clock
):
    victims = [user_factory(Role.CREATOR) for _ in range(11)]
    statuses = [
        _login(client, user.email, password="guess-password-1").status_code for user in victims
    ]
    assert statuses == [200] * 10 + [429]
    response = _login(client, victims[0].email, password="guess-password-1")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60  # 10 a minute per IP


def test_a_wrong_password_below_the_limit_is_still_200(client, creator_user):
    response = _login(client, creator_user.email, password="guess-password-1")
    assert response.status_code == 200
    assert "Retry-After" not in response


def test_brute_force_is_throttled_per_ip(client, user_factory, frozen_clock):
    victims = [user_factory(Role.CREATOR) for _ in range(11)]
    pages = [_login(client, user.email, password="guess-password-1").content for user in victims]
    assert [THROTTLED in page for page in pages] == [False] * 10 + [True]
    # another address is not affected
    response = _login(client, victims[0].email, REMOTE_ADDR="192.0.2.77")
    assert response.status_code == 302


def test_unverified_email_must_be_confirmed(client, creator_user):
    EmailAddress.objects.filter(user=creator_user).update(verified=False)
    response = _login(client, creator_user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard:creator_home")).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    client.post(link.group(1))
    assert EmailAddress.objects.get(user=creator_user).verified
    assert AuditEvent.objects.filter(action="auth.email_confirmed", actor=creator_user).exists()


def test_password_reset_sends_a_working_link(client, creator_user):
    client.post(reverse("account_reset_password"), {"email": creator_user.email})
    assert len(mail.outbox) == 1
    link = re.search(
        r"https?://testserver(/accounts/password/reset/key/[^\s]+)", mail.outbox[0].body
    )
    assert link
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-passphrase-42"
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    creator_user.refresh_from_db()
    assert creator_user.check_password(new_password)
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=creator_user).exists()


def test_signup_is_closed_by_default(client):
    response = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or response.status_code == 404
