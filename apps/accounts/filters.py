import django_filters
from django import forms
from django.db.models import Q

from .models import User
from .roles import Role


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    role = django_filters.ChoiceFilter(choices=Role.choices, empty_label="Any role")
    is_active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(
            choices=[("", "Any status"), ("true", "Active"), ("false", "Deactivated")]
        ),
    )

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(email__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
