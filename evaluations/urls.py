"""Evaluation pages: cycles, scoring, results, rubric templates and awards."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cycle_list, name="evaluation-list"),
    path("baru/", views.cycle_create, name="evaluation-create"),
    path("rubrik/", views.template_list, name="evaluation-templates"),
    path("rubrik/salin/", views.template_copy, name="evaluation-template-copy"),
    path("rubrik/<int:pk>/", views.template_edit, name="evaluation-template"),
    path("penghargaan/", views.award_list, name="evaluation-awards"),
    path(
        "penghargaan/<int:pk>/hapus/",
        views.award_delete,
        name="evaluation-award-delete",
    ),
    path("bukti/<int:pk>/", views.evidence_download, name="evaluation-evidence"),
    path(
        "bukti/<int:pk>/hapus/",
        views.evidence_remove,
        name="evaluation-evidence-delete",
    ),
    path("<int:pk>/", views.cycle_detail, name="evaluation-detail"),
    path("<int:pk>/ubah/", views.cycle_edit, name="evaluation-edit"),
    path("<int:pk>/buka/", views.cycle_open, name="evaluation-open"),
    path("<int:pk>/tutup/", views.cycle_close, name="evaluation-close"),
    path("<int:pk>/peserta/", views.cycle_participants, name="evaluation-participants"),
    path("<int:pk>/evaluator/", views.cycle_evaluators, name="evaluation-evaluators"),
    path("<int:pk>/hasil/", views.cycle_results_page, name="evaluation-results"),
    path(
        "<int:pk>/hasil/cetak/",
        views.cycle_results_print,
        name="evaluation-results-print",
    ),
    path("<int:pk>/hasil.xlsx", views.cycle_export, name="evaluation-export"),
    path(
        "<int:pk>/kampung/<int:participant_pk>/",
        views.participant_detail,
        name="evaluation-participant",
    ),
    path(
        "<int:pk>/kampung/<int:participant_pk>/nilai/",
        views.participant_score,
        name="evaluation-score",
    ),
    path(
        "<int:pk>/kampung/<int:participant_pk>/bukti/",
        views.evidence_upload,
        name="evaluation-evidence-upload",
    ),
    path(
        "<int:pk>/kampung/<int:participant_pk>/terima/",
        views.suggestion_accept,
        name="evaluation-accept",
    ),
    path(
        "<int:pk>/kampung/<int:participant_pk>/krppa/",
        views.krppa_record,
        name="evaluation-krppa",
    ),
]
