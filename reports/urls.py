from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsView.as_view(), name="reports"),
    path("notes/", views.NotesReportView.as_view(), name="notes"),
    path("exports/", views.ExportStartView.as_view(), name="export-start"),
    path("exports/<int:pk>/", views.ExportDetailView.as_view(), name="export"),
    path(
        "exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export-download"
    ),
]
