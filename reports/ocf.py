"""A note series in Open Cap Table Format (OCF): its convertible notes and their conversions.

The export is three OCF files in one JSON object — stakeholders (the
holders), stock classes (the Common Stock the notes convert into, §5) and
transactions — each valid against the OCF JSON Schemas (the test suite
validates it against an unmodified copy):

- one ``TX_CONVERTIBLE_ISSUANCE`` per note: the principal as
  ``investment_amount``, simple interest at the series' effective rate from
  the issue date (§2) paid in cash monthly, and the §5 triggers — the
  holder's election after a $3M Qualified Offering (§5.1) and the automatic
  conversion on a $5M PIPE, an underwritten offering over $5M or a change of
  control (§5.2);
- one ``TX_CONVERTIBLE_CONVERSION`` per completed conversion, naming the
  trigger and resulting in
- one ``TX_STOCK_ISSUANCE`` of the whole shares at the Conversion Price (§7:
  no fractional shares; the cash in lieu is stated in the comments).

A conversion still awaiting its price has issued no shares yet and is left
out, as are tax IDs (sensitive: never exported here). OCF knows two day
counts (Actual/365 and 30/360); a series on ACT/360 or ACT/ACT is described
with a custom conversion mechanism that names its day count.
"""

from __future__ import annotations

from decimal import Decimal

from holders.models import HolderKind
from notes.domain.daycount import DayCount
from notes.models import Note, NoteSeries
from offerings.models import Conversion, ConversionKind, ConversionStatus

OCF_DAY_COUNTS = {DayCount.ACT_365F.value: "ACTUAL_365", DayCount.THIRTY_360.value: "30_360"}

TRIGGERS = {
    ConversionKind.VOLUNTARY: (
        "ELECTIVE_ON_CONDITION",
        "voluntary-5-1",
        "§5.1: at the Holder's option, within six months after a PIPE with gross proceeds of "
        "not less than $3,000,000 (a $3 Million Qualified Offering), at the average price of "
        "the first $1.0 million of Common Stock sold in it.",
    ),
    ConversionKind.QUALIFIED_OFFERING: (
        "AUTOMATIC_ON_CONDITION",
        "qualified-offering-5-2-iii",
        "§5.2(iii): automatically upon a PIPE with gross proceeds of not less than $5,000,000 "
        "(a $5 Million Qualified Offering), at the average price of its first $1.0 million.",
    ),
    ConversionKind.PUBLIC_OFFERING: (
        "AUTOMATIC_ON_CONDITION",
        "public-offering-5-2-ii",
        "§5.2(ii): automatically upon a firmly underwritten public offering with aggregate "
        "gross proceeds in excess of $5,000,000, at the Conversion Price then in effect.",
    ),
    ConversionKind.CHANGE_OF_CONTROL: (
        "AUTOMATIC_ON_CONDITION",
        "change-of-control-5-2-i",
        "§5.2(i): automatically immediately before a merger or reorganization the Company does "
        "not survive, a transfer of more than 50% of its voting power, or a sale of all or "
        "substantially all of its assets, at the Conversion Price then in effect.",
    ),
}


def _numeric(value: Decimal | int) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def _money(amount: Decimal, currency: str) -> dict:
    return {"amount": _numeric(amount), "currency": currency}


def _mechanism(series: NoteSeries, issue_date) -> dict:
    rate = series.effective_rate
    day_count = OCF_DAY_COUNTS.get(series.day_count)
    if day_count is None:
        return {
            "type": "CUSTOM_CONVERSION",
            "custom_conversion_description": (
                f"Note Amount (outstanding principal plus simple interest at {rate} per annum, "
                f"{series.day_count} day count, accrued through the conversion date) divided by "
                f"the Conversion Price; cash in lieu of fractional shares (§5, §7)."
            ),
        }
    return {
        "type": "CONVERTIBLE_NOTE_CONVERSION",
        "interest_rates": [
            {"rate": _numeric(rate), "accrual_start_date": issue_date.isoformat()}
        ],
        "day_count_convention": day_count,
        "interest_payout": "CASH",
        "interest_accrual_period": "MONTHLY",
        "compounding_type": "SIMPLE",
    }


def _triggers(series: NoteSeries, note: Note, stock_class_id: str) -> list[dict]:
    right = {
        "type": "CONVERTIBLE_CONVERSION_RIGHT",
        "conversion_mechanism": _mechanism(series, note.issue_date),
        "converts_to_stock_class_id": stock_class_id,
    }
    return [
        {
            "type": kind,
            "trigger_id": trigger_id,
            "trigger_condition": condition,
            "conversion_right": right,
        }
        for kind, trigger_id, condition in TRIGGERS.values()
    ]


def series_ocf_export(*, series: NoteSeries, par_value: Decimal) -> dict:
    """The series' holders, Common Stock, note issuances and conversions as OCF files."""
    notes = list(
        Note.objects.filter(series=series).select_related("holder").order_by("issue_date", "pk")
    )
    conversions = {
        c.note_id: c
        for c in Conversion.objects.filter(
            note__series=series, status=ConversionStatus.DONE
        ).select_related("offering", "event")
    }
    stock_class_id = f"issuer-{series.issuer_id}-common"
    stakeholders = {}
    transactions: list[dict] = []
    for note in notes:
        holder = note.holder
        stakeholders.setdefault(
            holder.pk,
            {
                "object_type": "STAKEHOLDER",
                "id": f"holder-{holder.pk}",
                "name": {"legal_name": holder.name},
                "stakeholder_type": (
                    "INDIVIDUAL" if holder.kind == HolderKind.PERSON else "INSTITUTION"
                ),
                "current_relationship": "INVESTOR",
            },
        )
        security_id = f"note-{note.pk}"
        transactions.append(
            {
                "object_type": "TX_CONVERTIBLE_ISSUANCE",
                "id": f"{security_id}-issuance",
                "security_id": security_id,
                "date": note.issue_date.isoformat(),
                "custom_id": note.number,
                "stakeholder_id": f"holder-{holder.pk}",
                "security_law_exemptions": [],
                "investment_amount": _money(note.principal.amount, note.currency),
                "convertible_type": "NOTE",
                "conversion_triggers": _triggers(series, note, stock_class_id),
                "seniority": 1,
                "comments": [
                    f"{series.name}; matures {note.maturity_date.isoformat()} (§1); "
                    f"status {note.status}."
                ],
            }
        )
        conversion = conversions.get(note.pk)
        if conversion is None:
            continue
        stock_id = f"{security_id}-stock"
        transactions.append(
            {
                "object_type": "TX_CONVERTIBLE_CONVERSION",
                "id": f"{security_id}-conversion",
                "security_id": security_id,
                "date": conversion.conversion_date.isoformat(),
                "reason_text": (
                    f"{conversion.get_trigger_display()}: Note Amount "
                    f"{conversion.note_amount} (principal {conversion.principal_converted}, "
                    f"interest {conversion.interest_converted}) at {conversion.conversion_price}"
                ),
                "trigger_id": TRIGGERS[conversion.trigger][1],
                "quantity_converted": _numeric(conversion.note_amount),
                "resulting_security_ids": [stock_id],
            }
        )
        transactions.append(
            {
                "object_type": "TX_STOCK_ISSUANCE",
                "id": f"{stock_id}-issuance",
                "security_id": stock_id,
                "date": conversion.conversion_date.isoformat(),
                "custom_id": f"{note.number}-CS",
                "stakeholder_id": f"holder-{holder.pk}",
                "security_law_exemptions": [],
                "stock_class_id": stock_class_id,
                # The restrictive legend (§10) is kept on the certificates, not in NoteDesk.
                "stock_legend_ids": [],
                "share_price": _money(conversion.conversion_price, conversion.currency),
                "quantity": _numeric(conversion.shares),
                "consideration_text": (
                    f"Conversion of note {note.number}; cash in lieu of the fractional share "
                    f"{conversion.currency} {conversion.cash_in_lieu} (§7)."
                ),
                "comments": [f"Conversion Price source: {conversion.price_source}"[:1000]],
            }
        )
    return {
        "series": {
            "id": series.pk,
            "name": series.name,
            "issuer": series.issuer.name,
            "currency": series.currency,
        },
        "stakeholders_file": {
            "file_type": "OCF_STAKEHOLDERS_FILE",
            "items": list(stakeholders.values()),
        },
        "stock_classes_file": {
            "file_type": "OCF_STOCK_CLASSES_FILE",
            "items": [
                {
                    "object_type": "STOCK_CLASS",
                    "id": stock_class_id,
                    "name": f"{series.issuer.name} Common Stock",
                    "class_type": "COMMON",
                    "default_id_prefix": "CS-",
                    "initial_shares_authorized": "NOT APPLICABLE",
                    "votes_per_share": "1",
                    "seniority": "1",
                    "par_value": _money(par_value, series.currency),
                    "comments": [
                        "Shares authorized are not recorded in NoteDesk; par value is the "
                        "REPORTS_COMMON_STOCK_PAR_VALUE setting."
                    ],
                }
            ],
        },
        "transactions_file": {"file_type": "OCF_TRANSACTIONS_FILE", "items": transactions},
    }
