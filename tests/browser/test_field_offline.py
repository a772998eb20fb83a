"""A PLKB works on a 360 px phone with the network cut, in Chromium (issue 16).

The field app is visited once online; then the network is cut for the page and
for its service worker (context.set_offline, and every request of the context,
the worker's included, refused), entries are made and the page is reloaded from
the worker's cache; when the network returns the queue is sent and each entry is
saved exactly once, with the server's z-scores shown on the phone.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from dashboards.models import Snapshot
from field.models import SyncedEntry
from kampungkb.models import Role
from kampungkb.services import user_create
from stunting.models import BeneficiaryCategory, Child, DashatSession, Measurement
from stunting.services import (
    beneficiary_enrol,
    child_register,
    dashat_save,
    measurement_record,
)
from tests.conftest import wait_until
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import KampungActivity, Region
from villages.services import region_load

from .conftest import ARTIFACTS, PHONE, assert_fits_the_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
JENGGOT = "33.75.04.1004"
# (name, sex, age in days, weight kg, height cm)
CHILDREN = (
    ("Ani Lestari", "P", 400, "8.9", "74.0"),
    ("Bima Pratama", "L", 731, "10.0", "80.0"),
    ("Citra Dewi", "P", 900, "11.2", "86.5"),
)


@pytest.fixture
def field(db):
    """Jenggot with its PLKB, a staff member, three children and a Dashat."""
    region_load(prefix="33.75")
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    jenggot = Region.objects.get(code=JENGGOT)
    for username, role, codes in (
        ("plkb.jenggot", Role.PLKB, [JENGGOT]),
        ("staf.kota", Role.STAF, ["33.75"]),
    ):
        user_create(
            actor=admin,
            username=username,
            role=role,
            regions=Region.objects.filter(code__in=codes),
            password=PASSWORD,
        )
    today = timezone.localdate()
    children = {
        name: child_register(
            region=jenggot,
            name=name,
            sex=sex,
            birth_date=today - datetime.timedelta(days=days),
            posyandu="Posyandu Melati",
        )
        for name, sex, days, _weight, _height in CHILDREN
    }
    kampung = KampungFactory(region=jenggot)
    ClassificationFactory(kampung=kampung)
    dashat = dashat_save(
        kampung=kampung, name="Dashat Melati", formed_on=datetime.date(2024, 1, 5)
    )
    beneficiary_enrol(
        dashat=dashat,
        category=BeneficiaryCategory.BALITA,
        child=children["Ani Lestari"],
        start_on=today - datetime.timedelta(days=30),
    )
    return {"children": children, "dashat": dashat}


def _phone(chromium, live_server):
    context = chromium.new_context(
        viewport=PHONE,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        base_url=live_server.url,
    )
    return context, context.new_page()


def _open_app(page):
    """Sign in and open the field app until it can work with no signal."""
    sign_in(page, "plkb.jenggot", PASSWORD)
    page.goto("/lapangan/")
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)


def _offline(context):
    context.set_offline(True)
    # set_offline alone lets a service worker's fetch through in Chromium.
    context.route("**/*", lambda route: route.abort("internetdisconnected"))


def _online(context):
    context.unroute("**/*")
    context.set_offline(False)


def _queue(page, n):
    page.get_by_text(f"Menunggu dikirim: {n}", exact=True).wait_for()


def _measure(page, child, weight, height):
    """Record a measurement on the phone; give the z-scores it showed."""
    page.goto("/lapangan/#desa/" + JENGGOT)
    row = page.locator("li.child-row", has_text=child)
    row.get_by_role("link", name="Catat pengukuran").click()
    page.fill("#f-weight_kg", weight)
    page.fill("#f-height_cm", height)
    score = page.locator("#f-score")
    score.get_by_text("TB/U:").wait_for()
    shown = score.inner_text()
    assert_fits_the_screen(page)
    _shot(page, "measurement")
    page.get_by_role("button", name="Simpan di ponsel").click()
    # Kept: the phone goes back to the child's page.
    page.wait_for_url(re.compile(r"/lapangan/#anak/"))
    page.get_by_text("Disimpan di ponsel; dikirim saat ada sinyal.").wait_for()
    return shown


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"field-{name}.png", full_page=True)


def _z(value):
    return f"{value:.2f}".replace(".", ",")


def test_a_day_offline_is_saved_once_with_the_servers_z(
    chromium, live_server, field, celery_worker
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    assert_fits_the_screen(page)
    year = timezone.localdate().year

    _offline(context)
    shown = {
        name: _measure(page, name, weight, height)
        for name, _sex, _days, weight, height in CHILDREN
    }
    page.goto("/lapangan/#desa/" + JENGGOT)
    page.get_by_role("link", name="Catat sesi Dashat: Dashat Melati").click()
    page.fill("#f-menu", "Nasi, telur, sayur bayam")
    page.fill("#f-portions", "25")
    page.get_by_label("Balita: Ani Lestari").check()
    page.get_by_role("button", name="Simpan di ponsel").click()
    _queue(page, 4)

    # The page comes back from the worker's cache, the queue from IndexedDB.
    page.reload()
    _queue(page, 4)
    assert "Tanpa sinyal" in page.locator("#net-state").inner_text()
    _shot(page, "offline-reloaded")
    page.goto("/lapangan/#anak/" + str(field["children"]["Bima Pratama"].pk))
    assert page.locator("tr.pending").count() == 1
    assert_fits_the_screen(page)
    # Nothing reached the server.
    assert Measurement.objects.count() == 0
    assert DashatSession.objects.count() == 0

    _online(context)
    _queue(page, 0)

    for name, child in field["children"].items():
        saved = Measurement.objects.get(child=child)
        assert saved.measured_on == timezone.localdate()
        # The phone's live z was the server's.
        assert f"TB/U: {_z(saved.haz)}" in shown[name]
        assert f"BB/U: {_z(saved.waz)}" in shown[name]
    assert DashatSession.objects.get().portions == 25
    assert list(
        DashatSession.objects.get().beneficiaries_present.values_list(
            "child__name", flat=True
        )
    ) == ["Ani Lestari"]
    assert SyncedEntry.objects.count() == 4
    # The phone now shows the server's z-scores, and no warning of a difference.
    bima = field["children"]["Bima Pratama"]
    page.goto(f"/lapangan/#anak/{bima.pk}")
    first = page.locator("table.measurements tbody tr").first
    _shot(page, "child-after-sync")
    assert "belum dikirim" not in first.inner_text()
    assert (
        first.locator("td.z-haz")
        .inner_text()
        .startswith(_z(Measurement.objects.get(child=bima).haz))
    )
    assert page.locator(".z-differs").count() == 0

    # The dashboard of the city counts the three children measured.
    def refreshed():
        """the refresh after the sync"""
        return Snapshot.objects.filter(
            indicator="stunting_measured",
            region_code="33.75",
            period=year,
            denominator=3,
        ).exists()

    wait_until(refreshed, seconds=90)
    context.close()


def test_a_conflicting_edit_shows_both_and_the_officer_keeps_theirs(
    chromium, live_server, field
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    child = field["children"]["Bima Pratama"]

    _offline(context)
    _measure(page, "Bima Pratama", "10.0", "80.0")
    # Meanwhile the staff records the same child and day on the server.
    staff = get_user_model().objects.get(username="staf.kota")
    measurement_record(
        child=child,
        measured_on=timezone.localdate(),
        weight_kg=Decimal("9.10"),
        height_cm=Decimal("79.0"),
        measured="standing",
        entered_by=staff,
    )

    _online(context)
    page.get_by_role(
        "link", name="Ada catatan yang perlu Anda periksa di antrean."
    ).click()
    entry = page.locator("li.queue-entry")
    entry.get_by_text("Berbeda dengan server").wait_for()
    # Side by side: the server's values and the phone's.
    weight = entry.locator("tr", has_text="Berat badan (kg)")
    assert "9.1" in weight.locator("td.server-value").inner_text().replace(",", ".")
    assert "10" in weight.locator("td.mine-value").inner_text()
    assert_fits_the_screen(page)
    _shot(page, "conflict")
    # Nothing changed on the server until the officer decides.
    assert float(Measurement.objects.get(child=child).weight_kg) == 9.1

    entry.get_by_role("button", name="Pakai data saya").click()
    _queue(page, 0)
    saved = Measurement.objects.get(child=child)
    assert float(saved.weight_kg) == 10.0 and float(saved.height_cm) == 80.0
    context.close()


def test_a_refused_entry_is_corrected_on_the_phone_and_sent_again(
    chromium, live_server, field
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    child = field["children"]["Ani Lestari"]
    before_birth = (child.birth_date - datetime.timedelta(days=3)).isoformat()

    _offline(context)
    page.goto(f"/lapangan/#ukur/{child.pk}")
    page.fill("#f-measured_on", before_birth)
    page.fill("#f-weight_kg", "8.9")
    page.fill("#f-height_cm", "74.0")
    page.get_by_role("button", name="Simpan di ponsel").click()
    _queue(page, 1)
    entry_id = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("kkb-lapangan-" + document.getElementById("main").dataset.user);
            open.onsuccess = () => {
              const all = open.result.transaction("queue").objectStore("queue").getAllKeys();
              all.onsuccess = () => resolve(all.result[0]);
            };
        })"""
    )

    _online(context)
    page.get_by_text("Ditolak, perlu diperbaiki: 1").wait_for()
    page.goto("/lapangan/#antrean")
    entry = page.locator("li.queue-entry")
    assert "Tanggal ukur sebelum tanggal lahir." in entry.inner_text()
    entry.get_by_role("link", name="Perbaiki").click()
    # The server's message next to its field, for correction.
    field_box = page.locator("[data-field=measured_on]")
    assert "Tanggal ukur sebelum tanggal lahir." in field_box.inner_text()
    assert_fits_the_screen(page)
    _shot(page, "refused")
    page.fill("#f-measured_on", timezone.localdate().isoformat())
    page.get_by_role("button", name="Simpan di ponsel").click()

    _queue(page, 0)
    saved = Measurement.objects.get(child=child)
    assert saved.measured_on == timezone.localdate()
    # Sent again under the id the phone made for it.
    assert str(SyncedEntry.objects.get().entry_id) == entry_id
    context.close()


def test_a_second_device_of_the_same_officer_makes_no_doubles(
    chromium, live_server, field
):
    first, phone1 = _phone(chromium, live_server)
    second, phone2 = _phone(chromium, live_server)
    _open_app(phone1)
    _open_app(phone2)
    ani = field["children"]["Ani Lestari"]

    # Both phones measure the same child, the same day, the same values.
    _offline(first)
    _offline(second)
    _measure(phone1, "Ani Lestari", "8.9", "74.0")
    _measure(phone2, "Ani Lestari", "8.9", "74.0")
    _measure(phone2, "Citra Dewi", "11.2", "86.5")

    _online(first)
    _queue(phone1, 0)
    # The second phone's answer is lost on the way back: it sends again.
    lost = []

    def lose_answer(route):
        route.fetch()
        lost.append(route.request.url)
        route.abort("connectionreset")

    second.route("**/lapangan/sinkron/", lose_answer)
    _online(second)
    phone2.get_by_text("Pengiriman gagal", exact=False).wait_for()
    assert lost
    second.unroute("**/lapangan/sinkron/")
    _queue(phone2, 2)
    phone2.get_by_role("button", name="Kirim sekarang").click()
    _queue(phone2, 0)

    assert Measurement.objects.filter(child=ani).count() == 1
    assert Measurement.objects.count() == 2
    assert SyncedEntry.objects.count() == 3
    phone2.goto(f"/lapangan/#anak/{ani.pk}")
    assert phone2.locator("table.measurements tbody tr").count() == 1
    first.close()
    second.close()


def test_sign_out_warns_of_unsent_entries_and_clears_the_device(
    chromium, live_server, field
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    _offline(context)
    _measure(page, "Citra Dewi", "11.2", "86.5")
    # Back online, but the queue cannot be sent.
    context.unroute("**/*")
    context.route("**/lapangan/sinkron/", lambda route: route.abort("timedout"))
    context.set_offline(False)
    _queue(page, 1)

    warnings = []

    def answer(dialog):
        warnings.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/masuk/**")

    assert warnings == ["1 catatan belum terkirim akan hilang. Tetap keluar?"]
    fresh = context.new_page()
    fresh.goto("/masuk/")
    assert fresh.evaluate("indexedDB.databases()") == []
    assert fresh.evaluate("caches.keys()") == []
    assert (
        fresh.evaluate(
            "navigator.serviceWorker.getRegistrations().then((r) => r.length)"
        )
        == 0
    )
    assert Measurement.objects.count() == 0
    context.close()


def test_a_lapsed_session_keeps_the_queue_until_the_officer_signs_in_again(
    chromium, live_server, field
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    _offline(context)
    _measure(page, "Ani Lestari", "8.9", "74.0")
    # The session ends on the server while the phone is out of reach.
    Session.objects.all().delete()

    _online(context)
    page.get_by_role("link", name="Masuk lagi untuk mengirim").wait_for()
    _queue(page, 1)
    assert Measurement.objects.count() == 0

    page.get_by_role("link", name="Masuk lagi untuk mengirim").click()
    page.fill("#id_username", "plkb.jenggot")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/lapangan/$"))
    _queue(page, 0)
    assert Measurement.objects.get().child == field["children"]["Ani Lestari"]
    context.close()


def test_a_child_registered_offline_is_measured_before_it_is_sent(
    chromium, live_server, field
):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    born = timezone.localdate() - datetime.timedelta(days=200)

    _offline(context)
    page.goto("/lapangan/#desa/" + JENGGOT)
    page.get_by_role("link", name="Tambah anak").click()
    page.fill("#f-name", "Dimas Saputra")
    page.get_by_label("Laki-laki").check()
    page.fill("#f-birth_date", born.isoformat())
    page.get_by_role("button", name="Simpan di ponsel").click()
    row = page.locator("li.child-row", has_text="Dimas Saputra")
    assert "belum dikirim" in row.inner_text()
    _measure(page, "Dimas Saputra", "7.5", "66.0")
    _queue(page, 2)
    assert_fits_the_screen(page)

    _online(context)
    _queue(page, 0)
    child = Child.objects.get(name="Dimas Saputra")
    assert (child.region_id, child.sex, child.birth_date) == (JENGGOT, "L", born)
    assert child.measurements.get().weight_kg == Decimal("7.50")
    context.close()


def test_a_kampung_kb_activity_noted_offline_arrives_once(chromium, live_server, field):
    context, page = _phone(chromium, live_server)
    _open_app(page)

    _offline(context)
    page.goto("/lapangan/#desa/" + JENGGOT)
    page.get_by_role("link", name="Catat kegiatan Kampung KB").click()
    page.fill("#f-title", "Penyuluhan KB")
    page.fill("#f-note", "Di balai desa, bersama bidan.")
    page.fill("#f-participants", "30")
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Simpan di ponsel").click()
    _queue(page, 1)
    assert not KampungActivity.objects.exists()

    _online(context)
    _queue(page, 0)
    activity = KampungActivity.objects.get()
    assert (activity.title, activity.participants) == ("Penyuluhan KB", 30)
    assert activity.held_on == timezone.localdate()
    assert activity.recorded_by.username == "plkb.jenggot"
    context.close()


def test_a_server_z_unlike_the_phones_is_pointed_out(chromium, live_server, field):
    context, page = _phone(chromium, live_server)
    _open_app(page)
    _offline(context)
    _measure(page, "Bima Pratama", "10.0", "80.0")
    # As a phone with other tables would have scored it: 0.3 above the server.
    page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("kkb-lapangan-" + document.getElementById("main").dataset.user);
            open.onsuccess = () => {
              const store = open.result.transaction("queue", "readwrite").objectStore("queue");
              const all = store.getAll();
              all.onsuccess = () => {
                const entry = all.result[0];
                entry.phone_z.haz += 0.3;
                store.put(entry).onsuccess = () => resolve();
              };
            };
        })"""
    )
    page.reload()
    _queue(page, 1)

    _online(context)
    _queue(page, 0)
    warning = page.locator(".z-differs")
    saved = Measurement.objects.get()
    assert warning.count() == 1
    assert (
        f"TB/U: ponsel {_z(saved.haz + 0.3)}, server {_z(saved.haz)}"
        in warning.inner_text()
    )
    context.close()
