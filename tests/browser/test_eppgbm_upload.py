"""An e-PPGBM export, as downloaded (HTML table named .xls), imports in the browser."""

import datetime

import pytest

from kampungkb.models import Role
from stunting.models import Measurement
from tests.browser.test_journeys import PASSWORD, _account
from tests.stunting import eppgbm_files as files
from villages.services import region_load

from .conftest import assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_uploads_the_status_gizi_export_unedited(phone, celery_worker):
    region_load(prefix="33.75")
    _account("staf.kota", Role.STAF, ["33.75"])
    today = datetime.date.today()
    kids = [
        files.Child(
            n,
            birth=today - datetime.timedelta(days=300 + 40 * n),
            measured=today - datetime.timedelta(days=n),
        )
        for n in range(1, 4)
    ]
    rows = files.records(files.STATUS_GIZI, kids, shifted={0, 1, 2})
    sign_in(phone, "staf.kota", PASSWORD)

    phone.goto("/stunting/impor/")
    phone.set_input_files(
        "#id_file",
        {
            "name": "Daftar Anak Berdasarkan Status Gizi.xls",
            "mimeType": "application/vnd.ms-excel",
            "buffer": files.html_xls(rows),
        },
    )
    phone.get_by_role("button", name="Unggah dan periksa").click()

    phone.wait_for_url("**/stunting/impor/*/")
    phone.locator("#import-status").filter(has_text="Selesai").wait_for()
    assert phone.locator("#created-measurements").inner_text() == "3"
    assert "3 baris tidak berisi sel “Total Pengukuran”" in (
        phone.locator("#report-realigned").inner_text()
    )
    assert files.CAPTION in phone.locator("#report-captions").inner_text()
    assert_fits_the_screen(phone)
    assert Measurement.objects.count() == 3
