"""Yearly evaluation cycles, their rubrics and scores, and awards.

A cycle (e.g. "Evaluasi dan Pembinaan Kampung KB 2025", seed 003) evaluates the
Kampung KB of one kab/kota. Its rubric starts as a reusable template and is copied
into the cycle when scoring opens, so editing the template later never changes a
cycle's results. How scores become results is in evaluations/selectors.py.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from evaluations.uploads import evidence_path
from villages.models import (
    Classification,
    ClassificationLevel,
    KampungKB,
    Region,
    RegionLevel,
)


class CriterionGroup(models.TextChoices):
    """BKKBN's three groups of success indicators (Modul Kampung KB)."""

    INPUT = "input", _("Input")
    PROSES = "proses", _("Proses")
    OUTPUT = "output", _("Output")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    OPEN = "open", _("Dibuka untuk penilaian")
    CLOSED = "closed", _("Ditutup")


class EligibilityCounting(models.TextChoices):
    """How a Kampung KB's age counts for the province round."""

    # formed_on + N years <= evaluation date (the anniversary counts as reached).
    DATE = "date", _("Dihitung dari tanggal pencanangan sampai tanggal evaluasi")
    # Formation year <= evaluation year - N: how Kota Pekalongan reads its rule in
    # 2025, "minimal tiga tahun, yakni antara 2016 hingga 2022" (seed 003).
    YEAR = "year", _("Dihitung dari tahun pencanangan (tahun evaluasi dikurangi N)")


class AwardLevel(models.TextChoices):
    KABKOTA = "kabkota", _("Kabupaten/kota")
    PROVINSI = "provinsi", _("Provinsi")
    NASIONAL = "nasional", _("Nasional")


WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0"))]
THRESHOLD_VALIDATORS = [
    MinValueValidator(Decimal("0")),
    MaxValueValidator(Decimal("100")),
]
MAX_SCALE = 100


def _weight_field(label, *, default=Decimal("1")):
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=2,
        default=default,
        validators=WEIGHT_VALIDATORS,
    )


class GroupWeights(models.Model):
    """The weight of each indicator group in a total; 0 leaves a group out."""

    weight_input = _weight_field(_("bobot kelompok input"))
    weight_proses = _weight_field(_("bobot kelompok proses"))
    weight_output = _weight_field(_("bobot kelompok output"))

    class Meta:
        abstract = True

    def group_weights(self) -> dict[str, Decimal]:
        return {
            CriterionGroup.INPUT: self.weight_input,
            CriterionGroup.PROSES: self.weight_proses,
            CriterionGroup.OUTPUT: self.weight_output,
        }

    def clean(self):
        weights = [w for w in self.group_weights().values() if w is not None]
        if weights and not any(w > 0 for w in weights):
            raise ValidationError(
                _("Setidaknya satu kelompok indikator harus berbobot lebih dari 0.")
            )


class CriterionFields(models.Model):
    """What a rubric criterion is, in a template or copied into a cycle."""

    group = models.CharField(
        _("kelompok"), max_length=6, choices=CriterionGroup.choices
    )
    code = models.CharField(_("kode"), max_length=10)
    name = models.CharField(_("kriteria"), max_length=200)
    guide = models.TextField(
        _("panduan penilaian"),
        blank=True,
        help_text=_("Apa yang diperiksa dan arti tiap nilai."),
    )
    weight = models.DecimalField(
        _("bobot"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_min = models.PositiveSmallIntegerField(_("nilai terendah"), default=0)
    scale_max = models.PositiveSmallIntegerField(
        _("nilai tertinggi"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SCALE)],
    )
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_max <= self.scale_min
        ):
            raise ValidationError(
                {
                    "scale_max": _(
                        "Nilai tertinggi harus lebih besar dari nilai terendah."
                    )
                }
            )

    @property
    def scale(self):
        return range(self.scale_min, self.scale_max + 1)


class RubricTemplate(GroupWeights):
    """A reusable rubric: criteria in the input, proses and output groups."""

    name = models.CharField(_("nama"), max_length=150)
    description = models.TextField(_("keterangan"), blank=True)
    # Null: shared by every region and changed only by administrators.
    region = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": RegionLevel.KABKOTA},
    )
    # The default built from the BKKBN indicators (DOMAIN.md); there is one.
    builtin = models.BooleanField(_("bawaan"), default=False, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    scope_paths = ("region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("templat rubrik")
        verbose_name_plural = pgettext_lazy("plural", "templat rubrik")
        ordering = ["-builtin", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["builtin"],
                condition=models.Q(builtin=True),
                name="one_builtin_rubric",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.region_id and self.region.level != RegionLevel.KABKOTA:
            raise ValidationError(
                {"region": _("Templat rubrik dimiliki oleh kabupaten/kota.")}
            )


class RubricCriterion(CriterionFields):
    template = models.ForeignKey(
        RubricTemplate,
        verbose_name=_("templat rubrik"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )

    scope_paths = ("template__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kriteria rubrik")
        verbose_name_plural = pgettext_lazy("plural", "kriteria rubrik")
        ordering = ["template", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"],
                name="rubric_criterion_code_unique",
                violation_error_message=_(
                    "Kode kriteria sudah dipakai di templat ini."
                ),
            )
        ]


class CycleQuerySet(models.QuerySet):
    def assigned_to(self, evaluator):
        """Cycles in which `evaluator` is assigned at least one Kampung KB."""
        return self.filter(
            pk__in=EvaluatorAssignment.objects.filter(evaluator=evaluator).values(
                "participant__cycle"
            )
        )


class Cycle(GroupWeights):
    """One yearly evaluation of the Kampung KB of a kab/kota."""

    name = models.CharField(_("nama"), max_length=150)
    year = models.PositiveSmallIntegerField(_("tahun"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": RegionLevel.KABKOTA},
    )
    evaluated_on = models.DateField(
        _("tanggal evaluasi"),
        help_text=_("Acuan umur Kampung KB untuk syarat maju ke tingkat provinsi."),
    )
    scoring_ends_on = models.DateField(
        _("batas akhir penilaian"), null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=6,
        choices=CycleStatus.choices,
        default=CycleStatus.DRAFT,
    )
    template = models.ForeignKey(
        RubricTemplate,
        verbose_name=_("templat rubrik"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cycles",
        help_text=_(
            "Kriterianya disalin ke siklus saat penilaian dibuka; perubahan templat "
            "sesudahnya tidak mengubah siklus ini."
        ),
    )
    min_age_years = models.PositiveSmallIntegerField(
        _("umur minimal untuk tingkat provinsi (tahun)"),
        default=3,
        validators=[MaxValueValidator(50)],
    )
    eligibility_counting = models.CharField(
        _("cara menghitung umur"),
        max_length=4,
        choices=EligibilityCounting.choices,
        default=EligibilityCounting.DATE,
    )
    # The lowest total (0-100) that suggests each level; below the first: dasar.
    threshold_berkembang = models.DecimalField(
        _("nilai minimal berkembang"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=THRESHOLD_VALIDATORS,
    )
    threshold_mandiri = models.DecimalField(
        _("nilai minimal mandiri"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=THRESHOLD_VALIDATORS,
    )
    threshold_berkelanjutan = models.DecimalField(
        _("nilai minimal berkelanjutan (paripurna)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("85"),
        validators=THRESHOLD_VALIDATORS,
    )
    notes = models.TextField(_("catatan"), blank=True)
    source = models.TextField(_("sumber"), blank=True)
    illustrative_note = models.TextField(_("catatan data ilustratif"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    opened_at = models.DateTimeField(_("dibuka pada"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditutup oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Readable where it is held and where a taking-part Kampung KB lies (a camat
    # reads their kecamatan's rows); managed by staff of the kab/kota.
    scope_paths = ("region", "participants__kampung__region")
    write_scope_paths = ("region",)
    history = HistoricalRecords()

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("siklus evaluasi")
        verbose_name_plural = pgettext_lazy("plural", "siklus evaluasi")
        ordering = ["-year", "-evaluated_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="cycle_name_unique_in_region",
                violation_error_message=_(
                    "Sudah ada siklus evaluasi dengan nama ini di kabupaten/kota ini."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.region_id and self.region.level != RegionLevel.KABKOTA:
            errors["region"] = _("Siklus evaluasi diadakan oleh kabupaten/kota.")
        if self.year is not None and not 2016 <= self.year <= 2100:
            errors["year"] = _("Tahun harus antara 2016 dan 2100.")
        elif self.year and self.evaluated_on and self.evaluated_on.year != self.year:
            errors["evaluated_on"] = _("Tanggal evaluasi harus di tahun siklus.")
        if (
            self.scoring_ends_on
            and self.evaluated_on
            and self.scoring_ends_on < self.evaluated_on
        ):
            errors["scoring_ends_on"] = _(
                "Batas akhir penilaian tidak boleh sebelum tanggal evaluasi."
            )
        thresholds = [
            self.threshold_berkembang,
            self.threshold_mandiri,
            self.threshold_berkelanjutan,
        ]
        if None not in thresholds and not (
            Decimal("0") < thresholds[0] < thresholds[1] < thresholds[2]
        ):
            errors["threshold_berkelanjutan"] = _(
                "Ambang klasifikasi harus naik: 0 < berkembang < mandiri < "
                "berkelanjutan ≤ 100."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self):
        return self.status == CycleStatus.OPEN

    @property
    def is_closed(self):
        return self.status == CycleStatus.CLOSED

    def thresholds(self):
        """(level, lowest total) from the highest level down; below all: dasar."""
        return [
            (ClassificationLevel.BERKELANJUTAN, self.threshold_berkelanjutan),
            (ClassificationLevel.MANDIRI, self.threshold_mandiri),
            (ClassificationLevel.BERKEMBANG, self.threshold_berkembang),
        ]

    def decision_ref(self):
        """How a classification decided on this cycle's results names it."""
        return f"{self.name} (siklus evaluasi #{self.pk})"


class CycleCriterion(CriterionFields):
    """A criterion as copied into a cycle when it opened; never changed after."""

    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("siklus evaluasi"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )

    scope_paths = ("cycle__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kriteria siklus")
        verbose_name_plural = pgettext_lazy("plural", "kriteria siklus")
        ordering = ["cycle", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "code"], name="cycle_criterion_code_unique"
            )
        ]


class Participant(models.Model):
    """A Kampung KB taking part in a cycle, and what staff decided on its result."""

    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("siklus evaluasi"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # Whether the Kampung KB was found linked to KRPPA (Kelurahan Ramah dan Peduli
    # Perempuan dan Anak) at this evaluation; null: not recorded.
    krppa_linked = models.BooleanField(
        _("terhubung dengan KRPPA"), null=True, blank=True
    )
    krppa_note = models.TextField(_("catatan KRPPA"), blank=True)
    accepted_classification = models.OneToOneField(
        Classification,
        verbose_name=_("klasifikasi dari saran"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saran diterima oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("saran diterima pada"), null=True, blank=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("peserta evaluasi")
        verbose_name_plural = pgettext_lazy("plural", "peserta evaluasi")
        ordering = ["cycle", "kampung__region"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "kampung"],
                name="participant_once_per_cycle",
                violation_error_message=_(
                    "Kampung KB ini sudah menjadi peserta siklus ini."
                ),
            )
        ]

    def __str__(self):
        return f"{self.cycle}: {self.kampung}"


class EvaluatorAssignment(models.Model):
    """An evaluator who scores a Kampung KB in a cycle."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("peserta evaluasi"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
    )
    assigned_at = models.DateTimeField(_("ditugaskan pada"), auto_now_add=True)

    scope_paths = ("participant__kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penugasan evaluator")
        verbose_name_plural = pgettext_lazy("plural", "penugasan evaluator")
        ordering = ["participant", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "evaluator"], name="evaluator_assigned_once"
            )
        ]

    def __str__(self):
        return f"{self.evaluator} → {self.participant}"


class Score(models.Model):
    """One evaluator's score of one criterion for one Kampung KB."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("peserta evaluasi"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    criterion = models.ForeignKey(
        CycleCriterion,
        verbose_name=_("kriteria"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.PositiveSmallIntegerField(_("nilai"))
    comment = models.TextField(_("komentar"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    scope_paths = ("participant__kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nilai")
        verbose_name_plural = pgettext_lazy("plural", "nilai")
        ordering = ["participant", "criterion", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "criterion", "evaluator"],
                name="one_score_per_evaluator_and_criterion",
            )
        ]

    def __str__(self):
        return f"{self.participant} {self.criterion.code}: {self.value}"

    def clean(self):
        criterion = getattr(self, "criterion", None)
        participant = getattr(self, "participant", None)
        if criterion is None or participant is None:
            return
        if criterion.cycle_id != participant.cycle_id:
            raise ValidationError(
                {"criterion": _("Kriteria ini bukan bagian dari siklus peserta.")}
            )
        if self.value is not None and not (
            criterion.scale_min <= self.value <= criterion.scale_max
        ):
            raise ValidationError(
                {
                    "value": _("Nilai harus antara %(min)s dan %(max)s.")
                    % {"min": criterion.scale_min, "max": criterion.scale_max}
                }
            )


class Evidence(models.Model):
    """A file an evaluator attached to a Kampung KB's scores (PDF, JPEG or PNG).

    Stored under MEDIA_ROOT with a random name and served only through a view that
    checks who may read the Kampung KB's evaluation, never from MEDIA_URL.
    """

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("peserta evaluasi"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    criterion = models.ForeignKey(
        CycleCriterion,
        verbose_name=_("kriteria"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("berkas"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("nama berkas asli"), max_length=255)
    content_type = models.CharField(_("jenis berkas"), max_length=40)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("diunggah pada"), auto_now_add=True)

    scope_paths = ("participant__kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bukti dukung")
        verbose_name_plural = pgettext_lazy("plural", "bukti dukung")
        ordering = ["participant", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Award(models.Model):
    """A prize a Kampung KB won at kab/kota, province or national level."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    level = models.CharField(_("tingkat"), max_length=8, choices=AwardLevel.choices)
    title = models.CharField(
        _("peringkat atau gelar"),
        max_length=150,
        help_text=_("Misalnya Juara II, Juara Harapan, Kampung KB Terbaik."),
    )
    rank = models.PositiveSmallIntegerField(
        _("peringkat (angka)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Kosongkan untuk gelar tanpa nomor, misalnya juara harapan."),
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    awarded_by = models.CharField(
        _("pemberi penghargaan"),
        max_length=200,
        blank=True,
        help_text=_("Misalnya Pemerintah Provinsi Jawa Tengah."),
    )
    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("siklus evaluasi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="awards",
    )
    source = models.TextField(_("sumber"), blank=True)
    illustrative_note = models.TextField(_("catatan data ilustratif"), blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penghargaan")
        verbose_name_plural = pgettext_lazy("plural", "penghargaan")
        ordering = ["-year", "level", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kampung", "level", "year", "title"],
                name="award_once_per_kampung_level_year",
                violation_error_message=_(
                    "Penghargaan ini sudah tercatat untuk Kampung KB ini pada tingkat "
                    "dan tahun itu."
                ),
            )
        ]

    def __str__(self):
        return f"{self.kampung}: {self.title} ({self.get_level_display()} {self.year})"

    def clean(self):
        errors = {}
        if self.year is not None and not 2016 <= self.year <= timezone.localdate().year:
            errors["year"] = _("Tahun harus antara 2016 dan tahun ini.")
        kampung = getattr(self, "kampung", None)
        cycle = getattr(self, "cycle", None)
        if (
            cycle is not None
            and kampung is not None
            and not cycle.participants.filter(kampung=kampung).exists()
        ):
            errors["cycle"] = _("Kampung KB ini bukan peserta siklus tersebut.")
        if errors:
            raise ValidationError(errors)
