"""Submission routes of the payouts app (under /payouts/; names ``payouts:batch_submit``,
``payouts:batch_resume``, ``payouts:batch_settle``, ``payouts:payout_mark_paid``,
``payouts:payout_mark_failed``)."""

from django.urls import path

from . import views_submission as views

urlpatterns = [
    path("batches/<int:pk>/submit/", views.batch_submit_view, name="batch_submit"),
    path("batches/<int:pk>/resume/", views.batch_resume_view, name="batch_resume"),
    path("batches/<int:pk>/settle/", views.batch_settle_view, name="batch_settle"),
    path("payouts/<int:pk>/mark-paid/", views.payout_mark_paid_view, name="payout_mark_paid"),
    path("payouts/<int:pk>/mark-failed/", views.payout_mark_failed_view, name="payout_mark_failed"),
]
