from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple

from apps.core.currencies import currency_exponent
from apps.core.money import display_minor

register = template.Library()


@register.filter
def bs(field: BoundField, size: str = "sm"):
    """Render a form field's widget with Bootstrap classes (and is-invalid on errors)."""
    widget = field.field.widget
    if isinstance(widget, (CheckboxInput, RadioSelect)):
        css = "form-check-input"
    elif isinstance(widget, (Select, SelectMultiple)):
        css = f"form-select form-select-{size}" if size else "form-select"
    else:
        css = f"form-control form-control-{size}" if size else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def pretty_json(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True)


@register.filter
def amount(minor, exponent) -> str:
    """Minor units as people read them: ``{{ 123450|amount:2 }}`` → ``1,234.50``."""
    if minor is None or minor == "":
        return ""
    return display_minor(int(minor), int(exponent))


@register.filter
def money(minor, currency) -> str:
    """Minor units with their currency: ``{{ 123450|money:"USD" }}`` → ``1,234.50 USD``."""
    if minor is None or minor == "":
        return ""
    code = str(currency)
    return f"{display_minor(int(minor), currency_exponent(code))} {code.upper()}"
