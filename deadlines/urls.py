from django.urls import path

from deadlines.views import DeadlinesView, FeedRotateView, FeedView

app_name = "deadlines"

urlpatterns = [
    path("", DeadlinesView.as_view(), name="list"),
    path("feed/rotate/", FeedRotateView.as_view(), name="feed-rotate"),
    path("feed/<str:token>.ics", FeedView.as_view(), name="feed"),
]
