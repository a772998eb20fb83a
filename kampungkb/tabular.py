"""Reading a spreadsheet or CSV file into rows of text, safely, whatever it claims.

Every import (measurements, the Kampung KB register) reads its files here: sizes,
blank runs and row counts are bounded before and while reading, so a hostile file
(a zip bomb, a sheet claiming a million rows) is refused in seconds with a message
that says what is wrong.
"""

import codecs
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


def read_records(data: bytes, file_name: str):
    """Give a file's rows as lists of text, header first (CSV or XLSX by name)."""
    if file_name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_csv(data)


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
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
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
        header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        header = [cell_text(v) for v in header]
        while header and not header[-1].strip():
            header.pop()
        yield header
        if not header:
            return
        for values in sheet.iter_rows(min_row=2, max_col=len(header), values_only=True):
            yield [cell_text(v) for v in values]
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(_("Berkas XLSX tidak dapat dibaca.")) from exc


def data_rows(records, width):
    """Give (file row, cells) of the non-blank rows, each cut to the header's width.

    A long run of blank rows or too many rows refuses the file: reading stays
    bounded whatever the file claims.
    """
    max_rows, max_empty = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_EMPTY_ROWS
    rows, numbers, empty = [], [], 0
    for number, record in enumerate(records, start=2):
        if len(record) != width:
            record = (record + [""] * width)[:width]
        if not "".join(record).strip():  # blank lines are not rows
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
            continue
        empty = 0
        if len(rows) == max_rows:
            raise ImportFileError(
                [
                    problem(
                        number,
                        "",
                        _(
                            "Berkas berisi lebih dari %(n)s baris data; bagi menjadi "
                            "beberapa berkas."
                        )
                        % {"n": max_rows},
                    )
                ]
            )
        rows.append(record)
        numbers.append(number)
    return rows, numbers
