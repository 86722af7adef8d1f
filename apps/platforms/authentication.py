"""How a platform authenticates to the REST API: its API key.

A platform sends ``Authorization: Bearer <key>`` (as in the seed documents) or
``Authorization: Api-Key <key>``. ``PlatformAPIKeyAuthentication`` then sets

- ``request.user`` to a :class:`PlatformPrincipal` (``.platform``, ``.api_key``), which every
  selector reads through ``principal_platform(principal)`` to confine reads and writes to that
  platform, and
- ``request.auth`` to the :class:`~apps.platforms.models.PlatformAPIKey`.

Refusals: a malformed header, an unknown, revoked or expired key → 401
``authentication_failed`` with ``WWW-Authenticate: Bearer``; a key of a platform that is not
active → 403 ``platform_inactive``. Failed attempts count against the anonymous API throttle of
the caller's IP (``apps.core.throttling``), so keys cannot be guessed at speed.

Permissions: :class:`IsPlatformKey` (platform keys only), :class:`StaffOrPlatformKey`
(staff holding the view's ``required_permissions``, or any platform key when the view says
``platform_key_access = True``; the view's selectors then scope the data to that platform) and
:class:`IsSignedInPerson` (the default: people only, keys refused).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from apps.core.throttling import anonymous_attempt_count

from .models import Platform, PlatformAPIKey

KEYWORDS = ("bearer", "api-key")
WWW_AUTHENTICATE = 'Bearer realm="fanzdash-api"'
# last_used_at is written at most this often per key (one conditional UPDATE).
LAST_USED_RESOLUTION = timedelta(minutes=1)

# What a platform key may do, as permission names. Staff permissions (ledger.view_ledger,
# platforms.change_platform, ...) are never among them: endpoints open to keys say so with
# ``platform_key_access = True`` and scope their data with ``principal_platform``.
PLATFORM_PERMISSIONS = frozenset(
    {
        "platforms.read_own_creators",
        "platforms.read_own_ledger",
        "platforms.read_own_webhook_events",
        "platforms.sync_own_users",
        "platforms.sync_own_earnings",
    }
)


class InvalidAPIKey(exceptions.APIException):
    """401 with ``WWW-Authenticate`` whatever authenticator comes first (DRF would answer 403
    for an ``AuthenticationFailed`` when session authentication is listed first)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "authentication_failed"
    default_detail = "Invalid API key."

    def __init__(self, detail=None, code=None) -> None:
        super().__init__(detail, code)
        self.auth_header = WWW_AUTHENTICATE


class PlatformInactive(exceptions.PermissionDenied):
    default_code = "platform_inactive"
    default_detail = "This platform is not active; its API keys are refused."


class PlatformPrincipal:
    """Who a request with a platform API key acts as: the platform, not a person. Quacks like
    enough of a user for DRF, the throttles and the selectors; it is never saved anywhere (the
    audit log records platform actions with ``actor=None`` and the platform as target)."""

    is_authenticated = True
    is_anonymous = False
    is_platform_key = True  # what the throttles and the audit log look for
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    email = ""

    def __init__(self, api_key: PlatformAPIKey) -> None:
        self.api_key = api_key
        self.platform: Platform = api_key.platform

    def __str__(self) -> str:
        return f"platform {self.platform.slug} (API key {self.api_key.prefix})"

    def __repr__(self) -> str:
        return f"<PlatformPrincipal {self.platform.slug} {self.api_key.prefix}>"

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm in PLATFORM_PERMISSIONS

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def get_username(self) -> str:
        return str(self)


def is_platform_principal(user) -> bool:
    return isinstance(user, PlatformPrincipal)


def _throttle_failed_attempt(request) -> None:
    anonymous_attempt_count(request)


def api_key_authenticate(raw_key: str) -> PlatformAPIKey:
    """The usable key for ``raw_key`` with its platform, or InvalidAPIKey. One indexed query
    (by prefix) and one SHA-512; the comparison is constant-time."""
    prefix, dot, secret = raw_key.partition(".")
    if not dot or not prefix or not secret or len(prefix) > 8 or len(raw_key) > 200:
        raise InvalidAPIKey("Malformed API key.")
    try:
        key = PlatformAPIKey.objects.select_related("platform").get(prefix=prefix)
    except PlatformAPIKey.DoesNotExist:
        raise InvalidAPIKey() from None
    if not key.is_valid(raw_key):
        raise InvalidAPIKey()
    if key.revoked:
        raise InvalidAPIKey("This API key has been revoked.")
    if key.has_expired:
        raise InvalidAPIKey("This API key has expired.")
    return key


def api_key_touch(key: PlatformAPIKey, *, now=None) -> None:
    """Record that ``key`` was used: at most one UPDATE per key per minute, and none while the
    stored time is recent (a busy key costs no writes)."""
    now = now or timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if key.last_used_at is not None and key.last_used_at > threshold:
        return
    PlatformAPIKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold)
    ).update(last_used_at=now)
    key.last_used_at = now


class PlatformAPIKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>`` or ``Authorization: Api-Key <key>``. Other schemes (and
    no header) are left to the next authenticator (session)."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            _throttle_failed_attempt(request)
            raise InvalidAPIKey("Invalid Authorization header: send `Authorization: Bearer <key>`.")
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            _throttle_failed_attempt(request)
            raise InvalidAPIKey("Malformed API key.") from None
        try:
            key = api_key_authenticate(raw_key)
        except InvalidAPIKey:
            _throttle_failed_attempt(request)
            raise
        if key.platform.status != Platform.Status.ACTIVE:
            raise PlatformInactive(
                f"Platform {key.platform.slug} is {key.platform.status}; its API keys are "
                "refused until it is active again."
            )
        api_key_touch(key)
        return PlatformPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return WWW_AUTHENTICATE


# --- permissions --------------------------------------------------------------------------


class IsPlatformKey(BasePermission):
    """Only a request authenticated with a platform API key (sync endpoints)."""

    message = "This endpoint takes a platform API key: `Authorization: Bearer <key>`."

    def has_permission(self, request, view) -> bool:
        if is_platform_principal(request.user):
            return True
        _count_if_anonymous(request)
        return False


class StaffOrPlatformKey(BasePermission):
    """Staff holding every permission in the view's ``required_permissions`` (as
    ``apps.core.api.HasRequiredPermissions``), or a platform key when the view sets
    ``platform_key_access = True``. A view naming neither is closed (fail safe)."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if is_platform_principal(user):
            return bool(getattr(view, "platform_key_access", False))
        if user is None or not user.is_authenticated:
            _count_if_anonymous(request)
            return False
        required = tuple(getattr(view, "required_permissions", ()))
        return bool(required) and user.has_perms(required)


class IsSignedInPerson(BasePermission):
    """The API's default permission: a signed-in person (session). Platform keys are refused
    by every view that does not open itself to them, so a new endpoint is never reachable
    with a key by accident."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if is_platform_principal(user):
            return False
        if user is None or not user.is_authenticated:
            _count_if_anonymous(request)
            return False
        return True


def _count_if_anonymous(request) -> None:
    """A refused anonymous request never reaches DRF's throttles (permissions are checked
    first), so it is counted here against the per-IP anonymous quota."""
    user = request.user
    if user is None or not user.is_authenticated:
        _throttle_failed_attempt(request)
