"""Reads of GDPR/CCPA requests and legal holds: the queue by days left, one request with its
pauses and its subject's registry view, the requests a platform filed, legal holds."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.compliance.models import DataSubjectRequest, LegalHold, RequestPause
from apps.core.personal_data import registrations
from apps.platforms.authentication import is_platform_principal


def gdpr_requests() -> QuerySet[DataSubjectRequest]:
    """Every request with what its lists show, and the start of its open pause (one query)."""
    open_pause = RequestPause.objects.filter(request=OuterRef("pk"), ended_at__isnull=True)
    return DataSubjectRequest.objects.select_related(
        "subject_user", "subject_creator", "subject_platform", "handled_by", "filed_by_platform"
    ).annotate(open_pause_started_at=Subquery(open_pause.values("started_at")[:1]))


def gdpr_request_queue(*, open_only: bool = True) -> QuerySet[DataSubjectRequest]:
    """Open requests first by deadline (overdue at the top); closed ones after, newest first."""
    queryset = gdpr_requests()
    if open_only:
        return queryset.filter(status__in=DataSubjectRequest.OPEN_STATUSES).order_by("due_at", "id")
    return queryset.order_by("-received_at", "-id")


def gdpr_requests_for(principal) -> QuerySet[DataSubjectRequest]:
    """Staff see every request; a platform key only those its platform filed."""
    queryset = gdpr_requests().order_by("-received_at", "-id")
    if is_platform_principal(principal):
        return queryset.filter(filed_by_platform=principal.platform)
    return queryset


def gdpr_request_get_for(principal, pk: int) -> DataSubjectRequest:
    return get_object_or_404(gdpr_requests_for(principal), pk=pk)


def gdpr_request_pauses(request: DataSubjectRequest) -> list[RequestPause]:
    return list(request.pauses.order_by("started_at", "id"))


def personal_data_registrations() -> list:
    """What each app declares it holds (for the request page)."""
    return registrations()


def legal_holds(*, active_only: bool = False) -> QuerySet[LegalHold]:
    queryset = LegalHold.objects.select_related(
        "subject_user", "subject_creator", "placed_by", "released_by"
    ).order_by("-placed_at", "-id")
    if active_only:
        queryset = queryset.filter(released_at__isnull=True).filter(
            Q(until__isnull=True) | Q(until__gte=timezone.localdate())
        )
    return queryset
