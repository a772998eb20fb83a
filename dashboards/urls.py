from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("indikator/", views.indicator_list, name="indicator-list"),
    # Before <code>: "pembaruan" is no region code.
    path("dashboard/pembaruan/", views.refresh_request, name="dashboard-refresh"),
    path(
        "dashboard/pembaruan/<int:pk>/",
        views.refresh_detail,
        name="dashboard-refresh-detail",
    ),
    # Before <code>: "sebelum-sesudah" is no region code.
    path(
        "dashboard/sebelum-sesudah/kampung/<int:pk>/",
        views.launch_kampung,
        name="launch-kampung",
    ),
    path(
        "dashboard/sebelum-sesudah/pencanangan/<int:pk>/",
        views.launch_batch,
        name="launch-batch",
    ),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard"),
    path(
        "dashboard/<str:code>/ekspor.csv",
        views.export_csv,
        name="dashboard-export-csv",
    ),
    path(
        "dashboard/<str:code>/ekspor.xlsx",
        views.export_xlsx,
        name="dashboard-export-xlsx",
    ),
]
