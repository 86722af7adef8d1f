from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import health_report


@method_decorator(never_cache, name="dispatch")
class HealthApi(APIView):
    """FanzDash and its dependencies (database, cache, broker; worker heartbeat)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        responses={
            200: OpenApiResponse(description="All required dependencies are up"),
            503: OpenApiResponse(description="A required dependency is down"),
        },
    )
    def get(self, request):
        report = health_report()
        return Response(report, status=200 if report["status"] == "ok" else 503)
