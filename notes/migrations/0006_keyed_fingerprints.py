"""Stored request fingerprints become keyed (HMAC-SHA256 under a key from SECRET_KEY).

A fingerprint used to be the plain SHA-256 of the request body; for a Notice of
Election the body holds the holder's tax ID, which anyone able to read the
table could recover by trying every tax ID. The original bodies are not kept,
so an old digest cannot be recomputed: it is wrapped instead,
``v1:HMAC(key, old_hex)``, and a repeat of an old request is still recognised by
recomputing the old digest in memory and wrapping it (notes.fingerprints). The
column is widened for the version prefix.

The wrapping key is derived here exactly as notes.fingerprints.legacy_wrap
derives it, written out so that this migration means the same thing whatever
that module becomes.
"""

import pgtrigger
from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

LEGACY_WRAP_SALT = "notedesk.idempotency.fingerprint.v1-wrap"
BATCH = 1000


def wrap_legacy(plain_sha256: str) -> str:
    digest = salted_hmac(
        LEGACY_WRAP_SALT, plain_sha256, secret=settings.SECRET_KEY, algorithm="sha256"
    )
    return f"v1:{digest.hexdigest()}"


def _is_plain(value: str) -> bool:
    return len(value) == 64 and not value.startswith(("v1:", "v2:"))


def wrap_plain_fingerprints(apps, schema_editor):
    """Replace every plain SHA-256 fingerprint by its keyed wrapping."""
    IdempotencyRecord = apps.get_model("notes", "IdempotencyRecord")
    Payment = apps.get_model("notes", "Payment")
    db = schema_editor.connection.alias

    records = IdempotencyRecord.objects.using(db).exclude(fingerprint__startswith="v")
    for record in records.only("pk", "fingerprint").iterator(chunk_size=BATCH):
        if _is_plain(record.fingerprint):
            IdempotencyRecord.objects.using(db).filter(pk=record.pk).update(
                fingerprint=wrap_legacy(record.fingerprint)
            )

    # Payments are append-only (a database trigger refuses updates); this one
    # rewrite of a column that is not a money fact is let through by name.
    payments = Payment.objects.using(db).exclude(request_fingerprint="").exclude(
        request_fingerprint__startswith="v"
    )
    with pgtrigger.ignore("notes.Payment:append_only"):
        for payment in payments.only("pk", "request_fingerprint").iterator(chunk_size=BATCH):
            if _is_plain(payment.request_fingerprint):
                Payment.objects.using(db).filter(pk=payment.pk).update(
                    request_fingerprint=wrap_legacy(payment.request_fingerprint)
                )


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0005_statement_adjustments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="fingerprint",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="payment",
            name="request_fingerprint",
            field=models.CharField(blank=True, max_length=100),
        ),
        # Irreversible by design: a keyed digest cannot be unwrapped, and putting
        # plain digests back would reopen the leak.
        migrations.RunPython(wrap_plain_fingerprints),
    ]
