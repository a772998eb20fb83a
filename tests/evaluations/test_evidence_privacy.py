"""Who uploaded evidence is told only to those who may know the evaluators.

A PLKB reads their desa's evaluation once the cycle is closed, without evaluators'
names; an evaluator sees only their own part. Neither learns who uploaded a file:
not in the API, not on the page, not in the download's headers or file name (the
uploader's own file name often carries a person's name).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from evaluations import services

from .conftest import JENGGOT, participant

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
# The uploader's own file names, naming the evaluator who took them.
PHOTO = "kunjungan eva sitirahma.png"
REPORT = "catatan eva sitirahma.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def evidence(cycle, people):
    """Two files eva attached to Jenggot's scores; then the cycle closes."""
    jenggot = participant(cycle, JENGGOT)
    made = [
        services.evidence_add(
            participant=jenggot,
            uploaded_by=people.eva,
            file=SimpleUploadedFile(name, content),
        )
        for name, content in ((PHOTO, PNG), (REPORT, PDF))
    ]
    services.cycle_close(cycle=cycle)
    return made


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _listed(user):
    response = _api(user).get("/api/evaluation-evidence/")
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()["results"]}


def test_a_plkb_gets_no_uploader_from_the_api(people, evidence):
    photo, report = evidence
    rows = _listed(people.plkb)

    assert set(rows) == {photo.pk, report.pk}
    assert rows[photo.pk]["uploaded_by"] is None
    assert rows[photo.pk]["original_name"] == f"bukti-{photo.pk}.png"
    assert rows[report.pk]["original_name"] == f"bukti-{report.pk}.pdf"
    one = _api(people.plkb).get(f"/api/evaluation-evidence/{photo.pk}/").json()
    assert one["uploaded_by"] is None
    assert "sitirahma" not in str(rows) + str(one)


def test_a_plkb_gets_no_uploader_from_the_downloads(client, people, evidence):
    photo, report = evidence
    client.force_login(people.plkb)
    api = _api(people.plkb)

    responses = [
        client.get(reverse("evaluation-evidence", args=[photo.pk])),
        client.get(reverse("evaluation-evidence", args=[report.pk])),
        api.get(f"/api/evaluation-evidence/{photo.pk}/download/"),
        api.get(f"/api/evaluation-evidence/{report.pk}/download/"),
    ]

    assert [r.status_code for r in responses] == [200] * 4
    for response in responses:
        headers = str(dict(response.headers))
        assert "sitirahma" not in headers, headers
    assert f'filename="bukti-{report.pk}.pdf"' in responses[1]["Content-Disposition"]
    assert f'filename="bukti-{photo.pk}.png"' in responses[2]["Content-Disposition"]
    assert b"".join(responses[0].streaming_content) == PNG


def test_a_plkb_page_lists_the_files_without_their_uploaders_names(
    client, cycle, people, evidence
):
    photo, report = evidence
    client.force_login(people.plkb)
    url = reverse("evaluation-participant", args=[cycle.pk, photo.participant_id])

    html = client.get(url).content.decode()

    assert f"bukti-{photo.pk}.png" in html and f"bukti-{report.pk}.pdf" in html
    assert "sitirahma" not in html


def test_another_evaluator_does_not_learn_who_uploaded(client, cycle, people):
    # evi also scores Jenggot: she reads eva's files, as she does not read eva's scores.
    photo = services.evidence_add(
        participant=participant(cycle, JENGGOT),
        uploaded_by=people.eva,
        file=SimpleUploadedFile(PHOTO, PNG),
    )

    assert _listed(people.evi)[photo.pk]["uploaded_by"] is None
    client.force_login(people.evi)
    download = client.get(reverse("evaluation-evidence", args=[photo.pk]))
    assert "sitirahma" not in download["Content-Disposition"]
    assert _listed(people.eva)[photo.pk]["uploaded_by"] == "eva"  # her own


@pytest.mark.parametrize("who", ["staf", "admin", "pimpinan"])
def test_staff_administrators_and_officials_still_see_the_uploader(
    client, cycle, people, evidence, who
):
    photo, _report = evidence
    user = getattr(people, who)

    row = _listed(user)[photo.pk]
    client.force_login(user)
    download = client.get(reverse("evaluation-evidence", args=[photo.pk]))
    page = client.get(
        reverse("evaluation-participant", args=[cycle.pk, photo.participant_id])
    ).content.decode()

    assert row["uploaded_by"] == "eva"
    assert row["original_name"] == PHOTO
    assert "sitirahma" in download["Content-Disposition"]
    assert PHOTO in page
