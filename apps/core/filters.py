"""The query filters every API filterset uses for instants and ids (``apps.core.bounds``):
what the database cannot hold is refused like any bad filter value, 400 ``invalid`` with the
parameter's name, instead of reaching the database (``time zone displacement out of range``
on PostgreSQL, an overflow on SQLite)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from .bounds import BIGINT_MAX, instant_clean


class InstantFormField(IsoDateTimeField):
    """An ISO 8601 instant (without a zone: UTC), in UTC, within what the database holds."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return instant_clean(value)
        except ValueError as error:
            raise ValidationError(str(error), code="out_of_range") from None


class IdFormField(forms.IntegerField):
    """A whole number from 1 to 2**63 - 1 (a bigint id)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "date-time"})
class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantFormField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """An id (``creator=42``); a fraction, or a number no id can have, is refused."""

    field_class = IdFormField

    def get_max_validator(self):
        return None  # IdFormField has its own bounds
