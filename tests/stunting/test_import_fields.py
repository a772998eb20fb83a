"""What an e-PPGBM file holds beyond weight and height: LiLA, the weight-gain mark,
Vitamin A, KIA and Kelas Ibu Balita kept on the measurement; the rest listed as
ignored columns (issue 12, item 3)."""

import pytest
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from kampungkb.models import Role
from stunting import growth
from stunting.models import ImportStatus, Measurement
from tests.stunting import test_import as base
from tests.stunting.test_import import HEADER, csv_bytes, row, run_import

# The import tests' users, one per role, in Kota Pekalongan.
admin, accounts = base.admin, base.accounts

EPPGBM = [
    *HEADER,
    "LiLA",
    "BB/U",
    "TB/U",
    "BB/TB",
    "Naik Berat Badan",
    "Jml Vit A",
    "KPSP",
    "KIA",
    "Kelas Ibu Balita",
    "MBG",
]


def eppgbm_row(n=1, **changes):
    values = row(n) | {
        "LiLA": "14,5",
        "BB/U": "Berat Badan Normal",
        "TB/U": "Normal",
        "BB/TB": "Gizi Baik",
        "Naik Berat Badan": "N",
        "Jml Vit A": "2",
        "KPSP": "Sesuai",
        "KIA": "Ya",
        "Kelas Ibu Balita": "tidak",
        "MBG": "Ya",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize("mark", ["N", "T", "O", "B"])
def test_lila_mark_vitamin_a_kia_and_mother_class_are_stored(accounts, mark):
    rows = [
        eppgbm_row(1, **{"Naik Berat Badan": mark.lower()}),
        # Not given: stored as not known, not as "no".
        eppgbm_row(
            2,
            **{
                "LiLA": "",
                "Naik Berat Badan": "",
                "Jml Vit A": "",
                "KIA": "",
                "Kelas Ibu Balita": "",
            },
        ),
        eppgbm_row(3, **{"KIA": "T", "Kelas Ibu Balita": "1", "Jml Vit A": "0"}),
    ]
    batch = run_import(accounts["staf"], csv_bytes(rows, header=EPPGBM))

    assert batch.status == ImportStatus.DONE, batch.errors
    stored = {
        m.child.name: m
        for m in Measurement.objects.select_related("child").order_by("id")
    }
    first = stored["Anak 1"]
    assert str(first.lila_cm) == "14.5"
    assert first.weight_gain == mark
    assert (first.vitamin_a_count, first.has_kia_book) == (2, True)
    assert first.attends_mother_class is False
    empty = stored["Anak 2"]
    assert (empty.lila_cm, empty.weight_gain, empty.vitamin_a_count) == (None, "", None)
    assert (empty.has_kia_book, empty.attends_mother_class) == (None, None)
    third = stored["Anak 3"]
    assert (third.vitamin_a_count, third.has_kia_book) == (0, False)
    assert third.attends_mother_class is True


def test_lila_is_kept_at_the_column_precision(accounts):
    batch = run_import(
        accounts["staf"], csv_bytes([eppgbm_row(LiLA="13.46")], header=EPPGBM)
    )
    assert batch.status == ImportStatus.DONE, batch.errors
    assert str(Measurement.objects.get().lila_cm) == "13.5"


def test_bad_values_are_row_errors_with_row_and_column(accounts):
    rows = [
        eppgbm_row(1, **{"Naik Berat Badan": "X"}),
        eppgbm_row(2, LiLA="2"),
        eppgbm_row(3, LiLA="lima"),
        eppgbm_row(4, **{"Jml Vit A": "1,5"}),
        eppgbm_row(5, KIA="mungkin"),
        eppgbm_row(6, **{"Kelas Ibu Balita": "kadang"}),
    ]
    batch = run_import(accounts["staf"], csv_bytes(rows, header=EPPGBM))

    assert batch.status == ImportStatus.REJECTED
    assert not Measurement.objects.exists()
    found = {(p["row"], p["column"]): p["message"] for p in batch.errors}
    assert found == {
        (2, "Naik Berat Badan"): (
            "Tanda naik berat badan tidak dikenal; isi N, T, O atau B."
        ),
        (3, "LiLA"): "Nilai harus antara 5 dan 35 cm.",
        (4, "LiLA"): "Bukan angka; tulis angka seperti 9,5.",
        (5, "Jml Vit A"): ("Isi jumlah vitamin A sebagai bilangan bulat 0 sampai 10."),
        (6, "KIA"): "Isi ya atau tidak (Y/T, 1/0).",
        (7, "Kelas Ibu Balita"): "Isi ya atau tidak (Y/T, 1/0).",
    }


def test_columns_not_used_are_listed_and_shown(accounts, client):
    batch = run_import(accounts["staf"], csv_bytes([eppgbm_row()], header=EPPGBM))

    assert batch.status == ImportStatus.DONE, batch.errors
    assert batch.report["ignored_columns"] == ["BB/U", "TB/U", "BB/TB", "KPSP", "MBG"]
    client.force_login(accounts["staf"])
    page = client.get(reverse("import-detail", args=[batch.pk])).content.decode()
    assert "Kolom yang tidak dipakai" in page
    assert "KPSP" in page and "MBG" in page


def test_a_file_without_these_columns_stores_them_as_not_known(accounts):
    batch = run_import(accounts["staf"], csv_bytes([row(1)]))

    assert batch.status == ImportStatus.DONE, batch.errors
    assert batch.report["ignored_columns"] == []
    measurement = Measurement.objects.get()
    assert (measurement.lila_cm, measurement.weight_gain) == (None, "")


def test_the_new_fields_are_shown_to_staff_and_withheld_like_weight(accounts):
    batch = run_import(accounts["staf"], csv_bytes([eppgbm_row()], header=EPPGBM))
    assert batch.status == ImportStatus.DONE, batch.errors
    pk = Measurement.objects.get().pk
    api = APIClient()

    api.force_authenticate(accounts["staf"])
    staff = api.get(f"/api/measurements/{pk}/").json()
    assert (staff["lila_cm"], staff["weight_gain"]) == ("14.5", "N")
    assert (staff["vitamin_a_count"], staff["has_kia_book"]) == (2, True)
    assert staff["attends_mother_class"] is False

    # The pimpinan reads figures, not a child's measures (no child.personal).
    assert accounts["pimpinan"].effective_role == Role.PIMPINAN
    api.force_authenticate(accounts["pimpinan"])
    reader = api.get(f"/api/measurements/{pk}/").json()
    assert "haz" in reader and "weight_kg" not in reader
    for name in (
        "lila_cm",
        "weight_gain",
        "vitamin_a_count",
        "has_kia_book",
        "attends_mother_class",
    ):
        assert name not in reader


def test_the_list_of_ignored_columns_is_bounded(accounts):
    # A header row of thousands of cells must not become a report as large.
    extra = [f"kolom {i}" for i in range(300)]
    header = [*HEADER, *extra]
    batch = run_import(accounts["staf"], csv_bytes([row(1)], header=header))

    assert batch.status == ImportStatus.DONE, batch.errors
    assert batch.report["ignored_columns"] == extra[:100]


def test_an_xlsx_with_number_cells_is_read_as_the_csv(accounts, tmp_path):
    # After Excel: LiLA, Vit A, KIA 1/0 and the ZS columns are number cells.
    header = [*EPPGBM, "ZS BB/U", "ZS TB/U", "ZS BB/TB"]
    ours = growth.score(
        sex="L", age_days=365, weight_kg=9.5, height_cm=75.0, measured="lying"
    )
    values = eppgbm_row(1) | {
        "BB (kg)": 9.5,
        "TB (cm)": 75.0,
        "LiLA": 14.5,
        "Jml Vit A": 2,
        "KIA": 1,
        "Kelas Ibu Balita": 0,
        "ZS BB/U": round(ours.waz, 2),
        "ZS TB/U": 3.5,
        "ZS BB/TB": "",
    }
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.append([values.get(h, "") for h in header])
    path = tmp_path / "eppgbm.xlsx"
    workbook.save(path)

    batch = run_import(accounts["staf"], path.read_bytes(), name="eppgbm.xlsx")

    assert batch.status == ImportStatus.DONE, batch.errors
    m = Measurement.objects.get()
    assert (str(m.lila_cm), m.vitamin_a_count) == ("14.5", 2)
    assert (m.has_kia_book, m.attends_mother_class) == (True, False)
    report = batch.report["zscore_differences"]
    compared = {k: v["compared"] for k, v in report["by_indicator"].items()}
    assert compared == {"waz": 1, "haz": 1, "whz": 0}
    # Their WAZ is ours; our HAZ of this boy is near 0: 3.5 is listed, unexplained.
    assert [
        (r["row"], r["indicator"], r["theirs"], r["reason"]) for r in report["rows"]
    ] == [(2, "haz", 3.5, "unknown")]
