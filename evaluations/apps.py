from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluasi dan pembinaan")

    def ready(self):
        from kampungkb import profile

        from .profile import kampung_evaluation_facts

        profile.wanted.connect(kampung_evaluation_facts, dispatch_uid="evaluations")
