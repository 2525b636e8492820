"""Encrypted columns (django-fernet-encrypted-fields) and the rotation of their keys.

Each encrypted field derives its Fernet keys from every `SECRET_KEY` (the
current one, then `SECRET_KEY_FALLBACKS`) combined with every salt of
`SALT_KEY` (`FIELD_ENCRYPTION_SALT`): the first key encrypts, all of them
decrypt. `encrypted_values_rotate` re-encrypts every stored value under the
first key, so that the old secret key or salt can then be dropped. It finds
the encrypted fields itself (every installed model), so a new one is covered
without naming it here.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import pgtrigger
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from encrypted_fields.fields import EncryptedFieldMixin

KEY_SETTINGS = {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "SALT_KEY"}


def encrypted_fields():
    """(model, field) for every concrete encrypted field of every installed model."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedFieldMixin):
                found.append((model, field))
    return found


def encryption_keys_reset() -> None:
    """Forget the keys each field derived, so the next use derives them from the settings."""
    for _model, field in encrypted_fields():
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)


@receiver(setting_changed)
def _keys_follow_settings(setting=None, **_):
    if setting in KEY_SETTINGS:
        encryption_keys_reset()


@dataclass
class RotationCount:
    column: str
    rotated: int = 0
    current: int = 0
    unreadable: int = 0


def _protect_trigger_uris(model) -> list[str]:
    label = f"{model._meta.app_label}.{model.__name__}"
    return [
        f"{label}:{trigger.name}"
        for trigger in getattr(model._meta, "triggers", [])
        if isinstance(trigger, pgtrigger.Protect)
    ]


def encrypted_values_rotate(*, dry_run: bool = False, batch: int = 500) -> list[RotationCount]:
    """Re-encrypt every stored encrypted value under the newest key; count what was done.

    A value already under the newest key is left alone (`current`); one no
    key opens (`unreadable`) is left alone and counted: rotation never
    destroys a value it cannot read. The append-only guards of a table (a
    Notice of Election's tax ID) are lifted for this statement only: the
    plaintext does not change, only the key it is stored under.
    """
    encryption_keys_reset()
    counts = []
    for model, field in encrypted_fields():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        count = RotationCount(column=f"{table}.{column}")
        newest = Fernet(field.keys[0])
        every = MultiFernet([Fernet(key) for key in field.keys])
        qn = connection.ops.quote_name
        last = None
        while True:
            guards = _protect_trigger_uris(model)
            # pgtrigger.ignore() with no URI would lift every trigger, audit included.
            lifted = pgtrigger.ignore(*guards) if guards else nullcontext()
            with transaction.atomic(), lifted, connection.cursor() as cursor:
                where = f"{qn(column)} IS NOT NULL"
                params: list = []
                if last is not None:
                    where += f" AND {qn(pk)} > %s"
                    params.append(last)
                cursor.execute(
                    f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} WHERE {where}"  # noqa: S608
                    f" ORDER BY {qn(pk)} LIMIT %s FOR UPDATE",
                    [*params, batch],
                )
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    last = row_pk
                    try:
                        newest.decrypt(token.encode())
                        count.current += 1
                        continue
                    except InvalidToken:
                        pass
                    try:
                        rotated = every.rotate(token.encode()).decode()
                    except InvalidToken:
                        count.unreadable += 1
                        continue
                    count.rotated += 1
                    if not dry_run:
                        cursor.execute(
                            f"UPDATE {qn(table)} SET {qn(column)} = %s"  # noqa: S608
                            f" WHERE {qn(pk)} = %s",
                            [rotated, row_pk],
                        )
            if len(rows) < batch:
                break
        counts.append(count)
    return counts
