from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.urls import reverse

# Paths a staff user without a second factor may still reach: the account pages (where the
# enrolment happens, and sign out), static files and the health probe.
EXEMPT_PREFIXES = ("/accounts/", "/healthz")


class StaffMFARequiredMiddleware:
    """Sends every staff user who has not enrolled TOTP to the enrolment page first."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = request.user
        path = request.path
        if (
            user.is_authenticated
            and getattr(user, "requires_mfa", False)
            and not path.startswith((*EXEMPT_PREFIXES, settings.STATIC_URL))
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": "mfa_enrollment_required",
                        "detail": "Staff accounts must enrol two-factor authentication.",
                    },
                    status=403,
                )
            messages.warning(
                request,
                "Staff accounts must use two-factor authentication. "
                "Scan the code with your authenticator app to continue.",
            )
            return HttpResponseRedirect(
                f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
