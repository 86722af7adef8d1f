from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts.apis import CurrentUserApi
from apps.core.apis import HealthApi
from apps.core.views import healthz

# The admin signs in through allauth, so its login enforces the same MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "FanzDash administration"
admin.site.site_title = "FanzDash admin"

api_v1 = [
    path("me/", CurrentUserApi.as_view(), name="me"),
    path("health/", HealthApi.as_view(), name="health"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("users/", include("apps.accounts.urls")),
    path("audit/", include("apps.audit.urls")),
    path("", include("apps.dashboard.urls")),
]
