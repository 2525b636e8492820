"""The page benchmark's settings (`bench/pages.py`): production, served over loopback HTTP.

Everything production sets (DEBUG off, secrets from the environment, whitenoise
for static files, persistent connections through ``CONN_MAX_AGE``) except what
plain HTTP on 127.0.0.1 rules out: the HTTPS redirect and secure-only cookies.
It adds one page, ``/bench/bare/``, a view that does nothing, to measure the
floor the framework sets on this machine beside the product's pages.
"""

from .production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ROOT_URLCONF = "config.bench_urls"
