"""People's journeys through the registry in a real Chromium on a phone-sized screen."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from kampungkb.models import Role
from kampungkb.services import user_create
from villages.models import Classification, ClassificationBasis, KampungKB, Region
from villages.services import kampung_classify, kampung_create, region_load

from .conftest import assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"


@pytest.fixture
def jenggot():
    region_load(prefix="33.75")
    kampung = kampung_create(
        region=Region.objects.get(code="33.75.04.1004"),
        formed_on=datetime.date(2022, 7, 1),
    )
    kampung_classify(
        kampung=kampung,
        level="dasar",
        effective_on=kampung.formed_on,
        basis=ClassificationBasis.LAUNCH,
    )
    return kampung


def _account(username, role, codes):
    admin = get_user_model().objects.filter(is_superuser=True).first()
    admin = admin or get_user_model().objects.create_superuser(
        "root", password=PASSWORD
    )
    user, _ = user_create(
        actor=admin,
        username=username,
        role=role,
        regions=Region.objects.filter(code__in=codes),
        password=PASSWORD,
    )
    return user


def test_plkb_updates_their_kampung_on_a_phone_and_sees_the_history(phone, jenggot):
    _account("plkb.jenggot", Role.PLKB, ["33.75.04.1004"])
    sign_in(phone, "plkb.jenggot", PASSWORD)

    phone.get_by_role("link", name="Kampung KB Jenggot").first.click()
    phone.get_by_role("link", name="Ubah profil").click()
    phone.fill("#id_secretariat_address", "Balai Kelurahan Jenggot, Jl. Jlamprang")
    # The SK is the office's record (issue 13): shown, but not for a PLKB to change.
    assert phone.locator("#id_sk_number").is_disabled()
    assert phone.locator("#id_formed_on").is_disabled()
    phone.get_by_role("button", name="Simpan").click()

    phone.wait_for_url(f"**/kampung/{jenggot.pk}/")
    body = phone.locator("main")
    assert "Balai Kelurahan Jenggot, Jl. Jlamprang" in body.inner_text()
    history = (
        phone.locator("section")
        .filter(has=phone.get_by_role("heading", name="Riwayat perubahan"))
        .inner_text()
    )
    assert "plkb.jenggot" in history
    assert "Balai Kelurahan Jenggot, Jl. Jlamprang" in history
    assert_fits_the_screen(phone)
    jenggot.refresh_from_db()
    assert jenggot.secretariat_address == "Balai Kelurahan Jenggot, Jl. Jlamprang"


def test_an_official_sees_the_profile_without_edit_controls(phone, jenggot):
    _account("pimpinan.kota", Role.PIMPINAN, ["33.75"])
    sign_in(phone, "pimpinan.kota", PASSWORD)

    phone.goto(f"/kampung/{jenggot.pk}/")
    assert phone.get_by_role("heading", name="Kampung KB Jenggot").is_visible()
    main = phone.locator("main")
    for label in ("Ubah profil", "Ubah kesiapan", "Ubah Pokja", "Usulkan klasifikasi"):
        assert main.get_by_text(label).count() == 0, label
    assert main.locator("form").count() == 0
    # Typing the edit address by hand is refused too.
    response = phone.goto(f"/kampung/{jenggot.pk}/ubah/")
    assert response.status == 403


def test_plkb_proposes_and_staff_approve_a_classification(
    chromium, live_server, jenggot
):
    _account("plkb.jenggot", Role.PLKB, ["33.75.04.1004"])
    _account("staf.kota", Role.STAF, ["33.75"])
    size = {"width": 360, "height": 780}

    plkb = chromium.new_context(viewport=size, base_url=live_server.url).new_page()
    sign_in(plkb, "plkb.jenggot", PASSWORD)
    plkb.goto(f"/kampung/{jenggot.pk}/")
    plkb.get_by_role("link", name="Usulkan klasifikasi").click()
    plkb.select_option("#id_level", "berkembang")
    plkb.fill("#id_effective_on", "2024-01-15")
    plkb.fill("#id_reason", "Seluruh seksi Pokja aktif dan Rumah DataKu lengkap.")
    plkb.get_by_role("button", name="Kirim usulan").click()
    plkb.wait_for_url(f"**/kampung/{jenggot.pk}/")
    assert "menunggu keputusan" in plkb.locator("main").inner_text()

    staff = chromium.new_context(viewport=size, base_url=live_server.url).new_page()
    sign_in(staff, "staf.kota", PASSWORD)
    staff.goto("/usulan/")
    pending = staff.locator("article, li, div.card", has_text="Kampung KB Jenggot")
    pending.get_by_role("link", name="Putuskan").first.click()
    staff.get_by_role("button", name="Setujui").click()
    staff.wait_for_load_state()

    staff.goto(f"/kampung/{jenggot.pk}/")
    classification = (
        staff.locator("section")
        .filter(has=staff.get_by_role("heading", name="Riwayat klasifikasi"))
        .inner_text()
    )
    assert "Berkembang" in classification
    latest = Classification.objects.filter(kampung=jenggot).order_by("-effective_on")[0]
    assert latest.level == "berkembang"
    assert latest.basis == ClassificationBasis.PROPOSAL
    assert KampungKB.objects.with_current_level().get(pk=jenggot.pk).current_level == (
        "berkembang"
    )
    for page in (plkb, staff):
        page.context.close()
