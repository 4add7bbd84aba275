"""KYC pages live under the client's URL (/clients/<id>/kyc/...), where users know them."""

from django.urls import path

from kyc import views

app_name = "kyc"

urlpatterns = [
    path("<int:client_id>/kyc/", views.kyc_page, name="page"),
    path("<int:client_id>/kyc/pictures/", views.kyc_pictures, name="pictures"),
    path("<int:client_id>/kyc/completeness/", views.kyc_completeness, name="completeness"),
    path("<int:client_id>/kyc/household/", views.kyc_household, name="household"),
    path("<int:client_id>/kyc/consent/", views.consent_record, name="consent_record"),
    path(
        "<int:client_id>/kyc/consent/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:client_id>/kyc/<slug:key>/", views.kyc_section, name="section"),
    path("<int:client_id>/kyc/<slug:key>/new/", views.kyc_item, name="item_new"),
    path("<int:client_id>/kyc/<slug:key>/<int:item_id>/", views.kyc_item, name="item"),
    path(
        "<int:client_id>/kyc/<slug:key>/<int:item_id>/delete/",
        views.kyc_item_delete,
        name="item_delete",
    ),
    path("<int:client_id>/history/", views.client_history, name="history"),
    path("<int:client_id>/export/", views.client_export, name="export"),
    path("<int:client_id>/erase/", views.client_erase, name="erase"),
]
