"""One region's dashboard, assembled from snapshots for the pages, exports and API.

It reads figures only through dashboards.selectors, and Region rows only for names,
levels and links: a few queries whatever the region's size.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kampungkb.access import aggregate_scope, code_within
from villages.models import Region, RegionLevel

from . import reports, selectors
from .indicators import INDICATORS
from .models import COUNTRY_CODE

COUNTRY_LEVEL = 0
# The years a ?tahun= may ask for.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Place:
    """A region of the dashboards, or the whole country."""

    code: str
    name: str  # short, for charts
    label: str  # with its kind, for tables and headings
    level: int  # 0 the country .. 4 desa/kelurahan
    region: Region | None = None

    @property
    def url(self) -> str:
        return reverse("dashboard", args=[self.code])

    @property
    def is_desa(self) -> bool:
        return self.level == RegionLevel.DESA

    @property
    def is_country(self) -> bool:
        return self.level == COUNTRY_LEVEL


def country() -> Place:
    return Place(COUNTRY_CODE, "Indonesia", "Indonesia", COUNTRY_LEVEL)


def place_of(region: Region) -> Place:
    return Place(region.code, region.name, region.label, region.level, region)


def readable_place(*, user, code: str) -> Place:
    """The region (or the country) with this code if the user may read its
    aggregates (kampungkb.access.aggregate_scope), else 404."""
    read = aggregate_scope(user)
    if code == COUNTRY_CODE:
        if read is not None:
            raise Http404
        return country()
    # Codes are digits and dots; anything else names no region.
    if not code.replace(".", "").isdigit() or not code_within(code, read):
        raise Http404
    return place_of(get_object_or_404(Region.objects, code=code))


def year_asked(raw) -> int | None:
    """The year in a ?tahun= value, or None if it names none."""
    raw = (raw or "").strip()
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return None


@dataclass(frozen=True)
class Crumb:
    place: Place
    readable: bool


_SORTABLE = {"wilayah", "kode", "tahun", *(i.code for i in INDICATORS)}


class Board:
    """The figures of one region for one year, and everything drawn from them."""

    def __init__(self, *, user, place: Place, year=None, sort="", direction=""):
        self.user = user
        self.place = place
        self.series = selectors.region_series(region_code=place.code)
        self.years = selectors.refreshed_years()
        self.latest_year = self.years[-1] if self.years else timezone.localdate().year
        # Without a ?tahun=, the latest year with real figures for this region:
        # the calendar year has often only begun.
        self.year = year or reports.default_year(
            self.series, years=self.years, fallback=self.latest_year
        )
        # Only known columns and directions reach links and cache keys; the
        # table applies its own default when none is asked.
        self.sort = sort if sort in _SORTABLE else ""
        self.direction = direction if direction in ("asc", "desc") else ""

    @cached_property
    def children(self) -> list[Place]:
        if self.place.is_desa:
            return []
        if self.place.is_country:
            regions = Region.objects.roots()
        else:
            regions = Region.objects.children_of(self.place.region)
        return [place_of(r) for r in regions.order_by("code")]

    @cached_property
    def child_figures(self):
        return selectors.child_figures(parent_code=self.place.code, year=self.year)

    @property
    def computed(self) -> bool:
        """Whether the year was computed for this region (a missing count is 0)."""
        return self.year in self.years

    @property
    def in_progress(self) -> bool:
        """Whether the year shown is still running (its figures are not final)."""
        return self.year >= timezone.localdate().year

    @cached_property
    def as_of(self) -> datetime.datetime | None:
        return selectors.data_as_of(region_code=self.place.code)

    @cached_property
    def crumbs(self) -> list[Crumb]:
        """The regions above this one, up to the country; links where readable."""
        if self.place.is_country:
            return []
        read = aggregate_scope(self.user)
        trail = [Crumb(country(), read is None)]
        for region in self.place.region.ancestors():
            trail.append(Crumb(place_of(region), code_within(region.code, read)))
        return trail

    @cached_property
    def kpis(self):
        return reports.kpis(
            self.series, years=self.years, year=self.year, level=self.place.level
        )

    @cached_property
    def table(self) -> reports.Table:
        """The page's table: child regions, or a desa/kelurahan's years."""
        if self.place.is_desa:
            return reports.year_table(
                series=self.series,
                years=self.years,
                level=self.place.level,
                sort=self.sort,
                direction=self.direction,
            )
        return reports.child_table(
            children=self.children,
            figures=self.child_figures,
            computed=self.computed,
            sort=self.sort,
            direction=self.direction,
        )

    @cached_property
    def classification(self):
        return reports.classification_rows(
            children=self.children, figures=self.child_figures, computed=self.computed
        )

    @property
    def class_labels(self) -> list[str]:
        return [reports.class_label(code) for code in reports.CLASS_CODES]

    @cached_property
    def formation(self):
        return reports.formation_years(
            self.series, years=self.years, level=self.place.level
        )

    @cached_property
    def stunting(self):
        return reports.stunting_series(self.series)

    @cached_property
    def stunting_table(self):
        return reports.stunting_by_year(self.stunting)

    @cached_property
    def tiles(self):
        return reports.treemap_tiles(children=self.children, figures=self.child_figures)

    @property
    def title(self) -> str:
        return _("%(region)s, %(year)s") % {
            "region": self.place.label,
            "year": self.year,
        }
