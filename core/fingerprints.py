"""Keyed fingerprints of write requests, to tell a replay from a reuse of its key.

A fingerprint is stored beside an idempotency key (`IdempotencyRecord.fingerprint`,
`Payment.request_fingerprint`) so that the same key with another body can be
refused. It must not give the body back: a plain SHA-256 of a Notice of
Election's body could be brute-forced over the nine digits of a tax ID in under
a second by anyone who can read the table. So the digest is an HMAC-SHA256
under a key derived from `SECRET_KEY` (the same secret the encrypted tax-ID
field is keyed from, so reading the database alone is never enough), and
sensitive values are replaced by their own keyed digest before the body is
fingerprinted, so they never appear in the canonical text at all.

Stored forms:

- ``v2:<hex>`` — HMAC over the canonical body (control fields dropped,
  sensitive values keyed apart).
- ``v1:<hex>`` — a fingerprint stored before keying, wrapped by migration
  0006: HMAC over the old plain SHA-256 hex. Verified by recomputing the old
  digest in memory; it is never stored again.

Old secrets in `SECRET_KEY_FALLBACKS` still verify, so rotating the secret
does not turn retries into conflicts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

CURRENT_VERSION = "v2"
FINGERPRINT_MAX_LENGTH = 100

FINGERPRINT_SALT = "notedesk.idempotency.fingerprint.v2"
LEGACY_WRAP_SALT = "notedesk.idempotency.fingerprint.v1-wrap"
SENSITIVE_SALT = "notedesk.idempotency.sensitive-value"

# Values that must never be recoverable from anything stored in clear.
SENSITIVE_FIELDS = frozenset({"tax_id"})
# Flags about how to carry out a request, not what it records: a confirmed
# duplicate and its first, unconfirmed, attempt are the same request.
CONTROL_FIELDS = frozenset({"confirm_duplicate", "idempotency_key", "csrfmiddlewaretoken"})


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def _plain(data):
    """A QueryDict or a DRF body as plain JSON-able values."""
    if hasattr(data, "lists") and callable(data.lists):  # QueryDict: keep every value
        return {k: v if len(v) != 1 else v[0] for k, v in data.lists()}
    return data


def _named(name, names: frozenset[str]) -> bool:
    # A form field may carry a prefix (`price-7-idempotency_key`).
    name = str(name)
    return any(name == f or name.endswith(f"-{f}") for f in names)


def _keyed_view(data, secret: str):
    """The body without control fields, each sensitive value replaced by its keyed digest."""
    if isinstance(data, Mapping):
        view = {}
        for name, value in data.items():
            if _named(name, CONTROL_FIELDS):
                continue
            if _named(name, SENSITIVE_FIELDS) and value not in (None, ""):
                value = "hmac:" + salted_hmac(
                    SENSITIVE_SALT, str(value), secret=secret, algorithm="sha256"
                ).hexdigest()
            else:
                value = _keyed_view(value, secret)
            view[name] = value
        return view
    if isinstance(data, (list, tuple)):
        return [_keyed_view(item, secret) for item in data]
    return data


def _v2(data, secret: str) -> str:
    canonical = _canonical(_keyed_view(_plain(data), secret))
    digest = salted_hmac(FINGERPRINT_SALT, canonical, secret=secret, algorithm="sha256")
    return f"v2:{digest.hexdigest()}"


def legacy_wrap(plain_sha256: str, *, secret: str | None = None) -> str:
    """The stored form of a pre-keying fingerprint (the plain SHA-256 hex of a body)."""
    secret = settings.SECRET_KEY if secret is None else secret
    digest = salted_hmac(LEGACY_WRAP_SALT, plain_sha256, secret=secret, algorithm="sha256")
    return f"v1:{digest.hexdigest()}"


def _legacy_plain(data) -> str:
    # Exactly what was stored before keying: the whole body as given, nothing dropped.
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def request_fingerprint(data) -> str:
    """The keyed fingerprint to store for a request body (a dict, list or QueryDict)."""
    return _v2(data, settings.SECRET_KEY)


def fingerprint_matches(stored: str, data) -> bool:
    """Whether `data` is the request whose fingerprint was stored (any version, any secret)."""
    if stored.startswith("v2:"):
        return any(constant_time_compare(stored, _v2(data, s)) for s in _secrets())
    if stored.startswith("v1:"):
        plain = _legacy_plain(data)
        return any(constant_time_compare(stored, legacy_wrap(plain, secret=s)) for s in _secrets())
    # Never written any more; only a row the migration has not seen.
    return bool(stored) and constant_time_compare(stored, _legacy_plain(data))
