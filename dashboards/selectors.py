"""Reads of precomputed figures. Pages read only these, never the domain tables,
so a page costs the same for a kelurahan or a province."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max

from .models import COUNTRY_CODE, RefreshRun, Snapshot


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


def data_as_of(*, region_code: str = COUNTRY_CODE):
    """When the region's figures were last computed, or None if never."""
    return Snapshot.objects.filter(region_code=region_code).aggregate(
        latest=Max("computed_at")
    )["latest"]


def refresh_run_latest():
    """The most recent full refresh run, if any."""
    return RefreshRun.objects.first()


def region_figures(*, region_codes, year: int) -> dict[str, dict[str, Figure]]:
    """Every indicator of these regions in one year: {code: {indicator: figure}}."""
    figures = defaultdict(dict)
    rows = Snapshot.objects.filter(
        region_code__in=list(region_codes), period=year
    ).values_list("region_code", *_COLUMNS)
    for code, indicator, *figure in rows:
        figures[code][indicator] = Figure(*figure)
    return figures


def refresh_run_get(*, pk: int) -> RefreshRun:
    """One full refresh run, with who asked for it; RefreshRun.DoesNotExist if none."""
    return RefreshRun.objects.select_related("requested_by").get(pk=pk)
