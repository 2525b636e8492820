"""Tax IDs are encrypted at rest and only ever shown masked."""

import pytest
from django.db import connection

from holders.models import Holder, mask_tax_id
from tests.factories import HolderFactory

pytestmark = pytest.mark.django_db


def test_raw_column_holds_no_plain_tax_id():
    holder = HolderFactory(tax_id="512-44-6781")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tax_id FROM holders_holder WHERE id = %s", [holder.pk])
        (raw,) = cursor.fetchone()
    assert raw
    assert "512-44-6781" not in raw
    assert "6781" not in raw
    assert Holder.objects.get(pk=holder.pk).tax_id == "512-44-6781"


def test_audit_events_do_not_copy_the_tax_id():
    holder = HolderFactory(tax_id="512-44-6781")
    event = Holder.pgh_event_model.objects.filter(pgh_obj_id=holder.pk).get()
    assert not hasattr(event, "tax_id")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("512-44-6781", "***-**-6781"), ("68-0412297", "**-***2297"), ("", ""), ("12", "12")],
)
def test_masking_shows_only_the_last_four(raw, masked):
    assert mask_tax_id(raw) == masked


def test_admin_never_renders_the_raw_tax_id(client, admin_user):
    holder = HolderFactory(tax_id="512-44-6781")
    client.force_login(admin_user)
    for url in ["/admin/holders/holder/", f"/admin/holders/holder/{holder.pk}/change/"]:
        page = client.get(url)
        assert page.status_code == 200
        assert b"512-44-6781" not in page.content
        assert b"***-**-6781" in page.content


def test_admin_can_replace_the_tax_id_without_seeing_it(client, admin_user):
    holder = HolderFactory(tax_id="512-44-6781")
    client.force_login(admin_user)
    data = {
        "name": holder.name, "kind": "person", "email": holder.email,
        "new_tax_id": "999-88-7777",
        "logins-TOTAL_FORMS": "0", "logins-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0", "addresses-INITIAL_FORMS": "0",
        "notes-TOTAL_FORMS": "0", "notes-INITIAL_FORMS": "0",
    }
    page = client.post(f"/admin/holders/holder/{holder.pk}/change/", data)
    assert page.status_code == 302, page.content[:2000]
    holder.refresh_from_db()
    assert holder.tax_id == "999-88-7777"
    # Leaving it blank keeps the one on record.
    data["new_tax_id"] = ""
    client.post(f"/admin/holders/holder/{holder.pk}/change/", data)
    holder.refresh_from_db()
    assert holder.tax_id == "999-88-7777"


def test_a_holder_may_be_recorded_without_a_tax_id():
    from holders.services import holder_create

    holder = holder_create(name="No Tax ID Ltd.", kind="entity")
    holder.refresh_from_db()
    assert holder.tax_id_masked == ""
