"""Early warnings: the registry of alert kinds and their raising by the refresh.

Each kind is one function registered with `@alert_kind`: given the refresh's
scope (kab/kota or province codes, or None for the country), its years, the
rules in force and today, it yields unsaved Alerts, each with a `key` that names
what it is about. `alert_raise` stores those whose key is new, so a rerun raises
nothing twice. The functions are set-based and bounded: the region rule reads
desa/kelurahan StuntingFigure rows of the refreshed years; the child rules read
measurements of the last CHILD_WINDOW days through the measured_on index, and
each candidate's neighbours through the (child, measured_on) index, never a
child's whole history across the province.

Definitions:
- stunting_rise: a desa/kelurahan's measured stunting (stunted / valid, the
  StuntingFigure counts) rises by more than `points` percentage points from one
  period to the next (consecutive quarters, or years, as the rule's `span`
  says), with at least `min_children` valid measurements in both periods;
- newly_stunted: a child's latest valid HAZ is < -2 and the valid HAZ before it
  was >= -2;
- haz_drop: a child's latest valid HAZ is more than `haz_drop` SD below the
  valid HAZ before it;
- audit_overdue: a child stunted since a measurement (its onset: HAZ < -2 after
  a valid HAZ >= -2, or the first valid one) more than `days` days ago, still
  stunted (no later valid HAZ >= -2) and with no case audit on or after it;
- dashat_no_end: a child Dashat beneficiary whose follow-up ended more than
  `days` days ago with no valid measurement from END_EARLY before the end on.

To add a kind: a choice in AlertKind (and its migration), then one function
decorated with `@alert_kind(AlertKind.X, thresholds=(...), defaults={...})`.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from stunting.models import CaseAudit, DashatBeneficiary, Measurement
from stunting.weighing import weighing_marks_sql
from villages.models import RegionLevel

from .models import Alert, AlertKind, AlertRule, Span, StuntingFigure

STUNTED = -2
# Child rules look at measurements this recent: the nightly refresh and the one
# after each change pass over every day many times, and late entries up to this
# old are still caught.
CHILD_WINDOW = datetime.timedelta(days=45)
# A measurement this long before a Dashat follow-up's end counts as its end one.
END_EARLY = datetime.timedelta(days=14)
# A HAZ drop is compared after this rounding guard (floats: 1.00 - 1.67 != 0.67).
EPSILON = 1e-9


@dataclass(frozen=True)
class Kind:
    code: str
    find: Callable[..., Iterable[Alert]]
    # The AlertRule fields this kind reads, shown on its settings form.
    thresholds: tuple[str, ...]
    defaults: dict = field(default_factory=dict)

    def default_rule(self) -> AlertRule:
        return AlertRule(kind=self.code, **self.defaults)


KINDS: dict[str, Kind] = {}


def alert_kind(code, *, thresholds, defaults=None):
    """Register the function that finds one kind's alerts."""

    def register(find):
        KINDS[code] = Kind(
            code=code, find=find, thresholds=thresholds, defaults=defaults or {}
        )
        return find

    return register


class Rules:
    """The rules of one kind in force, most specific first: kab/kota, province,
    country, built-in defaults. None where the most specific rule is inactive."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.by_region = {
            rule.region_id: rule for rule in AlertRule.objects.filter(kind=kind.code)
        }
        self.default = self.by_region.get(None) or kind.default_rule()

    def for_code(self, code: str) -> AlertRule | None:
        for key in (code[:5], code[:2]):
            if key in self.by_region:
                rule = self.by_region[key]
                return rule if rule.active else None
        return self.default if self.default.active else None

    def all_active(self) -> list[AlertRule]:
        rules = [r for r in self.by_region.values() if r.active]
        return rules + ([self.default] if self.default.active else [])

    def loosest(self, name, pick=min):
        """The loosest value of a threshold over the active rules (a query bound)."""
        values = [getattr(r, name) for r in self.all_active()]
        return pick(values) if values else None


def _region_q(within, path) -> Q:
    """Rows whose desa (the foreign key `path`) lies in the refresh's scope.

    A kab/kota through the desa's kabkota column: PostgreSQL then walks that
    kab/kota's children (about 90,000) to their recent measurements. A province
    by the desa code's prefix on the row's own column: joined to the regions, it
    would walk every child of the province (2.5 M, 200 s for Jawa Tengah); by
    the prefix it reads the window's measurements instead (40 s)."""
    if within is None:
        return Q()
    q = Q(pk__in=[])
    kabkota = [c for c in within if len(c) == 5]
    if kabkota:
        q |= Q(**{f"{path}__kabkota_id__in": kabkota})
    for code in within:
        if len(code) == 2:
            q |= Q(**{f"{path}__code__startswith": code + "."})
    return q


def _figure(period, counts):
    year, part = period
    stunted, valid = counts
    return {
        "year": year,
        "part": part,
        "stunted": stunted,
        "valid": valid,
        "percent": round(100 * stunted / valid, 1) if valid else None,
    }


def _previous(span, year, part):
    if span == Span.YEAR:
        return year - 1, 0
    return (year, part - 1) if part > 1 else (year - 1, 4)


@alert_kind(
    AlertKind.STUNTING_RISE,
    thresholds=("points", "min_children", "span"),
    defaults={"points": Decimal(5), "min_children": 30, "span": Span.QUARTER},
)
def stunting_rise(*, within, years, rules, today):
    spans = {r.span for r in rules.all_active()}
    if not spans:
        return
    figures = StuntingFigure.objects.filter(
        level=RegionLevel.DESA,
        span__in=spans,
        year__gte=min(years) - 1,
        year__lte=max(years),
    )
    if within is not None:
        inside = Q(pk__in=[])
        for code in within:
            inside |= Q(region_code__startswith=code + ".")
        figures = figures.filter(inside)
    by_desa = defaultdict(dict)
    for code, span, year, part, stunted, valid in figures.values_list(
        "region_code", "span", "year", "part", "stunted", "valid"
    ):
        by_desa[code][(span, year, part)] = (stunted, valid)
    for code, periods in by_desa.items():
        rule = rules.for_code(code)
        if rule is None:
            continue
        for (span, year, part), after in periods.items():
            if span != rule.span or year not in years:
                continue
            before_period = _previous(span, year, part)
            before = periods.get((span, *before_period))
            if before is None:
                continue
            if min(before[1], after[1]) < rule.min_children:
                continue
            rise = Fraction(100 * after[0], after[1]) - Fraction(
                100 * before[0], before[1]
            )
            if rise <= Fraction(rule.points):
                continue
            yield Alert(
                kind=AlertKind.STUNTING_RISE,
                rule=rule if rule.pk else None,
                region_id=code,
                year=year,
                span=span,
                part=part,
                values={
                    "before": _figure(before_period, before),
                    "after": _figure((year, part), after),
                    "rise": round(float(rise), 1),
                    "points": str(rule.points),
                    "min_children": rule.min_children,
                },
                key=f"rise:{code}:{span}:{year}:{part}",
            )


def _valid():
    return Measurement.objects.valid_haz()


def _before(ref="measured_on"):
    """The child's valid measurements before the outer one, latest first."""
    return (
        _valid()
        .filter(child=OuterRef("child"), measured_on__lt=OuterRef(ref))
        .order_by("-measured_on")
    )


def _latest_recent(*, within, today):
    """Each child's latest valid measurement if it is recent, with the one before."""
    later = _valid().filter(
        child=OuterRef("child"), measured_on__gt=OuterRef("measured_on")
    )
    return (
        _valid()
        .filter(
            _region_q(within, "child__region"), measured_on__gte=today - CHILD_WINDOW
        )
        .filter(~Exists(later))
        .annotate(
            previous_haz=Subquery(_before().values("haz")[:1]),
            previous_on=Subquery(_before().values("measured_on")[:1]),
        )
        .filter(previous_haz__isnull=False)
        .order_by()
        .values(
            "child_id",
            "child__region_id",
            "measured_on",
            "haz",
            "previous_haz",
            "previous_on",
        )
    )


def _child_values(row, **more):
    return {
        "haz": round(row["haz"], 2),
        "on": row["measured_on"].isoformat(),
        "previous_haz": round(row["previous_haz"], 2),
        "previous_on": row["previous_on"].isoformat(),
        **more,
    }


@alert_kind(AlertKind.NEWLY_STUNTED, thresholds=())
def newly_stunted(*, within, years, rules, today):
    rows = _latest_recent(within=within, today=today).filter(
        haz__lt=STUNTED, previous_haz__gte=STUNTED
    )
    for row in rows:
        rule = rules.for_code(row["child__region_id"])
        if rule is None:
            continue
        yield Alert(
            kind=AlertKind.NEWLY_STUNTED,
            rule=rule if rule.pk else None,
            region_id=row["child__region_id"],
            child_id=row["child_id"],
            on=row["measured_on"],
            values=_child_values(row),
            key=f"new:{row['child_id']}:{row['measured_on']}",
        )


@alert_kind(
    AlertKind.HAZ_DROP, thresholds=("haz_drop",), defaults={"haz_drop": Decimal("0.67")}
)
def haz_drop(*, within, years, rules, today):
    loosest = rules.loosest("haz_drop")
    if loosest is None:
        return
    rows = (
        _latest_recent(within=within, today=today)
        .annotate(drop=F("previous_haz") - F("haz"))
        .filter(drop__gt=float(loosest) - 1e-6)
    )
    for row in rows:
        rule = rules.for_code(row["child__region_id"])
        drop = row["previous_haz"] - row["haz"]
        if rule is None or drop - float(rule.haz_drop) <= EPSILON:
            continue
        yield Alert(
            kind=AlertKind.HAZ_DROP,
            rule=rule if rule.pk else None,
            region_id=row["child__region_id"],
            child_id=row["child_id"],
            on=row["measured_on"],
            values=_child_values(
                row, drop=round(drop, 2), threshold=str(rule.haz_drop)
            ),
            key=f"drop:{row['child_id']}:{row['measured_on']}",
        )


@alert_kind(AlertKind.AUDIT_OVERDUE, thresholds=("days",), defaults={"days": 30})
def audit_overdue(*, within, years, rules, today):
    shortest = rules.loosest("days")
    if shortest is None:
        return
    longest = rules.loosest("days", pick=max)
    recovered = _valid().filter(
        child=OuterRef("child"),
        measured_on__gt=OuterRef("measured_on"),
        haz__gte=STUNTED,
    )
    audited = CaseAudit.objects.filter(
        child=OuterRef("child"), audited_on__gte=OuterRef("measured_on")
    )
    rows = (
        _valid()
        .filter(
            _region_q(within, "child__region"),
            haz__lt=STUNTED,
            measured_on__lt=today - datetime.timedelta(days=shortest),
            measured_on__gte=today - datetime.timedelta(days=longest) - CHILD_WINDOW,
        )
        .annotate(previous_haz=Subquery(_before().values("haz")[:1]))
        .filter(Q(previous_haz__isnull=True) | Q(previous_haz__gte=STUNTED))
        .filter(~Exists(recovered), ~Exists(audited))
        .order_by()
        .values("child_id", "child__region_id", "measured_on", "haz")
    )
    for row in rows:
        rule = rules.for_code(row["child__region_id"])
        elapsed = (today - row["measured_on"]).days
        if rule is None or elapsed <= rule.days:
            continue
        yield Alert(
            kind=AlertKind.AUDIT_OVERDUE,
            rule=rule if rule.pk else None,
            region_id=row["child__region_id"],
            child_id=row["child_id"],
            on=row["measured_on"],
            values={
                "haz": round(row["haz"], 2),
                "on": row["measured_on"].isoformat(),
                "days": elapsed,
                "threshold": rule.days,
            },
            key=f"audit:{row['child_id']}:{row['measured_on']}",
        )


@alert_kind(AlertKind.DASHAT_NO_END, thresholds=("days",), defaults={"days": 14})
def dashat_no_end(*, within, years, rules, today):
    shortest = rules.loosest("days")
    if shortest is None:
        return
    longest = rules.loosest("days", pick=max)
    measured = _valid().filter(
        child=OuterRef("child"),
        measured_on__gte=OuterRef("follow_up_end") - END_EARLY,
    )
    rows = (
        DashatBeneficiary.objects.filter(
            _region_q(within, "dashat__kampung__region"),
            child__isnull=False,
            follow_up_end__lt=today - datetime.timedelta(days=shortest),
            follow_up_end__gte=today - datetime.timedelta(days=longest) - CHILD_WINDOW,
        )
        .filter(~Exists(measured))
        .order_by()
        .values(
            "pk", "child_id", "dashat_id", "dashat__kampung__region_id", "follow_up_end"
        )
    )
    for row in rows:
        region = row["dashat__kampung__region_id"]
        rule = rules.for_code(region)
        elapsed = (today - row["follow_up_end"]).days
        if rule is None or elapsed <= rule.days:
            continue
        yield Alert(
            kind=AlertKind.DASHAT_NO_END,
            rule=rule if rule.pk else None,
            region_id=region,
            child_id=row["child_id"],
            on=row["follow_up_end"],
            values={
                "follow_up_end": row["follow_up_end"].isoformat(),
                "days": elapsed,
                "threshold": rule.days,
                "dashat": row["dashat_id"],
                "beneficiary": row["pk"],
            },
            key=f"dashat:{row['pk']}",
        )


BATCH = 2000


def _desa_prefix_sql(within) -> tuple[str, list]:
    """The refresh's scope on the marks statement's children (`c`), by desa code."""
    if within is None:
        return "", []
    if not within:
        return "AND 1 = 0", []
    like = " OR ".join(["c.region_id LIKE %s"] * len(within))
    return f"AND ({like})", [code + ".%" for code in within]


@alert_kind(AlertKind.NOT_GAINING_TWICE, thresholds=())
def not_gaining_twice(*, within, years, rules, today):
    """Children marked 2T (no minimum gain two months running, stunting.weighing)
    at a weighing of the last CHILD_WINDOW."""
    start = today - CHILD_WINDOW
    where, params = _desa_prefix_sql(within)
    sql, params = weighing_marks_sql(
        first=(start.year, start.month),
        last=(today.year, today.month),
        where=where,
        params=params,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for (
        child_id,
        region_id,
        ym,
        measured_on,
        weight_kg,
        _mark,
        _file,
        twice,
        _bgm,
    ) in rows:
        if not twice or measured_on < start or measured_on > today:
            continue
        rule = rules.for_code(region_id)
        if rule is None:
            continue
        yield Alert(
            kind=AlertKind.NOT_GAINING_TWICE,
            rule=rule if rule.pk else None,
            region_id=region_id,
            child_id=child_id,
            on=measured_on,
            values={"on": measured_on.isoformat(), "weight_kg": str(weight_kg)},
            key=f"2t:{child_id}:{ym}",
        )


@contextmanager
def _without_jit():
    """Within a transaction: no JIT compilation on PostgreSQL. Measurements have
    a partition per year, and compiling a plan over all of them (over a thousand
    functions) took longer than running it (2.7 s of 5 s for a kab/kota)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    yield


def alert_raise(*, within=None, years=None, today=None) -> int:
    """Raise the alerts of every kind in the refresh's scope; give how many are new."""
    from .refresh import all_years

    today = today or timezone.localdate()
    years = set(years or all_years(today))
    within = None if within is None else sorted(set(within))
    created = 0
    for kind in KINDS.values():
        with transaction.atomic(), _without_jit():
            found = list(
                kind.find(within=within, years=years, rules=Rules(kind), today=today)
            )
        for start in range(0, len(found), BATCH):
            batch = found[start : start + BATCH]
            taken = set(
                Alert.objects.filter(key__in=[a.key for a in batch]).values_list(
                    "key", flat=True
                )
            )
            new = [a for a in batch if a.key not in taken]
            with transaction.atomic():
                # A concurrent raise may take a key meanwhile: it is skipped.
                created += len(Alert.objects.bulk_create(new, ignore_conflicts=True))
    return created
