from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    """Field work without a signal: the PLKB's installable app and its sync."""

    name = "field"
    verbose_name = _("Kerja lapangan luring")
