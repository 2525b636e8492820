from django.urls import path

from portal import views

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="portal-home"),
    path("notes/<int:note_pk>/", views.PortalNoteView.as_view(), name="portal-note"),
    path(
        "notes/<int:note_pk>/statements/",
        views.PortalNoteStatementsView.as_view(),
        name="portal-note-statements",
    ),
    path(
        "notes/<int:note_pk>/timeline/",
        views.PortalNoteTimelineView.as_view(),
        name="portal-note-timeline",
    ),
    path(
        "notes/<int:note_pk>/election/<int:offering_id>/exhibit-a.pdf",
        views.PortalElectionFormView.as_view(),
        name="portal-election-form",
    ),
    path(
        "notices/<int:notice_pk>/document.pdf",
        views.PortalNoticeDocumentView.as_view(),
        name="portal-notice-document",
    ),
]
