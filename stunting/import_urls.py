"""Measurement-file imports: upload, progress and result."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.upload, name="import-upload"),
    path("<int:pk>/", import_views.batch_detail, name="import-detail"),
    path("<int:pk>/status.json", import_views.batch_status, name="import-status"),
]
