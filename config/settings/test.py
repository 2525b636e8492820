"""Tests: `make test`. Real PostgreSQL; the broker only where a test asks for it."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-notedesk-key"
SALT_KEY = ["test-only-salt"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process unless a test wires the real broker (REDIS_URL).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
TEST_REDIS_URL = CELERY_BROKER_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise scans it at startup
# Tests that want letters after a servicing run say so (rendering PDFs is slow).
NOTICES_AFTER_SERVICING = False
# Four eyes is off here; its tests turn it on.
NOTEDESK_FOUR_EYES = False
# Tests that watch failed sign-ins turn django-axes on (it needs the request, which
# `Client.login` does not give); the staff second factor likewise.
AXES_ENABLED = False
TWO_FACTOR_REQUIRED_FOR_STAFF = False
