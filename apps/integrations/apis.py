"""The integration endpoints under ``/api/integrations/`` (docs/integration.md) and the webhook
events of the REST API (``/api/v1/webhook-events/``). Thin views: the webhook request path is
``webhooks.py``, the writes are ``services/``, the OpenAPI documentation is ``openapi.py``.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import signing
from apps.core.api import ReceivedAtCursorPagination
from apps.core.bounds import BIGINT_MAX, text_storable
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.health import health_answer
from apps.core.net import client_ip
from apps.platforms.authentication import (
    IsPlatformKey,
    PlatformAPIKeyAuthentication,
    StaffOrPlatformKey,
    is_platform_principal,
)
from apps.platforms.models import Platform

from . import openapi
from .event_examples import EVENT_EXAMPLES
from .filters import WebhookEventApiFilter
from .models import CENTRAL_SOURCE, PlatformUser, WebhookEvent
from .schemas import EventSchemaError, earnings_figures_clean
from .selectors import webhook_event_queryset_for
from .serializers import (
    SyncUserSerializer,
    TestWebhookSerializer,
    WebhookEventDetailSerializer,
    WebhookEventListSerializer,
)
from .services.ingest import source_context
from .services.reconciliation import earnings_report_record, platform_visible_outcome
from .services.users import platform_user_sync
from .webhooks import (
    WebhookAnswer,
    WebhookRequest,
    kyc_webhook_receive,
    webhook_batch_receive,
    webhook_receive,
)

# --- signed webhooks ------------------------------------------------------------------------


def _respond(answer: WebhookAnswer) -> JsonResponse:
    response = JsonResponse(answer.body, status=answer.status)
    if answer.retry_after is not None:
        response["Retry-After"] = str(answer.retry_after)
    return response


class _FirstRenderer(BaseContentNegotiation):
    """Webhook senders get JSON whatever they ``Accept`` (no 406, no negotiation cost)."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _WebhookApiBase(APIView):
    """No authentication, parsing, negotiation or throttling of DRF's own: the signature is
    the authentication and ``webhooks.py`` reads the raw body once."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    # Never used to parse (the raw body is read once); listed so the schema shows JSON bodies.
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = _FirstRenderer


class PlatformWebhookApi(_WebhookApiBase):
    @openapi.platform_webhook
    def post(self, request, platform: str):
        return _respond(webhook_receive(WebhookRequest.from_http(request._request), platform))


class CentralWebhookApi(_WebhookApiBase):
    @openapi.central_webhook
    def post(self, request):
        return _respond(webhook_receive(WebhookRequest.from_http(request._request), CENTRAL_SOURCE))


class KycProviderWebhookApi(_WebhookApiBase):
    @openapi.kyc_provider_webhook
    def post(self, request, provider: str):
        return _respond(kyc_webhook_receive(WebhookRequest.from_http(request._request), provider))


class PlatformWebhookBatchApi(_WebhookApiBase):
    @openapi.platform_webhook_batch
    def post(self, request, platform: str):
        return _respond(webhook_batch_receive(WebhookRequest.from_http(request._request), platform))


# --- sync endpoints (platform API keys) -------------------------------------------------------


def _invalid(errors) -> ApplicationError:
    return ApplicationError("invalid", errors, status_code=422)


class SyncUserApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication]
    permission_classes = [IsPlatformKey]

    @openapi.sync_user
    def post(self, request):
        serializer = SyncUserSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer.errors)
        platform = request.user.platform
        try:
            result = platform_user_sync(platform=platform, data=serializer.validated_data)
        except IntegrityError:
            # Two syncs of one new user at the same instant: the other one created it.
            result = platform_user_sync(platform=platform, data=serializer.validated_data)
        user = result.platform_user
        body = {
            "id": user.external_id,
            "platform": platform.slug,
            "created": result.created,
            "role": user.role,
            "status": user.status,
            "creatorId": getattr(result.creator, "pk", None),
            "creatorCreated": result.creator_created,
            "creatorStatus": getattr(result.creator, "status", None),
            "link": result.link,
        }
        if result.link_request is not None:
            # The email belongs to an existing account: nothing of it is shown until its
            # owner or staff confirm the link.
            body["linkRequestId"] = result.link_request.pk
            body["linkExpiresAt"] = result.link_request.expires_at
            return Response(body, status=202)
        return Response(body, status=201 if result.created else 200)


class SyncEarningsApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication]
    permission_classes = [IsPlatformKey]

    @openapi.sync_earnings
    def post(self, request):
        platform = request.user.platform
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            raise _invalid({"": ["Expected a JSON object."]})
        errors: dict[str, list[str]] = {}
        creator_id = body.get("creatorId")
        if (
            not isinstance(creator_id, str)
            or not creator_id.strip()
            or len(creator_id) > 100
            or not text_storable(creator_id)
        ):
            errors["creatorId"] = ["Expected the platform's creator id (1 to 100 characters)."]
        currency = body.get("currency") or platform.settlement_currency_id
        exponent = None
        if not isinstance(currency, str) or not (currency.isascii() and currency.isalpha()):
            errors["currency"] = ["Expected an ISO 4217 code such as USD."]
        else:
            try:
                exponent = currency_exponent(currency.upper())
            except ApplicationError:
                errors["currency"] = [f"Unknown currency {currency!r}."]
        figures = {}
        if exponent is not None:
            try:
                figures = earnings_figures_clean(body.get("earnings"), exponent)
            except EventSchemaError as error:
                errors.update(error.errors)
        if errors:
            raise _invalid(errors)
        report = earnings_report_record(
            platform=platform,
            creator_external_id=creator_id.strip(),
            figures=figures,
            currency=currency.upper(),
        )
        return Response(
            {
                "id": report.pk,
                "creatorId": report.creator_external_id,
                "creatorKnown": report.creator_id is not None,
                "currency": report.currency_id,
                **platform_visible_outcome(report),
            },
            status=201,
        )


# --- users/<id>/permissions ----------------------------------------------------------------------


def _user_permissions(user: User) -> dict:
    creator = getattr(user, "creator", None) if user.role == "creator" else None
    return {
        "userId": user.pk,
        "email": user.email,
        "role": user.role,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()) if user.is_active else [],
        "isActive": user.is_active,
        "creatorId": getattr(creator, "pk", None),
        "creatorStatus": getattr(creator, "status", None),
    }


class UserPermissionsApi(APIView):
    authentication_classes = [PlatformAPIKeyAuthentication, SessionAuthentication]
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("accounts.view_user",)
    platform_key_access = True

    @openapi.user_permissions
    def get(self, request, user_id: str):
        if not text_storable(user_id):
            raise ApplicationError("not_found", "No such user.", status_code=404)
        if is_platform_principal(request.user):
            platform = request.user.platform
        else:
            slug = request.query_params.get("platform")
            if slug and not text_storable(slug):
                raise ApplicationError("not_found", "No such platform.", status_code=404)
            platform = get_object_or_404(Platform, slug=slug) if slug else None
        if platform is None:
            # ASCII digits only: str.isdigit() is true for "²", which int() refuses (a 500).
            if not (user_id.isascii() and user_id.isdigit()) or int(user_id) > BIGINT_MAX:
                raise ApplicationError("not_found", "No such user.", status_code=404)
            user = get_object_or_404(User.objects.select_related("creator"), pk=int(user_id))
            return Response({"id": user_id, "platform": None, **_user_permissions(user)})
        platform_user = get_object_or_404(
            PlatformUser.objects.select_related("user", "creator"),
            Q(platform=platform, external_id=user_id),
        )
        if platform_user.user is not None:
            data = _user_permissions(platform_user.user)
        else:
            data = {
                "userId": None,
                "email": platform_user.email,
                "role": platform_user.role,
                "roles": [platform_user.role] if platform_user.role else [],
                "permissions": [],
                "isActive": platform_user.status not in ("suspended", "banned", "deleted"),
                "creatorId": platform_user.creator_id,
                "creatorStatus": getattr(platform_user.creator, "status", None),
            }
        return Response({"id": user_id, "platform": platform.slug, **data})


# --- health and the development test endpoint ----------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class IntegrationHealthApi(APIView):
    authentication_classes = [SessionAuthentication]  # who is signed in; no API keys
    permission_classes = [AllowAny]

    @openapi.integration_health
    def get(self, request):
        body, status = health_answer(request)
        return Response(body, status=status)


class IsStaff(BasePermission):
    message = "Staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class TestWebhookApi(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsStaff]

    def initial(self, request, *args, **kwargs):
        if not settings.DEBUG:
            raise ApplicationError("not_found", "Not found.", status_code=404)
        super().initial(request, *args, **kwargs)

    @openapi.test_webhook
    def post(self, request):
        serializer = TestWebhookSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer.errors)
        values = serializer.validated_data
        source = values["platform"]
        context = source_context(source, fresh=True)
        if context is None:
            raise ApplicationError("unknown_platform", f"No platform {source!r}.", status_code=404)
        if not context.secrets:
            raise ApplicationError(
                "no_secret", f"{source} has no active webhook secret.", status_code=409
            )
        event = values["event"]
        example = EVENT_EXAMPLES.get(event, {})
        payload = {
            "id": f"test_{uuid.uuid4().hex[:16]}",
            "event": event,
            "platform": source,
            "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
            "data": values.get("data") or example.get("data", {}),
        }
        body = json.dumps(payload).encode()
        secret = context.secrets[0].secret
        if values["scheme"] == "standard":
            headers = signing.standard_headers(secret, payload["id"], body)
        else:
            headers = {"X-FANZ-Signature": signing.fanz_signature(secret, body)}
        path = f"/api/integrations/webhooks/{source}"
        # Through the very request path a platform's request takes (signature, schema,
        # storage, processing), in process.
        answer = webhook_receive(
            WebhookRequest.signed(path=path, body=body, headers=headers, ip=client_ip(request)),
            source,
        )
        return Response(
            {
                "request": {"url": path, "headers": headers, "body": payload},
                "response": {"status": answer.status, "body": answer.body},
            }
        )


# --- /api/v1/webhook-events/ -------------------------------------------------------------------


class WebhookEventApiBase(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("integrations.view_webhooks",)
    platform_key_access = True  # scoped by webhook_event_queryset_for
    queryset = WebhookEvent.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return webhook_event_queryset_for(self.request.user)


class WebhookEventListApi(WebhookEventApiBase, ListAPIView):
    serializer_class = WebhookEventListSerializer
    pagination_class = ReceivedAtCursorPagination
    filterset_class = WebhookEventApiFilter

    def get_queryset(self):
        return super().get_queryset().defer("payload", "raw_body", "headers", "verification")

    @openapi.webhook_event_list
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookEventDetailApi(WebhookEventApiBase):
    serializer_class = WebhookEventDetailSerializer

    @openapi.webhook_event_detail
    def get(self, request, pk: int):
        event = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(WebhookEventDetailSerializer(event).data)
