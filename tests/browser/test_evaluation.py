"""Staff run a yearly evaluation in Chromium on a phone: an evaluator scores a
Kampung KB, staff close the cycle, accept a suggestion and export the results."""

import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from evaluations.models import Cycle, Evidence, Score
from kampungkb.models import Role
from tests.browser.test_journeys import PASSWORD, _account
from villages.models import Classification, ClassificationBasis, Region
from villages.services import kampung_classify, kampung_create, region_load

from .conftest import assert_fits_the_screen, open_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


@pytest.fixture
def kota(settings, tmp_path):
    """Jenggot (three years old on 29 April 2025) and Medono (formed 2023)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    region_load(prefix="33.75")
    kampungs = {}
    for code, formed_on in [
        ("33.75.04.1004", datetime.date(2022, 4, 29)),
        ("33.75.01.1002", datetime.date(2023, 6, 15)),
    ]:
        kampung = kampung_create(
            region=Region.objects.get(code=code), formed_on=formed_on
        )
        kampung_classify(
            kampung=kampung,
            level="dasar",
            effective_on=formed_on,
            basis=ClassificationBasis.LAUNCH,
        )
        kampungs[kampung.region.name] = kampung
    _account("staf.kota", Role.STAF, ["33.75"])
    _account("evaluator.kota", Role.EVALUATOR, ["33.75"])
    return kampungs


def _sign_out(page):
    open_menu(page)
    page.locator("form[action='/keluar/'] button").click()
    page.wait_for_url("**/masuk/**")


def test_staff_run_the_2025_cycle_end_to_end(phone, kota):
    jenggot = kota["Jenggot"]

    # Staff create the cycle, assign the evaluator and open scoring.
    sign_in(phone, "staf.kota", PASSWORD)
    open_menu(phone)
    phone.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Evaluasi"
    ).click()
    phone.get_by_role("link", name="Buat siklus evaluasi").click()
    phone.fill("#id_name", "Evaluasi dan Pembinaan Kampung KB 2025")
    phone.fill("#id_year", "2025")
    phone.fill("#id_evaluated_on", "2025-04-29")
    assert_fits_the_screen(phone)
    phone.get_by_role("button", name="Simpan").click()
    assert "2 Kampung KB peserta" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Tugaskan evaluator").first.click()
    phone.select_option("#id_evaluator", label="evaluator.kota")
    phone.get_by_role("button", name="Simpan penugasan").click()
    assert "Penugasan evaluator.kota disimpan." in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Evaluasi dan Pembinaan Kampung KB 2025").click()
    phone.get_by_role("button", name="Buka penilaian").click()
    assert "Penilaian dibuka" in phone.locator("main").inner_text()
    cycle = Cycle.objects.get()
    assert cycle.status == "open" and cycle.criteria.count() == 12
    _sign_out(phone)

    # The evaluator scores Jenggot on the phone: 3 of 4 on every criterion.
    sign_in(phone, "evaluator.kota", PASSWORD)
    open_menu(phone)
    phone.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Evaluasi"
    ).click()
    phone.get_by_role("link", name="Evaluasi dan Pembinaan Kampung KB 2025").click()
    phone.get_by_role("link", name="Nilai Kampung KB Jenggot").click()
    criteria = phone.locator("fieldset.criterion")
    assert criteria.count() == 12
    for i in range(12):
        criteria.nth(i).get_by_label("3 baik", exact=True).check()
    criteria.first.locator("textarea").fill(
        "Lurah dan OPD hadir di setiap rapat Pokja."
    )
    assert_fits_the_screen(phone)
    phone.get_by_role("button", name="Simpan nilai").click()
    assert "12 nilai disimpan." in phone.locator("main").inner_text()
    assert "12 dari 12 nilai" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Isi nilai").click()
    phone.set_input_files(
        "#id_file", {"name": "rapat-pokja.png", "mimeType": "image/png", "buffer": PNG}
    )
    phone.get_by_role("button", name="Unggah bukti").click()
    assert "Bukti dukung diunggah." in phone.locator("main").inner_text()
    assert Score.objects.filter(evaluator__username="evaluator.kota").count() == 12
    assert Evidence.objects.get().original_name == "rapat-pokja.png"
    _sign_out(phone)

    # Staff close the cycle: the ranking and the province list appear.
    sign_in(phone, "staf.kota", PASSWORD)
    phone.goto(f"/evaluasi/{cycle.pk}/")
    phone.get_by_role("button", name="Tutup siklus dan kunci nilai").click()
    main = phone.locator("main")
    assert "Siklus ditutup; nilai terkunci." in main.inner_text()
    province = phone.locator("#provinsi").inner_text()
    assert "Kampung KB Jenggot" in province and "nilai 75,00, peringkat 1" in province
    assert "Medono" not in province
    ranking = phone.locator("table.results tbody tr")
    assert ranking.count() == 2
    assert ranking.first.inner_text().startswith("1")
    assert "Kampung KB Jenggot" in ranking.first.inner_text()
    assert "Mandiri" in ranking.first.inner_text()  # 75 suggests mandiri
    assert_fits_the_screen(phone)

    # Accepting the suggestion writes the classification history.
    phone.get_by_role("button", name="Terima Mandiri untuk Kampung KB Jenggot").click()
    assert "Kampung KB Jenggot kini Mandiri" in main.inner_text()
    entry = Classification.objects.filter(kampung=jenggot).order_by("-id").first()
    assert (entry.level, entry.basis) == ("mandiri", ClassificationBasis.EVALUATION)
    phone.goto(f"/kampung/{jenggot.pk}/")
    history = (
        phone.locator("section")
        .filter(has=phone.get_by_role("heading", name="Riwayat klasifikasi"))
        .inner_text()
    )
    assert "Hasil evaluasi: Evaluasi dan Pembinaan Kampung KB 2025" in history

    # The results export to Excel, numbers as numbers.
    phone.goto(f"/evaluasi/{cycle.pk}/hasil/")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Unduh Excel (.xlsx)").click()
    book = load_workbook(BytesIO(open(download.value.path(), "rb").read()))
    rows = list(book["Hasil"].iter_rows(values_only=True))
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Kampung KB"] == "Kampung KB Jenggot"
    assert (first["Peringkat"], first["Nilai total"]) == (1, 75)
    assert first["Saran diterima"] == "Ya"
    assert download.value.suggested_filename.endswith(".xlsx")
    _sign_out(phone)

    # Once closed, the evaluator's form is locked.
    sign_in(phone, "evaluator.kota", PASSWORD)
    participant = cycle.participants.get(kampung=jenggot)
    phone.goto(f"/evaluasi/{cycle.pk}/kampung/{participant.pk}/nilai/")
    assert "nilai dan bukti dukung terkunci" in phone.locator("main").inner_text()
    assert phone.get_by_role("button", name="Simpan nilai").count() == 0
