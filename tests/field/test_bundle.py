"""GET /lapangan/paket/: only the PLKB's own desa, in a bounded number of queries."""

import datetime
import gzip
import json

import pytest

from stunting import services
from villages.models import Region

from .conftest import BIRTH, JENGGOT, MEDONO

pytestmark = pytest.mark.django_db


def test_bundle_holds_only_the_own_desa(client, world):
    child = world["child"]
    for days in (100, 200, 300, 400):
        services.measurement_record(
            child=child,
            measured_on=BIRTH + datetime.timedelta(days=days),
            weight_kg=8,
            height_cm=70,
            measured="lying",
        )
    client.force_login(world["plkb"])
    response = client.get("/lapangan/paket/")
    assert response.status_code == 200
    assert (
        "no-cache" in response["Cache-Control"]
        or "no-store" in response["Cache-Control"]
    )
    data = response.json()
    assert data["user"] == {"id": world["plkb"].pk, "username": "plkb", "name": "Plkb"}
    assert [d["code"] for d in data["desa"]] == [JENGGOT]
    desa = data["desa"][0]
    assert desa["kampung"] == {"id": world["kampung"].pk, "name": world["kampung"].name}
    assert desa["kecamatan"] == Region.objects.get(code=JENGGOT).kecamatan.name
    [dashat] = desa["dashats"]
    assert dashat["id"] == world["dashat"].pk
    assert dashat["beneficiaries"] == [
        {"id": world["balita"].pk, "label": "Balita: Ani", "child": child.pk}
    ]
    [sent] = data["children"]
    assert sent["id"] == child.pk and sent["name"] == "Ani"
    assert sent["parent_name"] == "Siti" and sent["region"] == JENGGOT
    assert sent["version"] == child.updated_at.isoformat()
    assert [m["measured_on"] for m in sent["measurements"]] == [
        (BIRTH + datetime.timedelta(days=d)).isoformat() for d in (400, 300, 200)
    ]
    latest = child.measurements.order_by("-measured_on").first()
    assert sent["measurements"][0]["haz"] == latest.haz
    assert sent["measurements"][0]["weight_kg"] == "8.00"
    assert "Bayu" not in response.content.decode()
    assert data["choices"]["sex"] == [["L", "Laki-laki"], ["P", "Perempuan"]]
    assert data["max_entries"] == 200


def _children(n, code):
    region = Region.objects.get(code=code)
    for i in range(n):
        child = services.child_register(
            region=region, name=f"Anak {i:03d}", sex="L", birth_date=BIRTH
        )
        for days in (100, 200):
            services.measurement_record(
                child=child,
                measured_on=BIRTH + datetime.timedelta(days=days),
                weight_kg=8,
                height_cm=70,
                measured="lying",
            )


@pytest.mark.parametrize("n", [3, 30])
def test_bundle_queries_do_not_grow_with_children(
    client, world, django_assert_max_num_queries, n
):
    _children(n, JENGGOT)
    _children(2, MEDONO)
    client.force_login(world["plkb"])
    with django_assert_max_num_queries(10):
        response = client.get("/lapangan/paket/")
    children = response.json()["children"]
    assert len(children) == n + 1
    assert [c["name"] for c in children] == sorted(c["name"] for c in children)
    assert all(len(c["measurements"]) == 2 for c in children if c["name"] != "Ani")


def test_bundle_comes_compressed_to_a_phone_that_asks(client, world):
    client.force_login(world["plkb"])
    plain = client.get("/lapangan/paket/")
    packed = client.get("/lapangan/paket/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    unpacked = json.loads(gzip.decompress(packed.content))
    assert unpacked["children"] == plain.json()["children"]
