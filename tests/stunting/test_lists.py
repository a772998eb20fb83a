"""Long lists that never count the world: the children page, the children and
measurement API, the admin changelists and the cached OpenAPI schema."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from kampungkb.api import SchemaView
from kampungkb.keyset import encode, last_cursor
from kampungkb.models import Role, User
from stunting.models import Child, Measurement
from stunting.nik import nik_hash
from tests.factories import FieldOfficerFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"  # the PLKB's desa
BANYURIP = "33.75.04.1002"  # same kecamatan
MEDONO = "33.75.01.1002"  # Kota Pekalongan, another kecamatan
KAJEN = "33.26.01.2001"  # Kabupaten Pekalongan: outside the city staff's scope
NIK = "3375044101230009"
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
CHILD_LINK = re.compile(r'href="/stunting/anak/(\d+)/"')


def _user(username, role, codes=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def world(kota_pekalongan, kab_pekalongan):
    kajen = Region.objects.filter(code__startswith="33.26.", level=4).first()
    desa = {code: Region.objects.get(code=code) for code in (JENGGOT, BANYURIP, MEDONO)}
    desa[KAJEN] = kajen
    children = []
    # More than a page (50) in the city, spread over desa, plus the kabupaten.
    for i in range(130):
        code = [JENGGOT, BANYURIP, MEDONO, KAJEN][i % 4]
        children.append(
            Child(
                name=f"{['Siti', 'Budi', 'Sinta', 'Agus'][i % 4]} Anak {i:03d}",
                sex="P" if i % 2 else "L",
                birth_date=datetime.date(2022, 1, 1) + datetime.timedelta(days=i),
                region=desa[code],
            )
        )
    children = Child.objects.bulk_create(children)
    siti = children[0]
    siti.nik_hash = nik_hash(NIK)
    siti.name = "Siti Rahmawati"
    siti.save()
    measurements = []
    for child in children[:60]:
        for month, klass in ((3, "normal"), (8, "pendek")):
            measurements.append(
                Measurement(
                    child=child,
                    measured_on=datetime.date(2024, month, 10),
                    height_cm=80,
                    weight_kg=10,
                    age_days=800,
                    # The latest class of every third child is sangat_pendek.
                    haz_class="sangat_pendek"
                    if month == 8 and child.pk % 3 == 0
                    else klass,
                )
            )
    Measurement.objects.bulk_create(measurements)
    plkb = _user("plkb", Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=desa[JENGGOT]
    )
    return {
        "children": children,
        "siti": siti,
        "kajen": kajen,
        "users": {
            "admin": User.objects.create_superuser("root"),
            "staf": _user("staf", Role.STAF, ["33.75"]),
            "pimpinan": _user("pimpinan", Role.PIMPINAN, ["33.75"]),
            "plkb": plkb,
        },
    }


def _api(world, role):
    client = APIClient()
    client.force_authenticate(world["users"][role])
    return client


def _in_city(world):
    return {c.pk for c in world["children"] if c.region.code.startswith("33.75.")}


def _assert_counts_nothing_whole(queries):
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql, sql
        # A count, where there is one, is capped (the admin's paginator).
        assert "COUNT(" not in sql or "LIMIT" in sql, sql


def _walk_api(client, url, params=None):
    ids, pages = [], 0
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        ids += [row["id"] for row in body["results"]]
        pages += 1
        if not body["next"]:
            return ids, pages
        response = client.get(body["next"])


def test_api_cursor_walks_every_child_of_the_scope_once_without_count_or_offset(
    world,
):
    client = _api(world, "staf")
    with CaptureQueriesContext(connection) as queries:
        ids, pages = _walk_api(client, "/api/children/", {"page_size": 7})
    assert sorted(ids) == sorted(_in_city(world))
    assert len(ids) == len(set(ids))
    assert pages == -(-len(ids) // 7)
    _assert_counts_nothing_whole(queries)


def test_api_walks_back_from_the_last_page_to_the_first(world):
    client = _api(world, "admin")
    forward, _pages = _walk_api(client, "/api/children/", {"page_size": 9})
    backward = []
    body = client.get(
        "/api/children/", {"page_size": 9, "cursor": last_cursor()}
    ).json()
    while True:
        backward = [row["id"] for row in body["results"]] + backward
        if not body["previous"]:
            break
        body = client.get(body["previous"]).json()
    assert backward == forward
    assert len(forward) == len(world["children"])


def test_measurement_cursor_walks_each_once_newest_first_per_child(world):
    client = _api(world, "staf")
    with CaptureQueriesContext(connection) as queries:
        ids, _pages = _walk_api(client, "/api/measurements/", {"page_size": 11})
    expected = Measurement.objects.filter(child__region__kabkota="33.75")
    assert sorted(ids) == sorted(expected.values_list("pk", flat=True))
    rows = {m.pk: m for m in expected}
    for first, second in zip(ids, ids[1:], strict=False):
        a, b = rows[first], rows[second]
        if a.child_id == b.child_id:
            assert a.measured_on > b.measured_on
    _assert_counts_nothing_whole(queries)


def test_a_staff_cursor_never_reaches_other_regions(world):
    client = _api(world, "staf")
    kajen_child = next(c for c in world["children"] if c.region == world["kajen"])
    # A cursor made up to point into the kabupaten, either way.
    for direction in ("n", "p"):
        cursor = encode(direction, [kajen_child.region_id, kajen_child.pk])
        ids, _pages = _walk_api(client, "/api/children/", {"cursor": cursor})
        assert set(ids) <= _in_city(world)
    cursor = encode("n", ["00", 0])
    ids, _pages = _walk_api(client, "/api/children/", {"cursor": cursor})
    assert sorted(ids) == sorted(_in_city(world))


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "!!!",
        encode("q", ["33.75", 1]),
        encode("n", ["33.75"]),
        encode("n", ["33.75", "abc"]),
        encode("n", ["33.75", 2**70]),
        encode("n", None),
    ],
)
def test_a_bad_cursor_is_a_400_in_the_api_and_a_message_on_the_page(
    world, client, cursor
):
    response = _api(world, "staf").get("/api/children/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()
    client.force_login(world["users"]["staf"])
    page = client.get(reverse("child-list"), {"cursor": cursor})
    assert page.status_code == 200
    assert "Kursor halaman tidak valid" in page.content.decode()


def test_the_children_page_walks_every_child_by_next_links(world, client):
    client.force_login(world["users"]["staf"])
    url, seen = reverse("child-list"), []
    with CaptureQueriesContext(connection) as queries:
        while url:
            html = client.get(url).content.decode()
            assert "Halaman 1 dari" not in html
            seen += [int(pk) for pk in CHILD_LINK.findall(html)]
            found = NEXT.search(html)
            url = reverse("child-list") + unescape(found.group(1)) if found else None
    assert sorted(seen) == sorted(_in_city(world))
    _assert_counts_nothing_whole(queries)
    last = client.get(reverse("child-list"), {"cursor": last_cursor()})
    ids = [int(pk) for pk in CHILD_LINK.findall(last.content.decode())]
    assert ids == seen[-len(ids) :]


def test_a_plkb_sees_their_own_desa_first_then_the_kecamatan(world):
    ids, _pages = _walk_api(_api(world, "plkb"), "/api/children/", {"page_size": 5})
    by_pk = {c.pk: c for c in world["children"]}
    desa = [by_pk[pk].region_id for pk in ids]
    own = desa.count(JENGGOT)
    assert own and set(desa[:own]) == {JENGGOT}
    assert set(desa[own:]) == {BANYURIP}


def test_search_by_name_prefix_in_any_case_and_by_nik(world, client):
    client.force_login(world["users"]["staf"])

    def found(query):
        html = client.get(reverse("child-list"), {"q": query}).content.decode()
        return {int(pk) for pk in CHILD_LINK.findall(html)}

    sit = {
        c.pk
        for c in world["children"]
        if c.name.upper().startswith("SIT") and c.region.code.startswith("33.75.")
    }
    assert found("sIt") == sit
    # A prefix, not anywhere in the name.
    assert found("Anak") == set()
    assert found("3375 0441 0123 0009") == {world["siti"].pk}
    assert found("3375044101230008") == set()
    api = _api(world, "staf").get("/api/children/", {"q": "siti rah"}).json()
    assert [row["id"] for row in api["results"]] == [world["siti"].pk]


def test_an_official_can_search_nothing_and_sees_no_names(world, client):
    client.force_login(world["users"]["pimpinan"])
    html = client.get(reverse("child-list"), {"q": "Siti"}).content.decode()
    assert CHILD_LINK.findall(html) == []
    html = client.get(reverse("child-list")).content.decode()
    # Children go by "Anak #id"; no name is shown (here "Siti Rahmawati" and
    # "Budi Anak 001").
    assert "Rahmawati" not in html and "Anak 0" not in html
    assert re.search(r">Anak #\d+</a>", html)
    api = _api(world, "pimpinan")
    assert api.get("/api/children/", {"q": NIK}).json()["results"] == []
    rows = api.get("/api/children/").json()["results"]
    assert rows and all("name" not in row for row in rows)


def test_a_plkb_finds_names_only_in_their_own_desa(world):
    api = _api(world, "plkb")
    names = {
        c.pk
        for c in world["children"]
        if c.region_id == JENGGOT and c.name.startswith("Siti")
    }
    ids = {
        row["id"] for row in api.get("/api/children/", {"q": "siti"}).json()["results"]
    }
    assert ids == names
    # Banyurip is read by the PLKB, but its names are not theirs to search.
    banyurip = next(c for c in world["children"] if c.region_id == BANYURIP)
    query = {"q": banyurip.name[:8]}
    assert api.get("/api/children/", query).json()["results"] == []


def test_filters_by_region_period_and_class(world, client):
    api = _api(world, "staf")

    def ids(**params):
        found, _pages = _walk_api(api, "/api/children/", params)
        return set(found)

    by_pk = {c.pk: c for c in world["children"]}
    kecamatan = ids(region="33.75.04")
    assert kecamatan and {by_pk[pk].region_id for pk in kecamatan} == {
        JENGGOT,
        BANYURIP,
    }
    measured = {c.pk for c in world["children"][:60]} & _in_city(world)
    assert ids(year=2024) == measured
    assert ids(year=2024, month=8) == measured
    assert ids(year=2024, month=5) == set()
    severe = {pk for pk in measured if pk % 3 == 0}
    assert ids(haz_class="sangat_pendek") == severe
    assert ids(haz_class="stunting") == measured
    # In March every one of them was normal.
    assert ids(haz_class="normal", year=2024, month=3) == measured
    assert ids(haz_class="normal") == set()

    rows = api.get("/api/measurements/", {"year": 2024, "month": 3}).json()
    assert {row["measured_month"] for row in rows["results"]} == {"2024-03"}
    stunted = api.get("/api/measurements/", {"haz_class": "stunting"}).json()
    assert {row["haz_class"] for row in stunted["results"]} <= {
        "pendek",
        "sangat_pendek",
    }

    client.force_login(world["users"]["staf"])
    html = client.get(reverse("child-list"), {"region": "33.75.04"}).content.decode()
    shown = {int(pk) for pk in CHILD_LINK.findall(html)}
    assert shown <= kecamatan and len(shown) == min(50, len(kecamatan))


@pytest.mark.parametrize(
    "params",
    [
        {"region": "33.26"},  # exists, outside the city staff's scope
        {"region": "99.99"},
        {"region": "bukan kode"},
        {"year": "dua ribu"},
        {"year": "2014"},
        {"year": "9999"},
        {"month": "3"},  # a month needs its year
        {"year": "2024", "month": "13"},
        {"haz_class": "kurus"},
    ],
)
def test_bad_filters_are_a_400_in_the_api_and_a_form_error_on_the_page(
    world, client, params
):
    api = _api(world, "staf")
    for url in ("/api/children/", "/api/measurements/"):
        response = api.get(url, params)
        assert response.status_code == 400, (url, response.content)
        assert set(response.json()) == set(params) or set(response.json()) <= {
            "year",
            "month",
        }
    client.force_login(world["users"]["staf"])
    page = client.get(reverse("child-list"), params)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="errorlist' in html
    assert CHILD_LINK.findall(html) == []


ADMIN_LISTS = [
    "admin:stunting_child_changelist",
    "admin:stunting_measurement_changelist",
    "admin:stunting_dashatbeneficiary_changelist",
    "admin:stunting_dashatsession_changelist",
    "admin:stunting_caseaudit_changelist",
    "admin:stunting_importbatch_changelist",
    "admin:stunting_niklookup_changelist",
]


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_changelists_count_no_whole_table(world, client, name):
    client.force_login(world["users"]["admin"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_counts_nothing_whole(queries)
    for query in queries.captured_queries:
        # No list filter reads every row for its choices.
        assert "DISTINCT" not in query["sql"].upper(), query["sql"]


def test_admin_measurements_filter_by_class_and_year_and_children_by_name(
    world, client
):
    client.force_login(world["users"]["admin"])
    url = reverse("admin:stunting_measurement_changelist")
    html = client.get(url, {"haz_class": "sangat_pendek", "year": "2024"})
    assert html.status_code == 200
    severe = Measurement.objects.filter(haz_class="sangat_pendek").count()
    assert f"{severe} pengukuran" in html.content.decode()
    found = client.get(reverse("admin:stunting_child_changelist"), {"q": '"siti rah"'})
    assert f"Anak #{world['siti'].pk}" in found.content.decode()
    assert "1 anak" in found.content.decode()


def test_admin_count_stops_at_the_cap(world, client, monkeypatch):
    from kampungkb.admin_lists import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 10)
    client.force_login(world["users"]["admin"])
    html = client.get(reverse("admin:stunting_child_changelist")).content.decode()
    assert "10 anak" in html
    assert f"{len(world['children'])} anak" not in html


def test_the_schema_is_built_once_per_language(world, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    SchemaView._built.clear()
    built = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        built.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    client = _api(world, "staf")
    first = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="id")
    again = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="id")
    english = client.get("/api/schema/?lang=en")
    assert first.status_code == again.status_code == english.status_code == 200
    assert first.content == again.content
    assert len(built) == 2
    # Translated per language: the choices' labels are Indonesian or English.
    assert "Laki-laki" in first.content.decode()
    assert "Laki-laki" not in english.content.decode()
    assert "Male" in english.content.decode()
    # A language not served is built and never kept.
    client.get("/api/schema/?lang=xx")
    client.get("/api/schema/?lang=xx")
    assert len(built) == 4
    assert len(SchemaView._built) == 2
