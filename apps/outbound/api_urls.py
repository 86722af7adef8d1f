"""API routes of the outbound app (under /api/v1/)."""

from django.urls import path

from .apis import OutboundDeliveryDetailApi, OutboundDeliveryListApi

urlpatterns = [
    path(
        "outbound/deliveries/",
        OutboundDeliveryListApi.as_view(),
        name="outbound-delivery-list",
    ),
    path(
        "outbound/deliveries/<int:pk>/",
        OutboundDeliveryDetailApi.as_view(),
        name="outbound-delivery-detail",
    ),
]
