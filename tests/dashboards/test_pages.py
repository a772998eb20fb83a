"""What people see on the dashboard pages, after the demo and a full refresh.

The demo is Kota Pekalongan's registry (27 Kampung KB, targets 13 in 2023 and 8 in
2024), its reported stunting (SSGI 2021 20.6 %, 2022 23.1 %; 17.86 % for 2024) and
synthetic children measured near 17.86 % in 2024.
"""

import csv
import datetime
import io
import json
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from dashboards.indicators import INDICATORS
from dashboards.models import RefreshRun, RefreshStatus, RefreshTrigger, Snapshot
from dashboards.refresh import all_years, snapshot_refresh
from dashboards.tasks import refresh_all
from evaluations.models import Participant
from kampungkb.models import Role, User
from villages.models import KampungKB, Region

pytestmark = pytest.mark.django_db

KOTA = "33.75"
BARAT, TIMUR, UTARA, SELATAN = "33.75.01", "33.75.02", "33.75.03", "33.75.04"
JENGGOT = "33.75.04.1004"
KAUMAN = "33.75.02.1004"
LEVELS = ["Dasar", "Berkembang", "Mandiri", "Berkelanjutan (Paripurna)"]


@pytest.fixture(scope="module", autouse=True)
def figures(demo_module, django_db_blocker):
    """The demo with every indicator computed for every year, once for the module."""
    with django_db_blocker.unblock():
        snapshot_refresh(years=all_years())


class Page(HTMLParser):
    """A page's tables (by caption), links, loaded URLs and json_script data."""

    def __init__(self, html):
        super().__init__()
        self.tables = {}
        self.links = []
        self.urls = []
        self.scripts = {}
        self._table = self._row = self._cell = self._caption = self._script = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "formaction", "poster", "data"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "table":
            self._table = []
            self._caption = ""
        elif tag == "caption":
            self._cell = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "script" and attrs.get("type") == "application/json":
            self._script = (attrs["id"], [])

    def handle_endtag(self, tag):
        if tag == "caption" and self._cell is not None:
            self._caption = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.setdefault(self._caption, self._table)
            self._table = None
        elif tag == "script" and self._script:
            name, parts = self._script
            self.scripts[name] = json.loads("".join(parts))
            self._script = None

    def handle_data(self, data):
        if self._script:
            self._script[1].append(data)
        elif self._cell is not None:
            self._cell.append(data)

    def table(self, starting):
        """The table whose caption starts with `starting`."""
        (table,) = [t for c, t in self.tables.items() if c.startswith(starting)]
        return table


def _account(username, role, codes):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def official(client):
    """A pimpinan of Kota Pekalongan, signed in."""
    client.force_login(_account("pimpinan.kota", Role.PIMPINAN, [KOTA]))
    return client


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _kpis(html):
    """KPI card text by indicator code."""
    out = {}
    for chunk in html.split('data-indicator="')[1:]:
        code, rest = chunk.split('">', 1)
        text = rest.split("</div>", 1)[0]
        out[code] = " ".join(_text(text).split())
    return out


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _text(html):
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


# --- Kota Pekalongan ------------------------------------------------------------


def test_the_officials_home_is_their_citys_dashboard(official):
    html = _get(official, "/")
    assert "<h1>Kota Pekalongan" in html
    assert _get(official, f"/dashboard/{KOTA}/").count("<h1>Kota Pekalongan") == 1


def test_kota_pekalongan_has_27_kampung_kb_all_dasar_in_its_four_kecamatan(official):
    html = _get(official, f"/dashboard/{KOTA}/?tahun=2024")
    page = Page(html)

    kpis = _kpis(html)
    assert kpis["kampung_formed"].startswith(
        "27 Kampung KB terbentuk ▲ naik +8 dari 2023"
    )
    assert kpis["kampung_coverage"].startswith("100 %")
    header, *rows = page.table("Kampung KB per wilayah dan klasifikasi")
    assert header == ["Wilayah", *LEVELS, "Belum diklasifikasi", "Jumlah"]
    assert rows == [
        ["Pekalongan Barat", "7", "0", "0", "0", "0", "7"],
        ["Pekalongan Timur", "7", "0", "0", "0", "0", "7"],
        ["Pekalongan Utara", "7", "0", "0", "0", "0", "7"],
        ["Pekalongan Selatan", "6", "0", "0", "0", "0", "6"],
    ]
    bars = page.scripts["figure-classification"]["data"]
    assert [b["name"] for b in bars][:4] == LEVELS
    assert bars[0]["x"] == [7, 7, 7, 6]


def test_the_formation_chart_shows_the_targets_of_2023_and_2024_met(official):
    page = Page(_get(official, f"/dashboard/{KOTA}/?tahun=2024"))

    header, *rows = page.table("Pembentukan Kampung KB per tahun dan target")
    assert header == [
        "Tahun",
        "Terbentuk dalam tahun itu",
        "Target tahun itu",
        "Capaian",
        "Kampung KB aktif (kumulatif)",
    ]
    assert rows[:3] == [
        ["2022", "6", "–", "tanpa target", "6"],
        ["2023", "13", "13", "tercapai", "19"],
        ["2024", "8", "8", "tercapai", "27"],
    ]
    formed, target, cumulative = page.scripts["figure-formation"]["data"]
    assert (formed["x"][:3], formed["y"][:3]) == ([2022, 2023, 2024], [6, 13, 8])
    assert target["y"][:3] == [None, 13, 8]
    assert cumulative["y"][:3] == [6, 19, 27]


def test_stunting_is_shown_per_source_and_measured_never_merged(official):
    html = _get(official, f"/dashboard/{KOTA}/?tahun=2024")
    page = Page(html)

    header, *rows = page.table("Prevalensi stunting per tahun dan sumber")
    assert header == [
        "Tahun",
        "Dilaporkan: SSGI (survei)",
        "Dilaporkan: Lainnya",
        "Terukur (data pengukuran di aplikasi)",
    ]
    by_year = {row[0]: row[1:] for row in rows}
    assert by_year["2021"] == ["20,60 %", "–", "–"]
    assert by_year["2022"] == ["23,10 %", "–", "–"]
    assert by_year["2024"][:2] == ["–", "17,86 %"]
    measured = Snapshot.objects.get(
        region_code=KOTA, period=2024, indicator="stunting_measured"
    ).value
    assert measured == pytest.approx(17.86, abs=0.5)
    assert by_year["2024"][2] == f"{measured:.2f} %".replace(".", ",")
    lines = {
        t["name"]: (t["x"], t["y"]) for t in page.scripts["figure-stunting"]["data"]
    }
    assert lines["Dilaporkan: SSGI (survei)"] == ([2021, 2022], [20.6, 23.1])
    assert lines["Dilaporkan: Lainnya"] == ([2024], [17.86])
    assert lines["Terukur (data pengukuran di aplikasi)"][1][-1] == round(measured, 2)
    kpis = _kpis(html)
    assert kpis["stunting_measured"].startswith(f"{measured:.2f} %".replace(".", ","))
    assert kpis["stunting_reported_ssgi"].startswith("23,10 %")
    assert "(2022)" in kpis["stunting_reported_ssgi"]
    assert "▲ naik +2,50 poin dari 2021" in kpis["stunting_reported_ssgi"]
    assert "2023: belum ada data" in kpis["stunting_reported_other"]


def test_child_regions_link_down_and_breadcrumbs_lead_back_up(official):
    page = Page(_get(official, f"/dashboard/{KOTA}/?tahun=2024"))
    for code in (BARAT, TIMUR, UTARA, SELATAN):
        assert f"/dashboard/{code}/" in page.links
    (treemap,) = page.scripts["figure-treemap"]["data"]
    assert treemap["customdata"][1:] == [f"/dashboard/{c}/" for c in treemap["ids"][1:]]
    assert set(treemap["ids"][1:]) == {BARAT, TIMUR, UTARA, SELATAN}

    kecamatan = Page(_get(official, f"/dashboard/{SELATAN}/"))
    desa = {r.code for r in Region.objects.filter(parent=SELATAN)}
    assert len(desa) == 6
    assert desa <= {
        link.split("/")[2] for link in kecamatan.links if link.startswith("/dashboard/")
    }
    html = _get(official, f"/dashboard/{JENGGOT}/")
    crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    # Up to the country; only what the official may open is a link.
    assert "<span>Indonesia</span>" in crumbs and "<span>Jawa Tengah</span>" in crumbs
    assert f'href="/dashboard/{KOTA}/">Kota Pekalongan</a>' in crumbs
    assert f'href="/dashboard/{SELATAN}/">Kecamatan Pekalongan Selatan</a>' in crumbs


def test_the_table_sorts_without_javascript(official):
    url = f"/dashboard/{KOTA}/?tahun=2024&urut=stunting_measured&arah=desc"
    html = _get(official, url)
    header, *rows = Page(html).table("Indikator wilayah di bawahnya")

    column = header.index("Prevalensi stunting (pengukuran) (%)")
    values = [float(r[column].rstrip(" %").replace(",", ".")) for r in rows]
    assert values == sorted(values, reverse=True)
    assert 'aria-sort="descending" data-key="stunting_measured"' in html
    # Every indicator of the registry is a column, with its unit.
    for indicator in INDICATORS:
        unit = {"percent": "(%)", "score": "(skor 0-100)"}.get(
            indicator.unit, "(jumlah)"
        )
        assert f"{indicator.name} {unit}" in header


def test_the_kelurahan_page_shows_its_kampung_kb_and_its_years(official):
    kauman = KampungKB.objects.get(region=KAUMAN)
    html = _get(official, f"/dashboard/{KAUMAN}/")
    page = Page(html)

    assert f'href="/kampung/{kauman.pk}/">{kauman.name}</a>' in html
    assert "7 Juni 2023" in html
    assert '<span class="badge level-dasar">Dasar</span>' in html
    assert "Web Kampung KB" in html and "K/0 SIGA" in html and "Rumah DataKu" in html
    assert "0 dari 11 program" in html
    (dashat,) = kauman.dashats.all()
    assert f'href="/stunting/dashat/{dashat.pk}/">{dashat.name}</a>' in html
    header, *rows = page.table("Indikator desa/kelurahan ini per tahun")
    assert header[0] == "Tahun"
    assert [r[0] for r in rows] == [str(y) for y in all_years()]
    formed = header.index("Kampung KB terbentuk (jumlah)")
    assert [r[formed] for r in rows if r[0] in ("2022", "2023", "2024")] == [
        "0",
        "1",
        "1",
    ]


def test_a_kelurahan_without_kampung_kb_says_so(official):
    kampung = KampungKB.objects.get(region=JENGGOT)
    # What protects a Kampung KB from deletion goes first: its evaluation, awards.
    kampung.awards.all().delete()
    Participant.objects.filter(kampung=kampung).delete()
    kampung.classifications.all().delete()
    kampung.delete()

    html = _get(official, f"/dashboard/{JENGGOT}/")

    assert "Desa/kelurahan ini belum memiliki Kampung KB." in html


# --- Exports ---------------------------------------------------------------------


def _page_table(client, url):
    return Page(_get(client, url)).table("Indikator wilayah di bawahnya")


def test_the_csv_export_has_exactly_the_tables_rows_and_columns(official):
    query = "?tahun=2024&urut=stunting_measured&arah=desc"
    header, *rows = _page_table(official, f"/dashboard/{KOTA}/{query}")

    response = official.get(f"/dashboard/{KOTA}/ekspor.csv{query}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dasbor-33.75-2024.csv"' in response["Content-Disposition"]
    # In Indonesian the page shows "17,86 %": the CSV writes "17,86", fields
    # split by ";" as a spreadsheet set to Indonesian reads them.
    text = response.content.decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert exported[0] == header
    assert [r[:2] for r in exported[1:]] == [r[:2] for r in rows]
    formed = header.index("Kampung KB terbentuk (jumlah)")
    assert [r[formed] for r in exported[1:]] == [r[formed] for r in rows]
    stunting = header.index("Prevalensi stunting (pengukuran) (%)")
    assert all("," in r[stunting] and "." not in r[stunting] for r in exported[1:])
    assert [r[stunting].replace(",", ".") for r in exported[1:]] == [
        str(float(r[stunting].rstrip(" %").replace(",", "."))) for r in rows
    ]


def test_the_csv_export_offers_the_other_decimal_mark(official):
    query = "?tahun=2024&urut=stunting_measured&arah=desc"
    html = _get(official, f"/dashboard/{KOTA}/{query}")
    offered = f"/dashboard/{KOTA}/ekspor.csv{query}&desimal=titik".replace("&", "&amp;")
    assert f'href="{offered}" data-export>CSV dengan titik desimal</a>' in html
    header, *rows = Page(html).table("Indikator wilayah di bawahnya")

    response = official.get(offered.replace("&amp;", "&"))

    exported = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert exported[0] == header
    stunting = header.index("Prevalensi stunting (pengukuran) (%)")
    assert [r[stunting] for r in exported[1:]] == [
        str(float(r[stunting].rstrip(" %").replace(",", "."))) for r in rows
    ]
    # In English the page shows "17.86 %": its CSV has a decimal point by default
    # and offers the comma.
    official.cookies["django_language"] = "en"
    english = official.get(f"/dashboard/{KOTA}/ekspor.csv{query}")
    assert english.content.decode("utf-8-sig").splitlines()[0].count(";") == 0
    assert "CSV with a decimal comma" in _get(official, f"/dashboard/{KOTA}/{query}")


def test_the_xlsx_export_has_a_header_row_numbers_and_a_sheet_title(official):
    header, *rows = _page_table(official, f"/dashboard/{KOTA}/?tahun=2024")

    response = official.get(f"/dashboard/{KOTA}/ekspor.xlsx?tahun=2024")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "Kota Pekalongan, 2024"
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == header
    assert sheet["A1"].font.bold
    assert [list(r[:2]) for r in cells[1:]] == [r[:2] for r in rows]
    formed = header.index("Kampung KB terbentuk (jumlah)")
    assert [r[formed] for r in cells[1:]] == [7, 7, 7, 6]
    coverage = header.index("Cakupan desa/kelurahan ber-Kampung KB (%)")
    assert all(isinstance(r[coverage], (int, float)) for r in cells[1:])
    target = header.index("Target Kampung KB baru (jumlah)")
    assert {r[target] for r in cells[1:]} == {None}  # no targets below the city
    notes = dict(book["Keterangan"].iter_rows(values_only=True))
    assert notes["Wilayah"] == "Kota Pekalongan (33.75)"
    assert notes["Tahun"] == "2024"


# --- What every page keeps to ------------------------------------------------------


def _dashboard_urls():
    run = RefreshRun.objects.create()
    return [
        "/",
        f"/dashboard/{KOTA}/",
        f"/dashboard/{KOTA}/?tahun=2023&cetak=1",
        f"/dashboard/{SELATAN}/",
        f"/dashboard/{JENGGOT}/",
        f"/dashboard/{KAUMAN}/",
        "/dashboard/ID/",
        reverse("indicator-list"),
        reverse("dashboard-refresh-detail", args=[run.pk]),
    ]


def test_dashboard_pages_name_no_outside_url(admin_client_logged_in):
    for url in _dashboard_urls():
        page = Page(_get(admin_client_logged_in, url))
        outside = [
            u
            for u in page.urls
            if u.startswith(("http:", "https:", "//"))
            and not u.startswith("http://testserver/")
        ]
        assert page.urls, url
        assert outside == [], url
        # Scripts only from our static files: plotly.js is the app's own copy.
        scripts = [u for u in page.urls if u.endswith(".js")]
        assert all(u.startswith("/static/") for u in scripts), url


def test_the_dashboard_draws_with_the_apps_own_plotly_and_no_inline_script(official):
    html = _get(official, f"/dashboard/{KOTA}/")
    assert '<script src="/static/js/plotly.min.' in html
    assert '<script src="/static/js/dashboard.' in html
    # Figures come as JSON data; every other script is a file of our own.
    tags = re.findall(r"<script\b[^>]*>", html)
    inline = [t for t in tags if "src=" not in t and "application/json" not in t]
    assert inline == []
    assert all('src="/static/js/' in t for t in tags if "src=" in t)


def test_data_as_of_is_shown_in_jakarta_time(official):
    at = datetime.datetime(2025, 4, 29, 1, 30, tzinfo=datetime.UTC)
    Snapshot.objects.filter(region_code=KOTA).update(computed_at=at)

    html = _get(official, f"/dashboard/{KOTA}/")

    assert "Data per 29 April 2025, 08.30 WIB" in html


def test_a_dashboard_says_when_no_refresh_has_run_yet(official):
    Snapshot.objects.all().delete()
    # The figures the fixtures' changes computed were recorded as runs.
    RefreshRun.objects.all().delete()

    html = _get(official, f"/dashboard/{KOTA}/")

    assert "Data per: belum pernah dihitung." in html
    assert "Pembaruan indikator belum pernah dijalankan" in html
    assert "belum ada data" in _kpis(html)["kampung_formed"]


def test_the_print_summary_has_kpis_and_tables_but_no_navigation(official):
    html = _get(official, f"/dashboard/{KOTA}/?tahun=2024&cetak=1")
    page = Page(html)

    assert 'class="print-view"' in html
    assert 'class="topnav"' not in html and "<form" not in html
    summary = page.tables["Kampung KB per wilayah dan klasifikasi, akhir 2024"]
    assert summary[1][:2] == ["Pekalongan Barat", "7"]
    assert page.table("Prevalensi stunting per tahun dan sumber")
    header, *kpis = page.table("Ringkasan indikator utama")
    assert header == ["Indikator", "Nilai", "Perubahan"]
    assert kpis[0] == ["Kampung KB terbentuk", "27", "▲ +8"]
    # The dashboard itself prints the same summary (app.css, @media print).
    assert 'class="print-only"' in _get(official, f"/dashboard/{KOTA}/")


def test_the_definitions_page_lists_every_indicator(client):
    client.force_login(_account("evaluator.kota", Role.EVALUATOR, [KOTA]))
    html = _get(client, reverse("indicator-list"))

    for indicator in INDICATORS:
        assert f'id="{indicator.code}"' in html
        assert f"<h2>{indicator.name}</h2>" in html
        assert f"<code>{indicator.code}</code>" in html
        if indicator.numerator_id:
            assert indicator.numerator_id in html
            assert indicator.denominator_id in html
    assert html.count("persen (%)") == sum(i.unit == "percent" for i in INDICATORS)
    assert html.count("rata-rata skor (0-100)") == sum(
        i.unit == "score" for i in INDICATORS
    )


def test_the_dashboard_links_the_definitions(official):
    assert f'href="{reverse("indicator-list")}"' in _get(
        official, f"/dashboard/{KOTA}/"
    )


def test_every_signed_in_user_has_the_dasbor_link(client):
    client.force_login(_account("evaluator.kota", Role.EVALUATOR, [KOTA]))
    html = _get(client, "/")
    assert 'href="/">Dasbor</a>' in html
    assert "Buka evaluasi" in html  # an evaluator's work is their evaluations

    client.force_login(_account("pimpinan.baru", Role.PIMPINAN, []))
    html = _get(client, "/")
    assert 'href="/">Dasbor</a>' in html
    assert "belum memiliki wilayah kerja" in html


# --- Home for other users ----------------------------------------------------------


def test_an_administrator_starts_at_the_country(admin_client_logged_in):
    page = Page(_get(admin_client_logged_in, "/"))
    header, *rows = page.table("Indikator wilayah di bawahnya")
    assert [r[:2] for r in rows] == [["Jawa Tengah", "33"]]
    assert "/dashboard/33/" in page.links


def test_an_official_of_two_kecamatan_gets_both_to_choose_from(client):
    client.force_login(_account("camat.dua", Role.PIMPINAN, [BARAT, TIMUR]))
    html = _get(client, "/?tahun=2024")
    page = Page(html)

    assert "Data per " in html and " WIB" in html
    _header, *rows = page.table("Indikator wilayah kerja saya")
    assert [r[:2] for r in rows] == [
        ["Kecamatan Pekalongan Barat", BARAT],
        ["Kecamatan Pekalongan Timur", TIMUR],
    ]
    assert f"/dashboard/{BARAT}/" in page.links


def test_a_plkb_finds_their_kampung_kb_on_their_dashboard(client):
    from tests.factories import FieldOfficerFactory
    from villages.models import OfficerAssignment

    plkb = User.objects.create_user("plkb.jenggot", role=Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=Region.objects.get(code=JENGGOT)
    )
    client.force_login(plkb)

    html = _get(client, "/")

    # Their work first, then the figures of their kecamatan and city (issue 13).
    assert "Pekerjaan saya" in html
    jenggot = KampungKB.objects.get(region=JENGGOT)
    assert f'href="/kampung/{jenggot.pk}/">{jenggot.name}</a>' in html
    assert 'href="/dashboard/33.75.04/' in html
    assert 'href="/dashboard/33.75/' in html


# --- Scope ---------------------------------------------------------------------------


@pytest.fixture
def camat(client):
    """A pimpinan of kecamatan Pekalongan Barat only."""
    user = _account("camat.barat", Role.PIMPINAN, [BARAT])
    client.force_login(user)
    return client, user


def test_an_official_of_one_kecamatan_reads_their_city_but_nothing_wider(camat):
    """Aggregates of the whole kab/kota (issue 13), not the province or another city."""
    client, user = camat
    for code in (BARAT, TIMUR, JENGGOT, KOTA):
        assert client.get(f"/dashboard/{code}/").status_code == 200, code
        assert client.get(f"/dashboard/{code}/ekspor.csv").status_code == 200, code
    for code in ("33", "33.26", "ID"):
        assert client.get(f"/dashboard/{code}/").status_code == 404, code
        assert client.get(f"/dashboard/{code}/ekspor.csv").status_code == 404, code
        assert client.get(f"/dashboard/{code}/ekspor.xlsx").status_code == 404, code

    api = APIClient()
    api.force_authenticate(user)
    assert api.get(f"/api/dashboard/{BARAT}/").status_code == 200
    assert api.get(f"/api/dashboard/{KOTA}/").status_code == 200
    assert api.get("/api/dashboard/33/").status_code == 404


def test_the_kecamatan_officials_breadcrumbs_link_the_city_not_the_province(camat):
    client, _user = camat
    html = _get(client, f"/dashboard/{BARAT}/")
    crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert "/dashboard/33.75/" in crumbs
    assert "/dashboard/33/" not in crumbs


# --- API -------------------------------------------------------------------------------


def test_the_api_gives_the_region_kpis_and_child_rows(official):
    api = APIClient()
    api.force_authenticate(User.objects.get(username="pimpinan.kota"))

    body = api.get(f"/api/dashboard/{KOTA}/", {"tahun": 2024}).json()

    assert body["region"] == {"code": KOTA, "name": "Kota Pekalongan", "level": 2}
    assert body["year"] == 2024
    assert body["data_as_of"]
    kpis = {k["indicator"]: k for k in body["kpis"]}
    assert (kpis["kampung_formed"]["value"], kpis["kampung_formed"]["previous"]) == (
        27,
        19,
    )
    assert kpis["stunting_reported_ssgi"]["year"] == 2022
    assert body["values"]["formation_target"] == 8
    assert [c["code"] for c in body["children"]] == [BARAT, TIMUR, UTARA, SELATAN]
    assert [c["values"]["kampung_dasar"] for c in body["children"]] == [7, 7, 7, 6]
    assert body["children"][0]["values"]["formation_target"] is None
    assert api.get(f"/api/dashboard/{KOTA}/", {"tahun": "dua ribu"}).status_code == 400


# --- Refresh -----------------------------------------------------------------------------


def test_staff_ask_for_a_refresh_and_watch_it_finish(
    client, django_capture_on_commit_callbacks
):
    client.force_login(_account("staf.kota", Role.STAF, [KOTA]))
    html = _get(client, f"/dashboard/{KOTA}/")
    assert f'action="{reverse("dashboard-refresh")}"' in html

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("dashboard-refresh"), {"wilayah": KOTA})
    # The demo's own refreshes are recorded too: this is the one asked for.
    run = RefreshRun.objects.get(trigger=RefreshTrigger.REQUEST)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("dashboard-refresh-detail", args=[run.pk]) + f"?wilayah={KOTA}"
    )
    waiting = _get(client, response["Location"])
    assert '<meta http-equiv="refresh"' in waiting
    assert "Menunggu" in waiting and f'href="/dashboard/{KOTA}/"' in waiting

    # The request queued one task (on commit); the worker's part runs here, so
    # the test is the same with a broker (CI) or without one.
    assert len(queued) == 1
    refresh_all(run.pk)
    done = _get(client, response["Location"])
    run.refresh_from_db()
    assert run.status == RefreshStatus.DONE
    assert "Selesai" in done and 'value="100"' in done
    assert '<meta http-equiv="refresh"' not in done


@pytest.mark.parametrize("role", [Role.PIMPINAN, Role.PLKB, Role.EVALUATOR])
def test_others_see_no_refresh_button_and_may_not_refresh(client, role):
    client.force_login(_account(f"user.{role}", role, [KOTA]))
    run = RefreshRun.objects.create()
    runs = RefreshRun.objects.count()  # the demo's refreshes are recorded too

    if role == Role.PIMPINAN:
        html = _get(client, f"/dashboard/{KOTA}/")
        assert reverse("dashboard-refresh") not in html
    assert client.post(reverse("dashboard-refresh")).status_code == 403
    assert (
        client.get(reverse("dashboard-refresh-detail", args=[run.pk])).status_code
        == 403
    )
    assert RefreshRun.objects.count() == runs


# --- English ---------------------------------------------------------------------------


def test_the_dashboard_speaks_english_when_chosen(official):
    official.cookies["django_language"] = "en"
    html = _get(official, f"/dashboard/{KOTA}/?tahun=2024")
    assert '<html lang="en">' in html
    assert "Data as of" in html
    assert "Kampung KB formed" in html
    assert "Download CSV" in html
    assert "Data per" not in html


def test_a_page_costs_the_same_queries_for_a_kecamatan_a_city_or_the_country(
    admin_client_logged_in,
):
    counts = {}
    # A kecamatan of 6 kelurahan, cities of 4 and 19 kecamatan, a province, Indonesia.
    for code in (SELATAN, KOTA, "33.26", "33", "ID"):
        with CaptureQueriesContext(connection) as queries:
            _get(admin_client_logged_in, f"/dashboard/{code}/")
        counts[code] = len(queries)
    assert counts[KOTA] == counts["33.26"], counts
    # A kab/kota's map of its desa/kelurahan reads their figures: one read more
    # than a kecamatan, whose desa are its own children (issue 15).
    assert counts[SELATAN] + 1 == counts[KOTA], counts
    # Higher up there are fewer ancestors to name, never more rows to read.
    assert counts["ID"] <= counts["33"] <= counts[KOTA], counts
