from __future__ import annotations

import json
from datetime import UTC, datetime

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core.currencies import money_text
from apps.core.display import (
    Shown,
    action_words,
    field_label,
    parse_reference,
    record_link,
    record_words,
    show_fields,
    show_value,
)
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
    return money_text(minor, currency)


# --- stored values as people read them (apps.core.display) ----------------------------------


def _shown_html(shown: Shown | None) -> SafeString:
    """Always safe HTML: text escaped by format_html / conditional_escape."""
    if shown is None:
        return SafeString("")
    if shown.fields is not None:
        return _fields_html(shown.fields, nested=True)
    if shown.url:
        return format_html('<a href="{}">{}</a>', shown.url, shown.text)
    if shown.muted:
        return format_html('<span class="text-body-secondary">{}</span>', shown.text)
    return conditional_escape(shown.text)


def _fields_html(fields, *, nested: bool = False) -> SafeString:
    if not fields:
        return format_html('<span class="text-body-secondary">{}</span>', "nothing")
    css = "fd-details fd-details-nested" if nested else "fd-details"
    rows = format_html_join(
        "", "<dt>{}</dt><dd>{}</dd>", ((label, _shown_html(shown)) for label, shown in fields)
    )
    return format_html('<dl class="{}">{}</dl>', css, rows)


@register.simple_tag(takes_context=True)
def details(context, value, empty: str = "—"):
    """A stored dict (a JSON payload, a processing result) as labelled, formatted fields:
    ``{% details event.payload %}``. Never a Python or JSON repr."""
    if value in (None, "", {}, []):
        return format_html('<span class="text-body-secondary">{}</span>', empty)
    return _fields_html(show_fields(value, user=context.get("user")))


def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    return {} if value is None else {"value": value}


@register.simple_tag(takes_context=True)
def changes(context, before, after):
    """An audit event's before and after, field by field, changed fields marked."""
    user = context.get("user")
    before, after = _as_dict(before), _as_dict(after)
    keys = list(dict.fromkeys([*before, *after]))
    if not keys:
        return format_html('<p class="text-body-secondary mb-0">{}</p>', "No fields recorded.")

    def shown(data: dict, key):
        return show_value(key, data[key], siblings=data, user=user) if key in data else None

    rows = format_html_join(
        "",
        '<tr class="{}"><th scope="row">{}</th><td class="text-break">{}</td>'
        '<td class="text-break">{}</td></tr>',
        (
            (
                "table-warning" if key in before and before.get(key) != after.get(key) else "",
                field_label(key),
                _shown_html(shown(before, key)),
                _shown_html(shown(after, key)),
            )
            for key in keys
        ),
    )
    return format_html(
        '<div class="table-responsive"><table class="table table-sm align-middle mb-0" '
        'data-testid="changes"><thead><tr><th>Field</th><th>Before</th><th>After</th></tr>'
        "</thead><tbody>{}</tbody></table></div>",
        rows,
    )


@register.simple_tag(takes_context=True)
def record(context, label, pk, text=""):
    """A record named by model label and id (an audit target) as words, linked to its page
    when there is one the user may open: ``Webhook event #11``, ``User admin@…``."""
    if not label:
        return text or ""
    words = record_words(label, pk, text)
    url = record_link(label, pk, context.get("user"))
    if url:
        return format_html('<a href="{}">{}</a>', url, words)
    return words


@register.simple_tag(takes_context=True)
def reference(context, text):
    """A stored reference such as ``integrations.webhookevent:11`` as ``Webhook event #11``,
    linked; anything else as it is."""
    found = parse_reference(text)
    if found is None:
        return text or ""
    label, pk = found
    return record(context, label, pk)


@register.simple_tag(takes_context=True)
def user_link(context, user_id, email):
    """Who did something: their email, linked to their page if the viewer may see users."""
    if not email:
        return format_html('<span class="text-body-secondary">{}</span>', "system")
    url = record_link("accounts.user", user_id, context.get("user")) if user_id else None
    if url:
        return format_html('<a href="{}">{}</a>', url, email)
    return email


@register.filter
def words(code) -> str:
    """A code as words: ``"account_closed"`` → ``"Account closed"``,
    ``"subscription_created"`` → ``"Subscription created"``."""
    text = str(code or "").replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def filtered(filterset) -> bool:
    """Whether a list's filter (a django-filter FilterSet, or a form) has any value set: an
    empty list then says "No … match these filters", otherwise that there is nothing yet.
    ``?page=2`` alone is no filter."""
    form = getattr(filterset, "form", filterset)
    data = getattr(filterset, "data", None) or getattr(form, "data", None) or {}
    for name in getattr(form, "fields", {}):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if any(value not in (None, "") and str(value).strip() for value in values):
            return True
    return False


@register.filter
def unix_time(seconds):
    """Unix seconds (as signed webhook headers carry them) as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(seconds), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@register.filter
def action(code) -> str:
    """An audit action in words: ``"payouts.payout_paid"`` → ``"Payout paid"``."""
    return action_words(code)
