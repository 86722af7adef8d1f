from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.user_list_view, name="list"),
    path("invite/", views.user_invite_view, name="invite"),
    path("<int:pk>/", views.user_detail_view, name="detail"),
    path("<int:pk>/role/", views.user_role_view, name="role"),
    path("<int:pk>/active/", views.user_active_view, name="active"),
]
