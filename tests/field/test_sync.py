"""POST /lapangan/sinkron/: each entry saved once, refused with the form's messages,
or a conflict shown both ways, within the PLKB's own desa."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from field.models import SyncedEntry
from kampungkb import events
from stunting import growth
from stunting.models import Child, DashatSession, Measurement
from villages.models import KampungActivity

from .conftest import BIRTH, DAY, JENGGOT, measurement_entry, new_id, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(client, world):
    client.force_login(world["plkb"])
    return client


@pytest.fixture
def changes():
    """The regions the dashboards are told to refresh, as the signal sends them."""
    seen = []

    def record(sender, region_codes, since, **kwargs):
        seen.extend(region_codes)

    events.changed.connect(record, weak=False)
    yield seen
    events.changed.disconnect(record)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_measurement_saved_with_the_server_z(phone, world, changes):
    entry = measurement_entry(world["child"])
    [result] = results(send(phone, [entry]))
    assert result["status"] == "saved" and result["replayed"] is False
    assert result["id"] == entry["id"]
    m = Measurement.objects.get(child=world["child"], measured_on=DAY)
    assert result["object"]["id"] == m.pk
    assert result["object"]["url"] == f"/stunting/anak/{world['child'].pk}/"
    expected = growth.score(
        sex="P",
        age_days=(DAY - BIRTH).days,
        weight_kg=9.4,
        height_cm=76.2,
        measured="lying",
        oedema=False,
    )
    for name in ("haz", "waz", "whz"):
        assert result["object"]["z"][name] == pytest.approx(getattr(expected, name))
        assert result["object"]["classes"][name] == getattr(expected, f"{name}_class")
    assert m.entered_by == world["plkb"]
    assert JENGGOT in changes
    claim = SyncedEntry.objects.get(entry_id=entry["id"])
    assert claim.phone_z == {"haz": -1.2, "whz": 0.5} and claim.device == "dev-1"


def test_same_entry_twice_is_saved_once(phone, world):
    entry = measurement_entry(world["child"])
    first = results(send(phone, [entry]))[0]
    again = results(send(phone, [entry, entry]))
    assert [r["replayed"] for r in again] == [True, True]
    assert all(r["object"] == first["object"] for r in again)
    assert Measurement.objects.filter(child=world["child"]).count() == 1


def test_refused_with_the_form_message_then_corrected(phone, world):
    entry = measurement_entry(world["child"], weight_kg="900")
    [refused] = results(send(phone, [entry]))
    assert refused["status"] == "refused"
    assert list(refused["errors"]) == ["weight_kg"]
    assert "60" in refused["errors"]["weight_kg"][0]
    assert not SyncedEntry.objects.exists() and not Measurement.objects.exists()
    entry["data"]["weight_kg"] = "9.0"
    [saved] = results(send(phone, [entry]))
    assert saved["status"] == "saved" and saved["replayed"] is False


def test_one_refused_entry_does_not_stop_the_others(phone, world):
    bad = measurement_entry(world["child"], measured_on="2099-01-01")
    good = measurement_entry(world["child"])
    refused, saved = results(send(phone, [bad, good]))
    assert refused["errors"] == {
        "measured_on": ["Tanggal ukur tidak boleh di masa depan."]
    }
    assert saved["status"] == "saved"


def test_new_child_then_its_measurement_in_the_same_batch(phone, world, changes):
    child_entry = {
        "id": new_id(),
        "kind": "child",
        "data": {
            "region": JENGGOT,
            "name": "Budi",
            "sex": "L",
            "birth_date": "2025-01-02",
            "nik": "",
            "posyandu": "",
            "parent_name": "",
        },
    }
    m = measurement_entry(world["child"], measured_on="2025-11-20")
    m.update(child=None, child_entry=child_entry["id"], child_sex="L")
    m["child_birth_date"] = "2025-01-02"
    first, second = results(send(phone, [child_entry, m]))
    budi = Child.objects.get(name="Budi")
    assert first["object"]["id"] == budi.pk and first["object"]["type"] == "child"
    assert first["object"]["version"] == budi.updated_at.isoformat()
    assert second["status"] == "saved" and second["object"]["child"] == budi.pk
    # A later batch may name the child entry too (the phone kept only its id).
    later = measurement_entry(world["child"], measured_on="2025-11-21")
    later.update(child=None, child_entry=child_entry["id"], child_sex="L")
    later["child_birth_date"] = "2025-01-02"
    assert results(send(phone, [later]))[0]["status"] == "saved"


def test_measurement_of_a_child_entry_not_saved(phone, world):
    bad_child = {"id": new_id(), "kind": "child", "data": {"region": JENGGOT}}
    m = measurement_entry(world["child"])
    m.update(child=None, child_entry=bad_child["id"])
    refused_child, refused_m = results(send(phone, [bad_child, m]))
    assert refused_child["status"] == "refused" and "name" in refused_child["errors"]
    assert list(refused_m["errors"]) == ["child_entry"]


def test_same_day_same_values_points_at_the_existing(phone, world):
    existing = results(send(phone, [measurement_entry(world["child"])]))[0]
    again = results(send(phone, [measurement_entry(world["child"], weight_kg="9.40")]))
    assert again[0]["status"] == "saved"
    assert again[0]["object"]["id"] == existing["object"]["id"]


def test_same_day_other_values_is_a_conflict_until_overwritten(phone, world, changes):
    results(send(phone, [measurement_entry(world["child"])]))
    m = Measurement.objects.get()
    entry = measurement_entry(world["child"], weight_kg="10.1")
    [conflict] = results(send(phone, [entry]))
    assert conflict["status"] == "conflict"
    assert conflict["server"]["weight_kg"] == "9.40"
    assert conflict["server"]["entered_by"] == "Plkb"
    assert conflict["server"]["z"]["haz"] == pytest.approx(m.haz)
    assert conflict["mine"]["weight_kg"] == "10.1"
    m.refresh_from_db()
    assert (
        str(m.weight_kg) == "9.40"
        and not SyncedEntry.objects.filter(entry_id=entry["id"]).exists()
    )
    changes.clear()
    entry["resolve"] = "overwrite"
    [saved] = results(send(phone, [entry]))
    m.refresh_from_db()
    assert saved["status"] == "saved" and saved["object"]["id"] == m.pk
    assert str(m.weight_kg) == "10.10"
    assert saved["object"]["z"]["waz"] == pytest.approx(m.waz)
    assert m.history.count() == 2
    assert JENGGOT in changes


def test_child_edited_on_the_server_is_a_conflict(phone, world):
    child = world["child"]
    entry = measurement_entry(child)
    entry["child_sex"] = "L"  # the phone read the child as a boy
    [conflict] = results(send(phone, [entry]))
    assert conflict["status"] == "conflict"
    assert conflict["server"]["sex"] == "P" and conflict["mine"]["sex"] == "L"
    assert not Measurement.objects.exists()
    entry["resolve"] = "overwrite"
    [saved] = results(send(phone, [entry]))
    expected = growth.score(
        sex="P",
        age_days=(DAY - BIRTH).days,
        weight_kg=9.4,
        height_cm=76.2,
        measured="lying",
        oedema=False,
    )
    assert saved["object"]["z"]["haz"] == pytest.approx(expected.haz)


def test_dashat_session_and_activity(phone, world, changes):
    session = {
        "id": new_id(),
        "kind": "dashat_session",
        "dashat": world["dashat"].pk,
        "data": {
            "date": DAY.isoformat(),
            "menu": "Nasi, telur, sayur bayam",
            "portions": 25,
            "beneficiaries_present": [world["balita"].pk],
        },
    }
    activity = {
        "id": new_id(),
        "kind": "activity",
        "kampung": world["kampung"].pk,
        "data": {
            "held_on": DAY.isoformat(),
            "title": "Penyuluhan KB",
            "note": "",
            "participants": 30,
        },
    }
    first, second = results(send(phone, [session, activity]))
    saved = DashatSession.objects.get()
    assert first["object"]["id"] == saved.pk
    assert list(saved.beneficiaries_present.all()) == [world["balita"]]
    note = KampungActivity.objects.get()
    assert second["object"]["id"] == note.pk and note.recorded_by == world["plkb"]
    assert note.participants == 30
    # No indicator reads sessions or activity notes: no dashboard refresh is owed.
    assert changes == []
    session["data"]["portions"] = -1
    session["id"] = new_id()
    [refused] = results(send(phone, [session]))
    assert list(refused["errors"]) == ["portions"]


def test_another_desa_is_not_found(phone, world):
    entries = [
        measurement_entry(world["medono_child"]),
        {
            "id": new_id(),
            "kind": "dashat_session",
            "dashat": world["medono_dashat"].pk,
            "data": {"date": DAY.isoformat(), "menu": "x", "portions": 1},
        },
        {
            "id": new_id(),
            "kind": "activity",
            "kampung": world["medono_kampung"].pk,
            "data": {"held_on": DAY.isoformat(), "title": "x"},
        },
        measurement_entry(world["medono_child"], id=None) | {"child": 10**9},
    ]
    got = results(send(phone, entries))
    assert [r["status"] for r in got] == ["refused"] * 4
    assert [list(r["errors"]) for r in got] == [
        ["child"],
        ["dashat"],
        ["kampung"],
        ["child"],
    ]
    assert "tidak ditemukan" in got[0]["errors"]["child"][0]
    assert got[0]["errors"] == got[3]["errors"]
    assert not Measurement.objects.exists() and not KampungActivity.objects.exists()


@pytest.mark.parametrize("role", ["staf", "pimpinan"])
def test_other_roles_get_403_json(client, world, role):
    client.force_login(world[role])
    response = send(client, [measurement_entry(world["child"])])
    assert response.status_code == 403
    assert "PLKB" in response.json()["detail"]
    assert client.get("/lapangan/paket/").status_code == 403
    assert not Measurement.objects.exists()


def test_signed_out_gets_403_json(client, world):
    response = send(client, [measurement_entry(world["child"])])
    assert response.status_code == 403
    assert response.json()["signed_out"] is True
    bundle = client.get("/lapangan/paket/")
    assert bundle.status_code == 403 and bundle.json()["signed_out"] is True


def test_csrf_header_from_the_cookie(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["plkb"])
    refused = send(client, [])
    assert refused.status_code == 403 and refused.json()["csrf"] is True
    client.get("/lapangan/paket/")
    page = client.get("/")
    token = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    assert token is not None
    ok = client.post(
        "/lapangan/sinkron/",
        json.dumps({"entries": []}),
        content_type="application/json",
        headers={"X-CSRFToken": token.value},
    )
    assert ok.status_code == 200 and ok.json()["results"] == []


BAD_BODIES = [
    b"not json",
    b"[1, 2]",
    b'{"entries": {}}',
    b'{"entries": "x"}',
    b'{"device": 5, "entries": []}',
    b'{"entries": [1]}',
    b'{"entries": [{"id": "nope", "kind": "child", "data": {}}]}',
    b'{"entries": [{"id": 5, "kind": "child", "data": {}}]}',
    b'{"entries": [{"kind": "child"}]}',
    b'{"entries": [], "x": "a\\u0000b"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"entries": [' + b",".join([b"{}"] * 201) + b"]}",
    b"\xff\xfe",
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_malformed_requests_are_400_json(phone, body):
    response = phone.post("/lapangan/sinkron/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not SyncedEntry.objects.exists()


def test_wrong_types_inside_entries_are_refused_not_500(phone, world):
    weird = [
        {"id": new_id(), "kind": ["child"], "data": {}},
        {"id": new_id(), "kind": "child", "data": []},
        {"id": new_id(), "kind": "child", "data": {"birth_date": {"a": 1}}},
        {"id": new_id(), "kind": "measurement", "child": "12", "data": {}},
        {"id": new_id(), "kind": "measurement", "child": True, "data": {}},
        {
            "id": new_id(),
            "kind": "measurement",
            "child": None,
            "child_entry": 5,
            "data": {},
        },
        {"id": new_id(), "kind": "dashat_session", "dashat": 1.5, "data": {}},
        {"id": new_id(), "kind": "activity", "kampung": 2**70, "data": {}},
        measurement_entry(world["child"], weight_kg=[1, 2], measured_on=12),
        measurement_entry(world["child"], oedema="maybe", measured=None),
    ]
    got = results(send(phone, weird))
    assert [r["status"] for r in got] == ["refused"] * len(weird)
    assert not Measurement.objects.exists()


def test_method_not_allowed_is_json(phone):
    assert phone.get("/lapangan/sinkron/").status_code == 405
    assert phone.post("/lapangan/paket/").json()["detail"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="A true race needs PostgreSQL; SQLite serialises writes (CI runs "
    "PostgreSQL).",
)
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_save_once(world):
    """Two sends of the same entry at once: the second waits on the unique index."""
    entry = measurement_entry(world["child"])
    answers, barrier = [], threading.Barrier(2)

    def go():
        client = Client()
        client.force_login(world["plkb"])
        barrier.wait()
        try:
            answers.append(results(send(client, [entry]))[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a["replayed"] for a in answers) == [False, True]
    assert answers[0]["object"] == answers[1]["object"]
    assert Measurement.objects.count() == 1 and SyncedEntry.objects.count() == 1


def test_today_is_accepted(phone, world):
    entry = measurement_entry(
        world["child"], measured_on=timezone.localdate().isoformat()
    )
    assert results(send(phone, [entry]))[0]["status"] == "saved"


# Text the database can store: NUL and lone surrogates are the 400s tested above.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON = st.recursive(
    SCALARS | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
KINDS = st.sampled_from(["child", "measurement", "dashat_session", "activity", "x"])


def _entry_strategy():
    fields = st.fixed_dictionaries(
        {"id": st.uuids().map(str), "kind": KINDS},
        optional={
            "data": st.dictionaries(
                st.sampled_from(
                    [
                        "measured_on",
                        "weight_kg",
                        "height_cm",
                        "measured",
                        "oedema",
                        "region",
                        "name",
                        "sex",
                        "birth_date",
                        "date",
                        "menu",
                        "portions",
                        "beneficiaries_present",
                        "held_on",
                        "title",
                    ]
                ),
                JSON,
                max_size=6,
            ),
            "child": JSON,
            "child_entry": JSON,
            "child_sex": JSON,
            "child_birth_date": JSON,
            "resolve": JSON,
            "phone_z": JSON,
            "dashat": JSON,
            "kampung": JSON,
        },
    )
    return fields


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(entries=st.lists(_entry_strategy(), max_size=4))
def test_fuzzed_entries_never_500(phone, entries):
    response = send(phone, entries)
    assert response.status_code == 200, response.content[:300]
    got = response.json()["results"]
    assert [r["id"] for r in got] == [e["id"] for e in entries]
    assert all(r["status"] in ("saved", "refused", "conflict") for r in got)


def test_a_body_over_the_limit_is_400_json(phone, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    entries = [measurement_entry(world["child"]) for _ in range(20)]
    response = send(phone, entries)
    assert response.status_code == 400 and "terlalu besar" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_a_new_child_outside_the_own_desa_is_refused(phone, world):
    entry = {
        "id": new_id(),
        "kind": "child",
        "data": {
            "region": "33.75.01.1002",
            "name": "Citra",
            "sex": "P",
            "birth_date": "2025-01-02",
        },
    }
    [refused] = results(send(phone, [entry]))
    assert list(refused["errors"]) == ["region"]
    assert not Child.objects.filter(name="Citra").exists()
