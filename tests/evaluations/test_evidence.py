"""Evidence files: type and size limits by content, random storage, served in scope."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations import services
from evaluations.models import Evidence
from kampungkb.models import Role
from villages.models import Region

from .conftest import JENGGOT, KURIPAN, criterion, make_user, participant

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _add(cycle, people, name, content, code=JENGGOT, user=None):
    return services.evidence_add(
        participant=participant(cycle, code),
        uploaded_by=user or people.eva,
        file=_upload(name, content),
        criterion=criterion(cycle, "I1"),
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Foto sekretariat.JPG", JPEG, "image/jpeg"),
        ("denah.png", PNG, "image/png"),
        ("SK Pokja.pdf", PDF, "application/pdf"),
    ],
)
def test_pdf_jpeg_and_png_are_stored_under_a_random_name(
    cycle, people, media, name, content, content_type
):
    evidence = _add(cycle, people, name, content)

    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.size == len(content)
    stored = evidence.file.name
    assert re.fullmatch(
        rf"evaluations/evidence/{cycle.pk}/[0-9a-f]{{32}}\.(jpg|png|pdf)", stored
    ), stored
    assert (media / stored).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("laporan.pdf", b"<html><script>alert(1)</script></html>", "Hanya berkas PDF"),
        ("foto.pdf", PNG, "tidak sesuai dengan ekstensinya"),
        ("program.exe", PDF, "tidak sesuai dengan ekstensinya"),
        ("tanpa-ekstensi", JPEG, "tidak sesuai dengan ekstensinya"),
        ("kosong.pdf", b"", "kosong"),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(
    cycle, people, media, name, content, reason
):
    with pytest.raises(ValidationError, match=reason):
        _add(cycle, people, name, content)
    assert not Evidence.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_file_above_5_mb_is_refused_and_one_at_5_mb_accepted(cycle, people, media):
    limit = 5 * 1024 * 1024
    with pytest.raises(ValidationError, match="lebih dari 5 MB"):
        _add(cycle, people, "besar.pdf", PDF + b"0" * (limit + 1 - len(PDF)))
    assert not list(media.rglob("*.pdf"))

    evidence = _add(cycle, people, "pas.pdf", PDF + b"0" * (limit - len(PDF)))
    assert evidence.size == limit


def test_only_an_assigned_evaluator_adds_evidence_while_the_cycle_is_open(
    cycle, people
):
    with pytest.raises(PermissionDenied):
        _add(cycle, people, "a.png", PNG, code=KURIPAN, user=people.evi)
    services.cycle_close(cycle=cycle)
    with pytest.raises(ValidationError, match="terkunci"):
        _add(cycle, people, "a.png", PNG)
    assert not Evidence.objects.exists()


def test_the_page_uploads_evidence_and_lists_it(client, cycle, people):
    jenggot = participant(cycle, JENGGOT)
    client.force_login(people.eva)

    response = client.post(
        reverse("evaluation-evidence-upload", args=[cycle.pk, jenggot.pk]),
        {"file": _upload("foto kegiatan.png", PNG), "criterion": ""},
        follow=True,
    )

    text = response.content.decode()
    assert "Bukti dukung diunggah." in text and "foto kegiatan.png" in text
    refused = client.post(
        reverse("evaluation-evidence-upload", args=[cycle.pk, jenggot.pk]),
        {"file": _upload("skrip.png", b"#!/bin/sh\nrm -rf /\n")},
        follow=True,
    )
    assert "Hanya berkas PDF, JPEG, atau PNG" in refused.content.decode()
    assert Evidence.objects.count() == 1


def _status(client, user, evidence):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(reverse("evaluation-evidence", args=[evidence.pk])).status_code


def test_evidence_is_served_only_to_those_who_may_open_the_kampung_kb(
    client, cycle, people, kab_pekalongan
):
    evidence = _add(cycle, people, "foto.png", PNG)
    other_kabkota = make_user("staf.kab", Role.STAF, [kab_pekalongan])
    kecamatan_official = make_user(
        "camat.barat", Role.PIMPINAN, [Region.objects.get(code="33.75.01")]
    )

    assert _status(client, people.eva, evidence) == 200  # uploaded it
    assert _status(client, people.evi, evidence) == 200  # also scores Jenggot
    assert _status(client, people.staf, evidence) == 200
    assert _status(client, people.pimpinan, evidence) == 200
    assert _status(client, people.admin, evidence) == 200
    assert _status(client, other_kabkota, evidence) == 404
    assert _status(client, kecamatan_official, evidence) == 404  # Jenggot is Selatan
    assert _status(client, people.plkb, evidence) == 404  # not before the close
    assert _status(client, None, evidence) == 302  # to the sign-in page

    services.cycle_close(cycle=cycle)
    assert _status(client, people.plkb, evidence) == 200


def test_an_evaluator_does_not_get_evidence_of_kampung_kb_not_assigned(
    client, cycle, people
):
    kuripan = _add(cycle, people, "kuripan.png", PNG, code=KURIPAN)
    assert _status(client, people.evi, kuripan) == 404


def test_evidence_is_sent_safely_and_never_from_media_url(client, cycle, people):
    image = _add(cycle, people, "foto.png", PNG)
    pdf = _add(cycle, people, "SK.pdf", PDF)
    client.force_login(people.staf)

    shown = client.get(reverse("evaluation-evidence", args=[image.pk]))
    downloaded = client.get(reverse("evaluation-evidence", args=[pdf.pk]))

    assert shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == PNG
    assert shown["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "private" in shown["Cache-Control"]
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert client.get("/media/" + image.file.name).status_code == 404


def test_the_uploader_removes_their_evidence_while_open(
    client, cycle, people, media, django_capture_on_commit_callbacks
):
    evidence = _add(cycle, people, "salah.png", PNG)
    stored = media / evidence.file.name
    client.force_login(people.evi)
    client.post(reverse("evaluation-evidence-delete", args=[evidence.pk]))
    assert Evidence.objects.filter(pk=evidence.pk).exists()  # not evi's file

    client.force_login(people.eva)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation-evidence-delete", args=[evidence.pk]))

    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not stored.exists()
