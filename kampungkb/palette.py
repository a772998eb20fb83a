"""One colour per series, used by every chart on every page.

A series keeps its colour wherever it is drawn: a classification level, a source of
reported stunting, the measured prevalence, a formation series. Keyed by the
series' own code (an indicator code of the dashboards, or a PrevalenceSource value
prefixed as the dashboards name it), so both the dashboards and the stunting pages
ask for the same key. Colours follow the level badges of static/css/app.css and
stay apart for people with the common colour-vision deficiencies.
"""

SERIES_COLOURS = {
    # Kampung KB classification, from dasar up (the level badges' colours).
    "kampung_dasar": "#8a6d00",
    "kampung_berkembang": "#1f6fb2",
    "kampung_mandiri": "#0b6e4f",
    "kampung_berkelanjutan": "#6b3fa0",
    "kampung_unclassified": "#9aa5b1",
    # Formation of Kampung KB.
    "kampung_formed_in_year": "#1f6fb2",
    "formation_target": "#d9822b",
    "kampung_formed": "#0b6e4f",
    # Stunting: each reported source, and the measured prevalence.
    "stunting_reported_ssgi": "#c0392b",
    "stunting_reported_ski": "#8e44ad",
    "stunting_reported_eppgbm": "#d9822b",
    "stunting_reported_dinkes": "#16a085",
    "stunting_reported_other": "#7f6000",
    "stunting_measured": "#1f3b73",
    # Posyandu weighing (SKDN): participation D/S and weight gain N/D.
    "skdn_participation": "#1f6fb2",
    "skdn_gain": "#0b6e4f",
    # Before/after a launch: the launched Kampung KB, and those not launched yet.
    "launch_subject": "#1f3b73",
    "launch_comparison": "#d9822b",
}
# A series the table above does not know (never expected): neutral grey.
OTHER_COLOUR = "#5b6b7b"
# "n terlalu kecil" on a map-like chart: lighter than "no data", hatched in CSS.
SMALL_N_COLOUR = "#e4e8ec"


def series_colour(key: str) -> str:
    """The colour of a series wherever it is drawn."""
    return SERIES_COLOURS.get(key, OTHER_COLOUR)


def reported_key(source: str) -> str:
    """The palette key of a reported stunting source (a PrevalenceSource value)."""
    return f"stunting_reported_{source}"


# Every chart's legend: along the bottom of the figure, under the axis titles, so
# Plotly's toolbar (top right, shown on hover) never covers it; the margin keeps
# room for the tick labels, the axis title and two rows of legend entries.
# static/js/chart-fit.js hides the toolbar on phones and makes more room there.
LEGEND = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 0,
    "yanchor": "bottom",
    "yref": "container",
}
MARGIN_TOP = 36  # the toolbar's height, and a little air
MARGIN_BOTTOM = 104
