"""Readers chosen by a file's content, each bounded, and the header found in it."""

import datetime

import pytest

from kampungkb.tabular import ImportFileError, read_records
from stunting.importer import read_table
from tests.stunting import eppgbm_files as files
from tests.stunting.test_import_bombs import time_budget

ROWS = [["Judul"], ["Nama", "Tgl Lahir", "Berat"], ["Anak 1", "2025-01-02", "9,5"]]
TYPED = [
    ["Judul"],
    ["Nama", "Tgl Lahir", "Berat"],
    ["Anak 1", datetime.date(2025, 1, 2), 9.5],
]
TEXT = [["Judul"], ["Nama", "Tgl Lahir", "Berat"], ["Anak 1", "2025-01-02", "9.5"]]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (files.html_xls(ROWS), "ekspor.xls"),
        (files.html_xls(ROWS), "ekspor.html"),
        (files.xls(TYPED), "ekspor.xls"),
        (files.xls(TYPED), "ekspor.xlsx"),  # named wrongly: read by content
        (files.xlsx(TYPED), "ekspor.xls"),
        (files.csv_text(ROWS), "ekspor.xls"),
    ],
    ids=["html-xls", "html", "xls", "xls-named-xlsx", "xlsx-named-xls", "csv-xls"],
)
def test_each_format_is_read_by_its_content_whatever_its_name(data, name):
    rows = [r for r in read_records(data, name)]

    assert rows[0][0] == "Judul"
    assert rows[1] == ["Nama", "Tgl Lahir", "Berat"]
    assert rows[2][:2] == ["Anak 1", "2025-01-02"]
    assert rows[2][2] in ("9,5", "9.5")


def test_html_entities_are_decoded_and_the_nbsp_after_a_nik_dropped():
    rows = list(read_records(files.html_xls([["NIK"], ["3375041234000001\xa0"]]), "a"))

    assert rows[1] == ["3375041234000001"]


def refused(data, name="ekspor.xls"):
    with time_budget(20), pytest.raises(ImportFileError) as refusal:
        read_table(data, name)
    return [e["message"] for e in refusal.value.errors]


def test_an_html_table_longer_than_the_row_cap_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 1000
    kids = [
        files.Child(
            n, birth=datetime.date(2025, 1, 1), measured=datetime.date(2026, 1, 1)
        )
        for n in range(1, 1500)
    ]
    data = files.html_xls(files.records(files.STATUS_GIZI, kids))

    assert refused(data) == [
        "Berkas berisi lebih dari 1000 baris data; bagi menjadi beberapa berkas."
    ]


def test_an_absurdly_wide_html_table_is_refused():
    data = files.html_xls([["Nama"] * 5000, ["x"] * 5000])

    assert refused(data) == ["Tabel HTML lebih lebar dari 200 kolom."]


def test_binary_files_that_are_no_spreadsheet_get_a_clear_message():
    assert refused(b"\x00\x01\x02" * 100) == [
        "Berkas bukan spreadsheet Excel yang dapat dibaca."
    ]
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert refused(ole2) == ["Berkas XLS tidak dapat dibaca."]


def test_the_header_is_searched_in_the_first_twenty_rows_only():
    header = ["Nama", "JK", "Tgl Lahir", "Tanggal Pengukuran", "Berat", "Tinggi"]
    header.append("Kode Desa")
    titles = [[f"judul {n}"] for n in range(20)]

    assert refused(files.csv_text([*titles, header]), "a.csv") == [
        f"Kolom '{label}' tidak ditemukan."
        for label in (
            "nama",
            "jenis kelamin",
            "tanggal lahir",
            "tanggal ukur",
            "berat",
            "tinggi",
        )
    ] + ["Kolom 'kode desa atau desa/kelurahan' tidak ditemukan."]
    table = read_table(files.csv_text([*titles[:19], header, ["Anak"]]), "a.csv")
    assert table.row_numbers.tolist() == [21]
    assert len(table.report["captions"]) == 19


def test_birth_and_class_columns_are_not_taken_for_weight_or_height():
    header = files.STATUS_GIZI
    table = read_table(files.csv_text([header]), "a.csv")

    assert table.headers["weight"] == "Berat"
    assert table.headers["height"] == "Tinggi"
    assert table.headers["birth_date"] == "Tgl Lahir"
    assert table.headers["measured_on"] == "Tanggal Pengukuran"
    assert table.headers["desa"] == "Desa/Kel"
    assert table.headers["kecamatan"] == "Kec"
    assert table.headers["age_text"] == "Usia Saat Ukur"


def test_an_html_row_stuffed_with_elements_is_refused_before_it_is_built():
    data = b"<table><tr><td>" + b"<i></i>" * 500_000 + b"</td></tr></table>"

    assert refused(data) == ["Tabel HTML lebih lebar dari 200 kolom."]


def test_html_outside_the_table_is_dropped_as_it_is_read():
    rows = files.records(files.STATUS_GIZI, [], captions=())
    table = files.html_xls(rows).replace(b"<body>", b"<body>" + b"<p>x</p>" * 200_000)

    with time_budget(20):
        assert list(read_records(table, "a.xls")) == [files.STATUS_GIZI]
