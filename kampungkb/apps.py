from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KampungKBConfig(AppConfig):
    name = "kampungkb"
    verbose_name = _("Akun dan peran")
