"""A dashboard table as CSV or XLSX: exactly its rows and columns, in its order."""

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kampungkb.exporting import safe_row

from .indicators import PERCENT, SCORE
from .reports import SmallN

# Characters Excel refuses in a sheet title; and its length limit.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


def _csv_cell(cell, decimal_comma: bool):
    if cell is None:
        return ""
    if isinstance(cell, SmallN):
        return str(cell)
    if decimal_comma and isinstance(cell, float):
        return repr(cell).replace(".", ",")
    return cell


def table_csv(table, *, decimal_comma: bool = False) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark, so spreadsheets read the names.

    `decimal_comma`: numbers as "12,5" and fields split by ";", as a spreadsheet
    set to Indonesian opens it; else "12.5" and ",".
    """
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";" if decimal_comma else ",", lineterminator="\r\n"
    )
    writer.writerow(safe_row(column.heading for column in table.columns))
    for row in table.rows:
        writer.writerow(safe_row(_csv_cell(cell, decimal_comma) for cell in row.cells))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_title(text: str) -> str:
    """A title Excel accepts: no []:*?/\\ and at most 31 characters."""
    return _SHEET_FORBIDDEN.sub(" ", text).strip()[:SHEET_TITLE_MAX] or "Data"


def table_xlsx(
    table, *, title: str, notes: list[tuple[str, str]] = (), notes_title: str = ""
) -> bytes:
    """The table as an XLSX workbook: a header row, numbers as numbers, text as text.

    `notes` (label, text) go on a second sheet, `notes_title`: region, year, data
    as of, where the figures come from.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    sheet.append(safe_row(column.heading for column in table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # A rate over too few stays out of the numbers: its words and counts.
        sheet.append(
            safe_row(str(c) if isinstance(c, SmallN) else c for c in row.cells)
        )
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        if column.unit in (PERCENT, SCORE):
            for (cell,) in sheet.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=sheet.max_row
            ):
                cell.number_format = "0.00"
        width = max(10, min(40, len(column.heading) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    if notes:
        about = book.create_sheet(sheet_title(notes_title))
        for label, text in notes:
            about.append(safe_row([label, text]))
        about.column_dimensions["A"].width = 24
        about.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
