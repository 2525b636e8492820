from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.PendingActionListView.as_view(), name="list"),
    path("<int:pk>/", views.PendingActionDetailView.as_view(), name="detail"),
    path("<int:pk>/approve/", views.PendingActionApproveView.as_view(), name="approve"),
    path("<int:pk>/withdraw/", views.PendingActionWithdrawView.as_view(), name="withdraw"),
]
