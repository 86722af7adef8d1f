"""The dashboard's navigation, filtered by what the signed-in user may open."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str | None = None  # None: every signed-in staff user
    section: str = "main"


STAFF_NAV = [
    NavItem("Overview", "dashboard:overview", "speedometer2", "accounts.access_dashboard"),
    NavItem("Creators", "creators:list", "people-fill", "creators.view_creator"),
    NavItem("Platforms", "platforms:list", "globe2", "platforms.view_platform"),
    NavItem("Webhook events", "integrations:events", "inbox", "integrations.view_webhooks"),
    NavItem("Outbound webhooks", "outbound:deliveries", "send", "integrations.view_webhooks"),
    NavItem("Payout holds", "integrations:payout_holds", "pause-circle", "creators.view_creator"),
    NavItem(
        "Link requests",
        "integrations:link_requests",
        "link-45deg",
        "integrations.decide_platformlinkrequest",
    ),
    NavItem("Compliance", "compliance:home", "clipboard2-pulse", "compliance.review_compliance"),
    NavItem("KYC reviews", "compliance:kyc_queue", "person-check", "compliance.review_compliance"),
    NavItem(
        "2257 records",
        "compliance:records_2257",
        "person-vcard",
        "compliance.review_compliance",
    ),
    NavItem(
        "GDPR requests",
        "compliance:gdpr_list",
        "shield-lock",
        "compliance.handle_datasubjectrequest",
    ),
    NavItem("Violations", "compliance:violations", "flag", "compliance.review_compliance"),
    NavItem("System health", "dashboard:health", "heart-pulse", "accounts.view_system_health"),
    NavItem("Ledger", "ledger:accounts", "journal-bookmark", "ledger.view_ledger", "finance"),
    NavItem("Trial balance", "ledger:trial_balance", "calculator", "ledger.view_ledger", "finance"),
    NavItem("Payouts", "payouts:batch_list", "bank2", "payouts.view_payoutbatch", "finance"),
    NavItem(
        "Verify payout methods",
        "payouts:methods_verify_list",
        "patch-check",
        "payouts.verify_payoutmethod",
        "finance",
    ),
    NavItem(
        "Earnings reports",
        "integrations:earnings_reports",
        "clipboard-check",
        "ledger.view_ledger",
        "finance",
    ),
    NavItem("Users & roles", "accounts:list", "people", "accounts.view_user", "admin"),
    NavItem("Audit log", "audit:list", "journal-text", "audit.view_auditevent", "admin"),
    NavItem(
        "Security events",
        "integrations:security_events",
        "shield-exclamation",
        "audit.view_securityevent",
        "admin",
    ),
    NavItem(
        "Scheduled tasks",
        "dashboard:schedules",
        "clock-history",
        "django_celery_beat.view_periodictask",
        "admin",
    ),
]

CREATOR_NAV = [
    NavItem("My earnings", "earnings:home", "cash-coin"),
    NavItem("My payouts", "payouts:me", "bank"),
    NavItem("My account", "dashboard:creator_home", "person-badge"),
    NavItem("Platform links", "integrations:my_link_requests", "link-45deg"),
    NavItem("Verification", "compliance:my_verification", "patch-check"),
]
