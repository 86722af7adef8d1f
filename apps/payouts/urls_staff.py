"""Staff payout screens (under /payouts/; names ``payouts:batch_list``, ...)."""

from django.urls import path

from . import views_staff as views

urlpatterns = [
    path("", views.batch_list_view, name="batch_list"),
    path("batches/build/", views.batch_build_view, name="batch_build"),
    path("batches/<int:pk>/", views.batch_detail_view, name="batch_detail"),
    path("batches/<int:pk>/approve/", views.batch_approve_view, name="batch_approve"),
    path("batches/<int:pk>/cancel/", views.batch_cancel_view, name="batch_cancel"),
    path("batches/<int:pk>/export.csv", views.batch_export_view, name="batch_export"),
    path("payouts/<int:pk>/", views.payout_detail_view, name="payout_detail"),
    path(
        "creators/<int:pk>/eligibility/",
        views.creator_eligibility_view,
        name="creator_eligibility",
    ),
    path(
        "mass-requests/<int:pk>/build/",
        views.mass_request_handle_view,
        name="mass_request_handle",
    ),
]
