from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .tokens import token_revoke


class Role(models.TextChoices):
    """What a user may do; where is set by their regions (see kampungkb.access)."""

    ADMIN = "admin", _("Administrator")
    STAF = "staf", _("Staf dinas")
    PLKB = "plkb", _("PLKB/PKB")
    PIMPINAN = "pimpinan", _("Pimpinan")
    EVALUATOR = "evaluator", _("Evaluator")


class User(AbstractUser):
    """A person who signs in, with one role and the regions it applies to."""

    role = models.CharField(
        _("peran"), max_length=10, choices=Role.choices, default=Role.PIMPINAN
    )
    # Staf, pimpinan and evaluator work on these regions and everything below them.
    # A PLKB's desa/kelurahan come from their field-officer assignments instead.
    regions = models.ManyToManyField(
        "villages.Region", verbose_name=_("wilayah kerja"), blank=True, related_name="+"
    )

    # Staff see and manage the accounts that work inside their regions.
    scope_paths = ("regions", "field_officer__assignments__region")
    # Everything the account works on. Staff manage it only when all of this lies
    # in their write scope (kampungkb.access.managed_users).
    reach_paths = (
        *scope_paths,
        "evaluation_assignments__participant__kampung__region",
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def save(self, *args, **kwargs):
        # Every way of setting a password (its owner, a staff reset, the admin site,
        # `changepassword`) and every deactivation comes through here: revoking the
        # API token here means no new path can forget it.
        password_set = self._password is not None
        super().save(*args, **kwargs)
        if password_set or not self.is_active:
            token_revoke(user=self)

    @property
    def effective_role(self):
        return Role.ADMIN if self.is_superuser else self.role


class SubmittedForm(models.Model):
    """A create form already sent, by its one-time token (kampungkb.once).

    A double-tap or a resend of the same form finds its token here and is sent
    to what the first request made instead of making it again.
    """

    token = models.CharField(max_length=32, primary_key=True)
    user = models.ForeignKey("User", on_delete=models.CASCADE, related_name="+")
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.token
