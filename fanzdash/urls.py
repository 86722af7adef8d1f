from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.core.views import healthz

# The admin signs in through allauth, so its login enforces the same MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "FanzDash administration"
admin.site.site_title = "FanzDash admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("fanzdash.api_v1", namespace="api")),
    path("api/integrations/", include("apps.integrations.urls")),
    path("api/v1/payouts/", include("apps.payouts.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("users/", include("apps.accounts.urls")),
    path("audit/", include("apps.audit.urls")),
    path("platforms/", include("apps.platforms.urls")),
    path("creators/", include("apps.creators.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("integrations/", include("apps.integrations.web_urls")),
    path("outbound/", include("apps.outbound.urls")),
    path("payouts/", include("apps.payouts.urls")),
    path("earnings/", include("apps.dashboard.earnings_urls")),
    path("", include("apps.dashboard.urls")),
]
