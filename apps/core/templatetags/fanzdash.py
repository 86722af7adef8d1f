from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple

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
