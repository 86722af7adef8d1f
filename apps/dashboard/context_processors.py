from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .navigation import CREATOR_NAV, STAFF_NAV


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
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "section": item.section,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items, "show_admin_link": user.is_staff}
