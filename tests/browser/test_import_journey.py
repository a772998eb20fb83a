"""A staff member imports a measurement file on a phone and follows its progress."""

import datetime

import pytest
from playwright.sync_api import expect

from kampungkb.models import Role
from stunting.models import ImportBatch, ImportStatus, Measurement
from tests.browser.test_journeys import PASSWORD, _account
from villages.services import region_load

from .conftest import assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_imports_a_file_and_sees_it_finish(phone, celery_worker):
    region_load(prefix="33.75")
    _account("staf.kota", Role.STAF, ["33.75"])
    today = datetime.date.today()
    born = (today - datetime.timedelta(days=400)).strftime("%d/%m/%Y")
    measured = (today - datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    csv = (
        "NIK;Nama Anak;JK;Tgl Lahir;Tgl Ukur;BB;TB;Cara Ukur;Kode Desa;Posyandu\n"
        f"3375041234560001;Budi;L;{born};{measured};9,6;76,0;telentang;"
        "33.75.04.1004;Melati\n"
        f";Sari;P;{born};{measured};8,9;74,5;telentang;33.75.04.1004;Melati\n"
    )
    sign_in(phone, "staf.kota", PASSWORD)

    phone.goto("/stunting/impor/")
    phone.set_input_files(
        "#id_file",
        {"name": "posyandu-melati.csv", "mimeType": "text/csv", "buffer": csv.encode()},
    )
    phone.get_by_role("button", name="Unggah dan periksa").click()

    phone.wait_for_url("**/stunting/impor/*/")
    status = phone.locator("#import-status")
    status.filter(has_text="Selesai").wait_for()
    assert phone.locator("#created-children").inner_text() == "2"
    assert phone.locator("#created-measurements").inner_text() == "2"
    assert "posyandu-melati.csv" in phone.locator("h1").inner_text()
    assert_fits_the_screen(phone)
    assert Measurement.objects.count() == 2


def test_the_progress_page_follows_a_running_import(phone):
    region_load(prefix="33.75")
    staff = _account("staf.kota", Role.STAF, ["33.75"])
    batch = ImportBatch.objects.create(
        uploaded_by=staff,
        file_name="besar.csv",
        file_sha256="0" * 64,
        status=ImportStatus.RUNNING,
        total_rows=100_000,
        processed_rows=20_000,
    )
    sign_in(phone, "staf.kota", PASSWORD)

    phone.goto(f"/stunting/impor/{batch.pk}/")
    assert phone.locator("#import-status").inner_text() == "Berjalan"
    assert phone.locator("#import-progress").get_attribute("value") == "20"
    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=60_000)
    # A locator wait, not wait_for_function: that evaluates a string, which the
    # page's Content-Security-Policy (no 'unsafe-eval') refuses.
    expect(phone.locator("#import-progress")).to_have_js_property("value", 60)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.DONE, processed_rows=100_000, created_measurements=99_000
    )
    phone.locator("#import-status").filter(has_text="Selesai").wait_for()
    assert phone.locator("#created-measurements").inner_text() == "99.000"
