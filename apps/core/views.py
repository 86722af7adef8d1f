from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and dependency status for load balancers and monitors (no login needed)."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
