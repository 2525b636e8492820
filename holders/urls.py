"""Staff pages of the holder register, under /holders/ (namespaced: the API names `holder-…`)."""

from django.urls import path

from holders import views

app_name = "holders"

urlpatterns = [
    path("", views.HolderListView.as_view(), name="list"),
    path("new/", views.HolderCreateView.as_view(), name="create"),
    path("<int:pk>/", views.HolderDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.HolderEditView.as_view(), name="edit"),
    path("<int:pk>/addresses/", views.HolderAddressAddView.as_view(), name="address-add"),
]
