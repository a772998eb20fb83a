"""The dashboards' choropleth (issue 15, item 1): the figure dict, and the page that
shows it when the children have boundaries."""

import json

import pytest
from django.urls import reverse

from dashboards import charts, reports
from dashboards.indicators import BY_CODE
from dashboards.reports import SmallN
from dashboards.selectors import Figure
from kampungkb.models import Role, User
from villages.demo import boundary_demo_load
from villages.models import RegionLevel
from villages.selectors import BoundaryArea

STUNTING = BY_CODE["stunting_measured"]


def _area(code, x):
    ring = [[x, -6.9], [x + 0.01, -6.9], [x + 0.01, -6.89], [x, -6.9]]
    return BoundaryArea(
        code,
        f"Kel {code[-4:]}",
        {"type": "Polygon", "coordinates": [ring]},
        (x + 0.005, -6.895),
        False,
    )


def _figure(numerator, denominator):
    return {
        "stunting_measured": Figure(
            100 * numerator / denominator, numerator, denominator
        )
    }


@pytest.fixture
def areas(settings):
    settings.DASHBOARD_MIN_DENOMINATOR = {
        **settings.DASHBOARD_MIN_DENOMINATOR,
        "prevalence": 30,
    }
    figures = {
        "33.75.01.1002": _figure(9, 30),  # 30 measured: shown, 30 %
        "33.75.01.1003": _figure(5, 29),  # 29 measured: too few
        # 33.75.01.1004: no figure at all
        "33.75.01.1006": _figure(3, 100),  # 3 %
    }
    return reports.map_areas(
        areas=[
            _area("33.75.01.1002", 109.60),
            _area("33.75.01.1003", 109.61),
            _area("33.75.01.1004", 109.62),
            _area("33.75.01.1006", 109.63),
        ],
        figures=figures,
        indicator=STUNTING,
        level=RegionLevel.DESA,
    )


def test_the_small_number_rule_holds_on_both_sides(areas):
    assert areas[0].shown == 30.0
    assert areas[1].shown == SmallN(5, 29)
    assert areas[2].shown is None
    assert areas[3].shown == 3.0


def test_the_figure_colours_hatches_and_greys_each_region(areas):
    figure = charts.choropleth_figure(
        areas=areas, indicator=STUNTING, min_denominator=30
    )
    polygons = figure["data"][:4]
    # 30 % is "sangat tinggi" (>= 30); 3 % "rendah".
    assert [p["fillcolor"] for p in polygons] == [
        "#d73027",
        charts.SMALL_N_COLOUR,
        charts.NO_DATA_COLOUR,
        "#91cf60",
    ]
    assert "fillpattern" in polygons[1]
    assert not any("fillpattern" in p for p in (polygons[0], polygons[2], polygons[3]))
    assert polygons[0]["x"] == [109.6, 109.61, 109.61, 109.6]
    assert polygons[0]["name"] == "<b>Kel 1002</b><br>30,0 % (n = 30 anak)"
    assert polygons[1]["name"] == "<b>Kel 1003</b><br>n terlalu kecil (n = 29 anak)"
    assert polygons[2]["name"] == "<b>Kel 1004</b><br>belum ada data"


def test_a_tap_on_a_region_opens_its_dashboard(areas):
    figure = charts.choropleth_figure(
        areas=areas, indicator=STUNTING, min_denominator=30
    )
    dots = figure["data"][4]
    assert dots["mode"] == "markers"
    assert dots["customdata"] == [reverse("dashboard", args=[a.code]) for a in areas]
    assert dots["x"][0] == pytest.approx(109.605)


def test_the_legend_names_every_band_the_small_number_and_no_data(areas):
    figure = charts.choropleth_figure(
        areas=areas, indicator=STUNTING, min_denominator=30
    )
    legend = [t["name"] for t in figure["data"] if t.get("showlegend") is not False]
    assert legend == [
        "< 2,5 % sangat rendah",
        "2,5–10 % rendah",
        "10–20 % sedang",
        "20–30 % tinggi",
        "≥ 30 % sangat tinggi",
        "n terlalu kecil (kurang dari 30)",
        "belum ada data",
    ]
    assert figure["layout"]["legend"]["title"]["text"] == STUNTING.name
    # Nothing that would make plotly.js fetch a map from outside.
    assert {t["type"] for t in figure["data"]} == {"scatter"}
    assert "geo" not in figure["layout"] and "map" not in figure["layout"]


def _page_figure(response):
    html = response.content.decode()
    start = html.index('<script id="figure-map" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)]), html


@pytest.fixture
def official(kota_pekalongan):
    boundary_demo_load()
    user = User.objects.create_user("pimpinan.kota", role=Role.PIMPINAN)
    user.regions.set([kota_pekalongan])
    return user


def _polygons(figure):
    return [t for t in figure["data"] if t.get("hoveron") == "fills"]


def test_kota_pekalongan_shows_its_27_kelurahan_and_can_show_its_kecamatan(
    client, official
):
    client.force_login(official)
    figure, html = _page_figure(client.get(reverse("dashboard", args=["33.75"])))
    assert len(_polygons(figure)) == 27
    assert "Batas skematis, bukan batas resmi" in html
    assert 'id="map-table"' in html and "Jenggot" in html

    figure, _html = _page_figure(
        client.get(reverse("dashboard", args=["33.75"]) + "?peta=kecamatan")
    )
    assert len(_polygons(figure)) == 4


def test_a_kecamatan_shows_its_kelurahan_and_a_kelurahan_no_map(client, official):
    client.force_login(official)
    figure, _html = _page_figure(client.get(reverse("dashboard", args=["33.75.04"])))
    assert len(_polygons(figure)) == 6
    page = client.get(reverse("dashboard", args=["33.75.04.1004"])).content.decode()
    assert "figure-map" not in page


def test_odd_map_choices_fall_back_to_the_defaults(client, official):
    client.force_login(official)
    response = client.get(
        reverse("dashboard", args=["33.75"]) + "?peta=provinsi&indikator=tidak_ada"
    )
    figure, _html = _page_figure(response)
    assert len(_polygons(figure)) == 27
    assert figure["layout"]["legend"]["title"]["text"] == STUNTING.name
    nul = client.get(reverse("dashboard", args=["33.75"]) + "?indikator=%00")
    assert nul.status_code < 500


def test_the_map_can_be_coloured_by_another_indicator(client, official):
    client.force_login(official)
    response = client.get(
        reverse("dashboard", args=["33.75"]) + "?indikator=measurement_coverage"
    )
    figure, _html = _page_figure(response)
    name = BY_CODE["measurement_coverage"].name
    assert figure["layout"]["legend"]["title"]["text"] == name
    # A kab/kota-only figure is not offered for a desa/kelurahan map.
    assert 'value="kampung_coverage"' not in _html


def test_no_boundaries_no_map(client, kab_pekalongan):
    user = User.objects.create_user("pimpinan.kab", role=Role.PIMPINAN)
    user.regions.set([kab_pekalongan])
    client.force_login(user)
    page = client.get(reverse("dashboard", args=["33.26"])).content.decode()
    assert "figure-map" not in page
