"""A cycle's results as an Excel workbook: numbers stay numbers, text stays text."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kampungkb.exporting import safe_row

from .models import CriterionGroup, Cycle
from .selectors import criterion_means, round2

SCORE_FORMAT = "0.00"


def _append(sheet, values):
    # Names, codes and labels are typed by people: never let one run as a formula.
    sheet.append(safe_row(values))


def _bold_header(sheet, headers):
    _append(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"


def _widths(sheet, widths):
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def results_workbook(*, cycle: Cycle, results) -> bytes:
    """The results sheet, per-criterion averages and how they were computed."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Hasil"
    _bold_header(
        sheet,
        [
            "Peringkat",
            "Kampung KB",
            "Kode wilayah",
            "Kecamatan",
            "Tanggal pencanangan",
            "Memenuhi syarat provinsi",
            "Input",
            "Proses",
            "Output",
            "Nilai total",
            "Klasifikasi saat ini",
            "Saran klasifikasi",
            "Saran diterima",
            "Kriteria dinilai",
            "Jumlah kriteria",
            "Evaluator yang menilai",
            "Terhubung KRPPA",
        ],
    )
    for r in results:
        kampung = r.kampung
        _append(
            sheet,
            [
                r.rank,
                kampung.name,
                kampung.region_id,
                kampung.region.kecamatan.name if kampung.region.kecamatan else "",
                kampung.formed_on,
                "Ya" if r.eligible else "Tidak",
                r.groups.get(CriterionGroup.INPUT),
                r.groups.get(CriterionGroup.PROSES),
                r.groups.get(CriterionGroup.OUTPUT),
                r.total,
                str(r.current_label or ""),
                str(r.suggested_label or ""),
                "Ya" if r.accepted else "Tidak",
                r.criteria_scored,
                r.criteria_count,
                r.evaluators_scored,
                {True: "Ya", False: "Tidak"}.get(r.participant.krppa_linked, ""),
            ],
        )
    for row in sheet.iter_rows(min_row=2):
        row[4].number_format = "yyyy-mm-dd"
        for cell in row[6:10]:
            cell.number_format = SCORE_FORMAT
    _widths(sheet, [10, 34, 16, 22, 14, 12, 9, 9, 9, 11, 24, 24, 10, 10, 10, 10, 10])

    criteria = list(cycle.criteria.all())
    means = criterion_means(cycle=cycle)
    detail = book.create_sheet("Rata-rata per kriteria")
    _bold_header(
        detail,
        ["Peringkat", "Kampung KB", *(f"{c.code} {c.name}" for c in criteria)],
    )
    for r in results:
        own = means.get(r.participant.pk, {})
        _append(
            detail,
            [
                r.rank,
                r.kampung.name,
                *(round2(own[c.pk]) if c.pk in own else None for c in criteria),
            ],
        )
    for row in detail.iter_rows(min_row=2):
        for cell in row[2:]:
            cell.number_format = SCORE_FORMAT
    _widths(detail, [10, 34, *([14] * len(criteria))])

    about = book.create_sheet("Keterangan")
    _append(about, ["Siklus", cycle.name])
    _append(about, ["Kabupaten/kota", cycle.region.name])
    _append(about, ["Tanggal evaluasi", cycle.evaluated_on])
    about.cell(row=3, column=2).number_format = "yyyy-mm-dd"
    _append(about, ["Status", str(cycle.get_status_display())])
    _append(
        about,
        [
            "Syarat tingkat provinsi",
            f"terbentuk minimal {cycle.min_age_years} tahun "
            f"({cycle.get_eligibility_counting_display()})",
        ],
    )
    _append(about, [])
    _append(about, ["Kelompok", "Bobot kelompok"])
    for group, weight in cycle.group_weights().items():
        _append(about, [str(CriterionGroup(group).label), weight])
    _append(about, [])
    _append(
        about,
        ["Kode", "Kriteria", "Kelompok", "Bobot", "Nilai terendah", "Nilai tertinggi"],
    )
    for c in criteria:
        _append(
            about,
            [
                c.code,
                c.name,
                str(c.get_group_display()),
                c.weight,
                c.scale_min,
                c.scale_max,
            ],
        )
    _append(about, [])
    _append(about, ["Ambang klasifikasi", "Nilai total minimal"])
    for level, threshold in reversed(cycle.thresholds()):
        _append(about, [str(level.label), threshold])
    _append(about, [])
    for line in FORMULA_LINES:
        _append(about, [line])
    _widths(about, [28, 48, 12, 10, 14, 14])

    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMULA_LINES = [
    "Cara menghitung:",
    "1. Nilai tiap kriteria dirata-rata dulu atas evaluator yang menilainya.",
    "2. Rata-rata itu dinormalkan ke skalanya: (nilai - terendah) / "
    "(tertinggi - terendah).",
    "3. Nilai kelompok (0-100) = 100 x rata-rata berbobot kriteria dalam kelompok.",
    "4. Nilai total (0-100) = rata-rata berbobot nilai kelompok (bobot kelompok).",
    "5. Dibulatkan ke 2 desimal; nilai sama mendapat peringkat sama (1, 2, 2, 4).",
]
