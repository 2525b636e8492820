"""Staff pages for offerings, events, conversions and elections, under /offerings/.

Namespaced (`offerings:`) because the API router already names `offering-detail`
and `conversion-list`.
"""

from django.urls import path

from offerings.views.cash import CashInLieuView
from offerings.views.conversions import ConversionsView, PriceDeterminationView
from offerings.views.elections import ElectionRecordView
from offerings.views.offering_detail import OfferingAllocationView, OfferingDetailView
from offerings.views.offerings import EventRecordView, OfferingRecordView, OfferingsView
from offerings.views.previews import EventPreviewView, OfferingPreviewView
from offerings.views.what_if import WhatIfView

app_name = "offerings"

urlpatterns = [
    path("", OfferingsView.as_view(), name="list"),
    path("record/", OfferingRecordView.as_view(), name="record"),
    path("preview/", OfferingPreviewView.as_view(), name="preview"),
    path("events/record/", EventRecordView.as_view(), name="event-record"),
    path("events/preview/", EventPreviewView.as_view(), name="event-preview"),
    path("what-if/", WhatIfView.as_view(), name="what-if"),
    path("<int:pk>/", OfferingDetailView.as_view(), name="detail"),
    path("<int:pk>/allocation/", OfferingAllocationView.as_view(), name="allocation"),
    path("conversions/", ConversionsView.as_view(), name="conversions"),
    path(
        "conversions/<int:pk>/price/",
        PriceDeterminationView.as_view(),
        name="price-determination",
    ),
    path(
        "conversions/<int:pk>/cash-in-lieu/", CashInLieuView.as_view(), name="cash-in-lieu"
    ),
    path("notes/<int:note_pk>/election/", ElectionRecordView.as_view(), name="election"),
]
