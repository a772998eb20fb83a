"""Nothing with personal data may be kept by a cache: posyandu devices are shared.

After one PLKB signs out, the back button or a proxy cache must not show the next
user of the device the children the first one opened.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from stunting.models import Child
from tests.api.conftest import api, users  # noqa: F401
from villages.models import Region

JENGGOT = "33.75.04.1004"


@pytest.fixture
def child(kota_pekalongan):
    return Child.objects.create(
        name="Sari Dewi",
        sex="P",
        birth_date=datetime.date(2023, 5, 1),
        region=Region.objects.get(code=JENGGOT),
    )


def _not_stored(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


@pytest.fixture
def signed_in(client, db):
    client.force_login(get_user_model().objects.create_superuser("root"))
    return client


def test_a_child_page_is_not_stored(signed_in, child):
    response = signed_in.get(reverse("child-detail", args=[child.pk]))

    assert response.status_code == 200
    assert "Sari Dewi" in response.content.decode()
    _not_stored(response)


def test_a_child_in_the_api_is_not_stored(api, child):  # noqa: F811
    response = api("admin").get(reverse("api:child-detail", args=[child.pk]))

    assert response.status_code == 200
    assert response.json()["name"] == "Sari Dewi"
    _not_stored(response)


def test_an_export_is_not_stored(signed_in, child):
    response = signed_in.get(reverse("dashboard-export-csv", args=["33.75"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    _not_stored(response)


def test_static_files_keep_their_long_caching(signed_in, collected_static):
    from django.templatetags.static import static

    response = signed_in.get(static("css/app.css"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
