"""The one thing the calendar stores: each staff member's secret calendar-feed token.

Deadlines themselves are never stored: each is derived from the records it
comes from (a statement and its payments, a notice and its delivery, a
proceeding and its dismissal), so met and missed can never disagree with them.
The feed is read by calendar programs that cannot log in, so it is
authenticated by a secret in its address; only the secret's SHA-256 is kept,
and rotating it makes the old address stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


class CalendarFeedToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def rotate(cls, user) -> str:
        """A new secret for the user's feed (the old one stops working); returned once."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(user=user, defaults={"token_sha256": cls.digest(token)})
        return token

    @classmethod
    def user_for(cls, token: str):
        """The user a feed secret belongs to, or None."""
        found = cls.objects.select_related("user").filter(token_sha256=cls.digest(token)).first()
        return found.user if found is not None and found.user.is_active else None
