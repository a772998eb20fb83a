"""Kampung KB activity notes: the service, the page, the profile's list and the API."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kampungkb.models import Role, User
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import KampungActivity, OfficerAssignment, Region
from villages.services import activity_record

JENGGOT = "33.75.04.1004"
MEDONO = "33.75.01.1002"
BANYURIP = "33.75.04.1002"

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(kota_pekalongan):
    plkb = User.objects.create_user("plkb", role=Role.PLKB, first_name="Budi")
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=Region.objects.get(code=JENGGOT)
    )
    pimpinan = User.objects.create_user("pimpinan", role=Role.PIMPINAN)
    pimpinan.regions.set([kota_pekalongan])
    return {
        "plkb": plkb,
        "pimpinan": pimpinan,
        "own": KampungFactory(region=Region.objects.get(code=JENGGOT)),
        "same_kecamatan": KampungFactory(region=Region.objects.get(code=BANYURIP)),
        "medono": KampungFactory(region=Region.objects.get(code=MEDONO)),
    }


def test_service_refuses_a_future_day(world):
    with pytest.raises(ValidationError) as caught:
        activity_record(
            kampung=world["own"],
            held_on=timezone.localdate() + datetime.timedelta(days=1),
            title="Rapat",
        )
    assert "held_on" in caught.value.message_dict


def test_page_records_once_and_the_profile_lists_it(client, world):
    kampung = world["own"]
    client.force_login(world["plkb"])
    url = reverse("activity-create", args=[kampung.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="once_token" value="([0-9a-f]{32})"', page)[1]
    form = {
        "held_on": "2025-11-02",
        "title": "Penyuluhan KB",
        "note": "Di balai desa",
        "participants": "30",
        "once_token": token,
    }
    first = client.post(url, form)
    again = client.post(url, form)
    assert first.status_code == again.status_code == 302
    assert KampungActivity.objects.count() == 1
    for day, title, who in (
        ("2025-10-01", "Rapat Pokja", world["plkb"]),
        # Entered without a person (the admin site, an import).
        ("2025-12-01", "Posyandu", None),
    ):
        activity_record(
            kampung=kampung,
            held_on=datetime.date.fromisoformat(day),
            title=title,
            recorded_by=who,
        )
    profile = client.get(reverse("kampung-detail", args=[kampung.pk])).content.decode()
    section = profile.split('id="kegiatan"', 1)[1].split("</section>", 1)[0]
    assert section.index("Posyandu") < section.index("Penyuluhan KB")
    assert section.index("Penyuluhan KB") < section.index("Rapat Pokja")
    assert "30 peserta" in section and "dicatat oleh Budi" in section
    assert url in section


def test_page_shows_the_field_message(client, world):
    client.force_login(world["plkb"])
    url = reverse("activity-create", args=[world["own"].pk])
    response = client.post(url, {"held_on": "2099-01-01", "title": "Rapat"})
    assert response.status_code == 200
    assert "Tanggal kegiatan tidak boleh di masa depan." in response.content.decode()
    assert not KampungActivity.objects.exists()


def test_page_scope(client, world):
    client.force_login(world["plkb"])
    for name, status in (("same_kecamatan", 403), ("medono", 404)):
        url = reverse("activity-create", args=[world[name].pk])
        assert client.get(url).status_code == status
    client.force_login(world["pimpinan"])
    assert (
        client.get(reverse("activity-create", args=[world["own"].pk])).status_code
        == 403
    )
    profile = client.get(reverse("kampung-detail", args=[world["own"].pk]))
    assert "Catat kegiatan" not in profile.content.decode()


def test_api_create_and_scoped_list(world):
    api = APIClient()
    api.force_authenticate(world["plkb"])
    body = {"kampung": world["own"].pk, "held_on": "2025-11-02", "title": "Rapat"}
    created = api.post("/api/kampung-activities/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["recorded_by"] == "plkb"
    medono = {**body, "kampung": world["medono"].pk}
    assert (
        api.post("/api/kampung-activities/", medono, format="json").status_code == 400
    )
    activity_record(
        kampung=world["medono"], held_on=datetime.date(2025, 1, 1), title="X"
    )
    listed = api.get("/api/kampung-activities/").json()["results"]
    assert [a["title"] for a in listed] == ["Rapat"]
    api.force_authenticate(world["pimpinan"])
    assert api.post("/api/kampung-activities/", body, format="json").status_code == 403
