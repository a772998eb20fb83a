"""The PLKB's offline app: its shell, service worker and manifest, the data it
keeps on the phone, the WHO tables it scores with, and the sync of its queue."""

from django.urls import path

from . import api, views, who

urlpatterns = [
    path("", views.app, name="field-app"),
    path("sw.js", views.service_worker, name="field-sw"),
    path("manifest.webmanifest", views.manifest, name="field-manifest"),
    path("tabel-who.json", who.who_tables, name="field-who"),
    path("paket/", api.bundle, name="field-bundle"),
    path("sinkron/", api.sync, name="field-sync"),
]
