"""Staff pages for notices, under /notices/ (namespaced: the API names `notice-…`)."""

from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("", views.NoticesView.as_view(), name="list"),
    path("deposit/", views.DepositView.as_view(), name="deposit"),
    path("runs/", views.NoticeRunStartView.as_view(), name="run-start"),
    path("runs/<int:pk>/", views.NoticeRunDetailView.as_view(), name="run"),
    path("notes/<int:pk>/", views.NoteNoticesView.as_view(), name="note"),
    path("<int:pk>/document/", views.NoticeDocumentView.as_view(), name="document"),
]
