"""Dashat kitchens (/stunting/dashat/) and stunting case audits (.../audit/)."""

from django.urls import path

from . import dashat_views as views

urlpatterns = [
    path("", views.dashat_list, name="dashat-list"),
    path("baru/", views.dashat_edit, name="dashat-create"),
    path("<int:pk>/", views.dashat_detail, name="dashat-detail"),
    path("<int:pk>/ubah/", views.dashat_edit, name="dashat-edit"),
    path("<int:pk>/penerima/", views.dashat_enrol, name="dashat-enrol"),
    path("<int:pk>/sesi/", views.dashat_session, name="dashat-session"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/anak/<int:child_pk>/", views.audit_create, name="audit-create"),
    path("audit/<int:pk>/ubah/", views.audit_edit, name="audit-edit"),
]
