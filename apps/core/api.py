"""Shared pieces of the REST API: pagination, the permission check, amounts as decimal
strings, and the error shape as the OpenAPI schema shows it."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound
from rest_framework.fields import get_attribute
from rest_framework.permissions import BasePermission

from .bounds import instant_clean
from .money import format_minor

# --- pagination ------------------------------------------------------------------------------


class StandardPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); the view's queryset fixes the order."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class InstantCursorPagination(pagination.CursorPagination):
    """Cursor pagination over an instant (the first ``ordering`` field). A cursor comes back
    from the client, so its position is checked like any instant (``apps.core.bounds``):
    a forged one is answered 404 ``Invalid cursor``, as DRF answers a cursor it cannot
    decode, instead of reaching the database."""

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        try:
            moment = parse_datetime(cursor.position)
            if moment is None:
                raise ValueError(cursor.position)
            position = str(instant_clean(moment))
        except (TypeError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
        return pagination.Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)


class OccurredAtCursorPagination(InstantCursorPagination):
    """For append-only histories (journal entries): newest first, no COUNT over the table,
    and stable pages while new rows arrive."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-occurred_at", "-id")


class ReceivedAtCursorPagination(OccurredAtCursorPagination):
    """Webhook events: newest received first, cursor-paginated like the journal."""

    ordering = ("-received_at", "-id")


# --- access ----------------------------------------------------------------------------------


class HasRequiredPermissions(BasePermission):
    """Lets a signed-in user through when they hold every permission the view names in
    ``required_permissions``. A view that names none is closed (fail safe). Anonymous callers
    are answered 403 ``not_authenticated`` by DRF (session authentication)."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        required = tuple(getattr(view, "required_permissions", ()))
        return bool(required) and user.has_perms(required)


# --- amounts ---------------------------------------------------------------------------------

AMOUNT_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "Exact decimal string with as many decimals as the currency has "
    "(ISO 4217 exponent: USD 2, JPY 0, BHD 3). Never a JSON number.",
    "example": "19.99",
}


@extend_schema_field(AMOUNT_SCHEMA)
class MinorAmountField(serializers.Field):
    """Renders integer minor units as a decimal string, taking the currency exponent from the
    same object: ``MinorAmountField(minor="balance", exponent="currency.exponent")``.
    ``None`` minor units render as ``null`` (declare ``allow_null=True``)."""

    def __init__(self, *, minor: str, exponent: str, **kwargs) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.minor_attrs = minor.split(".")
        self.exponent_attrs = exponent.split(".")

    def to_representation(self, instance) -> str | None:
        minor = get_attribute(instance, self.minor_attrs)
        if minor is None:
            return None
        return format_minor(int(minor), int(get_attribute(instance, self.exponent_attrs)))


# --- the error shape in the schema -------------------------------------------------------------


class ApiErrorSerializer(serializers.Serializer):
    """What every API error looks like (``apps.core.exceptions.api_exception_handler``)."""

    error = serializers.CharField(
        help_text="Machine-readable code: not_authenticated, permission_denied, not_found, "
        "invalid, unknown_currency, ..."
    )
    detail = serializers.JSONField(
        help_text="Words for people, or a map of field name to messages for invalid input."
    )


_ERROR_DESCRIPTIONS = {
    400: "Invalid query parameters (`invalid`, or a specific code such as `unknown_currency`).",
    401: "The API key is malformed, unknown, revoked or expired (`authentication_failed`).",
    403: "Not signed in (`not_authenticated`), missing the permission (`permission_denied`), "
    "or the API key's platform is not active (`platform_inactive`).",
    404: "No such object, or not visible to the caller; or a `page` / `cursor` that does not "
    "exist (`not_found`).",
    429: "Over the request quota (`throttled`); retry after `Retry-After` seconds.",
}


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """``responses={200: X, **error_responses(403, 404)}`` in ``extend_schema``."""
    return {
        code: OpenApiResponse(
            response=ApiErrorSerializer, description=_ERROR_DESCRIPTIONS.get(code, "Error.")
        )
        for code in status_codes
    }


# --- what the server answers before the app sees the request ------------------------------------

#: gunicorn (the production server, ``Procfile``) refuses a request line longer than its
#: ``limit_request_line`` (4094 bytes by default) with an HTML 414 before Django runs; every
#: operation can therefore answer it, and the schema says so.
_SERVER_RESPONSES = {
    "414": {
        "description": "The request line (method, path and query string) is longer than the "
        "server accepts (4094 bytes); shorten the query. Answered by the web server, as HTML."
    },
}


def schema_server_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: add the server's own answers to every operation."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for code, response in _SERVER_RESPONSES.items():
                    operation["responses"].setdefault(code, dict(response))
    return result
