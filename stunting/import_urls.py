"""Measurement-file imports: upload, progress and result."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.upload, name="import-upload"),
    path("<int:pk>/", import_views.batch_detail, name="import-detail"),
    path("<int:pk>/status.json", import_views.batch_status, name="import-status"),
    path(
        "<int:pk>/selisih-zscore.csv",
        import_views.zscore_export,
        {"extension": "csv"},
        name="import-zscore-csv",
    ),
    path(
        "<int:pk>/selisih-zscore.xlsx",
        import_views.zscore_export,
        {"extension": "xlsx"},
        name="import-zscore-xlsx",
    ),
]
