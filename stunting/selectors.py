"""Reads for children, measurements and stunting prevalence."""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.utils.translation import gettext_lazy as _

from dashboards.models import Span
from dashboards.selectors import stunting_figures, stunting_regions, stunting_years
from kampungkb.access import can, scoped, user_scope
from villages.models import ANCESTOR_FIELD, Region, RegionLevel

from .disclosure import DAYS_PER_MONTH, shown_age_months, shown_z
from .growth import HAZ_LABELS, REASON_LABELS, WAZ_LABELS, WHZ_LABELS
from .models import Child, Measurement, PrevalenceSource, ReportedPrevalence
from .nik import nik_hash, nik_is_valid, nik_normalise
from .weighing import month_index, weighing_marks_sql

# The periods the refresh stores stunting figures for (dashboards.models.Span).
PeriodKind = Span


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str
    kind: str = PeriodKind.YEAR
    year: int = 0
    part: int = 0


def period_bounds(*, kind: str, year: int, part: int | None = None) -> Period:
    """First and last day of a year, a quarter (part 1-4) or a month (part 1-12)."""
    if kind == PeriodKind.YEAR:
        return Period(
            datetime.date(year, 1, 1),
            datetime.date(year, 12, 31),
            str(year),
            kind,
            year,
        )
    if kind == PeriodKind.QUARTER:
        first_month = 3 * (part - 1) + 1
        last_month = first_month + 2
        last_day = calendar.monthrange(year, last_month)[1]
        return Period(
            datetime.date(year, first_month, 1),
            datetime.date(year, last_month, last_day),
            _("Triwulan %(q)s %(year)s") % {"q": part, "year": year},
            kind,
            year,
            part,
        )
    last_day = calendar.monthrange(year, part)[1]
    start = datetime.date(year, part, 1)
    return Period(
        start,
        datetime.date(year, part, last_day),
        f"{part:02d}/{year}",
        kind,
        year,
        part,
    )


@dataclass
class PrevalenceRow:
    """Measured stunting in one region: children counted once, by their latest value.

    `children` have a valid HAZ in the period (the prevalence's denominator);
    `measured` were measured at all, of `registered` children aged 0-59 months.
    """

    region: Region | None
    children: int = 0
    stunted: int = 0
    severe: int = 0
    measured: int = 0
    registered: int = 0

    @property
    def percent(self):
        return 100 * self.stunted / self.children if self.children else None

    @property
    def severe_percent(self):
        return 100 * self.severe / self.children if self.children else None

    @property
    def coverage_percent(self):
        return 100 * self.measured / self.registered if self.registered else None


def _prevalence_row(region, figure) -> PrevalenceRow:
    if figure is None:
        return PrevalenceRow(region=region)
    return PrevalenceRow(
        region=region,
        children=figure.valid,
        stunted=figure.stunted,
        severe=figure.severe,
        measured=figure.measured,
        registered=figure.registered,
    )


def measured_prevalence(
    *, region: Region, period: Period
) -> tuple[list[PrevalenceRow], PrevalenceRow]:
    """Measured stunting per child region of `region` in a period, and the total.

    DOMAIN.md: children 0-59 months whose latest valid measurement in the period has
    HAZ < -2 (severe: < -3), over children with a valid HAZ in the period. Read
    from the refresh's figures (dashboards.indicators.stunting_counts), so a desa
    and the country cost the same.
    """
    figures = stunting_figures(
        region_code=region.code, year=period.year, span=period.kind, part=period.part
    )
    total = _prevalence_row(region, figures.get(region.code))
    if region.level == RegionLevel.DESA:
        return [], total
    rows = [
        _prevalence_row(child, figures.get(child.code))
        for child in Region.objects.children_of(region).order_by("code")
    ]
    return rows, total


def measured_prevalence_by_year(*, region: Region) -> list[tuple[int, PrevalenceRow]]:
    """The region's measured prevalence for each year with valid measurements."""
    return [
        (figure.year, _prevalence_row(region, figure))
        for figure in stunting_years(region_code=region.code)
    ]


def regions_with_measurements() -> list[str]:
    """Codes of the kab/kota with measured stunting figures in some year."""
    return stunting_regions(level=RegionLevel.KABKOTA)


# Why each source's figure differs from the others and from the measured one.
SOURCE_EXPLANATIONS = {
    PrevalenceSource.SSGI: _(
        "Survei rumah tangga Kementerian Kesehatan: sampel balita yang dipilih acak "
        "di setiap kabupaten/kota, dengan desain dan pembobotan sendiri, diukur oleh "
        "petugas survei. Angkanya perkiraan untuk semua balita wilayah itu, dengan "
        "galat sampel."
    ),
    PrevalenceSource.SKI: _(
        "Survei Kesehatan Indonesia (pengganti SSGI pada 2023): sampel rumah tangga "
        "dengan desain dan pembobotan sendiri, diukur oleh petugas survei."
    ),
    PrevalenceSource.EPPGBM: _(
        "Pencatatan administratif: balita yang ditimbang dan diukur di posyandu dan "
        "dicatat kader di e-PPGBM; hanya anak yang datang, dengan alat dan cara ukur "
        "yang beragam. Biasanya jauh di bawah angka survei."
    ),
    PrevalenceSource.DINKES: _(
        "Angka yang diumumkan Dinas Kesehatan: lihat rujukannya untuk tahu apakah "
        "berasal dari survei atau dari pencatatan posyandu."
    ),
    PrevalenceSource.OTHER: _(
        "Sumber lain atau tidak disebut: lihat rujukannya; tidak digabung dengan "
        "seri lain."
    ),
}


@dataclass
class ReportedSeries:
    """One source's published figures for a region, by year; never mixed with another."""

    source: str
    label: str
    points: list[ReportedPrevalence] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return SOURCE_EXPLANATIONS.get(self.source, "")


def reported_prevalence_series(*, region: Region) -> list[ReportedSeries]:
    """The region's reported prevalence, one series per source, each ordered by year."""
    series = {}
    for row in ReportedPrevalence.objects.filter(region=region).order_by(
        "source", "year"
    ):
        if row.source not in series:
            series[row.source] = ReportedSeries(
                source=row.source, label=PrevalenceSource(row.source).label
            )
        series[row.source].points.append(row)
    return list(series.values())


def age_in_months(days: int) -> float:
    return days / DAYS_PER_MONTH


@dataclass
class ChildCard:
    """What a page may show of a child to this user.

    Name, NIK status, birth date and parent's name are only filled in for users who
    may see them (child.personal in the child's desa); templates never get the model.
    For the others the age counts from the middle of the birth month.
    """

    pk: int
    label: str
    sex: str
    age_months: int
    region: Region
    posyandu: str
    personal: bool
    name: str = ""
    birth_date: datetime.date | None = None
    parent_name: str = ""
    has_nik: bool = False


def child_card(*, child: Child, user, today: datetime.date) -> ChildCard:
    """A child as `user` may see it."""
    personal = can(user, "child.personal", child.region)
    card = ChildCard(
        pk=child.pk,
        label=child.name if personal else _("Anak #%(id)s") % {"id": child.pk},
        sex=child.get_sex_display(),
        age_months=int(age_in_months((today - child.birth_date).days))
        if personal
        else shown_age_months(birth_date=child.birth_date, on=today),
        region=child.region,
        posyandu=child.posyandu,
        personal=personal,
    )
    if personal:
        card.name = child.name
        card.birth_date = child.birth_date
        card.parent_name = child.parent_name
        card.has_nik = child.nik_hash is not None
    return card


STUNTED = "stunting"
STUNTED_CLASSES = ("pendek", "sangat_pendek")


def _reads_beyond_own(user) -> bool:
    """Whether the user reads desa whose personal data they may not see (a PLKB)."""
    scope = user_scope(user)
    return bool(scope.write) and scope.read is not None and scope.write != scope.read


def child_list_keys(*, user) -> tuple[str, ...]:
    """The order of the children list, unique and indexed: by desa, then id; a
    user who reads beyond their own desa sees their own desa first."""
    if _reads_beyond_own(user):
        return ("own", "region_id", "id")
    return ("region_id", "id")


# Up to a few kab/kota of desa: the list of their codes is short enough to send.
DESA_LIST_LIMIT = 2000


def _readable_desa(user, path: str) -> Q:
    """The user's readable desa as a list of codes on `path` (a desa's key).

    Redundant with `scoped()`, which joins the region table, but this form is
    what lets PostgreSQL read the list's index from the scope's first desa: with
    the join alone it may walk the index from the province's first child to
    reach a kab/kota late in the code order (1.5 s at province scale).
    """
    if user_scope(user).read is None:
        return Q()
    desa = scoped(Region.objects.filter(level=RegionLevel.DESA), user)
    codes = list(desa.values_list("code", flat=True)[: DESA_LIST_LIMIT + 1])
    if len(codes) > DESA_LIST_LIMIT:
        return Q()
    return Q(**{f"{path}__in": codes})


def child_list(*, queryset, user):
    """Children of `queryset` ready to page in `child_list_keys` order."""
    children = queryset.select_related("region").filter(
        _readable_desa(user, "region_id")
    )
    if _reads_beyond_own(user):
        # Only a PLKB's kecamatan: small enough to order by an expression.
        own = scoped(Child.objects, user, write=True).values("pk")
        children = children.annotate(own=Case(When(pk__in=own, then=0), default=1))
    return children


def child_search(queryset, *, user, query: str):
    """Children whose name begins with `query` (any case) or whose NIK it is,
    among those whose personal data the user may see; none for other users."""
    query = query.strip()
    if not query:
        return queryset
    if not can(user, "child.personal"):
        return queryset.none()
    mine = scoped(queryset, user, write=True)
    nik = nik_normalise(query)
    if nik and nik_is_valid(nik):
        # Through the stored keyed hash's unique index; the NIK is never stored.
        return mine.filter(nik_hash=nik_hash(nik))
    # UPPER(name) LIKE 'SIT%': the functional index child_name_upper_prefix.
    return mine.filter(name__istartswith=query)


def period_range(*, year: int, month: int | None = None):
    """First and last day of a year, or of a month of it."""
    if month:
        last = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, 1), datetime.date(year, month, last)
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def children_by_measurement(queryset, *, period=None, haz_class: str = ""):
    """Children measured in `period` (first, last day); with `haz_class`, those
    whose latest measurement (in the period) has it (`stunting`: either short
    class). Each child is checked through its (child, measured_on) index."""
    measurements = Measurement.objects.filter(child=OuterRef("pk"))
    if period:
        measurements = measurements.filter(measured_on__range=period)
    if not haz_class:
        return queryset.filter(Exists(measurements))
    latest = measurements.order_by("-measured_on").values("haz_class")[:1]
    classes = STUNTED_CLASSES if haz_class == STUNTED else (haz_class,)
    return queryset.alias(latest_haz=Subquery(latest)).filter(latest_haz__in=classes)


def in_region(path: str, region: Region) -> Q:
    """Rows whose `path` (a desa) lies in `region` or is it."""
    if region.level == RegionLevel.DESA:
        return Q(**{path: region.code})
    return Q(**{f"{path}__{ANCESTOR_FIELD[region.level]}": region.code})


MEASUREMENT_LIST_KEYS = ("child__region_id", "child_id", "-measured_on")


def measurement_list(*, queryset, user):
    """Measurements of `queryset` ready to page in MEASUREMENT_LIST_KEYS order: by
    desa and child, a child's newest first, read child by child through the
    indexes on (region, id) and (child, measured_on)."""
    return queryset.select_related("child__region").filter(
        _readable_desa(user, "child__region_id")
    )


@dataclass
class MeasurementRow:
    """A measurement as the user may see it (stunting.disclosure)."""

    measurement: Measurement
    age_months: float  # whole months from mid birth month without child.personal
    haz: float | None  # rounded to 0.5 without child.personal, and so on
    waz: float | None
    whz: float | None
    haz_label: str
    waz_label: str
    whz_label: str
    flags: list[str]
    reasons: list[str]


_LABELS = {"haz": HAZ_LABELS, "waz": WAZ_LABELS, "whz": WHZ_LABELS}
INDICATOR_NAMES = {
    "haz": _("TB/U"),
    "waz": _("BB/U"),
    "whz": _("BB/TB"),
}


def measurement_reasons(missing_reasons: str) -> list[str]:
    """'haz:age_beyond_table whz:oedema' as Indonesian sentences."""
    reasons = []
    for item in missing_reasons.split():
        name, _sep, code = item.partition(":")
        label = REASON_LABELS.get(code, code)
        reasons.append(f"{INDICATOR_NAMES.get(name, name)}: {label}")
    return reasons


def measurement_rows(*, child: Child, personal: bool) -> list[MeasurementRow]:
    """The child's measurements, newest first, with Indonesian classes and reasons.

    Without `personal` (child.personal) ages and z-scores are coarsened.
    """
    z = (lambda value: value) if personal else shown_z
    rows = []
    for m in child.measurements.order_by("-measured_on"):
        flags = [
            INDICATOR_NAMES[name]
            for name in _LABELS
            if getattr(m, f"{name}_implausible")
        ]
        rows.append(
            MeasurementRow(
                measurement=m,
                age_months=age_in_months(m.age_days)
                if personal
                else shown_age_months(birth_date=child.birth_date, on=m.measured_on),
                haz=z(m.haz),
                waz=z(m.waz),
                whz=z(m.whz),
                haz_label=HAZ_LABELS.get(m.haz_class, ""),
                waz_label=WAZ_LABELS.get(m.waz_class, ""),
                whz_label=WHZ_LABELS.get(m.whz_class, ""),
                flags=flags,
                reasons=measurement_reasons(m.missing_reasons),
            )
        )
    return rows


@dataclass(frozen=True)
class GainMark:
    """A child's latest weighing of a month and its SKDN mark (stunting.weighing)."""

    child_id: int
    measured_on: datetime.date
    weight_kg: Decimal
    mark: str  # N, T, O or B (WeightGain)
    from_file: bool  # the file's mark, not the KBM rule's
    not_gained_twice: bool  # 2T: T this month and the month before
    below_red_line: bool  # BGM: a valid WAZ < -3


def child_gain_marks(*, region: Region, year: int, month: int) -> list[GainMark]:
    """Each child of one desa/kelurahan weighed in a month, with its mark, 2T and
    BGM, by the refresh's own statement (the SKDN counts are these rows counted).

    Bounded by the desa: its children by index, their weighings of the month and
    the two before, and for a first weighing in that window one index probe.
    """
    sql, params = weighing_marks_sql(
        first=(year, month),
        last=(year, month),
        where="AND c.region_id = %s",
        params=[region.code],
    )
    wanted = month_index(year, month)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return sorted(
        (
            GainMark(
                child_id=child_id,
                measured_on=measured_on,
                weight_kg=Decimal(weight_kg),
                mark=mark,
                from_file=bool(from_file),
                not_gained_twice=bool(twice),
                below_red_line=bool(bgm),
            )
            for (
                child_id,
                _region,
                ym,
                measured_on,
                weight_kg,
                mark,
                from_file,
                twice,
                bgm,
            ) in rows
            if ym == wanted
        ),
        key=lambda row: row.child_id,
    )
