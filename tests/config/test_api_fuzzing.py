"""Every API operation fuzzed from the project's own OpenAPI schema (schemathesis).

The schema is the one `/api/v1/schema/` serves (drf-spectacular). Each
operation gets a bounded number of generated requests as a Finance user —
requests that fit the schema (positive) and requests that do not (negative) —
sent through Django's WSGI application (no server). Hypothesis is
derandomized, so every run sends the same requests.

What must hold for every response:

- never a 5xx;
- its status code, content type, headers and body are the ones the schema
  documents for the operation (schemathesis' response checks);
- a request that breaks the schema is refused, never recorded (4xx);
- a request that fits the schema is never refused for its form: when the API
  answers 400 to it, the reason is a rule of the note or of the register (a
  payment after today, an offering whose sales do not add up, a duplicate
  name), never a field format or bound the schema should have stated.

Ids in generated requests would name records that do not exist, so in the
requests that fit the schema each id is replaced by the id of a record of the
right kind from a small register built first: the operations then reach their
rules and not only their 404s.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from core.api_reference import api_schema
from core.permissions import FINANCE_GROUP
from holders.models import Holder
from notes.models import Issuer, Note, NoteSeries, Payment, ServicingRun
from notes.services.payments import payment_record
from notes.services.servicing import servicing_run_dispatch, servicing_run_start
from notices.models import Notice
from notices.services.job import notice_run_dispatch, notice_run_start
from offerings import services as offering_services
from offerings.models import CashInLieuPayment, Conversion, CorporateEvent, Offering
from offerings.services.cash import cash_in_lieu_payment_record
from tests.conftest import _user
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

# Requests per operation and mode: 50-odd operations × (POSITIVE + NEGATIVE) stay
# well under two minutes on a 2-core machine.
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 2}

RAW_SCHEMA = json.loads(json.dumps(api_schema(), cls=DjangoJSONEncoder))
SCHEMA = schemathesis.openapi.from_dict(RAW_SCHEMA)
SCHEMA.app = application

# The record each id names, by parameter or field name, and by the path of `{id}`.
FIELD_MODELS = {
    "note": Note, "note_id": Note, "series": NoteSeries, "note__series": NoteSeries,
    "holder": Holder, "holder_id": Holder, "issuer": Issuer, "conversion": Conversion,
    "offering": Offering, "notices": Notice, "related_events": CorporateEvent,
    "transferee": Holder, "transferor": Holder,
}
PATH_MODELS = {
    "cash-in-lieu-payments": CashInLieuPayment, "conversions": Conversion,
    "corporate-events": CorporateEvent, "holders": Holder, "issuers": Issuer, "notes": Note,
    "notices": Notice, "offerings": Offering, "payments": Payment, "series": NoteSeries,
    "servicing": ServicingRun,
}

# The words of DRF's and Django's field validation: a request refused with one of
# these failed a rule of form that the schema must state.
FORM_REFUSALS = re.compile(
    "|".join([
        r"This field is required", r"may not be (?:blank|null|empty)", r"valid number",
        r"valid integer", r"valid date", r"Ensure this value", r"Ensure this field",
        r"Ensure that there are no more than", r"is not a valid choice",
        r"Select a valid choice", r"has wrong format", r"Enter a valid", r"Not a valid",
        r"Invalid pk", r"object does not exist", r"Expected a list", r"Expected a dictionary",
        r"Must be a valid boolean", r"Not the id of", r"Unsupported media type",
        r"JSON parse error", r"Idempotency-Key must be",
    ]),
    re.IGNORECASE,
)


def _messages(body) -> list[str]:
    if isinstance(body, dict):
        return [m for value in body.values() for m in _messages(value)]
    if isinstance(body, list):
        return [m for value in body for m in _messages(value)]
    return [str(body)]


def _register() -> dict[type, list[int]]:
    """A small register with a record of every kind the API names by id."""
    today = timezone.localdate()
    series = SeriesFactory()
    holder = HolderFactory(name="Margaret A. Keller")
    notes = [NoteFactory(series=series, holder=holder, principal=Decimal("100000.00"),
                         issue_date=date(2006, 7, 20)) for _ in range(2)]
    payment_record(note=notes[0], paid_on=date(2006, 9, 20), amount=Decimal("500.00"),
                   applies_to="interest", method="wire", reference="FED-1")
    # The test's transaction never commits: what would run after commit runs here.
    servicing_run_dispatch(run_id=servicing_run_start(as_of=date(2006, 10, 1)).pk)
    # A $5M PIPE converts the notes of the series (§5.2), with cash in lieu (§7).
    offering_services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=Decimal("5000000.00"),
        sales=[{"shares": 500_000, "price_per_share": Decimal("2.00")},
               {"shares": 1_000_000, "price_per_share": Decimal("4.00")}],
    )
    offering_services.conversion_triggers_process_pending()
    other = SeriesFactory()
    NoteFactory(series=other, issue_date=today - timedelta(days=90))
    # A $3M Qualified Offering of the other issuer: its §6.1 notice (§5.1).
    offering_services.offering_record(
        issuer=other.issuer, kind="pipe", closing_date=today - timedelta(days=5),
        gross_proceeds=Decimal("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": Decimal("3.00")}],
    )
    offering_services.event_record(
        issuer=other.issuer, kind="voting_power_transfer", effective_date=today - timedelta(days=2),
        voting_power_pct=Decimal("10.00"), description="A minority stake changes hands",
    )
    offering_services.conversion_triggers_process_pending()
    conversion = Conversion.objects.filter(cash_in_lieu__gt=0).first()
    cash_in_lieu_payment_record(
        conversion=conversion, paid_on=date(2007, 8, 1), amount=conversion.cash_in_lieu,
        method="check", reference="CHK-1",
    )
    notice_run_dispatch(run_id=notice_run_start(as_of=today).pk)
    ids = {model: list(model.objects.order_by("pk").values_list("pk", flat=True))
           for model in {*FIELD_MODELS.values(), *PATH_MODELS.values()}}
    missing = [model.__name__ for model, pks in ids.items() if not pks]
    assert not missing, f"the fuzzing register has no {missing}"
    return ids


def _real(value, pks):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return pks[value % len(pks)]
    if isinstance(value, str) and value.isdigit():
        return str(pks[int(value) % len(pks)])
    if isinstance(value, list):
        return [_real(v, pks) for v in value]
    return value


def _point_at_records(case, ids) -> None:
    """In a request that fits the schema, make each id name a record of its kind."""
    if case.path_parameters:
        resource = case.operation.path.split("/")[3]
        for name, value in case.path_parameters.items():
            model = FIELD_MODELS.get(name) or (PATH_MODELS.get(resource) if name == "id" else None)
            if model:
                case.path_parameters[name] = _real(value, ids[model])
    for container in (case.query, case.body):
        if isinstance(container, dict):
            for name, value in container.items():
                if name in FIELD_MODELS:
                    container[name] = _real(value, ids[FIELD_MODELS[name]])


def _fuzz(operation, mode, examples, ids, headers, outcomes: Counter) -> None:
    """Send `examples` generated requests of one mode to one operation and check each answer."""

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def exchange(case):
        if mode == GenerationMode.POSITIVE:
            _point_at_records(case, ids)
        # Its own acceptance check would refuse every 400; ours below tells a rule of the
        # note (a fine answer) from a rule of form the schema should have stated.
        response = case.call_and_validate(headers=headers,
                                          excluded_checks=[positive_data_acceptance])
        outcomes[f"{mode.value} {response.status_code}"] += 1
        if mode == GenerationMode.POSITIVE and response.status_code == 400:
            refused = [m for m in _messages(response.json()) if FORM_REFUSALS.search(m)]
            assert not refused, (
                f"a request that fits the schema was refused for its form — the schema must"
                f" say so: {refused}; sent {case.body!r} {case.query!r}"
            )

    exchange()


@pytest.fixture
def wsgi_requests_keep_the_test_connection():
    """Django's test client does this: a request's end must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_fuzzed_schema_is_the_one_the_api_serves(finance_api):
    served = finance_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    assert json.loads(served.content) == RAW_SCHEMA


@pytest.mark.django_db
def test_every_operation_answers_as_its_schema_says(
    wsgi_requests_keep_the_test_connection,
):
    user = _user("fuzzer", FINANCE_GROUP)
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    ids = _register()
    outcomes: dict[str, Counter] = defaultdict(Counter)
    failures: list[str] = []

    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in RAW_SCHEMA["paths"].values()) >= 50
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            try:
                _fuzz(operation, mode, examples, ids, headers, outcomes[operation.label])
            except (Exception, BaseExceptionGroup) as exc:  # each is reported below
                failures.append(f"{operation.label} ({mode.value}): {exc}")

    print("\nrequests per operation (mode and status):")
    for label in sorted(outcomes):
        print(f"  {label}: " + ", ".join(f"{k} ×{v}" for k, v in sorted(outcomes[label].items())))
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
    positives = sum(v for c in outcomes.values() for k, v in c.items() if k.startswith("pos"))
    accepted = sum(v for c in outcomes.values() for k, v in c.items()
                   if k.startswith("positive 2"))
    assert accepted > positives // 4, f"only {accepted} of {positives} positive requests succeeded"
