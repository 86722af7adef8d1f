from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.context import RequestContext, reset_request_context, set_request_context
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record


def test_audit_record_writes_every_field(super_admin, creator_user):
    token = set_request_context(RequestContext(ip="203.0.113.9", user_agent="pytest-agent"))
    try:
        event = audit_record(
            actor=super_admin,
            action="user.role_changed",
            target=creator_user,
            before={"role": "creator"},
            after={"role": "support"},
        )
    finally:
        reset_request_context(token)
    event.refresh_from_db()
    assert event.actor == super_admin
    assert event.actor_email == super_admin.email
    assert event.target_type == "accounts.user"
    assert event.target_id == str(creator_user.pk)
    assert event.target_repr == creator_user.email
    assert event.before == {"role": "creator"}
    assert event.after == {"role": "support"}
    assert event.ip == "203.0.113.9"
    assert event.user_agent == "pytest-agent"


def test_system_actions_have_no_actor(db):
    event = audit_record(actor=None, action="system.task", target_type="x", target_id=7)
    assert event.actor is None
    assert event.actor_email == ""
    assert event.target_id == "7"
    assert event.ip is None


def test_request_ip_and_agent_are_recorded(client_for, super_admin, creator_user):
    client = client_for(super_admin)
    client.post(
        reverse("accounts:role", args=[creator_user.pk]),
        {"role": Role.SUPPORT},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Firefox/140",
    )
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.ip == "198.51.100.4"
    assert event.user_agent == "Firefox/140"


def test_forwarded_for_is_trusted_only_when_configured(client_for, super_admin, settings):
    client = client_for(super_admin)
    headers = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.50, 10.0.0.1"}
    client.get(reverse("audit:export"), **headers)
    assert AuditEvent.objects.get(action="audit.exported").ip == "10.0.0.1"
    settings.USE_X_FORWARDED_FOR = True
    # Behind the trusted proxy: the entry it appended (the last); earlier ones are forgeable.
    client.get(reverse("audit:export"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert AuditEvent.objects.filter(action="audit.exported").first().ip == "192.0.2.50"
    forged = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 192.0.2.51"}
    client.get(reverse("audit:export"), **forged)
    assert AuditEvent.objects.filter(action="audit.exported").first().ip == "192.0.2.51"


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete(db, super_admin):
    event = audit_record(actor=super_admin, action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'raw' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.action == "test.event"


@pytest.mark.postgres
def test_trigger_is_installed(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
            "AND NOT tgisinternal"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert any("audit_event_append_only" in name for name in names)


def test_audit_list_filters(client_for, compliance_user, super_admin):
    audit_record(
        actor=super_admin, action="user.role_changed", target_type="accounts.user", target_id=999
    )
    audit_record(actor=compliance_user, action="auth.login")
    audit_record(actor=None, action="auth.login_failed", after={"email": "x@y.z"})
    client = client_for(compliance_user)  # records one more auth.login
    page = client.get(reverse("audit:list"), {"action": "auth."})
    rows = list(page.context["page"])
    assert [event.action for event in rows] == ["auth.login", "auth.login_failed", "auth.login"]
    page = client.get(reverse("audit:list"), {"actor": "admin@"})
    assert [event.action for event in page.context["page"]] == ["user.role_changed"]
    page = client.get(reverse("audit:list"), {"target_type": "accounts.user", "target_id": "999"})
    assert len(page.context["page"]) == 1


def test_audit_list_htmx_returns_fragment(client_for, compliance_user):
    audit_record(actor=compliance_user, action="auth.login")
    response = client_for(compliance_user).get(reverse("audit:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"auth.login" in response.content
    assert "HX-Request" in response["Vary"]


def test_audit_list_query_count_is_constant(
    client_for, compliance_user, django_assert_max_num_queries
):
    for n in range(120):
        audit_record(actor=compliance_user, action=f"test.event{n % 7}")
    client = client_for(compliance_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == AuditEvent.objects.count() > 120


def test_audit_detail_and_export(client_for, compliance_user, super_admin):
    event = audit_record(actor=super_admin, action="user.created", after={"role": "finance"})
    client = client_for(compliance_user)
    detail = client.get(reverse("audit:detail", args=[event.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    # Before/after field by field, in words: no JSON or dict repr.
    assert '<th scope="row">Role</th>' in body and ">finance</td>" in body
    assert "&quot;finance&quot;" not in body and "{&#x27;" not in body
    export = client.get(reverse("audit:export"), {"action": "user."})
    body = b"".join(export.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["action"] for row in rows] == ["user.created"]
    assert rows[0]["after"] == '{"role": "finance"}'
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == compliance_user
    assert exported.after == {"filters": {"action": "user."}}


def test_audit_export_escapes_formulas(client_for, compliance_user, creator_factory):
    hyperlink = '=HYPERLINK("http://x","y")'
    creator = creator_factory(display_name=hyperlink)  # audited as creator.created
    token = set_request_context(RequestContext(ip="203.0.113.9", user_agent="@SUM(1+1)"))
    try:
        audit_record(actor=None, action="creator.noted", target=creator, after={"n": -1})
    finally:
        reset_request_context(token)
    export = client_for(compliance_user).get(reverse("audit:export"), {"action": "creator."})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    noted = next(row for row in rows if row["action"] == "creator.noted")
    assert noted["target"] == "'" + hyperlink
    assert noted["user_agent"] == "'@SUM(1+1)"
    assert noted["after"] == '{"n": -1}'
    assert all(row["target"] == "'" + hyperlink for row in rows)


def test_admin_audit_log_is_read_only(client_for, super_admin):
    event = audit_record(actor=super_admin, action="test.event")
    client = client_for(super_admin)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert client.get(change_url).status_code == 200  # view only
    client.post(change_url, {"action": "tampered"})
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "test.event"


def test_admin_changes_are_audited(client_for, super_admin, creator_user):
    client = client_for(super_admin)
    url = reverse("admin:accounts_user_change", args=[creator_user.pk])
    response = client.post(
        url,
        {
            "email": creator_user.email,
            "first_name": "Renamed",
            "last_name": creator_user.last_name,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    creator_user.refresh_from_db()
    assert creator_user.first_name == "Renamed"
    event = AuditEvent.objects.get(action="admin.accounts.user.changed")
    assert event.actor == super_admin
    assert event.target_id == str(creator_user.pk)
    assert event.after["change"][0]["changed"]["fields"] == ["First name"]


def test_pausing_a_schedule_in_the_admin_is_audited(client_for, super_admin):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name="core: worker heartbeat")
    client = client_for(super_admin)
    response = client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.enabled is False
    assert (
        AuditEvent.objects.filter(
            action="admin.django_celery_beat.periodictask.changed", target_id=str(task.pk)
        ).exists()
        or AuditEvent.objects.filter(action__startswith="admin.django_celery_beat").exists()
    )


def _visible_text(html: str) -> str:
    """The page's text as a reader sees it (tags and attribute values left out)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_audit_targets_and_actors_are_words_and_links(client_for, compliance_user, super_admin):
    audit_record(
        actor=super_admin,
        action="integrations.webhook_event_replayed",
        target_type="integrations.webhookevent",
        target_id=11,
    )
    role_change = audit_record(
        actor=super_admin, action="user.role_changed", target=compliance_user
    )
    admin_page = reverse("accounts:detail", args=[super_admin.pk])
    compliance_page = reverse("accounts:detail", args=[compliance_user.pk])

    body = client_for(super_admin).get(reverse("audit:list")).content.decode()
    text = _visible_text(body)
    assert "Webhook event #11" in text
    assert f'<a href="{reverse("integrations:event", args=[11])}">Webhook event #11</a>' in body
    assert f'<a href="{compliance_page}">User compliance@example.test</a>' in body
    assert f'<a href="{admin_page}">admin@example.test</a>' in body  # the actor
    assert "Webhook event replayed" in text and "User role changed" in text
    for leak in ("integrations.webhookevent", "accounts.user", "webhook_event_replayed"):
        assert leak not in text, leak

    # Compliance may not open webhook events: the words, without a link.
    body = client_for(compliance_user).get(reverse("audit:list")).content.decode()
    assert "Webhook event #11" in _visible_text(body)
    assert reverse("integrations:event", args=[11]) not in body

    detail = client_for(super_admin).get(reverse("audit:detail", args=[role_change.pk]))
    text = _visible_text(detail.content.decode())
    assert "User compliance@example.test" in text
    assert "accounts.user" not in text
