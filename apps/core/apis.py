"""Core API views: the health probe, the schema and its browsable docs, and the answer to
any path under /api/ that names no endpoint."""

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import health_answer


@method_decorator(never_cache, name="dispatch")
class HealthApi(APIView):
    """FanzDash and its dependencies (database, cache, broker; worker heartbeat): the status
    and each check's ok for anyone; the details for signed-in staff who may see system
    health, a monitor sending ``X-Health-Token``, or an address in ``HEALTH_ALLOWED_IPS``."""

    authentication_classes = [SessionAuthentication]  # who is signed in; no API keys
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        responses={
            200: OpenApiResponse(description="All required dependencies are up"),
            503: OpenApiResponse(description="A required dependency is down"),
        },
    )
    def get(self, request):
        body, status = health_answer(request)
        return Response(body, status=status)


# --- the schema, its docs, and paths that name no endpoint --------------------------------------


class _JsonErrors:
    """GET (and HEAD) only, and every error as JSON in the API's shape, whatever the view
    renders when it succeeds (the schema's YAML, the docs' HTML: DRF would render a 405 with
    those, and an OPTIONS of the HTML docs failed with a 500)."""

    http_method_names = ["get", "head"]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaApi(_JsonErrors, SpectacularAPIView):
    pass


class SwaggerDocsView(_JsonErrors, SpectacularSwaggerView):
    pass


class RedocDocsView(_JsonErrors, SpectacularRedocView):
    pass


class ApiNotFound(APIView):
    """Any path under /api/ that no route matches, any method: 404 ``not_found`` in the error
    shape, with DEBUG on or off (instead of Django's HTML page, or with DEBUG its list of
    every URL pattern). As Django's APPEND_SLASH did, a GET of a path missing only its
    trailing slash is redirected to it."""

    schema = None  # not an endpoint
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)

    def get(self, request, *args, **kwargs):
        path = request.path
        if not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not ApiNotFound:
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(path + "/" + (f"?{query}" if query else ""))
        raise NotFound(f"No API endpoint at {path}.")

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound(f"No API endpoint at {request.path}.")

    options = http_method_not_allowed
