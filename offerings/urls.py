"""Staff pages for offerings, events, conversions and elections, under /offerings/.

Namespaced (`offerings:`) because the API router already names `offering-detail`
and `conversion-list`.
"""

from django.urls import path

from offerings import views

app_name = "offerings"

urlpatterns = [
    path("", views.OfferingsView.as_view(), name="list"),
    path("record/", views.OfferingRecordView.as_view(), name="record"),
    path("events/record/", views.EventRecordView.as_view(), name="event-record"),
    path("<int:pk>/", views.OfferingDetailView.as_view(), name="detail"),
    path("<int:pk>/allocation/", views.OfferingAllocationView.as_view(), name="allocation"),
    path("conversions/", views.ConversionsView.as_view(), name="conversions"),
    path(
        "conversions/<int:pk>/price/",
        views.PriceDeterminationView.as_view(),
        name="price-determination",
    ),
    path(
        "notes/<int:note_pk>/election/", views.ElectionRecordView.as_view(), name="election"
    ),
]
