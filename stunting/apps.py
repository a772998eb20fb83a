from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StuntingConfig(AppConfig):
    name = "stunting"
    verbose_name = _("Stunting")

    def ready(self):
        from kampungkb import profile

        from .profile import kampung_stunting_facts

        profile.wanted.connect(kampung_stunting_facts, dispatch_uid="stunting")
