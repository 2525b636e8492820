from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from amendments.api import AmendmentViewSet
from approvals.api import PendingActionViewSet
from config.health import healthz, readyz
from config.views import FaviconView
from deadlines.api import DeadlineList
from holders.api import HolderAddressListCreate, HolderViewSet
from notes.api import (
    IssuerViewSet,
    NoteViewSet,
    PaymentViewSet,
    SeriesViewSet,
    ServicingRunViewSet,
    TransferViewSet,
)
from notices.api import NoticeViewSet, ObligationList
from offerings.api import (
    CashInLieuPaymentViewSet,
    ConversionViewSet,
    CorporateEventViewSet,
    NoteElectionCreate,
    OfferingViewSet,
)
from reports.api import (
    AccrualJournalReport,
    ConversionSummary,
    InterestPaidReport,
    NotesOutstandingReport,
    OcfExport,
    PaymentsRegister,
)
from reports.views import DashboardView

# The API docs (Swagger UI, served from our static files with its start-up script as a
# file, not inline) add one <style> element of their own: that element, by its hash, is
# the only inline style the policy lets through, and only on this page. A new Swagger UI
# with a different style fails tests/browser/test_content_security_policy.py.
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
api_docs_view = csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

router = DefaultRouter()
router.register("issuers", IssuerViewSet, basename="issuer")
router.register("series", SeriesViewSet, basename="series")
router.register("holders", HolderViewSet, basename="holder")
router.register("notes", NoteViewSet, basename="note")
router.register("payments", PaymentViewSet, basename="payment")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("servicing/runs", ServicingRunViewSet, basename="servicing-run")
router.register("offerings", OfferingViewSet, basename="offering")
router.register("corporate-events", CorporateEventViewSet, basename="corporate-event")
router.register("conversions", ConversionViewSet, basename="conversion")
router.register("notices", NoticeViewSet, basename="notice")
router.register("amendments", AmendmentViewSet, basename="amendment")
router.register("pending-actions", PendingActionViewSet, basename="pending-action")
router.register(
    "cash-in-lieu-payments", CashInLieuPaymentViewSet, basename="cash-in-lieu-payment"
)

api_v1 = [
    path("", include(router.urls)),
    path(
        "holders/<int:holder_id>/addresses/",
        HolderAddressListCreate.as_view(),
        name="holder-addresses",
    ),
    path("notes/<int:note_id>/elections/", NoteElectionCreate.as_view(), name="note-elections"),
    path("deadlines/", DeadlineList.as_view(), name="deadlines"),
    path("notices/obligations/", ObligationList.as_view(), name="notice-obligations"),
    path(
        "reports/notes-outstanding/",
        NotesOutstandingReport.as_view(),
        name="report-notes-outstanding",
    ),
    path(
        "reports/accrual-journal/", AccrualJournalReport.as_view(), name="report-accrual-journal"
    ),
    path("reports/interest-paid/", InterestPaidReport.as_view(), name="report-interest-paid"),
    path("reports/payments/", PaymentsRegister.as_view(), name="report-payments"),
    path("reports/conversions/", ConversionSummary.as_view(), name="report-conversions"),
    path("exports/ocf/", OcfExport.as_view(), name="export-ocf"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs_view, name="api-docs"),
]

urlpatterns = [
    # Probes: no login, no redirect (config/health.py).
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("operations/", include("core.urls")),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("portal/", include("portal.urls")),
    path("holders/", include("holders.urls")),
    path("offerings/", include("offerings.urls")),
    path("deadlines/", include("deadlines.urls")),
    path("notices/", include("notices.urls")),
    path("reports/", include("reports.urls")),
    path("amendments/", include("amendments.urls")),
    path("approvals/", include("approvals.urls")),
    # The staff home is the dashboard (reports); the register lists notes at /register/.
    path("", DashboardView.as_view(), name="home"),
    path("", include("notes.urls")),
]

handler404 = "config.views.page_not_found"
