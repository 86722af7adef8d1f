from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.demo import demo_password, seed_demo_users
from apps.ledger.demo import seed_demo_network


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing) and print logins."

    def handle(self, *args, **options) -> None:
        logins = seed_demo_users()
        summary = seed_demo_network()
        write = self.stdout.write
        write(
            f"Demo network: {summary.creators} creators; this run posted {summary.earnings} "
            f"earnings, {summary.refunds} refunds, {summary.chargebacks} chargebacks and "
            f"{summary.released} releases (nothing on a rerun)."
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
