"""Letters: whom a notice is addressed to, what it states, and its PDF (§6, §7, §12).

A notice to a holder goes to the address last shown on the records on the
notice's date (§6.2, §12: ``Holder.address_on``); with no address on record,
to the place where the Company's principal executive office is (§6.2). A
notice to the Company goes to its principal office with a copy to the copy-to
address (§12).

Each kind has a ``draft_<kind>`` function that turns the record it is made
from into a ``Draft``: the addressee, the figures as printed (amounts to the
cent with their currency, the Conversion Price to 6 places, dates) and the
template that lays them out. The figures are those of the record — nothing is
computed or rounded here; `letter_pdf` renders the template with WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string

from amendments.models import AmendmentAddressee
from holders.models import Holder, HolderAddress
from notes.models import (
    DefaultEvent,
    DefaultEventKind,
    InterestStatement,
    Issuer,
    Note,
    Transfer,
)
from notes.selectors import note_position_get
from notices.models import CLAUSES, AddressBasis, DeliveryMethod, Direction, NoticeKind
from offerings.models import Conversion, ConversionKind, Election, NoticeObligation
from offerings.services.qualification import voluntary_window


def amount_text(amount: Decimal, currency: str) -> str:
    """``USD 2,123.29``: the stored cents, never re-rounded."""
    return f"{currency} {Decimal(amount):,.2f}"


def price_text(price: Decimal | None) -> str:
    """The Conversion Price as it is used everywhere: 6 decimal places."""
    return f"{Decimal(price):.6f}" if price is not None else ""


def date_text(day: date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


@dataclass
class Draft:
    """A notice before it is stored: its row's fields, its figures and its template."""

    kind: str
    purpose_key: str
    note: Note
    holder: Holder
    recipient: str
    address: str
    address_basis: str
    notice_date: date
    figures: dict
    direction: str = Direction.SENT
    copy_to: str = ""
    delivery_method: str = DeliveryMethod.MAIL
    sources: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    corrects_key: str | None = None
    sent_on: date | None = None
    received_on: date | None = None
    deemed_delivered_on: date | None = None

    @property
    def issuer(self) -> Issuer:
        return self.note.series.issuer

    @property
    def clause(self) -> str:
        return CLAUSES[NoticeKind(self.kind)]


def addresses_on(holder_ids, day: date) -> dict[int, HolderAddress]:
    """Each holder's address in effect on `day` (§6.2), in one query."""
    found: dict[int, HolderAddress] = {}
    for address in HolderAddress.objects.filter(
        holder_id__in=set(holder_ids), effective_from__lte=day
    ).order_by("holder_id", "effective_from"):
        found[address.holder_id] = address  # the latest in effect wins
    return found


def holder_addressee(
    holder: Holder, issuer: Issuer, address: HolderAddress | None
) -> tuple[str, str, str]:
    """(recipient, address, basis) of a notice to a holder."""
    if address is not None:
        return holder.name, "\n".join(address.lines()), AddressBasis.HOLDER_RECORD
    # §6.2: "if no such address appears or is given, at the place where the
    # principal executive office of the Company is located".
    return (
        holder.name,
        f"c/o {issuer.name}\n{issuer.principal_office_address}",
        AddressBasis.ISSUER_OFFICE,
    )


def _holder_draft(kind, purpose_key, note, holder, day, addresses, figures, **extra) -> Draft:
    issuer = note.series.issuer
    recipient, address, basis = holder_addressee(holder, issuer, addresses.get(holder.pk))
    return Draft(
        kind=kind,
        purpose_key=purpose_key,
        note=note,
        holder=holder,
        recipient=recipient,
        address=address,
        address_basis=basis,
        notice_date=day,
        figures=figures,
        **extra,
    )


def draft_statement(
    statement: InterestStatement, day: date, addresses, holder: Holder | None = None
) -> Draft:
    """§2: what is due on the 15th and why."""
    note = statement.note
    currency = str(statement.amount.currency)
    figures = {
        "note": note.number,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "days": statement.days,
        "amount": amount_text(statement.amount.amount, currency),
        "due_date": statement.due_date.isoformat(),
        "rate": f"{(statement.rate * 100).normalize():f}%",
        "day_count": statement.day_count,
        "calculation": statement.calculation,
    }
    if statement.corrects_id:
        figures["corrects_statement"] = statement.corrects_id
        figures["reason"] = statement.reason
    return _holder_draft(
        NoticeKind.INTEREST_STATEMENT,
        f"statement:{statement.pk}",
        note,
        holder or note.holder,
        day,
        addresses,
        figures,
        sources={"statement": statement},
        context={"statement": statement},
        corrects_key=f"statement:{statement.corrects_id}" if statement.corrects_id else None,
    )


def draft_qualified_offering(obligation: NoticeObligation, day: date, addresses) -> Draft:
    """§6.1: notice of a $3 Million Qualified Offering: the price and the window."""
    offering, note = obligation.offering, obligation.note
    _, closes = voluntary_window(offering, note.series)
    figures = {
        "note": note.number,
        "closing_date": offering.closing_date.isoformat(),
        "gross_proceeds": amount_text(
            offering.gross_proceeds.amount, str(offering.gross_proceeds.currency)
        ),
        "conversion_price": price_text(offering.conversion_price),
        "window_closes": closes.isoformat(),
        "due_by": obligation.due_by.isoformat(),
    }
    return _holder_draft(
        NoticeKind.QUALIFIED_OFFERING,
        f"6.1:{obligation.pk}",
        note,
        obligation.holder,
        day,
        addresses,
        figures,
        sources={"obligation": obligation},
        context={"offering": offering, "window_closes": closes, "obligation": obligation},
    )


def _conversion_figures(conversion: Conversion) -> dict:
    currency = conversion.currency
    return {
        "note": conversion.note.number,
        "conversion_date": conversion.conversion_date.isoformat(),
        "conversion_price": price_text(conversion.conversion_price),
        "principal_converted": amount_text(conversion.principal_converted, currency),
        "interest_converted": amount_text(conversion.interest_converted, currency),
        "note_amount": amount_text(conversion.note_amount, currency),
        "shares": f"{conversion.shares:,}",
        "cash_in_lieu": amount_text(conversion.cash_in_lieu, currency),
        "cash_due_date": conversion.cash_due_date.isoformat(),
    }


def draft_automatic_conversion(
    conversion: Conversion,
    obligation: NoticeObligation | None,
    day: date,
    addresses,
    holder: Holder | None = None,
) -> Draft:
    """§6.2: the conversion, its price and figures, and the call to surrender the note."""
    note = conversion.note
    return _holder_draft(
        NoticeKind.AUTOMATIC_CONVERSION,
        f"6.2:{conversion.pk}",
        note,
        holder or note.holder,
        day,
        addresses,
        {**_conversion_figures(conversion), "trigger": ConversionKind(conversion.trigger).label},
        sources={"conversion": conversion, "obligation": obligation},
        context={"conversion": conversion, "obligation": obligation},
    )


def draft_cash_in_lieu(
    conversion: Conversion, day: date, addresses, holder: Holder | None = None
) -> Draft:
    """§7: the part of the Note Amount not converted, paid in cash within ten days."""
    note = conversion.note
    return _holder_draft(
        NoticeKind.CASH_IN_LIEU,
        f"cash-in-lieu:{conversion.pk}",
        note,
        holder or note.holder,
        day,
        addresses,
        _conversion_figures(conversion),
        sources={"conversion": conversion},
        context={"conversion": conversion},
    )


def draft_maturity_reminder(
    note: Note, day: date, addresses, holder: Holder | None = None
) -> Draft:
    """§1: principal and unpaid accrued interest fall due on the two-year anniversary."""
    position = note_position_get(note=note, as_of=day)
    currency = note.currency
    figures = {
        "note": note.number,
        "maturity_date": note.maturity_date.isoformat(),
        "as_of": day.isoformat(),
        "outstanding_principal": amount_text(position.outstanding_principal, currency),
        "accrued_unpaid_interest": amount_text(position.accrued_unpaid_interest, currency),
    }
    return _holder_draft(
        NoticeKind.MATURITY_REMINDER,
        f"maturity:{note.pk}",
        note,
        holder or note.holder,
        day,
        addresses,
        figures,
        context={"position": position},
    )


def draft_amendment(addressee: AmendmentAddressee, day: date, addresses) -> Draft:
    """§9: an amendment or waiver the Company and holders of more than 50% consented to."""
    amendment, note = addressee.amendment, addressee.note
    figures = {
        "note": note.number,
        "amendment": amendment.pk,
        "kind": amendment.get_kind_display(),
        "title": amendment.title,
        "issuer_consented_on": amendment.issuer_consented_on.isoformat(),
        "effective_on": amendment.effective_on.isoformat(),
    }
    return _holder_draft(
        NoticeKind.AMENDMENT,
        f"amendment:{addressee.pk}",
        note,
        note.holder,
        day,
        addresses,
        figures,
        context={"amendment": amendment},
    )


def draft_transfer_refusal(transfer: Transfer, day: date, addresses) -> Draft:
    """§10: the Company tells the holder that the transfer is not approved, and why.

    Addressed to the holder who gave the notice (the transferor), who stays the
    registered holder.
    """
    note = transfer.note
    figures = {
        "note": note.number,
        "transferee": transfer.transferee.name,
        "manner": transfer.manner,
        "notice_received_on": transfer.notice_received_on.isoformat(),
        "notice_received_on_text": date_text(transfer.notice_received_on),
        "opinion_received_on": transfer.opinion_received_on.isoformat(),
        "opinion_received_on_text": date_text(transfer.opinion_received_on),
        "decided_on": transfer.decided_on.isoformat(),
        "decided_on_text": date_text(transfer.decided_on),
        "reason": transfer.decision_reason,
    }
    return _holder_draft(
        NoticeKind.TRANSFER_REFUSAL,
        f"transfer-refusal:{transfer.pk}",
        note,
        transfer.transferor,
        day,
        addresses,
        figures,
        sources={"transfer": transfer},
        context={"transfer": transfer},
    )


def company_addressee(issuer: Issuer) -> tuple[str, str, str]:
    """(recipient, address, copy_to) of a notice to the Company (§12)."""
    return issuer.name, issuer.principal_office_address, issuer.copy_to_address


def draft_received(
    *,
    kind: str,
    purpose_key: str,
    note: Note,
    notice_date: date,
    received_on: date | None,
    delivery_method: str,
    figures: dict,
    sent_on: date | None = None,
    deemed_delivered_on: date | None = None,
    sources: dict | None = None,
    context: dict | None = None,
) -> Draft:
    """A notice the Company received: the record of its receipt at the principal office."""
    issuer = note.series.issuer
    recipient, address, copy_to = company_addressee(issuer)
    return Draft(
        kind=kind,
        purpose_key=purpose_key,
        note=note,
        holder=note.holder,
        recipient=recipient,
        address=address,
        address_basis=AddressBasis.COMPANY,
        copy_to=copy_to,
        notice_date=notice_date,
        figures={
            "note": note.number,
            "received_on": received_on.isoformat() if received_on else None,
            **figures,
        },
        direction=Direction.RECEIVED,
        delivery_method=delivery_method,
        sources=sources or {},
        context=context or {},
        sent_on=sent_on,
        received_on=received_on,
        deemed_delivered_on=deemed_delivered_on or received_on,
    )


DEFAULT_EVENT_NOTICES = {
    DefaultEventKind.PAYMENT_DEFAULT_NOTICE: (NoticeKind.PAYMENT_DEFAULT, "payment-default"),
    DefaultEventKind.ACCELERATION: (NoticeKind.ACCELERATION, "acceleration"),
}


def draft_default_event(event: DefaultEvent) -> Draft:
    """§3(i), §3: a holder's written notice, recorded as a default event with its delivery.

    The event's day is the receipt (personal delivery) or the deposit (mail); its
    deemed delivery was fixed when it was recorded (§12).
    """
    kind, prefix = DEFAULT_EVENT_NOTICES[event.kind]
    personal = event.delivery_method == DeliveryMethod.PERSONAL
    return draft_received(
        kind=kind,
        purpose_key=f"{prefix}:{event.pk}",
        note=event.note,
        notice_date=event.date,
        received_on=event.date if personal else None,
        sent_on=None if personal else event.date,
        deemed_delivered_on=event.deemed_delivered_on,
        delivery_method=event.delivery_method,
        figures={
            "date": event.date.isoformat(),
            "deemed_delivered_on": event.deemed_delivered_on.isoformat(),
            "description": event.description,
        },
        sources={"default_event": event},
        context={"event": event},
    )


def draft_election(election: Election) -> Draft:
    """§5.1 Exhibit A, received at the principal executive office (§6.1: converted on receipt)."""
    return draft_received(
        kind=NoticeKind.ELECTION,
        purpose_key=f"election:{election.pk}",
        note=election.note,
        notice_date=election.received_on,
        received_on=election.received_on,
        delivery_method="",
        figures={
            "offering": election.offering_id,
            "certificate_names": election.certificate_names,
            "address": election.address,
            "tax_id": election.tax_id_masked,
        },
        sources={"election": election},
        context={"election": election},
    )


def letter_html(draft: Draft) -> str:
    context = {
        "draft": draft,
        "issuer": draft.issuer,
        "note": draft.note,
        "figures": draft.figures,
        "clause": draft.clause,
        **draft.context,
    }
    return render_to_string(f"notices/letters/{draft.kind}.html", context)


def letter_pdf(draft: Draft) -> bytes:
    """The letter as a PDF (WeasyPrint), fonts from the system (fonts-dejavu)."""
    from weasyprint import HTML  # loads Pango on first use, not at import of the app

    return HTML(string=letter_html(draft)).write_pdf()
