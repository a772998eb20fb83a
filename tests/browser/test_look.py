"""The app's frame on a phone and a laptop: header, menu and wide tables."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from kampungkb.models import Role
from kampungkb.services import user_create
from villages.models import ClassificationBasis, Region
from villages.services import kampung_classify, kampung_create, region_load

from .conftest import ARTIFACTS, PHONE, assert_fits_the_screen, open_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
LAPTOP = {"width": 1366, "height": 900}
SELATAN = "33.75.04"


@pytest.fixture
def selatan():
    """Pekalongan Selatan with a Kampung KB in each of its six kelurahan."""
    region_load(prefix="33.75")
    for region in Region.objects.filter(parent_id=SELATAN):
        kampung = kampung_create(region=region, formed_on=datetime.date(2023, 6, 7))
        kampung_classify(
            kampung=kampung,
            level="dasar",
            effective_on=kampung.formed_on,
            basis=ClassificationBasis.LAUNCH,
        )
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    user_create(
        actor=admin,
        username="staf.kota",
        role=Role.STAF,
        regions=Region.objects.filter(code="33.75"),
        password=PASSWORD,
    )
    return Region.objects.get(code=SELATAN)


@pytest.fixture
def laptop(chromium, live_server, request):
    context = chromium.new_context(viewport=LAPTOP, base_url=live_server.url)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png")
    context.close()


def _header_height(page):
    return page.locator("header.topbar").bounding_box()["height"]


def test_on_a_phone_the_header_is_one_row_and_the_menu_folds(phone, selatan):
    sign_in(phone, "staf.kota", PASSWORD)
    phone.goto(f"/wilayah/{SELATAN}/")

    assert _header_height(phone) <= 64
    menu = phone.get_by_role("navigation", name="Menu utama")
    assert not menu.is_visible()
    button = phone.get_by_role("button", name="Menu")
    assert button.get_attribute("aria-expanded") == "false"

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert menu.get_by_role("link", name="Kampung KB").is_visible()
    assert phone.get_by_role("button", name="Keluar").is_visible()
    # The section the page belongs to is marked in the menu.
    assert menu.get_by_role("link", name="Kampung KB").get_attribute(
        "aria-current"
    ) == ("page")
    assert_fits_the_screen(phone)

    # Escape folds it again; the menu's links lead on.
    phone.keyboard.press("Escape")
    assert not menu.is_visible()
    open_menu(phone)
    menu.get_by_role("link", name="Usulan").click()
    phone.wait_for_url("**/usulan/")
    assert _header_height(phone) <= 64


def test_without_scripts_the_whole_menu_shows_on_a_phone(
    chromium, live_server, selatan
):
    context = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, "staf.kota", PASSWORD)
    page.goto(f"/wilayah/{SELATAN}/")
    assert not page.locator("button.menu-toggle").is_visible()
    menu = page.get_by_role("navigation", name="Menu utama")
    assert menu.get_by_role("link", name="Usulan").is_visible()
    assert page.get_by_role("button", name="Keluar").is_visible()
    assert_fits_the_screen(page)
    context.close()


def test_on_a_laptop_the_whole_menu_shows_in_one_row(laptop, selatan):
    sign_in(laptop, "root", PASSWORD)
    laptop.goto(f"/wilayah/{SELATAN}/")

    assert not laptop.locator("button.menu-toggle").is_visible()
    menu = laptop.get_by_role("navigation", name="Menu utama")
    links = menu.get_by_role("link")
    # An administrator has the longest menu: every link, all on the header's row.
    assert links.count() == 11
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, tops
    assert laptop.get_by_role("button", name="Keluar").is_visible()
    assert _header_height(laptop) <= 64
    assert_fits_the_screen(laptop)

    # English words are longer: still one row.
    laptop.get_by_role("button", name="EN").click()
    laptop.wait_for_load_state()
    links = laptop.get_by_role("navigation", name="Main menu").get_by_role("link")
    assert links.count() == 11
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, tops
    assert _header_height(laptop) <= 64


def test_a_wide_table_scrolls_in_its_box_with_its_first_column_in_view(phone, selatan):
    sign_in(phone, "staf.kota", PASSWORD)
    phone.goto(f"/wilayah/{SELATAN}/")
    assert_fits_the_screen(phone)

    table = phone.locator(".table-wrap").first
    frame = phone.locator(".table-frame").first
    assert table.evaluate("e => e.scrollWidth > e.clientWidth")
    hint = phone.locator(".scroll-hint").first
    assert hint.is_visible()
    assert hint.inner_text().startswith("Geser tabel ke samping")
    assert "more-right" in frame.get_attribute("class")
    assert "more-left" not in frame.get_attribute("class")

    # The sticky header cell keeps the header row's colour.
    colours = table.locator("thead th").evaluate_all(
        "cells => cells.slice(0, 2).map(c => getComputedStyle(c).backgroundColor)"
    )
    assert colours[0] == colours[1], colours

    first_cell = table.locator("tbody tr").first.locator("> *").first
    second_cell = table.locator("tbody tr").first.locator("> *").nth(1)
    left_before = first_cell.bounding_box()["x"]
    second_before = second_cell.bounding_box()["x"]
    table.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    phone.wait_for_function(
        "() => !document.querySelector('.table-frame').classList.contains('more-right')"
    )
    # The first column stayed; the others moved under it.
    assert first_cell.bounding_box()["x"] == pytest.approx(left_before, abs=1)
    assert second_cell.bounding_box()["x"] < second_before - 20
    assert "more-left" in frame.get_attribute("class")
    assert_fits_the_screen(phone)


def test_a_table_that_fits_has_no_scroll_hint(laptop, selatan):
    sign_in(laptop, "staf.kota", PASSWORD)
    laptop.goto(f"/wilayah/{SELATAN}/")
    assert laptop.locator(".table-frame").count() >= 1
    assert not laptop.locator(".scroll-hint").first.is_visible()
    assert "more-right" not in laptop.locator(".table-frame").first.get_attribute(
        "class"
    )
