"""Routes of the outbound webhooks screens (mounted at /outbound/)."""

from django.urls import path

from . import views

app_name = "outbound"

urlpatterns = [
    path("", views.delivery_list_view, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail_view, name="delivery_detail"),
    path(
        "deliveries/<int:pk>/redeliver/",
        views.delivery_redeliver_view,
        name="delivery_redeliver",
    ),
    path("redeliver/", views.bulk_redeliver_view, name="bulk_redeliver"),
    path("endpoints/", views.endpoint_list_view, name="endpoints"),
    path("endpoints/<slug:slug>/enable/", views.endpoint_enable_view, name="endpoint_enable"),
    path("endpoints/<slug:slug>/disable/", views.endpoint_disable_view, name="endpoint_disable"),
]
