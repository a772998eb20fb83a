"""Before and after a launch: measured stunting of a Kampung KB (or a launch batch)
by months since its launch, beside the Kampung KB of the same kab/kota not yet
launched in the same calendar month.

Reads only the refresh's StuntingFigure rows of the desa/kelurahan concerned (one
kab/kota's Kampung KB at most, in the window's years) and the Kampung KB's launch
dates: a few indexed queries, whatever the size of the province.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Min, Sum, Value, When
from django.utils import timezone

from villages.models import KampungKB, LaunchEvent

from .indicators import BY_CODE
from .models import Span, StuntingFigure

# How far before and after the launch the series run (as far as data go).
WINDOW = {Span.MONTH: (-12, 24), Span.QUARTER: (-4, 8)}
PER_YEAR = {Span.MONTH: 12, Span.QUARTER: 4}
SPANS = (Span.MONTH, Span.QUARTER)
# The group of the launched Kampung KB's own rows (others: their launch period).
SUBJECT = -1


def span_asked(raw) -> str:
    """The span of a ?rentang= value: a quarter if it asks for one, else a month."""
    return Span.QUARTER if raw == Span.QUARTER else Span.MONTH


def _index(span, year, part) -> int:
    """A calendar month or quarter as one number (consecutive periods differ by 1)."""
    return year * PER_YEAR[span] + part - 1


def _index_of(span, day: datetime.date) -> int:
    part = day.month if span == Span.MONTH else (day.month - 1) // 3 + 1
    return _index(span, day.year, part)


def _period_of(span, index) -> tuple[int, int]:
    year, rest = divmod(index, PER_YEAR[span])
    return year, rest + 1


@dataclass
class Point:
    """Summed counts of some desa/kelurahan in one month or quarter."""

    offset: int  # periods since the launch (0: the launch's own month/quarter)
    year: int
    part: int
    registered: int = 0
    measured: int = 0
    valid: int = 0
    stunted: int = 0
    kampungs: int = 0  # how many Kampung KB the point sums (with data or not)

    @property
    def prevalence(self) -> float | None:
        return 100 * self.stunted / self.valid if self.valid else None

    @property
    def coverage(self) -> float | None:
        return 100 * self.measured / self.registered if self.registered else None

    @property
    def prevalence_small(self) -> bool:
        return BY_CODE["stunting_measured"].too_small(self.valid)

    @property
    def coverage_small(self) -> bool:
        return BY_CODE["measurement_coverage"].too_small(self.registered)

    @property
    def has_data(self) -> bool:
        return bool(self.registered or self.valid)

    def add(self, row):
        self.registered += row[0]
        self.measured += row[1]
        self.valid += row[2]
        self.stunted += row[3]


@dataclass
class LaunchComparison:
    """The launched series and the not-yet-launched comparison, offset by offset."""

    launched_on: datetime.date
    span: str
    subject: list[Point] = field(default_factory=list)
    comparison: list[Point] = field(default_factory=list)
    kabkota: list[str] = field(default_factory=list)  # codes compared within

    @property
    def rows(self):
        return list(zip(self.subject, self.comparison, strict=True))

    @property
    def has_data(self) -> bool:
        return any(p.has_data for p in self.subject + self.comparison)


def kampung_launch_date(*, kampung: KampungKB) -> datetime.date:
    """When a Kampung KB was launched: its formation date, or its first launch
    event if that was earlier."""
    first = kampung.launches.aggregate(first=Min("date"))["first"]
    return min(filter(None, (kampung.formed_on, first)))


def _launch_dates(kabkota_codes, exclude) -> dict[str, datetime.date]:
    """Launch date of every Kampung KB in these kab/kota but `exclude` (pks), by desa."""
    rows = (
        KampungKB.objects.filter(region__kabkota__in=kabkota_codes)
        .exclude(pk__in=exclude)
        .annotate(first_event=Min("launches__date"))
        .values_list("region_id", "formed_on", "first_event")
    )
    return {code: min(filter(None, (formed, event))) for code, formed, event in rows}


def launch_comparison(
    *, desa_codes, exclude, launched_on: datetime.date, span: str, today=None
) -> LaunchComparison:
    """Measured stunting of `desa_codes` summed, by periods since `launched_on`,
    beside the Kampung KB of their kab/kota (but `exclude`, pks) not yet launched
    by the end of each calendar period.

    A Kampung KB launched later is in the comparison before its launch, not in the
    period it is launched nor after. Periods run over WINDOW, up to the current
    one, trimmed of periods without data at either end.
    """
    today = today or timezone.localdate()
    desa_codes = sorted(set(desa_codes))
    kabkota = sorted({code[:5] for code in desa_codes})
    others = _launch_dates(kabkota, exclude)
    for code in desa_codes:
        others.pop(code, None)
    start = _index_of(span, launched_on)
    first = start + WINDOW[span][0]
    last = min(start + WINDOW[span][1], _index_of(span, today))
    result = LaunchComparison(launched_on=launched_on, span=span, kabkota=kabkota)
    if last < first or not desa_codes:
        return result
    # When each other Kampung KB was launched, as a period; those launched by the
    # window's first period never enter the comparison.
    candidates = {
        code: index
        for code, day in others.items()
        if (index := _index_of(span, day)) > first
    }
    by_index = {}
    for index in range(first, last + 1):
        year, part = _period_of(span, index)
        subject = Point(index - start, year, part, kampungs=len(desa_codes))
        # Not launched by the end of the period: launched in a later one.
        waiting = sum(1 for launched in candidates.values() if launched > index)
        compared = Point(index - start, year, part, kampungs=waiting)
        by_index[index] = (subject, compared)
    # Summed in the database by the calendar period and by when the desa was
    # launched (the subject: SUBJECT; those launched after the window: one
    # group), so a kab/kota's hundreds of desa come back as a few rows per period.
    groups = {}
    for code, launched in candidates.items():
        groups.setdefault(min(launched, last + 1), []).append(code)
    group = Case(
        When(region_code__in=desa_codes, then=Value(SUBJECT)),
        *(When(region_code__in=codes, then=Value(g)) for g, codes in groups.items()),
        output_field=IntegerField(),
    )
    rows = (
        StuntingFigure.objects.filter(
            region_code__in=[*desa_codes, *candidates],
            span=span,
            year__gte=_period_of(span, first)[0],
            year__lte=_period_of(span, last)[0],
        )
        .annotate(group=group)
        .values("year", "part", "group")
        .annotate(
            sum_registered=Sum("registered"),
            sum_measured=Sum("measured"),
            sum_valid=Sum("valid"),
            sum_stunted=Sum("stunted"),
        )
        .values_list(
            "year",
            "part",
            "group",
            "sum_registered",
            "sum_measured",
            "sum_valid",
            "sum_stunted",
        )
        .order_by()
    )
    for year, part, launched, *counts in rows:
        index = _index(span, year, part)
        slot = by_index.get(index)
        if slot is None:
            continue
        subject, compared = slot
        if launched == SUBJECT:
            subject.add(counts)
        elif launched > index:
            compared.add(counts)
    pairs = [by_index[i] for i in range(first, last + 1)]
    while pairs and not (pairs[0][0].has_data or pairs[0][1].has_data):
        pairs.pop(0)
    while pairs and not (pairs[-1][0].has_data or pairs[-1][1].has_data):
        pairs.pop()
    result.subject = [s for s, _c in pairs]
    result.comparison = [c for _s, c in pairs]
    return result


def kampung_comparison(
    *, kampung: KampungKB, span: str, today=None
) -> LaunchComparison:
    """One Kampung KB's before/after series and its comparison."""
    return launch_comparison(
        desa_codes=[kampung.region_id],
        exclude=[kampung.pk],
        launched_on=kampung_launch_date(kampung=kampung),
        span=span,
        today=today,
    )


def batch_comparison(
    *, event: LaunchEvent, batch, members, span: str, today=None
) -> LaunchComparison:
    """A launch batch's before/after series (`members`, some of its Kampung KB
    `batch`, summed and aligned on the event's date) and its comparison, in which
    no Kampung KB of the batch is."""
    return launch_comparison(
        desa_codes=[k.region_id for k in members],
        exclude=[k.pk for k in batch],
        launched_on=event.date,
        span=span,
        today=today,
    )
