from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/<str:code>/", views.region_detail, name="region-detail"),
    path("kampung/<int:pk>/", views.kampung_detail, name="kampung-detail"),
]
