"""e-PPGBM exports import as exported: each layout, its shift, caption, masked NIK.

Every file is built by tests/stunting/eppgbm_files.py with synthetic children.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from stunting.models import Child, ImportStatus, Measurement
from stunting.nik import nik_hash
from tests.stunting import eppgbm_files as files
from tests.stunting import test_import
from tests.stunting.test_import import JENGGOT, run_import

# The uploaders and their regions (Kota Pekalongan) of the import tests.
accounts, admin = test_import.accounts, test_import.admin

TODAY = datetime.date.today()


def ago(days):
    return TODAY - datetime.timedelta(days=days)


def children():
    """A baby measured lying and an older child measured standing, Jenggot."""
    return [
        files.Child(1, birth=ago(380), measured=ago(5), weight=9.4, height=74.5),
        files.Child(
            2, birth=ago(900), measured=ago(6), weight=12.1, height=88.0, sex="P"
        ),
    ]


def status_gizi(**options):
    return files.records(files.STATUS_GIZI, children(), shifted={0, 1}, **options)


def assert_imported(batch):
    assert batch.status == ImportStatus.DONE, batch.errors
    assert (batch.created_children, batch.created_measurements) == (2, 2)
    baby = Child.objects.get(nik_hash=nik_hash("3375041234000001"))
    assert (baby.region_id, baby.sex, baby.name) == (JENGGOT, "L", "ANAK UJI 1")
    assert baby.birth_date == ago(380)
    assert baby.parent_name == "IBU UJI 1"
    m = baby.measurements.get()
    assert (m.measured_on, m.measured) == (ago(5), "lying")
    # Berat and Tinggi, not BB Lahir/TB Lahir nor the BB/U, TB/U classes.
    assert (str(m.weight_kg), str(m.height_cm)) == ("9.40", "74.5")
    older = Child.objects.get(nik_hash=nik_hash("3375041234000002"))
    m = older.measurements.get()
    assert (older.sex, m.measured, str(m.weight_kg), str(m.height_cm)) == (
        "P",
        "standing",
        "12.10",
        "88.0",
    )


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (files.html_xls, "daftar_status_gizi.xls"),
        (files.xlsx, "daftar_status_gizi.xlsx"),
        (files.xls, "daftar_status_gizi.xls"),
    ],
)
def test_status_gizi_list_imports_as_exported_and_saved_again(accounts, build, name):
    batch = run_import(accounts["staf"], build(status_gizi()), name=name)

    assert_imported(batch)
    assert batch.report["captions"] == [{"row": 1, "text": files.CAPTION}]
    assert batch.report["realigned"] == {"rows": 2, "column": "Total Pengukuran"}
    assert "masked_nik_rows" not in batch.report


def test_older_38_column_layout_with_pmt_imports(accounts):
    rows = files.records(files.OLDER, children())
    assert len(rows[1]) == 38

    batch = run_import(accounts["staf"], files.html_xls(rows), name="status_gizi.xls")

    assert_imported(batch)
    assert "realigned" not in batch.report


def test_operasi_timbang_with_masked_nik_and_header_below_titles(accounts):
    kids = children()
    rows = files.records(
        files.OPERASI_TIMBANG,
        kids,
        captions=("OPERASI TIMBANG 2026", "Kota Pekalongan"),
        nik="33750**********",
    )
    assert len(rows[2]) == 22

    batch = run_import(accounts["staf"], files.xlsx(rows), name="timbang.xlsx")

    assert batch.status == ImportStatus.DONE, batch.errors
    assert batch.report["masked_nik_rows"] == 2
    assert [c["row"] for c in batch.report["captions"]] == [1, 2]
    assert (batch.created_children, batch.created_measurements) == (2, 2)
    # No NIK hash is stored: the children are known by name, birth date, desa.
    assert not Child.objects.filter(nik_hash__isnull=False).exists()
    assert set(Child.objects.values_list("region_id", flat=True)) == {JENGGOT}

    # A later weighing of the same children finds them, adds no child.
    for kid in kids:
        kid.measured = ago(1)
    again = files.records(files.OPERASI_TIMBANG, kids, nik="33750**********")
    batch = run_import(accounts["staf"], files.html_xls(again), name="timbang2.xls")

    assert batch.status == ImportStatus.DONE, batch.errors
    assert (batch.created_children, batch.created_measurements) == (0, 2)
    assert Measurement.objects.count() == 4


SHIFT_DIFFERS = (
    "Baris ini bergeser satu kolom berbeda dengan baris lain dalam berkas; isinya "
    "tidak di bawah judul kolom yang sama."
)


@pytest.mark.parametrize(("shifted", "odd_row"), [({0, 2}, 4), ({1}, 4)])
def test_a_row_shifted_unlike_the_others_is_a_row_error(accounts, shifted, odd_row):
    """Most rows shifted and one not, or the other way round."""
    kids = children() + [files.Child(3, birth=ago(500), measured=ago(4))]
    rows = files.records(files.STATUS_GIZI, kids, shifted=shifted)

    batch = run_import(accounts["staf"], files.html_xls(rows), name="status_gizi.xls")

    assert batch.status == ImportStatus.REJECTED
    problem = {"row": odd_row, "column": "Tanggal Pengukuran", "message": SHIFT_DIFFERS}
    assert problem in batch.errors
    assert {e["row"] for e in batch.errors} == {odd_row}
    assert not Measurement.objects.exists()


def test_an_age_text_contradicting_the_dates_is_a_row_error(accounts):
    kids = children()
    rows = files.records(files.STATUS_GIZI, kids, shifted={0, 1})
    age_at = files.STATUS_GIZI.index("Usia Saat Ukur") - 1  # shifted rows
    rows[3][age_at] = "2 Tahun - 0 Bulan - 0 Hari"  # the second child is 2 y 5 m
    rows[2][age_at] = "Dua tahun"

    batch = run_import(accounts["staf"], files.html_xls(rows), name="status_gizi.xls")

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors == [
        {
            "row": 3,
            "column": "Usia Saat Ukur",
            "message": "Usia tidak terbaca; tulis seperti 1 Tahun - 7 Bulan - 23 Hari.",
        },
        {
            "row": 4,
            "column": "Usia Saat Ukur",
            "message": "Usia saat ukur tidak sesuai dengan tanggal lahir dan "
            "tanggal pengukuran (selisih lebih dari 1 hari).",
        },
    ]


def test_an_age_text_a_day_off_is_accepted(accounts):
    """Tools count days differently at month ends: one day off is no error."""
    kid = files.Child(1, birth=ago(400), measured=ago(3))
    exact = files.age_text(kid.birth, kid.measured)
    years, months, days = (int(n) for n in re.findall(r"\d+", exact))
    one_off = f"{years} Tahun - {months} Bulan - {days + 1} Hari"
    rows = files.records(files.STATUS_GIZI, [kid], age=one_off)

    batch = run_import(accounts["staf"], files.html_xls(rows), name="status_gizi.xls")

    assert batch.status == ImportStatus.DONE, batch.errors


def test_a_nik_neither_16_digits_nor_masked_is_a_row_error(accounts):
    rows = files.records(files.STATUS_GIZI, children(), shifted={0, 1})
    rows[2][1] = "33750412345"

    batch = run_import(accounts["staf"], files.xlsx(rows), name="status_gizi.xlsx")

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors == [
        {"row": 3, "column": "NIK", "message": "NIK harus 16 angka."}
    ]


def test_a_csv_named_xls_is_read_as_csv(accounts):
    data = files.csv_text(status_gizi())

    batch = run_import(accounts["staf"], data, name="daftar_status_gizi.xls")

    assert_imported(batch)
    assert batch.report["realigned"] == {"rows": 2, "column": "Total Pengukuran"}


def test_the_batch_page_shows_what_reading_found(client, accounts):
    rows = files.records(files.STATUS_GIZI, children(), shifted={0, 1}, nik="3**")
    batch = run_import(accounts["staf"], files.html_xls(rows), name="status_gizi.xls")
    assert batch.status == ImportStatus.DONE, batch.errors
    client.force_login(accounts["staf"])

    page = client.get(reverse("import-detail", args=[batch.pk])).content.decode()

    assert "baris 1: “Data Tanggal : 01-11-2026 s/d 30-11-2026”" in page
    assert "2 baris tidak berisi sel “Total Pengukuran”" in page
    assert "2 baris dengan NIK tersamar" in page
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        page = client.get(
            reverse("import-detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "2 rows with a masked NIK" in page


def test_masked_niks_are_no_nik_lookup_so_a_blocked_uploader_may_import(
    accounts, settings
):
    """Blocked from NIK lookups (too many NIKs found outside the region), an
    uploader may still import a file whose NIKs are all masked: none is looked up.
    """
    from stunting.models import NikLookup, NikLookupSource
    from stunting.services import nik_lookup_record

    settings.NIK_OUTSIDE_LIMIT = 1
    nik_lookup_record(
        user=accounts["staf"], source=NikLookupSource.IMPORT, checked=1, outside=1
    )
    rows = files.records(files.OPERASI_TIMBANG, children(), nik="33750**********")

    batch = run_import(accounts["staf"], files.xlsx(rows), name="timbang.xlsx")

    assert batch.status == ImportStatus.DONE, batch.errors
    assert NikLookup.objects.count() == 1  # no lookup recorded, none refused
