"""Reading a spreadsheet or CSV file into rows of text, safely, whatever it claims.

Every import (measurements, the Kampung KB register) reads its files here: sizes,
blank runs and row counts are bounded before and while reading, so a hostile file
(a zip bomb, a sheet claiming a million rows) is refused in seconds with a message
that says what is wrong.
"""

import codecs
import contextlib
import csv
import datetime
import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be read: no row can be checked."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


def problem(row, column, message):
    return {"row": row, "column": column, "message": message}


# Rows read before the header must be found in them (captions, titles above it),
# and the widest a sheet's rows may be: wider is no table a person keeps.
HEAD_ROWS = 20
MAX_COLUMNS = 200

_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_records(data: bytes, file_name: str):
    """Give a file's rows as lists of text, in file order.

    The reader is chosen by the file's content, not its name: offices upload
    e-PPGBM's HTML table saved as ".xls", real Excel 97 files, XLSX and CSV
    under whatever name their browser or Excel gave them.
    """
    if data.startswith(_ZIP):
        return _read_xlsx(data)
    if data.startswith(_OLE2):
        return _read_xls(data)
    if _is_html(data):
        return _read_html(data)
    if file_name.lower().endswith((".xlsx", ".xls")) and b"\x00" in data[:4096]:
        # Binary, yet no spreadsheet: say so rather than "not a text file".
        raise _unreadable(_("Berkas bukan spreadsheet Excel yang dapat dibaca."))
    return _read_csv(data)


def _is_html(data: bytes) -> bool:
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith(b"<") and (
        b"<table" in data[:65536].lower() or head.startswith((b"<html", b"<!doctype"))
    )


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a NIK or code typed as a number
    return str(value)


def _unreadable(message):
    return ImportFileError([problem(None, "", message)])


# Byte order marks, longest first: UTF-32's start with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, None),
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _decode(data: bytes) -> str:
    """Give a CSV file's text: UTF-8 or UTF-16 by their BOM, else UTF-8 or cp1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding is None:
                raise _unreadable(
                    _(
                        "Berkas CSV berkode UTF-32 tidak didukung; simpan sebagai "
                        "CSV UTF-8."
                    )
                )
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise _unreadable(
                    _(
                        "Berkas CSV ditandai %(encoding)s tetapi isinya rusak; simpan "
                        "ulang sebagai CSV UTF-8."
                    )
                    % {"encoding": encoding.upper()}
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" in the ANSI code page.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _unreadable(
            _(
                "Berkas CSV bukan teks UTF-8, UTF-16 atau Windows-1252; simpan ulang "
                "sebagai CSV UTF-8."
            )
        ) from None


def _read_csv(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        # UTF-16 without its BOM, or not a text file at all.
        raise _unreadable(
            _(
                "Berkas CSV berisi karakter NUL: mungkin berkode UTF-16 tanpa BOM. "
                "Simpan ulang sebagai CSV UTF-8."
            )
        )
    # Judged on the first lines, not the first alone: a caption may stand above
    # the header.
    head = "\n".join(text.split("\n", HEAD_ROWS)[:HEAD_ROWS])
    delimiter = max(";,\t", key=head.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from records
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
        raise _unreadable(_("Berkas CSV tidak dapat dibaca.")) from exc


def _check_zip(data: bytes):
    """Refuse an XLSX whose parts would unpack far beyond its size (a zip bomb).

    Sizes come from the zip's directory, before any XML is parsed; zipfile never
    unpacks a member beyond the size its directory claims.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _unreadable(_("Berkas XLSX tidak dapat dibaca.")) from None
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    if sum(m.file_size for m in members) > limit:
        raise _unreadable(
            _(
                "Isi berkas XLSX terlalu besar setelah dibuka (lebih dari %(mb)s MB); "
                "bagi menjadi beberapa berkas."
            )
            % {"mb": limit // (1024 * 1024)}
        )
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    for member in members:
        # Tiny parts compress oddly; only a large part can be a bomb.
        if member.file_size > 1024 * 1024 and member.file_size > ratio * max(
            member.compress_size, 1
        ):
            raise _unreadable(
                _(
                    "Berkas XLSX memuat bagian yang dimampatkan lebih dari %(ratio)s "
                    "kali: berkas ini tidak wajar. Simpan ulang dari Excel."
                )
                % {"ratio": ratio}
            )


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        # The sheet's claimed dimension (up to XFD1048576) is not trusted: rows
        # and width come from the cells actually there.
        sheet.reset_dimensions()
        head = [
            _trimmed([cell_text(v) for v in values])
            for values in sheet.iter_rows(
                max_row=HEAD_ROWS, max_col=MAX_COLUMNS, values_only=True
            )
        ]
        yield from head
        width = max(map(len, head), default=0)
        if not width:
            return
        rows = sheet.iter_rows(min_row=len(head) + 1, max_col=width, values_only=True)
        for values in rows:
            yield [cell_text(v) for v in values]
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(_("Berkas XLSX tidak dapat dibaca.")) from exc


def _trimmed(cells):
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _read_xls(data: bytes):
    """Read an Excel 97 (BIFF) workbook's first sheet: at most 65,536 x 256 cells."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises many kinds for a damaged file
        raise _unreadable(_("Berkas XLS tidak dapat dibaca.")) from exc
    for r in range(sheet.nrows):
        row = []
        for cell in sheet.row_slice(r, 0, min(sheet.row_len(r), MAX_COLUMNS)):
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                with contextlib.suppress(ValueError, xlrd.xldate.XLDateError):
                    value = xlrd.xldate_as_datetime(value, book.datemode)
            row.append(cell_text(value))
        yield row


def _read_html(data: bytes):
    """Read the rows of the HTML table e-PPGBM saves with an ".xls" name.

    Parsed as a stream: each row, and anything outside the rows, is dropped
    once read, and a row may hold only so many elements, so memory stays that
    of one row whatever the file holds; data_rows bounds the count of rows.
    """
    from lxml import etree

    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), html=True, encoding=encoding
    )
    in_row = elements = 0
    try:
        for event, element in events:
            if event == "start":
                if element.tag == "tr":
                    in_row, elements = in_row + 1, 0
                elif in_row:
                    elements += 1
                    if elements > _MAX_ROW_ELEMENTS:
                        raise _unreadable(_too_wide())
                continue
            if element.tag == "tr":
                in_row -= 1
                cells = [
                    "".join(cell.itertext()).strip()
                    for cell in element
                    if cell.tag in ("td", "th")
                ]
                if len(cells) > MAX_COLUMNS:
                    raise _unreadable(_too_wide())
                yield cells
            elif in_row:
                continue  # part of a row: dropped with it
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except ImportFileError:
        raise
    except Exception as exc:  # lxml's errors for a broken document
        raise _unreadable(_("Tabel HTML dalam berkas tidak dapat dibaca.")) from exc


# Elements in one HTML table row: its cells and what formats their text.
_MAX_ROW_ELEMENTS = 10 * MAX_COLUMNS


def _too_wide():
    return _("Tabel HTML lebih lebar dari %(n)s kolom.") % {"n": MAX_COLUMNS}


def data_rows(records, width, first_row=2):
    """Give (file row, cells) of the non-blank rows, each cut to the header's width.

    A long run of blank rows or too many rows refuses the file: reading stays
    bounded whatever the file claims.
    """
    max_rows, max_empty = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_EMPTY_ROWS
    rows, numbers, empty = [], [], 0
    # The hot loop of every import: bound methods and one join per row.
    add_row, add_number, join = rows.append, numbers.append, "".join
    for number, record in enumerate(records, start=first_row):
        if join(record).strip():  # blank lines are not rows
            empty = 0
            if len(record) != width:
                record = (record + [""] * width)[:width]
            add_row(record)
            add_number(number)
            if len(rows) > max_rows:
                raise ImportFileError(
                    [
                        problem(
                            number,
                            "",
                            _(
                                "Berkas berisi lebih dari %(n)s baris data; bagi "
                                "menjadi beberapa berkas."
                            )
                            % {"n": max_rows},
                        )
                    ]
                )
            continue
        empty += 1
        if empty > max_empty:
            raise ImportFileError(
                [
                    problem(
                        number - max_empty,
                        "",
                        _(
                            "Lebih dari %(n)s baris kosong berturut-turut mulai "
                            "baris ini; hapus baris kosong itu lalu unggah lagi."
                        )
                        % {"n": max_empty},
                    )
                ]
            )
    return rows, numbers
