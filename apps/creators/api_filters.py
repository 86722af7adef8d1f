"""Query filters of the creators API (/api/v1/creators/). Every filter runs in the database."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Creator, PlatformAccount
from .selectors import principal_platform


class CreatorApiFilter(django_filters.FilterSet):
    platform = django_filters.CharFilter(
        method="filter_platform",
        help_text="Platform slug (e.g. boyfanz): creators with an account on that platform.",
    )
    status = django_filters.ChoiceFilter(choices=Creator.Status.choices, help_text="Status.")
    kyc_level = django_filters.ChoiceFilter(
        field_name="kyc_level",
        choices=[(level, str(level)) for level in range(4)],
        help_text="KYC level, 0 to 3.",
    )
    currency = django_filters.CharFilter(
        method="filter_currency", help_text="Default currency, ISO 4217 code (e.g. USD)."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Search (case-insensitive, contains) in display name, email and the "
        "creator's platform external ids.",
    )

    class Meta:
        model = Creator
        fields: list[str] = []

    def filter_platform(self, queryset: QuerySet[Creator], name: str, value: str):
        on_platform = PlatformAccount.objects.filter(
            creator=OuterRef("pk"), platform__slug=value.strip().lower()
        )
        # A platform key may not learn which of its creators are on another platform.
        platform = principal_platform(getattr(self.request, "user", None))
        if platform is not None:
            on_platform = on_platform.filter(platform=platform)
        return queryset.filter(Exists(on_platform))

    def filter_currency(self, queryset: QuerySet[Creator], name: str, value: str):
        return queryset.filter(default_currency_id=value.strip().upper())

    def filter_q(self, queryset: QuerySet[Creator], name: str, value: str):
        term = value.strip()
        if not term:
            return queryset
        external_ids = PlatformAccount.objects.filter(
            creator=OuterRef("pk"), external_id__icontains=term
        )
        # A platform key searches only its own platform's ids: another platform's id must not
        # reveal that the creator is known there.
        platform = principal_platform(getattr(self.request, "user", None))
        if platform is not None:
            external_ids = external_ids.filter(platform=platform)
        return queryset.filter(
            Q(display_name__icontains=term)
            | Q(user__email__icontains=term)
            | Q(Exists(external_ids))
        )
