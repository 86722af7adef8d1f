from __future__ import annotations

from django.http import HttpRequest

from apps.core.net import client_ip

from .context import RequestContext, reset_request_context, set_request_context


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
