"""Pending actions on other apps' pages: the dashboard panel and a record's own actions.

Inclusion tags, so a page shows what awaits approval with one line of template
and no change to its view.
"""

from django import template

from approvals.selectors import pending_actions_open, pending_actions_touching
from approvals.services import four_eyes_required

register = template.Library()


@register.inclusion_tag("approvals/_pending_panel.html", takes_context=True)
def pending_actions_panel(context, limit: int = 10):
    """The dashboard's section: every action awaiting a second Finance user."""
    actions = list(pending_actions_open()[: limit + 1])
    return {
        "actions": actions[:limit],
        "more": len(actions) > limit,
        "user": context.get("user"),
        "title": "Awaiting approval (four eyes)",
        # A small section: shown only when something waits.
        "show_empty": False,
    }


@register.inclusion_tag("approvals/_pending_panel.html", takes_context=True)
def pending_actions_on(context, note=None, offering=None):
    """A record's page: the actions that would change it, if any."""
    actions = pending_actions_touching(
        note_id=getattr(note, "pk", None), offering_id=getattr(offering, "pk", None)
    )
    return {
        "actions": actions,
        "more": False,
        "user": context.get("user"),
        "title": "Awaiting approval — not yet in effect",
        "show_empty": False,
    }


@register.simple_tag
def four_eyes_on() -> bool:
    """Whether irreversible actions wait for a second Finance user (for a form's wording)."""
    return four_eyes_required()
