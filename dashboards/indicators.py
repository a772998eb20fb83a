"""The indicator registry: what each indicator means and how it is computed.

Each calculator computes a group of indicators for one year at their lowest level
(desa/kelurahan, or kab/kota for targets) in one or two set-based queries, and
gives per indicator {region code: (numerator, denominator)}; stunting's also per
quarter and month, keyed (indicator, span, part). A count has no denominator. dashboards.refresh rolls the figures up and stores them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.utils.translation import get_language, gettext

from dashboards.models import Span
from evaluations.models import Award, Cycle, CycleStatus
from evaluations.selectors import cycle_results
from stunting.models import (
    BALITA_MAX_DAYS,
    Child,
    DashatStatus,
    PrevalenceSource,
    ReportedPrevalence,
)
from stunting.weighing import month_index, weighing_marks_sql
from villages.models import (
    Classification,
    ClassificationLevel,
    FormationTarget,
    KampungKB,
    Program,
    Region,
    RegionLevel,
    RumahDataKu,
)

COUNT, PERCENT, SCORE = "count", "percent", "score"  # SCORE: a mean of 0-100


@dataclass(frozen=True)
class Indicator:
    code: str
    name_id: str
    name_en: str
    unit: str  # COUNT or PERCENT
    definition_id: str
    definition_en: str
    numerator_id: str = ""
    denominator_id: str = ""
    level: int = RegionLevel.DESA  # the level it is computed at
    rolls_up: bool = True  # False: stored only where computed (reported figures)
    # False: computed per desa/kelurahan but stored from the kecamatan up, where
    # a desa's own figure says nothing new (coverage of one desa is 0 or 1 of 1).
    per_desa: bool = True
    # What the denominator counts, for "12 / 1.234 anak" beside a rate.
    counted_id: str = ""
    counted_en: str = ""
    # Which minimum denominator (settings.DASHBOARD_MIN_DENOMINATOR) guards the
    # rate; "" for a published figure, shown as published.
    small_n: str = ""

    @property
    def is_rate(self):
        """Whether it is numerator over denominator (a percentage or a mean)."""
        return self.unit in (PERCENT, SCORE)

    @property
    def scale(self):
        return 100 if self.unit == PERCENT else 1

    @property
    def name(self):
        return (
            self.name_en if (get_language() or "id").startswith("en") else self.name_id
        )

    @property
    def definition(self):
        english = (get_language() or "id").startswith("en")
        return self.definition_en if english else self.definition_id

    @property
    def numerator(self):
        return gettext(self.numerator_id) if self.numerator_id else ""

    @property
    def denominator(self):
        return gettext(self.denominator_id) if self.denominator_id else ""

    @property
    def counted(self):
        english = (get_language() or "id").startswith("en")
        return self.counted_en if english else self.counted_id

    @property
    def min_denominator(self) -> int:
        """The smallest denominator its rate is shown from (0: no rule)."""
        if not self.small_n:
            return 0
        return settings.DASHBOARD_MIN_DENOMINATOR[self.small_n]

    def too_small(self, denominator) -> bool:
        """Whether a rate over this denominator is too unstable to show."""
        return (
            self.is_rate
            and denominator is not None
            and 0 < denominator < self.min_denominator
        )


def _count(code, name_id, name_en, definition_id, definition_en, **extra):
    return Indicator(
        code, name_id, name_en, COUNT, definition_id, definition_en, **extra
    )


def _rate(code, name_id, name_en, definition_id, definition_en, num, den, **extra):
    return Indicator(
        code,
        name_id,
        name_en,
        PERCENT,
        definition_id,
        definition_en,
        numerator_id=num,
        denominator_id=den,
        **extra,
    )


# Plain words, not the models' lazy labels: the registry is built at import time.
_LEVEL_WORDS = {
    ClassificationLevel.DASAR: "dasar",
    ClassificationLevel.BERKEMBANG: "berkembang",
    ClassificationLevel.MANDIRI: "mandiri",
    ClassificationLevel.BERKELANJUTAN: "berkelanjutan (paripurna)",
}
_LEVEL_WORDS_EN = {
    ClassificationLevel.DASAR: "basic",
    ClassificationLevel.BERKEMBANG: "developing",
    ClassificationLevel.MANDIRI: "independent",
    ClassificationLevel.BERKELANJUTAN: "sustainable (paripurna)",
}
SOURCE_NAMES = {
    PrevalenceSource.SSGI: "SSGI",
    PrevalenceSource.SKI: "SKI",
    PrevalenceSource.EPPGBM: "e-PPGBM",
    PrevalenceSource.DINKES: "Dinkes",
    PrevalenceSource.OTHER: "lain",
}
SOURCE_NAMES_EN = {**SOURCE_NAMES, PrevalenceSource.OTHER: "other"}
_AT_YEAR_END = (
    "Kampung KB aktif pada 31 Desember tahun itu.",
    "Active Kampung KB on 31 December of the year.",
)
LEVEL_INDICATORS = {
    level: f"kampung_{level.value}" for level in ClassificationLevel
} | {None: "kampung_unclassified"}

INDICATORS = [
    _count(
        "kampung_formed", "Kampung KB terbentuk", "Kampung KB formed", *_AT_YEAR_END
    ),
    _rate(
        "kampung_coverage",
        "Cakupan desa/kelurahan ber-Kampung KB",
        "Villages with a Kampung KB",
        "Persentase desa/kelurahan yang memiliki Kampung KB aktif pada akhir tahun.",
        "Share of villages with an active Kampung KB at the end of the year.",
        "desa/kelurahan dengan Kampung KB aktif",
        "semua desa/kelurahan",
        per_desa=False,
        counted_id="desa/kelurahan",
        counted_en="villages",
        small_n="share",
    ),
    *[
        _count(
            LEVEL_INDICATORS[level],
            f"Kampung KB {word}",
            f"Kampung KB {_LEVEL_WORDS_EN[level]}",
            f"Kampung KB aktif pada akhir tahun yang klasifikasi terakhirnya {word}.",
            "Active Kampung KB whose latest classification at year end is "
            f"{_LEVEL_WORDS_EN[level]}.",
        )
        for level, word in _LEVEL_WORDS.items()
    ],
    _count(
        LEVEL_INDICATORS[None],
        "Kampung KB belum berklasifikasi",
        "Kampung KB not yet classified",
        "Kampung KB aktif pada akhir tahun tanpa klasifikasi yang berlaku.",
        "Active Kampung KB with no classification in force at year end.",
    ),
    _count(
        "kampung_formed_in_year",
        "Kampung KB baru tahun ini",
        "Kampung KB formed in the year",
        "Kampung KB yang dicanangkan dalam tahun itu.",
        "Kampung KB launched during the year.",
    ),
    _count(
        "formation_target",
        "Target Kampung KB baru",
        "Target of new Kampung KB",
        "Target pembentukan Kampung KB baru yang ditetapkan kabupaten/kota untuk tahun itu.",
        "The number of new Kampung KB a kab/kota planned for the year.",
        level=RegionLevel.KABKOTA,
    ),
    _rate(
        "formation_achievement",
        "Capaian target pembentukan",
        "Formation target achieved",
        "Kampung KB baru dalam tahun itu dibanding target tahun itu, di kabupaten/kota "
        "yang menetapkan target.",
        "Kampung KB formed in the year against that year's target, in the kab/kota "
        "that set one.",
        "Kampung KB baru tahun itu",
        "target Kampung KB baru",
        level=RegionLevel.KABKOTA,
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "dashat_coverage",
        "Cakupan Dashat",
        "Dashat coverage",
        "Persentase Kampung KB aktif yang memiliki Dapur Sehat Atasi Stunting (Dashat) aktif.",
        "Share of active Kampung KB with an active Dashat kitchen.",
        "Kampung KB dengan Dashat aktif",
        "Kampung KB aktif",
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "readiness_web",
        "Web Kampung KB terisi",
        "Kampung KB website filled in",
        "Persentase Kampung KB aktif yang datanya terisi di Web Kampung KB (keadaan kini).",
        "Share of active Kampung KB whose Kampung KB website entry is filled in (current state).",
        "Kampung KB dengan Web terisi",
        "Kampung KB aktif",
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "readiness_siga",
        "K/0 SIGA terisi",
        "SIGA K/0 filled in",
        "Persentase Kampung KB aktif yang K/0 SIGA-nya terisi paling lambat tahun itu.",
        "Share of active Kampung KB whose SIGA K/0 was filled in by that year.",
        "Kampung KB dengan K/0 SIGA terisi",
        "Kampung KB aktif",
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "readiness_rumah_dataku",
        "Memiliki Rumah DataKu",
        "Has a Rumah DataKu",
        "Persentase Kampung KB aktif yang memiliki Rumah DataKu (keadaan kini).",
        "Share of active Kampung KB with a Rumah DataKu (current state).",
        "Kampung KB dengan Rumah DataKu",
        "Kampung KB aktif",
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "readiness_complete",
        "Kesiapan lengkap",
        "Readiness complete",
        "Persentase Kampung KB aktif dengan ketiganya: Web Kampung KB, K/0 SIGA, Rumah DataKu.",
        "Share of active Kampung KB with all three: website, SIGA K/0, Rumah DataKu.",
        "Kampung KB dengan kesiapan lengkap",
        "Kampung KB aktif",
        counted_id="Kampung KB",
        counted_en="Kampung KB",
        small_n="share",
    ),
    _rate(
        "program_convergence",
        "Konvergensi program",
        "Program convergence",
        f"Bagian dari {len(Program)} program yang sudah terintegrasi, rata-rata atas "
        "Kampung KB aktif, sampai akhir tahun.",
        f"Share of the {len(Program)} programs integrated, over active Kampung KB, "
        "by the end of the year.",
        "program terintegrasi",
        f"Kampung KB aktif x {len(Program)} program",
        counted_id="program",
        counted_en="programs",
        small_n="share",
    ),
    _rate(
        "stunting_measured",
        "Prevalensi stunting (pengukuran)",
        "Stunting prevalence (measured)",
        "Anak 0-59 bulan yang pengukuran sah terakhirnya dalam tahun itu ber-TB/U < -2 SD, "
        "dibagi anak 0-59 bulan dengan TB/U sah dalam tahun itu (WHO 2006, Permenkes 2/2020).",
        "Children 0-59 months whose latest valid measurement in the year has HAZ < -2, "
        "over children 0-59 months with a valid HAZ in the year (WHO 2006).",
        "anak pendek atau sangat pendek",
        "anak dengan TB/U sah",
        counted_id="anak",
        counted_en="children",
        small_n="prevalence",
    ),
    _rate(
        "stunting_severe_measured",
        "Prevalensi sangat pendek (pengukuran)",
        "Severe stunting prevalence (measured)",
        "Seperti prevalensi stunting, dengan TB/U < -3 SD.",
        "As stunting prevalence, with HAZ < -3.",
        "anak sangat pendek",
        "anak dengan TB/U sah",
        counted_id="anak",
        counted_en="children",
        small_n="prevalence",
    ),
    _rate(
        "measurement_coverage",
        "Cakupan pengukuran",
        "Measurement coverage",
        "Anak 0-59 bulan yang diukur dalam tahun itu, dibagi anak terdaftar yang berumur "
        "0-59 bulan pada suatu hari dalam tahun itu.",
        "Children 0-59 months measured in the year, over registered children aged 0-59 "
        "months on some day of the year.",
        "anak diukur",
        "anak terdaftar 0-59 bulan",
        counted_id="anak",
        counted_en="children",
        small_n="coverage",
    ),
    Indicator(
        "evaluation_score",
        "Rata-rata skor evaluasi",
        "Mean evaluation score",
        SCORE,
        "Rata-rata skor total (0-100) Kampung KB dalam siklus evaluasi yang ditutup "
        "tahun itu; skor tiap Kampung KB dirata-rata dari para evaluatornya.",
        "Mean total score (0-100) of the Kampung KB in evaluation cycles closed that "
        "year; each Kampung KB's score averages its evaluators.",
        numerator_id="jumlah skor total",
        denominator_id="Kampung KB yang dinilai",
        counted_id="Kampung KB dinilai",
        counted_en="Kampung KB scored",
        small_n="share",
    ),
    _count(
        "evaluation_eligible",
        "Layak maju ke provinsi",
        "Eligible for the province round",
        "Kampung KB dalam siklus evaluasi yang ditutup tahun itu yang memenuhi syarat "
        "umur untuk lomba tingkat provinsi.",
        "Kampung KB in evaluation cycles closed that year that meet the age rule of "
        "the province round.",
    ),
    _count(
        "evaluation_awards",
        "Penghargaan",
        "Awards",
        "Penghargaan (kab/kota, provinsi, nasional) yang diterima Kampung KB tahun itu.",
        "Awards (kab/kota, province, national) Kampung KB received that year.",
    ),
    *[
        _rate(
            f"stunting_reported_{source.value}",
            f"Prevalensi stunting dilaporkan ({name})",
            f"Reported stunting prevalence ({SOURCE_NAMES_EN[source]})",
            f"Angka yang diterbitkan sumber {name} untuk wilayah dan tahun itu, apa "
            "adanya; tidak dijumlahkan ke wilayah induk, tidak dicampur dengan sumber lain.",
            f"The figure source {SOURCE_NAMES_EN[source]} published for the region and "
            "year, as published; "
            "never summed into parent regions or mixed with another source.",
            "",
            "",
            level=None,
            rolls_up=False,
        )
        for source, name in SOURCE_NAMES.items()
    ],
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Posyandu weighing (SKDN), kept per month in SkdnFigure rather than as yearly
# snapshots: outside INDICATORS, defined here for their names and small-n rule.
SKDN_PARTICIPATION = _rate(
    "skdn_participation",
    "Partisipasi penimbangan (D/S)",
    "Weighing participation (D/S)",
    "Balita 0-59 bulan yang ditimbang dalam bulan itu (D) dibagi balita 0-59 bulan "
    "yang terdaftar di wilayah itu pada bulan itu (S).",
    "Children 0-59 months weighed in the month (D) over children 0-59 months "
    "registered in the region that month (S).",
    "balita ditimbang (D)",
    "balita terdaftar (S)",
    counted_id="balita",
    counted_en="children",
    small_n="coverage",
)
SKDN_GAIN = _rate(
    "skdn_gain",
    "Balita naik berat badan (N/D)",
    "Children gaining weight (N/D)",
    "Balita yang berat badannya naik (N) dibagi balita yang ditimbang bulan ini dan "
    "bulan lalu (N + T). Seperti Kemenkes, balita yang tidak ditimbang bulan lalu (O) "
    "dan yang baru pertama kali ditimbang (B) tidak masuk penyebut: kenaikannya tidak "
    "dapat dinilai.",
    "Children who gained weight (N) over children weighed this month and last month "
    "(N + T). As Kemenkes counts it, children not weighed last month (O) and those "
    "weighed for the first time (B) are not in the denominator: their gain cannot be "
    "judged.",
    "balita naik berat badan (N)",
    "balita ditimbang bulan ini dan bulan lalu (N + T)",
    counted_id="balita",
    counted_en="children",
    small_n="coverage",
)


# --- calculators: one year, lowest level, set-based --------------------------------


def _within(path: str, codes) -> Q:
    """Rows whose region (at `path`, "" for Region) lies in these kab/kota or provinces.

    None means everywhere.
    """
    if codes is None:
        return Q()
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}kabkota__in": [c for c in codes if len(c) == 5]}) | Q(
        **{f"{prefix}province__in": [c for c in codes if len(c) == 2]}
    )


def _kampung(*, year, within):
    """Kampung KB counts, classification, Dashat, readiness and programs per desa."""
    end = datetime.date(year, 12, 31)
    level_then = Classification.objects.filter(
        kampung=OuterRef("pk"), effective_on__lte=end
    ).order_by("-effective_on", "-id")
    active = (
        KampungKB.objects.filter(_within("region", within), formed_on__lte=end)
        .filter(Q(is_active=True) | Q(deactivated_on__gt=end))
        .annotate(
            level_then=Subquery(level_then.values("level")[:1]),
            active_dashat=Count(
                "dashats",
                filter=Q(
                    dashats__status=DashatStatus.ACTIVE, dashats__formed_on__lte=end
                ),
                distinct=True,
            ),
            program_count=Count(
                "programs",
                filter=Q(programs__since__lte=end) | Q(programs__since__isnull=True),
                distinct=True,
            ),
        )
        .values_list(
            "region_id",
            "level_then",
            "active_dashat",
            "program_count",
            "web_kampung_kb_filled",
            "siga_k0_year",
            "rumah_dataku",
        )
    )
    out = defaultdict(dict)
    for desa, level, dashat, programs, web, siga, dataku in active:
        out["kampung_formed"][desa] = (1, None)
        out["kampung_coverage"][desa] = (1, 1)
        out[LEVEL_INDICATORS[level and ClassificationLevel(level)]][desa] = (1, None)
        out["dashat_coverage"][desa] = (int(dashat > 0), 1)
        ready = (
            bool(web),
            siga is not None and siga <= year,
            dataku != RumahDataKu.NONE,
        )
        out["readiness_web"][desa] = (int(ready[0]), 1)
        out["readiness_siga"][desa] = (int(ready[1]), 1)
        out["readiness_rumah_dataku"][desa] = (int(ready[2]), 1)
        out["readiness_complete"][desa] = (int(all(ready)), 1)
        out["program_convergence"][desa] = (programs, len(Program))
    # Every desa/kelurahan counts in the coverage denominator.
    desa = Region.objects.filter(_within("", within), level=RegionLevel.DESA)
    for code in desa.values_list("code", flat=True):
        out["kampung_coverage"].setdefault(code, (0, 1))

    formed = KampungKB.objects.filter(
        _within("region", within), formed_on__year=year
    ).values_list("region_id", "region__kabkota_id")
    formed_by_kabkota = defaultdict(int)
    for desa_code, kabkota in formed:
        out["kampung_formed_in_year"][desa_code] = (1, None)
        formed_by_kabkota[kabkota] += 1
    targets = FormationTarget.objects.filter(_within("region", within), year=year)
    for kabkota, target in targets.values_list("region_id", "new_count"):
        out["formation_target"][kabkota] = (target, None)
        out["formation_achievement"][kabkota] = (formed_by_kabkota[kabkota], target)
    return out


# Per desa and month of a year: how many children count in that month, its quarter
# and the year, as measured (any measurement at 0-59 months) and by their latest
# valid HAZ (stunted < -2, severe < -3). One window pass in one sort order: each
# child's rows newest month first, valid before invalid, then newest day. In that
# order a row is the child's first of its month (quarter, year) when the row
# before it lies in another month (quarter) or there is none; it is the latest
# valid one of its month (quarter, year) when it is valid and the nearest valid
# row before it lies in another month (quarter) or there is none. Each such row
# lies in exactly one month, so a quarter's or the year's counts are the sums of
# its months' columns for that span.
_MEASURED_SQL = """
SELECT region_id, month,
       SUM(first_in_month), SUM(valid_in_month),
       SUM(valid_in_month * stunted), SUM(valid_in_month * severe),
       SUM(first_in_quarter), SUM(valid_in_quarter),
       SUM(valid_in_quarter * stunted), SUM(valid_in_quarter * severe),
       SUM(first_in_year), SUM(valid_in_year),
       SUM(valid_in_year * stunted), SUM(valid_in_year * severe)
FROM (
    SELECT region_id, month, stunted, severe,
           CASE WHEN COALESCE(previous_month, 0) <> month THEN 1 ELSE 0 END
               AS first_in_month,
           CASE WHEN COALESCE((previous_month + 2) / 3, 0) <> (month + 2) / 3
               THEN 1 ELSE 0 END AS first_in_quarter,
           CASE WHEN previous_month IS NULL THEN 1 ELSE 0 END AS first_in_year,
           CASE WHEN valid = 1 AND COALESCE(previous_valid_month, 0) <> month
               THEN 1 ELSE 0 END AS valid_in_month,
           CASE WHEN valid = 1
                AND COALESCE((previous_valid_month + 2) / 3, 0) <> (month + 2) / 3
               THEN 1 ELSE 0 END AS valid_in_quarter,
           CASE WHEN valid = 1 AND previous_valid_month IS NULL THEN 1 ELSE 0 END
               AS valid_in_year
    FROM (
        SELECT c.region_id, m.month, m.valid,
               CASE WHEN m.haz < -2 THEN 1 ELSE 0 END AS stunted,
               CASE WHEN m.haz < -3 THEN 1 ELSE 0 END AS severe,
               LAG(m.month) OVER child_rows AS previous_month,
               MIN(CASE WHEN m.valid = 1 THEN m.month END) OVER (
                   child_rows ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ) AS previous_valid_month
        FROM (
            SELECT id, child_id, haz, measured_on, {month} AS month,
                   CASE WHEN haz IS NOT NULL AND NOT haz_implausible THEN 1 ELSE 0 END
                       AS valid
            FROM stunting_measurement
            WHERE measured_on BETWEEN %s AND %s AND age_days BETWEEN 0 AND %s
        ) AS m
        JOIN stunting_child c ON c.id = m.child_id
        {within}
        WINDOW child_rows AS (
            PARTITION BY m.child_id
            ORDER BY m.month DESC, m.valid DESC, m.measured_on DESC, m.id DESC
        )
    ) AS ordered
) AS marked
GROUP BY region_id, month
"""
_MONTH_OF = {
    "postgresql": "CAST(EXTRACT(MONTH FROM measured_on) AS INTEGER)",
    "sqlite": "CAST(strftime('%%m', measured_on) AS INTEGER)",
}


def measured_stunting_sql(*, year, within=None):
    """The statement computing measured stunting per desa and month, and its params."""
    params = [datetime.date(year, 1, 1), datetime.date(year, 12, 31), BALITA_MAX_DAYS]
    clause = ""
    if within is not None:
        kabkota = [c for c in within if len(c) == 5] or [""]
        province = [c for c in within if len(c) == 2] or [""]
        # Inside the window, so only the covered children's rows are ordered.
        clause = (
            "JOIN villages_region r ON r.code = c.region_id "
            "WHERE r.kabkota_id IN ({}) OR r.province_id IN ({})"
        ).format(", ".join(["%s"] * len(kabkota)), ", ".join(["%s"] * len(province)))
        params += kabkota + province
    sql = _MEASURED_SQL.format(within=clause, month=_MONTH_OF[connection.vendor])
    return sql, params


def sub_periods():
    """Every (span, part) of a year that stunting figures are kept for."""
    return (
        [(Span.YEAR, 0)]
        + [(Span.QUARTER, q) for q in range(1, 5)]
        + [(Span.MONTH, m) for m in range(1, 13)]
    )


# The counts of one region and period, in StuntingFigure's column order.
STUNTING_COUNTS = ("registered", "measured", "valid", "stunted", "severe")


def _month_spans(month):
    """The (span, part) of a month, its quarter and its year."""
    return (Span.MONTH, month), (Span.QUARTER, (month + 2) // 3), (Span.YEAR, 0)


def _month_end(year, month):
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def _registered(*, year, within, counts):
    """Add registered children aged 0-59 months on some day of each period.

    A child counts from the month of birth (January if born earlier) through the
    month of its last day at BALITA_MAX_DAYS (December if later); children are
    grouped by those two months, so a desa gives a handful of rows, not one each.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    balita = datetime.timedelta(days=BALITA_MAX_DAYS)
    first = Case(
        *[
            When(birth_date__lt=datetime.date(year, m + 1, 1), then=Value(m))
            for m in range(1, 12)
        ],
        default=Value(12),
    )
    last = Case(
        *[
            When(birth_date__lte=_month_end(year, m) - balita, then=Value(m))
            for m in range(1, 12)
        ],
        default=Value(12),
    )
    rows = (
        Child.objects.filter(
            _within("region", within),
            birth_date__lte=end,
            birth_date__gte=start - balita,
        )
        .annotate(first=first, last=last)
        .values("region_id", "first", "last")
        .annotate(children=Count("id"))
        .order_by()
        .values_list("region_id", "first", "last", "children")
    )
    for desa, first_month, last_month, children in rows:
        for month in range(first_month, last_month + 1):
            counts[(desa, Span.MONTH, month)][0] += children
        for quarter in range((first_month + 2) // 3, (last_month + 2) // 3 + 1):
            counts[(desa, Span.QUARTER, quarter)][0] += children
        counts[(desa, Span.YEAR, 0)][0] += children


def stunting_counts(*, year, within):
    """Per (desa, span, part) of a year: [registered, measured, valid, stunted,
    severe], by one window pass over the measurements and one count of children."""
    counts = defaultdict(lambda: [0, 0, 0, 0, 0])
    sql, params = measured_stunting_sql(year=year, within=within)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for desa, month, *columns in cursor.fetchall():
            for span_part, offset in zip(_month_spans(month), (0, 4, 8), strict=True):
                total = counts[(desa, *span_part)]
                for i in range(4):
                    total[1 + i] += columns[offset + i] or 0
    _registered(year=year, within=within, counts=counts)
    return counts


# The counts of one region and month, in SkdnFigure's column order.
SKDN_COUNTS = (
    "registered",
    "weighed",
    "gained",
    "not_gained",
    "not_weighed_last_month",
    "new",
    "not_gained_twice",
    "below_red_line",
)

_SKDN_SQL = """
SELECT region_id, ym, COUNT(*),
       SUM(CASE WHEN mark = 'N' THEN 1 ELSE 0 END),
       SUM(CASE WHEN mark = 'T' THEN 1 ELSE 0 END),
       SUM(CASE WHEN mark = 'O' THEN 1 ELSE 0 END),
       SUM(CASE WHEN mark = 'B' THEN 1 ELSE 0 END),
       SUM(not_gained_twice), SUM(below_red_line)
FROM ({marks}) AS marks
WHERE ym >= %s
GROUP BY region_id, ym
"""


def skdn_sql(*, year, within=None):
    """The statement counting SKDN marks per desa and month of a year (ym column:
    stunting.weighing.month_index), and its params."""
    join, where, params = "", "", []
    if within is not None:
        kabkota = [c for c in within if len(c) == 5] or [""]
        province = [c for c in within if len(c) == 2] or [""]
        join = "JOIN villages_region r ON r.code = c.region_id"
        where = "AND (r.kabkota_id IN ({}) OR r.province_id IN ({}))".format(
            ", ".join(["%s"] * len(kabkota)), ", ".join(["%s"] * len(province))
        )
        params = kabkota + province
    marks, marks_params = weighing_marks_sql(
        first=(year, 1), last=(year, 12), join=join, where=where, params=params
    )
    return _SKDN_SQL.format(marks=marks), [*marks_params, month_index(year, 1)]


def skdn_counts(*, year, within, stunting):
    """Per (desa, month) of a year: SKDN_COUNTS, by one window pass over the
    year's weighings (and the two months before) and S from `stunting`'s
    registered children (stunting_counts)."""
    counts = defaultdict(lambda: [0] * len(SKDN_COUNTS))
    first = month_index(year, 1)
    sql, params = skdn_sql(year=year, within=within)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for desa, ym, *columns in cursor.fetchall():
            counts[(desa, ym - first + 1)][1:] = [int(c or 0) for c in columns]
    for (desa, span, part), values in stunting.items():
        if span == Span.MONTH and values[0]:
            counts[(desa, part)][0] = values[0]
    return counts


def stunting_indicators(counts):
    """The year's measured stunting, severe stunting and measurement coverage per
    desa, as the other calculators give them, from stunting_counts."""
    out = defaultdict(dict)
    for (desa, span, _part), (
        registered,
        measured,
        valid,
        stunted,
        severe,
    ) in counts.items():
        if span != Span.YEAR:
            continue
        if valid:
            out["stunting_measured"][desa] = (stunted, valid)
            out["stunting_severe_measured"][desa] = (severe, valid)
        if registered:
            out["measurement_coverage"][desa] = (measured, registered)
    return out


def published_figures(*, year):
    """Published prevalence per source and region, as (value, numerator, denominator)."""
    out = defaultdict(dict)
    rows = ReportedPrevalence.objects.filter(year=year)
    for region, source, value, numerator, denominator in rows.values_list(
        "region_id", "source", "value_percent", "numerator", "denominator"
    ):
        out[f"stunting_reported_{source}"][region] = (value, numerator, denominator)
    return out


def _evaluations(*, year, within):
    """Closed evaluation cycles of the year: mean total score, eligible for the
    province round, and awards, per desa/kelurahan of the Kampung KB."""
    out = defaultdict(dict)
    cycles = Cycle.objects.filter(
        _within("region", within), year=year, status=CycleStatus.CLOSED
    )
    for cycle in cycles:
        for result in cycle_results(cycle=cycle):
            desa = result.kampung.region_id
            if result.total is not None:
                total, count = out["evaluation_score"].get(desa, (0, 0))
                out["evaluation_score"][desa] = (total + float(result.total), count + 1)
            if result.eligible:
                eligible, _ = out["evaluation_eligible"].get(desa, (0, None))
                out["evaluation_eligible"][desa] = (eligible + 1, None)
    awards = (
        Award.objects.filter(_within("kampung__region", within), year=year)
        .values("kampung__region_id")
        .annotate(awards=Count("id"))
        .order_by()
        .values_list("kampung__region_id", "awards")
    )
    for desa, count in awards:
        out["evaluation_awards"][desa] = (count, None)
    return out


# The calculators of the indicators that roll up; published_figures gives the rest.
# Stunting is computed apart (stunting_counts): the refresh keeps its counts per
# month and quarter as well as the year's indicators.
CALCULATORS = (_kampung, _evaluations)
