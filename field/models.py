"""What the field app's sync has saved: one row per queued entry, claimed once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EntryKind(models.TextChoices):
    CHILD = "child", _("Anak baru")
    MEASUREMENT = "measurement", _("Pengukuran")
    DASHAT_SESSION = "dashat_session", _("Sesi Dashat")
    ACTIVITY = "activity", _("Kegiatan Kampung KB")


class SyncedEntry(models.Model):
    """An entry of a phone's queue, saved: a resend gets `answer` instead of a copy.

    Written in the same transaction as the record it made; a second request with
    the same entry id waits on the unique index until the first commits.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    entry_id = models.UUIDField(_("id entri"))
    kind = models.CharField(_("jenis"), max_length=16, choices=EntryKind.choices)
    device = models.CharField(_("perangkat"), max_length=64, blank=True)
    # The result sent back the first time, given again to a resend.
    answer = models.JSONField(_("jawaban"))
    object_type = models.CharField(_("jenis data"), max_length=16)
    object_id = models.PositiveBigIntegerField(_("id data"))
    # The z-scores the phone showed for a measurement, kept beside the server's.
    phone_z = models.JSONField(_("z-score di ponsel"), null=True, blank=True)
    created_at = models.DateTimeField(_("disinkronkan"), auto_now_add=True)

    class Meta:
        verbose_name = _("entri tersinkron")
        verbose_name_plural = pgettext_lazy("plural", "entri tersinkron")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entry_id"], name="field_entry_once_per_user"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.entry_id}"
