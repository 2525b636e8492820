"""`{% holder_people holder %}`: the holder page's "who signs in" section.

The holders app sits below this one and never imports it; its page loads this tag.
"""

from django import template
from django.conf import settings

from accounts.selectors import holder_people
from core.permissions import is_finance

register = template.Library()


@register.inclusion_tag("accounts/_holder_people.html", takes_context=True, name="holder_people")
def holder_people_section(context, holder):
    request = context["request"]
    return {
        "holder": holder,
        "people": holder_people(holder),
        "can_write": is_finance(request.user),
        "request": request,
        "valid_days": f"{settings.HOLDER_INVITATION_VALID_DAYS} days",
    }
