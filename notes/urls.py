from django.urls import path

from notes import transfer_views, views

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
        "notes/<int:pk>/statements/", views.NoteStatementsView.as_view(), name="note-statements"
    ),
    path("notes/<int:pk>/timeline/", views.NoteTimelineView.as_view(), name="note-timeline"),
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
    path("transfers/", transfer_views.TransferListView.as_view(), name="transfers"),
    path(
        "transfers/<int:pk>/", transfer_views.TransferDetailView.as_view(), name="transfer-detail"
    ),
    path(
        "transfers/<int:pk>/decision/",
        transfer_views.TransferDecisionView.as_view(),
        name="transfer-decision",
    ),
    path(
        "notes/<int:pk>/transfers/new/",
        transfer_views.TransferRequestView.as_view(),
        name="note-transfer-request",
    ),
    path(
        "notes/<int:pk>/stop-transfers/",
        transfer_views.StopTransferRecordView.as_view(),
        name="note-stop-transfer-record",
    ),
    path(
        "stop-transfers/<int:pk>/lift/",
        transfer_views.StopTransferLiftView.as_view(),
        name="stop-transfer-lift",
    ),
    path("documents/<int:pk>/", transfer_views.DocumentDownloadView.as_view(), name="document"),
    path("servicing/", views.ServicingView.as_view(), name="servicing"),
    path(
        "servicing/runs/<int:pk>/",
        views.ServicingRunDetailView.as_view(),
        name="servicing-run-detail",
    ),
]
