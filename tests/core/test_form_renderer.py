"""Forms render the same through `core.form_renderer` as through the template language.

The pages with the most forms — a note's page with its payment, event-of-default and
stop-transfer forms (also refused, with their errors), the notes list's filter, the
admin's pages with their own widgets — rendered both ways: the same markup but for
the blank lines between a select's options (and, in what people type, the entity a
quote becomes).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notes.models import Issuer, NoteSeries
from notes.services.defaults import default_event_record
from tests.factories import NoteFactory

TEMPLATE_LANGUAGE = "django.forms.renderers.DjangoTemplates"
_TOKENS = re.compile(
    r'((?:name="[\w-]*(?:csrfmiddlewaretoken|idempotency_key)" value=|"X-CSRFToken": )")[^"]*"'
)


def _markup(response) -> str:
    html = _TOKENS.sub(r'\1"', response.content.decode())
    return "\n".join(line for line in html.splitlines() if line.strip())


def _both_ways(client, method: str, url: str, data=None) -> tuple[str, str]:
    send = getattr(client, method)
    ours = send(url, data) if data else send(url)
    with override_settings(FORM_RENDERER=TEMPLATE_LANGUAGE):
        theirs = send(url, data) if data else send(url)
    assert ours.status_code == theirs.status_code
    return _markup(ours), _markup(theirs)


def test_the_renderer_is_the_projects():
    from django.forms.renderers import get_default_renderer

    from core.form_renderer import FormRenderer

    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.fixture
def note(db):
    note = NoteFactory(principal=Decimal("250000.00"),
                       issue_date=timezone.localdate() - timedelta(days=90))
    # A proceeding not yet resolved: the event form offers it in its "resolves" choice.
    default_event_record(note=note, kind="involuntary_proceeding",
                         date=timezone.localdate() - timedelta(days=5))
    return note


def test_a_note_page_and_its_forms(client, finance_user, note):
    client.force_login(finance_user)
    ours, theirs = _both_ways(client, "get", reverse("note-detail", args=[note.pk]))
    assert 'name="amount"' in ours and 'name="default-kind"' in ours and "<select" in ours
    assert ours == theirs


def test_a_refused_payment_form_with_its_errors(client, finance_user, note):
    client.force_login(finance_user)
    url = reverse("note-payment-preview", args=[note.pk])
    ours, theirs = _both_ways(client, "post", url, {"amount": "-1", "paid_on": "not a day"})
    assert "errorlist" in ours
    assert ours == theirs


def test_the_notes_list_filter(client, finance_user, note):
    client.force_login(finance_user)
    ours, theirs = _both_ways(client, "get", reverse("notes-list"))
    assert 'name="series"' in ours
    assert ours == theirs


@pytest.mark.parametrize("model", [Issuer, NoteSeries])
def test_the_admins_own_widgets(client, admin_user, note, model):
    client.force_login(admin_user)
    meta = model._meta
    obj = {Issuer: note.series.issuer, NoteSeries: note.series}[model]
    add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    ours, theirs = _both_ways(client, "get", add)
    assert "related-widget-wrapper" in ours or "vDateField" in ours  # the admin's own widgets
    assert ours == theirs
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    ours, theirs = _both_ways(client, "get", change)
    assert ours == theirs


def test_what_people_type_is_escaped_the_same(db):
    """A hostile value comes back escaped both ways; the only difference is the entity a
    quote becomes (Jinja2's ``&#34;`` for Django's ``&quot;``, the same character)."""
    import html

    from django.forms.renderers import DjangoTemplates

    from core.form_renderer import FormRenderer
    from notes.forms import PaymentForm

    data = {"reference": "\"'><script>alert(1)</script>&", "amount": "<b>", "paid_on": "x",
            "applies_to": "interest", "method": "check"}
    ours = PaymentForm(data, renderer=FormRenderer())
    theirs = PaymentForm(data, renderer=DjangoTemplates())
    assert not ours.is_valid() and not theirs.is_valid()
    rendered = {}
    for name, form in (("ours", ours), ("theirs", theirs)):
        markup = _TOKENS.sub(r'\1"', str(form.as_div()).replace(form.idempotency_key, "KEY"))
        assert "<script>" not in markup and "<b>" not in markup
        rendered[name] = [html.unescape(line) for line in markup.splitlines() if line.strip()]
    assert rendered["ours"] == rendered["theirs"]
