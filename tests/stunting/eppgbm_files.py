"""Files laid out as e-PPGBM exports them, with synthetic children (no real data).

Public facts about the exports (issue 12): the "status gizi" list is an HTML
table saved with an ".xls" name, a "Data Tanggal : ..." caption above its 37
headers, and data rows of 36 cells: the "Total Pengukuran" cell is missing, so
every later value sits one column left of its header. Offices also save it
again from Excel as .xlsx or .xls (cells still one left, the last column
empty). An older layout has 38 columns with "PMT Diterima (kg)"; the 2026
operasi timbang exports have 22 columns with the NIK masked.
"""

import calendar
import datetime
import html
import io
from dataclasses import dataclass

STATUS_GIZI = [
    "No",
    "NIK",
    "Nama",
    "JK",
    "Tgl Lahir",
    "BB Lahir",
    "TB Lahir",
    "Nama Ortu",
    "Prov",
    "Kab/Kota",
    "Kec",
    "Pukesmas",
    "Desa/Kel",
    "Posyandu",
    "RT",
    "RW",
    "Alamat",
    "Total Pengukuran",
    "Usia Saat Ukur",
    "Tanggal Pengukuran",
    "Berat",
    "Tinggi",
    "Cara Ukur",
    "LiLA",
    "BB/U",
    "ZS BB/U",
    "TB/U",
    "ZS TB/U",
    "BB/TB",
    "ZS BB/TB",
    "Naik Berat Badan",
    "Jml Vit A",
    "KPSP",
    "KIA",
    "Kelas Ibu Balita",
    "MBG",
    "Detail",
]
# The three columns beyond "PMT Diterima (kg)" that make the older layout's 38
# are not public; these stand for any column the importer does not know.
OLDER = [
    h for h in STATUS_GIZI if h not in ("Total Pengukuran", "Kelas Ibu Balita", "MBG")
]
OLDER = [
    *OLDER[:30],
    "PMT Diterima (kg)",
    *OLDER[30:],
    "Lingkar Kepala",
    "Status Gizi",
    "Keterangan",
]
OPERASI_TIMBANG = [
    "No",
    "NIK",
    "Nama",
    "JK",
    "Tgl Lahir",
    "Nama Ortu",
    "Kec",
    "Desa/Kel",
    "RT",
    "Alamat",
    "Tanggal Pengukuran",
    "Berat",
    "Tinggi",
    "Cara Ukur",
    "LiLA",
    "ZS BB/U",
    "ZS TB/U",
    "ZS BB/TB",
    "Naik Berat Badan",
    "Jml Vit A",
    "Kelas Ibu Balita",
    "MBG",
]
CAPTION = "Data Tanggal : 01-11-2026 s/d 30-11-2026"
NBSP = "\u00a0"


@dataclass
class Child:
    """One synthetic child's measurement, as e-PPGBM would list it."""

    n: int
    birth: datetime.date
    measured: datetime.date
    weight: float = 9.5
    height: float = 75.0
    sex: str = "L"
    kec: str = "PEKALONGAN SELATAN"
    desa: str = "JENGGOT"
    nik: str = ""

    def __post_init__(self):
        self.nik = self.nik or f"3375041234{self.n:06d}"

    @property
    def name(self):
        return f"ANAK UJI {self.n}"

    @property
    def position(self):
        return "Terlentang" if (self.measured - self.birth).days < 731 else "Berdiri"

    def values(self, *, age=None, nik=None):
        """Header -> value (text, or a date/number for a typed spreadsheet)."""
        return {
            "No": f"{self.n}.",
            "NIK": (nik or self.nik) + NBSP,
            "Nama": self.name,
            "JK": self.sex,
            "Tgl Lahir": self.birth,
            "BB Lahir": 3.1,
            "TB Lahir": 49.0,
            "Nama Ortu": f"IBU UJI {self.n}",
            "Prov": "JAWA TENGAH",
            "Kab/Kota": "KOTA PEKALONGAN",
            "Kec": self.kec,
            "Pukesmas": "PUSKESMAS UJI",
            "Desa/Kel": self.desa,
            "Posyandu": "MELATI",
            "RT": "001",
            "RW": "002",
            "Alamat": "JL. UJI",
            "Total Pengukuran": 3,
            "Usia Saat Ukur": age or age_text(self.birth, self.measured),
            "Tanggal Pengukuran": self.measured,
            "Berat": self.weight,
            "Tinggi": self.height,
            "Cara Ukur": self.position,
            "LiLA": 14.2,
            "BB/U": "Berat Badan Normal",
            "ZS BB/U": -0.52,
            "TB/U": "Normal",
            "ZS TB/U": -0.1,
            "BB/TB": "Gizi Baik",
            "ZS BB/TB": -0.61,
            "Naik Berat Badan": "N",
            "Jml Vit A": 2,
            "KPSP": "",
            "KIA": "Ya",
            "Kelas Ibu Balita": "Tidak",
            "MBG": "Tidak",
            "Detail": "Detail",
            "PMT Diterima (kg)": 0,
        }


def age_text(birth, measured):
    """Years, months and days between two dates, counted on the calendar."""
    months = (measured.year - birth.year) * 12 + measured.month - birth.month
    if measured.day < birth.day:
        months -= 1
    year, month = divmod(birth.month - 1 + months, 12)
    year += birth.year
    day = min(birth.day, calendar.monthrange(year, month + 1)[1])
    days = (measured - datetime.date(year, month + 1, day)).days
    return f"{months // 12} Tahun - {months % 12} Bulan - {days} Hari"


def records(header, children, *, shifted=(), captions=(CAPTION,), **values):
    """The file's rows as cell lists: captions, header, then a row per child.

    A child whose index is in `shifted` lacks the "Total Pengukuran" cell, as
    e-PPGBM writes it: every later cell sits one column left.
    """
    rows = [[caption] for caption in captions] + [list(header)]
    for i, child in enumerate(children):
        cells = child.values(**values)
        row = [cells.get(h, "") for h in header]
        if i in shifted:
            del row[header.index("Total Pengukuran")]
        rows.append(row)
    return rows


def as_text(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def html_xls(rows):
    """An HTML table as e-PPGBM saves it with an ".xls" name (UTF-8, &nbsp;)."""

    def cell(tag, value):
        text = html.escape(as_text(value)).replace(NBSP, "&nbsp;")
        return f"<{tag}>{text}</{tag}>"

    lines = [
        '<html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-8"></head><body><table border="1">'
    ]
    header_at = next((i for i, r in enumerate(rows) if len(r) > 1), 0)
    for i, row in enumerate(rows):
        if i < header_at:
            lines.append(f'<tr><td colspan="37">{html.escape(row[0])}</td></tr>')
        else:
            tag = "th" if i == header_at else "td"
            lines.append("<tr>" + "".join(cell(tag, v) for v in row) + "</tr>")
    lines.append("</table></body></html>")
    return "\n".join(lines).encode()


def xlsx(rows):
    """The same rows saved again from Excel as .xlsx: dates and numbers typed."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(
            [
                datetime.datetime.combine(v, datetime.time())
                if isinstance(v, datetime.date)
                else v
                for v in row
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls(rows):
    """The same rows saved again from Excel as a real Excel 97 (BIFF) .xls."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(rows):
    import csv

    out = io.StringIO()
    csv.writer(out).writerows([[as_text(v) for v in row] for row in rows])
    return out.getvalue().encode()
