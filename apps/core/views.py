from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_answer


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and dependency status for load balancers and monitors (no login needed; the
    details only for staff and configured monitors, ``health_answer``)."""
    body, status = health_answer(request)
    return JsonResponse(body, status=status)
