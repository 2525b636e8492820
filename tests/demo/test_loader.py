from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from amendments.models import Amendment
from amendments.selectors import amendment_tally_get
from holders.models import Holder, HolderAddress
from notes.models import InterestStatement, Issuer, Note, NoteSeries, Payment, ServicingRun
from offerings.models import Conversion, NoticeObligation, Offering

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Issuer.objects.values_list("name", flat=True).order_by("name")),
        list(NoteSeries.objects.values_list("name", "agreement_date").order_by("name")),
        list(Holder.objects.values_list("name", "kind").order_by("name")),
        HolderAddress.objects.count(),
        list(Note.objects.values_list("number", "principal", "issue_date").order_by("number")),
        get_user_model().objects.count(),
        Note.pgh_event_model.objects.count(),
        Payment.objects.count(),
        InterestStatement.objects.count(),
        ServicingRun.objects.count(),
        list(Conversion.objects.values_list("note__number", "shares", "cash_in_lieu")),
        Offering.objects.count(),
    )


def test_demo_loader_is_idempotent(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-letters")
    first = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-letters")
    assert _snapshot() == first
    out = capsys.readouterr().out
    assert "finance" in out and "auditor" in out and "holder" in out and "admin" in out


def test_demo_register_matches_the_contract():
    call_command("demo_load", "--no-users")
    ats = Issuer.objects.get(name="American TonerServ Corp.")
    assert "475 Aviation Blvd, Suite 100" in ats.principal_office_address
    assert "600 Bicentennial Way" in ats.copy_to_address
    series = ats.series.get()
    assert series.agreement_date.year == 2006 and series.agreement_date.month == 7
    notes = Note.objects.filter(series=series)
    assert notes.count() >= 8
    assert {n.issue_date.month for n in notes} == {7}
    assert len({n.issue_date for n in notes}) >= 6
    assert len({n.principal.amount for n in notes}) == notes.count()
    holders = Holder.objects.filter(notes__series=series).distinct()
    assert {"person", "entity"} <= set(holders.values_list("kind", flat=True))
    assert HolderAddress.objects.filter(holder__in=holders).values("region").distinct().count() >= 6
    live = NoteSeries.objects.exclude(pk=series.pk).get()
    assert live.notes.filter(issue_date__year=2026).exists()


def test_demo_logins_have_their_roles():
    call_command("demo_load")
    users = get_user_model().objects
    assert users.get(username="finance").groups.filter(name="Finance").exists()
    assert users.get(username="auditor").groups.filter(name="Auditor").exists()
    assert users.get(username="admin").is_superuser
    assert Holder.objects.get(logins__user__username="holder").notes.exists()


def test_demo_tells_the_2006_story_to_its_end(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-users", "--no-letters")
    ats = Note.objects.filter(series__issuer__name="American TonerServ Corp.")
    assert set(ats.values_list("status", flat=True)) == {"converted", "repaid"}
    elected = Conversion.objects.get(trigger="voluntary")
    assert (elected.note.number, str(elected.conversion_price)) == ("ATS06-002", "2.500000")
    automatic = Conversion.objects.filter(trigger="qualified_offering")
    assert automatic.count() == 7
    assert {str(c.conversion_price) for c in automatic} == {"2.412451"}
    # Statements stop at each conversion: nothing after May 2008 for the 2006 series.
    latest = InterestStatement.objects.filter(note__in=ats).order_by("-period_start").first()
    assert latest.period_start == date(2008, 4, 1)
    # The 2026 series is live: §6.1 notices are due this month, some interest is past due.
    live = NoticeObligation.objects.filter(note__series__issuer__name__startswith="Redwood")
    assert live.count() == 5  # four holders, and Margaret A. Keller's second note
    assert ServicingRun.objects.get(trigger="demo").past_due_statements > 0


def test_demo_letters_deadlines_and_defaults(django_capture_on_commit_callbacks):
    """Issue 9's story: statement letters mailed monthly, §6.1 notices of the $3.5M PIPE
    on time, §6.2 notices after the $5.11M PIPE, Lone Star's uncured payment default, and
    the Redwood series' §6.1 notices overdue."""
    from django.utils import timezone

    from deadlines.selectors import deadline_list
    from notices.models import Notice

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-users")
    letters = Notice.objects.all()
    assert letters.filter(kind="interest_statement").count() == InterestStatement.objects.count()
    assert not letters.filter(direction="sent", sent_on__isnull=True).exists()
    ats_six_one = letters.filter(kind="qualified_offering", note__number__startswith="ATS")
    assert ats_six_one.count() == 9
    assert all(n.sent_on <= n.obligation.due_by for n in ats_six_one)
    assert letters.filter(kind="automatic_conversion").count() == 7
    assert letters.filter(kind="payment_default", note__number="ATS06-008").count() == 1
    today = timezone.localdate()
    missed = deadline_list(as_of=today, states=["missed"])
    by_kind = {}
    for deadline in missed:
        by_kind.setdefault(deadline.kind, set()).add(deadline.note_number)
    assert by_kind["cure_period"] == {"ATS06-008"}
    assert by_kind["qualified_offering_notice"] == {
        "RLS26-001", "RLS26-002", "RLS26-003", "RLS26-004", "RLS26-005"
    }
    assert "cash_in_lieu" not in by_kind  # paid by check within the 10 days
    assert by_kind["interest_due"] == {"ATS06-008", "RLS26-003"}
    # Loading again makes no letter twice.
    count = letters.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-users")
    assert Notice.objects.count() == count



def test_demo_amendment_took_effect_with_its_third_consent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-users", "--no-letters")
    amendment = Amendment.objects.get(series__issuer__name="American TonerServ Corp.")
    assert amendment.created_at is not None and amendment.issuer_consented_on.year == 2007
    tally = amendment_tally_get(amendment=amendment)
    rows = [line.row for line in tally.lines]
    assert len(rows) >= 3
    # The first two consents stay at or under half; the third carries it over.
    assert [row.passed for row in rows[:3]] == [False, False, True]
    assert [row.first_passed for row in rows].index(True) == 2
    third = tally.lines[2]
    assert amendment.effective_on == third.consent.consented_on == tally.passed_on
    assert amendment.effective_on >= amendment.issuer_consented_on
    assert amendment.effective_on.year == 2007
    # Daniel Okafor's principal prepaid in March 2007 weighs what was left of his note.
    okafor = next(line for line in tally.lines if line.consent.holder.name == "Daniel R. Okafor")
    prepaid = Payment.objects.filter(
        note__holder__name="Daniel R. Okafor", applies_to="principal",
        paid_on__lte=okafor.consent.consented_on,
    ).aggregate(total=Sum("amount"))["total"]
    assert prepaid > 0
    assert okafor.row.holder_principal == Note.objects.get(
        holder__name="Daniel R. Okafor"
    ).principal.amount - prepaid
    assert rows[2].consenting_principal * 2 > rows[2].outstanding_principal
    assert rows[1].consenting_principal * 2 <= rows[1].outstanding_principal


def test_demo_transfers_a_2006_note_between_holders_with_its_legend_and_chain(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    from notes.models import Transfer, TransferDecision
    from notes.selectors import note_holder_on, note_register_chain
    from notices.models import Notice, NoticeKind

    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-letters")
    note = Note.objects.get(number="ATS06-004")
    approved = Transfer.objects.get(note=note)
    assert approved.decision == TransferDecision.APPROVED
    assert approved.legend_required is True
    assert approved.notice_document.content_type == "application/pdf"
    assert approved.opinion_document.sha256 and approved.opinion_document.size > 0
    chain = note_register_chain(note)
    assert [h.holder for h in chain] == [approved.transferor, approved.transferee]
    assert chain[0].held_until == date(2007, 2, 28) and chain[1].held_from == date(2007, 3, 1)
    assert note.holder == approved.transferee
    assert note_holder_on(note, date(2007, 2, 28)) == approved.transferor
    # Both holders are holders of the 2006 series.
    series_holders = set(
        Note.objects.filter(series=note.series).exclude(pk=note.pk).values_list("holder", flat=True)
    )
    assert approved.transferee_id in series_holders
    refused = Transfer.objects.get(note__number="ATS06-006")
    assert refused.decision == TransferDecision.REFUSED
    letter = Notice.objects.get(transfer=refused, kind=NoticeKind.TRANSFER_REFUSAL)
    assert letter.holder == refused.transferor
    # Loading again records nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", "--no-letters")
    assert Transfer.objects.count() == 2
    assert Notice.objects.filter(kind=NoticeKind.TRANSFER_REFUSAL).count() == 1
