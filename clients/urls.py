from django.urls import path

from clients import kyc_views, views

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
    path("<int:client_id>/kyc/", kyc_views.kyc_page, name="kyc"),
    path("<int:client_id>/kyc/pictures/", kyc_views.kyc_pictures, name="kyc_pictures"),
    path("<int:client_id>/kyc/completeness/", kyc_views.kyc_completeness, name="kyc_completeness"),
    path("<int:client_id>/kyc/household/", kyc_views.kyc_household, name="kyc_household"),
    path("<int:client_id>/kyc/consent/", kyc_views.consent_record, name="consent_record"),
    path(
        "<int:client_id>/kyc/consent/<int:consent_id>/withdraw/",
        kyc_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:client_id>/kyc/<slug:key>/", kyc_views.kyc_section, name="kyc_section"),
    path("<int:client_id>/kyc/<slug:key>/new/", kyc_views.kyc_item, name="kyc_item_new"),
    path("<int:client_id>/kyc/<slug:key>/<int:item_id>/", kyc_views.kyc_item, name="kyc_item"),
    path(
        "<int:client_id>/kyc/<slug:key>/<int:item_id>/delete/",
        kyc_views.kyc_item_delete,
        name="kyc_item_delete",
    ),
    path("<int:client_id>/history/", kyc_views.client_history, name="history"),
    path("<int:client_id>/export/", kyc_views.client_export, name="export"),
    path("<int:client_id>/erase/", kyc_views.client_erase, name="erase"),
]
