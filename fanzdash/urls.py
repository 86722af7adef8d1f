from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from apps.accounts import api_urls as accounts_api
from apps.accounts.views import LoginView
from apps.compliance import api_urls as compliance_api
from apps.core import api_urls as core_api
from apps.core.apis import ApiNotFound, RedocDocsView, SchemaApi, SwaggerDocsView
from apps.core.views import healthz
from apps.creators import api_urls as creators_api
from apps.integrations import api_urls as integrations_api
from apps.ledger import api_urls as ledger_api
from apps.outbound import api_urls as outbound_api
from apps.payouts import api_urls as payouts_api

# The REST API v1: every app's api_urls.py, one namespace ("api:creator-list", ...).
API_V1 = [
    *accounts_api.urlpatterns,
    *core_api.urlpatterns,
    *creators_api.urlpatterns,
    *ledger_api.urlpatterns,
    *compliance_api.urlpatterns,
    *integrations_api.urlpatterns,
    *outbound_api.urlpatterns,
    *payouts_api.urlpatterns,
]

# The admin signs in through allauth, so its login enforces the same MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "FanzDash administration"
admin.site.site_title = "FanzDash admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    # allauth's sign-in, answering 429 when its failed-login rate limit refuses (before the
    # rest of allauth's URLs, so it is the one /accounts/login/ reaches).
    path("accounts/login/", LoginView.as_view(), name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((API_V1, "api"))),
    path(
        "api/integrations/",
        include((integrations_api.integration_urlpatterns, "integrations-api")),
    ),
    path("api/schema/", SchemaApi.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last of /api/: every other path under it is a JSON 404, DEBUG or not.
    re_path(r"^api/", ApiNotFound.as_view(), name="api-not-found"),
    path("users/", include("apps.accounts.urls")),
    path("audit/", include("apps.audit.urls")),
    path("platforms/", include("apps.platforms.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("compliance/", include("apps.compliance.urls")),
    path("integrations/", include("apps.integrations.urls")),
    path("outbound/", include("apps.outbound.urls")),
    path("payouts/", include("apps.payouts.urls")),
    path("", include("apps.dashboard.urls")),
]
