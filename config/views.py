"""Project-wide views: the CSRF refusal page, the 404 answer and the favicon."""

from __future__ import annotations

from django.http import HttpResponseForbidden, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.views import defaults
from django.views.generic import RedirectView


def page_not_found(request, exception):
    """404: the product's page, or under `/api/` the API's JSON body (`{"detail": …}`).

    An API client asking for a path no route matches (`/api/v1/notes/abc/position/`)
    gets the same body as for a record that does not exist.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


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
