"""Stunting pages: children and measurements, prevalence, Dashat, case audits, imports."""

from django.urls import include, path

urlpatterns = [
    path("impor/", include("stunting.import_urls")),
    path("dashat/", include("stunting.dashat_urls")),
]
