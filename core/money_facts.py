"""The money facts: the tables the database itself keeps append-only.

Statements, payments and their allocations, conversions and their cash in
lieu, the notices the Company sends and receives (and their print runs and
courtesy copies), events of default, elections, transfers with their
documents and stop-transfer instructions are facts: a mistake is corrected by
a new record pointing at the old one, never by an edit. Each of these tables
has PostgreSQL triggers (django-pgtrigger) that refuse DELETE and every
UPDATE except, on a few tables, one named state change:

- a conversion waiting for its price is completed once (its price and figures);
- a notice's delivery is recorded once (sent, received, deemed delivered);
- a transfer's decision is recorded once;
- a stop-transfer instruction is lifted once.

``MONEY_FACTS`` is the one list of them, by model label (core imports no app).
A model says it is a money fact with a ``money_fact = True`` class attribute;
the system check below refuses to start when a flagged model is missing from
the list, or a listed one lacks a trigger protecting it against UPDATE and
DELETE — and the test suite tries raw SQL UPDATE and DELETE on every one.
"""

from __future__ import annotations

from django.apps import apps
from django.core import checks

MONEY_FACTS: tuple[str, ...] = (
    "notes.InterestStatement",
    "notes.Payment",
    "notes.PaymentAllocation",
    "notes.DefaultEvent",
    "notes.Document",
    "notes.Transfer",
    "notes.StopTransferInstruction",
    "offerings.Election",
    "offerings.Conversion",
    "offerings.CashInLieuPayment",
    "notices.Notice",
    "notices.NoticeDeposit",
    "notices.NoticeEmail",
)

# The one state change each table allows, as the columns an UPDATE may touch.
ALLOWED_CHANGES: dict[str, tuple[str, ...]] = {
    "offerings.Conversion": (
        "status", "conversion_price", "price_source", "shares", "cash_in_lieu",
        "cash_due_date", "price_determined_by", "price_determined_at",
    ),
    "notices.Notice": ("sent_on", "received_on", "deemed_delivered_on", "deposit",
                       "delivery_method"),
    "notes.Transfer": (
        "decision", "decided_on", "decided_by", "decision_reason", "effective_date",
        "legend_required", "legend_counsel_reference",
    ),
    "notes.StopTransferInstruction": ("lifted_on", "lift_reason", "lifted_by"),
}


def money_fact_models() -> list:
    """The model classes of ``MONEY_FACTS``, in its order."""
    return [apps.get_model(label) for label in MONEY_FACTS]


def flagged_money_fact_models() -> list:
    """Every installed model that says it is a money fact."""
    return [m for m in apps.get_models() if getattr(m, "money_fact", False)]


def _protected_operations(model) -> set[str]:
    operations: set[str] = set()
    for trigger in getattr(model._meta, "triggers", []):
        if type(trigger).__name__ != "Protect":
            continue
        operation = str(trigger.operation).upper()
        for name in ("UPDATE", "DELETE"):
            if name in operation:
                operations.add(name)
    return operations


@checks.register()
def money_facts_protected(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every money fact is listed, and protected by triggers against UPDATE and DELETE."""
    errors = []
    listed = set(MONEY_FACTS)
    for model in flagged_money_fact_models():
        if model._meta.label not in listed:
            errors.append(
                checks.Error(
                    f"{model._meta.label} is a money fact but is not in core.money_facts."
                    "MONEY_FACTS.",
                    id="notedesk.E001",
                )
            )
    for model in money_fact_models():
        missing = {"UPDATE", "DELETE"} - _protected_operations(model)
        if missing or not getattr(model, "money_fact", False):
            errors.append(
                checks.Error(
                    f"{model._meta.label} is listed as a money fact but its triggers do not "
                    f"refuse {', '.join(sorted(missing)) or 'anything'} (or it is not flagged).",
                    id="notedesk.E002",
                )
            )
    return errors
