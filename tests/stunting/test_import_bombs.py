"""Files that claim far more than they hold are refused within seconds (finding 6).

The XLSX bombs are written by hand with zipfile: a small file on disk, a huge
claimed size. Each read runs under a time budget, so a regression fails the test
instead of keeping CI busy for the import task's 15 minutes.
"""

import contextlib
import io
import signal
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from stunting.importer import ImportFileError, read_table
from stunting.models import ImportStatus, Measurement
from tests.stunting.test_import import (
    HEADER,
    accounts,  # noqa: F401 (fixture)
    admin,  # noqa: F401 (fixture)
    csv_bytes,
    row,
    run_import,
)

LETTERS = "ABCDEFGHIJ"


@contextlib.contextmanager
def time_budget(seconds):
    """Fail with TimeoutError if the block runs longer than `seconds`."""

    def expired(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number, values):
    cells = "".join(
        _cell(f"{letter}{number}", value)
        for letter, value in zip(LETTERS, values, strict=False)
    )
    return f'<row r="{number}">{cells}</row>'


def _data_values(values):
    return [values[h] for h in HEADER]


def xlsx(rows_xml, *, dimension="A1:J2", big_cell_mb=0):
    """An XLSX whose first sheet holds `rows_xml` (and a cell of `big_cell_mb` MB)."""
    base = io.BytesIO()
    Workbook().save(base)
    out = io.BytesIO()
    sheet = "xl/worksheets/sheet1.xml"
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != sheet:
                target.writestr(item, source.read(item))
        with target.open(sheet, "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main">'
                + f'<dimension ref="{dimension}"/><sheetData>'.encode()
                + _row(1, HEADER).encode()
                + rows_xml.encode()
            )
            if big_cell_mb:
                part.write(b'<row r="3"><c r="B3" t="inlineStr"><is><t>')
                chunk = b"A" * (1024 * 1024)
                for _ in range(big_cell_mb):
                    part.write(chunk)
                part.write(b"</t></is></c></row>")
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def data_line(values):
    return csv_bytes([values]).split(b"\r\n", 1)[1]


def refusal(data, name):
    with time_budget(20), pytest.raises(ImportFileError) as refused:
        read_table(data, name)
    return refused.value.errors


def test_a_sheet_claiming_xfd1048576_with_a_last_row_is_refused_quickly():
    data = xlsx(
        _row(2, _data_values(row(1)))
        + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
        "</c></row>",
        dimension="A1:XFD1048576",
    )
    assert len(data) < 10_000  # small on disk: the point is the claimed size

    assert refusal(data, "bom.xlsx") == [
        {
            "row": 3,
            "column": "",
            "message": "Lebih dari 1000 baris kosong berturut-turut mulai baris "
            "ini; hapus baris kosong itu lalu unggah lagi.",
        }
    ]


def test_a_claimed_dimension_does_not_widen_or_lengthen_an_ordinary_sheet():
    data = xlsx(_row(2, _data_values(row(1))), dimension="A1:XFD1048576")

    with time_budget(20):
        table = read_table(data, "pengukuran.xlsx")

    assert table.size == 1
    assert table.columns["name"] == ["Anak 1"]


def test_a_highly_compressed_cell_is_refused_before_it_is_parsed():
    data = xlsx(_row(2, _data_values(row(1))), big_cell_mb=64)
    assert len(data) < 1024 * 1024

    assert refusal(data, "bom.xlsx") == [
        {
            "row": None,
            "column": "",
            "message": "Berkas XLSX memuat bagian yang dimampatkan lebih dari 100 "
            "kali: berkas ini tidak wajar. Simpan ulang dari Excel.",
        }
    ]


def test_the_unpacked_size_of_an_xlsx_is_capped(settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = xlsx("".join(_row(n, _data_values(row(n))) for n in range(2, 6000)))

    assert refusal(data, "besar.xlsx")[0]["message"] == (
        "Isi berkas XLSX terlalu besar setelah dibuka (lebih dari 1 MB); bagi "
        "menjadi beberapa berkas."
    )


def test_rows_beyond_the_cap_refuse_the_file(settings):
    settings.IMPORT_MAX_ROWS = 5

    assert read_table(csv_bytes([row(n) for n in range(5)]), "a.csv").size == 5
    assert refusal(csv_bytes([row(n) for n in range(6)]), "a.csv") == [
        {
            "row": 7,
            "column": "",
            "message": "Berkas berisi lebih dari 5 baris data; bagi menjadi "
            "beberapa berkas.",
        }
    ]


def test_a_long_run_of_blank_lines_in_a_csv_is_refused(settings):
    settings.IMPORT_MAX_EMPTY_ROWS = 10
    data = csv_bytes([row(1)]) + b"\r\n" * 11 + data_line(row(2))

    assert refusal(data, "a.csv")[0]["row"] == 3
    # A shorter gap is only blank lines, skipped as before.
    gap = csv_bytes([row(1)]) + b"\r\n" * 10 + data_line(row(2))
    assert read_table(gap, "a.csv").row_numbers.tolist() == [2, 13]


def test_a_bomb_upload_ends_as_a_rejected_batch_with_the_message(accounts):  # noqa: F811
    data = xlsx(
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        dimension="A1:XFD1048576",
    )
    with time_budget(30):
        batch = run_import(accounts["staf"], data, name="bom.xlsx")

    assert batch.status == ImportStatus.REJECTED
    assert "baris kosong berturut-turut" in batch.errors[0]["message"]
    assert Measurement.objects.count() == 0


# --- encodings (finding 11: a UTF-16 CSV gave "kesalahan sistem") --------------


def _text_csv(delimiter="\t"):
    return csv_bytes([row(1), row(2)], delimiter=delimiter).decode()


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"")],
)
def test_excel_unicode_text_is_read_with_its_byte_order_mark(
    accounts,  # noqa: F811
    encoding,
    bom,
):
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated.
    data = bom + _text_csv().encode(encoding)
    batch = run_import(accounts["staf"], data, name="unicode.csv")

    assert batch.status == ImportStatus.DONE, batch.errors
    assert batch.created_measurements == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\xff\xfe" + b"N\x00I\x00\x00\xd8",  # a lone surrogate: damaged UTF-16
            "Berkas CSV ditandai UTF-16-LE tetapi isinya rusak; simpan ulang sebagai "
            "CSV UTF-8.",
        ),
        (
            _text_csv().encode("utf-16-le"),  # no BOM: NUL bytes everywhere
            "Berkas CSV berisi karakter NUL: mungkin berkode UTF-16 tanpa BOM. Simpan "
            "ulang sebagai CSV UTF-8.",
        ),
        (
            b"\xff\xfe\x00\x00" + _text_csv().encode("utf-32-le"),
            "Berkas CSV berkode UTF-32 tidak didukung; simpan sebagai CSV UTF-8.",
        ),
        (
            _text_csv().encode() + b"\x81\x8d\xff",  # neither UTF-8 nor cp1252
            "Berkas CSV bukan teks UTF-8, UTF-16 atau Windows-1252; simpan ulang "
            "sebagai CSV UTF-8.",
        ),
        (
            csv_bytes([row(1, **{"Nama Anak": "x" * 200_000})]),  # csv field limit
            "Berkas CSV tidak dapat dibaca.",
        ),
    ],
)
def test_undecodable_csv_files_are_rejected_with_what_is_wrong(
    accounts,  # noqa: F811
    data,
    message,
):
    batch = run_import(accounts["staf"], data, name="rusak.csv")

    assert batch.status == ImportStatus.REJECTED
    assert batch.errors == [{"row": None, "column": "", "message": message}]


def test_the_refusal_is_translated_to_english(settings):
    settings.IMPORT_MAX_ROWS = 1
    with translation.override("en"):
        errors = refusal(csv_bytes([row(1), row(2)]), "a.csv")

    assert errors[0]["message"] == (
        "The file has more than 1 data rows; split it into several files."
    )
