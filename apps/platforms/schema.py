"""How the OpenAPI schema describes platform API key authentication (drf-spectacular).
Imported by ``PlatformsConfig.ready`` so the extension is registered before any schema is
generated."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .authentication import IsPlatformKey, StaffOrPlatformKey


class PlatformAPIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.platforms.authentication.PlatformAPIKeyAuthentication"
    name = "platformApiKey"
    priority = 1

    def get_security_requirement(self, auto_schema):
        """Listed only on operations a key may call: views with ``platform_key_access`` (and
        ``StaffOrPlatformKey``) or guarded by ``IsPlatformKey``."""

        view = auto_schema.view
        permissions = [type(permission) for permission in view.get_permissions()]
        if IsPlatformKey in permissions or (
            StaffOrPlatformKey in permissions and getattr(view, "platform_key_access", False)
        ):
            return {self.name: []}
        return None

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "<prefix>.<secret>",
            "description": (
                "A platform's API key, sent as `Authorization: Bearer <key>` "
                "(`Authorization: Api-Key <key>` is accepted too). Keys are made by staff on "
                "the platform's page in the dashboard or with `python manage.py "
                "create_platform_key <slug>`; the full key is shown once. A key acts for its "
                "platform only: it reads that platform's creators, earnings, journal entries "
                "and webhook events, and nothing else. A bad, revoked or expired key is "
                "answered 401 `authentication_failed`; a key of a paused or retired platform "
                "403 `platform_inactive`."
            ),
        }
