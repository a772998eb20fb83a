"""What the end-to-end tests read and write: figures, dashboard cells, CSV files."""

import datetime
import random
import time
from zoneinfo import ZoneInfo

from django.utils import translation

from dashboards.reports import format_amount

JAKARTA = ZoneInfo("Asia/Jakarta")
CITY = "33.75"  # Kota Pekalongan
SELATAN = "33.75.04"  # Kecamatan Pekalongan Selatan, the demo PLKB's
HEADER = (
    "NIK;Nama Anak;JK;Tgl Lahir;Tanggal Pengukuran;BB (kg);TB (cm);Cara Ukur;"
    "Kode Desa;Posyandu;Nama Ortu"
)
# Rough WHO 2006 medians by age in months (both sexes): length/height and weight.
_HEIGHT = [(0, 49.5), (6, 66.0), (12, 74.8), (24, 86.4), (36, 95.1), (48, 102.7)]
_HEIGHT += [(60, 109.4)]
_WEIGHT = [(0, 3.3), (6, 7.6), (12, 9.3), (24, 12.0), (36, 14.1), (48, 16.1)]
_WEIGHT += [(60, 18.1)]


def data_day() -> datetime.date:
    """Yesterday in Jakarta, the app's time zone: a date no check calls future."""
    return datetime.datetime.now(JAKARTA).date() - datetime.timedelta(days=1)


def _median(table, months):
    for (m0, v0), (m1, v1) in zip(table, table[1:], strict=False):
        if months <= m1:
            return v0 + (v1 - v0) * (months - m0) / (m1 - m0)
    return table[-1][1]


def measurement_csv(*, children, desa, measured_on, first=0, seed=7) -> bytes:
    """An e-PPGBM export as Excel writes it (`;`, dd/mm/yyyy, decimal commas):
    one plausible measurement on `measured_on` for each of `children` new children
    aged 2-55 months, spread over the `desa` codes, each with its own NIK."""
    rng = random.Random(seed)
    lines = [HEADER]
    for n in range(first, first + children):
        age = rng.randint(60, 1680)
        months = age / 30.4375
        lying = age < 731
        height = _median(_HEIGHT, months) - (0 if lying else 0.7) + rng.uniform(-3, 3)
        weight = _median(_WEIGHT, months) + rng.uniform(-0.8, 0.8)
        born = measured_on - datetime.timedelta(days=age)
        lines.append(
            ";".join(
                (
                    f"337599{n:010d}",
                    f"Anak Uji E2E {n}",
                    "L" if n % 2 else "P",
                    born.strftime("%d/%m/%Y"),
                    measured_on.strftime("%d/%m/%Y"),
                    f"{weight:.1f}".replace(".", ","),
                    f"{height:.1f}".replace(".", ","),
                    "telentang" if lying else "berdiri",
                    desa[n % len(desa)],
                    "Posyandu Uji E2E",
                    f"Orang Tua {n}",
                )
            )
        )
    return ("\n".join(lines) + "\n").encode()


def figure(stack, code, indicator, year):
    """(numerator, denominator) of a stored figure; (0, None) when there is no row."""
    rows = stack.sql(
        "SELECT numerator, denominator FROM dashboards_snapshot "
        "WHERE region_code = %s AND indicator = %s AND period = %s",
        (code, indicator, year),
    )
    return tuple(rows[0]) if rows else (0, None)


def shown(numerator, denominator, unit="percent"):
    """A figure as the Indonesian dashboard prints it."""
    value = numerator if unit == "count" else 100 * numerator / denominator
    with translation.override("id"):
        return format_amount(value, unit)


def kpi(page, indicator):
    """The value on a dashboard's KPI card."""
    return page.locator(
        f'.dash-kpis [data-indicator="{indicator}"] .kpi-value'
    ).inner_text()


def table_cell(page, code, indicator):
    """The text of a dashboard's indicator table at (child region, indicator)."""
    return page.evaluate(
        """([code, key]) => {
            const table = document.getElementById('indicator-table');
            const keys = [...table.tHead.rows[0].cells].map(c => c.dataset.key);
            const row = [...table.tBodies[0].rows].find(
                r => [...r.cells].some(c => c.dataset.value === code));
            return row ? row.cells[keys.indexOf(key)].innerText : null;
        }""",
        [code, indicator],
    )


def reload_until(page, url, check, *, seconds, what):
    """Open `url` again and again until check(page) holds, as a person waiting would."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        if check(page):
            return time.monotonic() - (deadline - seconds)
        if time.monotonic() > deadline:
            raise AssertionError(
                f"After {seconds} s the page {url} still lacks {what}."
            )
        time.sleep(2)


def submit(page, click):
    """Submit a form with `click`; give the page's response and the seconds it took."""
    started = time.monotonic()
    with page.expect_navigation() as navigation:
        click()
    return navigation.value, time.monotonic() - started
