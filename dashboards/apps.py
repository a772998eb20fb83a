from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dasbor dan indikator")

    def ready(self):
        from kampungkb import events, profile

        from . import services
        from .profile import kampung_figure_facts

        events.changed.connect(services.on_data_changed, dispatch_uid="dashboards")
        profile.wanted.connect(kampung_figure_facts, dispatch_uid="dashboards")
