"""Home worklists: which children a PLKB visits this month and why, and what
staff must decide; each rule's edge, and what the home pages show."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboards.models import Alert, AlertKind, AlertStatus
from kampungkb.models import Role, User
from stunting import services as stunting_services
from stunting import worklists
from stunting.models import ImportBatch, ImportStatus, Measurement
from tests.factories import FieldOfficerFactory, KampungFactory
from villages import services as village_services
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"  # the PLKB's desa
MEDONO = "33.75.01.1002"  # another kecamatan
TODAY = datetime.date(2026, 11, 15)


def _child(name, *, code=JENGGOT, born=datetime.date(2024, 5, 1)):
    return stunting_services.child_register(
        region=Region.objects.get(code=code), name=name, sex="P", birth_date=born
    )


def _measure(child, on, haz, *, implausible=False, weight="10"):
    """A measurement with the HAZ given (the selectors read the stored scores)."""
    return Measurement.objects.create(
        child=child,
        measured_on=on,
        weight_kg=Decimal(weight),
        height_cm=80,
        measured="standing",
        age_days=(on - child.birth_date).days,
        haz=haz,
        haz_implausible=implausible,
    )


def _ids(due):
    return [getattr(item, "child", item).pk for item in due.items]


def _jenggot():
    return [Region.objects.get(code=JENGGOT).pk]


@pytest.mark.django_db
def test_children_due_for_measurement_this_month(kota_pekalongan):
    measured_now = _child("Sudah Diukur")
    _measure(measured_now, TODAY.replace(day=1), -1.0)
    last_month = _child("Bulan Lalu")
    _measure(last_month, datetime.date(2026, 10, 31), -1.0)
    never = _child("Belum Pernah")
    _child("Terlalu Tua", born=TODAY - datetime.timedelta(days=1827))
    _child("Desa Lain", code=MEDONO)

    due = worklists.children_due_measurement(region_ids=_jenggot(), today=TODAY)

    # Never measured first, then the longest unmeasured; a child past 59 months,
    # one measured on the 1st, and another desa's child are not due.
    assert _ids(due) == [never.pk, last_month.pk]
    assert due.items[1].last_measured_on == datetime.date(2026, 10, 31)
    assert due.total == 2


@pytest.mark.django_db
def test_due_list_counts_what_it_does_not_show(kota_pekalongan):
    for n in range(4):
        _child(f"Anak {n}")

    due = worklists.children_due_measurement(
        region_ids=_jenggot(), today=TODAY, limit=3
    )

    assert (len(due.items), due.total, due.more) == (3, 4, 1)


@pytest.mark.django_db
def test_newly_stunted_is_the_latest_below_minus_two_after_one_not(kota_pekalongan):
    crossed = _child("Turun")
    _measure(crossed, datetime.date(2026, 9, 1), -2.0)  # exactly -2: not stunted
    _measure(crossed, datetime.date(2026, 11, 1), -2.01)
    was_stunted = _child("Sudah Stunting")
    _measure(was_stunted, datetime.date(2026, 9, 1), -2.01)
    _measure(was_stunted, datetime.date(2026, 11, 1), -2.5)
    at_line = _child("Tepat Garis")
    _measure(at_line, datetime.date(2026, 9, 1), -1.0)
    _measure(at_line, datetime.date(2026, 11, 1), -2.0)
    recovered = _child("Pulih")
    _measure(recovered, datetime.date(2026, 9, 1), -1.0)
    _measure(recovered, datetime.date(2026, 10, 1), -2.5)
    _measure(recovered, datetime.date(2026, 11, 1), -1.9)
    old = _child("Lama")
    _measure(old, datetime.date(2026, 7, 1), -1.0)
    _measure(old, TODAY - datetime.timedelta(days=91), -2.5)
    # An implausible last row is no finding: the valid one before it counts.
    implausible = _child("Janggal")
    _measure(implausible, datetime.date(2026, 9, 1), -1.0)
    _measure(implausible, datetime.date(2026, 10, 1), -2.2)
    _measure(implausible, datetime.date(2026, 11, 1), -7.0, implausible=True)

    due = worklists.children_newly_stunted(region_ids=_jenggot(), today=TODAY)

    assert _ids(due) == [crossed.pk, implausible.pk]
    assert (due.items[0].haz, due.items[0].previous_haz) == (-2.01, -2.0)
    assert due.items[1].measured_on == datetime.date(2026, 10, 1)


@pytest.mark.django_db
def test_not_gaining_twice_is_two_months_under_the_minimum_gain(kota_pekalongan):
    # Past 11 months the minimum gain (KBM) is 200 g a month.
    def weighed(name, *weights, months=(9, 10, 11)):
        child = _child(name, born=datetime.date(2025, 1, 1))
        for month, weight in zip(months, weights, strict=True):
            _measure(child, datetime.date(2026, month, 5), -1.0, weight=weight)
        return child

    twice = weighed("Dua Kali", "10.0", "10.1", "10.15")
    weighed("Sekali", "10.0", "10.5", "10.6")
    weighed("Cukup Naik", "10.0", "10.2", "10.4")
    # 2T last month and not weighed yet this month: still on the list.
    last_month = weighed("Bulan Lalu", "9.0", "9.1", "9.1", months=(8, 9, 10))

    due = worklists.children_not_gaining_twice(region_ids=_jenggot(), today=TODAY)

    assert _ids(due) == [twice.pk, last_month.pk]
    assert due.items[0].measured_on == datetime.date(2026, 11, 5)


@pytest.mark.django_db
def test_audit_due_until_an_open_audit_or_one_after_the_finding(kota_pekalongan):
    def stunted(name):
        child = _child(name)
        _measure(child, datetime.date(2026, 10, 10), -2.4)
        return child

    no_audit = stunted("Tanpa Audit")
    open_audit = stunted("Audit Terbuka")
    stunting_services.audit_save(
        child=open_audit, audited_on=datetime.date(2026, 1, 5), causes=["poverty"]
    )
    closed_before = stunted("Ditutup Sebelum")
    stunting_services.audit_save(
        child=closed_before,
        audited_on=datetime.date(2026, 1, 5),
        causes=["poverty"],
        status="closed",
        closed_on=datetime.date(2026, 3, 1),
    )
    closed_after = stunted("Ditutup Sesudah")
    stunting_services.audit_save(
        child=closed_after,
        audited_on=datetime.date(2026, 10, 10),
        causes=["illness"],
        status="closed",
        closed_on=datetime.date(2026, 10, 20),
    )
    normal = _child("Normal")
    _measure(normal, datetime.date(2026, 10, 10), -1.99)

    due = worklists.audits_due(region_ids=_jenggot(), today=TODAY)

    assert sorted(_ids(due)) == sorted([no_audit.pk, closed_before.pk])


@pytest.mark.django_db
def test_audit_follow_up_due_on_its_day(kota_pekalongan):
    child = _child("Diaudit")
    due_today = stunting_services.audit_save(
        child=child,
        audited_on=datetime.date(2026, 9, 1),
        causes=["poverty"],
        next_follow_up_on=TODAY,
    )
    stunting_services.audit_save(
        child=child,
        audited_on=datetime.date(2026, 9, 2),
        causes=["poverty"],
        next_follow_up_on=TODAY + datetime.timedelta(days=1),
    )
    stunting_services.audit_save(
        child=child,
        audited_on=datetime.date(2026, 9, 3),
        causes=["poverty"],
        next_follow_up_on=TODAY - datetime.timedelta(days=5),
        status="closed",
        closed_on=datetime.date(2026, 9, 4),
    )

    due = worklists.audit_follow_ups_due(region_ids=_jenggot(), today=TODAY)

    assert [a.pk for a in due.items] == [due_today.pk]


@pytest.mark.django_db
def test_dashat_child_due_an_end_measurement(kota_pekalongan):
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    dashat = stunting_services.dashat_save(
        kampung=kampung, name="Dashat Jenggot", formed_on=datetime.date(2025, 1, 1)
    )

    def enrolled(name, end):
        child = _child(name)
        stunting_services.beneficiary_enrol(
            dashat=dashat,
            category="balita",
            child=child,
            start_on=end - datetime.timedelta(days=180),
            follow_up_end=end,
        )
        return child

    ended = enrolled("Selesai Belum Diukur", datetime.date(2026, 10, 1))
    measured = enrolled("Selesai Sudah Diukur", datetime.date(2026, 10, 1))
    _measure(measured, datetime.date(2026, 10, 1), -1.0)
    ends_this_month = enrolled("Akhir Bulan Ini", datetime.date(2026, 11, 30))
    enrolled("Bulan Depan", datetime.date(2026, 12, 1))
    enrolled("Sudah Lama", TODAY - datetime.timedelta(days=401))

    due = worklists.dashat_follow_ups_due(region_ids=_jenggot(), today=TODAY)

    assert _ids(due) == [ended.pk, ends_this_month.pk]


def _plkb(username="plkb.jenggot", code=JENGGOT):
    user = User.objects.create_user(username, role=Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=user), region=Region.objects.get(code=code)
    )
    return user


@pytest.mark.django_db
def test_a_plkb_home_lists_the_children_to_visit_and_why(client, kota_pekalongan):
    today = timezone.localdate()
    plkb = _plkb()
    child = _child("Siti Aminah", born=today - datetime.timedelta(days=400))
    _measure(child, today - datetime.timedelta(days=200), -1.0)
    stunted = _child("Rina Wati", born=today - datetime.timedelta(days=500))
    _measure(stunted, today - datetime.timedelta(days=60), -1.5)
    _measure(stunted, today, -2.3)
    _child("Anak Medono", code=MEDONO, born=today - datetime.timedelta(days=300))
    client.force_login(plkb)

    html = client.get("/").content.decode()

    assert "Yang perlu dikunjungi bulan ini" in html
    assert "1 balita belum diukur bulan ini" in html
    assert f'href="/stunting/anak/{child.pk}/ukur/"' in html
    assert "terakhir diukur" in html and "Siti Aminah" in html
    assert "1 anak baru terukur stunting" in html
    assert "1 anak stunting belum diaudit" in html
    assert f'href="/stunting/dashat/audit/anak/{stunted.pk}/"' in html
    assert "Anak Medono" not in html


@pytest.mark.django_db
def test_a_plkb_sees_the_decision_on_their_proposal(client, kota_pekalongan):
    plkb = _plkb()
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    staff = User.objects.create_user("staf", role=Role.STAF)
    staff.regions.set(Region.objects.filter(code="33.75"))
    proposal = village_services.proposal_create(
        kampung=kampung,
        level="berkembang",
        effective_on=datetime.date(2026, 1, 1),
        reason="Pokja aktif",
        proposed_by=plkb,
    )
    village_services.proposal_decide(
        proposal=proposal, approve=False, decided_by=staff, note="Lengkapi SK pokja"
    )
    client.force_login(plkb)

    html = client.get("/").content.decode()

    assert "Usulan klasifikasi saya" in html
    assert "Lengkapi SK pokja" in html


@pytest.mark.django_db
def test_staff_home_lists_pending_proposals_and_failed_imports(client, kota_pekalongan):
    plkb = _plkb()
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    proposal = village_services.proposal_create(
        kampung=kampung,
        level="mandiri",
        effective_on=datetime.date(2026, 1, 1),
        reason="Semua seksi aktif",
        proposed_by=plkb,
    )
    staff = User.objects.create_user("staf", role=Role.STAF)
    staff.regions.set(Region.objects.filter(code="33.75"))
    rejected = ImportBatch.objects.create(
        uploaded_by=staff,
        file_name="eppgbm-oktober.xlsx",
        file_sha256="0" * 64,
        status=ImportStatus.REJECTED,
        errors=[{"row": 3, "column": "tanggal ukur", "message": "bukan tanggal"}],
    )
    ImportBatch.objects.create(
        uploaded_by=staff,
        file_name="rapi.xlsx",
        file_sha256="1" * 64,
        status=ImportStatus.DONE,
    )
    rise = Alert.objects.create(
        kind=AlertKind.STUNTING_RISE, region_id=JENGGOT, key="rise:test", values={}
    )
    Alert.objects.create(
        kind=AlertKind.STUNTING_RISE,
        region_id=MEDONO,
        key="rise:closed",
        values={},
        status=AlertStatus.CLOSED,
    )
    other_staff = User.objects.create_user("staf.kab", role=Role.STAF)
    other_staff.regions.set(Region.objects.filter(code="33.26"))

    client.force_login(staff)
    html = client.get("/").content.decode()
    assert "1 usulan klasifikasi menunggu keputusan" in html
    assert f'href="/usulan/{proposal.pk}/"' in html
    assert "eppgbm-oktober.xlsx" in html
    assert f'href="/stunting/impor/{rejected.pk}/"' in html
    assert "rapi.xlsx" not in html
    # Open alerts only: the closed one is done with.
    assert "1 peringatan dini terbuka" in html
    assert f'href="/peringatan/{rise.pk}/"' in html

    # Another kab/kota's staff has nothing of Kota Pekalongan's to decide.
    client.force_login(other_staff)
    html = client.get("/").content.decode()
    assert "Perlu ditangani" in html
    assert f'href="/usulan/{proposal.pk}/"' not in html
    assert "eppgbm-oktober.xlsx" not in html
    assert f'href="/peringatan/{rise.pk}/"' not in html
