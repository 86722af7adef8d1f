from django.urls import path

from . import views

app_name = "creators"

urlpatterns = [
    path("", views.creator_list_view, name="list"),
    path("<int:pk>/", views.creator_detail_view, name="detail"),
    path("<int:pk>/status/", views.creator_status_view, name="status"),
]
