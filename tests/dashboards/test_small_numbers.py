"""Figures that tell the truth at a glance (issue 13): the year a dashboard opens
on, the n beside each rate, "n terlalu kecil" for a rate over too few children,
one colour per series on every page, and charts that leave out empty regions.

A few children in Kota Pekalongan, measured in 2024 and refreshed: the city has
nothing else, as on the day a PLKB entered the first measurement.
"""

import datetime
import json
import re

import pytest

from dashboards.refresh import snapshot_refresh
from kampungkb.models import Role, User
from kampungkb.palette import SMALL_N_COLOUR, series_colour
from stunting import services
from stunting.models import PrevalenceSource, ReportedPrevalence
from villages.models import Region

from ..factories import KampungFactory

pytestmark = pytest.mark.django_db

KOTA, SELATAN, UTARA = "33.75", "33.75.04", "33.75.03"
JENGGOT, SOKODUWET = "33.75.04.1004", "33.75.04.1010"
BIRTH = datetime.date(2022, 1, 10)
# Boy, 731 days, 80.0 cm standing: HAZ -2.33, stunted (DOMAIN.md check value).
STUNTED = {
    "measured_on": BIRTH + datetime.timedelta(days=731),
    "weight_kg": 10,
    "height_cm": 80,
    "measured": "standing",
}


def _stunted_child(code, name):
    child = services.child_register(
        region=Region.objects.get(code=code), name=name, sex="L", birth_date=BIRTH
    )
    services.measurement_record(child=child, **STUNTED)


@pytest.fixture
def official(client, kota_pekalongan):
    user = User.objects.create_user("pimpinan.kota", role=Role.PIMPINAN)
    user.regions.set(Region.objects.filter(code=KOTA))
    client.force_login(user)
    return client


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _card(html, code):
    chunk = html.split(f'data-indicator="{code}">', 1)[1].split("</div>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", chunk).split())


def _figure(html, name):
    start = html.index(f'id="{name}" type="application/json">') + len(
        f'id="{name}" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def _row(html, table_id_text, name):
    """The cells of the table row whose first cell links `name`."""
    body = html.split(table_id_text, 1)[1].split("</table>", 1)[0]
    for row in body.split("<tr>")[1:]:
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.split(r"</t[dh]>", row)
        ]
        if cells[0] == name:
            return cells
    raise AssertionError(f"no row {name}")


def test_one_measurement_does_not_make_the_city_read_100_percent(official):
    _stunted_child(JENGGOT, "Anak Satu")
    snapshot_refresh(years=[2024])

    html = _html(official, f"/dashboard/{KOTA}/?tahun=2024")

    card = _card(html, "stunting_measured")
    assert card.startswith("n terlalu kecil Prevalensi stunting (pengukuran)")
    assert "1 / 1 anak" in card
    assert "100 %" not in card
    # The measured line has a gap there; its hover text says why, with the n.
    (measured,) = _figure(html, "figure-stunting")["data"]
    assert (measured["x"], measured["y"]) == ([2024], [None])
    assert measured["text"] == ["n terlalu kecil (n = 1 anak)"]
    # The map-like treemap greys the kecamatan out and says so.
    (treemap,) = _figure(html, "figure-treemap")["data"]
    tile = treemap["ids"].index(SELATAN)
    assert treemap["marker"]["colors"][tile] == SMALL_N_COLOUR
    assert "n terlalu kecil (n = 1 anak)" in treemap["text"][tile]
    # The API says so too, with the counts, for those who draw their own.
    body = official.get(f"/api/dashboard/{KOTA}/", {"tahun": 2024}).json()
    (kpi,) = [k for k in body["kpis"] if k["indicator"] == "stunting_measured"]
    assert (kpi["numerator"], kpi["denominator"], kpi["too_small"]) == (1, 1, True)


def test_a_kecamatan_of_three_stunted_children_reads_n_too_small_with_its_counts(
    official,
):
    _stunted_child(JENGGOT, "Anak Satu")
    _stunted_child(JENGGOT, "Anak Dua")
    _stunted_child(SOKODUWET, "Anak Tiga")
    snapshot_refresh(years=[2024])

    html = _html(official, f"/dashboard/{KOTA}/?tahun=2024")

    # The table keeps the counts; it shows no rate made of 3 children.
    row = _row(html, 'id="indicator-table"', "Kecamatan Pekalongan Selatan")
    assert "n terlalu kecil (3 / 3)" in row
    assert "100 %" not in row
    treemap_row = _row(html, 'id="treemap-table"', "Pekalongan Selatan")
    assert treemap_row[2:5] == ["3", "n terlalu kecil (3 / 3)", "n terlalu kecil"]
    # So does the kecamatan's own page, and its card gives the n.
    kecamatan = _html(official, f"/dashboard/{SELATAN}/?tahun=2024")
    assert _card(kecamatan, "stunting_measured").startswith("n terlalu kecil")
    assert "3 / 3 anak" in _card(kecamatan, "stunting_measured")
    # The CSV carries the same words and counts, not 100.
    csv_text = official.get(f"/dashboard/{KOTA}/ekspor.csv?tahun=2024").content
    assert "n terlalu kecil (3 / 3)" in csv_text.decode("utf-8-sig")


def test_the_dashboard_opens_on_the_latest_year_with_figures(official):
    KampungFactory(region=Region.objects.get(code=JENGGOT), formed_on="2023-06-07")
    _stunted_child(JENGGOT, "Anak Satu")
    this_year = datetime.date.today().year
    snapshot_refresh(years=range(2022, this_year + 1))

    html = _html(official, f"/dashboard/{KOTA}/")

    # 2024 holds the Kampung KB and the measurement; later years only the Kampung KB.
    assert '<option value="2024" selected>' in html
    assert "masih berjalan" not in html
    # Asked for, the running year says its figures are not final.
    running = _html(official, f"/dashboard/{KOTA}/?tahun={this_year}")
    assert f"Tahun {this_year} masih berjalan: angkanya belum final" in running


def test_a_region_whose_figures_reach_this_year_opens_on_it_and_says_so(official):
    KampungFactory(region=Region.objects.get(code=JENGGOT), formed_on="2023-06-07")
    this_year = datetime.date.today().year
    snapshot_refresh(years=range(2022, this_year + 1))

    html = _html(official, f"/dashboard/{KOTA}/")

    assert f'<option value="{this_year}" selected>' in html
    assert f"Tahun {this_year} masih berjalan" in html


def test_each_rate_card_shows_its_numerator_and_denominator(official):
    for n in range(2):
        KampungFactory(
            region=Region.objects.get(code=(JENGGOT, SOKODUWET)[n]),
            formed_on="2023-06-07",
        )
    snapshot_refresh(years=[2024])

    html = _html(official, f"/dashboard/{KOTA}/?tahun=2024")

    # 2 of Kota Pekalongan's 27 kelurahan have a Kampung KB: 7,41 %.
    assert _card(html, "kampung_coverage").startswith(
        "7,41 % Cakupan desa/kelurahan ber-Kampung KB 2 / 27 desa/kelurahan"
    )
    assert "0 / 2 Kampung KB" in _card(html, "dashat_coverage")
    # A count has no n.
    assert " / " not in _card(html, "kampung_formed")


def test_charts_leave_out_regions_without_data_and_say_how_many(official):
    KampungFactory(region=Region.objects.get(code=JENGGOT), formed_on="2023-06-07")
    _stunted_child(UTARA + ".1002", "Anak Satu")
    snapshot_refresh(years=[2024])

    html = _html(official, f"/dashboard/{KOTA}/?tahun=2024")

    bars = _figure(html, "figure-classification")["data"]
    assert {tuple(b["y"]) for b in bars} == {("Pekalongan Selatan",)}
    assert "Tidak digambar: 3 kecamatan tanpa data (ada di tabel)." in html
    (treemap,) = _figure(html, "figure-treemap")["data"]
    assert treemap["ids"][1:] == [UTARA]
    # The tables keep every kecamatan.
    assert html.count('<a href="/dashboard/33.75.0') >= 8


def test_a_series_has_the_same_colour_on_the_dashboard_and_the_stunting_page(
    official,
):
    kota = Region.objects.get(code=KOTA)
    ReportedPrevalence.objects.create(
        region=kota, year=2022, source=PrevalenceSource.SSGI, value_percent=23.1
    )
    _stunted_child(JENGGOT, "Anak Satu")
    for n in range(30):
        _stunted_child(SOKODUWET, f"Anak {n}")
    snapshot_refresh(years=[2022, 2023, 2024])

    dashboard = _figure(
        _html(official, f"/dashboard/{KOTA}/?tahun=2024"), "figure-stunting"
    )["data"]
    stunting_page = _figure(
        _html(official, f"/stunting/wilayah/{KOTA}/"), "prevalence-figure"
    )["data"]

    def colours(traces):
        return [t["line"]["color"] for t in traces]

    ssgi = series_colour("stunting_reported_ssgi")
    measured = series_colour("stunting_measured")
    assert colours(dashboard) == colours(stunting_page) == [ssgi, measured]
    assert ssgi != measured


def test_the_city_dashboard_stays_within_a_fixed_number_of_queries(
    official, django_assert_max_num_queries
):
    _stunted_child(JENGGOT, "Anak Satu")
    snapshot_refresh(years=[2023, 2024])

    with django_assert_max_num_queries(20):
        _html(official, f"/dashboard/{KOTA}/")


def test_a_home_of_several_regions_opens_on_the_latest_year_with_figures(
    client, kota_pekalongan
):
    """An official of two kecamatan gets the list of both, on the year with real
    figures (2024), not the calendar year that has only begun."""
    user = User.objects.create_user("camat.dua", role=Role.PIMPINAN)
    user.regions.set(Region.objects.filter(code__in=[SELATAN, UTARA]))
    client.force_login(user)
    KampungFactory(region=Region.objects.get(code=JENGGOT), formed_on="2023-06-07")
    _stunted_child(JENGGOT, "Anak Satu")
    this_year = datetime.date.today().year
    snapshot_refresh(years=range(2022, this_year + 1))

    html = _html(client, "/")

    # Utara has no figures at all; Selatan's are in 2024.
    assert "Wilayah kerja saya, 2024" in html
    asked = _html(client, f"/?tahun={this_year}")
    assert f"Wilayah kerja saya, {this_year}" in asked
