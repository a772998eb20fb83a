import datetime

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from villages.models import ClassificationLevel, KampungKB, Region

from .conftest import BANYURIP, JENGGOT, MEDONO


def _codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["region"] for row in response.json()["results"])


def test_plkb_lists_only_the_kampung_of_their_kecamatan(api, registry):
    assert _codes(api("plkb").get("/api/kampung/")) == [BANYURIP, JENGGOT]
    assert _codes(api("staf").get("/api/kampung/")) == [MEDONO, BANYURIP, JENGGOT]


def test_a_kampung_outside_the_scope_does_not_exist(api, registry):
    medono = registry[MEDONO]
    assert api("plkb").get(f"/api/kampung/{medono.pk}/").status_code == 404
    assert api("plkb").patch(f"/api/kampung/{medono.pk}/", {}).status_code == 404
    assert api("evaluator").get(f"/api/kampung/{medono.pk}/").status_code == 404
    assert api("evaluator").get("/api/kampung/").json()["count"] == 0


def test_plkb_changes_their_desa_but_only_reads_the_rest_of_the_kecamatan(
    api, registry
):
    plkb = api("plkb")
    jenggot, banyurip = registry[JENGGOT], registry[BANYURIP]

    ok = plkb.patch(
        f"/api/kampung/{jenggot.pk}/",
        {"version": jenggot.version, "rumah_dataku": "lengkap"},
    )
    refused = plkb.patch(
        f"/api/kampung/{banyurip.pk}/",
        {"version": banyurip.version, "rumah_dataku": "lengkap"},
    )

    assert ok.status_code == 200, ok.content
    assert ok.json()["rumah_dataku"] == "lengkap"
    assert ok.json()["version"] == jenggot.version + 1
    assert ok.json()["current_level"] == "dasar"
    assert refused.status_code == 403
    banyurip.refresh_from_db()
    assert banyurip.rumah_dataku == "none"


def test_pimpinan_reads_but_cannot_change(api, registry):
    pimpinan = api("pimpinan")
    medono = registry[MEDONO]

    assert pimpinan.get(f"/api/kampung/{medono.pk}/").status_code == 200
    response = pimpinan.patch(
        f"/api/kampung/{medono.pk}/", {"version": medono.version, "name": "Baru"}
    )

    assert response.status_code == 403
    medono.refresh_from_db()
    assert medono.name == "Kampung KB Medono"


def test_a_save_from_a_stale_version_is_refused_with_409(api, registry):
    staf = api("staf")
    kampung = registry[MEDONO]
    read = staf.get(f"/api/kampung/{kampung.pk}/").json()
    first = staf.patch(
        f"/api/kampung/{kampung.pk}/", {"version": read["version"], "name": "Pertama"}
    )

    second = staf.patch(
        f"/api/kampung/{kampung.pk}/", {"version": read["version"], "name": "Kedua"}
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert "diubah orang lain" in second.json()["detail"]
    kampung.refresh_from_db()
    assert (kampung.name, kampung.version) == ("Pertama", read["version"] + 1)


def test_a_patch_without_version_is_refused(api, registry):
    kampung = registry[MEDONO]
    response = api("staf").patch(f"/api/kampung/{kampung.pk}/", {"name": "Baru"})
    assert response.status_code == 400
    assert set(response.json()) == {"version"}


def test_invalid_input_answers_400_with_a_message_per_field(api, registry):
    staf = api("staf")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)

    nothing = staf.post("/api/kampung/", {})
    future = staf.post(
        "/api/kampung/",
        {"region": "33.75.02.1002", "formed_on": tomorrow.isoformat()},
    )
    not_desa = staf.post(
        "/api/kampung/", {"region": "33.75.02", "formed_on": "2023-06-07"}
    )
    taken = staf.post("/api/kampung/", {"region": MEDONO, "formed_on": "2023-06-07"})
    bad_level = staf.post(
        "/api/classifications/",
        {
            "kampung": registry[MEDONO].pk,
            "level": "istimewa",
            "effective_on": "2024-01-01",
            "basis": "sk",
        },
    )
    no_seksi = staf.post(
        "/api/pokja/",
        {"kampung": registry[MEDONO].pk, "role": "ketua_seksi", "name": "Siti"},
    )

    assert nothing.status_code == 400
    assert set(nothing.json()) == {"region", "formed_on"}
    assert future.status_code == 400
    assert "masa depan" in future.json()["formed_on"][0]
    assert not_desa.status_code == 400
    assert "desa/kelurahan" in " ".join(not_desa.json()["region"])
    assert taken.status_code == 400
    assert taken.json()["region"] == ["Desa/kelurahan ini sudah memiliki Kampung KB."]
    assert bad_level.status_code == 400
    assert set(bad_level.json()) == {"level"}
    assert no_seksi.status_code == 400
    assert "Seksi wajib diisi" in no_seksi.json()["non_field_errors"][0]
    assert KampungKB.objects.count() == 3


def test_malformed_json_is_a_400(api, registry):
    response = api("staf").generic(
        "POST", "/api/kampung/", '{"region": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_kampung_kb_is_deactivated_never_deleted(api, registry):
    staf = api("staf")
    kampung = registry[MEDONO]

    deleted = staf.delete(f"/api/kampung/{kampung.pk}/")
    by_plkb = api("plkb").post(
        f"/api/kampung/{registry[JENGGOT].pk}/deactivate/",
        {"deactivated_on": "2025-01-02", "deactivation_reason": "Digabung"},
    )
    deactivated = staf.post(
        f"/api/kampung/{kampung.pk}/deactivate/",
        {"deactivated_on": "2025-01-02", "deactivation_reason": "Digabung"},
    )

    assert deleted.status_code == 405
    assert by_plkb.status_code == 403
    assert deactivated.status_code == 200
    assert deactivated.json()["is_active"] is False
    assert _codes(staf.get("/api/kampung/?active=false")) == [MEDONO]
    assert _codes(staf.get("/api/kampung/?active=true")) == [BANYURIP, JENGGOT]


def test_staff_create_only_in_their_region(api, registry, kab_pekalongan):
    desa_in_kota = {"region": "33.75.02.1002", "formed_on": "2023-06-07"}
    desa_in_kabupaten = {"region": "33.26.01.2001", "formed_on": "2023-06-07"}

    created = api("staf").post("/api/kampung/", desa_in_kota)
    elsewhere = api("staf").post("/api/kampung/", desa_in_kabupaten)
    by_pimpinan = api("pimpinan").post(
        "/api/kampung/", {**desa_in_kota, "region": "33.75.02.1004"}
    )

    assert created.status_code == 201, created.content
    assert created.json()["name"] == "Kampung KB Noyontaansari"
    assert created.json()["current_level"] is None
    # A region outside the user's scope does not exist for them.
    assert elsewhere.status_code == 400
    assert set(elsewhere.json()) == {"region"}
    assert by_pimpinan.status_code == 403


def test_filters_by_region_prefix_classification_and_year(api, registry):
    staf = api("staf")
    KampungKB.objects.filter(pk=registry[JENGGOT].pk).update(
        formed_on=datetime.date(2022, 3, 1)
    )

    assert _codes(staf.get("/api/kampung/?region=33.75.04&classification=dasar")) == [
        JENGGOT
    ]
    assert _codes(staf.get("/api/kampung/?classification=mandiri")) == [BANYURIP]
    assert _codes(staf.get("/api/kampung/?year=2022")) == [JENGGOT]
    assert _codes(staf.get("/api/kampung/?region=33.75.01")) == [MEDONO]
    # A code is not a text prefix: 33.7 is no region, and has nothing under it.
    assert _codes(staf.get("/api/kampung/?region=33.7")) == []
    assert staf.get("/api/kampung/?classification=istimewa").status_code == 400
    assert staf.get("/api/kampung/?year=99999").status_code == 400


def test_paripurna_is_berkelanjutan(api, registry):
    staf = api("staf")
    entry = staf.post(
        "/api/classifications/",
        {
            "kampung": registry[MEDONO].pk,
            "level": "paripurna",
            "effective_on": "2024-07-30",
            "basis": "sk",
        },
    )

    assert entry.status_code == 201, entry.content
    assert entry.json()["level"] == ClassificationLevel.BERKELANJUTAN
    assert _codes(staf.get("/api/kampung/?classification=paripurna")) == [MEDONO]
    assert _codes(staf.get("/api/kampung/?classification=berkelanjutan")) == [MEDONO]


def test_region_code_filter_returns_the_region_and_everything_below(api, registry):
    response = api("staf").get("/api/regions/?code=33.75.04&page_size=100")

    codes = [row["code"] for row in response.json()["results"]]
    assert codes[0] == "33.75.04"
    assert len(codes) == 7
    assert all(code.startswith("33.75.04") for code in codes)
    assert api("plkb").get("/api/regions/33.75.01/").status_code == 404
    assert api("plkb").get("/api/regions/33.75.04/").json()["name"] == (
        "Pekalongan Selatan"
    )


def test_proposal_is_made_by_plkb_and_decided_by_staff(api, registry, users):
    plkb, staf = api("plkb"), api("staf")
    jenggot = registry[JENGGOT]

    proposal = plkb.post(
        "/api/proposals/",
        {
            "kampung": jenggot.pk,
            "level": "berkembang",
            "effective_on": "2024-06-01",
            "reason": "Semua seksi aktif.",
        },
    )
    pk = proposal.json()["id"]
    self_approval = plkb.post(f"/api/proposals/{pk}/approve/", {})
    rejection_without_reason = staf.post(f"/api/proposals/{pk}/reject/", {})
    approval = staf.post(f"/api/proposals/{pk}/approve/", {})

    assert proposal.status_code == 201, proposal.content
    assert proposal.json()["status"] == "pending"
    assert self_approval.status_code == 403
    assert rejection_without_reason.status_code == 400
    assert set(rejection_without_reason.json()) == {"decision_note"}
    assert approval.status_code == 200
    assert approval.json()["status"] == "approved"
    kampung = staf.get(f"/api/kampung/{jenggot.pk}/").json()
    assert kampung["current_level"] == "berkembang"


def test_pokja_and_program_writes_are_edits_of_the_kampung(api, registry):
    plkb = api("plkb")
    jenggot = registry[JENGGOT]

    member = plkb.post(
        "/api/pokja/", {"kampung": jenggot.pk, "role": "ketua", "name": "Siti"}
    )
    program = plkb.post(
        "/api/programs/", {"kampung": jenggot.pk, "program": "bpjs", "agency": "BPJS"}
    )
    elsewhere = plkb.post(
        "/api/programs/", {"kampung": registry[BANYURIP].pk, "program": "bpjs"}
    )
    renamed = plkb.patch(f"/api/pokja/{member.json()['id']}/", {"name": "Siti A."})
    removed = plkb.delete(f"/api/programs/{program.json()['id']}/")

    assert member.status_code == 201, member.content
    assert program.status_code == 201, program.content
    assert elsewhere.status_code == 403
    assert renamed.json() == {**member.json(), "name": "Siti A."}
    assert removed.status_code == 204
    jenggot.refresh_from_db()
    assert jenggot.version == 5
    assert list(jenggot.pokja.values_list("name", flat=True)) == ["Siti A."]
    assert not jenggot.programs.exists()


def test_launches_targets_and_assignments_are_staff_work(api, registry, users):
    staf, plkb = api("staf"), api("plkb")
    launch = {
        "date": "2023-06-07",
        "organizer": "33.75.02",
        "place": "Aula Kecamatan Pekalongan Timur",
        "kampungs": [registry[MEDONO].pk],
    }

    own_kecamatan = {**launch, "organizer": "33.75.04", "kampungs": []}
    assert plkb.post("/api/launches/", own_kecamatan).status_code == 403
    created = staf.post("/api/launches/", launch)
    assert created.status_code == 201, created.content
    moved = staf.patch(f"/api/launches/{created.json()['id']}/", {"place": "Balai"})
    assert moved.json() == {**created.json(), "place": "Balai"}
    # The PLKB reads a launch only where one of its Kampung KB lies.
    assert plkb.get("/api/launches/").json()["count"] == 0

    target = {"region": "33.75", "year": 2023, "new_count": 13}
    assert staf.post("/api/targets/", target).status_code == 201
    replaced = staf.post("/api/targets/", {**target, "new_count": 14})
    assert replaced.status_code == 200
    assert replaced.json()["new_count"] == 14
    assert api("pimpinan").post("/api/targets/", target).status_code == 403
    for year in (0, 2013, 2101):
        refused = staf.post("/api/targets/", {**target, "year": year})
        assert refused.status_code == 400 and "year" in refused.json(), year

    officer = users["plkb"].field_officer.pk
    assignment = staf.post(
        "/api/assignments/", {"officer": officer, "region": BANYURIP}
    )
    assert assignment.status_code == 201, assignment.content
    assert sorted(api("staf").get(f"/api/officers/{officer}/").json()["regions"]) == [
        BANYURIP,
        JENGGOT,
    ]
    assert staf.delete(f"/api/assignments/{assignment.json()['id']}/").status_code == (
        204
    )


def test_me_tells_role_regions_and_actions(api, registry):
    me = api("plkb").get("/api/me/").json()

    assert me["role"] == "plkb"
    assert [r["code"] for r in me["read_regions"]] == ["33.75.04"]
    assert [r["code"] for r in me["write_regions"]] == [JENGGOT]
    assert "kampung.change" in me["actions"]
    assert "proposal.decide" not in me["actions"]
    assert "password" not in str(me)
    assert api("admin").get("/api/me/").json()["read_regions"] is None


def test_anonymous_requests_get_401(db):
    response = APIClient().get("/api/kampung/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_sign_in_works_for_the_api(client, users, registry):
    client.force_login(users["staf"])
    assert client.get("/api/kampung/").json()["count"] == 3


@pytest.fixture
def password_user(users):
    user = users["staf"]
    user.set_password("Rahasia-Kampung-9")
    user.save()
    return user


def test_token_is_given_for_the_right_password(password_user, registry):
    client = APIClient()
    wrong = client.post(
        "/api/token/", {"username": "staf", "password": "salah"}, format="json"
    )
    right = client.post(
        "/api/token/",
        {"username": "staf", "password": "Rahasia-Kampung-9"},
        format="json",
    )

    assert wrong.status_code == 400
    assert "token" not in wrong.json()
    assert right.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert client.get("/api/me/").json()["username"] == "staf"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_token_endpoint_honours_the_login_lockout(password_user):
    client = APIClient()
    for _ in range(3):
        client.post("/api/token/", {"username": "staf", "password": "salah"})

    locked = client.post(
        "/api/token/", {"username": "staf", "password": "Rahasia-Kampung-9"}
    )

    assert locked.status_code == 429
    assert "Terlalu banyak percobaan" in locked.json()["detail"]
    assert "token" not in locked.json()


def test_region_of_a_new_kampung_must_exist(api, registry):
    response = api("staf").post(
        "/api/kampung/", {"region": "33.75.02.9999", "formed_on": "2023-06-07"}
    )
    assert response.status_code == 400
    assert not Region.objects.filter(code="33.75.02.9999").exists()


def test_text_that_cannot_be_stored_is_refused_with_400(api, registry):
    lone_surrogate = (
        b'{"kampung": %d, "role": "ketua", "name": "\\ud800"}' % registry[MEDONO].pk
    )
    response = api("staf").generic(
        "POST", "/api/pokja/", lone_surrogate, content_type="application/json"
    )
    nul = api("staf").post(
        "/api/kampung/", {"region": "33.75\x00", "formed_on": "2023-06-07"}
    )

    assert response.status_code == 400
    assert nul.status_code == 400
    assert set(nul.json()) == {"region"}


def test_token_refuses_a_username_longer_than_any_account(db):
    response = APIClient().post(
        "/api/token/", {"username": "u" * 300, "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"username"}
