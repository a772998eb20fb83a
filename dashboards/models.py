"""Precomputed indicator figures, what is owed a refresh, refresh runs, alerts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from villages.models import Region

# The region code the whole country's figures are stored under.
COUNTRY_CODE = "ID"


class Snapshot(models.Model):
    """One indicator's figure for one region and year, as of `computed_at`.

    Dashboards read only these rows. A region with no row for a count indicator
    has zero; with no row for a rate, it has no denominator (nothing to show).
    """

    indicator = models.CharField(_("indikator"), max_length=40)
    # A Region code, or COUNTRY_CODE; not a foreign key: snapshots are derived
    # data, rebuilt from the registry, and the country is no Region row.
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    parent_code = models.CharField(_("kode wilayah induk"), max_length=13)
    level = models.PositiveSmallIntegerField(_("tingkat"))  # 0 country .. 4 desa
    period = models.PositiveSmallIntegerField(_("tahun"))
    value = models.FloatField(_("nilai"), null=True)
    numerator = models.FloatField(_("pembilang"), null=True)
    denominator = models.FloatField(_("penyebut"), null=True)
    computed_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("snapshot indikator")
        verbose_name_plural = pgettext_lazy("plural", "snapshot indikator")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "period", "indicator"],
                name="one_snapshot_per_indicator_region_period",
            )
        ]
        indexes = [
            models.Index(fields=["parent_code", "period"]),
            models.Index(fields=["indicator", "period", "level"]),
        ]

    def __str__(self):
        return f"{self.indicator} {self.region_code} {self.period}: {self.value}"


class Span(models.TextChoices):
    """How long a stunting figure's period is: a year, a quarter or a month of it."""

    YEAR = "tahun", _("Tahun")
    QUARTER = "triwulan", _("Triwulan")
    MONTH = "bulan", _("Bulan")


class StuntingFigure(models.Model):
    """Measured stunting in one region for a year, a quarter or a month of it.

    The counts of DOMAIN.md's rule, computed by the refresh in the same pass and
    transaction as the year's snapshots; the stunting pages read only these rows.
    `part` is 0 for the year, 1-4 for a quarter, 1-12 for a month. A region with
    no row had no registered or measured child 0-59 months in the period.
    """

    region_code = models.CharField(_("kode wilayah"), max_length=13)
    parent_code = models.CharField(_("kode wilayah induk"), max_length=13)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    year = models.PositiveSmallIntegerField(_("tahun"))
    span = models.CharField(_("rentang"), max_length=8, choices=Span.choices)
    part = models.PositiveSmallIntegerField(_("bagian"))
    # Children 0-59 months on some day of the period, registered in the region.
    registered = models.PositiveIntegerField(_("anak terdaftar"))
    # Of them, measured in the period at all; with a valid HAZ; and by their
    # latest valid HAZ stunted (< -2) and severely stunted (< -3).
    measured = models.PositiveIntegerField(_("anak diukur"))
    valid = models.PositiveIntegerField(_("anak dengan TB/U sah"))
    stunted = models.PositiveIntegerField(_("anak stunting"))
    severe = models.PositiveIntegerField(_("anak sangat pendek"))
    computed_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("angka stunting per periode")
        verbose_name_plural = pgettext_lazy("plural", "angka stunting per periode")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "span", "part"],
                name="one_stunting_figure_per_region_period",
            )
        ]
        indexes = [models.Index(fields=["parent_code", "year", "span", "part"])]

    def __str__(self):
        return f"{self.region_code} {self.year} {self.span} {self.part}"


class SkdnFigure(models.Model):
    """Posyandu weighing (SKDN) in one region and month, as of `computed_at`.

    Counted by the refresh from each child's latest weighing of the month
    (stunting.weighing), in the same transaction as the year's other figures and
    summed up the tree; the SKDN page reads only these rows. A region with no row
    had no registered or weighed child 0-59 months that month.
    """

    region_code = models.CharField(_("kode wilayah"), max_length=13)
    parent_code = models.CharField(_("kode wilayah induk"), max_length=13)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    year = models.PositiveSmallIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(_("bulan"))
    # S: children 0-59 months on some day of the month, registered in the region.
    registered = models.PositiveIntegerField(_("S (balita terdaftar)"))
    # D: weighed this month; of them, by the mark of their latest weighing:
    weighed = models.PositiveIntegerField(_("D (balita ditimbang)"))
    gained = models.PositiveIntegerField(_("N (naik berat badan)"))
    not_gained = models.PositiveIntegerField(_("T (tidak naik)"))
    not_weighed_last_month = models.PositiveIntegerField(
        _("O (tidak ditimbang bulan lalu)")
    )
    new = models.PositiveIntegerField(_("B (baru pertama kali ditimbang)"))
    # 2T: T this month and T the month before.
    not_gained_twice = models.PositiveIntegerField(_("2T (dua kali tidak naik)"))
    # BGM: a valid WAZ < -3 at the latest weighing of the month.
    below_red_line = models.PositiveIntegerField(_("BGM (bawah garis merah)"))
    computed_at = models.DateTimeField(_("dihitung pada"))

    class Meta:
        verbose_name = _("angka SKDN per bulan")
        verbose_name_plural = pgettext_lazy("plural", "angka SKDN per bulan")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "month"],
                name="one_skdn_figure_per_region_month",
            )
        ]
        indexes = [models.Index(fields=["parent_code", "year", "month"])]

    def __str__(self):
        return f"{self.region_code} {self.year}-{self.month:02d}"

    @property
    def weighed_with_last_month(self) -> int:
        """D of N/D: weighed this month and last month (N + T; no O, no B)."""
        return self.gained + self.not_gained


class PendingRefresh(models.Model):
    """A kab/kota (or province) whose figures are owed a refresh since a date.

    Written in the transaction of the change itself (kampungkb.events), so a down
    broker or a dead worker cannot lose it: the periodic sweep finds it.
    """

    region_code = models.CharField(_("kode wilayah"), max_length=13, unique=True)
    since = models.DateField(_("berlaku sejak"))
    changed_at = models.DateTimeField(_("diubah pada"))

    class Meta:
        verbose_name = _("pembaruan tertunda")
        verbose_name_plural = pgettext_lazy("plural", "pembaruan tertunda")

    def __str__(self):
        return f"{self.region_code} since {self.since}"


class RefreshStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


# A run in these states holds its region: another for it is not queued.
ACTIVE_STATUSES = (RefreshStatus.QUEUED, RefreshStatus.RUNNING)


class RefreshTrigger(models.TextChoices):
    """What started a refresh: every path that computes figures records a run."""

    REQUEST = "request", _("diminta dari dasbor")
    NIGHTLY = "nightly", _("jadwal malam")
    CHANGE = "change", _("otomatis setelah data berubah")
    COMMAND = "command", _("perintah server")


# Runs that are queued for a region: one at a time there, a second request joins.
QUEUED_TRIGGERS = (RefreshTrigger.REQUEST, RefreshTrigger.NIGHTLY)


class RefreshRun(models.Model):
    """A refresh of every indicator of a region (or the country) for some years.

    Every refresh is recorded, whatever started it (`trigger`): a run asked for
    from a dashboard or the nightly one covers every year; one owed by a change
    covers the years from the change on, one row per kab/kota it recomputed. At
    most one asked-for or nightly run per region is queued or running (a database
    constraint), so a second request joins the first instead of queueing the same
    work again.
    """

    # COUNTRY_CODE (the nightly refresh, or an administrator's), a province or a
    # kab/kota: the units dashboards.refresh recomputes.
    region_code = models.CharField(
        _("wilayah"), max_length=13, default=COUNTRY_CODE, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=RefreshStatus.choices,
        default=RefreshStatus.QUEUED,
    )
    trigger = models.CharField(
        _("pemicu"),
        max_length=8,
        choices=RefreshTrigger.choices,
        default=RefreshTrigger.REQUEST,
    )
    # The years recomputed; from PROGRAM_START's year: every year there was.
    first_year = models.PositiveSmallIntegerField(_("tahun pertama"), null=True)
    last_year = models.PositiveSmallIntegerField(_("tahun terakhir"), null=True)
    steps_done = models.PositiveIntegerField(_("langkah selesai"), default=0)
    steps_total = models.PositiveIntegerField(_("jumlah langkah"), default=0)
    message = models.TextField(_("pesan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("pembaruan indikator")
        verbose_name_plural = pgettext_lazy("plural", "pembaruan indikator")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code"],
                condition=models.Q(
                    status__in=ACTIVE_STATUSES, trigger__in=QUEUED_TRIGGERS
                ),
                name="one_active_refresh_per_region",
            )
        ]
        indexes = [
            models.Index(fields=["region_code", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def when(self):
        """When it ended, or else when it started, or was asked for."""
        return self.finished_at or self.started_at or self.created_at

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self):
        return (
            round(100 * self.steps_done / self.steps_total) if self.steps_total else 0
        )


class AlertKind(models.TextChoices):
    """What an early warning is about; each kind has a rule in dashboards.alerts."""

    STUNTING_RISE = "stunting_rise", _("Stunting desa/kelurahan naik")
    NEWLY_STUNTED = "newly_stunted", _("Anak baru stunting")
    HAZ_DROP = "haz_drop", _("TB/U anak turun tajam")
    AUDIT_OVERDUE = "audit_overdue", _("Anak stunting belum diaudit")
    DASHAT_NO_END = "dashat_no_end", _("Dashat tanpa pengukuran akhir")
    NOT_GAINING_TWICE = "two_t", _("Anak tidak naik berat badan 2 bulan (2T)")


class AlertRule(models.Model):
    """The thresholds of one kind of early warning in a region (or the country).

    The most specific rule wins: a kab/kota's, else its province's, else the
    country's (no region), else the built-in defaults of dashboards.alerts. An
    inactive rule switches its kind off there. Each kind reads only the
    thresholds it needs (dashboards.alerts.KINDS names them).
    """

    kind = models.CharField(_("jenis"), max_length=16, choices=AlertKind.choices)
    # None: the country's default, set by an administrator.
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("aktif"), default=True)
    points = models.DecimalField(
        _("kenaikan (poin persen)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
    )
    min_children = models.PositiveIntegerField(_("minimal anak diukur"), default=30)
    span = models.CharField(
        _("periode"), max_length=8, choices=Span.choices, default=Span.QUARTER
    )
    haz_drop = models.DecimalField(
        _("penurunan TB/U (SD)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.67"),
    )
    days = models.PositiveSmallIntegerField(_("hari"), default=30)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("diubah pada"), auto_now=True)

    scope_paths = ("region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("aturan peringatan")
        verbose_name_plural = pgettext_lazy("plural", "aturan peringatan")
        ordering = ["kind", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region"], name="one_alert_rule_per_kind_region"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(region__isnull=True),
                name="one_country_alert_rule_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.region_id or COUNTRY_CODE}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Terbuka")
    ACKNOWLEDGED = "acknowledged", _("Ditangani")
    CLOSED = "closed", _("Ditutup")


class Alert(models.Model):
    """An early warning raised by the refresh about a desa/kelurahan or a child.

    `key` names what it is about (kind, desa or child, period or measurement):
    a rerun of the refresh finds the key taken and raises nothing new. `values`
    keeps what raised it, each figure with its n.
    """

    kind = models.CharField(_("jenis"), max_length=16, choices=AlertKind.choices)
    rule = models.ForeignKey(
        AlertRule,
        verbose_name=_("aturan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    child = models.ForeignKey(
        "stunting.Child",
        verbose_name=_("anak"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The period or day the warning is about: a quarter's or year's figures, or
    # the measurement (or follow-up end) that raised it.
    year = models.PositiveSmallIntegerField(_("tahun"), null=True, blank=True)
    span = models.CharField(_("rentang"), max_length=8, blank=True)
    part = models.PositiveSmallIntegerField(_("bagian"), null=True, blank=True)
    on = models.DateField(_("tanggal"), null=True, blank=True)
    values = models.JSONField(_("nilai"), default=dict)
    key = models.CharField(_("kunci"), max_length=80, unique=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AlertStatus.choices,
        default=AlertStatus.OPEN,
    )
    raised_at = models.DateTimeField(_("dimunculkan"), auto_now_add=True)

    scope_paths = ("region",)

    class Meta:
        verbose_name = _("peringatan dini")
        verbose_name_plural = pgettext_lazy("plural", "peringatan dini")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "region"], name="alert_status_region"),
            models.Index(fields=["region", "-id"], name="alert_region_id"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class AlertActionKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("ditangani")
    CLOSE = "close", _("ditutup")


class AlertAction(models.Model):
    """Who acknowledged or closed an alert, when, and why."""

    alert = models.ForeignKey(
        Alert,
        verbose_name=_("peringatan"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    action = models.CharField(
        _("tindakan"), max_length=12, choices=AlertActionKind.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("catatan"), blank=True)
    at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("tindakan peringatan")
        verbose_name_plural = pgettext_lazy("plural", "tindakan peringatan")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} #{self.alert_id}"
