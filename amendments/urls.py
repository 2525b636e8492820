from django.urls import path

from amendments import views

app_name = "amendments"

urlpatterns = [
    path("", views.AmendmentListView.as_view(), name="list"),
    path("<int:pk>/", views.AmendmentDetailView.as_view(), name="detail"),
    path("<int:pk>/issuer-consent/", views.IssuerConsentView.as_view(), name="issuer-consent"),
    path("<int:pk>/consents/", views.HolderConsentView.as_view(), name="consent"),
]
