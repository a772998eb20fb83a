"""A PLKB measures a child on a phone and sees the z-score before saving."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from kampungkb.models import Role
from kampungkb.services import user_create
from stunting.models import Measurement
from stunting.services import child_register
from villages.models import Region
from villages.services import region_load

from .conftest import assert_fits_the_screen, open_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
JENGGOT = "33.75.04.1004"


@pytest.fixture
def boy():
    """A boy of exactly 731 days today: DOMAIN.md's check value applies."""
    region_load(prefix="33.75")
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    user_create(
        actor=admin,
        username="plkb.jenggot",
        role=Role.PLKB,
        regions=Region.objects.filter(code=JENGGOT),
        password=PASSWORD,
    )
    return child_register(
        region=Region.objects.get(code=JENGGOT),
        name="Bima Pratama",
        sex="L",
        birth_date=timezone.localdate() - datetime.timedelta(days=731),
        posyandu="Posyandu Melati",
    )


def test_plkb_sees_the_z_score_while_typing_and_then_on_the_child_page(phone, boy):
    sign_in(phone, "plkb.jenggot", PASSWORD)
    # The top menu: the start page (a dashboard) names stunting in many links.
    open_menu(phone)
    menu = phone.get_by_role("navigation", name="Menu utama")
    menu.get_by_role("link", name="Stunting").click()
    phone.get_by_role("link", name="Daftar anak").click()
    phone.get_by_role("link", name="Bima Pratama").click()
    phone.get_by_role("link", name="Catat pengukuran").click()
    assert_fits_the_screen(phone)

    result = phone.locator("#score-result")
    assert result.get_attribute("aria-live") == "polite"
    phone.fill("#id_weight_kg", "10.0")
    phone.fill("#id_height_cm", "80.0")
    # Standing is preselected for a child of 731 days.
    assert phone.locator("input[name=measured][value=standing]").is_checked()
    result.get_by_text("TB/U: -2,33 — Pendek").wait_for()
    assert Measurement.objects.count() == 0
    assert_fits_the_screen(phone)

    phone.get_by_role("button", name="Simpan pengukuran").click()

    phone.wait_for_url(f"**/stunting/anak/{boy.pk}/")
    assert "Pengukuran disimpan." in phone.locator("main").inner_text()
    table = phone.get_by_role("table").inner_text()
    assert "-2,33" in table and "Pendek" in table
    assert phone.locator("#growth-chart .main-svg").first.is_visible()
    assert_fits_the_screen(phone)
    saved = Measurement.objects.get(child=boy)
    assert saved.haz_class == "pendek"


def test_plkb_home_says_whom_to_visit_and_moves_the_child_on_when_done(phone, boy):
    sign_in(phone, "plkb.jenggot", PASSWORD)
    todo = phone.locator("#tugas")
    assert "1 balita belum diukur bulan ini" in todo.inner_text()
    assert "belum pernah diukur" in todo.inner_text()
    assert_fits_the_screen(phone)

    todo.get_by_role("link", name="Catat pengukuran").click()
    phone.fill("#id_weight_kg", "10.0")
    phone.fill("#id_height_cm", "80.0")
    phone.get_by_role("button", name="Simpan pengukuran").click()
    phone.wait_for_url(f"**/stunting/anak/{boy.pk}/")

    # Measured stunted (HAZ -2.33) with no audit: the home now asks for one.
    phone.goto("/")
    text = phone.locator("#tugas").inner_text()
    assert "belum diukur bulan ini" not in text
    assert "1 anak stunting belum diaudit" in text and "Bima Pratama" in text
    phone.locator("#tugas").get_by_role("link", name="Buat audit kasus").click()
    phone.wait_for_url(f"**/stunting/dashat/audit/anak/{boy.pk}/")
    assert_fits_the_screen(phone)
