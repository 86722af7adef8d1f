from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .navigation import CREATOR_NAV, STAFF_NAV


def _active_url(path: str, urls: list[str]) -> str | None:
    """The one item the page belongs to: the longest item URL that is the path or a prefix
    of it ending at a slash (``/payouts/methods/`` belongs to "Verify payout methods", not
    also to "Payouts" at ``/payouts/``)."""
    matches = [url for url in urls if path == url or (url.endswith("/") and path.startswith(url))]
    return max(matches, key=len, default=None)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "signup_open": settings.ACCOUNT_ALLOW_SIGNUP}
    source = STAFF_NAV if user.has_perm("accounts.access_dashboard") else CREATOR_NAV
    items = []
    for item in source:
        if item.permission and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "icon": item.icon, "section": item.section})
    active = _active_url(request.path, [item["url"] for item in items if item["url"] != "/"])
    for item in items:
        item["active"] = item["url"] == active
    return {"nav_items": items, "show_admin_link": user.is_staff}
