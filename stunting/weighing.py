"""Monthly weighing at the posyandu: the minimum weight gain rule and SKDN marks.

Kenaikan Berat Badan Minimal (KBM), the least a child must gain between two
consecutive monthly weighings to count as "naik" (N), by age in months at the
later weighing. Source: the KMS table of Permenkes 155/Menkes/Per/I/2010
(Penggunaan Kartu Menuju Sehat bagi Balita), reprinted in the Buku KIA 2023
(Kemenkes), page "Grafik BB/U": 1 month 800 g, 2 months 900 g, 3 months 800 g,
4 months 600 g, 5 months 500 g, 6-7 months 400 g, 8-10 months 300 g, 11 months and
older 200 g. The table starts at 1 month; a child weighed twice before its first
month is held to the first month's 800 g. The KMS adds a reading of the growth
line; e-PPGBM files carry the kader's mark, which always wins over this rule.

Marks (e-PPGBM's "Naik Berat Badan", stunting.models.WeightGain), for the latest
weighing of a child in a calendar month:
  N  weighed this month and last month, gain >= KBM for the age;
  T  weighed this month and last month, gain < KBM;
  O  weighed this month, not last month, but weighed before;
  B  weighed this month for the first time ever.
"""

import calendar
import datetime
from decimal import Decimal

from django.db import connection

from .models import BALITA_MAX_DAYS, WeightGain

# (first month of the band, KBM in grams), oldest band last.
KBM_BANDS = (
    (0, 800),
    (2, 900),
    (3, 800),
    (4, 600),
    (5, 500),
    (6, 400),
    (8, 300),
    (11, 200),
)
# WHO's average month (365.25 / 12 days), as ten-thousandths so that SQL and
# Python compute the same integer months.
_MONTH_E4 = 304375


def age_months(age_days: int) -> int:
    """Completed months of age from days (WHO's 30.4375-day month)."""
    return age_days * 10000 // _MONTH_E4


def kbm_grams(months: int) -> int:
    """The minimum weight gain (g) for a child of this age in completed months."""
    grams = KBM_BANDS[0][1]
    for first, band in KBM_BANDS:
        if months >= first:
            grams = band
    return grams


def gain_mark(*, weight_kg: Decimal, age_days: int, previous_kg: Decimal | None) -> str:
    """N or T for a weighing after last month's (`previous_kg`); "" without one.

    Only a pair of consecutive monthly weighings has a mark by this rule: O and B
    depend on the child's earlier history (see weighing_marks).
    """
    if previous_kg is None or weight_kg is None:
        return ""
    gain = (Decimal(weight_kg) - Decimal(previous_kg)) * 1000
    if gain >= kbm_grams(age_months(age_days)):
        return WeightGain.GAINED
    return WeightGain.NOT_GAINED


def kbm_sql(age_days_column: str) -> str:
    """The KBM rule as an SQL CASE giving grams from a column of age in days."""
    months = f"(({age_days_column}) * 10000 / {_MONTH_E4})"
    whens = " ".join(
        f"WHEN {months} >= {first} THEN {grams}"
        for first, grams in reversed(KBM_BANDS[1:])
    )
    return f"(CASE {whens} ELSE {KBM_BANDS[0][1]} END)"


# Each child's latest weighing (a measurement with a weight, at 0-59 months) of
# each month of a window, marked. The window opens two months before the first
# month marked, so that its first month has the month before (N/T) and that
# month's own mark (2T). Where the file gave a mark it is kept; else N/T by the
# KBM rule when last month has a weighing, O when an earlier month of the window
# has one, and otherwise O or B by whether the child has any weighing before the
# window: an index probe (child, date) run only for those rows. The probe sits
# beside the window functions (`first_mark`), in a subquery PostgreSQL cannot fold
# into the next: there it runs once per row, not once per use of `mark`. The two
# months before `first` only lend their weights and marks: their O/B is blank.
_MARKS_SQL = """
SELECT child_id, region_id, ym, measured_on, weight_kg, mark, from_file,
       CASE WHEN mark = 'T' AND LAG(ym) OVER child_months = ym - 1
                 AND LAG(mark) OVER child_months = 'T' THEN 1 ELSE 0 END
           AS not_gained_twice,
       below_red_line
FROM (
    SELECT child_id, region_id, ym, measured_on, weight_kg, below_red_line,
           CASE WHEN weight_gain <> '' THEN weight_gain
                WHEN previous_ym = ym - 1 THEN
                    CASE WHEN ROUND((weight_kg - previous_kg) * 1000) >= {kbm}
                         THEN 'N' ELSE 'T' END
                WHEN previous_ym IS NOT NULL THEN 'O'
                ELSE first_mark END AS mark,
           CASE WHEN weight_gain <> '' THEN 1 ELSE 0 END AS from_file
    FROM (
        SELECT child_id, region_id, ym, measured_on, weight_kg,
               age_days, weight_gain, below_red_line,
               LAG(ym) OVER child_months AS previous_ym,
               LAG(weight_kg) OVER child_months AS previous_kg,
               CASE WHEN weight_gain <> '' OR LAG(ym) OVER child_months IS NOT NULL
                         OR ym < %s THEN ''
                    WHEN birth_date >= %s THEN 'B'
                    WHEN EXISTS (
                        SELECT 1 FROM stunting_measurement e
                        WHERE e.child_id = weighed.child_id
                          AND e.measured_on < %s
                          AND e.measured_on >= weighed.birth_date
                          AND e.weight_kg IS NOT NULL
                    ) THEN 'O'
                    ELSE 'B' END AS first_mark
        FROM (
            SELECT m.child_id, c.region_id, c.birth_date, {ym} AS ym,
                   m.measured_on, m.weight_kg, m.age_days, m.weight_gain,
                   CASE WHEN m.waz < -3 AND NOT m.waz_implausible THEN 1 ELSE 0 END
                       AS below_red_line,
                   ROW_NUMBER() OVER (
                       PARTITION BY m.child_id, {ym}
                       ORDER BY m.measured_on DESC, m.id DESC
                   ) AS nth
            FROM stunting_measurement m
            JOIN stunting_child c ON c.id = m.child_id
            {join}
            WHERE m.measured_on BETWEEN %s AND %s
              AND m.age_days BETWEEN 0 AND %s AND m.weight_kg IS NOT NULL
              {where}
        ) AS weighed
        WHERE nth = 1
        WINDOW child_months AS (PARTITION BY child_id ORDER BY ym)
    ) AS latest
) AS marked
WINDOW child_months AS (PARTITION BY child_id ORDER BY ym)
"""
_MONTH_INDEX = {
    "postgresql": "CAST(EXTRACT(YEAR FROM m.measured_on) * 12"
    " + EXTRACT(MONTH FROM m.measured_on) AS INTEGER)",
    "sqlite": "(CAST(strftime('%%Y', m.measured_on) AS INTEGER) * 12"
    " + CAST(strftime('%%m', m.measured_on) AS INTEGER))",
}


def month_index(year: int, month: int) -> int:
    """A month as one integer, consecutive months one apart (SQL's `ym`)."""
    return year * 12 + month


def weighing_marks_sql(*, first, last, join="", where="", params=()):
    """The statement marking each child's latest weighing of each month from
    `first` to `last` (year, month), and its params; `join` (no params) and
    `where` ("AND ...", its params in `params`) narrow the children. Rows: child_id, region_id, ym,
    measured_on, weight_kg, mark, from_file, not_gained_twice, below_red_line;
    the caller keeps the rows with ym >= month_index(*first)."""
    year, month = first
    open_year, open_month = divmod(month_index(year, month) - 3, 12)
    window_start = datetime.date(open_year, open_month + 1, 1)
    last_year, last_month = last
    window_end = datetime.date(
        last_year, last_month, calendar.monthrange(last_year, last_month)[1]
    )
    vendor = connection.vendor
    sql = _MARKS_SQL.format(
        kbm=kbm_sql("age_days"),
        ym=_MONTH_INDEX[vendor],
        join=join,
        where=where,
    )
    return sql, [
        month_index(year, month),
        window_start,
        window_start,
        window_start,
        window_end,
        BALITA_MAX_DAYS,
        *params,
    ]
