"""The register where other apps' pages show it (`{% load note_register %}`).

The holder page (holders app, below this one) includes these tags; its Python
never imports the notes app.
"""

from __future__ import annotations

from django import template

from notes import selectors

register = template.Library()


@register.inclusion_tag("notes/_holder_notes.html")
def holder_notes(holder):
    """The holder's notes with their outstanding principal, and the §4 consents on record."""
    return {
        "holder": holder,
        "notes": selectors.note_list_annotated().filter(holder=holder).order_by(
            "series__name", "number"
        ),
        "consents": selectors.holder_consent_payments(holder),
    }
