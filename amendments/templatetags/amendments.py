"""The dashboard's line on amendments in progress (§9): one inclusion tag, no view change."""

from django import template

from amendments.selectors import amendment_list

register = template.Library()


@register.inclusion_tag("amendments/_in_progress_panel.html")
def amendments_in_progress_panel(limit: int = 5):
    waiting = list(amendment_list().filter(effective_on__isnull=True)[: limit + 1])
    return {"amendments": waiting[:limit], "more": len(waiting) > limit}
