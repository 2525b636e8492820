"""Stored request fingerprints are keyed: no tax ID comes back from the idempotency tables.

The attack this guards against: read `IdempotencyRecord.fingerprint` of a
Notice of Election, know (or guess) every field but the tax ID, know its last
four digits from the masked display, and try the 100,000 remaining SSNs
against SHA-256 — under a second. With an HMAC under a key from SECRET_KEY,
reading the database is not enough.
"""

import hashlib
import importlib
import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from djmoney.money import Money

from core.fingerprints import fingerprint_matches, request_fingerprint
from core.models import IdempotencyRecord
from notes.models import Payment
from notes.services.payments import IdempotencyConflict, payment_record
from offerings.models import Election
from offerings.services.recording import offering_record
from tests.factories import NoteFactory

D = Decimal
TAX_ID = "512-44-6781"


@pytest.fixture
def note(db):
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


@pytest.fixture
def pipe(note, django_capture_on_commit_callbacks):
    """A $3M Qualified Offering: a voluntary window 2007-01-10 through 2007-07-10."""
    with django_capture_on_commit_callbacks(execute=True):
        return offering_record(
            issuer=note.series.issuer, kind="pipe", closing_date=date(2007, 1, 10),
            gross_proceeds=D("3000000.00"),
            sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
        )


def _election(pipe, tax_id=TAX_ID):
    return {"offering": pipe.pk, "received_on": "2007-02-01",
            "certificate_names": "Margaret A. Keller", "address": "1 Main St, Santa Rosa",
            "tax_id": tax_id}


def _url(note):
    return f"/api/v1/notes/{note.pk}/elections/"


def _plain_sha256(body) -> str:
    """The fingerprint as it was stored before keying."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _brute_force(stored: str, pipe) -> str | None:
    """Every SSN ending in the masked display's 6781, hashed the way an attacker would."""
    for n in range(100_000):
        candidate = f"{n // 100:03d}-{n % 100:02d}-6781"
        digest = _plain_sha256(_election(pipe, candidate))
        if digest == stored or digest in stored:
            return candidate
    return None


def test_an_elections_stored_fingerprint_gives_no_tax_id_back(finance_api, note, pipe):
    response = finance_api.post(_url(note), _election(pipe), format="json",
                                HTTP_IDEMPOTENCY_KEY="el-1")
    assert response.status_code == 201
    record = IdempotencyRecord.objects.get(key="el-1")
    stored = record.fingerprint
    assert stored.startswith("v2:")
    body = _election(pipe)
    for dumped in (json.dumps(body, sort_keys=True, default=str, separators=(",", ":")),
                   json.dumps(body, sort_keys=True, default=str), json.dumps(body)):
        assert hashlib.sha256(dumped.encode()).hexdigest() not in stored
    assert _brute_force(stored, pipe) is None
    # Nothing else kept in clear holds it either (the Election's field is encrypted).
    assert "6781" not in json.dumps(record.body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tax_id FROM offerings_election")
        (raw,) = cursor.fetchone()
    assert "512" not in str(raw)
    assert Election.objects.get().tax_id == TAX_ID


def test_the_brute_force_would_find_a_plain_digest(pipe):
    # The attack the test above defeats works against the old scheme.
    assert _brute_force(_plain_sha256(_election(pipe)), pipe) == TAX_ID


def test_an_election_replays_and_another_tax_id_under_its_key_is_409(finance_api, note, pipe):
    first = finance_api.post(_url(note), _election(pipe), format="json",
                             HTTP_IDEMPOTENCY_KEY="el-1")
    again = finance_api.post(_url(note), _election(pipe), format="json",
                             HTTP_IDEMPOTENCY_KEY="el-1")
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json()["id"] == first.json()["id"]
    other = finance_api.post(_url(note), _election(pipe, "512-44-6782"), format="json",
                             HTTP_IDEMPOTENCY_KEY="el-1")
    assert other.status_code == 409
    assert Election.objects.count() == 1


def test_a_payments_request_fingerprint_is_keyed(note):
    payment = payment_record(note=note, paid_on=date(2006, 9, 20), amount=D("500.00"),
                             applies_to="interest", idempotency_key="k-1")
    request = {"note": note.pk, "paid_on": date(2006, 9, 20), "amount": D("500.00"),
               "applies_to": "interest", "method": "check", "reference": "",
               "holder_consent_reference": ""}
    assert payment.request_fingerprint.startswith("v2:")
    assert _plain_sha256(request) not in payment.request_fingerprint
    assert fingerprint_matches(payment.request_fingerprint, request)


def test_a_confirm_flag_does_not_change_the_fingerprint_and_sensitive_values_are_keyed():
    body = {"amount": "1.00", "tax_id": TAX_ID}
    assert request_fingerprint(body) == request_fingerprint({**body, "confirm_duplicate": True})
    assert request_fingerprint(body) != request_fingerprint({**body, "tax_id": "512-44-6782"})


def test_fingerprints_made_under_a_retired_secret_still_verify():
    body = {"note": 1, "amount": "500.00"}
    with override_settings(SECRET_KEY="the-old-secret-" * 3):
        old = request_fingerprint(body)
    with override_settings(SECRET_KEY="the-new-secret-" * 3,
                           SECRET_KEY_FALLBACKS=["the-old-secret-" * 3]):
        assert fingerprint_matches(old, body)
        assert not fingerprint_matches(old, {**body, "amount": "600.00"})
    with override_settings(SECRET_KEY="the-new-secret-" * 3, SECRET_KEY_FALLBACKS=[]):
        assert not fingerprint_matches(old, body)


# --- Migration 0006 ------------------------------------------------------------------------


class _SchemaEditor:
    connection = connection


def _migrate_0006():
    module = importlib.import_module("notes.migrations.0006_keyed_fingerprints")
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # The models as that migration sees them (the record was then the register's).
    state = MigrationLoader(connection).project_state(("notes", "0006_keyed_fingerprints"))
    module.wrap_plain_fingerprints(state.apps, _SchemaEditor())


def test_the_migration_wraps_an_old_election_record_so_it_still_replays(
    finance_api, finance_user, note, pipe
):
    body = _election(pipe)
    old = IdempotencyRecord.objects.create(
        key="legacy", scope=f"POST {_url(note)}", fingerprint=_plain_sha256(body),
        status_code=201, body={"id": 4242, "status": "done"}, user=finance_user,
    )
    _migrate_0006()
    old.refresh_from_db()
    assert old.fingerprint.startswith("v1:")
    assert _plain_sha256(body) not in old.fingerprint
    assert _brute_force(old.fingerprint, pipe) is None

    replay = finance_api.post(_url(note), body, format="json", HTTP_IDEMPOTENCY_KEY="legacy")
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == {"id": 4242, "status": "done"}
    other = finance_api.post(_url(note), _election(pipe, "512-44-6782"), format="json",
                             HTTP_IDEMPOTENCY_KEY="legacy")
    assert other.status_code == 409
    assert Election.objects.count() == 0
    _migrate_0006()  # run twice: a wrapped fingerprint is left alone
    assert IdempotencyRecord.objects.get(pk=old.pk).fingerprint == old.fingerprint


def test_the_migration_wraps_an_old_payment_fingerprint_so_it_still_replays(note):
    request = {"note": note.pk, "paid_on": date(2006, 9, 20), "amount": D("500.00"),
               "applies_to": "interest", "method": "check", "reference": "",
               "holder_consent_reference": ""}
    legacy = Payment.objects.create(
        note=note, paid_on=date(2006, 9, 20), amount=Money(D("500.00"), "USD"),
        applies_to="interest", method="check", idempotency_key="legacy-pay",
        request_fingerprint=_plain_sha256(request),
    )
    _migrate_0006()
    legacy.refresh_from_db()
    assert legacy.request_fingerprint.startswith("v1:")

    again = payment_record(note=note, paid_on=date(2006, 9, 20), amount=D("500.00"),
                           applies_to="interest", idempotency_key="legacy-pay")
    assert again.pk == legacy.pk
    with pytest.raises(IdempotencyConflict):
        payment_record(note=note, paid_on=date(2006, 9, 20), amount=D("600.00"),
                       applies_to="interest", idempotency_key="legacy-pay")
    assert Payment.objects.count() == 1
