from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("scoring/rules/", views.rules, name="rules"),
    path("scoring/rules/check/", views.condition_check, name="condition_check"),
    path("scoring/versions/<int:version_id>/", views.editor, name="editor"),
    path("scoring/versions/<int:version_id>/draft/", views.draft_new, name="draft_new"),
    path("scoring/versions/<int:version_id>/rules/new/", views.rule_edit, name="rule_new"),
    path(
        "scoring/versions/<int:version_id>/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"
    ),
    path(
        "scoring/versions/<int:version_id>/rules/<int:rule_id>/move/",
        views.rule_move,
        name="rule_move",
    ),
    path(
        "scoring/versions/<int:version_id>/rules/<int:rule_id>/toggle/",
        views.rule_toggle,
        name="rule_toggle",
    ),
    path(
        "scoring/versions/<int:version_id>/rules/<int:rule_id>/delete/",
        views.rule_delete,
        name="rule_delete",
    ),
    path("scoring/versions/<int:version_id>/tiers/", views.tiers, name="tiers"),
    path("scoring/versions/<int:version_id>/preview/", views.preview, name="preview"),
    path("scoring/versions/<int:version_id>/publish/", views.publish, name="publish"),
    path("scoring/jobs/<int:job_id>/", views.job, name="job"),
    path("p100/", views.p100, name="p100"),
    path("p100/advisors/<int:advisor_id>/", views.p100_review, name="p100_review"),
    path("p100/advisors/<int:advisor_id>/export.<str:fmt>", views.p100_export, name="p100_export"),
    path("p100/notes/<int:note_id>/reply/", views.p100_note_reply, name="p100_note_reply"),
]
