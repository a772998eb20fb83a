"""Plotly figures as plain dicts: pure functions, drawn by static/js/plotly.min.js."""

import textwrap

from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from kampungkb.palette import (
    LEGEND,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    reported_key,
    series_colour,
)

# WHO reference lines on the height-for-age chart, in z units, with their colours.
HAZ_REFERENCE_LINES = (
    (-3, "#a11", "dash"),
    (-2, "#d9822b", "dash"),
    (0, "#0b6e4f", "solid"),
    (2, "#5b6b7b", "dot"),
)
BALITA_MONTHS = 60
CONFIG = {"displaylogo": False, "responsive": True}


def _layout(*, x_title, y_title, **extra):
    return {
        "margin": {"l": 48, "r": 8, "t": MARGIN_TOP, "b": MARGIN_BOTTOM},
        "height": 400,
        "xaxis": {"title": {"text": x_title}, "zeroline": False},
        "yaxis": {"title": {"text": y_title}},
        "legend": dict(LEGEND),
        "font": {"family": "system-ui, sans-serif", "size": 12},
        **extra,
    }


def growth_figure(*, points: list[tuple[float, float]]) -> dict:
    """The child's HAZ over age in months against the WHO -3, -2, 0 and +2 lines."""
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("WHO %(z)+d SD") % {"z": z} if z else _("WHO median"),
            "x": [0, BALITA_MONTHS],
            "y": [z, z],
            "line": {"color": colour, "dash": dash, "width": 1},
            "hoverinfo": "name",
        }
        for z, colour, dash in HAZ_REFERENCE_LINES
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Anak ini"),
            "x": [age for age, _z in points],
            "y": [z for _age, z in points],
            "line": {"color": "#1f6fb2", "width": 2},
            "marker": {"size": 8},
        }
    )
    lowest = min([-4, *(z for _age, z in points)])
    highest = max([3, *(z for _age, z in points)])
    layout = _layout(
        x_title=_("Umur (bulan)"),
        y_title=_("z-score TB/U"),
        showlegend=True,
    )
    layout["xaxis"]["range"] = [0, BALITA_MONTHS]
    layout["yaxis"]["range"] = [lowest - 0.5, highest + 0.5]
    return {"data": data, "layout": layout, "config": CONFIG}


def _reported_text(point) -> str:
    """A reported figure's hover text: its value, its n if published, its source."""
    text = f"{floatformat(point.value_percent, 2)} %"
    if point.denominator:
        text += " " + _("(n = %(n)s anak)") % {
            "n": number_format(point.denominator, force_grouping=True)
        }
    # The citation as published, a few short lines (the table has it whole).
    lines = textwrap.wrap(escape(point.citation), 60)
    if len(lines) > 4:
        lines = [*lines[:4], "…"]
    return "<br>".join([text, *lines])


def _measured_text(row, min_n) -> str:
    n = number_format(row.children, force_grouping=True)
    if row.children < min_n:
        return _("n terlalu kecil (n = %(n)s anak)") % {"n": n}
    return _("%(percent)s %% (n = %(n)s anak)") % {
        "percent": floatformat(row.percent, 2),
        "n": n,
    }


def prevalence_figure(*, series, measured, min_n: int) -> dict:
    """One line per reported source, and the measured prevalence as its own line.

    `measured`: (year, PrevalenceRow) of the years with measured children. Each
    point's hover text gives its n (and a reported point its citation); a measured
    year over fewer than `min_n` children is a gap in its line, and the line is
    left out when no year reaches `min_n`.
    """
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": s.label,
            "x": [p.year for p in s.points],
            "y": [float(p.value_percent) for p in s.points],
            "text": [_reported_text(p) for p in s.points],
            "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
            # The same colour as this source's line on the dashboards.
            "line": {"color": series_colour(reported_key(s.source))},
            "marker": {"color": series_colour(reported_key(s.source))},
        }
        for s in series
    ]
    measured = [(year, row) for year, row in measured if row.children]
    if any(row.children >= min_n for _year, row in measured):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Terukur (data pengukuran di aplikasi)"),
                "x": [year for year, _row in measured],
                "y": [
                    round(row.percent, 2) if row.children >= min_n else None
                    for _year, row in measured
                ],
                "text": [_measured_text(row, min_n) for _year, row in measured],
                "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
                "line": {"color": series_colour("stunting_measured"), "dash": "dot"},
                "marker": {"color": series_colour("stunting_measured")},
            }
        )
    layout = _layout(x_title=_("Tahun"), y_title=_("Prevalensi stunting (%)"))
    layout["xaxis"]["dtick"] = 1
    layout["yaxis"]["rangemode"] = "tozero"
    return {"data": data, "layout": layout, "config": CONFIG}
