from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PlatformAccount
from apps.creators.services import creator_profile_update
from apps.platforms.models import Platform

PROFILE = {
    "display_name": "Admin Made",
    "legal_name": "Ada Made",
    "country": "NL",
    # Derived from compliance records: posted values are ignored (read-only in the admin).
    "kyc_level": "2",
    "age_verified_until": "2030-12-31",
    "default_currency": "EUR",
}


def _inline_management(existing: int = 0, extra: int = 0) -> dict:
    data = {}
    for prefix, total, initial in [
        ("platform_accounts", existing, existing),
        ("platform_accounts-2", extra, 0),
    ]:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(total),
                f"{prefix}-INITIAL_FORMS": str(initial),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def test_admin_pages_render(client_for, super_admin, creator_factory):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    client = client_for(super_admin)
    changelist = client.get(reverse("admin:creators_creator_changelist"))
    assert changelist.status_code == 200 and creator.display_name.encode() in changelist.content
    change = client.get(reverse("admin:creators_creator_change", args=[creator.pk]))
    assert change.status_code == 200 and f"girlfanz-{creator.pk}".encode() in change.content
    assert client.get(reverse("admin:creators_creator_add")).status_code == 200


def test_admin_add_goes_through_the_service(client_for, super_admin):
    response = client_for(super_admin).post(
        reverse("admin:creators_creator_add"),
        {
            "email": "Made.In.Admin@example.test",
            **PROFILE,
            **_inline_management(extra=1),
            "platform_accounts-2-0-platform": str(Platform.objects.get(slug="boyfanz").pk),
            "platform_accounts-2-0-external_id": "adm-1",
            "platform_accounts-2-0-username": "made",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    creator = Creator.objects.get(user__email="made.in.admin@example.test")
    assert (creator.display_name, creator.kyc_level, creator.default_currency_id) == (
        "Admin Made",
        0,
        "EUR",
    )
    assert creator.age_verified_until is None  # only compliance records set it
    assert creator.user.role == "creator"
    assert creator.platform_accounts.get().external_id == "adm-1"
    for action in ("creator.created", "creator.platform_linked", "admin.creators.creator.added"):
        assert AuditEvent.objects.get(action=action).actor == super_admin


def test_admin_add_refuses_a_taken_email(client_for, super_admin, creator_factory):
    creator = creator_factory()
    response = client_for(super_admin).post(
        reverse("admin:creators_creator_add"),
        {"email": creator.user.email.upper(), **PROFILE, **_inline_management()},
    )
    assert response.status_code == 200
    assert Creator.objects.count() == 1


def test_admin_change_goes_through_the_service(client_for, super_admin, creator_factory):
    creator = creator_factory(platforms=("boyfanz",), kyc_level=1)
    account = creator.platform_accounts.get()
    response = client_for(super_admin).post(
        reverse("admin:creators_creator_change", args=[creator.pk]),
        {
            **PROFILE,
            "default_currency": "USD",
            **_inline_management(existing=1, extra=1),
            "platform_accounts-0-id": str(account.pk),
            "platform_accounts-0-creator": str(creator.pk),
            "platform_accounts-2-0-platform": str(Platform.objects.get(slug="taboofanz").pk),
            "platform_accounts-2-0-external_id": "tb-77",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    creator.refresh_from_db()
    assert (creator.display_name, creator.kyc_level, creator.country) == ("Admin Made", 1, "NL")
    assert creator.age_verified_until is None  # read-only here: derived by compliance
    event = AuditEvent.objects.get(action="creator.updated")
    assert event.actor == super_admin
    assert "kyc_level" not in event.after and "age_verified_until" not in event.after
    assert "default_currency" not in event.after  # unchanged
    assert sorted(creator.platform_accounts.values_list("external_id", flat=True)) == [
        f"boyfanz-{creator.pk}",
        "tb-77",
    ]


def test_admin_link_refuses_a_taken_external_id(client_for, super_admin, creator_factory):
    other = creator_factory(platforms=("boyfanz",))
    creator = creator_factory(platforms=())
    response = client_for(super_admin).post(
        reverse("admin:creators_creator_change", args=[creator.pk]),
        {
            **PROFILE,
            **_inline_management(extra=1),
            "platform_accounts-2-0-platform": str(Platform.objects.get(slug="boyfanz").pk),
            "platform_accounts-2-0-external_id": f"boyfanz-{other.pk}",
        },
    )
    assert response.status_code == 200  # the form shows the error
    assert not creator.platform_accounts.exists()
    creator.refresh_from_db()
    assert creator.display_name != "Admin Made"  # nothing of the change was saved


def test_admin_suspend_action(client_for, super_admin, creator_factory):
    first, second = creator_factory(), creator_factory()
    client = client_for(super_admin)
    client.post(
        reverse("admin:creators_creator_changelist"),
        {"action": "suspend_creators", "_selected_action": [first.pk, second.pk]},
    )
    assert set(Creator.objects.values_list("status", flat=True)) == {"suspended"}
    assert AuditEvent.objects.filter(action="creator.suspended", actor=super_admin).count() == 2
    client.post(
        reverse("admin:creators_creator_changelist"),
        {"action": "unsuspend_creators", "_selected_action": [first.pk]},
    )
    first.refresh_from_db()
    assert first.status == "active"


def test_finance_cannot_change_creators_in_the_admin(client_for, finance_user, creator_factory):
    creator = creator_factory()
    client = client_for(finance_user)
    response = client.post(
        reverse("admin:creators_creator_change", args=[creator.pk]),
        {**PROFILE, **_inline_management()},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:creators_creator_changelist"),
        {"action": "suspend_creators", "_selected_action": [creator.pk]},
    )
    creator.refresh_from_db()
    assert (creator.status, creator.display_name) != ("suspended", "Admin Made")
    assert not AuditEvent.objects.filter(action__in=["creator.suspended", "creator.updated"])


# --- creator_profile_update ---------------------------------------------------------------


def test_profile_update_audits_changes_only(creator_factory, super_admin):
    creator = creator_factory(kyc_level=1)
    creator_profile_update(creator=creator, actor=super_admin, legal_name="", country="")
    assert not AuditEvent.objects.filter(action="creator.updated").exists()
    creator_profile_update(creator=creator, actor=super_admin, country="fr", default_currency="gbp")
    creator.refresh_from_db()
    assert (creator.country, creator.default_currency_id) == ("FR", "GBP")
    event = AuditEvent.objects.get(action="creator.updated")
    assert event.before == {"country": "", "default_currency": "USD"}
    assert event.after == {"country": "FR", "default_currency": "GBP"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        # Derived by the compliance app (creator_compliance_set), never a profile edit:
        ({"kyc_level": 2}, "field_not_editable"),
        ({"display_name": " "}, "invalid_display_name"),
        ({"country": "USA"}, "invalid_country"),
        ({"default_currency": "XYZ"}, "unknown_currency"),
        ({"age_verified_until": date(2030, 1, 1)}, "field_not_editable"),
        ({"status": "closed"}, "field_not_editable"),
        ({"user": None}, "field_not_editable"),
    ],
)
def test_profile_update_refusals_write_nothing(creator_factory, super_admin, changes, code):
    creator = creator_factory()
    before = Creator.objects.values().get(pk=creator.pk)
    with pytest.raises(ApplicationError) as error:
        creator_profile_update(
            creator=creator, actor=super_admin, **{"legal_name": "Changed", **changes}
        )
    assert error.value.code == code
    assert Creator.objects.values().get(pk=creator.pk) == before
    assert not AuditEvent.objects.filter(action="creator.updated").exists()
    assert PlatformAccount.objects.filter(creator=creator).count() == 1
