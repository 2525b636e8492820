"""Inviting a holder's people: the one-time link, its refusals, removal, the holder page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, WithdrawnReason
from holders.models import HolderLogin
from tests.accounts.conftest import invite, link_in_mail
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Granite-Lantern-42"


def _accept(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def _invite_post(client, holder, data):
    """Post the invitation form as a browser does: with the one-time key it was rendered with."""
    form = client.get(reverse("accounts:invite", args=[holder.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    return client.post(reverse("accounts:invite", args=[holder.pk]),
                       {**data, "idempotency_key": key})


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def entity():
    holder = HolderFactory(name="Lone Star Capital LP", kind="entity")
    NoteFactory(holder=holder, number="LSC-001")
    return holder


def test_finance_invites_from_the_holder_page_and_the_person_sets_a_password(
    client, finance_user, entity, outbox, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    page = client.get(reverse("holders:detail", args=[entity.pk]))
    assert "Invite a person" in _text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_post(
            client, entity,
            {"email": "Treasurer@LoneStar.example", "first_name": "Tess", "last_name": "Reyes"},
        )
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0].to == ["Treasurer@LoneStar.example"]
    assert "Lone Star Capital LP" in outbox[0].subject
    person = get_user_model().objects.get(username="treasurer@lonestar.example")
    assert not person.is_active and not person.has_usable_password()
    assert HolderLogin.objects.get(user=person).holder == entity
    invitation = Invitation.objects.get(user=person)
    # Only the token's digest is stored: the link's token is nowhere in the database.
    token = link_in_mail(outbox[0]).split("/")[-2]
    assert token not in invitation.token_digest and len(invitation.token_digest) == 64
    holder_page = _text(client.get(reverse("holders:detail", args=[entity.pk])))
    assert "Tess Reyes" in holder_page and "Invitation pending" in holder_page

    client.logout()
    path = link_in_mail(outbox[0])
    form = client.get(path)
    assert form.status_code == 200
    assert 'value="treasurer@lonestar.example"' in form.content.decode()
    done = _accept(client, path)
    assert done.status_code == 302 and done.url == reverse("portal-home")
    # Signed in at once, and sees the holder's notes.
    home = client.get(reverse("portal-home"))
    assert "LSC-001" in _text(home)
    person.refresh_from_db()
    assert person.is_active and person.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    client.force_login(finance_user)
    holder_page = _text(client.get(reverse("holders:detail", args=[entity.pk])))
    assert "Has access" in holder_page
    assert f"{timezone.localtime(invitation.accepted_at):%Y-%m-%d %H:%M}" in holder_page


def test_a_used_link_is_refused(client, finance_user, entity):
    _, path = invite(entity, "cfo@lonestar.example", finance_user)
    assert _accept(client, path).status_code == 302
    client.logout()
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in _text(again)
    refused = _accept(client, path, "Another-Password-77")
    assert refused.status_code == 410
    person = get_user_model().objects.get(username="cfo@lonestar.example")
    assert person.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(client, finance_user, entity, settings):
    invitation, path = invite(entity, "cfo@lonestar.example", finance_user)
    assert invitation.expires_at - invitation.created_at == timedelta(
        days=settings.HOLDER_INVITATION_VALID_DAYS
    )
    past = timezone.now() - timedelta(days=8)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=past, expires_at=past + timedelta(days=7)
    )
    page = client.get(path)
    assert page.status_code == 410 and "expired" in _text(page)
    assert _accept(client, path).status_code == 410
    assert not get_user_model().objects.get(username="cfo@lonestar.example").is_active


def test_the_validity_is_a_setting(finance_user, entity, settings):
    settings.HOLDER_INVITATION_VALID_DAYS = 2
    invitation, _ = invite(entity, "cfo@lonestar.example", finance_user)
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_inviting_again_stops_the_old_link(
    client, finance_user, entity, outbox, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_post(client, entity, {"email": "cfo@lonestar.example"})
    old = link_in_mail(outbox[0])
    login = HolderLogin.objects.get(user__username="cfo@lonestar.example")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("accounts:reinvite", args=[entity.pk, login.pk]))
    assert again.status_code == 302
    new = link_in_mail(outbox[1])
    assert new != old
    client.logout()
    refused = client.get(old)
    assert refused.status_code == 410 and "newer invitation" in _text(refused)
    assert _accept(client, old).status_code == 410
    assert _accept(client, new).status_code == 302
    first, second = Invitation.objects.order_by("created_at", "id")
    assert first.withdrawn_reason == WithdrawnReason.REINVITED and first.accepted_at is None
    assert second.accepted_at is not None


def test_an_unknown_link_is_a_404(client):
    response = client.get("/account/invitation/not-a-real-token/")
    assert response.status_code == 404 and "not valid" in _text(response)


def test_a_weak_password_is_refused_next_to_the_field(client, finance_user, entity):
    _, path = invite(entity, "cfo@lonestar.example", finance_user)
    refused = _accept(client, path, "12345678")
    assert refused.status_code == 200
    assert "too common" in _text(refused) or "entirely numeric" in _text(refused)
    assert Invitation.objects.get().accepted_at is None


def test_an_entity_has_several_people_each_invited_separately(client, finance_user, entity):
    for email in ("cfo@lonestar.example", "counsel@lonestar.example"):
        _, path = invite(entity, email, finance_user)
        client.logout()
        assert _accept(client, path).status_code == 302
        assert "LSC-001" in _text(client.get(reverse("portal-home")))
    assert entity.logins.count() == 2


def test_auditors_see_who_has_access_but_cannot_invite_or_remove(
    client, finance_user, auditor_user, entity, outbox
):
    invite(entity, "cfo@lonestar.example", finance_user)
    login = HolderLogin.objects.get()
    client.force_login(auditor_user)
    page = _text(client.get(reverse("holders:detail", args=[entity.pk])))
    assert "cfo@lonestar.example" in page and "Invite a person" not in page
    assert "Remove access" not in page
    assert client.get(reverse("accounts:invite", args=[entity.pk])).status_code == 403
    assert client.post(
        reverse("accounts:invite", args=[entity.pk]), {"email": "x@lonestar.example"}
    ).status_code == 403
    assert client.post(reverse("accounts:reinvite", args=[entity.pk, login.pk])).status_code == 403
    assert client.post(reverse("accounts:remove", args=[entity.pk, login.pk])).status_code == 403
    assert Invitation.objects.count() == 1 and HolderLogin.objects.count() == 1


def test_holders_cannot_invite(client, holder_user):
    user, holder = holder_user
    client.force_login(user)
    response = client.post(reverse("accounts:invite", args=[holder.pk]), {"email": "a@b.example"})
    assert response.status_code in (302, 403)
    assert not Invitation.objects.exists()




def test_a_staff_address_cannot_be_invited(client, finance_user, entity, django_user_model):
    from tests.conftest import _user

    _user("auditor@issuer.example", "Auditor")
    client.force_login(finance_user)
    refused = _invite_post(client, entity, {"email": "auditor@issuer.example"})
    assert refused.status_code == 200
    assert "staff login" in _text(refused)
    assert not Invitation.objects.exists()


def test_removing_a_person_ends_their_sessions_now(client, finance_user, entity, outbox):
    from django.test import Client

    _, path = invite(entity, "cfo@lonestar.example", finance_user)
    person_browser = Client()
    assert _accept(person_browser, path).status_code == 302
    assert person_browser.get(reverse("portal-home")).status_code == 200
    person = get_user_model().objects.get(username="cfo@lonestar.example")
    login = HolderLogin.objects.get(user=person)

    client.force_login(finance_user)
    confirm = client.get(reverse("accounts:remove", args=[entity.pk, login.pk]))
    assert "signed out everywhere" in _text(confirm) or "signed out" in _text(confirm)
    assert client.post(reverse("accounts:remove", args=[entity.pk, login.pk])).status_code == 302
    assert not HolderLogin.objects.filter(pk=login.pk).exists()
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(person.pk) for s in Session.objects.all()
    )
    after = person_browser.get(reverse("portal-home"))
    assert after.status_code == 302 and after.url.startswith(reverse("login"))
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password()
    # And the password they had no longer signs in.
    assert not person_browser.login(username=person.username, password=NEW_PASSWORD)
    page = client.get(reverse("holders:detail", args=[entity.pk])).content.decode()
    assert f'id="person-{login.pk}"' not in page
    assert "Removed cfo@lonestar.example&#x27;s access" in page


def test_removing_withdraws_a_pending_link(client, finance_user, entity):
    _, path = invite(entity, "cfo@lonestar.example", finance_user)
    client.force_login(finance_user)
    login = HolderLogin.objects.get()
    client.post(reverse("accounts:remove", args=[entity.pk, login.pk]))
    client.logout()
    refused = client.get(path)
    assert refused.status_code == 410 and "withdrawn" in _text(refused)
    assert Invitation.objects.get().withdrawn_reason == WithdrawnReason.REMOVED


def test_a_removed_person_can_be_invited_again(client, finance_user, entity):
    _, path = invite(entity, "cfo@lonestar.example", finance_user)
    _accept(client, path)
    client.force_login(finance_user)
    client.post(reverse("accounts:remove", args=[entity.pk, HolderLogin.objects.get().pk]))
    _, again = invite(entity, "cfo@lonestar.example", finance_user)
    client.logout()
    assert _accept(client, again, "Fresh-Granite-99").status_code == 302
    assert "LSC-001" in _text(client.get(reverse("portal-home")))


def test_invitations_and_removals_are_in_the_audit_trail(client, finance_user, entity):
    from accounts.models import InvitationEvent
    from holders.models import HolderLoginEvent

    client.force_login(finance_user)
    _invite_post(client, entity, {"email": "cfo@lonestar.example"})
    login = HolderLogin.objects.get()
    client.post(reverse("accounts:remove", args=[entity.pk, login.pk]))
    made = InvitationEvent.objects.get(pgh_label="insert")
    assert made.pgh_context.metadata["user"] == finance_user.pk
    assert "token_digest" not in {f.name for f in InvitationEvent._meta.fields}
    removed = HolderLoginEvent.objects.get(pgh_label="delete", pgh_obj_id=login.pk)
    assert removed.pgh_context.metadata["user"] == finance_user.pk
    assert removed.holder_id == entity.pk


def test_an_address_of_another_holders_person_or_one_with_access_is_refused(
    finance_user, entity
):
    other = HolderFactory(name="Margaret A. Keller")
    _, path = invite(other, "mk@example.com", finance_user)
    from accounts.services import invitation_accept

    invitation_accept(token=path.split("/")[-2], password=NEW_PASSWORD)
    with pytest.raises(ValidationError) as elsewhere:
        invite(entity, "MK@example.com", finance_user)
    assert "already signs in for another holder" in str(elsewhere.value)
    with pytest.raises(ValidationError) as already:
        invite(other, "mk@example.com", finance_user)
    assert "already has access" in str(already.value)


def test_the_holders_list_counts_the_people_who_sign_in(client, auditor_user, finance_user,
                                                        entity):
    for email in ("cfo@lonestar.example", "counsel@lonestar.example"):
        invite(entity, email, finance_user)
    HolderFactory(name="Nobody Signs In LLC")
    client.force_login(auditor_user)
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r">([^<>]+)</a></td>.*?<td>([^<>]*)</td>\s*</tr>",
                             client.get(reverse("holders:list")).content.decode(), re.S)
    }
    assert rows["Lone Star Capital LP"].strip() == "2 people"
    assert rows["Nobody Signs In LLC"].strip() == "—"


def test_a_double_click_sends_one_invitation(client, finance_user, entity, outbox,
                                             django_capture_on_commit_callbacks):
    client.force_login(finance_user)
    form = client.get(reverse("accounts:invite", args=[entity.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    data = {"email": "cfo@lonestar.example", "idempotency_key": key}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("accounts:invite", args=[entity.pk]), data)
        second = client.post(reverse("accounts:invite", args=[entity.pk]), data, follow=True)
    assert first.status_code == 302
    assert "already recorded" in _text(second)
    assert Invitation.objects.count() == 1 and len(outbox) == 1
    # The one link sent still works.
    client.logout()
    assert _accept(client, link_in_mail(outbox[0])).status_code == 302


def test_an_invitation_without_its_one_time_key_is_refused(client, finance_user, entity):
    client.force_login(finance_user)
    refused = client.post(reverse("accounts:invite", args=[entity.pk]),
                          {"email": "cfo@lonestar.example"})
    assert refused.status_code == 200 and "one-time key" in _text(refused)
    assert not Invitation.objects.exists()
