import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.audit.services import audit_record


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Staff are invited by a super admin and creators arrive through their platform;
        # open self-service signup is off unless ACCOUNT_ALLOW_SIGNUP is set.
        return settings.ACCOUNT_ALLOW_SIGNUP

    def pre_authenticate(self, request, **credentials) -> None:
        """Record attempts refused by the brute-force limit (allauth's login_failed rate)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            attempted = str(credentials.get("email") or credentials.get("username") or "")
            audit_record(
                actor=None,
                action="auth.login_throttled",
                target_type="accounts.user",
                after={"email": attempted[:254]},
            )
            raise

    def login_failed_retry_after(self, request, **credentials) -> int | None:
        """Seconds until the failed-login rate limit (``ACCOUNT_RATE_LIMITS["login_failed"]``,
        per IP and per email) lets these credentials try again; None when it does not hold
        them back. Read from allauth's own counters: each is a list of attempt times."""
        key = self._get_login_attempts_cache_key(request, **credentials)
        now = time.time()
        waits = []
        for rate in ratelimit.get_rates(app="allauth.account", action="login_failed"):
            cache_key = ratelimit.get_cache_key(
                request, app="allauth.account", action="login_failed", rate=rate, key=key
            )
            live = sorted(t for t in cache.get(cache_key, []) if t > now - rate.duration)
            if len(live) >= rate.amount:
                # Room again once enough of the attempts have left the window.
                waits.append(live[len(live) - rate.amount] + rate.duration - now)
        return max(1, math.ceil(max(waits))) if waits else None
