from django.urls import path

from . import views

app_name = "creators"

urlpatterns = [
    path("", views.creator_list_view, name="list"),
    path("<int:pk>/", views.creator_detail_view, name="detail"),
    path("<int:pk>/status/", views.creator_status_view, name="status"),
    path("<int:pk>/payout-hold/", views.creator_payout_hold_view, name="payout_hold"),
]
