from django.urls import path

from notes import views

urlpatterns = [
    path("register/", views.HomeView.as_view(), name="register"),
    path("series/<int:pk>/", views.SeriesDetailView.as_view(), name="series-detail"),
    path("notes/", views.NoteListView.as_view(), name="notes-list"),
    path("notes/new/", views.NoteCreateView.as_view(), name="note-create"),
    path("notes/import/", views.NoteImportView.as_view(), name="note-import"),
    path(
        "notes/import/confirm/", views.NoteImportConfirmView.as_view(), name="note-import-confirm"
    ),
    path("notes/<int:pk>/", views.NoteDetailView.as_view(), name="note-detail"),
    path(
        "notes/<int:pk>/payments/", views.PaymentRecordView.as_view(), name="note-payment-record"
    ),
    path(
        "notes/<int:pk>/payments/preview/",
        views.PaymentPreviewView.as_view(),
        name="note-payment-preview",
    ),
    path(
        "notes/<int:pk>/default-events/",
        views.DefaultEventRecordView.as_view(),
        name="note-default-event-record",
    ),
    path(
        "payments/<int:pk>/reverse/", views.PaymentReverseView.as_view(), name="payment-reverse"
    ),
    path("servicing/", views.ServicingView.as_view(), name="servicing"),
    path(
        "servicing/runs/<int:pk>/",
        views.ServicingRunDetailView.as_view(),
        name="servicing-run-detail",
    ),
]
