"""Pending actions on other apps' pages: the dashboard panel and a record's own actions.

Inclusion tags, so a page shows what awaits approval with one line of template
and no change to its view.
"""

from django import template

from approvals.selectors import pending_actions_open, pending_actions_touching

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
        "empty": "Nothing awaits approval.",
        "show_empty": True,
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
