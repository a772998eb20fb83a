"""The Kampung KB register from a spreadsheet (issue 12, item 5): template, page, API,
command; every problem by row and column; all or nothing; a re-import changes nothing."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kampungkb.models import Role, User
from tests.factories import FieldOfficerFactory
from villages.models import (
    Classification,
    ClassificationLevel,
    KampungKB,
    OfficerAssignment,
    Region,
    RegionLevel,
)
from villages.register import register_import

LAUNCH = datetime.date(2024, 7, 30)  # Kabupaten Pekalongan's 285 Kampung KB (seed 002)
HEADER = [
    "Kode wilayah",
    "Desa/Kelurahan",
    "Kecamatan",
    "Nama Kampung KB",
    "Tanggal pencanangan",
    "Nomor SK",
    "Tanggal SK",
    "Klasifikasi",
    "Tanggal klasifikasi",
    "PLKB (nama pengguna)",
    "Web Kampung KB terisi",
    "Tahun K/0 SIGA terisi",
    "Rumah DataKu",
    "Terintegrasi KRPPA",
]
KLESEM = "33.26.01.2001"


def xlsx(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(code="", *, desa="", kecamatan="", level="dasar", plkb="", **cells):
    values = {
        "Kode wilayah": code,
        "Desa/Kelurahan": desa,
        "Kecamatan": kecamatan,
        "Tanggal pencanangan": LAUNCH,  # a real date cell, as Excel keeps it
        "Nomor SK": "400/0730/2024",
        "Tanggal SK": "2024-07-29",
        "Klasifikasi": level,
        "PLKB (nama pengguna)": plkb,
        **cells,
    }
    return [values.get(name, "") for name in HEADER]


@pytest.fixture
def desa(kab_pekalongan):
    return list(
        Region.objects.filter(level=RegionLevel.DESA, code__startswith="33.26.")
        .select_related("kecamatan")
        .order_by("code")
    )


@pytest.fixture
def staf(kab_pekalongan):
    user = User.objects.create_user("staf.kab", role=Role.STAF)
    user.regions.set([kab_pekalongan])
    return user


@pytest.fixture
def page(client, staf):
    client.force_login(staf)
    return client


def upload(client, data, *, save_valid_only=False, name="register.xlsx"):
    body = {"file": SimpleUploadedFile(name, data)}
    if save_valid_only:
        body["save_valid_only"] = "on"
    return client.post(reverse("register-upload"), body)


def counts(response):
    html = response.content.decode()
    return {
        key: int(re.search(rf'id="count-{key}">(\d+)<', html)[1])
        for key in ("rows", "created", "updated", "unchanged", "refused")
    }


def problems(response):
    return [(p["row"], p["column"]) for p in response.context["report"].problems]


def register_285(desa):
    levels = (
        ["paripurna"] * 12 + ["mandiri"] * 7 + ["berkembang"] * 22 + ["dasar"] * 244
    )
    return [row(d.code, level=level) for d, level in zip(desa, levels, strict=True)]


def test_the_285_kampung_kb_of_kabupaten_pekalongan_load_from_the_template(
    page, desa, staf
):
    template = page.get(reverse("register-template"))
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header == HEADER
    guide = "\n".join(
        " ".join(str(v) for v in r if v) for r in book.worksheets[1].values
    )
    assert "paripurna" in guide and "berkelanjutan" in guide and "Contoh" in guide
    assert len(desa) == 285

    data = xlsx(register_285(desa), header=header)
    response = upload(page, data)

    assert response.status_code == 200
    assert counts(response) == {
        "rows": 285,
        "created": 285,
        "updated": 0,
        "unchanged": 0,
        "refused": 0,
    }
    assert KampungKB.objects.filter(formed_on=LAUNCH).count() == 285
    levels = dict(
        KampungKB.objects.with_current_level()
        .values_list("current_level")
        .annotate(n=Count("id"))
        .values_list("current_level", "n")
    )
    assert levels == {
        ClassificationLevel.BERKELANJUTAN: 12,
        ClassificationLevel.MANDIRI: 7,
        ClassificationLevel.BERKEMBANG: 22,
        ClassificationLevel.DASAR: 244,
    }
    # History: each new record was written by the uploader.
    assert KampungKB.history.filter(history_type="+").count() == 285
    assert set(KampungKB.history.values_list("history_user", flat=True)) == {staf.pk}
    assert set(Classification.history.values_list("history_user", flat=True)) == {
        staf.pk
    }

    # The same file again changes nothing.
    history_rows = KampungKB.history.count() + Classification.history.count()
    again = upload(page, data)
    assert counts(again) == {
        "rows": 285,
        "created": 0,
        "updated": 0,
        "unchanged": 285,
        "refused": 0,
    }
    assert KampungKB.history.count() + Classification.history.count() == history_rows
    assert Classification.objects.count() == 285


def test_a_file_with_errors_saves_nothing_and_names_each_row_and_column(page, desa):
    rows = [
        row(desa[0].code),
        row(desa[1].code, level="istimewa"),
        row(desa[2].code, **{"Tanggal pencanangan": "30 Juli kemarin"}),
        row("99.99.99.9999"),
        row(desa[4].code, **{"Web Kampung KB terisi": "mungkin"}),
        row(desa[5].code, **{"Tanggal pencanangan": "2015-01-01"}),
    ]

    response = upload(page, xlsx(rows))

    assert problems(response) == [
        (3, "Klasifikasi"),
        (4, "Tanggal pencanangan"),
        (5, "Kode wilayah"),
        (6, "Web Kampung KB terisi"),
        # The model's rule, through the service: before the programme began.
        (7, "Tanggal pencanangan"),
    ]
    assert "Tidak ada yang disimpan" in response.content.decode()
    assert counts(response)["created"] == 0
    assert not KampungKB.objects.exists()

    # Save the valid rows only: the first row goes in, the rest are listed.
    response = upload(page, xlsx(rows), save_valid_only=True)
    assert counts(response)["created"] == 1
    assert counts(response)["refused"] == 5
    assert list(KampungKB.objects.values_list("region", flat=True)) == [desa[0].code]


def test_a_missing_column_is_named(page, desa):
    response = upload(page, xlsx([["x"]], header=["Kode wilayah", "Nama Kampung KB"]))

    assert problems(response) == [(1, "Tanggal pencanangan")]
    assert not KampungKB.objects.exists()


def test_a_desa_outside_the_uploaders_regions_is_refused(page, desa, kota_pekalongan):
    response = upload(page, xlsx([row(desa[0].code), row("33.75.04.1004")]))

    assert problems(response) == [(3, "Kode wilayah")]
    assert "di luar wilayah kerja Anda" in response.content.decode()
    assert not KampungKB.objects.exists()


def test_rows_by_desa_and_kecamatan_name(page, desa):
    klesem = next(d for d in desa if d.code == KLESEM)
    response = upload(
        page,
        xlsx(
            [
                row(desa=f"  {klesem.name.upper()} ", kecamatan=klesem.kecamatan.name),
                row(desa="Tidak Ada", kecamatan=klesem.kecamatan.name),
            ]
        ),
        save_valid_only=True,
    )

    assert problems(response) == [(3, "Desa/Kelurahan")]
    assert list(KampungKB.objects.values_list("region", flat=True)) == [KLESEM]


def test_a_name_shared_by_two_desa_is_an_error_naming_both(page, desa):
    # Two desa of one kecamatan with the same name: make one by renaming.
    first, second = desa[0], desa[1]
    Region.objects.filter(code=second.code).update(name=first.name)

    response = upload(
        page, xlsx([row(desa=first.name, kecamatan=first.kecamatan.name)])
    )

    [message] = [p["message"] for p in response.context["report"].problems]
    assert first.code in message and second.code in message
    assert not KampungKB.objects.exists()


def test_a_changed_row_updates_through_the_services_and_keeps_history(page, desa):
    upload(page, xlsx([row(desa[0].code, level="dasar")]))

    changed = row(
        desa[0].code,
        level="berkembang",
        **{"Tanggal klasifikasi": "2025-01-15", "Rumah DataKu": "lengkap"},
    )
    response = upload(page, xlsx([changed]))

    assert counts(response)["updated"] == 1
    kampung = KampungKB.objects.get()
    assert kampung.rumah_dataku == "lengkap"
    assert kampung.current_classification().level == ClassificationLevel.BERKEMBANG
    assert kampung.classifications.count() == 2
    assert kampung.history.filter(history_type="~").exists()
    # And the same changed file again changes nothing more.
    assert counts(upload(page, xlsx([changed])))["unchanged"] == 1


def test_plkb_usernames_are_assigned_to_their_desa(page, desa, staf):
    plkb = User.objects.create_user("plkb.kab", role=Role.PLKB)
    officer = FieldOfficerFactory(user=plkb)
    OfficerAssignment.objects.create(officer=officer, region=desa[3])
    User.objects.create_user("pimpinan.kab", role=Role.PIMPINAN).regions.set(
        [desa[0].kabkota]
    )

    response = upload(
        page,
        xlsx(
            [
                row(desa[0].code, plkb="plkb.kab"),
                row(desa[1].code, plkb="pimpinan.kab"),
                row(desa[2].code, plkb="nobody"),
            ]
        ),
        save_valid_only=True,
    )

    assert problems(response) == [
        (3, "PLKB (nama pengguna)"),
        (4, "PLKB (nama pengguna)"),
    ]
    assert set(officer.assignments.values_list("region", flat=True)) == {
        desa[0].code,
        desa[3].code,
    }


def test_no_file_gives_a_server_error(page, desa):
    for name, data in [
        ("register.xlsx", b"PK\x03\x04 not a zip"),
        ("register.csv", b"\xff\xfe\x00\x00"),
        ("register.csv", b"Kode wilayah;Tanggal pencanangan\n;\n\x01;x"),
    ]:
        response = upload(page, data, name=name)
        assert response.status_code == 200
        assert response.context["report"].problems
    empty = upload(page, b"", name="register.csv")
    assert empty.context["form"].errors["file"]
    assert not KampungKB.objects.exists()


def test_a_plkb_cannot_reach_the_import(client, desa):
    plkb = User.objects.create_user("plkb.kab", role=Role.PLKB)
    client.force_login(plkb)

    assert client.get(reverse("register-upload")).status_code == 403
    assert client.get(reverse("register-template")).status_code == 403
    assert upload(client, xlsx([row(desa[0].code)])).status_code == 403
    assert not KampungKB.objects.exists()


def _api(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_the_api_answers_the_report(desa, staf):
    api = _api(staf)
    url = reverse("api:kampung-register-import")
    bad = xlsx([row(desa[0].code), row(desa[1].code, level="x")])

    refused = api.post(
        url, {"file": SimpleUploadedFile("r.xlsx", bad)}, format="multipart"
    )
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["row"] == 3
    assert refused.json()["problems"][0]["column"] == "Klasifikasi"
    assert not KampungKB.objects.exists()

    saved = api.post(
        url,
        {"file": SimpleUploadedFile("r.xlsx", bad), "save_valid_only": "true"},
        format="multipart",
    )
    assert saved.status_code == 200
    assert saved.json()["created"] == 1
    assert KampungKB.history.get().history_user == staf

    plkb = User.objects.create_user("plkb.kab", role=Role.PLKB)
    answer = _api(plkb).post(
        url, {"file": SimpleUploadedFile("r.xlsx", bad)}, format="multipart"
    )
    assert answer.status_code == 403


def test_the_command_imports_as_the_user(desa, staf, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx([row(desa[0].code), row(desa[1].code, level="x")]))

    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        call_command("import_kampung", str(path), user="staf.kab")
    assert not KampungKB.objects.exists()

    out = io.StringIO()
    call_command(
        "import_kampung", str(path), user="staf.kab", save_valid_only=True, stdout=out
    )
    assert "baris 3, kolom Klasifikasi" in out.getvalue()
    assert "1 baru" in out.getvalue()
    assert KampungKB.history.get().history_user == staf

    User.objects.create_user("pimpinan.kab", role=Role.PIMPINAN)
    with pytest.raises(CommandError, match="tidak boleh"):
        call_command("import_kampung", str(path), user="pimpinan.kab")


def test_the_same_desa_twice_in_one_file_is_a_row_error(page, desa):
    response = upload(page, xlsx([row(desa[0].code), row(desa[0].code)]))

    assert problems(response) == [(3, "Kode wilayah")]
    assert "sudah memiliki Kampung KB" in response.content.decode()
    assert not KampungKB.objects.exists()


def test_a_file_beyond_the_row_limit_is_refused_whole(page, desa, monkeypatch):
    monkeypatch.setattr("villages.register.MAX_ROWS", 2)

    response = upload(page, xlsx([row(d.code) for d in desa[:3]]))

    assert problems(response) == [(4, "")]
    assert "bagi menjadi beberapa berkas" in response.content.decode()
    assert not KampungKB.objects.exists()


def test_an_english_speaking_uploader_can_send_the_indonesian_template(desa, staf):
    with translation.override("en"):
        report = register_import(
            user=staf,
            data=xlsx([row(desa[0].code), row(desa[1].code, level="x")]),
            file_name="register.xlsx",
        )

    # Problems name the column in the uploader's language.
    assert [(p["row"], p["column"]) for p in report.problems] == [(3, "Classification")]
