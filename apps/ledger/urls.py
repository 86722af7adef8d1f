from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.account_list_view, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail_view, name="account"),
    path("entries/", views.entry_list_view, name="entries"),
    path("entries/<int:pk>/", views.entry_detail_view, name="entry"),
    path("entries/<int:pk>/reverse/", views.entry_reverse_view, name="reverse"),
    path("trial-balance/", views.trial_balance_view, name="trial_balance"),
    path("statements/<int:creator_pk>/", views.statement_view, name="statement"),
]
