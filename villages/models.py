"""Regions of Indonesia and the Kampung KB registry kept by a district office."""

import datetime
import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class RegionLevel(models.IntegerChoices):
    PROVINSI = 1, _("Provinsi")
    KABKOTA = 2, _("Kabupaten/Kota")
    KECAMATAN = 3, _("Kecamatan")
    DESA = 4, _("Desa/Kelurahan")


class RegionKind(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DISTRIK = "distrik", _("Distrik")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")
    DESA_ADAT = "desa_adat", _("Desa adat")


# The kind as it reads inside a region's name ("Kelurahan Jenggot"; in English
# "Jenggot (urban village)"), lower case in English where the label is capitalised.
KIND_IN_NAME = {
    RegionKind.KECAMATAN: pgettext_lazy("in a name", "Kecamatan"),
    RegionKind.DISTRIK: pgettext_lazy("in a name", "Distrik"),
    RegionKind.KELURAHAN: pgettext_lazy("in a name", "Kelurahan"),
    RegionKind.DESA: pgettext_lazy("in a name", "Desa"),
    RegionKind.DESA_ADAT: pgettext_lazy("in a name", "Desa adat"),
}

# The column on Region (and, through `region__`, on anything placed in a region)
# that holds a row's ancestor-or-self at each level. Grouping by it rolls any count
# up to that level in one query.
ANCESTOR_FIELD = {
    RegionLevel.PROVINSI: "province",
    RegionLevel.KABKOTA: "kabkota",
    RegionLevel.KECAMATAN: "kecamatan",
    RegionLevel.DESA: "code",
}


class RegionQuerySet(models.QuerySet):
    def within(self, region):
        """The region itself and everything below it."""
        if region.level == RegionLevel.DESA:
            return self.filter(pk=region.pk)
        return self.filter(**{ANCESTOR_FIELD[region.level]: region})

    def children_of(self, region):
        return self.filter(parent=region)

    def roots(self):
        return self.filter(level=RegionLevel.PROVINSI)


class Region(models.Model):
    """An administrative region keyed by its Kemendagri code, e.g. 33.75.01.1002."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=RegionLevel.choices)
    kind = models.CharField(_("jenis"), max_length=12, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Ancestors-or-self, stored on the row so roll-ups need no recursive query.
    # RESTRICT (not PROTECT): a row pointing at itself must not block its own delete.
    province = models.ForeignKey(
        "self", verbose_name=_("provinsi"), on_delete=models.RESTRICT, related_name="+"
    )
    kabkota = models.ForeignKey(
        "self",
        verbose_name=_("kabupaten/kota"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    kecamatan = models.ForeignKey(
        "self",
        verbose_name=_("kecamatan"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    postal_code = models.CharField(_("kode pos"), max_length=5, blank=True)

    # Where each model sits in the region tree, for kampungkb.access.
    scope_paths = ("",)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = pgettext_lazy("plural", "wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def label(self):
        """Name with the kind in front where the name does not already say it."""
        if self.level in (RegionLevel.KABKOTA, RegionLevel.PROVINSI):
            return self.name
        # Translatable as a whole: English puts the kind after the name.
        return _("%(kind)s %(name)s") % {
            "kind": KIND_IN_NAME.get(self.kind, self.get_kind_display()),
            "name": self.name,
        }

    def ancestors(self):
        """Ancestors from the province down, not including this region."""
        codes = [self.code[:n] for n in (2, 5, 8) if n < len(self.code)]
        by_code = Region.objects.in_bulk(codes)
        return [by_code[c] for c in codes if c in by_code]


class ClassificationLevel(models.TextChoices):
    DASAR = "dasar", _("Dasar")
    BERKEMBANG = "berkembang", _("Berkembang")
    MANDIRI = "mandiri", _("Mandiri")
    BERKELANJUTAN = "berkelanjutan", _("Berkelanjutan (Paripurna)")

    @classmethod
    def parse(cls, text):
        """Read a level from free text; 'paripurna' is the local word for berkelanjutan."""
        words = (
            str(text or "").strip().lower().replace("(", " ").replace(")", " ").split()
        )
        if words and set(words) <= {"berkelanjutan", "paripurna"}:
            return cls.BERKELANJUTAN
        if len(words) == 1 and words[0] in cls.values:
            return cls(words[0])
        raise ValueError(
            _(
                "Klasifikasi '%(text)s' tidak dikenal; pilih dasar, berkembang, mandiri, atau berkelanjutan (paripurna)."
            )
            % {"text": text}
        )

    @property
    def rank(self):
        return list(ClassificationLevel).index(self) + 1


class RumahDataKu(models.TextChoices):
    NONE = "none", _("Belum ada")
    SEDERHANA = "sederhana", _("Sederhana")
    LENGKAP = "lengkap", _("Lengkap")
    PARIPURNA = "paripurna", _("Paripurna")


class KampungQuerySet(models.QuerySet):
    def in_region(self, region):
        """Kampung KB whose desa/kelurahan lies in `region` (or is it)."""
        if region.level == RegionLevel.DESA:
            return self.filter(region=region)
        return self.filter(**{f"region__{ANCESTOR_FIELD[region.level]}": region})

    def active(self):
        return self.filter(is_active=True)

    def with_current_level(self):
        """Annotate `current_level`: the level of the latest classification entry."""
        latest = Classification.objects.filter(kampung=OuterRef("pk")).order_by(
            "-effective_on", "-id"
        )
        return self.annotate(current_level=Subquery(latest.values("level")[:1]))


# President Jokowi launched the first Kampung KB on 14 January 2016 (Cirebon).
PROGRAM_START = datetime.date(2016, 1, 14)


class KampungKB(models.Model):
    """A Kampung Keluarga Berkualitas: at most one per desa/kelurahan."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="kampung",
        limit_choices_to={"level": RegionLevel.DESA},
        error_messages={"unique": _("Desa/kelurahan ini sudah memiliki Kampung KB.")},
    )
    name = models.CharField(_("nama"), max_length=150)
    formed_on = models.DateField(_("tanggal pencanangan"))
    sk_number = models.CharField(_("nomor SK"), max_length=100, blank=True)
    sk_date = models.DateField(_("tanggal SK"), null=True, blank=True)
    secretariat_address = models.TextField(_("alamat sekretariat"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    deactivated_on = models.DateField(_("tanggal dinonaktifkan"), null=True, blank=True)
    deactivation_reason = models.TextField(_("alasan dinonaktifkan"), blank=True)

    # Readiness: what starting a Kampung KB requires (seed 002) plus KRPPA linkage.
    web_kampung_kb_filled = models.BooleanField(
        _("Web Kampung KB terisi"), default=False
    )
    siga_k0_year = models.PositiveSmallIntegerField(
        _("tahun K/0 SIGA terisi"), null=True, blank=True
    )
    rumah_dataku = models.CharField(
        _("Rumah DataKu"),
        max_length=10,
        choices=RumahDataKu.choices,
        default=RumahDataKu.NONE,
    )
    krppa_integrated = models.BooleanField(_("terintegrasi KRPPA"), default=False)

    source = models.TextField(_("sumber"), blank=True)
    illustrative_note = models.TextField(
        _("catatan data ilustratif"),
        blank=True,
        help_text=_(
            "Nilai mana yang tidak berasal dari sumber (kosong: semua bersumber)."
        ),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    # Bumped on every edit of the Kampung KB or its Pokja and programs, so a form
    # saved from a stale page is refused instead of silently overwriting.
    version = models.PositiveIntegerField(_("versi"), default=1)

    scope_paths = ("region",)
    # The history shows what people changed, not the bookkeeping columns.
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    objects = KampungQuerySet.as_manager()

    class Meta:
        verbose_name = _("Kampung KB")
        verbose_name_plural = pgettext_lazy("plural", "Kampung KB")
        ordering = ["region"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.region_id and self.region.level != RegionLevel.DESA:
            errors["region"] = _("Kampung KB hanya dapat dibentuk di desa/kelurahan.")
        if self.formed_on and self.formed_on > timezone.localdate():
            errors["formed_on"] = _("Tanggal pencanangan tidak boleh di masa depan.")
        elif self.formed_on and self.formed_on < PROGRAM_START:
            errors["formed_on"] = _(
                "Tanggal pencanangan tidak boleh sebelum program Kampung KB dimulai "
                "(14 Januari 2016)."
            )
        if self.sk_date and self.sk_date > timezone.localdate():
            errors["sk_date"] = _("Tanggal SK tidak boleh di masa depan.")
        if (
            self.siga_k0_year
            and not 2000 <= self.siga_k0_year <= timezone.localdate().year
        ):
            errors["siga_k0_year"] = _("Tahun K/0 harus antara 2000 dan tahun ini.")
        if self.deactivated_on and (
            self.deactivated_on > timezone.localdate()
            or (self.formed_on and self.deactivated_on < self.formed_on)
        ):
            errors["deactivated_on"] = _(
                "Tanggal dinonaktifkan harus di antara tanggal pencanangan dan hari ini."
            )
        if self.formed_on and self.pk:
            first = self.classifications.order_by("effective_on").first()
            if first and first.effective_on < self.formed_on:
                errors["formed_on"] = _(
                    "Tanggal pencanangan tidak boleh setelah klasifikasi pertama (%(date)s)."
                ) % {"date": first.effective_on.isoformat()}
        if errors:
            raise ValidationError(errors)

    def current_classification(self):
        return self.classifications.order_by("-effective_on", "-id").first()


# What staff check before deciding a level (the decide page sets it beside what the
# Kampung KB has). No official numeric rule is public: the start requirements are
# the program's (Web Kampung KB, K/0, Rumah DataKu); the rest is the office's
# working rule, replaced as a whole by settings.KAMPUNG_LEVEL_REQUIREMENTS.
LEVEL_REQUIREMENTS = {
    "dasar": {
        "rumah_dataku": "sederhana",
        "programs": 1,
        "pokja_seksi": 0,
        "dashat": False,
    },
    "berkembang": {
        "rumah_dataku": "sederhana",
        "programs": 4,
        "pokja_seksi": 4,
        "dashat": False,
    },
    "mandiri": {
        "rumah_dataku": "lengkap",
        "programs": 8,
        "pokja_seksi": 8,
        "dashat": True,
    },
    "berkelanjutan": {
        "rumah_dataku": "paripurna",
        "programs": 11,
        "pokja_seksi": 8,
        "dashat": True,
    },
}


class ClassificationBasis(models.TextChoices):
    LAUNCH = "launch", _("Pencanangan/launching")
    SK = "sk", _("Surat keputusan (SK)")
    EVALUATION = "evaluation", _("Hasil evaluasi")
    PROPOSAL = "proposal", _("Usulan PLKB yang disetujui dinas")


class Classification(models.Model):
    """One entry of a Kampung KB's classification history; the latest is current."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.CASCADE,
        related_name="classifications",
    )
    level = models.CharField(
        _("klasifikasi"), max_length=14, choices=ClassificationLevel.choices
    )
    effective_on = models.DateField(_("berlaku sejak"))
    basis = models.CharField(
        _("dasar penetapan"), max_length=10, choices=ClassificationBasis.choices
    )
    decided_by = models.CharField(_("ditetapkan oleh"), max_length=200, blank=True)
    decision_ref = models.CharField(
        _("nomor SK / rujukan evaluasi"), max_length=200, blank=True
    )
    note = models.TextField(_("catatan"), blank=True)
    illustrative_note = models.TextField(_("catatan data ilustratif"), blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("riwayat klasifikasi")
        verbose_name_plural = pgettext_lazy("plural", "riwayat klasifikasi")
        ordering = ["kampung", "-effective_on", "-id"]
        indexes = [models.Index(fields=["kampung", "-effective_on", "-id"])]

    def __str__(self):
        return f"{self.kampung}: {self.get_level_display()} ({self.effective_on})"

    def clean(self):
        errors = {}
        if self.effective_on and self.effective_on > timezone.localdate():
            errors["effective_on"] = _("Tanggal berlaku tidak boleh di masa depan.")
        # getattr: an admin inline validates entries before their Kampung KB is saved.
        kampung = getattr(self, "kampung", None)
        formed_on = kampung.formed_on if kampung else None
        if self.effective_on and formed_on and self.effective_on < formed_on:
            errors["effective_on"] = _(
                "Klasifikasi tidak dapat berlaku sebelum Kampung KB dicanangkan (%(date)s)."
            ) % {"date": formed_on.isoformat()}
        if errors:
            raise ValidationError(errors)


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu keputusan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")


PENDING_PROPOSAL_EXISTS = _(
    "Kampung KB ini masih punya usulan yang menunggu keputusan dinas."
)


def proposal_evidence_path(instance, filename):
    """A random name; the uploader's file name is kept apart (evidence_name)."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"villages/proposals/{secrets.token_hex(16)}{suffix}"


class ClassificationProposal(models.Model):
    """A PLKB's proposal to change a Kampung KB's level, which staff approve or reject."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    level = models.CharField(
        _("klasifikasi yang diusulkan"),
        max_length=14,
        choices=ClassificationLevel.choices,
    )
    effective_on = models.DateField(_("berlaku sejak"))
    reason = models.TextField(_("alasan"))
    proposed_by = models.ForeignKey(
        "kampungkb.User",
        verbose_name=_("diusulkan oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("diusulkan pada"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        "kampungkb.User",
        verbose_name=_("diputuskan oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decision_note = models.TextField(_("catatan keputusan"), blank=True)
    # An SK, a photo or a report the proposal relies on (kampungkb.uploads rules);
    # stored under a random name and served only through the proposal's page.
    evidence = models.FileField(
        _("bukti dukung"),
        upload_to=proposal_evidence_path,
        max_length=200,
        blank=True,
    )
    evidence_name = models.CharField(_("nama berkas asli"), max_length=255, blank=True)
    evidence_type = models.CharField(_("jenis berkas"), max_length=40, blank=True)
    classification = models.OneToOneField(
        Classification,
        verbose_name=_("klasifikasi yang dihasilkan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
    )

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("usulan klasifikasi")
        verbose_name_plural = pgettext_lazy("plural", "usulan klasifikasi")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kampung"],
                condition=models.Q(status=ProposalStatus.PENDING),
                name="one_pending_proposal_per_kampung",
                violation_error_message=PENDING_PROPOSAL_EXISTS,
            )
        ]

    def __str__(self):
        return (
            f"{self.kampung}: {self.get_level_display()} ({self.get_status_display()})"
        )


class PokjaRole(models.TextChoices):
    PELINDUNG = "pelindung", _("Pelindung")
    PENASEHAT = "penasehat", _("Penasehat")
    KETUA = "ketua", _("Ketua")
    SEKRETARIS = "sekretaris", _("Sekretaris")
    BENDAHARA = "bendahara", _("Bendahara")
    KETUA_SEKSI = "ketua_seksi", _("Ketua seksi")


class PokjaSeksi(models.TextChoices):
    """The eight seksi of a Pokja, one per family function."""

    KEAGAMAAN = "keagamaan", _("Keagamaan")
    SOSIALISASI_PENDIDIKAN = "sosialisasi_pendidikan", _("Sosialisasi dan pendidikan")
    REPRODUKSI = "reproduksi", _("Reproduksi")
    EKONOMI = "ekonomi", _("Ekonomi")
    PERLINDUNGAN = "perlindungan", _("Perlindungan")
    KASIH_SAYANG = "kasih_sayang", _("Kasih sayang")
    SOSIAL_BUDAYA = "sosial_budaya", _("Sosial budaya")
    PEMBINAAN_LINGKUNGAN = "pembinaan_lingkungan", _("Pembinaan lingkungan")


# Roles that several people may hold at once (e.g. Camat and Lurah as pelindung).
SHARED_POKJA_ROLES = (PokjaRole.PELINDUNG, PokjaRole.PENASEHAT)


class PokjaMember(models.Model):
    """An officer or seksi chair of a Kampung KB's Pokja."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.CASCADE,
        related_name="pokja",
    )
    role = models.CharField(_("jabatan"), max_length=12, choices=PokjaRole.choices)
    seksi = models.CharField(
        _("seksi"), max_length=24, choices=PokjaSeksi.choices, blank=True
    )
    name = models.CharField(_("nama"), max_length=150)
    position = models.CharField(_("jabatan dinas/instansi"), max_length=150, blank=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pengurus Pokja")
        verbose_name_plural = pgettext_lazy("plural", "pengurus Pokja")
        ordering = ["kampung", "role", "seksi"]
        constraints = [
            models.UniqueConstraint(
                fields=["kampung", "role", "seksi"],
                condition=~models.Q(role__in=SHARED_POKJA_ROLES),
                name="pokja_one_holder_per_post",
                violation_error_message=_(
                    "Jabatan ini sudah terisi di Pokja Kampung KB ini."
                ),
            ),
            models.CheckConstraint(
                condition=(models.Q(role=PokjaRole.KETUA_SEKSI) & ~models.Q(seksi=""))
                | (~models.Q(role=PokjaRole.KETUA_SEKSI) & models.Q(seksi="")),
                name="pokja_seksi_only_for_seksi_chair",
                violation_error_message=_(
                    "Seksi wajib diisi untuk ketua seksi, dan hanya untuk ketua seksi."
                ),
            ),
        ]

    def __str__(self):
        post = self.get_seksi_display() if self.seksi else self.get_role_display()
        return f"{post}: {self.name}"


class KampungActivity(models.Model):
    """A note of something held at a Kampung KB: a counselling session, a meeting."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    held_on = models.DateField(_("tanggal kegiatan"))
    title = models.CharField(_("kegiatan"), max_length=200)
    note = models.TextField(_("catatan"), blank=True)
    participants = models.PositiveIntegerField(
        _("jumlah peserta"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kegiatan Kampung KB")
        verbose_name_plural = pgettext_lazy("plural", "kegiatan Kampung KB")
        ordering = ["kampung", "-held_on", "-id"]
        indexes = [models.Index(fields=["kampung", "-held_on", "-id"])]

    def __str__(self):
        return f"{self.kampung} {self.held_on}"

    def clean(self):
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError(
                {"held_on": _("Tanggal kegiatan tidak boleh di masa depan.")}
            )


class Program(models.TextChoices):
    """Programs every Kampung KB should have integrated (Pemkab Pekalongan, 2024)."""

    RUMAH_DATAKU = "rumah_dataku", _("Rumah DataKu")
    BANSOS_PKH = "bansos_pkh", _("Fasilitasi Bansos dan PKH")
    BPJS = "bpjs", _("BPJS")
    RTLH = "rtlh", _("Fasilitasi RTLH")
    AIR_JAMBAN_LINGKUNGAN = (
        "air_jamban_lingkungan",
        _("Air bersih, jamban sehat, dan lingkungan permukiman bersih"),
    )
    LAYANAN_RUJUKAN = "layanan_rujukan", _("Layanan rujukan")
    NIB = "nib", _("Nomor Induk Berusaha (NIB)")
    MODAL_UMKM = "modal_umkm", _("Bantuan modal UMKM")
    PELATIHAN_UMKM = "pelatihan_umkm", _("Fasilitasi pelatihan UMKM")
    UPPKA = "uppka", _("Fasilitasi UPPKA")
    EDUKASI_GIZI = "edukasi_gizi", _("Edukasi pangan dan gizi keluarga")


class ProgramIntegration(models.Model):
    """A program of an agency (OPD) or partner that has converged in a Kampung KB."""

    kampung = models.ForeignKey(
        KampungKB,
        verbose_name=_("Kampung KB"),
        on_delete=models.CASCADE,
        related_name="programs",
    )
    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    since = models.DateField(_("sejak"), null=True, blank=True)
    agency = models.CharField(_("OPD/mitra"), max_length=200, blank=True)
    notes = models.TextField(_("catatan"), blank=True)

    scope_paths = ("kampung__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("integrasi program")
        verbose_name_plural = pgettext_lazy("plural", "integrasi program")
        ordering = ["kampung", "program"]
        constraints = [
            models.UniqueConstraint(
                fields=["kampung", "program"],
                name="program_once_per_kampung",
                violation_error_message=_(
                    "Program ini sudah tercatat untuk Kampung KB ini."
                ),
            )
        ]

    def __str__(self):
        return f"{self.kampung}: {self.get_program_display()}"

    def clean(self):
        if self.since and self.since > timezone.localdate():
            raise ValidationError(
                {"since": _("Tanggal mulai tidak boleh di masa depan.")}
            )


class OfficerKind(models.TextChoices):
    PLKB = "plkb", _("PLKB")
    PKB = "pkb", _("PKB")


class FieldOfficer(models.Model):
    """A PLKB/PKB field officer who accompanies one or more desa/kelurahan."""

    name = models.CharField(_("nama"), max_length=150)
    kind = models.CharField(
        _("jenis"), max_length=4, choices=OfficerKind.choices, default=OfficerKind.PLKB
    )
    nip = models.CharField(_("NIP"), max_length=30, blank=True)
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    user = models.OneToOneField(
        "kampungkb.User",
        verbose_name=_("akun"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="field_officer",
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("desa/kelurahan binaan"),
        through="OfficerAssignment",
        related_name="field_officers",
    )

    scope_paths = ("assignments__region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("PLKB/PKB")
        verbose_name_plural = pgettext_lazy("plural", "PLKB/PKB")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class OfficerAssignment(models.Model):
    """Which desa/kelurahan a field officer accompanies, since when."""

    officer = models.ForeignKey(
        FieldOfficer,
        verbose_name=_("PLKB/PKB"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="officer_assignments",
        limit_choices_to={"level": RegionLevel.DESA},
    )
    assigned_on = models.DateField(_("ditugaskan sejak"), null=True, blank=True)

    scope_paths = ("region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penugasan PLKB/PKB")
        verbose_name_plural = pgettext_lazy("plural", "penugasan PLKB/PKB")
        ordering = ["region", "officer"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "region"],
                name="officer_assigned_once_per_region",
                violation_error_message=_(
                    "Petugas ini sudah ditugaskan di desa/kelurahan ini."
                ),
            )
        ]

    def __str__(self):
        return f"{self.officer} → {self.region.name}"

    def clean(self):
        if self.region_id and self.region.level != RegionLevel.DESA:
            raise ValidationError(
                {"region": _("PLKB/PKB ditugaskan di desa/kelurahan.")}
            )


class LaunchEvent(models.Model):
    """A launch (pencanangan) ceremony at which one or more Kampung KB were launched."""

    date = models.DateField(_("tanggal"))
    place = models.CharField(_("tempat"), max_length=200, blank=True)
    organizer = models.ForeignKey(
        Region,
        verbose_name=_("wilayah penyelenggara"),
        on_delete=models.PROTECT,
        related_name="launch_events",
    )
    officials = models.TextField(_("pejabat yang hadir"), blank=True)
    kampungs = models.ManyToManyField(
        KampungKB,
        verbose_name=_("Kampung KB yang dicanangkan"),
        related_name="launches",
        blank=True,
    )
    notes = models.TextField(_("catatan"), blank=True)
    source_url = models.URLField(_("tautan sumber"), blank=True)
    source = models.TextField(_("sumber"), blank=True)
    illustrative_note = models.TextField(_("catatan data ilustratif"), blank=True)

    # Readable where it was organised or where a launched Kampung KB lies.
    scope_paths = ("organizer", "kampungs__region")
    write_scope_paths = ("organizer",)
    history = HistoricalRecords(m2m_fields=[kampungs])

    class Meta:
        verbose_name = _("acara pencanangan")
        verbose_name_plural = pgettext_lazy("plural", "acara pencanangan")
        ordering = ["-date", "id"]
        constraints = [
            # The same ceremony recorded twice (a double-tapped form, a resent API call).
            models.UniqueConstraint(
                fields=["organizer", "date", "place"],
                name="one_launch_per_organizer_date_place",
                violation_error_message=_(
                    "Acara pencanangan wilayah ini pada tanggal dan tempat itu sudah "
                    "tercatat."
                ),
            )
        ]

    def __str__(self):
        return f"{self.date:%d-%m-%Y} — {self.place or self.organizer.name}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError(
                {"date": _("Tanggal pencanangan tidak boleh di masa depan.")}
            )


class FormationTarget(models.Model):
    """How many new Kampung KB a kab/kota plans to form in a year."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="formation_targets",
        limit_choices_to={"level": RegionLevel.KABKOTA},
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    new_count = models.PositiveIntegerField(_("target Kampung KB baru"))
    source = models.TextField(_("sumber"), blank=True)

    scope_paths = ("region",)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target pembentukan")
        verbose_name_plural = pgettext_lazy("plural", "target pembentukan")
        ordering = ["region", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                name="one_target_per_region_year",
                violation_error_message=_(
                    "Target untuk kabupaten/kota dan tahun ini sudah ada."
                ),
            )
        ]

    def __str__(self):
        return f"{self.region.name} {self.year}: {self.new_count}"

    def clean(self):
        if self.region_id and self.region.level != RegionLevel.KABKOTA:
            raise ValidationError(
                {"region": _("Target ditetapkan per kabupaten/kota.")}
            )
        if self.year is not None and not 2014 <= self.year <= 2100:
            raise ValidationError({"year": _("Tahun harus antara 2014 dan 2100.")})


class BoundaryFormat(models.TextChoices):
    GEOJSON = "geojson", _("GeoJSON")
    SHAPEFILE = "shapefile", _("Shapefile (.zip)")
    KML = "kml", _("KML/KMZ")


class BoundaryUpload(models.Model):
    """A boundary file an office uploaded, with what became of each feature."""

    file_name = models.CharField(_("nama berkas"), max_length=200)
    file_format = models.CharField(
        _("format"), max_length=10, choices=BoundaryFormat.choices
    )
    uploaded_by = models.ForeignKey(
        "kampungkb.User",
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        # None: loaded by the system (the demo's schematic boundaries).
        null=True,
        blank=True,
        related_name="boundary_uploads",
    )
    uploaded_at = models.DateTimeField(_("waktu unggah"), default=timezone.now)
    # Made-up shapes (the demo's), which every map drawn from them says.
    schematic = models.BooleanField(_("skematis, bukan batas resmi"), default=False)
    features = models.PositiveIntegerField(_("jumlah fitur"), default=0)
    matched = models.PositiveIntegerField(_("wilayah cocok"), default=0)
    repaired = models.PositiveIntegerField(_("geometri diperbaiki"), default=0)
    unmatched = models.PositiveIntegerField(_("fitur tidak cocok"), default=0)
    refused = models.PositiveIntegerField(_("geometri ditolak"), default=0)
    # One entry per feature not stored as it came: {"feature": 3, "name": "...",
    # "status": "unmatched" | "refused" | "repaired" | "merged", "reason": "..."}.
    problems = models.JSONField(_("laporan"), default=list, blank=True)

    # Readable by whoever reads the regions its boundaries were stored for; the
    # uploader always sees their own (views filter by uploaded_by as well).
    scope_paths = ("boundaries__region",)

    class Meta:
        verbose_name = _("unggahan batas wilayah")
        verbose_name_plural = pgettext_lazy("plural", "unggahan batas wilayah")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class Boundary(models.Model):
    """A region's boundary: validated, simplified GeoJSON (WGS84), stored once.

    A new upload for the region replaces it.
    """

    region = models.OneToOneField(
        Region,
        verbose_name=_("wilayah"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="boundary",
    )
    # A GeoJSON Polygon or MultiPolygon, coordinates rounded to 5 decimals (~1 m).
    geometry = models.JSONField(_("geometri"))
    vertices = models.PositiveIntegerField(_("jumlah titik"))
    # A point inside the boundary (not always its centroid), where a map puts the
    # region's tap target.
    label_lon = models.FloatField(_("bujur titik label"))
    label_lat = models.FloatField(_("lintang titik label"))
    upload = models.ForeignKey(
        BoundaryUpload,
        verbose_name=_("unggahan"),
        on_delete=models.PROTECT,
        related_name="boundaries",
    )
    updated_at = models.DateTimeField(_("diperbarui"), default=timezone.now)

    scope_paths = ("region",)

    class Meta:
        verbose_name = _("batas wilayah")
        verbose_name_plural = pgettext_lazy("plural", "batas wilayah")
        ordering = ["region"]

    def __str__(self):
        return str(self.region)
