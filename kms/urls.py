from django.urls import path

from kms import plan_views, views

app_name = "kms"

urlpatterns = [
    path("parameters/", views.parameters, name="parameters"),
    path("clients/<int:client_id>/start/", views.case_start, name="start"),
    path("cases/<int:case_id>/", views.case_resume, name="resume"),
    path("cases/<int:case_id>/refresh/", views.findings_refresh, name="refresh"),
    path("cases/<int:case_id>/findings/new/", views.finding_add, name="finding_add"),
    path(
        "cases/<int:case_id>/findings/<int:finding_id>/",
        views.finding_decide,
        name="finding_decide",
    ),
    path(
        "cases/<int:case_id>/findings/<int:finding_id>/solution/", views.solution, name="solution"
    ),
    path(
        "cases/<int:case_id>/findings/<int:finding_id>/leave-open/",
        views.leave_open,
        name="leave_open",
    ),
    path("cases/<int:case_id>/motives/", views.motives, name="motives"),
    path("cases/<int:case_id>/needs/<slug:calculator>/", views.needs, name="needs"),
    path("cases/<int:case_id>/items/new/", views.item, name="item_new"),
    path("cases/<int:case_id>/items/<int:item_id>/", views.item, name="item"),
    path("cases/<int:case_id>/items/<int:item_id>/delete/", views.item_delete, name="item_delete"),
    path("cases/<int:case_id>/items/<int:item_id>/accept/", views.item_accept, name="item_accept"),
    path("cases/<int:case_id>/close/", views.case_close, name="close"),
    path("cases/<int:case_id>/new-version/", views.case_new_version, name="new_version"),
    path("cases/<int:case_id>/plans/new/", plan_views.plan_generate, name="plan_generate"),
    path("plans/<int:document_id>/", plan_views.plan_status, name="plan_status"),
    path("plans/<int:document_id>/retry/", plan_views.plan_retry, name="plan_retry"),
    path("plans/<int:document_id>/download/", plan_views.plan_download, name="plan_download"),
    path("cases/<int:case_id>/progress/<slug:step>/", views.progress, name="progress"),
    path("cases/<int:case_id>/<slug:step>/", views.case_step, name="step"),
]
