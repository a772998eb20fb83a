"""Reads of precomputed figures. Pages read only these, never the domain tables,
so a page costs the same for a kelurahan or a province."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from kampungkb.access import can, code_within, scoped, user_scope
from villages.models import ANCESTOR_FIELD, PROGRAM_START, Region, RegionLevel

from .models import (
    COUNTRY_CODE,
    Alert,
    AlertStatus,
    RefreshRun,
    SkdnFigure,
    Snapshot,
    Span,
    StuntingFigure,
)


@dataclass(frozen=True)
class Figure:
    value: float | None
    numerator: float | None
    denominator: float | None


_COLUMNS = ("indicator", "value", "numerator", "denominator")


def region_series(*, region_code: str) -> dict[str, dict[int, Figure]]:
    """Every indicator of one region, by year: {indicator: {year: figure}}."""
    series = defaultdict(dict)
    rows = Snapshot.objects.filter(region_code=region_code).values_list(
        "period", *_COLUMNS
    )
    for year, indicator, *figure in rows:
        series[indicator][year] = Figure(*figure)
    return series


def refreshed_years() -> list[int]:
    """The years a refresh has computed, in order. In such a year a region with no
    row for a count has zero; the country has a row every refreshed year."""
    return sorted(
        Snapshot.objects.filter(
            region_code=COUNTRY_CODE, indicator="kampung_coverage"
        ).values_list("period", flat=True)
    )


def child_figures(*, parent_code: str, year: int) -> dict[str, dict[str, Figure]]:
    """Every indicator of each child region in one year: {code: {indicator: figure}}."""
    figures = defaultdict(dict)
    rows = Snapshot.objects.filter(parent_code=parent_code, period=year).values_list(
        "region_code", *_COLUMNS
    )
    for code, indicator, *figure in rows:
        figures[code][indicator] = Figure(*figure)
    return figures


def stunting_figures(
    *, region_code: str, year: int, span: str, part: int
) -> dict[str, StuntingFigure]:
    """Measured stunting of a region and its child regions in one year, quarter or
    month: {code: figure}. One index read, at any level."""
    rows = StuntingFigure.objects.filter(
        Q(region_code=region_code) | Q(parent_code=region_code),
        year=year,
        span=span,
        part=part,
    )
    return {row.region_code: row for row in rows}


def stunting_years(*, region_code: str) -> list[StuntingFigure]:
    """A region's measured stunting for each year it has figures of, in order."""
    return list(
        StuntingFigure.objects.filter(
            region_code=region_code, span=Span.YEAR, valid__gt=0
        ).order_by("year")
    )


def stunting_regions(*, level: int) -> list[str]:
    """Codes of the regions at `level` with measured stunting in some year.

    Walked down from the country by parent code (an index read per level), not
    by scanning every stored figure for its level.
    """
    codes = [COUNTRY_CODE]
    for _level in range(level):
        codes = list(
            StuntingFigure.objects.filter(
                parent_code__in=codes, span=Span.YEAR, valid__gt=0
            )
            .order_by("region_code")
            .values_list("region_code", flat=True)
            .distinct()
        )
    return codes


def skdn_months(*, region_code: str, year: int) -> dict[int, SkdnFigure]:
    """A region's SKDN counts for each month of a year it has: {month: figure}."""
    rows = SkdnFigure.objects.filter(region_code=region_code, year=year)
    return {row.month: row for row in rows}


def skdn_children(*, parent_code: str, year: int, month: int) -> dict[str, SkdnFigure]:
    """The SKDN counts of a region's child regions in one month: {code: figure}."""
    rows = SkdnFigure.objects.filter(parent_code=parent_code, year=year, month=month)
    return {row.region_code: row for row in rows}


def skdn_years(*, region_code: str) -> list[int]:
    """The years a region has SKDN counts for, in order."""
    return sorted(
        set(
            SkdnFigure.objects.filter(region_code=region_code).values_list(
                "year", flat=True
            )
        )
    )


def data_as_of(*, region_code: str = COUNTRY_CODE):
    """When the region's figures were last computed, or None if never."""
    return Snapshot.objects.filter(region_code=region_code).aggregate(
        latest=Max("computed_at")
    )["latest"]


def refresh_runs_for(*, user):
    """The refresh runs `user` may see: to those who may ask for one, the runs of
    regions within their read scope (the country's only to a national reader)."""
    if not can(user, "indicator.refresh"):
        return RefreshRun.objects.none()
    read = user_scope(user).read
    if read is None:
        return RefreshRun.objects.all()
    within = Q(pk__in=[])
    for region in read:
        within |= Q(region_code=region.code) | Q(
            region_code__startswith=region.code + "."
        )
    return RefreshRun.objects.filter(within)


def _covering(region_codes) -> set[str]:
    """The run regions whose refresh covers these regions (themselves at most a
    kab/kota, a province, or the country)."""
    return {COUNTRY_CODE} | {c[:n] for c in region_codes for n in (2, 5)}


def refresh_run_latest(*, user, region_code: str):
    """The latest run `user` may see that refreshed this region (or an ancestor)."""
    covering = _covering([region_code])
    return refresh_runs_for(user=user).filter(region_code__in=covering).first()


@dataclass(frozen=True)
class RefreshLine:
    run: RefreshRun
    region: str  # the name of the region it covered


@dataclass(frozen=True)
class RefreshState:
    """The latest full and partial refresh that computed a region's figures."""

    full: RefreshLine | None
    partial: RefreshLine | None


def _lines(*runs) -> list[RefreshLine | None]:
    codes = {run.region_code for run in runs if run}
    names = dict(
        (region.code, region.label) for region in Region.objects.filter(code__in=codes)
    )
    names[COUNTRY_CODE] = "Indonesia"
    return [
        RefreshLine(run, names.get(run.region_code, run.region_code)) if run else None
        for run in runs
    ]


def refresh_state(*, region_codes) -> RefreshState:
    """The latest refresh of every year covering these regions whole (`full`), and
    the latest other one that touched them (some years, or a region inside them),
    whatever started it: the nightly run, a request, a change or the command."""
    covering = _covering(region_codes)
    whole = Q(region_code__in=covering, first_year=PROGRAM_START.year)
    touching = Q(region_code__in=covering)
    for code in region_codes:
        if code == COUNTRY_CODE:
            touching = Q()
            break
        touching |= Q(region_code__startswith=code + ".")
    runs = RefreshRun.objects.order_by("-created_at")
    full, partial = _lines(
        runs.filter(whole).first(), runs.filter(touching).exclude(whole).first()
    )
    return RefreshState(full=full, partial=partial)


def refresh_allowed(*, user, region_code: str) -> bool:
    """Whether `user` may ask for a refresh of this region (COUNTRY_CODE: the
    country), and so know who asked for one there."""
    if not can(user, "indicator.refresh"):
        return False
    write = user_scope(user).write
    if region_code == COUNTRY_CODE:
        return write is None
    return code_within(region_code, write)


def refresh_region_for(*, user, place=None) -> str:
    """The region a refresh asked for from the dashboard of `place` (a readable
    board.Place) recomputes: the country, a province, or the kab/kota holding the
    place (the units a partial refresh knows). No place: the country for a national
    user, else their one region.

    ValidationError if no place and several regions; PermissionDenied (403) unless
    the user may refresh the region.
    """
    if place is not None:
        codes = {place.code if place.level <= RegionLevel.KABKOTA else place.code[:5]}
    elif (write := user_scope(user).write) is None:
        codes = {COUNTRY_CODE}
    else:
        codes = {
            r.code if r.level <= RegionLevel.KABKOTA else r.code[:5] for r in write
        }
    if len(codes) != 1:
        raise ValidationError({"wilayah": _("Pilih wilayah yang akan diperbarui.")})
    (target,) = codes
    if not refresh_allowed(user=user, region_code=target):
        raise PermissionDenied
    return target


def region_figures(*, region_codes, year: int) -> dict[str, dict[str, Figure]]:
    """Every indicator of these regions in one year: {code: {indicator: figure}}."""
    figures = defaultdict(dict)
    rows = Snapshot.objects.filter(
        region_code__in=list(region_codes), period=year
    ).values_list("region_code", *_COLUMNS)
    for code, indicator, *figure in rows:
        figures[code][indicator] = Figure(*figure)
    return figures


def refresh_run_get(*, user, pk: int) -> RefreshRun:
    """One refresh run `user` may see, with who asked for it; else
    RefreshRun.DoesNotExist."""
    return refresh_runs_for(user=user).select_related("requested_by").get(pk=pk)


# The badge counts open alerts up to this many, then shows "99+".
ALERT_BADGE_CAP = 99


def alert_list_for(*, user, status="", kind="", region=None):
    """The alerts the user reads (their region only), filtered; newest first."""
    alerts = scoped(Alert.objects, user).select_related("region", "child__region")
    if status:
        alerts = alerts.filter(status=status)
    if kind:
        alerts = alerts.filter(kind=kind)
    if region is not None:
        alerts = alerts.filter(**{f"region__{ANCESTOR_FIELD[region.level]}": region})
    return alerts


def alert_open_count(*, user) -> int:
    """Open alerts in the user's read scope, counted up to ALERT_BADGE_CAP + 1."""
    open_alerts = scoped(Alert.objects.filter(status=AlertStatus.OPEN), user)
    return open_alerts[: ALERT_BADGE_CAP + 1].count()
