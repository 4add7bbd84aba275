from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from advisor_crm.accounts.urls import auth_urlpatterns
from advisor_crm.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:list", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include("advisor_crm.accounts.urls")),
    path("clients/", include("clients.urls")),
    path("clients/", include("kyc.urls")),
    path("kms/", include("kms.urls")),
    path("", include("scoring.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
