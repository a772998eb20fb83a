"""No personal value in import problems (finding 9); the NIK oracle is counted,
aggregated and rate-limited (finding 10)."""

import datetime
import importlib
import json

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from stunting.models import Child, ImportBatch, ImportStatus, NikLookup
from tests.stunting.test_import import (
    HEADER,
    JENGGOT,
    MEDONO,
    accounts,  # noqa: F401 (fixture)
    admin,  # noqa: F401 (fixture)
    csv_bytes,
    row,
    run_import,
)

NIK = "3375041503220009"
NAME = "Siti Rahmawati"
BIRTH = "15/03/2022"
PERSONAL = (NIK, NAME, BIRTH, "2022-03-15")


# --- finding 9: nothing typed in a cell is echoed -------------------------------


@pytest.mark.parametrize("value", [NIK, NAME, BIRTH])
@pytest.mark.parametrize(
    "column",
    ["JK", "Cara Ukur", "Tgl Lahir", "Tanggal Pengukuran", "BB (kg)", "Kode Desa"],
)
def test_a_personal_value_in_the_wrong_column_is_not_echoed(
    client,
    accounts,  # noqa: F811
    column,
    value,
):
    if column == "Tgl Lahir" and value == BIRTH:
        value = "31/02/2022"  # a birth date that is no date
    batch = run_import(accounts["staf"], csv_bytes([row(1, **{column: value})]))

    assert batch.status == ImportStatus.REJECTED
    assert [e["column"] for e in batch.errors] == [column]
    assert value not in json.dumps(batch.errors)
    client.force_login(accounts["staf"])
    page = client.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert column in page
    assert value not in page


def test_a_name_in_the_desa_column_is_not_echoed(accounts):  # noqa: F811
    header = [h if h != "Kode Desa" else "Desa/Kelurahan" for h in HEADER]
    values = row(1) | {"Desa/Kelurahan": NAME}
    batch = run_import(accounts["staf"], csv_bytes([values], header=header))

    assert batch.errors == [
        {
            "row": 2,
            "column": "Desa/Kelurahan",
            "message": "Desa/kelurahan tidak dikenal.",
        }
    ]


def test_values_quoted_by_older_imports_are_scrubbed(accounts):  # noqa: F811
    migration = importlib.import_module(
        "stunting.migrations.0004_scrub_cell_values_from_import_errors"
    )
    header_problem = {
        "row": 1,
        "column": "tanggal lahir",
        "message": "Kolom 'tanggal lahir' tidak ditemukan.",
    }
    batch = ImportBatch.objects.create(
        uploaded_by=accounts["staf"],
        file_name="lama.csv",
        file_sha256="0" * 64,
        errors=[
            {
                "row": 2,
                "column": "JK",
                "message": f"Jenis kelamin '{NIK}' tidak dikenal; isi L atau P.",
            },
            {"row": 3, "column": "BB", "message": f"'{NAME}' bukan angka."},
            {"row": 4, "column": "Kode Desa", "message": "Kode desa kosong."},
            header_problem,
        ],
    )

    migration.scrub(apps, None)

    batch.refresh_from_db()
    assert batch.errors == [
        {
            "row": 2,
            "column": "JK",
            "message": "Jenis kelamin tidak dikenal; isi L atau P.",
        },
        {"row": 3, "column": "BB", "message": "Bukan angka."},
        {"row": 4, "column": "Kode Desa", "message": "Kode desa kosong."},
        header_problem,
    ]


# --- finding 10: NIKs registered elsewhere --------------------------------------


def _medono_children(staf, niks):
    """Children registered in Medono (Pekalongan Barat) by the city's staff."""
    rows = [row(n, NIK=nik, **{"Kode Desa": MEDONO}) for n, nik in enumerate(niks)]
    batch = run_import(staf, csv_bytes(rows))
    assert batch.created_children == len(niks), batch.errors
    NikLookup.objects.all().delete()


def _niks(count, start=0):
    return [f"337501010120{n:04d}" for n in range(start, start + count)]


def test_an_import_gives_a_count_of_niks_registered_elsewhere(accounts):  # noqa: F811
    _medono_children(accounts["staf"], _niks(3))
    rows = [row(n, NIK=nik) for n, nik in enumerate(_niks(5), start=1)]

    batch = run_import(accounts["staf_selatan"], csv_bytes(rows), save_valid_only=True)

    assert batch.status == ImportStatus.DONE
    # One problem without a row: which row holds which NIK is not told.
    assert batch.errors == [
        {
            "row": None,
            "column": "NIK",
            "message": "3 baris: NIK sudah terdaftar di luar wilayah kerja Anda; "
            "baris itu tidak disimpan.",
        }
    ]
    assert batch.created_measurements == 2
    lookup = NikLookup.objects.get()
    assert (lookup.user, lookup.source) == (accounts["staf_selatan"], "import")
    assert (lookup.checked, lookup.outside, lookup.refused) == (5, 3, False)


def test_imports_past_the_limit_look_no_nik_up(accounts, settings):  # noqa: F811
    settings.NIK_OUTSIDE_LIMIT = 3
    selatan = accounts["staf_selatan"]
    _medono_children(accounts["staf"], _niks(4))
    first = run_import(selatan, csv_bytes([row(1, NIK=n) for n in _niks(3)]))
    assert "3 baris" in first.errors[0]["message"]

    # Now any file with a NIK is refused, whether its NIKs exist elsewhere or not.
    for nik in (_niks(1, start=3)[0], "3375040101240001"):
        refused = run_import(selatan, csv_bytes([row(1, NIK=nik)]))
        assert refused.status == ImportStatus.REJECTED
        assert refused.errors == [
            {
                "row": None,
                "column": "NIK",
                "message": "Terlalu banyak NIK yang ternyata terdaftar di luar wilayah "
                "Anda dalam 24 jam terakhir; pencarian NIK ditahan sementara. Coba "
                "lagi nanti atau hubungi admin.",
            }
        ]
    assert not Child.objects.filter(region_id=JENGGOT).exists()
    # A file without NIKs asks nothing, and the window passing lifts the limit.
    assert run_import(selatan, csv_bytes([row(1, NIK="")])).status == "done"
    NikLookup.objects.update(at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    assert run_import(selatan, csv_bytes([row(2)])).status == "done"
    assert list(NikLookup.objects.values_list("refused", "checked", "outside")) == [
        (False, 1, 0),
        (True, 0, 0),
        (True, 0, 0),
        (False, 3, 3),
    ]


def _child_form(nik, name="Rina Kartika"):
    return {
        "region": JENGGOT,
        "name": name,
        "sex": "P",
        "birth_date": "2024-05-01",
        "nik": nik,
    }


def test_the_child_form_refuses_counts_and_then_rate_limits(
    client,
    accounts,  # noqa: F811
    settings,
):
    settings.NIK_OUTSIDE_LIMIT = 2
    _medono_children(accounts["staf"], _niks(3))
    client.force_login(accounts["staf_selatan"])
    url = reverse("child-create")

    for nik in _niks(2):
        response = client.post(url, _child_form(nik))
        assert response.status_code == 200
        assert response.context["form"].errors["nik"] == [
            "NIK ini sudah terdaftar di wilayah lain; hubungi staf dinas."
        ]
    # Past the limit the answer no longer depends on the NIK: a new one too.
    limited = []
    for nik in (_niks(1, start=2)[0], "3375040101240002"):
        response = client.post(url, _child_form(nik))
        assert response.status_code == 200
        limited.append(response.context["form"].errors["nik"])
    assert limited[0] == limited[1]
    assert "Terlalu banyak NIK" in limited[0][0]
    assert not Child.objects.filter(region_id=JENGGOT).exists()
    # Entering a child without NIK is not a lookup and still works.
    assert client.post(url, _child_form("")).status_code == 302
    assert list(NikLookup.objects.values_list("source", "outside", "refused")) == [
        ("form", 0, True),
        ("form", 0, True),
        ("form", 1, False),
        ("form", 1, False),
    ]


def test_the_child_api_is_counted_and_rate_limited_too(
    accounts,  # noqa: F811
    settings,
):
    settings.NIK_OUTSIDE_LIMIT = 1
    _medono_children(accounts["staf"], _niks(1))
    api = APIClient()
    api.force_authenticate(accounts["staf_selatan"])
    child = {"region": JENGGOT, "name": "Putri", "sex": "P", "birth_date": "2024-06-01"}

    outside = api.post("/api/children/", {**child, "nik": _niks(1)[0]})
    limited = api.post("/api/children/", {**child, "nik": "3375040101240003"})

    assert outside.status_code == 400
    assert outside.json()["nik"] == [
        "NIK ini sudah terdaftar di wilayah lain; hubungi staf dinas."
    ]
    assert limited.status_code == 400
    assert "Terlalu banyak NIK" in limited.json()["nik"][0]
    assert list(NikLookup.objects.values_list("source", "outside", "refused")) == [
        ("api", 0, True),
        ("api", 1, False),
    ]


def test_administrators_see_the_lookups_in_the_admin(
    client,
    accounts,  # noqa: F811
    admin,  # noqa: F811
):
    _medono_children(accounts["staf"], _niks(1))
    run_import(accounts["staf_selatan"], csv_bytes([row(1, NIK=_niks(1)[0])]))
    client.force_login(admin)

    page = client.get(reverse("admin:stunting_niklookup_changelist"))

    assert page.status_code == 200
    assert "staf.selatan" in page.content.decode()
    assert _niks(1)[0] not in page.content.decode()
    lookup = NikLookup.objects.get()
    change = client.get(reverse("admin:stunting_niklookup_change", args=[lookup.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:stunting_niklookup_add")).status_code == 403
    client.force_login(accounts["staf"])
    assert client.get(reverse("admin:stunting_niklookup_changelist")).status_code in (
        302,
        403,
    )
