"""Pages of the integrations (mounted at /integrations/): staff screens, and the signed-in
creator's own link requests under me/."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("events/", views.webhook_event_list_view, name="events"),
    path("events/<int:pk>/", views.webhook_event_detail_view, name="event"),
    path("events/<int:pk>/replay/", views.webhook_event_replay_view, name="replay"),
    path("earnings-reports/", views.earnings_report_list_view, name="earnings_reports"),
    path(
        "earnings-reports/<int:pk>/resolve/",
        views.earnings_report_resolve_view,
        name="earnings_report_resolve",
    ),
    path("security-events/", views.security_event_list_view, name="security_events"),
    path(
        "security-events/<int:pk>/acknowledge/",
        views.security_event_acknowledge_view,
        name="security_event_acknowledge",
    ),
    path("payout-holds/", views.payout_hold_list_view, name="payout_holds"),
    path(
        "payout-holds/<int:pk>/release/", views.payout_hold_release_view, name="payout_hold_release"
    ),
    path("link-requests/", views.link_request_list_view, name="link_requests"),
    path(
        "link-requests/<int:pk>/<slug:decision>/",
        views.link_request_decide_view,
        name="link_request_decide",
    ),
    # the signed-in creator's own requests
    path("me/link-requests/", views.my_link_request_list_view, name="my_link_requests"),
    path(
        "me/link-requests/<int:pk>/<slug:decision>/",
        views.my_link_request_decide_view,
        name="my_link_request_decide",
    ),
]
