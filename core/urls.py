from django.urls import path

from core.dead_letter_views import DeadLetterDetailView, DeadLetterListView

urlpatterns = [
    path("failed-jobs/", DeadLetterListView.as_view(), name="dead-letters"),
    path("failed-jobs/<int:pk>/", DeadLetterDetailView.as_view(), name="dead-letter"),
]
