"""The stunting API: personal fields by role, scope (404), writes by role (403)."""

import datetime
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kampungkb.models import Role, User
from stunting import services
from stunting.models import FOLLOW_UP, Child, ReportedPrevalence
from stunting.nik import nik_hash
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"  # the PLKB's desa
BANYURIP = "33.75.04.1002"  # same kecamatan: read, not changed, by the PLKB
MEDONO = "33.75.01.1002"  # outside the PLKB's kecamatan

NIK = "3375044101230001"
CHILD_NAME = "Siti Aminah"
PARENT_NAME = "Budi Santoso"
CATIN_NAME = "Dewi Lestari"
BIRTH = datetime.date(2023, 3, 15)
PERSONAL_KEYS = {
    "name",
    "birth_date",
    "parent_name",
    "age_days",
    "notes",
    # With the date and the z-scores they give the age in days (finding 2); the
    # day measured bounds the birth date from above.
    "measured_on",
    "weight_kg",
    "height_cm",
    "height_adjusted_cm",
}
PERSONAL_VALUES = (CHILD_NAME, PARENT_NAME, CATIN_NAME, "2023-03-15", "jamban")


def _user(username, role, codes=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def world(kota_pekalongan):
    plkb = _user("plkb", Role.PLKB)
    jenggot = Region.objects.get(code=JENGGOT)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=jenggot
    )
    kampung = KampungFactory(region=jenggot)
    child = services.child_register(
        region=jenggot,
        name=CHILD_NAME,
        sex="L",
        birth_date=BIRTH,
        parent_name=PARENT_NAME,
        nik=NIK,
    )
    measurement = services.measurement_record(
        child=child,
        measured_on=BIRTH + datetime.timedelta(days=731),
        weight_kg=10,
        height_cm=80,
        measured="standing",
    )
    dashat = services.dashat_save(
        kampung=kampung, name="Dashat Jenggot", formed_on=datetime.date(2023, 6, 7)
    )
    catin = services.beneficiary_enrol(
        dashat=dashat,
        category="catin",
        name=CATIN_NAME,
        start_on=datetime.date(2024, 1, 8),
    )
    session = services.session_record(
        dashat=dashat,
        date=datetime.date(2024, 1, 9),
        menu="Nasi, ikan, sayur",
        portions=20,
        beneficiaries_present=[catin],
    )
    audit = services.audit_save(
        child=child,
        audited_on=datetime.date(2025, 3, 20),
        causes=["poverty"],
        notes="Rumah belum punya jamban.",
    )
    medono_child = services.child_register(
        region=Region.objects.get(code=MEDONO),
        name="Rahmat Hidayat",
        sex="L",
        birth_date=datetime.date(2022, 5, 1),
    )
    medono_dashat = services.dashat_save(
        kampung=KampungFactory(region=Region.objects.get(code=MEDONO)),
        name="Dashat Medono",
        formed_on=datetime.date(2023, 7, 1),
    )
    return {
        "users": {
            "admin": User.objects.create_superuser("root"),
            "staf": _user("staf", Role.STAF, ["33.75"]),
            "plkb": plkb,
            "pimpinan": _user("pimpinan", Role.PIMPINAN, ["33.75"]),
        },
        "kampung": kampung,
        "banyurip_kampung": KampungFactory(region=Region.objects.get(code=BANYURIP)),
        "child": child,
        "measurement": measurement,
        "dashat": dashat,
        "catin": catin,
        "session": session,
        "audit": audit,
        "medono_child": medono_child,
        "medono_dashat": medono_dashat,
    }


@pytest.fixture
def api(world):
    def client_for(role):
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=world["users"][role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def _keys(data):
    """Every key anywhere in a JSON document."""
    if isinstance(data, dict):
        return set(data) | set().union(*(_keys(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(set(), *(_keys(v) for v in data))
    return set()


def _reads(world):
    return [
        "/api/children/",
        f"/api/children/{world['child'].pk}/",
        "/api/measurements/",
        f"/api/measurements/{world['measurement'].pk}/",
        "/api/dashats/",
        "/api/dashat-beneficiaries/",
        f"/api/dashat-beneficiaries/{world['catin'].pk}/",
        "/api/dashat-sessions/",
        "/api/case-audits/",
        f"/api/case-audits/{world['audit'].pk}/",
    ]


# Personal fields


@pytest.mark.parametrize("role", ["staf", "plkb", "admin"])
def test_staff_and_the_childs_plkb_see_personal_fields(api, world, role):
    client = api(role)
    child = client.get(f"/api/children/{world['child'].pk}/").json()
    catin = client.get(f"/api/dashat-beneficiaries/{world['catin'].pk}/").json()
    audit = client.get(f"/api/case-audits/{world['audit'].pk}/").json()
    measurement = client.get(f"/api/measurements/{world['measurement'].pk}/").json()

    assert child["name"] == CHILD_NAME
    assert child["birth_date"] == "2023-03-15"
    assert child["parent_name"] == PARENT_NAME
    assert catin["name"] == CATIN_NAME
    assert audit["notes"] == "Rumah belum punya jamban."
    assert measurement["age_days"] == 731


def test_pimpinan_gets_no_personal_key_or_value_anywhere(api, world):
    client = api("pimpinan")
    for url in _reads(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.json()
        text = json.dumps(body, ensure_ascii=False)
        if not url.startswith("/api/dashats/"):  # a kitchen's name is public
            assert not PERSONAL_KEYS & _keys(body), url
        for value in PERSONAL_VALUES:
            assert value not in text, (url, value)

    child = client.get(f"/api/children/{world['child'].pk}/").json()
    assert child["sex"] == "L" and child["region"] == JENGGOT
    measurement = client.get(f"/api/measurements/{world['measurement'].pk}/").json()
    assert measurement["age_months"] == 24
    assert measurement["measured_month"] == "2025-03"
    assert "created_at" not in measurement
    # -2.33 to the nearest half SD: full precision would give the birth date.
    assert measurement["haz"] == -2.5
    assert measurement["haz_class"] == "pendek"


def test_plkb_sees_no_names_of_the_other_desa_they_only_read(api, world):
    other = services.child_register(
        region=Region.objects.get(code=BANYURIP),
        name="Anak Banyurip",
        sex="P",
        birth_date=datetime.date(2024, 1, 1),
    )
    row = api("plkb").get(f"/api/children/{other.pk}/").json()

    assert row["id"] == other.pk
    assert "name" not in row and "birth_date" not in row


def test_the_nik_and_its_hash_are_never_output(api, world):
    for role in ("admin", "staf", "plkb", "pimpinan"):
        for url in _reads(world):
            text = api(role).get(url).content.decode()
            assert NIK not in text
            assert nik_hash(NIK) not in text
            assert "nik" not in _keys(json.loads(text))


# Scope


@pytest.mark.parametrize(
    "url",
    [
        "/api/children/{medono_child}/",
        "/api/dashats/{medono_dashat}/",
    ],
)
def test_rows_outside_the_read_scope_do_not_exist(api, world, url):
    url = url.format(
        medono_child=world["medono_child"].pk,
        medono_dashat=world["medono_dashat"].pk,
    )
    assert api("plkb").get(url).status_code == 404
    assert api("staf").get(url).status_code == 200


def test_lists_hold_only_rows_in_scope(api, world):
    ids = [row["id"] for row in api("plkb").get("/api/children/").json()["results"]]
    assert ids == [world["child"].pk]
    dashats = api("plkb").get("/api/dashats/").json()["results"]
    assert [d["name"] for d in dashats] == ["Dashat Jenggot"]


# Writes


def test_child_registration_by_role_and_region(api, world):
    new = {"name": "Putri", "sex": "P", "birth_date": "2024-06-01", "region": JENGGOT}

    assert api("pimpinan").post("/api/children/", new).status_code == 403
    assert (
        api("plkb").post("/api/children/", {**new, "region": BANYURIP}).status_code
        == 403
    )
    created = api("plkb").post("/api/children/", {**new, "nik": "3375044106240002"})
    again = api("plkb").post("/api/children/", {**new, "nik": "3375044106240002"})

    assert created.status_code == 201, created.content
    assert created.json()["name"] == "Putri"
    assert "nik" not in created.json()
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]


def test_a_nik_registered_elsewhere_is_not_handed_out(world):
    barat = APIClient()
    barat.force_authenticate(_user("staf_barat", Role.STAF, ["33.75.01"]))
    row = {"name": "Orang lain", "sex": "L", "birth_date": "2024-01-01"}

    answer = barat.post("/api/children/", {**row, "region": MEDONO, "nik": NIK})

    assert answer.status_code == 400
    assert set(answer.json()) == {"nik"}
    assert CHILD_NAME not in answer.content.decode()


def test_a_new_child_needs_a_name_and_birth_date(api, world):
    response = api("staf").post("/api/children/", {"sex": "L", "region": JENGGOT})
    assert response.status_code == 400
    assert set(response.json()) == {"name", "birth_date"}


def test_a_measurement_is_scored_and_its_scores_are_not_input(api, world):
    response = api("plkb").post(
        "/api/measurements/",
        {
            "child": world["child"].pk,
            "measured_on": "2025-06-01",
            "weight_kg": "10.5",
            "height_cm": "82.0",
            "measured": "standing",
            "haz": 5,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["haz"] is not None and body["haz"] < 0
    assert body["haz_class"]
    forbidden = api("pimpinan").post(
        "/api/measurements/",
        {"child": world["child"].pk, "measured_on": "2025-06-02", "weight_kg": "10"},
    )
    assert forbidden.status_code == 403


def test_measurement_filters(api, world):
    client = api("staf")

    def count(query):
        return len(client.get(f"/api/measurements/?{query}").json()["results"])

    assert count(f"child={world['child'].pk}") == 1
    assert count("region=33.75.04") == 1
    assert count("region=33.75.01") == 0
    assert count("measured_after=2025-03-15&measured_before=2025-03-15") == 1
    assert count("measured_after=2025-03-16") == 0
    assert client.get("/api/measurements/?measured_after=kemarin").status_code == 400


def test_reported_prevalence_is_changed_by_staff_and_read_by_officials(api, world):
    row = {
        "region": "33.75",
        "year": 2024,
        "source": "ssgi",
        "value_percent": "17.86",
        "citation": "Evaluasi Kampung KB 2025",
    }
    assert api("pimpinan").post("/api/reported-prevalence/", row).status_code == 403
    assert api("plkb").post("/api/reported-prevalence/", row).status_code == 403
    created = api("staf").post("/api/reported-prevalence/", row)
    twice = api("staf").post("/api/reported-prevalence/", row)
    assert created.status_code == 201, created.content
    assert twice.status_code == 400

    pk = created.json()["id"]
    listed = api("pimpinan").get("/api/reported-prevalence/?source=ssgi&year=2024")
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    assert (
        api("pimpinan").get("/api/reported-prevalence/?source=eppgbm").json()["count"]
        == 0
    )
    assert (
        api("pimpinan").patch(f"/api/reported-prevalence/{pk}/", {"note": "x"})
    ).status_code == 403
    changed = api("staf").patch(
        f"/api/reported-prevalence/{pk}/", {"value_percent": "101"}
    )
    assert changed.status_code == 400
    assert "value_percent" in changed.json()
    assert api("staf").delete(f"/api/reported-prevalence/{pk}/").status_code == 204
    assert not ReportedPrevalence.objects.exists()


def test_dashat_writes_by_role_and_region(api, world):
    row = {"name": "Dashat Baru", "formed_on": "2024-01-01"}
    plkb = api("plkb")

    ok = plkb.post("/api/dashats/", {**row, "kampung": world["kampung"].pk})
    read_only = plkb.post(
        "/api/dashats/", {**row, "kampung": world["banyurip_kampung"].pk}
    )
    unseen = plkb.post(
        "/api/dashats/", {**row, "kampung": world["medono_dashat"].kampung_id}
    )

    assert ok.status_code == 201, ok.content
    assert ok.json()["status"] == "active"
    assert read_only.status_code == 403
    assert unseen.status_code == 400 and "kampung" in unseen.json()
    assert (
        api("pimpinan")
        .patch(f"/api/dashats/{world['dashat'].pk}/", {"status": "inactive"})
        .status_code
        == 403
    )
    moved = plkb.patch(
        f"/api/dashats/{world['dashat'].pk}/",
        {"kampung": world["banyurip_kampung"].pk},
    )
    assert moved.status_code == 400
    closed = plkb.patch(f"/api/dashats/{world['dashat'].pk}/", {"status": "inactive"})
    assert closed.json()["status"] == "inactive"
    assert plkb.delete(f"/api/dashats/{world['dashat'].pk}/").status_code == 405


def test_beneficiary_enrolment_through_the_api(api, world):
    plkb = api("plkb")
    url = "/api/dashat-beneficiaries/"
    base = {"dashat": world["dashat"].pk, "start_on": "2024-03-01"}

    without_child = plkb.post(url, {**base, "category": "balita"})
    enrolled = plkb.post(
        url, {**base, "category": "balita", "child": world["child"].pk}
    )
    refused = api("pimpinan").post(url, {**base, "category": "catin", "name": "X"})

    assert without_child.status_code == 400
    assert "child" in without_child.json()
    assert enrolled.status_code == 201, enrolled.content
    end = datetime.date(2024, 3, 1) + FOLLOW_UP
    assert enrolled.json()["follow_up_end"] == end.isoformat()
    assert refused.status_code == 403


def test_session_attendees_come_from_that_dashat(api, world):
    stranger = services.beneficiary_enrol(
        dashat=world["medono_dashat"],
        category="catin",
        name="Orang Medono",
        start_on=datetime.date(2024, 1, 8),
    )
    row = {
        "dashat": world["dashat"].pk,
        "date": "2024-02-01",
        "menu": "Bubur",
        "portions": 5,
    }
    mixed = api("staf").post(
        "/api/dashat-sessions/",
        {**row, "beneficiaries_present": [world["catin"].pk, stranger.pk]},
    )
    ok = api("staf").post(
        "/api/dashat-sessions/", {**row, "beneficiaries_present": [world["catin"].pk]}
    )

    assert mixed.status_code == 400 and "beneficiaries_present" in mixed.json()
    assert ok.status_code == 201, ok.content
    assert ok.json()["beneficiaries_present"] == [world["catin"].pk]
    kept = api("staf").patch(
        f"/api/dashat-sessions/{ok.json()['id']}/", {"portions": 6}
    )
    assert kept.json()["beneficiaries_present"] == [world["catin"].pk]


def test_case_audits_through_the_api(api, world):
    url = "/api/case-audits/"
    row = {"child": world["child"].pk, "audited_on": "2025-04-01"}

    no_cause = api("plkb").post(url, {**row, "causes": []})
    unknown = api("plkb").post(url, {**row, "causes": ["luck"]})
    created = api("plkb").post(
        url, {**row, "causes": ["illness"], "interventions": ["referral"]}
    )
    forbidden = api("pimpinan").post(url, {**row, "causes": ["illness"]})
    outside = api("plkb").post(
        url, {**row, "child": world["medono_child"].pk, "causes": ["illness"]}
    )

    assert no_cause.status_code == 400 and "causes" in no_cause.json()
    assert unknown.status_code == 400 and "causes" in unknown.json()
    assert created.status_code == 201, created.content
    assert created.json()["interventions"] == ["referral"]
    assert forbidden.status_code == 403
    assert outside.status_code == 400 and "child" in outside.json()
    closed = api("plkb").patch(f"{url}{created.json()['id']}/", {"status": "closed"})
    assert closed.status_code == 400 and "closed_on" in closed.json()


def test_children_are_listed_without_revealing_name_order(api, world):
    services.child_register(
        region=world["child"].region,
        name="Aaron",
        sex="L",
        birth_date=datetime.date(2024, 1, 1),
    )
    rows = api("pimpinan").get("/api/children/?region=" + JENGGOT).json()["results"]
    assert [r["id"] for r in rows] == sorted(
        Child.objects.filter(region__code=JENGGOT).values_list("pk", flat=True)
    )
