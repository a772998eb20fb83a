"""e-PPGBM's z-scores against ours: which rows differ, and the likely reason.

A file's ZS BB/U, ZS TB/U and ZS BB/TB are compared with the project's WAZ,
HAZ and WHZ of the same row. Only the few rows that differ by more than
settings.ZSCORE_DIFFERENCE_LIMIT are looked at again: they are scored once
more with the engine (stunting.growth) under the other tool's likely
assumption (no 0.7 cm position correction, the other weight-for-length/height
table, age in completed months); the first assumption that gives their value
names the reason. Rows are identified by their file row, never by a child.
"""

import csv
import io
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kampungkb.exporting import safe_row

from . import growth
from .disclosure import DAYS_PER_MONTH

MAX_ROWS = 1000  # rows kept on the batch; the counts cover all of them
NINE_MONTHS_DAYS = 274  # 9 x 30.4375 days, rounded up

# Indicator -> the e-PPGBM column holding its z-score.
COLUMNS = {"waz": "ZS BB/U", "haz": "ZS TB/U", "whz": "ZS BB/TB"}
LABELS = {
    "waz": _("BB/U (berat menurut umur)"),
    "haz": _("TB/U (tinggi menurut umur)"),
    "whz": _("BB/TB (berat menurut tinggi)"),
}
REASONS = {
    "no_score": _(
        "Kami tidak memberi z-score (umur di luar tabel WHO atau data tidak lengkap)"
    ),
    "implausible": _("Z-score kami tidak masuk akal (ditandai, tidak dihitung)"),
    "standing_under_9_months": _(
        "Diukur berdiri di bawah 9 bulan: sebagian aplikasi tidak menambah 0,7 cm"
    ),
    "position_correction": _(
        "Koreksi 0,7 cm cara ukur (berdiri di bawah 731 hari atau terlentang "
        "sejak 731 hari) tidak dipakai"
    ),
    "restricted_rule": _("Aturan WHO di luar ±3 (BB/U, BB/TB) tidak dipakai"),
    "table_switch": _("Tabel BB/PB dan BB/TB tertukar di sekitar umur 730/731 hari"),
    "age_in_months": _("Umur dihitung dalam bulan penuh, bukan hari"),
    "unknown": _("Tidak diketahui"),
}


@dataclass
class Tally:
    """Counts over the whole file, and the first MAX_ROWS differing rows."""

    compared: dict = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    by_reason: dict = field(default_factory=lambda: {k: {} for k in COLUMNS})
    rows: list = field(default_factory=list)
    count: int = 0

    def report(self) -> dict:
        """What batch.report["zscore_differences"] holds (numbers and codes only)."""
        totals = {}
        for reasons in self.by_reason.values():
            for reason, n in reasons.items():
                totals[reason] = totals.get(reason, 0) + n
        return {
            "count": self.count,
            "limit": settings.ZSCORE_DIFFERENCE_LIMIT,
            "rows": self.rows,
            "by_reason": totals,
            "by_indicator": {
                name: {
                    "compared": self.compared[name],
                    "differing": sum(self.by_reason[name].values()),
                    "by_reason": self.by_reason[name],
                }
                for name in COLUMNS
            },
        }

    def add(self, *, rows, theirs, scores, age, sex, weight, height, measured):
        """Compare one chunk's valid rows (numpy columns; theirs: name -> floats)."""
        limit = settings.ZSCORE_DIFFERENCE_LIMIT
        adjusted = np.array(scores["height_adjusted_cm"], dtype=float)
        found = []
        for name, their in theirs.items():
            ours = np.array(scores[name], dtype=float)  # None -> nan
            given = ~np.isnan(their)
            self.compared[name] += int(np.count_nonzero(given))
            # Written with 2 decimals: a gap within rounding is no difference.
            differs = given & (np.isnan(ours) | (np.abs(their - ours) > limit + 1e-9))
            hits = np.flatnonzero(differs)
            if not hits.size:
                continue
            reasons = _reasons(
                name,
                their[hits],
                ours[hits],
                np.asarray(scores[f"{name}_implausible"], dtype=bool)[hits],
                age=age[hits],
                sex=sex[hits],
                weight=weight[hits],
                height=height[hits],
                adjusted=adjusted[hits],
                measured=measured[hits],
            )
            tally = self.by_reason[name]
            for reason in reasons.tolist():
                tally[reason] = tally.get(reason, 0) + 1
            self.count += hits.size
            for i, reason in zip(hits.tolist(), reasons.tolist(), strict=True):
                found.append((int(rows[i]), name, their[i], ours[i], reason))
        found.sort(key=lambda r: (r[0], list(COLUMNS).index(r[1])))
        for row, name, their, our, reason in found[: MAX_ROWS - len(self.rows)]:
            known = not np.isnan(our)
            self.rows.append(
                {
                    "row": row,
                    "indicator": name,
                    "theirs": round(float(their), 2),
                    "ours": round(float(our), 2) if known else None,
                    "difference": round(float(their - our), 2) if known else None,
                    "reason": reason,
                }
            )


def _rescore(name, *, sex, age, weight, height, measured):
    return growth.score_columns(
        sex=sex,
        age_days=age,
        weight_kg=weight,
        height_cm=height,
        measured=measured,
        oedema=np.zeros(sex.size, dtype=bool),
    )[name]


def _reasons(
    name, their, ours, flagged, *, age, sex, weight, height, adjusted, measured
):
    """The likely reason of each differing row: the first rule that holds.

    Columns are those of the differing rows only (measured: 1 lying, 2 standing).
    """
    limit = settings.ZSCORE_DIFFERENCE_LIMIT
    standing_age = age >= growth.STANDING_FROM_DAYS
    standing, lying = measured == 2, measured == 1
    not_recorded = np.zeros(age.size, np.int8)  # scored as measured: no 0.7 cm

    def near(z):
        return np.abs(their - z) <= limit + 1e-9

    # DOMAIN.md: standing below 731 days +0.7 cm, lying from 731 days -0.7 cm.
    # Their tool took the length as written: WAZ does not use it.
    position = (
        ((standing & ~standing_age) | (lying & standing_age))
        & near(
            _rescore(
                name,
                age=age,
                sex=sex,
                weight=weight,
                height=height,
                measured=not_recorded,
            )
        )
        & (name != "waz")
    )
    # Beyond +-3 WHO restricts WAZ and WHZ; a tool using the plain LMS formula
    # gives another value on the same side.
    beyond_3 = (
        (np.abs(ours) > 3) & (np.abs(their) > 3) & (np.sign(ours) == np.sign(their))
    )
    # WHZ from the other table (weight-for-length below 731 days, for-height
    # from 731) at the same corrected length, for a child within a month of
    # the switch, where tools disagree on which day it happens.
    other_table = np.where(
        standing_age, growth.STANDING_FROM_DAYS - 1, growth.STANDING_FROM_DAYS
    )
    switched = near(
        _rescore(
            name,
            age=other_table,
            sex=sex,
            weight=weight,
            height=adjusted,
            measured=not_recorded,
        )
    )
    near_switch = np.abs(age - (growth.STANDING_FROM_DAYS - 0.5)) <= 31
    # A tool using monthly tables counts completed months: the day table at that
    # many average months (30.4375 days) gives its value.
    months = np.round(np.floor(age / DAYS_PER_MONTH) * DAYS_PER_MONTH).astype(int)
    by_months = near(
        _rescore(
            name, age=months, sex=sex, weight=weight, height=height, measured=measured
        )
    )
    return np.select(
        [
            np.isnan(ours),
            flagged,
            position & (age < NINE_MONTHS_DAYS) & standing,
            position,
            beyond_3 & (name != "haz"),
            switched & near_switch & (name == "whz"),
            by_months,
        ],
        [
            "no_score",
            "implausible",
            "standing_under_9_months",
            "position_correction",
            "restricted_rule",
            "table_switch",
            "age_in_months",
        ],
        "unknown",
    )


# --- showing and exporting -----------------------------------------------------


def summary(report: dict) -> dict:
    """batch.report["zscore_differences"] with labels, for the batch page."""
    indicators = []
    for name, counts in report.get("by_indicator", {}).items():
        indicators.append(
            {
                "label": LABELS[name],
                "column": COLUMNS[name],
                "compared": counts["compared"],
                "differing": counts["differing"],
                "reasons": [
                    (REASONS.get(code, code), n)
                    for code, n in sorted(
                        counts["by_reason"].items(), key=lambda item: -item[1]
                    )
                ],
            }
        )
    return {
        "count": report.get("count", 0),
        "limit": report.get("limit"),
        "indicators": indicators,
        "rows": [
            {
                **r,
                "indicator_label": COLUMNS[r["indicator"]],
                "reason_label": REASONS[r["reason"]],
            }
            for r in report.get("rows", [])
        ],
        "shown": len(report.get("rows", [])),
    }


def _export_rows(report):
    yield [
        str(_("Baris")),
        str(_("Kolom")),
        str(_("Z-score berkas")),
        str(_("Z-score kami")),
        str(_("Selisih")),
        str(_("Kode alasan")),
        str(_("Alasan yang mungkin")),
    ]
    for r in report.get("rows", []):
        yield [
            r["row"],
            COLUMNS[r["indicator"]],
            r["theirs"],
            r["ours"],
            r["difference"],
            r["reason"],
            str(REASONS[r["reason"]]),
        ]


def rows_csv(report: dict) -> bytes:
    """The differing rows as UTF-8 CSV with a byte-order mark, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for values in _export_rows(report):
        writer.writerow(safe_row("" if v is None else v for v in values))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def rows_xlsx(report: dict) -> bytes:
    """The differing rows as XLSX: numbers as numbers, a bold header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Selisih z-score"
    for values in _export_rows(report):
        sheet.append(safe_row(values))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
