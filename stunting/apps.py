from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StuntingConfig(AppConfig):
    name = "stunting"
    verbose_name = _("Stunting")
