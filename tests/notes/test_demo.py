import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from holders.models import Holder, HolderAddress
from notes.models import Issuer, Note, NoteSeries

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
    )


def test_demo_loader_is_idempotent(capsys):
    call_command("demo_load")
    first = _snapshot()
    call_command("demo_load")
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
    assert Holder.objects.get(user__username="holder").notes.exists()
