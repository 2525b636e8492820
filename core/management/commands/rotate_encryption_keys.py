"""Re-encrypt every stored tax ID (every encrypted column) under the newest key.

Run it after putting a new `SECRET_KEY` (old one in `SECRET_KEY_FALLBACKS`) or a
new first salt in `FIELD_ENCRYPTION_SALT`; when it reports nothing left under an
old key, the old key can be removed. See docs/operations.md, "Key rotation".
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.encryption import encrypted_values_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored tax ID under the newest SECRET_KEY and salt."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: count the values still under an old key (exit 1 if any).",
        )

    def handle(self, *args, check: bool = False, **options):
        counts = encrypted_values_rotate(dry_run=check)
        old = sum(c.rotated for c in counts)
        unreadable = sum(c.unreadable for c in counts)
        for c in counts:
            verb = "under an old key" if check else "re-encrypted"
            self.stdout.write(
                f"{c.column}: {c.rotated} {verb}, {c.current} already under the newest key"
                + (f", {c.unreadable} unreadable with any configured key" if c.unreadable else "")
            )
        if unreadable:
            raise CommandError(
                f"{unreadable} stored value(s) open with none of the configured keys: put the key"
                " they were written under back in SECRET_KEY_FALLBACKS (or its salt in"
                " FIELD_ENCRYPTION_SALT) and run this again. Nothing was lost; they were left"
                " as they are."
            )
        if check and old:
            raise CommandError(
                f"{old} value(s) are still under an old key: run rotate_encryption_keys before"
                " removing it."
            )
        if check:
            self.stdout.write(self.style.SUCCESS("Every value is under the newest key."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done: {old} re-encrypted. The old key can now be removed from"
                    " SECRET_KEY_FALLBACKS (or the old salt from FIELD_ENCRYPTION_SALT)."
                )
            )
