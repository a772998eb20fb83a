"""Stunting pages: children and measurements, prevalence, Dashat, case audits, imports."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="stunting-index"),
    path("wilayah/<str:code>/", views.prevalence_region, name="stunting-prevalence"),
    path("anak/", views.children, name="child-list"),
    path("anak/baru/", views.child_create, name="child-create"),
    path("anak/<int:pk>/", views.child_detail, name="child-detail"),
    path("anak/<int:pk>/ukur/", views.measurement_create, name="measurement-create"),
    path("anak/<int:pk>/skor/", views.measurement_score, name="measurement-score"),
    path("prevalensi/", views.reported_list, name="reported-prevalence-list"),
    path(
        "prevalensi/tambah/", views.reported_create, name="reported-prevalence-create"
    ),
    path("impor/", include("stunting.import_urls")),
    path("dashat/", include("stunting.dashat_urls")),
]
