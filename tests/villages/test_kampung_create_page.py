"""The page where staff add one Kampung KB (issue 12, item 5)."""

import re

import pytest
from django.urls import reverse

from kampungkb.models import Role, User
from tests.factories import FieldOfficerFactory
from villages.models import ClassificationLevel, KampungKB, OfficerAssignment, Region

KLESEM = "33.26.01.2001"


@pytest.fixture
def staf(kab_pekalongan):
    user = User.objects.create_user("staf.kab", role=Role.STAF)
    user.regions.set([kab_pekalongan])
    return user


def form(**changes):
    return {
        "region": KLESEM,
        "name": "Kampung KB Klesem Sejahtera",
        "formed_on": "2024-07-30",
        "sk_number": "400/0730/2024",
        "sk_date": "2024-07-29",
        "level": "mandiri",
        "effective_on": "",
        **changes,
    }


def token(page):
    return re.search(r'name="once_token" value="([0-9a-f]{32})"', page)[1]


def test_staff_add_one_kampung_kb_and_land_on_its_page(client, staf):
    client.force_login(staf)
    region_page = client.get(reverse("region-detail", args=["33.26"])).content.decode()
    assert reverse("kampung-create") in region_page
    assert reverse("register-upload") in region_page

    page = client.get(reverse("kampung-create"))
    assert page.status_code == 200
    response = client.post(
        reverse("kampung-create"), {**form(), "once_token": token(page.text)}
    )

    kampung = KampungKB.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("kampung-detail", args=[kampung.pk])
    assert kampung.region_id == KLESEM
    assert kampung.name == "Kampung KB Klesem Sejahtera"
    assert kampung.sk_number == "400/0730/2024"
    first = kampung.current_classification()
    assert first.level == ClassificationLevel.MANDIRI
    assert str(first.effective_on) == "2024-07-30"
    assert kampung.history.get().history_user == staf


def test_a_double_submit_creates_one(client, staf):
    client.force_login(staf)
    once = token(client.get(reverse("kampung-create")).text)

    first = client.post(reverse("kampung-create"), {**form(), "once_token": once})
    second = client.post(reverse("kampung-create"), {**form(), "once_token": once})

    assert second["Location"] == first["Location"]
    assert KampungKB.objects.count() == 1


def test_a_second_kampung_kb_for_the_same_desa_is_refused_with_the_rule(client, staf):
    client.force_login(staf)
    client.post(reverse("kampung-create"), form())

    response = client.post(reverse("kampung-create"), form(name="Kedua"))

    assert response.status_code == 200
    assert "Desa/kelurahan ini sudah memiliki Kampung KB." in response.text
    assert KampungKB.objects.count() == 1


def test_a_classification_before_formation_is_refused_and_nothing_saved(client, staf):
    client.force_login(staf)

    response = client.post(reverse("kampung-create"), form(effective_on="2024-01-01"))

    assert response.status_code == 200
    assert "sebelum Kampung KB dicanangkan" in response.text
    assert not KampungKB.objects.exists()


def test_a_desa_outside_the_staffs_regions_cannot_be_chosen(
    client, staf, kota_pekalongan
):
    client.force_login(staf)

    response = client.post(reverse("kampung-create"), form(region="33.75.04.1004"))

    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert not KampungKB.objects.exists()


@pytest.mark.parametrize("role", [Role.PLKB, Role.PIMPINAN])
def test_a_plkb_or_pimpinan_cannot_reach_the_page(client, kab_pekalongan, role):
    user = User.objects.create_user("u", role=role)
    if role == Role.PLKB:
        OfficerAssignment.objects.create(
            officer=FieldOfficerFactory(user=user),
            region=Region.objects.get(code=KLESEM),
        )
    else:
        user.regions.set([kab_pekalongan])
    client.force_login(user)

    assert client.get(reverse("kampung-create")).status_code == 403
    assert client.post(reverse("kampung-create"), form()).status_code == 403
    assert not KampungKB.objects.exists()
