"""Demo data: the 2006 American TonerServ Corp. series from the contract, and a
2026 series on the same terms so today's dashboard has live figures.

Loading is idempotent: every record is looked up by its natural key first, so
running the loader twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from amendments.models import Amendment
from amendments.services import amendment_holder_consent_record, amendment_propose
from core.permissions import AUDITOR_GROUP, FINANCE_GROUP, roles_ensure
from holders.models import Holder, HolderLogin
from holders.services import holder_create
from notes.domain.periods import add_months, due_date_for
from notes.domain.position import month_amounts
from notes.models import Issuer, Note, NoteSeries, Payment, ServicingRun
from notes.selectors import note_facts_get
from notes.services import issuer_create, note_create, series_create
from notes.services.defaults import default_event_record
from notes.services.payments import payment_record
from notes.services.servicing import servicing_run_start, statements_generate
from notes.services.transfers import (
    document_store,
    transfer_approve,
    transfer_refuse,
    transfer_request,
)
from notices.models import Direction, Notice, NoticeKind
from notices.services.delivery import notices_deposit
from notices.services.job import notices_due
from notices.services.making import drafts_for, notices_store
from offerings.models import Conversion, ConversionStatus, Offering
from offerings.services import election_record, offering_record
from offerings.services.cash import cash_in_lieu_payment_record

ATS_OFFICE = "475 Aviation Blvd, Suite 100\nSanta Rosa, CA 95403"
ATS_COPY_TO = "600 Bicentennial Way, Ste 300\nSanta Rosa, CA 95403"


@dataclass(frozen=True)
class DemoHolder:
    name: str
    kind: str
    email: str
    tax_id: str
    line1: str
    city: str
    region: str
    postal_code: str


ATS_HOLDERS = [
    DemoHolder("Margaret A. Keller", "person", "mkeller@example.com", "512-44-6781",
               "1820 Fountaingrove Pkwy", "Santa Rosa", "CA", "95403"),
    DemoHolder("Sonoma Valley Capital Partners, L.P.", "entity", "notes@svcp.example.com",
               "68-0412297", "145 W Napa St, Suite 200", "Sonoma", "CA", "95476"),
    DemoHolder("Daniel R. Okafor", "person", "dokafor@example.com", "402-11-9034",
               "77 Beacon Street, Apt 5", "Boston", "MA", "02108"),
    DemoHolder("Harbor Point Family Trust", "entity", "trustee@harborpoint.example.com",
               "26-3318854", "2100 Alaskan Way, Suite 410", "Seattle", "WA", "98121"),
    DemoHolder("Linda M. Vasquez", "person", "lvasquez@example.com", "623-70-1148",
               "4410 N 40th Street", "Phoenix", "AZ", "85018"),
    DemoHolder("Great Lakes Opportunity Fund LLC", "entity", "ops@glof.example.com",
               "36-4471920", "330 N Wabash Ave, Floor 23", "Chicago", "IL", "60611"),
    DemoHolder("Thomas J. Brennan", "person", "tbrennan@example.com", "089-52-7716",
               "19 Maple Avenue", "Greenwich", "CT", "06830"),
    DemoHolder("Lone Star Venture Holdings, Inc.", "entity", "finance@lsvh.example.com",
               "74-2984401", "600 Congress Avenue, Suite 1400", "Austin", "TX", "78701"),
    DemoHolder("Priya Natarajan", "person", "pnatarajan@example.com", "145-83-2209",
               "250 W 57th Street, Apt 12B", "New York", "NY", "10107"),
]

# (holder index, principal, issue date): realistic, different amounts and July days.
ATS_NOTES = [
    (0, Decimal("250000.00"), date(2006, 7, 20)),
    (1, Decimal("1000000.00"), date(2006, 7, 14)),
    (2, Decimal("100000.00"), date(2006, 7, 17)),
    (3, Decimal("500000.00"), date(2006, 7, 21)),
    (4, Decimal("75000.00"), date(2006, 7, 24)),
    (5, Decimal("750000.00"), date(2006, 7, 26)),
    (6, Decimal("150000.00"), date(2006, 7, 28)),
    (7, Decimal("400000.00"), date(2006, 7, 31)),
    (8, Decimal("50000.00"), date(2006, 7, 31)),
]

RLS_OFFICE = "1200 Fourth Street, Suite 500\nSan Rafael, CA 94901"
RLS_COPY_TO = "Attn: General Counsel\n101 California Street, 36th Floor\nSan Francisco, CA 94111"

RLS_HOLDERS = [
    DemoHolder("Marin Seed Investors II, L.P.", "entity", "ir@marinseed.example.com",
               "84-1933027", "21 Tamal Vista Blvd, Suite 110", "Corte Madera", "CA", "94925"),
    DemoHolder("Ethan W. Park", "person", "ewpark@example.com", "561-20-4487",
               "3150 Pearl Street", "Boulder", "CO", "80301"),
    DemoHolder("Beaufort Coastal Holdings LLC", "entity", "accounts@beaufort.example.com",
               "57-1182230", "812 Bay Street", "Beaufort", "SC", "29902"),
    DemoHolder("Rachel S. Goldberg", "person", "rgoldberg@example.com", "318-66-0021",
               "1401 Pennsylvania Ave NW, Apt 904", "Washington", "DC", "20004"),
]

RLS_NOTES = [
    (0, Decimal("1500000.00"), date(2026, 1, 15)),
    (1, Decimal("200000.00"), date(2026, 2, 2)),
    (2, Decimal("650000.00"), date(2026, 3, 31)),
    (3, Decimal("125000.00"), date(2026, 5, 29)),
    # Margaret A. Keller (the demo's portal login) holds a live 2026 note too: the portal
    # shows its figures today and, while the §5.1 window is open, her Notice of Election.
    (4, Decimal("300000.00"), date(2026, 6, 12)),
]


def _holder(spec: DemoHolder, since: date) -> Holder:
    existing = Holder.objects.filter(name=spec.name).first()
    if existing:
        return existing
    return holder_create(
        name=spec.name,
        kind=spec.kind,
        email=spec.email,
        tax_id=spec.tax_id,
        address={
            "line1": spec.line1,
            "city": spec.city,
            "region": spec.region,
            "postal_code": spec.postal_code,
            "country": "US",
        },
        address_effective_from=since,
    )


def _series(issuer: Issuer, name: str, agreement_date: date) -> NoteSeries:
    return NoteSeries.objects.filter(issuer=issuer, name=name).first() or series_create(
        issuer=issuer, name=name, agreement_date=agreement_date
    )


def _notes(series: NoteSeries, prefix: str, holders, rows) -> list[Note]:
    notes = []
    for index, (holder_index, principal, issued) in enumerate(rows, start=1):
        number = f"{prefix}-{index:03d}"
        note = Note.objects.filter(series=series, number=number).first() or note_create(
            series=series,
            holder=holders[holder_index],
            principal=principal,
            issue_date=issued,
            number=number,
        )
        notes.append(note)
    return notes


def _pay_interest_monthly(note: Note, *, through: date, method: str, ref: str) -> None:
    """Pay each month's interest two days before its due date, through a month end."""
    facts = note_facts_get(note=note)
    series = note.series
    for start, end, amount in month_amounts(
        timeline=facts.timeline, rate=facts.rate, convention=series.day_count,
        issue_date=note.issue_date, through=through,
    ):
        if end != _month_end(end):
            continue  # a month not yet ended
        paid_on = due_date_for(end, series.interest_due_day) - timedelta(days=2)
        payment_record(
            note=note, paid_on=paid_on, amount=amount, applies_to="interest", method=method,
            reference=f"{ref}-{start:%Y%m}", idempotency_key=f"demo-{note.number}-{start:%Y-%m}",
        )


def _month_end(day: date) -> date:
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


def _payoff(note: Note, *, on: date, consent: str, ref: str) -> None:
    """Repay principal and all accrued interest on a day (with consent before maturity)."""
    note.refresh_from_db()
    if note.status == "repaid":
        return
    payment_record(
        note=note, paid_on=on, amount=note.principal.amount, applies_to="principal",
        method="check", reference=f"{ref}-P", holder_consent_reference=consent,
        idempotency_key=f"demo-{note.number}-payoff-principal",
    )
    accrued = note_facts_get(note=note).position(on).accrued_unpaid_interest
    payment_record(
        note=note, paid_on=on, amount=accrued, applies_to="interest", method="check",
        reference=f"{ref}-I", idempotency_key=f"demo-{note.number}-payoff-interest",
    )


def demo_servicing_load(ats_notes: list[Note], rls_notes: list[Note]) -> None:
    """Payments that tell a realistic story, then the servicing cycle as of today."""
    # Payments are recorded in date order: Daniel Okafor's interest through January
    # 2007, then his consented principal prepayment of 2007-03-01.
    okafor = ats_notes[2]
    _pay_interest_monthly(okafor, through=date(2007, 1, 31), method="check", ref="ATS-CHK")
    payment_record(
        note=okafor, paid_on=date(2007, 3, 1), amount=Decimal("25000.00"),
        applies_to="principal", method="check", reference="ATS-CHK-P-0301",
        holder_consent_reference="Letter of consent from Daniel R. Okafor dated 2007-02-20 (§4)",
        idempotency_key="demo-ATS06-003-prepayment",
    )
    last_paid = {
        "ATS06-002": date(2007, 12, 31),  # Sonoma Valley elects to convert on 2008-01-15
        "ATS06-008": date(2007, 9, 30),  # Lone Star's interest unpaid since October 2007
        "ATS06-009": date(2007, 11, 30),  # Priya Natarajan is repaid on 2007-12-31
    }
    for note in ats_notes:
        # The others pay every month until the $5.11M PIPE converts them on 2008-05-30.
        through = last_paid.get(note.number, date(2008, 4, 30))
        _pay_interest_monthly(note, through=through, method="check", ref="ATS-CHK")
    _payoff(ats_notes[8], on=date(2007, 12, 31), ref="ATS-CHK-9",
            consent="Prepayment agreed in writing by Priya Natarajan, 2007-12-10 (§4)")
    lone_star = ats_notes[7]
    if not lone_star.default_events.exists():
        # October 2007's interest, due 2007-11-15, went unpaid: Lone Star's written notice
        # of the default was handed to the Company on 2007-11-20 and never cured (§3(i)).
        default_event_record(
            note=lone_star, kind="payment_default_notice", date=date(2007, 11, 20),
            delivery_method="personal",
            description="Letter from Lone Star Venture Holdings: October interest unpaid.",
        )
    for note in rls_notes:
        # Beaufort Coastal has not paid September or October 2026.
        through = date(2026, 8, 31) if note.number == "RLS26-003" else date(2026, 10, 31)
        _pay_interest_monthly(note, through=through, method="wire", ref="RLS-WIRE")
    demo_conversions_load(ats_notes, rls_notes)
    # Conversions are carried out once the offerings commit; their cash after them.
    transaction.on_commit(demo_cash_in_lieu_load)
    if not ServicingRun.objects.filter(trigger="demo").exists():
        transaction.on_commit(
            lambda: servicing_run_start(as_of=timezone.localdate(), trigger="demo")
        )


@transaction.atomic
def demo_cash_in_lieu_load() -> None:
    """The fractional shares of the 2006 conversions, paid by check within 10 days (§7)."""
    for conversion in Conversion.objects.filter(
        status=ConversionStatus.DONE, cash_in_lieu__gt=0, cash_payments__isnull=True,
        conversion_date__lt=date(2026, 1, 1),
    ).select_related("note"):
        cash_in_lieu_payment_record(
            conversion=conversion,
            paid_on=conversion.conversion_date + timedelta(days=7),
            amount=conversion.cash_in_lieu,
            method="check",
            reference=f"ATS-CIL-{conversion.note.number}",
        )


@transaction.atomic
def demo_notices_load() -> int:
    """The letters of the register's history, as the daily job made them, mailed on time.

    Month by month — and on the days an offering closed or a conversion was
    made — every notice due is made as of that day and its print run mailed
    the same day: the statements of the month just ended, the §6.1 notices of
    the $3.5M PIPE, the §6.2 and cash-in-lieu notices after the $5.11M PIPE.
    The Redwood series' §6.1 notices of 2026-11-02 are left for the job: not
    mailed, they are the overdue item on the deadline page. Returns how many
    letters were made.
    """
    # (A transfer's refusal letter is made on its own as soon as it is recorded.)
    if Notice.objects.filter(kind=NoticeKind.INTEREST_STATEMENT).exists():
        return 0
    today = timezone.localdate()
    # The statements the letters are made from (the servicing run makes the same ones,
    # whichever of the two comes first).
    ids = Note.objects.aggregate(low=Min("id"), high=Max("id"))
    statements_generate(id_from=ids["low"], id_to=ids["high"], as_of=today, run_id=None)
    days = {date(2007, 11, 19), date(2008, 1, 16), date(2008, 6, 2)}
    for start, end in ((date(2006, 8, 1), date(2008, 6, 1)), (date(2026, 2, 1), today)):
        day = start
        while day <= end:
            days.add(day)
            day = add_months(day, 1)
    made = 0
    for day in sorted(days):
        due = [
            (kind, source)
            for kind, source, _note in notices_due(as_of=day)
            # Redwood's §6.1 notices are the demo's overdue item.
            if not (kind == NoticeKind.QUALIFIED_OFFERING and day >= date(2026, 11, 1))
        ]
        if not due:
            continue
        letters = notices_store(drafts_for(due, day), email=False)
        made += len(letters)
        mailed = [n.pk for n in letters if n.direction == Direction.SENT]
        if mailed:
            notices_deposit(notices=mailed, deposited_on=day)
    return made


# --- Transfers (§10) -------------------------------------------------------------------


def _demo_pdf(title: str, lines: list[str]):
    """A short letter as a PDF upload, as a scan of the received document would be."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from weasyprint import HTML  # loads Pango on first use

    body = "".join(f"<p>{line}</p>" for line in lines)
    pdf = HTML(string=f"<h1>{title}</h1>{body}").write_pdf()
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", pdf)


def demo_transfers_load(ats_notes: list[Note], ats_holders: list[Holder]) -> None:
    """One transfer approved and one refused in the 2006 series (§10), once.

    ATS06-004 passes to another holder of the series from 2007-03-01, with the
    restrictive legend; its payments, letters and Form 1099 figures from that
    day go to the new holder. A request for ATS06-006 is refused because the
    opinion of counsel did not cover state law; the holder gets a letter.
    """
    from notes.models import Transfer

    approved_note, refused_note = ats_notes[3], ats_notes[5]
    if not Transfer.objects.filter(note=approved_note).exists():
        seller, buyer = approved_note.holder, ats_holders[6]
        transfer = transfer_request(
            note=approved_note,
            transferee=buyer,
            manner="Private sale of the whole Note for cash",
            notice_received_on=date(2007, 2, 20),
            opinion_received_on=date(2007, 2, 26),
            notice_document=document_store(
                upload=_demo_pdf("Notice of transfer", [
                    f"{seller.name} gives notice under Section 10 of the Note "
                    f"{approved_note.number} of its proposed sale to {buyer.name}.",
                ]),
                field="notice_document",
            ),
            opinion_document=document_store(
                upload=_demo_pdf("Opinion of counsel", [
                    "In our opinion the sale may be effected without registration or "
                    "qualification under the Securities Act of 1933 or state law.",
                ]),
                field="opinion_document",
            ),
        )
        transfer_approve(
            transfer=transfer, effective_date=date(2007, 3, 1), decided_on=date(2007, 2, 28)
        )
    if not Transfer.objects.filter(note=refused_note).exists():
        transfer = transfer_request(
            note=refused_note,
            transferee=ats_holders[4],
            manner="Gift to a family trust",
            notice_received_on=date(2007, 6, 4),
            opinion_received_on=date(2007, 6, 8),
        )
        transfer_refuse(
            transfer=transfer,
            decided_on=date(2007, 6, 15),
            reason=(
                "The opinion of counsel does not address the securities laws of the "
                "transferee's state; it is not reasonably satisfactory to the Company."
            ),
        )
        # The refusal letter is made once the refusal commits; it was mailed that day.
        transaction.on_commit(demo_transfer_letters_mail)


def demo_transfer_letters_mail() -> None:
    """Deposit the refusal letters of the demo's transfers on their date, as the register did."""
    for letter in Notice.objects.filter(
        kind=NoticeKind.TRANSFER_REFUSAL, sent_on__isnull=True
    ).order_by("notice_date", "id"):
        notices_deposit(notices=[letter.pk], deposited_on=letter.notice_date)


def _offering(issuer, *, closing: date, gross: str, sales: list[tuple[int, str]], what: str):
    existing = Offering.objects.filter(issuer=issuer, closing_date=closing).first()
    return existing or offering_record(
        issuer=issuer, kind="pipe", closing_date=closing, gross_proceeds=Decimal(gross),
        sales=[{"shares": n, "price_per_share": Decimal(p)} for n, p in sales],
        description=what,
        # The register's history happened: it is not held for four-eyes approval.
        needs_approval=False,
    )


def demo_conversions_load(ats_notes: list[Note], rls_notes: list[Note]) -> None:
    """The 2006 story's end: a $3.5M PIPE opens the voluntary window, one holder elects,
    then a $5.11M PIPE converts every note still outstanding. The 2026 series has a
    $3.2M PIPE this month, so its §6.1 notices are due now."""
    ats = ats_notes[0].series.issuer
    voluntary = _offering(
        ats, closing=date(2007, 11, 16), gross="3500000.00", sales=[(1_400_000, "2.50")],
        what="Private placement of Common Stock (PIPE), first closing",
    )
    sonoma = ats_notes[1]
    if not Conversion.objects.filter(note=sonoma).exists():
        election_record(
            note=sonoma, offering=voluntary, received_on=date(2008, 1, 15),
            certificate_names="Sonoma Valley Capital Partners, L.P.",
            address="145 W Napa St, Suite 200, Sonoma, CA 95476", tax_id="68-0412297",
        )
    _offering(
        ats, closing=date(2008, 5, 30), gross="5110000.00",
        sales=[(150_000, "2.00"), (200_000, "2.50"), (100_000, "3.10"), (1_000_000, "4.00")],
        what="Private placement of Common Stock (PIPE), second closing",
    )
    _offering(
        rls_notes[0].series.issuer, closing=date(2026, 11, 2), gross="3200000.00",
        sales=[(800_000, "4.00")], what="Series A PIPE, initial closing",
    )


@transaction.atomic
def demo_load(*, with_letters: bool = True) -> dict[str, int]:
    """Load the demo register; returns counts of what exists afterwards.

    Args:
        with_letters: also make the register's letters (a few hundred PDFs),
            once the register is committed and stated.
    """
    ats = Issuer.objects.filter(name="American TonerServ Corp.").first() or issuer_create(
        name="American TonerServ Corp.",
        state_of_incorporation="Delaware",
        principal_office_address=ATS_OFFICE,
        copy_to_address=ATS_COPY_TO,
    )
    ats_series = _series(ats, "10% Convertible Promissory Notes, July 2006", date(2006, 7, 14))
    ats_holders = [_holder(h, date(2006, 7, 1)) for h in ATS_HOLDERS]
    ats_notes = _notes(ats_series, "ATS06", ats_holders, ATS_NOTES)
    demo_transfers_load(ats_notes, ats_holders)

    rls = Issuer.objects.filter(name="Redwood Ledger Systems, Inc.").first() or issuer_create(
        name="Redwood Ledger Systems, Inc.",
        state_of_incorporation="Delaware",
        principal_office_address=RLS_OFFICE,
        copy_to_address=RLS_COPY_TO,
    )
    rls_series = _series(rls, "10% Convertible Promissory Notes, 2026", date(2026, 1, 15))
    rls_holders = [_holder(h, date(2026, 1, 1)) for h in RLS_HOLDERS] + [ats_holders[0]]
    rls_notes = _notes(rls_series, "RLS26", rls_holders, RLS_NOTES)
    demo_servicing_load(ats_notes, rls_notes)
    demo_amendments_load(ats_series, ats_holders)
    if with_letters:
        transaction.on_commit(demo_notices_load)

    return {
        "issuers": Issuer.objects.count(),
        "series": NoteSeries.objects.count(),
        "holders": Holder.objects.count(),
        "notes": Note.objects.count(),
        "payments": Payment.objects.count(),
    }


# --- Amendments (§9): a 2007 amendment of the 2006 series --------------------------------

# The Company consented on 2007-05-29; then, in order, the written consents of Daniel
# Okafor (75,000 after his 25,000 prepayment of 2007-03-01), Great Lakes (750,000) and
# Sonoma Valley (1,000,000): 1,825,000 of the 3,250,000 outstanding, 56.15%, so the
# third consent carried it over 50% and it took effect on 2007-06-18. Brennan's came
# after. The notice job tells every holder with the month's letters.
ATS_AMENDMENT_TITLE = "Amendment No. 1: notices also by e-mail (§12)"
ATS_AMENDMENT_CONSENTS = [
    ("Daniel R. Okafor", date(2007, 6, 4)),
    ("Great Lakes Opportunity Fund LLC", date(2007, 6, 11)),
    ("Sonoma Valley Capital Partners, L.P.", date(2007, 6, 18)),
    ("Thomas J. Brennan", date(2007, 6, 25)),
]


def demo_amendments_load(series: NoteSeries, holders: list[Holder]) -> None:
    """The 2007 amendment of the 2006 series and its written consents (idempotent)."""
    if Amendment.objects.filter(series=series, title=ATS_AMENDMENT_TITLE).exists():
        return
    amendment = amendment_propose(
        series=series,
        kind="amendment",
        title=ATS_AMENDMENT_TITLE,
        summary=(
            "Section 12 is amended so that any notice the Company gives a Holder is also sent "
            "by e-mail to the address the Holder gives in writing. Delivery by personal "
            "delivery or United States mail, and the date a notice is deemed given, are "
            "unchanged."
        ),
        issuer_consented_on=date(2007, 5, 29),
    )
    by_name = {h.name: h for h in holders}
    for name, day in ATS_AMENDMENT_CONSENTS:
        amendment_holder_consent_record(
            amendment=amendment, holder=by_name[name], consented_on=day,
            reference=f"Written consent dated {day:%B} {day.day}, {day.year}",
        )


DEMO_PASSWORD = "notedesk-demo"
DEMO_USERS = [
    # username, role, display name
    ("finance", FINANCE_GROUP, "Fiona Finance"),
    ("auditor", AUDITOR_GROUP, "Arthur Auditor"),
    ("holder", "holder", "Margaret A. Keller"),
    ("admin", "admin", "Ada Admin"),
]


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """Create the demo logins if missing; returns (username, password, role)."""
    roles_ensure()
    User = get_user_model()
    created = []
    for username, role, full_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.rpartition(" ")
            user = User(username=username, first_name=first, last_name=last)
            user.set_password(DEMO_PASSWORD)
            if role == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
            if role in (FINANCE_GROUP, AUDITOR_GROUP):
                user.groups.add(Group.objects.get(name=role))
        if role == "holder":
            holder = Holder.objects.filter(name=full_name).first()
            if holder is not None and not HolderLogin.objects.filter(user=user).exists():
                HolderLogin.objects.create(holder=holder, user=user)
        created.append((username, DEMO_PASSWORD, role))
    return created
