"""The dashboards' Plotly figures, asserted on the dicts the pages hand to plotly.js."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from dashboards import charts
from dashboards.reports import (
    ClassificationRow,
    FormationYear,
    StuntingPoint,
    StuntingSeries,
    Tile,
)

CLASS_CODES = [
    "kampung_dasar",
    "kampung_berkembang",
    "kampung_mandiri",
    "kampung_berkelanjutan",
    "kampung_unclassified",
]


def _counts(*numbers):
    return dict(zip(CLASS_CODES, numbers, strict=True))


def _plain(figure):
    """The figure as the page's json_script writes it: plain JSON, nothing lazy."""
    return json.loads(json.dumps(figure, cls=DjangoJSONEncoder))


def test_classification_is_one_stacked_bar_per_level_across_the_child_regions():
    rows = [
        ClassificationRow(
            "33.75.01", "Pekalongan Barat", "/a/", _counts(5, 1, 1, 0, 0)
        ),
        ClassificationRow(
            "33.75.02", "Pekalongan Timur", "/b/", _counts(7, 0, 0, 0, 0)
        ),
    ]

    figure = _plain(charts.classification_figure(rows=rows))

    assert figure["layout"]["barmode"] == "stack"
    assert [t["name"] for t in figure["data"]] == [
        "Dasar",
        "Berkembang",
        "Mandiri",
        "Berkelanjutan (Paripurna)",
        "Belum diklasifikasi",
    ]
    for trace in figure["data"]:
        assert trace["type"] == "bar"
        assert trace["y"] == ["Pekalongan Barat", "Pekalongan Timur"]
    assert [t["x"] for t in figure["data"]] == [[5, 7], [1, 0], [1, 0], [0, 0], [0, 0]]
    # The level badges' colours, so a level looks the same everywhere.
    assert figure["data"][0]["marker"]["color"] == "#8a6d00"
    assert figure["data"][3]["marker"]["color"] == "#6b3fa0"


def test_formation_draws_the_cumulative_line_and_the_years_bars_against_targets():
    years = [
        FormationYear(2022, 6, 6, None, 0),
        FormationYear(2023, 19, 13, 13, 13),
        FormationYear(2024, 27, 8, 8, 8),
    ]

    figure = _plain(charts.formation_figure(years=years))

    formed, target, cumulative = figure["data"]
    assert (formed["type"], formed["x"], formed["y"]) == (
        "bar",
        [2022, 2023, 2024],
        [6, 13, 8],
    )
    assert (target["type"], target["y"]) == ("bar", [None, 13, 8])
    assert target["name"] == "Target tahun itu"
    assert cumulative["type"] == "scatter" and cumulative["mode"] == "lines+markers"
    assert cumulative["y"] == [6, 19, 27]
    assert figure["layout"]["barmode"] == "group"


def test_formation_without_any_target_draws_no_target_bars():
    years = [FormationYear(2024, 285, 285, None, 0)]

    figure = charts.formation_figure(years=years)

    assert [t["type"] for t in figure["data"]] == ["bar", "scatter"]


def _series(code, name, measured, *points):
    return StuntingSeries(
        code, name, measured, tuple(StuntingPoint(y, v, None, None) for y, v in points)
    )


def test_stunting_keeps_each_source_and_the_measured_figure_as_their_own_lines():
    series = [
        _series("stunting_reported_ssgi", "SSGI", False, (2021, 20.6), (2022, 23.1)),
        _series("stunting_reported_other", "Lainnya", False, (2024, 17.86)),
        _series("stunting_measured", "Terukur", True, (2023, 20.2), (2024, 17.87)),
    ]

    figure = _plain(charts.stunting_figure(series=series))

    assert [(t["name"], t["x"], t["y"]) for t in figure["data"]] == [
        ("SSGI", [2021, 2022], [20.6, 23.1]),
        ("Lainnya", [2024], [17.86]),
        ("Terukur", [2023, 2024], [20.2, 17.87]),
    ]
    # The same year from two sources stays two points: 17.86 and 17.87, not merged.
    assert all(t["type"] == "scatter" for t in figure["data"])
    assert figure["data"][2]["line"]["dash"] == "dot"
    assert figure["data"][2]["marker"]["symbol"] == "x"
    assert "dash" not in figure["data"][0]["line"]


def test_treemap_sizes_tiles_by_registered_children_and_colours_them_by_stunting():
    tiles = [
        Tile("33.75.01", "Pekalongan Barat", "/dashboard/33.75.01/", 400, 17.86),
        Tile("33.75.02", "Pekalongan Timur", "/dashboard/33.75.02/", 300, 31.0),
        Tile("33.75.03", "Pekalongan Utara", "/dashboard/33.75.03/", 200, None),
        Tile("33.75.04", "Pekalongan Selatan", "/dashboard/33.75.04/", 0, None),
    ]

    figure = _plain(charts.treemap_figure(root_name="Kota Pekalongan", tiles=tiles))

    (trace,) = figure["data"]
    assert trace["type"] == "treemap"
    # A region without registered children has no area: it is left out.
    assert trace["ids"] == ["root", "33.75.01", "33.75.02", "33.75.03"]
    assert trace["labels"][0] == "Kota Pekalongan"
    assert trace["parents"] == ["", "root", "root", "root"]
    assert trace["values"] == [900, 400, 300, 200]
    assert trace["branchvalues"] == "total"
    # Medium (10-20 %), very high (>= 30 %), no measurements (grey).
    assert trace["marker"]["colors"][1:] == ["#fee08b", "#d73027", "#c8ced4"]
    # The static JS follows a tile's customdata to its dashboard; the root has none.
    assert trace["customdata"] == [
        "",
        "/dashboard/33.75.01/",
        "/dashboard/33.75.02/",
        "/dashboard/33.75.03/",
    ]
    assert "17,9" in trace["text"][1] and "400 anak" in trace["text"][1]
    assert "belum ada data" in trace["text"][3]


def test_prevalence_bands_follow_the_who_unicef_thresholds():
    assert [
        charts.prevalence_band(v)[1]
        for v in (None, 0, 2.49, 2.5, 9.99, 10, 20, 29.9, 30)
    ] == [
        "belum ada data",
        "sangat rendah",
        "sangat rendah",
        "rendah",
        "rendah",
        "sedang",
        "tinggi",
        "tinggi",
        "sangat tinggi",
    ]


def test_every_figure_is_plain_json_with_a_responsive_config_and_no_outside_url():
    figures = [
        charts.classification_figure(
            rows=[ClassificationRow("1", "A", "/", _counts(1, 0, 0, 0, 0))]
        ),
        charts.formation_figure(years=[FormationYear(2024, 1, 1, 1, 1)]),
        charts.stunting_figure(series=[_series("s", "S", False, (2024, 1.0))]),
        charts.treemap_figure(root_name="R", tiles=[Tile("1", "A", "/a/", 1, 1.0)]),
    ]
    for figure in figures:
        text = json.dumps(figure, cls=DjangoJSONEncoder)
        assert "http" not in text
        assert figure["config"]["displaylogo"] is False
        assert figure["config"]["responsive"] is True
        # Only the trace types the served plotly.js bundle registers.
        assert {t["type"] for t in figure["data"]} <= {"scatter", "bar", "treemap"}
