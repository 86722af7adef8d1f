from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from apps.core.csv import csv_writer
from apps.core.types import HtmxHttpRequest

from .filters import AuditEventFilter
from .selectors import audit_action_names, audit_event_list
from .services import audit_record

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@vary_on_headers("HX-Request")
def audit_event_list_view(request: HtmxHttpRequest):
    event_filter = AuditEventFilter(request.GET or None, queryset=audit_event_list())
    page = Paginator(event_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "audit/event_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(
        request,
        template,
        {"filter": event_filter, "page": page, "actions": audit_action_names()},
    )


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def audit_event_detail_view(request: HtmxHttpRequest, pk: int):
    event = get_object_or_404(audit_event_list(), pk=pk)
    return render(request, "audit/event_detail.html", {"event": event})


def _json(value) -> str:
    return "" if value is None else json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def audit_event_export_view(request: HtmxHttpRequest):
    """The filtered audit log as CSV, streamed (for auditors and regulators)."""
    event_filter = AuditEventFilter(request.GET or None, queryset=audit_event_list())
    writer = csv_writer(_Echo())
    header = [
        "id",
        "occurred_at",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "target",
        "before",
        "after",
        "ip",
        "user_agent",
    ]

    def rows():
        yield writer.writerow(header)
        for event in event_filter.qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.pk,
                    event.occurred_at.isoformat(),
                    event.actor_email,
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.target_repr,
                    _json(event.before),
                    _json(event.after),
                    event.ip or "",
                    event.user_agent,
                ]
            )

    audit_record(actor=request.user, action="audit.exported", after={"filters": request.GET.dict()})
    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
