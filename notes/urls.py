from django.urls import path

from notes import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("series/<int:pk>/", views.SeriesDetailView.as_view(), name="series-detail"),
    path("notes/<int:pk>/", views.NoteDetailView.as_view(), name="note-detail"),
]
