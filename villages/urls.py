from django.urls import path

from . import views

urlpatterns = [
    path("wilayah/", views.home, name="registry"),
    path("wilayah/<str:code>/", views.region_detail, name="region-detail"),
    path("kampung/baru/", views.kampung_create, name="kampung-create"),
    path("kampung/impor/", views.register_upload, name="register-upload"),
    path(
        "kampung/impor/templat.xlsx",
        views.register_template,
        name="register-template",
    ),
    path("batas/unggah/", views.boundary_upload, name="boundary-upload"),
    path(
        "batas/unggah/<int:pk>/",
        views.boundary_upload_detail,
        name="boundary-upload-detail",
    ),
    path("kampung/<int:pk>/", views.kampung_detail, name="kampung-detail"),
    path("kampung/<int:pk>/ubah/", views.kampung_edit, name="kampung-edit"),
    path(
        "kampung/<int:pk>/kesiapan/", views.kampung_readiness, name="kampung-readiness"
    ),
    path("kampung/<int:pk>/pokja/", views.pokja_edit, name="pokja-edit"),
    path("kampung/<int:pk>/program/", views.program_edit, name="program-edit"),
    path(
        "kampung/<int:pk>/kegiatan/baru/",
        views.activity_create,
        name="activity-create",
    ),
    path("kampung/<int:pk>/usulan/", views.proposal_create, name="proposal-create"),
    path("usulan/", views.proposal_list, name="proposal-list"),
    path("usulan/<int:pk>/", views.proposal_decide, name="proposal-decide"),
    path("usulan/<int:pk>/bukti/", views.proposal_evidence, name="proposal-evidence"),
    path("pencanangan/", views.launch_list, name="launch-list"),
    path("pencanangan/baru/", views.launch_edit, name="launch-create"),
    path("pencanangan/<int:pk>/ubah/", views.launch_edit, name="launch-edit"),
    path("target/", views.target_list, name="target-list"),
    path("plkb/", views.officer_list, name="officer-list"),
    path("plkb/<int:pk>/", views.officer_detail, name="officer-detail"),
    path(
        "plkb/penugasan/<int:pk>/akhiri/",
        views.officer_unassign,
        name="officer-unassign",
    ),
]
