"""Bank file routes of the payouts app (under /payouts/, names ``payouts:batch_file`` and
``payouts:batch_result_upload``)."""

from django.urls import path

from . import views_files

urlpatterns = [
    path(
        "batches/<int:pk>/file/<slug:file_format>/",
        views_files.batch_file_download_view,
        name="batch_file",
    ),
    path(
        "batches/<int:pk>/results/",
        views_files.batch_result_upload_view,
        name="batch_result_upload",
    ),
]
