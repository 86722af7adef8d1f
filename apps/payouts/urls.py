"""Pages of the payouts app (mounted at /payouts/): staff batch screens, submission and bank
files, method verification, and the creator's own payout pages (/payouts/me/, where no route
names a creator)."""

from django.urls import path

from .views import creator, files, methods, staff, submission

app_name = "payouts"

urlpatterns = [
    # staff: batches and payouts
    path("", staff.batch_list_view, name="batch_list"),
    path("batches/build/", staff.batch_build_view, name="batch_build"),
    path("batches/<int:pk>/", staff.batch_detail_view, name="batch_detail"),
    path("batches/<int:pk>/approve/", staff.batch_approve_view, name="batch_approve"),
    path("batches/<int:pk>/cancel/", staff.batch_cancel_view, name="batch_cancel"),
    path("batches/<int:pk>/export.csv", staff.batch_export_view, name="batch_export"),
    path("payouts/<int:pk>/", staff.payout_detail_view, name="payout_detail"),
    path(
        "creators/<int:pk>/eligibility/",
        staff.creator_eligibility_view,
        name="creator_eligibility",
    ),
    path(
        "mass-requests/<int:pk>/build/",
        staff.mass_request_handle_view,
        name="mass_request_handle",
    ),
    # staff: submission and settlement
    path("batches/<int:pk>/submit/", submission.batch_submit_view, name="batch_submit"),
    path("batches/<int:pk>/resume/", submission.batch_resume_view, name="batch_resume"),
    path("batches/<int:pk>/settle/", submission.batch_settle_view, name="batch_settle"),
    path("payouts/<int:pk>/mark-paid/", submission.payout_mark_paid_view, name="payout_mark_paid"),
    path(
        "payouts/<int:pk>/mark-failed/",
        submission.payout_mark_failed_view,
        name="payout_mark_failed",
    ),
    # staff: bank files
    path(
        "batches/<int:pk>/file/<slug:file_format>/",
        files.batch_file_download_view,
        name="batch_file",
    ),
    path("batches/<int:pk>/results/", files.batch_result_upload_view, name="batch_result_upload"),
    # staff: payout methods to verify
    path("methods/", methods.method_verify_list_view, name="methods_verify_list"),
    path("methods/<int:pk>/verify/", methods.method_verify_view, name="method_verify"),
    # the creator's own pages
    path("me/", creator.payouts_me_view, name="me"),
    path("me/schedule/", creator.schedule_view, name="me_schedule"),
    path("me/methods/add/", creator.method_add_choose_view, name="me_method_choose"),
    path("me/methods/add/<slug:code>/", creator.method_add_view, name="me_method_add"),
    path("me/methods/<int:pk>/default/", creator.method_default_view, name="me_method_default"),
    path("me/methods/<int:pk>/disable/", creator.method_disable_view, name="me_method_disable"),
    path("me/methods/<int:pk>/instant/", creator.method_instant_view, name="me_method_instant"),
]
