"""A creator's own earnings pages (mounted at /earnings/). No route names a creator: every
view reads the signed-in user's creator profile."""

from django.urls import path

from . import earnings

app_name = "earnings"

urlpatterns = [
    path("", earnings.earnings_home_view, name="home"),
    path("statement.csv", earnings.earnings_statement_view, name="statement"),
    path("entries/<int:pk>/", earnings.earnings_entry_view, name="entry"),
]
