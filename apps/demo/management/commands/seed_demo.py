"""``manage.py seed_demo``: the demo network, composed from each app's ``demo.py`` (users,
the network's creators and their sales, their KYC and age verifications, platform traffic
through the signed webhook path, payout methods and schedules, an API key), then the logins
printed. Idempotent.

A line per stage (and every few weeks of the sales history) says what was done and how many
seconds have passed, so that someone watching ``make run`` sees it working."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.demo import demo_password, seed_demo_users
from apps.compliance.demo import DemoCompliance, seed_demo_gdpr, seed_demo_violations
from apps.integrations.demo import seed_demo_webhooks
from apps.ledger.demo import seed_demo_network
from apps.payouts.demo import seed_demo_payouts
from apps.platforms.demo import seed_demo_api_key


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing) and print logins."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        write = self.stdout.write

        def progress(message: str) -> None:
            write(f"[{time.monotonic() - started:5.1f}s] {message}")
            self.stdout.flush()  # shown as it happens, even when stdout is a pipe

        write(
            f"Loading the demo data ({settings.DEMO_NETWORK_CREATORS} creators, "
            f"{settings.DEMO_HISTORY_DAYS} days of sales; a rerun changes nothing):"
        )
        self.stdout.flush()
        logins = seed_demo_users()
        progress(f"Demo logins: {len(logins)} (one per role)")
        compliance = DemoCompliance()
        summary = seed_demo_network(
            progress=lambda message: progress(f"Demo network: {message}"),
            creator_compliance=compliance,
        )
        progress(
            f"Demo network: {summary.creators} creators; this run posted {summary.earnings} "
            f"earnings, {summary.refunds} refunds, {summary.chargebacks} chargebacks and "
            f"{summary.released} releases (nothing on a rerun)."
        )
        done = compliance.summary
        progress(
            f"Demo compliance: this run approved {done.kyc_approved} KYC verifications, "
            f"queued {done.kyc_pending} for review, recorded {done.age_verified} age "
            f"verifications and {done.identity_documents} identity documents, and kept "
            f"{done.records_2257_complete} complete and {done.records_2257_incomplete} incomplete "
            "2257 records (nothing on a rerun)."
        )
        gdpr = seed_demo_gdpr()
        if gdpr.requests or gdpr.holds:
            progress(
                f"Demo GDPR: this run added {gdpr.requests} requests (two due in three days, "
                f"one overdue) and {gdpr.holds} legal hold."
            )
        else:
            progress("Demo GDPR: the demo requests and legal hold were already there.")
        violations = seed_demo_violations()
        progress(
            f"Demo violations: this run opened {violations} (every severity; the critical one "
            "holds its creator's payouts; nothing on a rerun)."
        )
        traffic = seed_demo_webhooks()
        progress(
            f"Demo platform traffic: {traffic.sent} signed webhook events sent, {traffic.stored} "
            f"new, {traffic.duplicates} already stored, {traffic.refused} refused; the worker "
            "processes them (Webhook events in the dashboard)."
        )
        payouts = seed_demo_payouts()
        progress(
            f"Demo payouts: this run added {payouts.schedules} schedules, {payouts.methods} "
            f"payout methods ({payouts.verified} verified) and {payouts.holds} holds; "
            f"{payouts.payable} creators are payable now (Payouts > Build a batch)."
        )
        raw_key = seed_demo_api_key()
        progress(f"Demo data loaded in {time.monotonic() - started:.1f} s.")
        if raw_key is not None:
            write(f"Demo API key of boyfanz (shown this once): {raw_key}")
            write(
                f"  curl -H 'Authorization: Bearer {raw_key}' {settings.SITE_URL}/api/v1/creators/"
            )
        write("")
        write(f"FanzDash demo is ready at {settings.SITE_URL}/")
        write(f"Password for every demo login: {demo_password()}  (unless you changed it)")
        write("Staff sign in with a TOTP code: add the secret to an authenticator app, or run")
        write("  oathtool --totp -b SECRET")
        write("")
        width = max(len(login.email) for login in logins)
        for login in logins:
            totp = f"TOTP secret {login.totp_secret}" if login.totp_secret else "no 2FA (optional)"
            write(f"  {login.email:<{width}}  {login.role:<12} {totp}")
        write("")
