from django.urls import path

from . import alert_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("indikator/", views.indicator_list, name="indicator-list"),
    path("peringatan/", alert_views.alert_list, name="alert-list"),
    path("peringatan/aturan/", alert_views.alert_rules, name="alert-rules"),
    path(
        "peringatan/aturan/<str:code>/<str:kind>/",
        alert_views.alert_rule_edit,
        name="alert-rule-edit",
    ),
    path("peringatan/<int:pk>/", alert_views.alert_detail, name="alert-detail"),
    path("peringatan/<int:pk>/tindakan/", alert_views.alert_act, name="alert-act"),
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
    path("dashboard/<str:code>/skdn/", views.skdn_page, name="dashboard-skdn"),
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
