from django.urls import path

from . import views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_list_view, name="list"),
    path("<slug:slug>/", views.platform_detail_view, name="detail"),
    path("<slug:slug>/edit/", views.platform_edit_view, name="edit"),
    path("<slug:slug>/secrets/rotate/", views.platform_secret_rotate_view, name="rotate_secret"),
    path(
        "<slug:slug>/secrets/<int:pk>/revoke/",
        views.platform_secret_revoke_view,
        name="revoke_secret",
    ),
    path("<slug:slug>/api-keys/", views.platform_api_keys_view, name="api_keys"),
    path(
        "<slug:slug>/api-keys/<str:prefix>/revoke/",
        views.platform_api_key_revoke_view,
        name="revoke_api_key",
    ),
]
