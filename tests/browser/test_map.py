"""An official sees Kota Pekalongan's kelurahan on a map coloured by stunting, in a
real Chromium whose every request outside the live server is aborted."""

import pytest
from django.contrib.auth import get_user_model

from dashboards.refresh import all_years, snapshot_refresh
from kampungkb.models import Role
from kampungkb.services import user_create
from stunting.demo import stunting_demo_load
from villages.demo import boundary_demo_load, demo_load
from villages.models import Region

from .conftest import ARTIFACTS, assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
KELURAHAN = 27


@pytest.fixture
def official():
    demo_load()
    boundary_demo_load()
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


def test_the_map_is_drawn_offline_and_a_tap_opens_the_kelurahan(
    phone, official, live_server
):
    left = []

    def only_the_app(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    phone.route("**/*", only_the_app)
    sign_in(phone, official, PASSWORD)
    assert phone.locator("h1").inner_text().startswith("Kota Pekalongan")
    phone.wait_for_selector("#chart-map .main-svg", state="attached")

    # One filled outline per kelurahan, plus the legend's swatches.
    fills = phone.locator("#chart-map .scatterlayer .trace path.js-fill")
    assert fills.count() >= KELURAHAN
    drawn = phone.evaluate(
        """() => [...document.querySelectorAll('#chart-map .scatterlayer path.js-fill')]
            .filter(p => { const b = p.getBBox(); return b.width > 1 && b.height > 1; })
            .length"""
    )
    assert drawn == KELURAHAN
    legend = phone.locator("#chart-map g.legend").text_content()
    assert "n terlalu kecil" in legend and "belum ada data" in legend
    assert "Prevalensi" in phone.locator("#peta h2").inner_text()
    assert phone.locator("#map-schematic").inner_text().startswith("Batas skematis")
    assert_fits_the_screen(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.locator("#peta").screenshot(path=ARTIFACTS / "map_kota_pekalongan.png")

    # Tapping a kelurahan's dot opens its dashboard.
    phone.locator("#chart-map .scatterlayer .trace .points path").first.click(
        force=True
    )
    phone.wait_for_url("**/dashboard/33.75.*/")
    assert phone.locator("h1").inner_text().startswith("Kelurahan")
    assert left == []
