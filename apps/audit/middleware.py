from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .context import RequestContext, reset_request_context, set_request_context


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; X-Forwarded-For is trusted only behind a known proxy."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = set_request_context(
            RequestContext(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            )
        )
        try:
            return self.get_response(request)
        finally:
            reset_request_context(token)
