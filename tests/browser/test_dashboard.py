"""An official reads Kota Pekalongan's dashboard in a real Chromium, phone and laptop."""

import csv

import pytest
from django.contrib.auth import get_user_model

from dashboards.refresh import all_years, snapshot_refresh
from kampungkb.models import Role
from kampungkb.services import user_create
from stunting.demo import stunting_demo_load
from villages.demo import demo_load
from villages.models import Region

from .conftest import assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
LAPTOP = {"width": 1280, "height": 800}
SELATAN_DESA = 6  # kelurahan of Pekalongan Selatan


@pytest.fixture
def official():
    """The Pekalongan demo, every indicator computed, and an official of the city."""
    demo_load()
    stunting_demo_load()
    snapshot_refresh(years=all_years())
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    user_create(
        actor=admin,
        username="pimpinan.kota",
        role=Role.PIMPINAN,
        regions=Region.objects.filter(code="33.75"),
        password=PASSWORD,
    )
    return "pimpinan.kota"


def _charts_drawn(page):
    page.wait_for_selector("#chart-treemap .treemap", state="attached")
    for chart in ("classification", "formation", "stunting", "treemap"):
        assert page.locator(f"#chart-{chart} .main-svg").count() > 0, chart


def _rows(download):
    # In Indonesian the CSV has a decimal comma and ";" between fields.
    with open(download.path(), encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def _overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_an_official_reads_drills_down_and_downloads_on_a_phone(phone, official):
    sign_in(phone, official, PASSWORD)

    # Signing in lands on the city's dashboard, charts drawn by the app's plotly.js.
    assert phone.locator("h1").inner_text().startswith("Kota Pekalongan")
    _charts_drawn(phone)
    assert "27" in phone.locator('[data-indicator="kampung_formed"]').inner_text()
    assert_fits_the_screen(phone)
    # No chart toolbar on a phone, and each legend sits below its plot area.
    phone.locator("#chart-stunting").hover()
    assert phone.locator(".chart-box .modebar").count() == 0
    for chart in ("classification", "formation", "stunting"):
        legend = _box(phone, f"#chart-{chart} g.legend")
        plot = _box(phone, f"#chart-{chart} .draglayer .nsewdrag")
        assert legend["y"] >= plot["y"] + plot["height"], chart
        axis_title = _box(phone, f"#chart-{chart} .g-xtitle")
        assert not _overlap(legend, axis_title), chart

    phone.get_by_role("link", name="Kecamatan Pekalongan Selatan").click()
    phone.wait_for_url("**/dashboard/33.75.04/**")
    assert phone.locator("h1").inner_text().startswith("Kecamatan Pekalongan Selatan")
    _charts_drawn(phone)
    assert_fits_the_screen(phone)

    with phone.expect_download() as info:
        phone.get_by_role("link", name="Unduh CSV").click()
    header, *rows = _rows(info.value)
    assert header[:3] == ["Wilayah", "Kode", "Kampung KB terbentuk (jumlah)"]
    assert len(rows) == SELATAN_DESA
    assert {r[1] for r in rows} == set(
        Region.objects.filter(parent="33.75.04").values_list("code", flat=True)
    )
    assert {r[2] for r in rows} == {"1"}  # one Kampung KB in each kelurahan

    # A treemap tile opens that kelurahan's dashboard.
    phone.locator("#chart-treemap g.slice").last.click()
    phone.wait_for_url("**/dashboard/33.75.04.*/")
    assert phone.locator("h1").inner_text().startswith("Kelurahan ")
    assert phone.locator(".kampung-card h2").inner_text().startswith("Kampung KB ")
    assert_fits_the_screen(phone)


def test_an_official_sorts_and_downloads_the_table_on_a_laptop(
    chromium, live_server, official
):
    context = chromium.new_context(
        viewport=LAPTOP, locale="id-ID", base_url=live_server.url, accept_downloads=True
    )
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
    )
    sign_in(page, official, PASSWORD)
    page.goto("/dashboard/33.75/?tahun=2024")
    _charts_drawn(page)
    assert_fits_the_screen(page)
    # On a laptop the toolbar shows on hover, clear of the legend.
    for chart in ("classification", "formation", "stunting"):
        page.locator(f"#chart-{chart}").hover()
        toolbar = _box(page, f"#chart-{chart} .modebar")
        legend = _box(page, f"#chart-{chart} g.legend")
        assert toolbar and not _overlap(toolbar, legend), chart
        assert not _overlap(legend, _box(page, f"#chart-{chart} .g-xtitle")), chart

    # The static script sorts in place: no new page, the address and export follow.
    heading = page.locator('#indicator-table th[data-key="stunting_measured"] a')
    heading.click()
    page.wait_for_url("**urut=stunting_measured&arah=desc**")
    assert (
        page.locator('#indicator-table th[data-key="stunting_measured"]').get_attribute(
            "aria-sort"
        )
        == "descending"
    )
    shown = page.locator("#indicator-table tbody th[scope=row]").all_inner_texts()

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh CSV").click()
    header, *rows = _rows(info.value)
    assert [r[0] for r in rows] == shown
    column = header.index("Prevalensi stunting (pengukuran) (%)")
    values = [float(r[column].replace(",", ".")) for r in rows]
    assert values == sorted(values, reverse=True)
    assert len(rows) == 4

    context.close()
    assert not outside, f"requests outside the app: {outside}"
