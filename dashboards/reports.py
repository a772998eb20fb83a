"""What the dashboard pages, exports and API show, built from snapshot figures.

Pure functions: no queries. Within a year that was computed for a region, a count
with no snapshot row is zero and a rate with none has no data (None). Indicators
computed at a higher level (targets, at kab/kota) do not apply below it.
"""

from dataclasses import dataclass
from functools import cache
from html import escape

from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stunting.models import PrevalenceSource
from villages.models import RegionLevel

from .indicators import (
    BY_CODE,
    COUNT,
    INDICATORS,
    LEVEL_INDICATORS,
    PERCENT,
    SCORE,
    Indicator,
)
from .selectors import Figure

# Published figures: stored only where published, never rolled up.
REPORTED = [i for i in INDICATORS if not i.rolls_up]
REPORTED_PREFIX = "stunting_reported_"
# Where a rise is bad news, so its arrow is marked as such.
LOWER_IS_BETTER = {
    "stunting_measured",
    "stunting_severe_measured",
    *(i.code for i in REPORTED),
}
# The KPI cards, in order; the latest reported figure per source follows them.
KPI_CODES = (
    "kampung_formed",
    "kampung_coverage",
    "dashat_coverage",
    "readiness_complete",
    "program_convergence",
    "stunting_measured",
    "measurement_coverage",
    "evaluation_score",
    "evaluation_eligible",
    "evaluation_awards",
)
# Kampung KB by classification, from dasar up, then those not yet classified.
CLASS_CODES = tuple(LEVEL_INDICATORS.values())
ASC, DESC = "asc", "desc"


def class_label(code: str) -> str:
    """The name of a classification indicator's level, as people say it."""
    for level, indicator in LEVEL_INDICATORS.items():
        if indicator == code:
            return str(level.label) if level else _("Belum diklasifikasi")
    raise KeyError(code)


def source_of(code: str) -> str:
    """The PrevalenceSource value of a reported-prevalence indicator."""
    return code.removeprefix(REPORTED_PREFIX)


def applies(indicator: Indicator, level: int) -> bool:
    """Whether the indicator has a figure at this level (0: the country, 4: desa)."""
    return indicator.level is None or level <= indicator.level


@dataclass(frozen=True)
class SmallN:
    """A rate over too few to show (settings.DASHBOARD_MIN_DENOMINATOR): its counts."""

    numerator: float
    denominator: float

    def __str__(self):
        return format_small_n(self)


def value_of(
    figures: dict[str, Figure],
    indicator: Indicator,
    *,
    level: int,
    computed: bool,
    guard: bool = False,
):
    """A region's value of one indicator: 0 for a count without a row, else None.

    `guard`: a rate over too small a denominator is its SmallN, not its value.
    """
    if not applies(indicator, level):
        return None
    figure = figures.get(indicator.code)
    if figure is None or figure.value is None:
        return 0 if computed and not indicator.is_rate else None
    if indicator.is_rate:
        if guard and indicator.too_small(figure.denominator):
            return SmallN(round(figure.numerator or 0), round(figure.denominator))
        return round(figure.value, 2)
    return round(figure.value)


def default_year(series, *, years: list[int], fallback: int) -> int:
    """The latest refreshed year holding most of what the region ever shows.

    A year "holds" an indicator when its figure is neither missing nor zero; the
    year chosen holds at least three quarters as many as the region's fullest
    year. Stocks (Kampung KB active, their classes) carry into a new year at
    once, measurements and evaluations come later: a dashboard so opens on real
    figures, not on a year that has only begun.
    """
    held = {
        year: sum(
            1 for by_year in series.values() if (by_year.get(year) or _EMPTY).value
        )
        for year in years
    }
    most = max(held.values(), default=0)
    if not most:
        return years[-1] if years else fallback
    return max(year for year, n in held.items() if 4 * n >= 3 * most)


_EMPTY = Figure(None, None, None)


def at_year(series, year: int) -> dict[str, Figure]:
    """The region's figures of one year, from its series."""
    return {code: by_year[year] for code, by_year in series.items() if year in by_year}


# --- KPI cards ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    indicator: Indicator
    year: int
    value: float | int | None
    previous: float | int | None  # the year before `year`
    numerator: float | None = None
    denominator: float | None = None
    previous_small: bool = False  # the year before was over too few to compare

    @property
    def small(self) -> bool:
        """Whether the rate is over too few to show (it reads "n terlalu kecil")."""
        return self.indicator.too_small(self.denominator)

    @property
    def n(self) -> str:
        """The rate's counts, "12 / 1.234 anak"; "" for a count or without them."""
        if not self.indicator.is_rate or not self.denominator:
            return ""
        counted = self.indicator.counted
        denominator = format_amount(self.denominator, COUNT)
        if self.indicator.unit == SCORE:
            return f"n = {denominator} {counted}".strip()
        numerator = format_amount(self.numerator or 0, COUNT)
        return f"{numerator} / {denominator} {counted}".strip()

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        if self.small or self.previous_small:
            return None
        return round(self.value - self.previous, 2)

    @property
    def direction(self) -> str:
        """ "up", "down" or "same"; "" when there is nothing to compare."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def tone(self) -> str:
        """ "good" or "bad" for a change, by whether the indicator should rise."""
        if self.direction in ("", "same"):
            return ""
        rising = self.direction == "up"
        return "bad" if rising == (self.indicator.code in LOWER_IS_BETTER) else "good"


def kpis(series, *, years: list[int], year: int, level: int) -> list[Kpi]:
    """The KPI cards of a region for a year, each with the year before.

    `years`: the refreshed years, where a missing count is zero.
    """
    years = set(years)
    cards = []
    for code in KPI_CODES:
        indicator = BY_CODE[code]

        def value(y, indicator=indicator):
            return value_of(
                at_year(series, y), indicator, level=level, computed=y in years
            )

        now = series.get(code, {}).get(year) if applies(indicator, level) else None
        before = series.get(code, {}).get(year - 1)
        cards.append(
            Kpi(
                indicator,
                year,
                value(year),
                value(year - 1),
                now.numerator if now else None,
                now.denominator if now else None,
                bool(before) and indicator.too_small(before.denominator),
            )
        )
    for indicator in REPORTED:
        published = {
            y: f.value
            for y, f in series.get(indicator.code, {}).items()
            if y <= year and f.value is not None
        }
        if published:
            latest = max(published)
            figure = series[indicator.code][latest]
            cards.append(
                Kpi(
                    indicator,
                    latest,
                    round(published[latest], 2),
                    _rounded(published.get(latest - 1)),
                    figure.numerator,
                    figure.denominator,
                )
            )
    return cards


def _rounded(value):
    return None if value is None else round(value, 2)


# --- Tables ------------------------------------------------------------------------

NO_DATA = "–"


def format_amount(value, unit):
    """A figure as people read it: 1.500, 70,37 %, 34 %; a dash for no data.

    Plain string formatting with the language's separators: a province's table
    formats a thousand figures, and Django's floatformat cost most of the page.
    """
    if value is None:
        return NO_DATA
    if isinstance(value, SmallN):
        return format_small_n(value)
    decimal, thousands = _separators(get_language())
    if unit in (PERCENT, SCORE):
        rounded = round(value, 2)
        text = f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.2f}"
        text = text.replace(".", decimal)
        return f"{text} %" if unit == PERCENT else text
    if unit == COUNT:
        return f"{round(value):,}".replace(",", thousands)
    return value


def format_small_n(small: SmallN) -> str:
    """A rate over too few, as the tables show it: the words and its counts."""
    return _("n terlalu kecil (%(numerator)s / %(denominator)s)") % {
        "numerator": format_amount(small.numerator, COUNT),
        "denominator": format_amount(small.denominator, COUNT),
    }


@cache
def _separators(language):
    return get_format("DECIMAL_SEPARATOR", language), get_format(
        "THOUSAND_SEPARATOR", language
    )


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = ""  # COUNT or PERCENT for an indicator, "" for text

    @property
    def numeric(self) -> bool:
        return bool(self.unit)

    @property
    def unit_label(self) -> str:
        return {COUNT: _("jumlah"), PERCENT: "%", SCORE: _("skor 0-100")}.get(
            self.unit, ""
        )

    @property
    def heading(self) -> str:
        """The label with its unit, as exports write it."""
        return f"{self.label} ({self.unit_label})" if self.unit else self.label


@dataclass(frozen=True)
class Row:
    cells: tuple
    url: str = ""  # where the row's name links to (drill-down)


@dataclass(frozen=True)
class Header:
    column: Column
    current: bool
    aria_sort: str  # "ascending", "descending" or ""
    next_direction: str


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    sort: str
    direction: str
    link_column: str = ""  # the column whose cell links to the row's url

    @property
    def headers(self) -> list[Header]:
        out = []
        for column in self.columns:
            current = column.key == self.sort
            if current:
                following = DESC if self.direction == ASC else ASC
            else:
                following = DESC if column.numeric else ASC
            aria = {ASC: "ascending", DESC: "descending"}[self.direction]
            out.append(Header(column, current, aria if current else "", following))
        return out

    def body_html(self) -> str:
        """The table's rows as HTML.

        Built here with plain escaping, not by a template loop: a province's table
        has a thousand cells, and rendering each through template tags and filters
        made the page's cost grow with the number of child regions.
        """
        if not self.rows:
            return format_html(
                '<tr><td colspan="{}" class="muted">{}</td></tr>',
                len(self.columns),
                _("Belum ada data."),
            )
        units = [column.unit for column in self.columns]
        keys = [column.key for column in self.columns]
        lines = []
        for row in self.rows:
            cells = []
            for key, unit, cell in zip(keys, units, row.cells, strict=True):
                if key == self.link_column:
                    text = escape(str(cell))
                    cells.append(
                        f'<th scope="row" data-value="{text}">'
                        f'<a href="{escape(row.url)}">{text}</a></th>'
                    )
                elif isinstance(cell, SmallN):
                    # Sorts with the rows that have no value: it has none to show.
                    cells.append(
                        f'<td class="num small-n" data-value="">'
                        f"{escape(format_small_n(cell))}</td>"
                    )
                elif unit:
                    value = "" if cell is None else repr(cell)
                    cells.append(
                        f'<td class="num" data-value="{value}">'
                        f"{escape(format_amount(cell, unit))}</td>"
                    )
                elif key == "kode":
                    text = escape(str(cell))
                    cells.append(
                        f'<td data-value="{text}"><span class="code">{text}</span></td>'
                    )
                else:
                    text = escape(str(cell))
                    cells.append(f'<td data-value="{text}">{text}</td>')
            lines.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("".join(lines))  # noqa: S308 - every value above is escaped


def indicator_columns() -> list[Column]:
    return [Column(i.code, i.name, i.unit) for i in INDICATORS]


def _ordered(rows, columns, sort, direction, default):
    """Rows sorted by a column; rows without a value last either way."""
    keys = [c.key for c in columns]
    if sort not in keys:
        sort, direction = default, ASC
    column = columns[keys.index(sort)]
    if direction not in (ASC, DESC):
        direction = DESC if column.numeric else ASC
    index = keys.index(sort)
    present = [r for r in rows if _sortable(r.cells[index])]
    missing = [r for r in rows if not _sortable(r.cells[index])]

    def key(row):
        cell = row.cells[index]
        return cell.casefold() if isinstance(cell, str) else cell

    present.sort(key=key, reverse=direction == DESC)
    return tuple(present + missing), sort, direction


def _sortable(cell) -> bool:
    return cell is not None and not isinstance(cell, SmallN)


def child_table(
    *,
    children,
    figures: dict[str, dict[str, Figure]],
    computed: bool,
    sort: str = "",
    direction: str = "",
) -> Table:
    """Child regions x every indicator of the registry, sorted.

    `children`: places with code, label, level and url (dashboards.board.Place).
    """
    # The name first: it stays in view while a phone scrolls the table sideways.
    columns = (
        Column("wilayah", _("Wilayah")),
        Column("kode", _("Kode")),
        *indicator_columns(),
    )
    rows = [
        Row(
            (
                child.label,
                child.code,
                *(
                    value_of(
                        figures.get(child.code, {}),
                        i,
                        level=child.level,
                        computed=computed,
                        guard=True,
                    )
                    for i in INDICATORS
                ),
            ),
            child.url,
        )
        for child in children
    ]
    ordered, sort, direction = _ordered(rows, columns, sort, direction, "kode")
    return Table(columns, ordered, sort, direction, link_column="wilayah")


def year_table(
    *, series, years: list[int], level: int, sort: str = "", direction: str = ""
) -> Table:
    """One region's indicators over the years: a row per computed year."""
    columns = (Column("tahun", _("Tahun")), *indicator_columns())
    rows = [
        Row(
            (
                year,
                *(
                    value_of(
                        at_year(series, year),
                        i,
                        level=level,
                        computed=True,
                        guard=True,
                    )
                    for i in INDICATORS
                ),
            )
        )
        for year in years
    ]
    # Years are numbers, but read in time order unless asked otherwise.
    ordered, sort, direction = _ordered(rows, columns, sort, direction, "tahun")
    return Table(columns, ordered, sort, direction)


# --- What the charts draw ------------------------------------------------------------


@dataclass(frozen=True)
class ClassificationRow:
    code: str
    name: str
    url: str
    counts: dict[str, int]  # CLASS_CODES -> Kampung KB

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def classification_rows(*, children, figures, computed: bool):
    """Kampung KB of each child region (places) by classification."""
    return [
        ClassificationRow(
            child.code,
            child.name,
            child.url,
            {
                code: value_of(
                    figures.get(child.code, {}),
                    BY_CODE[code],
                    level=child.level,
                    computed=computed,
                )
                or 0
                for code in CLASS_CODES
            },
        )
        for child in children
    ]


@dataclass(frozen=True)
class FormationYear:
    year: int
    formed: int  # active Kampung KB at year end
    formed_in_year: int
    target: int | None  # None: no target set for the year
    # Formed in the year in the kab/kota that set a target (formation_achievement).
    toward_target: int = 0

    @property
    def reached(self):
        """Whether the kab/kota with a target formed at least as many; None: no target."""
        return None if not self.target else self.toward_target >= self.target


def formation_years(series, *, years: list[int], level: int) -> list[FormationYear]:
    """Kampung KB formed over the years, from the first year with any formed or target."""

    def by_year(code, part="value"):
        return {
            y: round(getattr(f, part) or 0) for y, f in series.get(code, {}).items()
        }

    formed = by_year("kampung_formed")
    in_year = by_year("kampung_formed_in_year")
    applies_here = applies(BY_CODE["formation_target"], level)
    targets = by_year("formation_target") if applies_here else {}
    toward = by_year("formation_achievement", "numerator") if applies_here else {}
    busy = [y for d in (formed, in_year, targets) for y, n in d.items() if n]
    if not busy or not years:
        return []
    return [
        FormationYear(
            year,
            formed.get(year, 0),
            in_year.get(year, 0),
            targets.get(year) or None,
            toward.get(year, 0),
        )
        for year in range(min(busy), max(years) + 1)
    ]


@dataclass(frozen=True)
class StuntingPoint:
    year: int
    value: float
    numerator: float | None
    denominator: float | None
    small: bool = False  # measured over too few children: "n terlalu kecil"

    @property
    def shown(self):
        """The value, or the point's SmallN when it is over too few children."""
        if self.small:
            return SmallN(round(self.numerator or 0), round(self.denominator))
        return self.value


@dataclass(frozen=True)
class StuntingSeries:
    code: str
    name: str
    measured: bool
    points: tuple[StuntingPoint, ...]


def stunting_series(series) -> list[StuntingSeries]:
    """One series per reported source, and the measured prevalence as its own."""
    out = []
    for indicator in REPORTED:
        label = PrevalenceSource(source_of(indicator.code)).label
        points = _points(series.get(indicator.code, {}))
        if points:
            name = _("Dilaporkan: %(source)s") % {"source": label}
            out.append(StuntingSeries(indicator.code, name, False, points))
    measured = _points(
        series.get("stunting_measured", {}), BY_CODE["stunting_measured"]
    )
    if measured:
        name = _("Terukur (data pengukuran di aplikasi)")
        out.append(StuntingSeries("stunting_measured", name, True, measured))
    return out


def stunting_by_year(series: list[StuntingSeries]) -> list[tuple[int, list]]:
    """The stunting series side by side: (year, [value of each series or None])."""
    values = [{p.year: p.shown for p in s.points} for s in series]
    years = sorted({year for by_year in values for year in by_year})
    return [(year, [by_year.get(year) for by_year in values]) for year in years]


def _points(by_year, guarded: Indicator | None = None) -> tuple[StuntingPoint, ...]:
    """The series' points; `guarded`: the rate whose small-number rule applies."""
    return tuple(
        StuntingPoint(
            year,
            round(f.value, 2),
            f.numerator,
            f.denominator,
            bool(guarded) and guarded.too_small(f.denominator),
        )
        for year, f in sorted(by_year.items())
        if f.value is not None
    )


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    url: str
    children: int  # registered children 0-59 months (measurement coverage denominator)
    prevalence: float | None  # measured stunting, %
    measured: int = 0  # children with a valid height-for-age (its denominator)
    stunted: int = 0  # of them, stunted (its numerator)

    @property
    def small(self) -> bool:
        """Whether its prevalence is over too few children to show."""
        return BY_CODE["stunting_measured"].too_small(self.measured)

    @property
    def shown(self):
        """The prevalence, None without data, or its SmallN when over too few."""
        if self.prevalence is not None and self.small:
            return SmallN(self.stunted, self.measured)
        return self.prevalence


def treemap_tiles(*, children, figures) -> list[Tile]:
    """Child regions (places) with their registered children and measured stunting."""
    tiles = []
    for child in children:
        mine = figures.get(child.code, {})
        coverage = mine.get("measurement_coverage")
        stunting = mine.get("stunting_measured")
        tiles.append(
            Tile(
                child.code,
                child.name,
                child.url,
                round(coverage.denominator or 0) if coverage else 0,
                _rounded(stunting.value) if stunting else None,
                round(stunting.denominator or 0) if stunting else 0,
                round(stunting.numerator or 0) if stunting else 0,
            )
        )
    return tiles


@dataclass(frozen=True)
class MapArea:
    """A region of a map: its boundary and its value of the chosen indicator."""

    code: str
    name: str
    url: str
    geometry: dict
    label_point: tuple[float, float]
    shown: float | SmallN | None  # the value, SmallN when over too few, None: no data
    denominator: float | None


def map_indicators(*, level: int) -> list[Indicator]:
    """The indicators a map of regions at `level` may be coloured by: rates with a
    figure at that level (a desa/kelurahan map has no kecamatan-only figure)."""
    return [
        i
        for i in INDICATORS
        if i.unit == PERCENT
        and i.rolls_up
        and applies(i, level)
        and (i.per_desa or level < RegionLevel.DESA)
    ]


def map_areas(*, areas, figures, indicator: Indicator, level: int) -> list[MapArea]:
    """Boundaries (villages.selectors.BoundaryArea) with their snapshot figures."""
    out = []
    for area in areas:
        mine = figures.get(area.code, {})
        figure = mine.get(indicator.code)
        out.append(
            MapArea(
                area.code,
                area.name,
                reverse("dashboard", args=[area.code]),
                area.geometry,
                area.label_point,
                value_of(mine, indicator, level=level, computed=True, guard=True),
                figure.denominator if figure else None,
            )
        )
    return out
