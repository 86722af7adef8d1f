from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
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
