from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Staff are invited by a super admin and creators arrive through their platform;
        # open self-service signup is off unless ACCOUNT_ALLOW_SIGNUP is set.
        return settings.ACCOUNT_ALLOW_SIGNUP
