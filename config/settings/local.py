"""Development: `make run`."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-not-secret-notedesk-local-key")

# E-mails (invitations, password resets, courtesy copies of letters with their PDFs)
# are written as files under .local/mail/, one per message, instead of filling the
# terminal; EMAIL_BACKEND from the environment still wins.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
