"""FanzDash settings: one module, every knob from the environment.

Defaults are the embedded development set-up (SQLite in WAL mode, Celery's filesystem
broker, a file cache, console email) so that `make run` works on a fresh machine with no
server. Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, SECRET_KEY,
ALLOWED_HOSTS and EMAIL_URL; `python manage.py check --deploy` is clean with DEBUG off.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ, strict about what it cannot read: a boolean must be one of the words
    below and a number must be a number, or start-up stops with a message naming the variable
    (django-environ itself reads any unknown word as false)."""

    TRUE_WORDS = ("true", "1", "yes", "on")
    FALSE_WORDS = ("false", "0", "no", "off")

    def bool(self, var, default=environ.Env.NOTSET):
        raw = os.environ.get(var)
        if raw is None:
            return super().bool(var, default=default)
        word = raw.strip().lower()
        if word in self.TRUE_WORDS or word in self.FALSE_WORDS:
            return word in self.TRUE_WORDS
        raise ImproperlyConfigured(
            f"{var}={raw!r} is not a yes/no value: use true or false (or 1/0, yes/no, on/off)."
        )

    def int(self, var, default=environ.Env.NOTSET):
        try:
            return super().int(var, default=default)
        except ValueError:
            raise ImproperlyConfigured(
                f"{var}={os.environ.get(var)!r} is not a whole number."
            ) from None

    def float(self, var, default=environ.Env.NOTSET):
        try:
            return super().float(var, default=default)
        except ValueError:
            raise ImproperlyConfigured(f"{var}={os.environ.get(var)!r} is not a number.") from None


env = Env()
# A local .env is honoured for convenience; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Everything the embedded set-up writes (SQLite file, broker folders, cache, generated key).
DATA_DIR = Path(env.str("FANZDASH_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A key generated once per installation and kept in DATA_DIR (never in the repository).

    Production sets SECRET_KEY; this only keeps a fresh checkout runnable without one.
    """
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default=f"http://localhost:{env.str('PORT', default='8000')}")

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "import_export",
    "pgtrigger",
    # FanzDash
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.platforms",
    "apps.creators",
    "apps.ledger",
    "apps.compliance",
    "apps.integrations",
    "apps.outbound",
    "apps.payouts",
    "apps.dashboard",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.audit.middleware.AuditContextMiddleware",
    "apps.accounts.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "fanzdash.urls"
WSGI_APPLICATION = "fanzdash.wsgi.application"
ASGI_APPLICATION = "fanzdash.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.dashboard.context_processors.navigation",
                "apps.compliance.context_processors.creator_compliance_notices",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'fanzdash.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions take the
    # write lock up front so two processes never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # SQLite ignores the INCLUDE columns of covering indexes; PostgreSQL uses them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fanzdash",
        }
    }
else:
    # A file cache is shared by web, worker and beat (TOTP replay protection, login limits),
    # unlike a per-process memory cache.
    CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}
# Counters of the API and webhook rate limits (apps/core/throttling.py): Redis in production,
# shared by every process; without Redis, each process's memory.
RATE_LIMIT_STORAGE_URL = env.str("RATE_LIMIT_STORAGE_URL", default=REDIS_URL or "memory://")

# --- Authentication -----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)

ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=False)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[FanzDash] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Brute-force protection (allauth rate limits, kept in the shared cache): failed logins per IP
# and per email address; a blocked attempt answers 429.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "FanzDash"
MFA_RECOVERY_CODE_COUNT = 10

# Encryption at rest (apps/core/crypto.py; payout method details, later identity documents and
# webhook secrets): `key_id:base64key` entries, newest first; older keys still decrypt until
# everything is re-sealed (`rotate_payout_keys`). PAYOUT_ENCRYPTION_KEYS is the older name.
# Empty: a key generated once into DATA_DIR (development); `check --deploy` warns.
ENCRYPTION_KEYS = env.list(
    "ENCRYPTION_KEYS", default=env.list("PAYOUT_ENCRYPTION_KEYS", default=[])
)
# Who sends the money in bank files (apps/payouts/adapters/files, docs/payouts.md). The
# defaults are the standard example accounts, for the demo only: set them in production.
PAYOUT_FILES = {
    "ORIGINATOR_NAME": env.str("PAYOUT_ORIGINATOR_NAME", default="FanzDash Network"),
    "SEPA_IBAN": env.str("PAYOUT_SEPA_IBAN", default="DE89370400440532013000"),
    "SEPA_BIC": env.str("PAYOUT_SEPA_BIC", default="COBADEFFXXX"),
    "ACH_ODFI_ROUTING": env.str("PAYOUT_ACH_ODFI_ROUTING", default="021000021"),
    "ACH_ODFI_NAME": env.str("PAYOUT_ACH_ODFI_NAME", default="DEMO BANK"),
    "ACH_COMPANY_ID": env.str("PAYOUT_ACH_COMPANY_ID", default="1234567890"),
    "ACH_IMMEDIATE_ORIGIN": env.str("PAYOUT_ACH_IMMEDIATE_ORIGIN", default=""),
    "ACH_SEC_CODE": env.str("PAYOUT_ACH_SEC_CODE", default="PPD"),
}
# Batches whose total, converted to USD minor units, is below this are approved on build
# (recorded as auto-approved, audited). 0 = off: every batch needs a second finance user.
PAYOUT_AUTO_APPROVE_BELOW_MINOR = env.int("PAYOUT_AUTO_APPROVE_BELOW_MINOR", default=0)
# Submission (apps/payouts/submission.py): a claimed payout's worker has this long before the
# beat re-sends it with the same idempotency key; transient processor errors are retried
# after base * 2^(attempt-1) seconds (capped), at most PAYOUT_SUBMIT_MAX_ATTEMPTS times.
PAYOUT_SUBMIT_LEASE_SECONDS = env.int("PAYOUT_SUBMIT_LEASE_SECONDS", default=300)
PAYOUT_SUBMIT_MAX_ATTEMPTS = env.int("PAYOUT_SUBMIT_MAX_ATTEMPTS", default=6)
PAYOUT_RETRY_BASE_SECONDS = env.int("PAYOUT_RETRY_BASE_SECONDS", default=60)
PAYOUT_RETRY_MAX_SECONDS = env.int("PAYOUT_RETRY_MAX_SECONDS", default=6 * 3600)
# The sandbox processor (apps/payouts/adapters/sandbox.py): its callback signing secret
# (empty: derived from SECRET_KEY), how long a transfer takes to settle, and where it posts
# the callback (empty: in-process; a demo may set $SITE_URL/api/v1/payouts/sandbox/callback,
# on the port web listens on). SANDBOX_AUTO_SETTLE=false leaves transfers pending (tests).
SANDBOX_PROCESSOR_SECRET = env.str("SANDBOX_PROCESSOR_SECRET", default="")
SANDBOX_SETTLE_DELAY_SECONDS = env.int("SANDBOX_SETTLE_DELAY_SECONDS", default=5)
SANDBOX_CALLBACK_URL = env.str("SANDBOX_CALLBACK_URL", default="")
SANDBOX_AUTO_SETTLE = env.bool("SANDBOX_AUTO_SETTLE", default=True)
SANDBOX_SUBMIT_LATENCY_MS = env.int("SANDBOX_SUBMIT_LATENCY_MS", default=0)
# Outcome plans by the destination's last two digits, over the built-in table (tests, demos).
SANDBOX_OUTCOMES: dict[str, str] = {}
# Whether creators may choose the sandbox processor for a payout method of their own: in the
# demo and in development (`make run` sets DEBUG=true), never by default in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)

# Compliance (docs/compliance.md): the strike policy proposes suspending a creator to staff
# once COMPLIANCE_STRIKES confirmed violations fall within COMPLIANCE_STRIKE_WINDOW_DAYS; the
# daily scan warns creators this many days before an age verification expires, and its rule
# "expired age verification with earnings still arriving" looks back this many days.
COMPLIANCE_STRIKES = env.int("COMPLIANCE_STRIKES", default=3)
COMPLIANCE_STRIKE_WINDOW_DAYS = env.int("COMPLIANCE_STRIKE_WINDOW_DAYS", default=90)
COMPLIANCE_EXPIRY_WARNING_DAYS = env.int("COMPLIANCE_EXPIRY_WARNING_DAYS", default=15)
COMPLIANCE_EARNINGS_LOOKBACK_DAYS = env.int("COMPLIANCE_EARNINGS_LOOKBACK_DAYS", default=7)

# Webhook secret of every platform that has none of its own (see apps/platforms).
WEBHOOK_SECRET = env.str("WEBHOOK_SECRET", default="")
# Inbound webhooks (apps/integrations, docs/integration.md). Central events at
# /api/integrations/webhooks/fanzdash are signed with the network secret, a secret of its own
# (never WEBHOOK_SECRET: every platform without a secret of its own signs with that one, and
# central events speak for the whole network); while it rotates, the previous one stays valid
# as NETWORK_WEBHOOK_SECRET_PREVIOUS. Unset: central events are refused.
NETWORK_WEBHOOK_SECRET = env.str("NETWORK_WEBHOOK_SECRET", default="")
NETWORK_WEBHOOK_SECRET_PREVIOUS = env.str("NETWORK_WEBHOOK_SECRET_PREVIOUS", default="")
# KYC providers' result webhooks (POST /api/integrations/webhooks/kyc/<provider>,
# docs/integration.md): each provider signs with a secret of its own, never a platform's or the
# network's. JSON mapping a provider slug to its secret, or to a list of secrets newest first
# while one rotates: KYC_WEBHOOK_SECRETS='{"verifymy": ["new-secret", "old-secret"]}'.
# A provider without a secret here has every webhook refused (invalid_signature).
_kyc_webhook_secrets = env.json("KYC_WEBHOOK_SECRETS", default={})
if not isinstance(_kyc_webhook_secrets, dict):
    raise ImproperlyConfigured(
        'KYC_WEBHOOK_SECRETS must be a JSON object: {"verifymy": "secret"} or '
        '{"verifymy": ["new", "old"]}.'
    )
KYC_WEBHOOK_SECRETS: dict[str, list[str]] = {}
for _slug, _secrets in _kyc_webhook_secrets.items():
    _secrets = [_secrets] if isinstance(_secrets, str) else _secrets
    if not isinstance(_secrets, list) or not all(
        isinstance(_secret, str) and len(_secret) >= 16 for _secret in _secrets
    ):
        raise ImproperlyConfigured(
            f"KYC_WEBHOOK_SECRETS[{_slug!r}] must be a secret (at least 16 characters) or a "
            "list of them, newest first."
        )
    KYC_WEBHOOK_SECRETS[_slug] = _secrets
# A platform's request to link an existing account (sync/user) waits this long for the
# owner's or staff's confirmation; a rejection keeps that platform from asking again as long.
PLATFORM_LINK_REQUEST_DAYS = env.int("PLATFORM_LINK_REQUEST_DAYS", default=30)
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)
WEBHOOK_BATCH_MAX_EVENTS = env.int("WEBHOOK_BATCH_MAX_EVENTS", default=1000)
WEBHOOK_BATCH_MAX_BODY_BYTES = env.int("WEBHOOK_BATCH_MAX_BODY_BYTES", default=8 * 1024 * 1024)
WEBHOOK_TIMESTAMP_TOLERANCE = env.int("WEBHOOK_TIMESTAMP_TOLERANCE", default=5 * 60)
WEBHOOK_SOURCE_CACHE_SECONDS = env.int("WEBHOOK_SOURCE_CACHE_SECONDS", default=5)
WEBHOOK_FAILED_AUTH_LIMIT = env.int("WEBHOOK_FAILED_AUTH_LIMIT", default=100)
WEBHOOK_FAILED_AUTH_WINDOW = env.int("WEBHOOK_FAILED_AUTH_WINDOW", default=60)
WEBHOOK_PLATFORM_QUOTA = env.int("WEBHOOK_PLATFORM_QUOTA", default=600_000)
WEBHOOK_PLATFORM_QUOTA_WINDOW = env.int("WEBHOOK_PLATFORM_QUOTA_WINDOW", default=60)
# Stored events are handed to the workers in one task message per this many ms (0: one per
# request), at most WEBHOOK_PROCESS_CHUNK ids a message.
WEBHOOK_ENQUEUE_COALESCE_MS = env.int("WEBHOOK_ENQUEUE_COALESCE_MS", default=20)
WEBHOOK_PROCESS_CHUNK = env.int("WEBHOOK_PROCESS_CHUNK", default=100)
# A worker tops a small task up with other waiting events to this many (one chunk).
WEBHOOK_PROCESS_BACKLOG = env.int("WEBHOOK_PROCESS_BACKLOG", default=100)
# Exported spreadsheets must not carry formulas that came from user-entered names. In
# django-import-export 4.4 this only drops one leading "=" ("+", "-", "@", "==" pass): the
# resources escape every cell themselves (apps.core.csv.CsvSafeExportMixin); this stays on.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# One-time secrets are flashed after a redirect: keep messages server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Email --------------------------------------------------------------------------------

vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FanzDash <noreply@fanzdash.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Identity documents (apps/compliance, docs/compliance.md): encrypted files written through
# this storage alias under random names. Default: a folder under DATA_DIR. Production: any
# Django storage backend, e.g. COMPLIANCE_STORAGE_BACKEND=storages.backends.s3.S3Storage with
# COMPLIANCE_STORAGE_OPTIONS='{"bucket_name": "...", "endpoint_url": "..."}' (django-storages
# must then be installed). The files are already encrypted before they reach the backend.
COMPLIANCE_STORAGE_BACKEND = env.str(
    "COMPLIANCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
_compliance_storage_options = env.json("COMPLIANCE_STORAGE_OPTIONS", default={})
if COMPLIANCE_STORAGE_BACKEND == "django.core.files.storage.FileSystemStorage":
    _compliance_storage_options.setdefault("location", str(DATA_DIR / "compliance-documents"))
    _compliance_storage_options.setdefault("file_permissions_mode", 0o600)
    _compliance_storage_options.setdefault("directory_permissions_mode", 0o700)
STORAGES["compliance"] = {
    "BACKEND": COMPLIANCE_STORAGE_BACKEND,
    "OPTIONS": _compliance_storage_options,
}
# The Custodian of Records named in every 18 U.S.C. 2257 export (`manage.py export_2257`
# refuses to run while either is empty). The address may span lines ("\n").
CUSTODIAN_OF_RECORDS_NAME = env.str("CUSTODIAN_OF_RECORDS_NAME", default="")
CUSTODIAN_OF_RECORDS_ADDRESS = env.str("CUSTODIAN_OF_RECORDS_ADDRESS", default="").replace(
    "\\n", "\n"
)
# Without collectstatic (development, tests) whitenoise serves straight from the sources.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Security (production defaults whenever DEBUG is off) ---------------------------------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- REST API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Platforms: Authorization: Bearer <key> (or Api-Key <key>); see docs/integration.md.
        "apps.platforms.authentication.PlatformAPIKeyAuthentication",
    ],
    # Signed-in people only; endpoints open to platform keys say so (StaffOrPlatformKey).
    "DEFAULT_PERMISSION_CLASSES": ["apps.platforms.authentication.IsSignedInPerson"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    # Fixed-window quotas in the shared cache (apps/core/throttling.py; docs/operations.md):
    # "<count>/<period>" with s/m/h/d and an optional multiplier ("1000/15m"), or "off".
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonymousApiThrottle",
        "apps.core.throttling.PlatformKeyThrottle",
        "apps.core.throttling.StaffUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_anon": env.str("API_THROTTLE_ANON", default="1000/15m"),
        "api_platform_key": env.str("API_THROTTLE_PLATFORM_KEY", default="10000/m"),
        "api_staff": env.str("API_THROTTLE_STAFF", default="3000/m"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FanzDash API",
    "DESCRIPTION": "The control center of the Fanz creator network: platforms, creators, "
    "ledger, payouts and compliance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc are served from the vendored sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema_server_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OutboundDeliveryStateEnum": "apps.outbound.models.OutboundDelivery.State",
        "WebhookEventStateEnum": "apps.integrations.models.WebhookEvent.State",
        "CreatorStatusEnum": "apps.creators.models.Creator.Status",
        "PayoutStateEnum": "apps.payouts.models.Payout.State",
        "PayoutBatchStatusEnum": "apps.payouts.models.PayoutBatch.Status",
        "PayoutMethodStatusEnum": "apps.payouts.models.PayoutMethod.Status",
        "SandboxTransferStatusEnum": "apps.payouts.serializers.TRANSFER_STATUSES",
        "DataSubjectRequestKindEnum": "apps.compliance.models.DataSubjectRequest.Kind",
    },
}

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Tasks are idempotent, so a task whose worker dies is redelivered rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# A worker is considered down when its last heartbeat is older than this (seconds).
WORKER_HEARTBEAT_STALE_AFTER = env.int("WORKER_HEARTBEAT_STALE_AFTER", default=180)
# Who sees the full health report (vendors, backends, latencies, error classes) at /healthz,
# /api/v1/health/ and /api/integrations/health besides signed-in staff allowed to see system
# health: a monitor sending X-Health-Token: HEALTH_TOKEN, and callers from these addresses or
# networks (e.g. 10.0.0.0/8). Anyone else gets the status and each check's ok only.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
HEALTH_ALLOWED_IPS = [
    str(ipaddress.ip_network(entry, strict=False))
    for entry in env.list("HEALTH_ALLOWED_IPS", default=[])
]

# --- Outbound webhooks to platforms (docs/outbound-webhooks.md) ---------------------------
OUTBOUND_WEBHOOK_TIMEOUT_SECONDS = env.float("OUTBOUND_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# An endpoint failing without one success for this long is disabled (with a security event).
OUTBOUND_DISABLE_AFTER_HOURS = env.float("OUTBOUND_DISABLE_AFTER_HOURS", default=24.0)
# The longest wait a platform's Retry-After may ask for before the next attempt.
OUTBOUND_RETRY_AFTER_MAX_SECONDS = env.int("OUTBOUND_RETRY_AFTER_MAX_SECONDS", default=12 * 3600)

# Processing of inbound webhook events (apps/integrations/processing.py): an event that must
# wait (a refund before its purchase, an unknown creatorId) or hits a transient database error
# is retried with exponential backoff (base * 2^(attempt-1), capped, with jitter) and marked
# failed after this many attempts or once it is older than the window.
INTEGRATIONS_RETRY_BASE_SECONDS = env.int("INTEGRATIONS_RETRY_BASE_SECONDS", default=10)
INTEGRATIONS_RETRY_MAX_SECONDS = env.int("INTEGRATIONS_RETRY_MAX_SECONDS", default=3600)
INTEGRATIONS_MAX_ATTEMPTS = env.int("INTEGRATIONS_MAX_ATTEMPTS", default=12)
INTEGRATIONS_WAIT_WINDOW_SECONDS = env.int("INTEGRATIONS_WAIT_WINDOW_SECONDS", default=86400)

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "client_error_short": {"()": "apps.core.logs.ClientErrorWithoutTraceback"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_error_short"],
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    # Django's own "django" logger also prints to a console handler of its own when DEBUG is
    # on: every line twice. Here it only mails admins (as Django's default) and propagates.
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["client_error_short"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="fanzdash-demo")
# Size of the demo network seed_demo builds (the test suite uses a smaller one).
DEMO_NETWORK_CREATORS = env.int("DEMO_NETWORK_CREATORS", default=200)
DEMO_HISTORY_DAYS = env.int("DEMO_HISTORY_DAYS", default=90)
