"""Pages of the payouts app (mounted at /payouts/): staff batch screens and the creator's own
payout pages live in their own route modules."""

from django.urls import include, path

app_name = "payouts"

urlpatterns = [
    path("methods/", include("apps.payouts.urls_methods_staff")),
    path("", include("apps.payouts.urls_staff")),
    path("", include("apps.payouts.urls_files")),
    path("", include("apps.payouts.urls_submission")),
    path("me/", include("apps.payouts.urls_creator")),
]
