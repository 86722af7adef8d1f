"""Staff verification of payout methods (mounted at /payouts/methods/)."""

from django.urls import path

from . import views_methods_staff as views

urlpatterns = [
    path("", views.method_verify_list_view, name="methods_verify_list"),
    path("<int:pk>/verify/", views.method_verify_view, name="method_verify"),
]
