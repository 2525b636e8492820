"""The product's URLs plus `/bench/bare/`, served only under `config.settings.bench`."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def bare(request):
    """A view that does nothing: the floor a page is compared with (`bench/pages.py`)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *product_urlpatterns]
