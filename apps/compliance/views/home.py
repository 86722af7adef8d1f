"""The compliance home (``/compliance/``, ``compliance.review_compliance``: compliance
officers and super admins): every queue with its deadline clock, the expiring verifications,
the open violations by severity, the compliance score with how it is computed, and the last
2257 export. One selector (``selectors.home.compliance_home``), a constant number of queries;
and the full queue of identity documents waiting for review (``/compliance/documents/``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from apps.compliance.selectors import compliance_home, document_review_queue
from apps.compliance.selectors.home import waiting_clock
from apps.core.types import HtmxHttpRequest

PAGE_SIZE = 50
REVIEW = "compliance.review_compliance"


@login_required
@permission_required(REVIEW, raise_exception=True)
def compliance_home_view(request: HtmxHttpRequest):
    return render(
        request,
        "compliance/home.html",
        {
            "home": compliance_home(),
            "earnings_lookback_days": settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS,
        },
    )


@login_required
@permission_required(REVIEW, raise_exception=True)
def document_queue_view(request: HtmxHttpRequest):
    """Identity documents waiting for review, oldest upload first."""
    now = timezone.now()
    page = Paginator(document_review_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(document, waiting_clock(document.uploaded_at, now)) for document in page]
    return render(request, "compliance/document_queue.html", {"page": page, "rows": rows})
