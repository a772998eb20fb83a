"""The dashboards' Plotly figures as plain dicts: pure functions of what they draw.

Passed to the page with `json_script` and drawn by static/js/plotly.min.js, whose
bundle holds scatter, bar, pie and treemap only. Every chart has its numbers in a
table next to it (the text alternative); the page builds both from the same rows.
"""

import datetime
import math

import shapely
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from shapely.geometry import mapping, shape

from kampungkb.palette import (
    LEGEND,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    SMALL_N_COLOUR,
    series_colour,
)
from villages.models import RegionLevel

from .reports import CLASS_CODES, SmallN, class_label

# static/js/figure.js hides the toolbar and puts the legend below the plot on a
# phone, where the toolbar would cover the legend.
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
# Stunting prevalence bands of WHO/UNICEF (de Onis et al. 2019): upper bound (%),
# colour, name. A region without measurements is grey.
PREVALENCE_BANDS = (
    (2.5, "#1a9850", gettext_lazy("sangat rendah")),
    (10, "#91cf60", gettext_lazy("rendah")),
    (20, "#fee08b", gettext_lazy("sedang")),
    (30, "#fc8d59", gettext_lazy("tinggi")),
    (math.inf, "#d73027", gettext_lazy("sangat tinggi")),
)
NO_DATA_COLOUR = "#c8ced4"
# Other rates on a map (coverage, readiness): five equal bands of one blue.
RATE_BANDS = (
    (20, "#eff3ff"),
    (40, "#bdd7e7"),
    (60, "#6baed6"),
    (80, "#3182bd"),
    (math.inf, "#08519c"),
)
STUNTING_CODES = ("stunting_measured", "stunting_severe_measured")
# A region whose rate is over too few is hatched, unlike one with no data at all.
SMALL_N_PATTERN = {"shape": "/", "bgcolor": SMALL_N_COLOUR, "fgcolor": "#7b8794"}
ROOT_ID = "root"


def _layout(*, height=400, **extra):
    return {
        "margin": {"l": 48, "r": 8, "t": MARGIN_TOP, "b": MARGIN_BOTTOM},
        "height": height,
        "legend": dict(LEGEND),
        "font": {"family": "system-ui, sans-serif", "size": 12},
        **extra,
    }


def prevalence_band_index(value) -> int:
    """Which prevalence band a figure falls in: 1..5, or 0 for no data."""
    if value is None:
        return 0
    return next(
        index
        for index, (upper, _colour, _name) in enumerate(PREVALENCE_BANDS, start=1)
        if value < upper
    )


def prevalence_band(value):
    """The colour and band name of a stunting prevalence (None: no data)."""
    index = prevalence_band_index(value)
    if index == 0:
        return NO_DATA_COLOUR, _("belum ada data")
    _upper, colour, name = PREVALENCE_BANDS[index - 1]
    return colour, str(name)


def folded_note(count: int, level: int) -> str:
    """What a chart left out: "33 provinsi tanpa data"; "" when nothing."""
    if not count:
        return ""
    texts = {
        RegionLevel.PROVINSI: ngettext(
            "%(n)s provinsi tanpa data", "%(n)s provinsi tanpa data", count
        ),
        RegionLevel.KABKOTA: ngettext(
            "%(n)s kabupaten/kota tanpa data", "%(n)s kabupaten/kota tanpa data", count
        ),
        RegionLevel.KECAMATAN: ngettext(
            "%(n)s kecamatan tanpa data", "%(n)s kecamatan tanpa data", count
        ),
    }
    text = texts.get(
        level,
        ngettext(
            "%(n)s desa/kelurahan tanpa data", "%(n)s desa/kelurahan tanpa data", count
        ),
    )
    return text % {"n": count}


def classification_shown(rows):
    """The child regions the classification chart draws: those with a Kampung KB."""
    return [row for row in rows if row.total]


def classification_figure(*, rows) -> dict:
    """Kampung KB per child region as stacked bars, one colour per classification.

    Regions without any Kampung KB are left out (the page says how many).
    """
    rows = classification_shown(rows)
    names = [row.name for row in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": class_label(code),
            "y": names,
            "x": [row.counts[code] for row in rows],
            "marker": {"color": series_colour(code)},
            "hovertemplate": "%{y}: %{x}<extra>%{fullData.name}</extra>",
        }
        for code in CLASS_CODES
    ]
    layout = _layout(
        # One bar row per region, so a long list stays readable.
        height=max(300, 160 + 26 * len(rows)),
        barmode="stack",
        # Dasar first, as in the table (stacked bars otherwise list it last).
        legend={**_layout()["legend"], "traceorder": "normal"},
        xaxis={"title": {"text": _("Kampung KB")}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    layout["margin"]["l"] = 8
    return {"data": data, "layout": layout, "config": CONFIG}


def formation_figure(*, years) -> dict:
    """Active Kampung KB (cumulative) as a line; formed in the year against the target."""
    x = [y.year for y in years]
    data = [
        {
            "type": "bar",
            "name": _("Terbentuk dalam tahun itu"),
            "x": x,
            "y": [y.formed_in_year for y in years],
            "marker": {"color": series_colour("kampung_formed_in_year")},
        }
    ]
    if any(y.target for y in years):
        data.append(
            {
                "type": "bar",
                "name": _("Target tahun itu"),
                "x": x,
                "y": [y.target for y in years],
                "marker": {"color": series_colour("formation_target")},
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Kampung KB aktif (kumulatif)"),
            "x": x,
            "y": [y.formed for y in years],
            "line": {"color": series_colour("kampung_formed"), "width": 2},
        }
    )
    layout = _layout(
        barmode="group",
        xaxis={"title": {"text": _("Tahun")}, "dtick": 1},
        yaxis={"title": {"text": _("Kampung KB")}, "rangemode": "tozero"},
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def _point_text(point) -> str:
    if point.small:
        return _("n terlalu kecil (n = %(n)s anak)") % {
            "n": number_format(round(point.denominator), force_grouping=True)
        }
    percent = floatformat(point.value, 2)
    if point.denominator:
        return _("%(percent)s %% (n = %(n)s anak)") % {
            "percent": percent,
            "n": number_format(round(point.denominator), force_grouping=True),
        }
    return f"{percent} %"


def _stunting_trace(s) -> dict:
    colour = series_colour(s.code)
    # Measured: dotted, with its own marker, so a reported figure of the same year
    # and value stays visible beside it.
    if s.measured:
        look = {
            "line": {"color": colour, "dash": "dot"},
            "marker": {"color": colour, "symbol": "x", "size": 9},
        }
    else:
        look = {"line": {"color": colour}, "marker": {"color": colour, "size": 10}}
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": s.name,
        "x": [p.year for p in s.points],
        "y": [None if p.small else p.value for p in s.points],
        "text": [_point_text(p) for p in s.points],
        "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
        **look,
    }


def stunting_figure(*, series) -> dict:
    """One line per reported source and one for the measured prevalence, never merged.

    A measured year over too few children is a gap in its line: its hover text
    says "n terlalu kecil" with the n.
    """
    data = [_stunting_trace(s) for s in series]
    layout = _layout(
        xaxis={"title": {"text": _("Tahun")}, "dtick": 1},
        yaxis={"title": {"text": _("Prevalensi stunting (%)")}, "rangemode": "tozero"},
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def _tile_text(tile) -> str:
    children = _("%(n)s anak") % {
        "n": number_format(tile.children, force_grouping=True)
    }
    if tile.prevalence is None:
        stunting = _("stunting: belum ada data")
    elif tile.small:
        stunting = _("stunting: n terlalu kecil (n = %(n)s anak)") % {
            "n": number_format(tile.measured, force_grouping=True)
        }
    else:
        percent = floatformat(tile.prevalence, 1)
        stunting = _("stunting %(percent)s %%") % {"percent": percent}
    return f"{children}<br>{stunting}"


def treemap_figure(*, root_name: str, tiles) -> dict:
    """Child regions sized by registered children, coloured by measured stunting.

    Each tile's customdata is its dashboard's URL (static/js/dashboard.js follows it
    on a click); regions without registered children have no area and are left out.
    """
    shown = [t for t in tiles if t.children > 0]
    data = [
        {
            "type": "treemap",
            "ids": [ROOT_ID, *(t.code for t in shown)],
            "labels": [root_name, *(t.name for t in shown)],
            "parents": ["", *(ROOT_ID for _t in shown)],
            "values": [sum(t.children for t in shown), *(t.children for t in shown)],
            "branchvalues": "total",
            "text": ["", *(_tile_text(t) for t in shown)],
            "customdata": ["", *(t.url for t in shown)],
            "marker": {
                "colors": [
                    "#eef2f5",
                    *(
                        SMALL_N_COLOUR if t.small else prevalence_band(t.prevalence)[0]
                        for t in shown
                    ),
                ]
            },
            "textinfo": "label+text",
            "hovertemplate": "<b>%{label}</b><br>%{text}<extra></extra>",
            "pathbar": {"visible": False},
        }
    ]
    layout = _layout(height=380)
    layout["margin"] = {"l": 4, "r": 4, "t": 8, "b": 4}
    return {"data": data, "layout": layout, "config": CONFIG}


def _rate_text(rate) -> str:
    n = number_format(rate.denominator, force_grouping=True)
    if rate.small:
        return _("n terlalu kecil (n = %(n)s anak)") % {"n": n}
    return _("%(percent)s %% (n = %(n)s anak)") % {
        "percent": floatformat(rate.percent, 1),
        "n": n,
    }


def skdn_figure(*, rows) -> dict:
    """D/S and N/D of each month (dashboards.skdn.SkdnRow) as two lines; a month
    without a denominator, or with one too small to show, has no point."""
    x = [row.label for row in rows]
    data = []
    for code, name, attribute in (
        ("skdn_participation", _("D/S (partisipasi penimbangan)"), "participation"),
        ("skdn_gain", _("N/D (naik berat badan)"), "gain"),
    ):
        rates = [getattr(row, attribute) for row in rows]
        colour = series_colour(code)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": x,
                "y": [r.percent for r in rates],
                "text": [_rate_text(r) if r.denominator else "" for r in rates],
                "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
                "line": {"color": colour, "width": 2},
                "marker": {"color": colour},
                "connectgaps": False,
            }
        )
    layout = _layout(
        xaxis={"title": {"text": _("Bulan")}},
        yaxis={"title": {"text": "%"}, "range": [0, 105]},
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def map_bands(indicator) -> list[tuple[float, str, str]]:
    """The map's colour bands for an indicator: (upper bound, colour, legend text)."""
    if indicator.code in STUNTING_CODES:
        lower = 0
        bands = []
        for upper, colour, name in PREVALENCE_BANDS:
            if lower == 0:
                text = f"< {floatformat(upper, -1)} %"
            elif math.isinf(upper):
                text = f"≥ {floatformat(lower, -1)} %"
            else:
                text = f"{floatformat(lower, -1)}–{floatformat(upper, -1)} %"
            bands.append((upper, colour, f"{text} {name}"))
            lower = upper
        return bands
    bands, lower = [], 0
    for upper, colour in RATE_BANDS:
        text = f"≥ {lower} %" if math.isinf(upper) else f"{lower}–{upper} %"
        bands.append((upper, colour, text))
        lower = upper
    return bands


def _map_band(bands, value):
    return next(band for band in bands if value < band[0])


# A map is at most ~1,000 px wide: detail finer than a thousandth of its extent
# is invisible and only weighs on a phone (a kab/kota's 400 desa at ~1 m are 1 MB).
MAP_RESOLUTION = 1000


def _for_display(areas) -> list[dict]:
    """The areas' geometries simplified to what the map can show."""
    shapes = [shape(a.geometry) for a in areas]
    if not shapes:
        return []
    west, south, east, north = shapely.total_bounds(shapes)
    tolerance = max(east - west, north - south) / MAP_RESOLUTION
    # 4 decimals (~11 m) once the map's pixel is larger than that.
    decimals = 4 if tolerance >= 0.0001 else 5
    out = []
    for geometry in shapes:
        simple = geometry.simplify(tolerance, preserve_topology=True)
        if simple.is_empty:
            simple = geometry
        geojson = mapping(simple)
        out.append(
            {
                "type": geojson["type"],
                "coordinates": _round_coordinates(geojson["coordinates"], decimals),
            }
        )
    return out


def _round_coordinates(value, decimals):
    if isinstance(value, list | tuple):
        return [_round_coordinates(v, decimals) for v in value]
    return round(value, decimals)


def _outline(geometry) -> tuple[list, list]:
    """A Polygon/MultiPolygon's rings as one path: x and y, rings split by None."""
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
    )
    xs, ys = [], []
    for polygon in polygons:
        for ring in polygon:
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(point[0] for point in ring)
            ys.extend(point[1] for point in ring)
    return xs, ys


def _area_text(area, indicator) -> str:
    counted = f" {indicator.counted}" if indicator.counted else ""
    if area.shown is None:
        value = _("belum ada data")
    elif isinstance(area.shown, SmallN):
        value = _("n terlalu kecil (n = %(n)s%(counted)s)") % {
            "n": number_format(round(area.shown.denominator), force_grouping=True),
            "counted": counted,
        }
    else:
        value = _("%(percent)s %% (n = %(n)s%(counted)s)") % {
            "percent": floatformat(area.shown, 1),
            "n": number_format(round(area.denominator or 0), force_grouping=True),
            "counted": counted,
        }
    return f"<b>{area.name}</b><br>{value}"


def _legend_entry(name, colour, pattern=None) -> dict:
    entry = {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "lines",
        "fill": "toself",
        "fillcolor": colour,
        "line": {"color": "#52606d", "width": 1},
        "name": name,
        "hoverinfo": "skip",
    }
    if pattern:
        entry["fillpattern"] = pattern
    return entry


def choropleth_figure(*, areas, indicator, min_denominator) -> dict:
    """Regions drawn from their boundaries, coloured by an indicator's band.

    Polygons are filled scatter traces on plain axes: no map tiles, no geo
    subplot, nothing fetched from outside (the bundle has no geo code at all).
    A region over too few is hatched grey ("n terlalu kecil"), one without data
    plain grey; both are in the legend. Outlines are simplified to the map's
    resolution (MAP_RESOLUTION). A dot inside each region carries its
    hover text and, as customdata, its dashboard's URL: a tap drills down.
    """
    bands = map_bands(indicator)
    data = []
    for area, geometry in zip(areas, _for_display(areas), strict=True):
        xs, ys = _outline(geometry)
        trace = {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "fill": "toself",
            "line": {"color": "#52606d", "width": 0.8},
            "hoveron": "fills",
            "name": _area_text(area, indicator),
            "hoverinfo": "name",
            "showlegend": False,
        }
        if area.shown is None:
            trace["fillcolor"] = NO_DATA_COLOUR
        elif isinstance(area.shown, SmallN):
            trace["fillcolor"] = SMALL_N_COLOUR
            trace["fillpattern"] = SMALL_N_PATTERN
        else:
            trace["fillcolor"] = _map_band(bands, area.shown)[1]
        data.append(trace)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [a.label_point[0] for a in areas],
            "y": [a.label_point[1] for a in areas],
            "text": [_area_text(a, indicator) for a in areas],
            "customdata": [a.url for a in areas],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {
                "size": 10,
                "color": "#1f2933",
                "opacity": 0.75,
                "line": {"color": "#ffffff", "width": 1.5},
            },
            "showlegend": False,
            "name": "drill",
        }
    )
    data.extend(_legend_entry(text, colour) for _upper, colour, text in bands)
    data.append(
        _legend_entry(
            _("n terlalu kecil (kurang dari %(n)s)") % {"n": min_denominator},
            SMALL_N_COLOUR,
            SMALL_N_PATTERN,
        )
    )
    data.append(_legend_entry(_("belum ada data"), NO_DATA_COLOUR))
    latitudes = [a.label_point[1] for a in areas] or [0]
    middle = sum(latitudes) / len(latitudes)
    layout = _layout(
        height=460,
        xaxis={"visible": False, "fixedrange": False},
        yaxis={
            "visible": False,
            # A degree of latitude is longer than one of longitude away from
            # the equator: keep shapes undistorted.
            "scaleanchor": "x",
            "scaleratio": round(1 / math.cos(math.radians(middle)), 4),
        },
        hovermode="closest",
        dragmode="pan",
    )
    layout["legend"] = {
        **layout["legend"],
        "title": {"text": indicator.name, "side": "top"},
        "traceorder": "normal",
    }
    layout["margin"] = {"l": 4, "r": 4, "t": MARGIN_TOP, "b": MARGIN_BOTTOM}
    return {"data": data, "layout": layout, "config": CONFIG}


def launch_period_label(point, span) -> str:
    """A point's calendar period: "Jun 2023", or "Triwulan 2 2023"."""
    if span == "triwulan":
        return _("Triwulan %(part)s %(year)s") % {
            "part": point.part,
            "year": point.year,
        }
    return date_format(datetime.date(point.year, point.part, 1), "M Y")


def _launch_point_text(point, *, measure, span) -> str:
    period = launch_period_label(point, span)
    if measure == "coverage":
        value, n, small = point.coverage, point.registered, point.coverage_small
        counted = _("%(n)s anak terdaftar")
    else:
        value, n, small = point.prevalence, point.valid, point.prevalence_small
        counted = _("%(n)s anak dengan TB/U sah")
    counted = counted % {"n": number_format(n, force_grouping=True)}
    if value is None:
        return _("%(period)s: belum ada data") % {"period": period}
    if small:
        return _("%(period)s: n terlalu kecil (n = %(counted)s)") % {
            "period": period,
            "counted": counted,
        }
    return _("%(period)s: %(percent)s %% (n = %(counted)s)") % {
        "period": period,
        "percent": floatformat(value, 1),
        "counted": counted,
    }


def launch_figure(*, comparison, subject_name: str, measure: str) -> dict:
    """Measured stunting (measure="prevalence") or measurement coverage
    ("coverage") by months or quarters since a launch: the launched Kampung KB
    and, dotted, those of the same kab/kota not yet launched in that period.

    A period without data or over too few children is a gap in its line; its
    hover text says which, with the n.
    """
    span = comparison.span

    def values(points):
        out = []
        for p in points:
            value = p.coverage if measure == "coverage" else p.prevalence
            small = p.coverage_small if measure == "coverage" else p.prevalence_small
            out.append(None if value is None or small else round(value, 2))
        return out

    x = [p.offset for p in comparison.subject]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": values(points),
            "text": [_launch_point_text(p, measure=measure, span=span) for p in points],
            "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
            "line": {"color": series_colour(key), "dash": dash},
            "marker": {"color": series_colour(key), "size": 8},
        }
        for name, points, key, dash in (
            (subject_name, comparison.subject, "launch_subject", "solid"),
            (
                _("Kampung KB yang belum dicanangkan (kab/kota yang sama)"),
                comparison.comparison,
                "launch_comparison",
                "dot",
            ),
        )
    ]
    x_title = (
        _("Triwulan sejak pencanangan")
        if span == "triwulan"
        else _("Bulan sejak pencanangan")
    )
    y_title = (
        _("Cakupan pengukuran (%)")
        if measure == "coverage"
        else _("Prevalensi stunting terukur (%)")
    )
    layout = _layout(
        xaxis={"title": {"text": x_title}, "zeroline": False},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        # The launch: a vertical line at 0 across the plot.
        shapes=[
            {
                "type": "line",
                "x0": 0,
                "x1": 0,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#5b6b7b", "width": 1, "dash": "dash"},
            }
        ],
        annotations=[
            {
                "x": 0,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": _("pencanangan"),
                "showarrow": False,
                "yanchor": "bottom",
            }
        ],
    )
    return {"data": data, "layout": layout, "config": CONFIG}
