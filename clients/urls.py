from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("referrers/", views.client_referrer_options, name="referrer_options"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/archive/", views.client_archive, name="archive"),
    path("<int:client_id>/restore/", views.client_restore, name="restore"),
    path("<int:client_id>/reveal-id/", views.client_reveal_id_number, name="reveal_id"),
    path("<int:client_id>/merge/", views.client_merge, name="merge"),
]
