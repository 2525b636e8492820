"""Rotating SECRET_KEY: old key in the fallbacks → rotate → old key removed → tax IDs readable.

End to end through the management command, for every encrypted column (holders' tax
IDs and the tax IDs on Notices of Election, whose table is append-only).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from djmoney.money import Money

from holders.models import Holder
from offerings.models import Election, Offering
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db

OLD = "old-secret-key-" + "o" * 40
NEW = "new-secret-key-" + "n" * 40
TAX_IDS = ["123-45-6789", "98-7654321", "555-12-0000"]


def _raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tax_id FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _register_under_old_key():
    holders = [HolderFactory(tax_id=tax_id) for tax_id in TAX_IDS]
    note = NoteFactory(holder=holders[0])
    offering = Offering.objects.create(
        issuer=note.series.issuer, kind="pipe", closing_date=date(2007, 1, 15),
        gross_proceeds=Money(Decimal("3000000.00"), "USD"),
    )
    election = Election.objects.create(
        note=note, offering=offering, received_on=date(2007, 2, 1),
        certificate_names="Margaret A. Keller", address="1 Main St", tax_id="123-45-6789",
    )
    return holders, election


def test_rotate_then_drop_the_old_key_and_every_tax_id_still_reads(capsys):
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        holders, election = _register_under_old_key()
        under_old_only = _raw("holders_holder", holders[0].pk)
        election_under_old = _raw("offerings_election", election.pk)

    # 1. The new key is current, the old one a fallback: everything still reads.
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        assert [Holder.objects.get(pk=h.pk).tax_id for h in holders] == TAX_IDS
        with pytest.raises(CommandError, match="4 value"):  # --check: not yet safe
            call_command("rotate_encryption_keys", "--check")
        call_command("rotate_encryption_keys")
        out = capsys.readouterr().out
        assert "holders_holder.tax_id: 3 re-encrypted, 0 already under the newest key" in out
        assert "offerings_election.tax_id: 1 re-encrypted" in out
        call_command("rotate_encryption_keys", "--check")  # now nothing is under the old key
        assert "Every value is under the newest key." in capsys.readouterr().out

    # 2. The rotation changed the stored values (the plaintext did not change).
    assert _raw("holders_holder", holders[0].pk) != under_old_only
    assert _raw("offerings_election", election.pk) != election_under_old

    # 3. The old key removed: every tax ID still reads ...
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert [Holder.objects.get(pk=h.pk).tax_id for h in holders] == TAX_IDS
        assert Election.objects.get(pk=election.pk).tax_id == "123-45-6789"
        # ... while a value encrypted only under the removed key does not: the library
        # hands back the ciphertext itself, not the tax ID.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE holders_holder SET tax_id = %s WHERE id = %s",
                [under_old_only, holders[1].pk],
            )
        unreadable = Holder.objects.get(pk=holders[1].pk).tax_id
        assert unreadable == under_old_only
        assert unreadable not in TAX_IDS
        # And the command says so, and leaves it as it is (it could still be recovered).
        with pytest.raises(CommandError, match="1 stored value"):
            call_command("rotate_encryption_keys")
        assert _raw("holders_holder", holders[1].pk) == under_old_only


def test_rotating_the_salt_works_the_same_way(capsys):
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[], SALT_KEY=["old-salt"]):
        holder = HolderFactory(tax_id="123-45-6789")
        before = _raw("holders_holder", holder.pk)
    with override_settings(SECRET_KEY=NEW, SALT_KEY=["new-salt", "old-salt"]):
        call_command("rotate_encryption_keys")
    with override_settings(SECRET_KEY=NEW, SALT_KEY=["new-salt"]):
        assert Holder.objects.get(pk=holder.pk).tax_id == "123-45-6789"
        assert _raw("holders_holder", holder.pk) != before


def test_a_second_rotation_changes_nothing(capsys):
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        holder = HolderFactory(tax_id="123-45-6789")
        stored = _raw("holders_holder", holder.pk)
        call_command("rotate_encryption_keys")
        assert "holders_holder.tax_id: 0 re-encrypted, 1 already" in capsys.readouterr().out
        assert _raw("holders_holder", holder.pk) == stored


def test_the_audit_trail_of_other_tables_is_not_lifted(django_assert_num_queries):
    """Only append-only guards are lifted for the rotation, never every trigger."""
    from core.encryption import _protect_trigger_uris

    assert _protect_trigger_uris(Holder) == []
    assert _protect_trigger_uris(Election) == ["offerings.Election:append_only"]
