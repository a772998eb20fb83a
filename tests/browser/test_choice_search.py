"""A long list of choices is a search box on a phone (static/js/choice-search.js)."""

import pytest
from django.urls import reverse

from kampungkb.models import Role, User
from stunting.models import Dashat
from tests.factories import KampungFactory
from villages.models import LaunchEvent, Region

from .conftest import ARTIFACTS, assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"


@pytest.fixture
def staf(kota_pekalongan, settings):
    settings.CHOICE_SEARCH_THRESHOLD = 1
    for code in (JENGGOT, BANYURIP, "33.75.01.1002"):
        KampungFactory(region=Region.objects.get(code=code))
    user = User.objects.create_user("staf", role=Role.STAF, password=PASSWORD)
    user.regions.set([kota_pekalongan])
    return user


def test_a_kampung_kb_is_found_and_picked_with_the_keyboard(phone, staf):
    sign_in(phone, "staf", PASSWORD)
    phone.goto(reverse("dashat-create"))

    box = phone.get_by_role("combobox", name="Kampung KB")
    box.fill("jeng")
    option = phone.get_by_role("option", name=f"Kampung KB Jenggot ({JENGGOT})")
    option.wait_for()
    assert_fits_the_screen(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "choice-search-open.png")
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == f"Kampung KB Jenggot ({JENGGOT})"
    phone.fill("#id_name", "Dashat Melati")
    phone.fill("#id_formed_on", "2023-06-07")
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/stunting/dashat/*/")

    assert Dashat.objects.get().kampung.region_id == JENGGOT


def test_several_kampung_kb_are_picked_as_chips(phone, staf):
    sign_in(phone, "staf", PASSWORD)
    phone.goto(reverse("launch-create"))
    phone.fill("#id_date", "2023-06-07")
    organizer = phone.get_by_role("combobox", name="Wilayah penyelenggara")
    organizer.fill("33.75.04")
    phone.get_by_role("option", name="Kecamatan Pekalongan Selatan (33.75.04)").click()

    box = phone.get_by_role("combobox", name="Kampung KB yang dicanangkan")
    for name in ("Jenggot", "Banyurip"):
        box.fill(name)
        phone.get_by_role("option", name=f"Kampung KB {name}", exact=False).click()
    assert phone.locator(".choice-chips li").count() == 2
    phone.screenshot(path=ARTIFACTS / "choice-search-chips.png", full_page=True)
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/pencanangan/")

    launch = LaunchEvent.objects.get()
    assert launch.organizer_id == "33.75.04"
    assert set(launch.kampungs.values_list("region", flat=True)) == {
        JENGGOT,
        BANYURIP,
    }
