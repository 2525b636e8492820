from django.urls import path

from portal import views

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="portal-home"),
    path("notes/<int:pk>/", views.PortalNoteView.as_view(), name="portal-note"),
]
