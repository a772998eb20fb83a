"""A working day on the real stack: gunicorn, a Celery worker and beat, PostgreSQL
and Redis, driven through Chromium.

Staff import a measurement file and watch it being checked, a PLKB fills in a
Kampung KB's readiness on a phone, and the city's dashboard shows both once the
worker has refreshed the figures, with no one asking for a refresh.
"""

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import assert_fits_the_screen, sign_in

from .conftest import LAPTOP, PHONE
from .helpers import (
    CITY,
    SELATAN,
    data_day,
    figure,
    kpi,
    measurement_csv,
    reload_until,
    shown,
    submit,
)
from .stack import PASSWORD

pytestmark = pytest.mark.e2e

CHILDREN = 40_000  # two checking chunks of 20,000 rows: the page has progress to show
JENGGOT = "33.75.04.1004"


def progress_shown(page):
    """(status, progress %) on an import's page; None while it reloads itself."""
    try:
        return tuple(
            page.evaluate(
                """() => [document.getElementById('import-status').textContent,
                          document.getElementById('import-progress')?.value ?? null]"""
            )
        )
    except PlaywrightError:  # the page reloads itself when the import is done
        return None


def test_a_working_day(stack, pages, shot):
    day = data_day()
    year = day.year
    kampung_id, complete = stack.sql(
        "SELECT id, web_kampung_kb_filled AND siga_k0_year IS NOT NULL "
        "AND rumah_dataku <> 'none' FROM villages_kampungkb WHERE region_id = %s",
        (JENGGOT,),
    )[0]
    assert not complete, "the demo's Kampung KB Jenggot starts without full readiness"
    measured = figure(stack, CITY, "measurement_coverage", year)
    ready = figure(stack, CITY, "readiness_complete", year)
    dashboard = f"/dashboard/{CITY}/?tahun={year}"

    # Staff of the city sign in on a laptop and land on their dashboard.
    staff = pages(LAPTOP)
    sign_in(staff, "staf.kota", PASSWORD)
    assert staff.locator("h1").inner_text().startswith("Kota Pekalongan")
    shot(staff, "staff-signed-in")  # their dashboard: the figures before the day
    staff.goto(dashboard)
    assert kpi(staff, "measurement_coverage") == shown(*measured)
    assert kpi(staff, "readiness_complete") == shown(*ready)

    # They upload a file of 40,000 children measured yesterday in the city.
    desa = [
        code
        for (code,) in stack.sql(
            "SELECT code FROM villages_region WHERE kabkota_id = %s AND level = 4",
            (CITY,),
        )
    ]
    staff.goto("/stunting/impor/")
    staff.set_input_files(
        "#id_file",
        {
            "name": "eppgbm-kota-pekalongan.csv",
            "mimeType": "text/csv",
            "buffer": measurement_csv(children=CHILDREN, desa=desa, measured_on=day),
        },
    )
    shot(staff, "import-file-chosen")
    response, _seconds = submit(
        staff, staff.get_by_role("button", name="Unggah dan periksa").click
    )
    assert response.ok, response.status
    assert "/stunting/impor/" in staff.url

    # The progress page follows the worker by itself: no one reloads it.
    status = staff.locator("#import-status")
    first = status.inner_text()
    assert first in ("Menunggu", "Berjalan"), first
    assert staff.locator("#import-waiting").is_hidden()
    shot(staff, "import-in-progress")
    seen = [progress_shown(staff)]
    deadline = time.monotonic() + 180
    while seen[-1][0] != "Selesai":
        assert time.monotonic() < deadline, f"import not done after 180 s: {seen}"
        time.sleep(0.2)
        step = progress_shown(staff)
        if step and step != seen[-1]:
            seen.append(step)
            if step[1] not in (None, 0, 100):  # caught half way: show it
                shot(staff, f"import-progress-{step[1]}")
    print(f"the progress page showed {seen}")
    assert status.inner_text() == "Selesai"
    assert staff.locator("#created-children").inner_text() == "40.000"
    assert staff.locator("#created-measurements").inner_text() == "40.000"
    shot(staff, "import-done")

    # A PLKB, on a phone, fills in Kampung KB Jenggot's readiness.
    plkb = pages(PHONE)
    sign_in(plkb, "plkb.selatan", PASSWORD)
    assert_fits_the_screen(plkb)
    shot(plkb, "plkb-signed-in")
    plkb.get_by_role("link", name="Kampung KB Jenggot").first.click()
    plkb.wait_for_url(f"**/kampung/{kampung_id}/")
    plkb.get_by_role("link", name="Ubah kesiapan").click()
    plkb.check("#id_web_kampung_kb_filled")
    plkb.fill("#id_siga_k0_year", str(year))
    plkb.check('input[name="rumah_dataku"][value="sederhana"]')
    assert_fits_the_screen(plkb)
    shot(plkb, "plkb-readiness-filled")
    response, _seconds = submit(plkb, plkb.get_by_role("button", name="Simpan").click)
    assert response.ok and plkb.url.endswith(f"/kampung/{kampung_id}/")
    assert "Kesiapan Kampung KB disimpan." in plkb.locator("main").inner_text()
    assert_fits_the_screen(plkb)
    shot(plkb, "plkb-saved")

    # The dashboard shows both once the worker has refreshed the city's figures.
    measured_now = (measured[0] + CHILDREN, measured[1] + CHILDREN)
    ready_now = (ready[0] + 1, ready[1])
    seconds = reload_until(
        staff,
        dashboard,
        lambda page: (
            kpi(page, "measurement_coverage") == shown(*measured_now)
            and kpi(page, "readiness_complete") == shown(*ready_now)
        ),
        seconds=120,
        what=f"measurement coverage {shown(*measured_now)} and readiness "
        f"{shown(*ready_now)}",
    )
    print(f"dashboard up to date {seconds:.1f} s after the PLKB saved")
    assert figure(stack, CITY, "measurement_coverage", year) == measured_now
    assert figure(stack, CITY, "readiness_complete", year) == ready_now
    assert figure(stack, SELATAN, "readiness_complete", year)[0] >= 1
    shot(staff, "dashboard-after")

    # And the stack reports itself healthy.
    response = staff.goto("/healthz")
    health = response.json()
    assert response.status == 200, health
    assert health["status"] == "ok"
    shot(staff, "healthz")
    assert not pages.server_errors
