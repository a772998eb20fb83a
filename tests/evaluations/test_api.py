"""The evaluations API: same rules as the pages, in JSON."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from evaluations.models import Classification, Score

from .conftest import JENGGOT, KURIPAN, MEDONO, criterion, participant, score_all

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_evaluator_scores_through_the_api(cycle, people):
    jenggot = participant(cycle, JENGGOT)
    body = {
        "participant": jenggot.pk,
        "criterion": criterion(cycle, "I1").pk,
        "value": 3,
        "comment": "Rapat rutin",
    }

    first = _api(people.eva).post("/api/evaluation-scores/", body)
    again = _api(people.eva).post("/api/evaluation-scores/", {**body, "value": 4})

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json()["value"] == 4 and again.json()["evaluator"] == "eva"
    assert Score.objects.get().value == 4


def test_scores_are_refused_for_the_unassigned_the_wrong_role_and_after_close(
    cycle, people
):
    body = {
        "participant": participant(cycle, KURIPAN).pk,
        "criterion": criterion(cycle, "I1").pk,
        "value": 3,
    }
    # evi is not assigned Kuripan Kertoharjo: it does not exist for her.
    assert _api(people.evi).post("/api/evaluation-scores/", body).status_code == 400
    assert _api(people.staf).post("/api/evaluation-scores/", body).status_code == 403
    # The administrator reads everything but scores nothing unassigned.
    assert _api(people.admin).post("/api/evaluation-scores/", body).status_code == 403
    _api(people.staf).post(f"/api/evaluation-cycles/{cycle.pk}/close/")
    locked = _api(people.eva).post("/api/evaluation-scores/", body)
    assert locked.status_code == 400
    assert "terkunci" in str(locked.json())
    assert not Score.objects.exists()


def test_each_role_lists_the_cycles_and_participants_it_may_open(cycle, people):
    everyone = {p.pk for p in cycle.participants.all()}
    evi = {participant(cycle, JENGGOT).pk, participant(cycle, MEDONO).pk}
    for user, participants in [
        (people.staf, everyone),
        (people.pimpinan, everyone),
        (people.eva, everyone),
        (people.evi, evi),
        (people.plkb, set()),  # not before the close
    ]:
        api = _api(user)
        assert _ids(api.get("/api/evaluation-participants/")) == participants
        expected_cycles = {cycle.pk} if participants else set()
        assert _ids(api.get("/api/evaluation-cycles/")) == expected_cycles


def test_an_evaluator_sees_only_their_own_scores(cycle, people):
    score_all(cycle, JENGGOT, people.eva, {"I1": 1})
    score_all(cycle, JENGGOT, people.evi, {"I1": 3})

    rows = _api(people.evi).get("/api/evaluation-scores/").json()["results"]
    staff_rows = _api(people.staf).get("/api/evaluation-scores/").json()["results"]

    assert [(r["evaluator"], r["value"]) for r in rows] == [("evi", 3)]
    assert len(staff_rows) == 2


def test_staff_run_a_cycle_through_the_api(kota, kampungs, people):
    staf = _api(people.staf)
    created = staf.post(
        "/api/evaluation-cycles/",
        {
            "region": "33.75",
            "name": "Evaluasi API",
            "year": 2025,
            "evaluated_on": "2025-04-29",
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assigned = staf.post(
        f"/api/evaluation-cycles/{pk}/evaluators/",
        {"evaluator": "eva", "kampungs": [kampungs[JENGGOT].pk]},
    )
    assert assigned.json() == {"evaluator": "eva", "kampungs": [kampungs[JENGGOT].pk]}
    opened = staf.post(f"/api/evaluation-cycles/{pk}/open/")
    assert opened.json()["status"] == "open"
    criteria = _api(people.eva).get("/api/evaluation-criteria/", {"cycle": pk}).json()
    jenggot = _api(people.eva).get("/api/evaluation-participants/").json()["results"]
    assert len(jenggot) == 1 and criteria["count"] == 12
    for row in criteria["results"]:
        response = _api(people.eva).post(
            "/api/evaluation-scores/",
            {"participant": jenggot[0]["id"], "criterion": row["id"], "value": 4},
        )
        assert response.status_code == 201
    assert staf.post(f"/api/evaluation-cycles/{pk}/close/").json()["status"] == "closed"

    results = staf.get(f"/api/evaluation-cycles/{pk}/results/").json()
    first = results[0]
    assert (first["kampung"], first["total"], first["rank"]) == (
        kampungs[JENGGOT].pk,
        "100.00",
        1,
    )
    assert first["eligible"] is True and first["suggested_level"] == "berkelanjutan"
    assert [r["rank"] for r in results[1:]] == [None, None, None]
    accepted = staf.post(
        f"/api/evaluation-participants/{jenggot[0]['id']}/accept-suggestion/", {}
    )
    assert accepted.status_code == 200, accepted.content
    entry = Classification.objects.get(pk=accepted.json()["accepted_classification"])
    assert entry.basis == "evaluation" and "Evaluasi API" in entry.decision_ref
    assert (
        _api(people.eva).get(f"/api/evaluation-cycles/{pk}/results/").status_code == 403
    )


def test_pimpinan_reads_but_does_not_manage(cycle, people):
    api = _api(people.pimpinan)
    assert api.get(f"/api/evaluation-cycles/{cycle.pk}/results/").status_code == 200
    assert api.post(f"/api/evaluation-cycles/{cycle.pk}/close/").status_code == 403
    assert (
        api.patch(f"/api/evaluation-cycles/{cycle.pk}/", {"name": "X"}).status_code
        == 403
    )


def test_evidence_is_uploaded_and_downloaded_through_the_api(
    cycle, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    jenggot = participant(cycle, JENGGOT)

    response = _api(people.eva).post(
        "/api/evaluation-evidence/",
        {"participant": jenggot.pk, "file": SimpleUploadedFile("foto.png", PNG)},
        format="multipart",
    )
    refused = _api(people.eva).post(
        "/api/evaluation-evidence/",
        {"participant": jenggot.pk, "file": SimpleUploadedFile("a.png", b"GIF89a")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert refused.status_code == 400 and "file" in refused.json()
    pk = response.json()["id"]
    download = _api(people.staf).get(f"/api/evaluation-evidence/{pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    outsider = _api(people.plkb).get(f"/api/evaluation-evidence/{pk}/download/")
    assert outsider.status_code == 404


def test_krppa_and_awards_through_the_api(cycle, kampungs, people):
    staf = _api(people.staf)
    jenggot = participant(cycle, JENGGOT)

    krppa = staf.post(
        f"/api/evaluation-participants/{jenggot.pk}/krppa/", {"linked": True}
    )
    award = staf.post(
        "/api/awards/",
        {
            "kampung": kampungs[JENGGOT].pk,
            "level": "provinsi",
            "title": "Juara II",
            "rank": 2,
            "year": 2024,
        },
    )

    assert krppa.json()["krppa_linked"] is True
    assert award.status_code == 201, award.content
    assert _api(people.pimpinan).get("/api/awards/").json()["count"] == 1
    assert _api(people.eva).get("/api/awards/").json()["count"] == 0
    assert (
        _api(people.pimpinan)
        .post("/api/awards/", {**award.json(), "id": None})
        .status_code
        == 403
    )


def test_a_plkb_reads_their_desas_scores_after_the_close_without_names(cycle, people):
    score_all(cycle, JENGGOT, people.eva, {"I1": 3}, comment="Pokja aktif")
    score_all(cycle, MEDONO, people.eva, {"I1": 1})
    assert _api(people.plkb).get("/api/evaluation-scores/").json()["count"] == 0

    _api(people.staf).post(f"/api/evaluation-cycles/{cycle.pk}/close/")

    rows = _api(people.plkb).get("/api/evaluation-scores/").json()["results"]
    assert [(r["value"], r["comment"], r["evaluator"]) for r in rows] == [
        (3, "Pokja aktif", None)
    ]
