"""Production: secrets and hosts must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 32 or SECRET_KEY.startswith(("dev-", "test-")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters in production."
    )
if not env.list("FIELD_ENCRYPTION_SALT", default=[]):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_SALT must be set in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes from the load balancer or orchestrator come over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
# Pages send the CSRF token in the form (and htmx's header from the page), never from
# script reading the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Staff give a second factor at every sign-in (turn off only for a staging copy).
TWO_FACTOR_REQUIRED_FOR_STAFF = env.bool("TWO_FACTOR_REQUIRED_FOR_STAFF", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60)
# Turn these off only for a domain whose subdomains are not all served over HTTPS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Upgrade any http: subresource a stored link might still name.
CONTENT_SECURITY_POLICY = {  # noqa: F405
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],  # noqa: F405
        "upgrade-insecure-requests": True,
    }
}

# Irreversible actions wait for a second Finance user (approvals app).
NOTEDESK_FOUR_EYES = env.bool("NOTEDESK_FOUR_EYES", default=True)
