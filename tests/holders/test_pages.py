"""The holder register's pages: the list, a holder's page, and Finance's forms.

Finance adds and edits holders and records moves; Auditors read (403 on any
write); a holder's login goes to the portal; anonymous visitors to the login.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from holders.models import Holder, HolderAddress, HolderLogin
from holders.selectors import holder_for_user, portal_login_choices
from holders.services import KEEP, holder_address_add, holder_login_link, holder_update
from notes.services.payments import payment_record
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _text(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())


def _summary(page) -> str:
    """Every error summary of the page (a form and its address form), as text."""
    found = re.findall(r'<div class="form-errors" role="alert"[^>]*>(.*?)</div>',
                       page.content.decode(), re.S)
    assert found, "no error summary"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", " ".join(found))).split())
    return text.replace(" :", ":")


def _key(page, name="idempotency_key") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page.content.decode())
    assert match, f"no {name} on the page"
    return match.group(1)


def _holder_post(key, **overrides):
    data = {
        "name": "Lone Star Capital LP",
        "kind": "entity",
        "email": "notes@lonestar.example",
        "tax_id": "12-3456789",
        "idempotency_key": key,
        "address-line1": "100 Congress Ave",
        "address-line2": "",
        "address-city": "Austin",
        "address-region": "TX",
        "address-postal_code": "78701",
        "address-country": "US",
        "address-effective_from": "2006-01-01",
    }
    data.update(overrides)
    return data


# --- The list ------------------------------------------------------------------------------


def test_the_list_searches_names_and_emails_filters_kinds_and_pages(
    client, auditor_user, django_assert_max_num_queries, monkeypatch
):
    from holders import views

    HolderFactory(name="Margaret Keller", email="mk@example.com", kind="person")
    HolderFactory(name="Lone Star Capital LP", email="desk@lonestar.example", kind="entity")
    HolderFactory(name="Zed Person", email="zed@example.com", kind="person")
    client.force_login(auditor_user)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("holders:list"))
    assert page.status_code == 200
    text = _text(page)
    assert "Margaret Keller" in text and "Lone Star Capital LP" in text
    assert "***-**-6789" in text and "123-45-6789" not in text
    assert "Add a holder" not in text  # Auditors read
    by_email = _text(client.get(reverse("holders:list"), {"q": "LONESTAR"}))
    assert "Lone Star Capital LP" in by_email and "Margaret Keller" not in by_email
    entities = _text(client.get(reverse("holders:list"), {"kind": "entity"}))
    assert "Lone Star Capital LP" in entities and "Zed Person" not in entities
    monkeypatch.setattr(views, "HOLDERS_PER_PAGE", 2)
    second = _text(client.get(reverse("holders:list"), {"page": 2}))
    assert "Page 2 of 2" in second and "Zed Person" in second


def test_the_list_query_count_does_not_grow_with_holders(
    client, auditor_user, django_assert_max_num_queries
):
    for _ in range(30):
        HolderFactory()
    client.force_login(auditor_user)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("holders:list")).status_code == 200


# --- A holder's page -----------------------------------------------------------------------


def test_the_holder_page_shows_notes_addresses_and_consents(
    client, auditor_user, django_assert_max_num_queries
):
    holder = HolderFactory(name="Margaret Keller")
    holder_address_add(holder=holder, effective_from=date(2008, 6, 1), line1="12 New Ave",
                       city="Petaluma", region="CA", postal_code="94952")
    note = NoteFactory(holder=holder, number="ATS06-001", issue_date=date(2006, 7, 20))
    NoteFactory(holder=holder, number="ATS06-002")
    payment_record(note=note, paid_on=date(2007, 1, 10), amount=D("50000.00"),
                   applies_to="principal", holder_consent_reference="Letter of 2007-01-05")
    client.force_login(auditor_user)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("holders:detail", args=[holder.pk]))
    assert page.status_code == 200
    text = _text(page)
    assert "ATS06-001" in text and "ATS06-002" in text
    assert "USD 200,000.00" in text  # ATS06-001's outstanding principal
    assert "Letter of 2007-01-05" in text
    assert text.index("2008-06-01") < text.index("2006-01-01")  # latest first
    assert "12 New Ave" in text and "1 Main St" in text
    assert "No notice to or from this holder yet." in text
    assert "Record a new address" not in text  # Auditors read


def test_the_holder_page_lists_the_notices_sent_to_the_holder(client, auditor_user, settings,
                                                              tmp_path,
                                                              django_capture_on_commit_callbacks):
    from notes.services import servicing
    from notices.services import job

    settings.MEDIA_ROOT = tmp_path / "media"
    note = NoteFactory(number="ATS06-001", issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        job.notice_run_start(as_of=date(2006, 9, 1))
    client.force_login(auditor_user)
    text = _text(client.get(reverse("holders:detail", args=[note.holder_id])))
    assert "Interest statement (§2)" in text


# --- Add a holder --------------------------------------------------------------------------


def test_finance_adds_a_holder_with_a_first_address_once(client, finance_user):
    client.force_login(finance_user)
    key = _key(client.get(reverse("holders:create")))
    first = client.post(reverse("holders:create"), _holder_post(key))
    holder = Holder.objects.get(name="Lone Star Capital LP")
    assert first.status_code == 302 and first.url == reverse("holders:detail", args=[holder.pk])
    assert holder.tax_id == "12-3456789"
    assert holder.addresses.get().city == "Austin"
    again = client.post(reverse("holders:create"), _holder_post(key), follow=True)
    assert Holder.objects.filter(name="Lone Star Capital LP").count() == 1
    assert "already recorded" in _text(again)
    page = _text(client.get(reverse("holders:detail", args=[holder.pk])))
    assert "**-***6789" in page and "12-3456789" not in page


def test_a_refused_holder_comes_back_with_the_summary_on_top_and_the_input_kept(
    client, finance_user
):
    client.force_login(finance_user)
    key = _key(client.get(reverse("holders:create")))
    page = client.post(reverse("holders:create"), _holder_post(
        key, name="", email="not-an-email", **{"address-city": "", "address-country": "USA"}))
    assert page.status_code == 200
    summary = _summary(page)
    assert "Name: This field is required." in summary
    assert "E-mail: Enter a valid email address." in summary
    assert "City: Needed for an address" in summary
    assert "Country: Ensure this value has at most 2 characters" in summary
    content = page.content.decode()
    assert content.index('class="form-errors"') < content.index('name="name"')
    assert 'value="not-an-email"' in content and 'value="100 Congress Ave"' in content
    assert Holder.objects.count() == 0


def test_a_holder_without_an_address_is_added(client, finance_user):
    client.force_login(finance_user)
    key = _key(client.get(reverse("holders:create")))
    data = _holder_post(key, **{f"address-{k}": "" for k in
                                ("line1", "city", "region", "postal_code")})
    assert client.post(reverse("holders:create"), data).status_code == 302
    assert not HolderAddress.objects.exists()


def test_a_staff_login_cannot_be_a_portal_login(finance_user, auditor_user, admin_user):
    from django.core.exceptions import ValidationError

    holder = HolderFactory()
    for staff in (finance_user, auditor_user, admin_user):
        with pytest.raises(ValidationError) as refused:
            holder_login_link(holder=holder, user=staff)
        assert "is a staff login" in str(refused.value)
    assert not HolderLogin.objects.exists()


def test_a_login_sees_one_holder_and_a_holder_has_several_people(holder_user,
                                                                 django_user_model):
    from django.core.exceptions import ValidationError

    user, holder = holder_user
    with pytest.raises(ValidationError) as refused:
        holder_login_link(holder=HolderFactory(), user=user)
    assert "already signs in for another holder" in str(refused.value)
    colleague = django_user_model.objects.create_user("treasurer", password="pw")
    holder_login_link(holder=holder, user=colleague)
    assert holder_login_link(holder=holder, user=colleague).user == colleague  # once
    assert set(holder.logins.values_list("user__username", flat=True)) == {
        "margaret", "treasurer"}
    assert holder_for_user(colleague) == holder == holder_for_user(user)


def test_the_portal_login_choices_leave_out_staff_and_other_holders(
    finance_user, auditor_user, holder_user, django_user_model
):
    free = django_user_model.objects.create_user("newholder", password="pw")
    user, holder = holder_user
    assert set(portal_login_choices()) == {free}
    assert set(portal_login_choices(holder)) == {free, user}


# --- Edit a holder -------------------------------------------------------------------------


def test_editing_keeps_the_tax_id_unless_a_new_one_is_typed(client, finance_user):
    holder = HolderFactory(name="M. Keller", tax_id="123-45-6789")
    client.force_login(finance_user)
    form = _text(client.get(reverse("holders:edit", args=[holder.pk])))
    assert "On record: ***-**-6789" in form and "123-45-6789" not in form
    url = reverse("holders:edit", args=[holder.pk])
    data = {"name": "Margaret Keller", "kind": "person", "email": "mk@example.com",
            "tax_id": ""}
    assert client.post(url, data).status_code == 302
    holder.refresh_from_db()
    assert (holder.name, holder.tax_id) == ("Margaret Keller", "123-45-6789")
    client.post(url, {**data, "tax_id": "987-65-4321"})
    holder.refresh_from_db()
    assert holder.tax_id == "987-65-4321"
    refused = client.post(url, {**data, "name": "", "kind": "robot"})
    assert refused.status_code == 200
    assert "Name: This field is required." in _summary(refused)
    assert "Kind: Select a valid choice." in _summary(refused)


def test_a_tax_id_recorded_in_error_can_be_removed_but_not_while_typing_a_new_one(
    client, finance_user
):
    holder = HolderFactory(name="M. Keller", tax_id="123-45-6789")
    client.force_login(finance_user)
    url = reverse("holders:edit", args=[holder.pk])
    data = {"name": "M. Keller", "kind": "person", "email": "", "tax_id": ""}
    both = client.post(url, {**data, "tax_id": "987-65-4321", "clear_tax_id": "on"})
    assert both.status_code == 200 and "not both" in _summary(both)
    holder.refresh_from_db()
    assert holder.tax_id == "123-45-6789"
    assert client.post(url, {**data, "clear_tax_id": "on"}).status_code == 302
    holder.refresh_from_db()
    assert not holder.tax_id and not holder.tax_id_masked
    # With none on record there is nothing to remove: the choice is not offered.
    assert "clear_tax_id" not in _text(client.get(url))


def test_holder_update_keeps_the_tax_id_by_default():
    holder = HolderFactory(tax_id="123-45-6789")
    holder_update(holder=holder, name="New Name", kind="entity", tax_id=KEEP)
    holder.refresh_from_db()
    assert (holder.name, holder.kind, holder.tax_id) == ("New Name", "entity", "123-45-6789")


# --- A move: a new address from its date ----------------------------------------------------


def test_a_move_is_a_new_address_and_the_history_stays(client, finance_user):
    holder = HolderFactory()
    client.force_login(finance_user)
    key = _key(client.get(reverse("holders:detail", args=[holder.pk])),
               name="address-idempotency_key")
    url = reverse("holders:address-add", args=[holder.pk])
    data = {"address-line1": "9 New Street", "address-line2": "", "address-city": "Napa",
            "address-region": "CA", "address-postal_code": "94559", "address-country": "us",
            "address-effective_from": "2007-03-01", "address-idempotency_key": key}
    assert client.post(url, data).status_code == 302
    client.post(url, data)  # a double click
    history = list(holder.addresses.order_by("effective_from").values_list("line1", "country"))
    assert history == [("1 Main St", "US"), ("9 New Street", "US")]
    assert holder.address_on(date(2007, 2, 28)).line1 == "1 Main St"


@pytest.mark.parametrize(
    ("day", "message"),
    [("2005-12-31", "address history is add-only"), ("2006-01-01", "already takes effect")],
)
def test_a_back_dated_or_same_day_address_is_refused(client, finance_user, day, message):
    holder = HolderFactory()
    client.force_login(finance_user)
    key = _key(client.get(reverse("holders:detail", args=[holder.pk])),
               name="address-idempotency_key")
    page = client.post(reverse("holders:address-add", args=[holder.pk]), {
        "address-line1": "9 New Street", "address-city": "Napa", "address-country": "US",
        "address-effective_from": day, "address-idempotency_key": key})
    assert page.status_code == 200
    assert message in _summary(page)
    assert 'value="9 New Street"' in page.content.decode()
    assert holder.addresses.count() == 1


# --- Who may do what -----------------------------------------------------------------------


def test_auditors_read_but_get_403_on_every_write(client, auditor_user):
    holder = HolderFactory()
    client.force_login(auditor_user)
    assert client.get(reverse("holders:detail", args=[holder.pk])).status_code == 200
    assert client.get(reverse("holders:create")).status_code == 403
    assert client.get(reverse("holders:edit", args=[holder.pk])).status_code == 403
    assert client.post(reverse("holders:create"), _holder_post("k")).status_code == 403
    assert client.post(reverse("holders:edit", args=[holder.pk]),
                       {"name": "X", "kind": "person"}).status_code == 403
    assert client.post(reverse("holders:address-add", args=[holder.pk]),
                       {"address-line1": "x"}).status_code == 403
    holder.refresh_from_db()
    assert holder.name != "X" and Holder.objects.count() == 1


def test_holders_go_to_the_portal_and_anonymous_visitors_to_login(client, holder_user):
    holder = HolderFactory()
    urls = [reverse("holders:list"), reverse("holders:create"),
            reverse("holders:detail", args=[holder.pk]),
            reverse("holders:edit", args=[holder.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.post(reverse("holders:address-add", args=[holder.pk])).url.startswith("/login/")
    client.force_login(holder_user[0])
    for url in urls:
        assert client.get(url).url == reverse("portal-home")
    assert client.post(reverse("holders:create"), _holder_post("k")).url == reverse("portal-home")
