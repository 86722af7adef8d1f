"""The creator's own payout pages (mounted at /payouts/me/). No route names a creator."""

from django.urls import path

from . import views_creator as views

urlpatterns = [
    path("", views.payouts_me_view, name="me"),
    path("schedule/", views.schedule_view, name="me_schedule"),
    path("methods/add/", views.method_add_choose_view, name="me_method_choose"),
    path("methods/add/<slug:code>/", views.method_add_view, name="me_method_add"),
    path("methods/<int:pk>/default/", views.method_default_view, name="me_method_default"),
    path("methods/<int:pk>/disable/", views.method_disable_view, name="me_method_disable"),
    path("methods/<int:pk>/instant/", views.method_instant_view, name="me_method_instant"),
]
