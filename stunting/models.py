"""Children measured at posyandu, their WHO z-scores, reported prevalence, Dashat, audits."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from villages.models import KampungKB, Region, RegionLevel


class Sex(models.TextChoices):
    L = "L", _("Laki-laki")
    P = "P", _("Perempuan")


class Child(models.Model):
    """A child under five followed by a posyandu. Name, NIK and birth date are personal."""

    # HMAC-SHA256 of the 16-digit NIK with NIK_HASH_KEY; the NIK itself is never stored.
    nik_hash = models.CharField(
        _("hash NIK"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    name = models.CharField(_("nama"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("tanggal lahir"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="registered_children",
        limit_choices_to={"level": RegionLevel.DESA},
    )
    posyandu = models.CharField(_("posyandu"), max_length=150, blank=True)
    parent_name = models.CharField(_("nama orang tua"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    scope_paths = ("region",)
    history = HistoricalRecords(excluded_fields=["nik_hash", "updated_at"])

    class Meta:
        verbose_name = _("anak")
        verbose_name_plural = pgettext_lazy("plural", "anak")
        ordering = ["region", "name"]
        constraints = [
            # Without a NIK, a child is known by name, birth date and desa.
            models.UniqueConstraint(
                fields=["region", "name", "birth_date"],
                condition=models.Q(nik_hash__isnull=True),
                name="child_without_nik_unique",
                violation_error_message=_(
                    "Anak dengan nama dan tanggal lahir ini sudah tercatat di desa ini."
                ),
            )
        ]
        indexes = [
            # The children lists' order (kampungkb.keyset): a page is a range of it.
            models.Index(fields=["region", "id"], name="child_region_id"),
            # A name is searched by its beginning in any case through the
            # PostgreSQL-only index child_name_upper_prefix (migration 0008).
        ]

    def __str__(self):
        # Never the name: __str__ ends up in logs and admin messages.
        return f"Anak #{self.pk}"

    def clean(self):
        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError(
                {"birth_date": _("Tanggal lahir tidak boleh di masa depan.")}
            )
        if self.region_id and self.region.level != RegionLevel.DESA:
            raise ValidationError({"region": _("Anak tercatat di desa/kelurahan.")})


class MeasuredPosition(models.TextChoices):
    LYING = "lying", _("Telentang (panjang badan)")
    STANDING = "standing", _("Berdiri (tinggi badan)")


class WeightGain(models.TextChoices):
    """e-PPGBM's "Naik Berat Badan" mark, as its letter."""

    GAINED = "N", _("Naik")
    NOT_GAINED = "T", _("Tidak naik")
    NOT_WEIGHED_LAST_MONTH = "O", _("Tidak ditimbang bulan lalu")
    NEW = "B", _("Baru")


class MeasurementPlace(models.TextChoices):
    POSYANDU = "posyandu", _("Posyandu")
    DASHAT = "dashat", _("Dashat")
    OTHER = "other", _("Lainnya")


class MeasurementQuerySet(models.QuerySet):
    def valid_haz(self):
        """Measurements with a height-for-age z-score that is not implausible."""
        return self.filter(haz__isnull=False, haz_implausible=False)

    def balita(self):
        """Children aged 0-59 months at measurement (the WHO day tables' range)."""
        return self.filter(age_days__gte=0, age_days__lte=BALITA_MAX_DAYS)


# 0-59 completed months; 60 months is day 1826, the last day of the WHO tables.
BALITA_MAX_DAYS = 1826


class Measurement(models.Model):
    """One weighing and length/height measurement, with the z-scores computed from it."""

    child = models.ForeignKey(
        Child,
        verbose_name=_("anak"),
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    measured_on = models.DateField(_("tanggal ukur"))
    weight_kg = models.DecimalField(
        _("berat (kg)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    height_cm = models.DecimalField(
        _("panjang/tinggi (cm)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    measured = models.CharField(
        _("cara ukur"), max_length=8, choices=MeasuredPosition.choices, blank=True
    )
    oedema = models.BooleanField(_("edema"), default=False)
    place = models.CharField(
        _("tempat"),
        max_length=8,
        choices=MeasurementPlace.choices,
        default=MeasurementPlace.POSYANDU,
    )
    posyandu = models.CharField(_("posyandu"), max_length=150, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("impor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measurements",
    )
    # Kept from e-PPGBM files where given; empty when the file has no such column.
    lila_cm = models.DecimalField(
        _("LiLA (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # A database default too: writers that COPY rows (the synthetic generator)
    # name only the columns they fill.
    weight_gain = models.CharField(
        _("naik berat badan"),
        max_length=1,
        choices=WeightGain.choices,
        blank=True,
        db_default="",
    )
    vitamin_a_count = models.PositiveSmallIntegerField(
        _("jumlah vitamin A"), null=True, blank=True
    )
    has_kia_book = models.BooleanField(_("punya buku KIA"), null=True, blank=True)
    attends_mother_class = models.BooleanField(
        _("ikut kelas ibu balita"), null=True, blank=True
    )

    # Computed by stunting.growth when the measurement is recorded or imported.
    age_days = models.IntegerField(_("umur (hari)"))
    height_adjusted_cm = models.FloatField(
        _("panjang/tinggi terkoreksi (cm)"), null=True, blank=True
    )
    haz = models.FloatField(_("z-score TB/U"), null=True, blank=True)
    waz = models.FloatField(_("z-score BB/U"), null=True, blank=True)
    whz = models.FloatField(_("z-score BB/TB"), null=True, blank=True)
    haz_class = models.CharField(_("status TB/U"), max_length=20, blank=True)
    waz_class = models.CharField(_("status BB/U"), max_length=20, blank=True)
    whz_class = models.CharField(_("status BB/TB"), max_length=20, blank=True)
    haz_implausible = models.BooleanField(_("TB/U tidak masuk akal"), default=False)
    waz_implausible = models.BooleanField(_("BB/U tidak masuk akal"), default=False)
    whz_implausible = models.BooleanField(_("BB/TB tidak masuk akal"), default=False)
    # Why a z-score is missing, e.g. "haz:age_beyond_table whz:oedema".
    missing_reasons = models.CharField(
        _("alasan tanpa z-score"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = MeasurementQuerySet.as_manager()

    scope_paths = ("child__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengukuran")
        verbose_name_plural = pgettext_lazy("plural", "pengukuran")
        ordering = ["child", "-measured_on"]
        constraints = [
            # One measurement per child per day: a reimported file adds nothing.
            models.UniqueConstraint(
                fields=["child", "measured_on"],
                name="one_measurement_per_child_per_day",
                violation_error_message=_("Anak ini sudah diukur pada tanggal itu."),
            )
        ]
        indexes = [models.Index(fields=["measured_on"])]

    def __str__(self):
        return f"{self.child} {self.measured_on}"

    def clean(self):
        errors = {}
        if self.measured_on and self.measured_on > timezone.localdate():
            errors["measured_on"] = _("Tanggal ukur tidak boleh di masa depan.")
        child = getattr(self, "child", None)
        if child and self.measured_on and self.measured_on < child.birth_date:
            errors["measured_on"] = _("Tanggal ukur sebelum tanggal lahir.")
        if self.weight_kg is None and self.height_cm is None:
            errors["weight_kg"] = _("Isi berat atau panjang/tinggi badan.")
        if errors:
            raise ValidationError(errors)


class PrevalenceSource(models.TextChoices):
    SSGI = "ssgi", _("SSGI (survei)")
    SKI = "ski", _("SKI (survei)")
    EPPGBM = "eppgbm", _("e-PPGBM (administratif)")
    DINKES = "dinkes", _("Dinas Kesehatan")
    OTHER = "other", _("Lainnya")


class ReportedPrevalence(models.Model):
    """A stunting prevalence published by a survey or an agency, kept with its source."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="reported_prevalences",
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    source = models.CharField(
        _("sumber"), max_length=8, choices=PrevalenceSource.choices
    )
    value_percent = models.DecimalField(
        _("prevalensi (%)"), max_digits=5, decimal_places=2
    )
    numerator = models.PositiveIntegerField(_("pembilang"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("penyebut"), null=True, blank=True)
    citation = models.TextField(_("rujukan"))
    note = models.TextField(_("catatan"), blank=True)

    scope_paths = ("region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("prevalensi terlapor")
        verbose_name_plural = pgettext_lazy("plural", "prevalensi terlapor")
        ordering = ["region", "source", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "source"],
                name="one_reported_value_per_region_year_source",
                violation_error_message=_(
                    "Sudah ada angka dari sumber ini untuk wilayah dan tahun ini."
                ),
            )
        ]

    def __str__(self):
        return f"{self.region.name} {self.year} {self.get_source_display()}: {self.value_percent} %"

    def clean(self):
        errors = {}
        if self.value_percent is not None and not 0 <= self.value_percent <= 100:
            errors["value_percent"] = _("Prevalensi harus antara 0 dan 100 %.")
        if self.numerator is not None and self.denominator is not None:
            if self.numerator > self.denominator:
                errors["numerator"] = _("Pembilang tidak boleh lebih dari penyebut.")
        # 0 is a year too (a falsy one): it must be refused, not skipped.
        if self.year is not None and not 2000 <= self.year <= timezone.localdate().year:
            errors["year"] = _("Tahun harus antara 2000 dan tahun ini.")
        if errors:
            raise ValidationError(errors)


class DashatStatus(models.TextChoices):
    ACTIVE = "active", _("Aktif")
    INACTIVE = "inactive", _("Tidak aktif")


class Dashat(models.Model):
    """A Dapur Sehat Atasi Stunting: the community kitchen of a Kampung KB."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.PROTECT,
        related_name="dashats",
    )
    name = models.CharField(_("nama"), max_length=150)
    formed_on = models.DateField(_("tanggal dibentuk"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=DashatStatus.choices,
        default=DashatStatus.ACTIVE,
    )
    place = models.CharField(_("tempat"), max_length=200, blank=True)
    funding_source = models.CharField(_("sumber dana"), max_length=200, blank=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Dashat")
        verbose_name_plural = pgettext_lazy("plural", "Dashat")
        ordering = ["kampung", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kampung", "name"],
                name="dashat_name_unique_in_kampung",
                violation_error_message=_(
                    "Kampung KB ini sudah punya Dashat dengan nama ini."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.formed_on and self.formed_on > timezone.localdate():
            raise ValidationError(
                {"formed_on": _("Tanggal dibentuk tidak boleh di masa depan.")}
            )


class BeneficiaryCategory(models.TextChoices):
    CATIN = "catin", _("Calon pengantin")
    IBU_HAMIL = "ibu_hamil", _("Ibu hamil")
    IBU_MENYUSUI = "ibu_menyusui", _("Ibu menyusui")
    BADUTA = "baduta", _("Baduta")
    BALITA = "balita", _("Balita")


# Children who receive Dashat meals are followed for six months (DOMAIN.md).
FOLLOW_UP = datetime.timedelta(days=182)


class DashatBeneficiary(models.Model):
    """Someone receiving Dashat meals; baduta and balita are linked to their child record."""

    dashat = models.ForeignKey(
        Dashat,
        verbose_name=_("Dashat"),
        on_delete=models.CASCADE,
        related_name="beneficiaries",
    )
    category = models.CharField(
        _("kategori"), max_length=12, choices=BeneficiaryCategory.choices
    )
    name = models.CharField(_("nama"), max_length=150, blank=True)
    child = models.ForeignKey(
        Child,
        verbose_name=_("anak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dashat_enrolments",
    )
    start_on = models.DateField(_("mulai"))
    follow_up_end = models.DateField(_("akhir pendampingan"))

    scope_paths = ("dashat__kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penerima manfaat Dashat")
        verbose_name_plural = pgettext_lazy("plural", "penerima manfaat Dashat")
        ordering = ["dashat", "start_on"]

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    def clean(self):
        errors = {}
        is_child = self.category in (
            BeneficiaryCategory.BADUTA,
            BeneficiaryCategory.BALITA,
        )
        if is_child and not self.child_id:
            errors["child"] = _("Baduta dan balita dihubungkan ke data anak.")
        if not is_child and self.child_id:
            errors["child"] = _(
                "Hanya baduta dan balita yang dihubungkan ke data anak."
            )
        if not is_child and not self.name:
            errors["name"] = _("Isi nama penerima manfaat.")
        if self.start_on and self.follow_up_end and self.follow_up_end < self.start_on:
            errors["follow_up_end"] = _("Akhir pendampingan sebelum tanggal mulai.")
        if errors:
            raise ValidationError(errors)


class DashatSession(models.Model):
    """A day's cooking and serving at a Dashat."""

    dashat = models.ForeignKey(
        Dashat,
        verbose_name=_("Dashat"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    date = models.DateField(_("tanggal"))
    menu = models.TextField(_("menu"))
    portions = models.PositiveIntegerField(_("jumlah porsi"))
    beneficiaries_present = models.ManyToManyField(
        DashatBeneficiary,
        verbose_name=_("penerima yang hadir"),
        related_name="sessions",
        blank=True,
    )

    scope_paths = ("dashat__kampung__region",)
    history = HistoricalRecords(m2m_fields=[beneficiaries_present])

    class Meta:
        verbose_name = _("sesi Dashat")
        verbose_name_plural = pgettext_lazy("plural", "sesi Dashat")
        ordering = ["dashat", "-date"]

    def __str__(self):
        return f"{self.dashat} {self.date}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError(
                {"date": _("Tanggal sesi tidak boleh di masa depan.")}
            )


class AuditCause(models.TextChoices):
    POVERTY = "poverty", _("Kemiskinan")
    PARENTING = "parenting", _("Pola asuh/pengetahuan gizi")
    GENETIC = "genetic", _("Genetik")
    ILLNESS = "illness", _("Penyakit")
    ENVIRONMENT = "environment", _("Lingkungan/sanitasi")


class AuditIntervention(models.TextChoices):
    FOOD_AID = "food_aid", _("Bantuan makanan")
    CAPITAL_AID = "capital_aid", _("Bantuan modal")
    NUTRITION_EDUCATION = "nutrition_education", _("Edukasi gizi")
    REFERRAL = "referral", _("Rujukan")


class AuditStatus(models.TextChoices):
    OPEN = "open", _("Dibuka")
    IN_PROGRESS = "in_progress", _("Dalam penanganan")
    CLOSED = "closed", _("Selesai")


class CaseAudit(models.Model):
    """An audit of why a child is stunted and what is done about it."""

    child = models.ForeignKey(
        Child, verbose_name=_("anak"), on_delete=models.PROTECT, related_name="audits"
    )
    audited_on = models.DateField(_("tanggal audit"))
    # Several causes and interventions may apply; stored as lists of choice codes.
    causes = models.JSONField(_("penyebab"), default=list)
    interventions = models.JSONField(_("intervensi"), default=list)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AuditStatus.choices,
        default=AuditStatus.OPEN,
    )
    next_follow_up_on = models.DateField(
        _("tindak lanjut berikutnya"), null=True, blank=True
    )
    closed_on = models.DateField(_("tanggal selesai"), null=True, blank=True)
    notes = models.TextField(_("catatan"), blank=True)

    scope_paths = ("child__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audit kasus stunting")
        verbose_name_plural = pgettext_lazy("plural", "audit kasus stunting")
        ordering = ["-audited_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "audited_on"],
                name="one_case_audit_per_child_per_day",
                violation_error_message=_(
                    "Anak ini sudah punya audit kasus pada tanggal itu."
                ),
            )
        ]

    def __str__(self):
        return f"Audit {self.child} {self.audited_on}"

    def clean(self):
        errors = {}
        unknown = set(self.causes or []) - set(AuditCause.values)
        if unknown or not self.causes:
            errors["causes"] = _("Pilih minimal satu penyebab dari daftar.")
        if set(self.interventions or []) - set(AuditIntervention.values):
            errors["interventions"] = _("Intervensi tidak dikenal.")
        if self.audited_on and self.audited_on > timezone.localdate():
            errors["audited_on"] = _("Tanggal audit tidak boleh di masa depan.")
        if self.status == AuditStatus.CLOSED and not self.closed_on:
            errors["closed_on"] = _("Isi tanggal selesai untuk audit yang ditutup.")
        if errors:
            raise ValidationError(errors)


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    REJECTED = "rejected", _("Ditolak: ada baris yang salah")
    FAILED = "failed", _("Gagal")


class ImportBatch(models.Model):
    """One uploaded measurement file, its progress and every problem found in it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("nama berkas"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 berkas"), max_length=64)
    file = models.FileField(_("berkas"), upload_to="imports/%Y/%m/", blank=True)
    save_valid_only = models.BooleanField(
        _("simpan baris yang benar saja"), default=False
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ImportStatus.choices,
        default=ImportStatus.PENDING,
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    processed_rows = models.PositiveIntegerField(_("baris diproses"), default=0)
    created_children = models.PositiveIntegerField(_("anak baru"), default=0)
    created_measurements = models.PositiveIntegerField(_("pengukuran baru"), default=0)
    skipped_rows = models.PositiveIntegerField(_("baris sudah ada"), default=0)
    flagged_rows = models.PositiveIntegerField(
        _("baris dengan z-score janggal"), default=0
    )
    # [{"row": 12, "column": "tanggal ukur", "message": "..."}]; at most a few thousand.
    errors = models.JSONField(_("masalah"), default=list)
    # What reading the file found that is not a problem, shown to the uploader:
    # {"captions": [...], "realigned": {...}, "masked_nik_rows": n,
    #  "ignored_columns": [...], "zscore_differences": {...}}.
    report = models.JSONField(_("laporan pembacaan"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # When its task went to the queue; empty while no broker took it (Redis down):
    # the periodic sweep queues it then (stunting.services.measurement_import_sweep).
    queued_at = models.DateTimeField(_("masuk antrean"), null=True, blank=True)
    # Set each time a worker starts on it: a batch still running long after is
    # one whose worker died (stunting.services.measurement_import_tidy).
    started_at = models.DateTimeField(_("mulai diperiksa"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("impor pengukuran")
        verbose_name_plural = pgettext_lazy("plural", "impor pengukuran")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self):
        return (
            round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
        )

    @property
    def waiting_for_queue(self):
        """Uploaded while the task queue was down: not checked until it is back."""
        return self.status == ImportStatus.PENDING and self.queued_at is None


class NikLookupSource(models.TextChoices):
    IMPORT = "import", _("Impor pengukuran")
    FORM = "form", _("Formulir anak")
    API = "api", _("API")


class NikLookup(models.Model):
    """Who looked NIKs up, and how many were registered outside their region.

    Saying a NIK is registered elsewhere answers a question about a child the
    user may not see, so these answers are counted and rate-limited
    (NIK_OUTSIDE_LIMIT). The NIKs themselves are never kept here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    source = models.CharField(
        _("sumber"), max_length=8, choices=NikLookupSource.choices
    )
    checked = models.PositiveIntegerField(_("NIK diperiksa"), default=0)
    outside = models.PositiveIntegerField(_("NIK terdaftar di luar wilayah"), default=0)
    refused = models.BooleanField(_("ditolak (batas tercapai)"), default=False)

    class Meta:
        verbose_name = _("pencarian NIK")
        verbose_name_plural = pgettext_lazy("plural", "pencarian NIK")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} ({self.outside}/{self.checked})"
