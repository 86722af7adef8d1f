"""Roles and the permissions each one carries (see docs and domain.md, "Who acts").

A role is a Django group of the same name; ``role_groups_sync`` (run after every migrate)
makes each group hold exactly the permissions listed here. Later apps add their permissions
to ROLE_PERMISSIONS.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models


class Role(models.TextChoices):
    SUPER_ADMIN = "super_admin", "Super admin"
    FINANCE = "finance", "Finance"
    COMPLIANCE = "compliance", "Compliance"
    SUPPORT = "support", "Support"
    CREATOR = "creator", "Creator"


STAFF_ROLES = frozenset({Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT})

_DASHBOARD = "accounts.access_dashboard"

# "app_label.codename" per role. Super admins are superusers and hold every permission; their
# group lists the role-management ones explicitly so the mapping reads completely.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SUPER_ADMIN: [
        _DASHBOARD,
        "platforms.view_platform",
        "platforms.change_platform",
        "creators.view_creator",
        "creators.suspend_creator",
        "integrations.decide_platformlinkrequest",
        "ledger.view_ledger",
        "ledger.reverse_entry",
        "accounts.manage_roles",
        "accounts.view_user",
        "accounts.view_system_health",
        "audit.view_auditevent",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "integrations.view_webhooks",
        "integrations.replay_webhookevent",
        "integrations.change_earningsreport",
        "audit.view_securityevent",
        "audit.acknowledge_securityevent",
        "creators.release_payouthold",
        "payouts.verify_payoutmethod",
        "outbound.redeliver_outbounddelivery",
        "payouts.view_payoutbatch",
        "payouts.view_payout",
        "payouts.build_payoutbatch",
        "payouts.approve_payoutbatch",
        "payouts.submit_payoutbatch",
        "compliance.review_compliance",
        "compliance.decide_kycverification",
        "compliance.record_ageverification",
        "compliance.open_identitydocument",
        "compliance.review_identitydocument",
        "compliance.manage_record2257",
        "compliance.handle_datasubjectrequest",
        "compliance.approve_erasure",
        "compliance.manage_legalhold",
        "compliance.open_violation",
        "compliance.decide_violation",
    ],
    Role.FINANCE: [
        _DASHBOARD,
        "platforms.view_platform",
        "creators.view_creator",
        "ledger.view_ledger",
        "ledger.reverse_entry",
        "accounts.view_system_health",
        "django_celery_beat.view_periodictask",
        "integrations.view_webhooks",
        "integrations.replay_webhookevent",
        "integrations.change_earningsreport",
        "creators.release_payouthold",
        "payouts.verify_payoutmethod",
        "outbound.redeliver_outbounddelivery",
        "payouts.view_payoutbatch",
        "payouts.view_payout",
        "payouts.build_payoutbatch",
        "payouts.approve_payoutbatch",
        "payouts.submit_payoutbatch",
    ],
    Role.COMPLIANCE: [
        _DASHBOARD,
        "platforms.view_platform",
        "creators.view_creator",
        "creators.suspend_creator",
        "integrations.decide_platformlinkrequest",
        "accounts.view_user",
        "audit.view_auditevent",
        "audit.view_securityevent",
        "audit.acknowledge_securityevent",
        "creators.release_payouthold",
        "payouts.verify_payoutmethod",
        "payouts.view_payoutbatch",
        "payouts.view_payout",
        "compliance.review_compliance",
        "compliance.decide_kycverification",
        "compliance.record_ageverification",
        "compliance.open_identitydocument",
        "compliance.review_identitydocument",
        "compliance.manage_record2257",
        "compliance.handle_datasubjectrequest",
        "compliance.approve_erasure",
        "compliance.manage_legalhold",
        "compliance.open_violation",
        "compliance.decide_violation",
    ],
    Role.SUPPORT: [
        _DASHBOARD,
        "platforms.view_platform",
        "creators.view_creator",
        "creators.suspend_creator",
        "integrations.decide_platformlinkrequest",
        "accounts.view_user",
        "accounts.view_system_health",
        "integrations.view_webhooks",
        "payouts.view_payout",
    ],
    Role.CREATOR: [],
}


def role_groups_sync(**kwargs) -> None:
    """Create one group per role holding exactly its permissions (idempotent)."""

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        permissions = []
        for name in names:
            app_label, codename = name.split(".", 1)
            try:
                permissions.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist:
                # The app that owns it has not been migrated yet (first migrate of a fresh
                # database runs post_migrate per app); the final post_migrate completes it.
                continue
        group.permissions.set(permissions)
