"""Survey beside measured: each reported source its own line with its citation and
n, the measured line with its n, and why they differ; the demo's figures of Kota
and Kabupaten Pekalongan (DOMAIN.md) on their stunting pages."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from dashboards.refresh import snapshot_refresh
from kampungkb.models import Role, User
from stunting.charts import prevalence_figure
from stunting.selectors import PrevalenceRow, ReportedSeries
from villages.models import Region

pytestmark = pytest.mark.django_db


def _point(year, value, citation, denominator=None):
    return SimpleNamespace(
        year=year,
        value_percent=Decimal(value),
        citation=citation,
        denominator=denominator,
    )


def test_each_source_is_its_own_line_with_its_citation_and_the_measured_its_n():
    series = [
        ReportedSeries(
            source="ssgi",
            label="SSGI (survei)",
            points=[
                _point(2021, "19.5", "SSGI 2021 <Kemenkes>"),
                _point(2022, "23.5", "SSGI 2022", denominator=412),
            ],
        ),
        ReportedSeries(
            source="eppgbm",
            label="e-PPGBM (administratif)",
            points=[_point(2021, "13.48", "e-PPGBM 2021")],
        ),
    ]
    measured = [
        (2023, PrevalenceRow(region=None, children=29, stunted=5)),
        (2024, PrevalenceRow(region=None, children=30, stunted=6)),
    ]

    figure = prevalence_figure(series=series, measured=measured, min_n=30)

    ssgi, eppgbm, own = figure["data"]
    # Never joined: each source has only its own years and values.
    assert (ssgi["x"], ssgi["y"]) == ([2021, 2022], [19.5, 23.5])
    assert (eppgbm["x"], eppgbm["y"]) == ([2021], [13.48])
    assert ssgi["text"][0] == "19,50 %<br>SSGI 2021 &lt;Kemenkes&gt;"
    assert ssgi["text"][1] == "23,50 % (n = 412 anak)<br>SSGI 2022"
    # 29 children: a gap, said with its n; 30: drawn.
    assert own["y"] == [None, 20.0]
    assert own["text"] == [
        "n terlalu kecil (n = 29 anak)",
        "20,00 % (n = 30 anak)",
    ]


def test_no_measured_line_when_no_year_reaches_the_minimum():
    measured = [(2024, PrevalenceRow(region=None, children=29, stunted=5))]

    figure = prevalence_figure(series=[], measured=measured, min_n=30)

    assert figure["data"] == []


@pytest.fixture(scope="module")
def refreshed(demo_module, django_db_blocker):
    with django_db_blocker.unblock():
        snapshot_refresh(years=[2024])


def _traces(client, code):
    html = client.get(reverse("stunting-prevalence", args=[code])).content.decode()
    figure = json.loads(
        re.search(
            r'id="prevalence-figure" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    return html, {t["name"]: t for t in figure["data"]}


def _official(client, code):
    user = User.objects.create_user(f"pimpinan.{code}", role=Role.PIMPINAN)
    user.regions.set(Region.objects.filter(code=code))
    client.force_login(user)


def test_kabupaten_pekalongan_shows_ssgi_and_e_ppgbm_apart(refreshed, client):
    _official(client, "33.26")

    html, traces = _traces(client, "33.26")

    ssgi = traces["SSGI (survei)"]
    eppgbm = traces["e-PPGBM (administratif)"]
    assert (ssgi["x"], ssgi["y"]) == ([2021, 2022], [19.5, 23.5])
    assert (eppgbm["x"], eppgbm["y"]) == ([2021, 2022], [13.48, 11.04])
    assert "Buku Saku Hasil Studi Status" in ssgi["text"][0]
    assert "e-PPGBM" in eppgbm["text"][1]
    assert "Mengapa angkanya berbeda" in html
    assert "Survei rumah tangga Kementerian Kesehatan" in html
    assert "Pencatatan administratif" in html


def test_kota_pekalongan_shows_ssgi_the_2024_figure_and_the_measured_with_its_n(
    refreshed, client
):
    _official(client, "33.75")

    html, traces = _traces(client, "33.75")

    ssgi = traces["SSGI (survei)"]
    assert (ssgi["x"], ssgi["y"]) == ([2021, 2022], [20.6, 23.1])
    # The 2024 figure names no survey: its own line, never joined to SSGI.
    assert (traces["Lainnya"]["x"], traces["Lainnya"]["y"]) == ([2024], [17.86])
    measured = traces["Terukur (data pengukuran di aplikasi)"]
    at = measured["x"].index(2024)
    assert measured["y"][at] == pytest.approx(17.86, abs=0.5)
    assert re.fullmatch(r"\d+,\d\d % \(n = 1\.\d{3} anak\)", measured["text"][at])
    assert "Bukan sampel" in html
