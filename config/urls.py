from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from config.views import FaviconView
from holders.api import HolderAddressListCreate, HolderViewSet
from notes.api import (
    IssuerViewSet,
    NoteViewSet,
    PaymentViewSet,
    SeriesViewSet,
    ServicingRunViewSet,
)
from offerings.api import (
    ConversionViewSet,
    CorporateEventViewSet,
    NoteElectionCreate,
    OfferingViewSet,
)

router = DefaultRouter()
router.register("issuers", IssuerViewSet, basename="issuer")
router.register("series", SeriesViewSet, basename="series")
router.register("holders", HolderViewSet, basename="holder")
router.register("notes", NoteViewSet, basename="note")
router.register("payments", PaymentViewSet, basename="payment")
router.register("servicing/runs", ServicingRunViewSet, basename="servicing-run")
router.register("offerings", OfferingViewSet, basename="offering")
router.register("corporate-events", CorporateEventViewSet, basename="corporate-event")
router.register("conversions", ConversionViewSet, basename="conversion")

api_v1 = [
    path("", include(router.urls)),
    path(
        "holders/<int:holder_id>/addresses/",
        HolderAddressListCreate.as_view(),
        name="holder-addresses",
    ),
    path("notes/<int:note_id>/elections/", NoteElectionCreate.as_view(), name="note-elections"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("portal/", include("portal.urls")),
    path("offerings/", include("offerings.urls")),
    path("", include("notes.urls")),
]
