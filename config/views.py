"""Project-wide views: the CSRF refusal page and the favicon."""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.template import loader
from django.templatetags.static import static
from django.views.generic import RedirectView


def csrf_failure(request, reason: str = ""):
    """A refused form post (CSRF) in the product's 403 page, DEBUG or not.

    Django's own page, in DEBUG, is a developer's checklist; staff and holders
    need to know what to do next.
    """
    message = (
        "This form could not be verified, usually because it was open too long or "
        f"you logged in again elsewhere ({reason}). Reload the page and try again."
    )
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render({"exception": message}, request))


class FaviconView(RedirectView):
    """`/favicon.ico`, asked for by browsers whatever the page says, points at the SVG icon."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")
