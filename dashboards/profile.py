"""Figures on a Kampung KB's profile (kampungkb.profile), from its desa's snapshots.

One indexed read of the desa's snapshot rows, whatever the size of the database.
"""

from dataclasses import dataclass

from django.urls import reverse

from .indicators import BY_CODE
from .selectors import region_series


@dataclass(frozen=True)
class ProfileRate:
    year: int
    percent: float | None
    numerator: int
    denominator: int

    @property
    def too_small(self) -> bool:
        # The dashboards' own rule, so the profile and the boards agree.
        return BY_CODE["stunting_measured"].too_small(self.denominator)


def _latest(series, indicator, *, has):
    """The latest year of an indicator whose figure has `has` set, as (year, figure)."""
    years = [y for y, f in series.get(indicator, {}).items() if getattr(f, has)]
    if not years:
        return None
    year = max(years)
    return year, series[indicator][year]


def kampung_figure_facts(*, kampung, **kwargs) -> dict:
    """Measured stunting with its n, registered children (a count) and the latest
    evaluation score of the Kampung KB's desa/kelurahan, and its dashboard link."""
    series = region_series(region_code=kampung.region_id)
    facts = {"dashboard_url": reverse("dashboard", args=[kampung.region_id])}
    if found := _latest(series, "stunting_measured", has="denominator"):
        year, figure = found
        facts["measured"] = ProfileRate(
            year=year,
            percent=figure.value,
            numerator=int(figure.numerator or 0),
            denominator=int(figure.denominator),
        )
    if found := _latest(series, "measurement_coverage", has="denominator"):
        year, figure = found
        facts["children"] = {"year": year, "count": int(figure.denominator)}
    if found := _latest(series, "evaluation_score", has="value"):
        year, figure = found
        facts["evaluation_score"] = {"year": year, "value": figure.value}
    return facts
