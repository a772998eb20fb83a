"""Early warnings: each rule's boundary both sides, no repeat on a rerun, the
raise -> acknowledge -> close journey with its history, who may do what, the
rule settings and the badge."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboards.alerts import CHILD_WINDOW, alert_raise
from dashboards.models import (
    Alert,
    AlertAction,
    AlertKind,
    AlertRule,
    AlertStatus,
    RefreshTrigger,
    Span,
    StuntingFigure,
)
from dashboards.services import alert_rule_save, snapshot_refresh_recorded
from kampungkb.models import Role, User
from stunting.models import CaseAudit, Child, Dashat, DashatBeneficiary, Measurement
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"
KURIPAN = "33.75.04.1006"  # same kecamatan as Jenggot
MEDONO = "33.75.01.1002"
TODAY = datetime.date(2026, 11, 30)
D = datetime.timedelta


def _user(username, role, codes=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


def _child(code=JENGGOT, name="Siti Aminah", born=datetime.date(2024, 1, 5)):
    return Child.objects.create(
        name=name, sex="P", birth_date=born, region=Region.objects.get(code=code)
    )


def _measure(child, day, haz, *, implausible=False):
    # Scores given directly: the rules read HAZ, growth.py computes it.
    return Measurement.objects.create(
        child=child,
        measured_on=day,
        height_cm=Decimal("80.0"),
        age_days=(day - child.birth_date).days,
        haz=haz,
        haz_implausible=implausible,
    )


def _figure(code, year, span, part, stunted, valid):
    StuntingFigure.objects.create(
        region_code=code,
        parent_code=code[:8],
        level=4,
        year=year,
        span=span,
        part=part,
        registered=valid,
        measured=valid,
        valid=valid,
        stunted=stunted,
        severe=0,
        computed_at=timezone.now(),
    )


def _kinds(kind=None):
    alerts = Alert.objects.all() if kind is None else Alert.objects.filter(kind=kind)
    return sorted(alerts.values_list("key", flat=True))


@pytest.fixture
def city(kota_pekalongan):
    return kota_pekalongan


# Region rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "raised"),
    [
        ((20, 100), (25, 100), False),  # exactly 5 points: not more than 5
        ((20, 100), (26, 100), True),  # 6 points
        ((20, 100), (19, 100), False),  # a fall
    ],
)
def test_a_rise_of_more_than_the_points_raises(city, before, after, raised):
    _figure(JENGGOT, 2026, Span.QUARTER, 2, *before)
    _figure(JENGGOT, 2026, Span.QUARTER, 3, *after)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.STUNTING_RISE) == (
        [f"rise:{JENGGOT}:triwulan:2026:3"] if raised else []
    )


@pytest.mark.parametrize(("n", "raised"), [(29, False), (30, True)])
def test_a_rise_needs_the_minimum_children_in_both_periods(city, n, raised):
    # 10 % -> 50 %: a rise far above 5 points, but over n children in Q1.
    _figure(MEDONO, 2026, Span.QUARTER, 1, n // 10, n)
    _figure(MEDONO, 2026, Span.QUARTER, 2, 20, 40)

    alert_raise(years=[2026], today=TODAY)

    assert Alert.objects.filter(kind=AlertKind.STUNTING_RISE).exists() is raised


def test_a_rise_across_the_year_end_compares_q4_with_q1(city):
    _figure(JENGGOT, 2025, Span.QUARTER, 4, 3, 30)
    _figure(JENGGOT, 2026, Span.QUARTER, 1, 6, 30)

    alert_raise(years=[2026], today=TODAY)

    alert = Alert.objects.get()
    assert alert.region_id == JENGGOT
    assert alert.values["before"] == {
        "year": 2025,
        "part": 4,
        "stunted": 3,
        "valid": 30,
        "percent": 10.0,
    }
    assert alert.values["after"]["percent"] == 20.0
    assert alert.values["rise"] == 10.0


def test_a_kabkota_rule_on_years_wins_over_the_country_default(city):
    # Quarters rise by 10 points, years by 4.
    _figure(JENGGOT, 2026, Span.QUARTER, 1, 6, 60)
    _figure(JENGGOT, 2026, Span.QUARTER, 2, 12, 60)
    _figure(JENGGOT, 2025, Span.YEAR, 0, 10, 100)
    _figure(JENGGOT, 2026, Span.YEAR, 0, 14, 100)
    kota = Region.objects.get(code="33.75")
    alert_rule_save(
        kind=AlertKind.STUNTING_RISE,
        region=kota,
        user=None,
        span=Span.YEAR,
        points=Decimal("3.5"),
        min_children=30,
    )

    alert_raise(years=[2026], today=TODAY)

    assert _kinds() == [f"rise:{JENGGOT}:tahun:2026:0"]
    assert Alert.objects.get().rule.region_id == "33.75"


def test_an_inactive_kabkota_rule_switches_the_kind_off_there(city):
    _figure(JENGGOT, 2026, Span.QUARTER, 1, 0, 40)
    _figure(JENGGOT, 2026, Span.QUARTER, 2, 20, 40)
    alert_rule_save(
        kind=AlertKind.STUNTING_RISE,
        region=Region.objects.get(code="33.75"),
        user=None,
        active=False,
    )

    alert_raise(years=[2026], today=TODAY)

    assert _kinds() == []


# Child rules -------------------------------------------------------------------


def test_newly_stunted_is_the_latest_below_minus_two_after_one_at_or_above(city):
    a = _child(name="A")
    _measure(a, TODAY - D(40), -2.0)  # exactly -2 is not stunted
    _measure(a, TODAY - D(10), -2.01)
    b = _child(name="B")  # stunted before too: not newly
    _measure(b, TODAY - D(40), -2.5)
    _measure(b, TODAY - D(10), -2.6)
    c = _child(name="C")  # newly stunted, then recovered: the latest counts
    _measure(c, TODAY - D(30), -1.0)
    _measure(c, TODAY - D(20), -2.5)
    _measure(c, TODAY - D(5), -1.9)
    d = _child(name="D")  # the latest HAZ is implausible: the valid one before
    _measure(d, TODAY - D(30), -1.0)
    _measure(d, TODAY - D(5), -6.5, implausible=True)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.NEWLY_STUNTED) == [f"new:{a.pk}:{TODAY - D(10)}"]
    assert (
        Alert.objects.get(kind=AlertKind.NEWLY_STUNTED).values["previous_haz"] == -2.0
    )


def test_child_rules_read_only_recent_measurements(city):
    a = _child()
    _measure(a, TODAY - CHILD_WINDOW - D(30), -1.0)
    _measure(a, TODAY - CHILD_WINDOW - D(1), -2.5)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.NEWLY_STUNTED) == []


@pytest.mark.parametrize(("latest", "raised"), [(-1.67, False), (-1.68, True)])
def test_a_haz_drop_of_more_than_0_67_raises(city, latest, raised):
    a = _child()
    _measure(a, TODAY - D(60), -1.0)
    _measure(a, TODAY - D(3), latest)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.HAZ_DROP) == (
        [f"drop:{a.pk}:{TODAY - D(3)}"] if raised else []
    )


@pytest.mark.parametrize(("days", "raised"), [(30, False), (31, True)])
def test_a_stunted_child_unaudited_after_30_days_raises(city, days, raised):
    a = _child()
    _measure(a, TODAY - D(days + 30), -1.0)
    onset = TODAY - D(days)
    _measure(a, onset, -2.4)
    _measure(a, TODAY - D(2), -2.6)  # still stunted since the onset

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.AUDIT_OVERDUE) == (
        [f"audit:{a.pk}:{onset}"] if raised else []
    )


def test_an_audit_since_the_onset_or_a_recovery_raises_nothing(city):
    audited = _child(name="Audited")
    _measure(audited, TODAY - D(40), -2.4)
    CaseAudit.objects.create(
        child=audited, audited_on=TODAY - D(40), causes=["poverty"]
    )
    recovered = _child(name="Recovered")
    _measure(recovered, TODAY - D(40), -2.4)
    _measure(recovered, TODAY - D(10), -1.5)
    audited_before = _child(name="Audited before")
    CaseAudit.objects.create(
        child=audited_before, audited_on=TODAY - D(41), causes=["poverty"]
    )
    _measure(audited_before, TODAY - D(40), -2.4)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.AUDIT_OVERDUE) == [
        f"audit:{audited_before.pk}:{TODAY - D(40)}"
    ]


@pytest.fixture
def beneficiary(city):
    child = _child()
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    dashat = Dashat.objects.create(
        kampung=kampung, name="Dashat Jenggot", formed_on=datetime.date(2023, 6, 7)
    )

    def enrol(end):
        return DashatBeneficiary.objects.create(
            dashat=dashat,
            category="baduta",
            child=child,
            start_on=end - D(182),
            follow_up_end=end,
        )

    return child, enrol


@pytest.mark.parametrize(("days", "raised"), [(14, False), (15, True)])
def test_a_dashat_follow_up_without_end_measurement_raises_after_14_days(
    beneficiary, days, raised
):
    child, enrol = beneficiary
    end = TODAY - D(days)
    _measure(child, end - D(15), -1.0)  # before the end's 14 days: not the end one
    enrolment = enrol(end)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.DASHAT_NO_END) == (
        [f"dashat:{enrolment.pk}"] if raised else []
    )


def test_a_measurement_14_days_before_the_end_is_the_end_measurement(beneficiary):
    child, enrol = beneficiary
    end = TODAY - D(20)
    _measure(child, end - D(14), -1.0)
    enrol(end)

    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.DASHAT_NO_END) == []


def test_a_rerun_raises_nothing_new_and_keeps_the_status(city):
    _figure(JENGGOT, 2026, Span.QUARTER, 1, 0, 40)
    _figure(JENGGOT, 2026, Span.QUARTER, 2, 20, 40)
    a = _child()
    _measure(a, TODAY - D(40), -1.8)
    _measure(a, TODAY - D(10), -2.1)

    assert alert_raise(years=[2026], today=TODAY) == 2
    Alert.objects.update(status=AlertStatus.CLOSED)
    assert alert_raise(years=[2026], today=TODAY) == 0
    assert alert_raise(within=["33.75"], years=[2026], today=TODAY) == 0

    assert Alert.objects.count() == 2
    assert set(Alert.objects.values_list("status", flat=True)) == {"closed"}


def test_a_refresh_of_another_kabkota_raises_nothing_here(city, kab_pekalongan):
    _figure(JENGGOT, 2026, Span.QUARTER, 1, 0, 40)
    _figure(JENGGOT, 2026, Span.QUARTER, 2, 20, 40)
    a = _child()
    _measure(a, TODAY - D(40), -1.8)
    _measure(a, TODAY - D(10), -2.1)

    assert alert_raise(within=["33.26"], years=[2026], today=TODAY) == 0
    assert alert_raise(within=["33.75"], years=[2026], today=TODAY) == 2


# The journey -------------------------------------------------------------------


@pytest.fixture
def people(city, kab_pekalongan):
    kota = ["33.75"]
    plkb = _user("plkb", Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb),
        region=Region.objects.get(code=JENGGOT),
    )
    return {
        "staf": _user("staf", Role.STAF, kota),
        "other_staf": _user("staf-kab", Role.STAF, ["33.26"]),
        "pimpinan": _user("walikota", Role.PIMPINAN, kota),
        "plkb": plkb,
        "admin": User.objects.create_superuser("root"),
    }


def _rising_kelurahan():
    """Jenggot, 2024: Q1 30 children none stunted, Q2 the same 30, 9 stunted."""
    born = datetime.date(2022, 1, 1)
    for i in range(30):
        child = _child(name=f"Anak {i:02d}", born=born)
        _measure(child, datetime.date(2024, 2, 10), -1.0)
        _measure(child, datetime.date(2024, 5, 10), -2.5 if i < 9 else -1.0)


def test_a_rise_raised_by_the_refresh_is_acknowledged_and_closed_by_staff(
    client, people
):
    _rising_kelurahan()

    snapshot_refresh_recorded(
        years=[2024], within=["33.75"], trigger=RefreshTrigger.COMMAND
    )

    alert = Alert.objects.get(kind=AlertKind.STUNTING_RISE)
    assert (alert.region_id, alert.year, alert.part) == (JENGGOT, 2024, 2)
    assert alert.values["after"] == {
        "year": 2024,
        "part": 2,
        "stunted": 9,
        "valid": 30,
        "percent": 30.0,
    }
    client.force_login(people["staf"])
    listed = client.get(reverse("alert-list"))
    assert "Stunting desa/kelurahan naik" in listed.content.decode()
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "30.0 % stunting (9 dari n = 30 anak)" in page
    assert "0.0 % stunting (0 dari n = 30 anak)" in page

    url = reverse("alert-act", args=[alert.pk])
    response = client.post(url, {"action": "acknowledge", "note": "Dicek ke posyandu"})
    assert response.status_code == 302
    # A double submit changes nothing more.
    client.post(url, {"action": "acknowledge", "note": "Dicek ke posyandu"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED

    refused = client.post(url, {"action": "close", "note": "  "})
    assert "Tulis catatan penutupan" in refused.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED

    client.post(url, {"action": "close", "note": "PMT diberikan\x00"})
    client.post(url, {"action": "close", "note": "PMT diberikan"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert list(alert.actions.values_list("action", "actor__username", "note")) == [
        ("acknowledge", "staf", "Dicek ke posyandu"),
        ("close", "staf", "PMT diberikan"),
    ]
    history = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "ditutup oleh staf: PMT diberikan" in history


@pytest.fixture
def child_alert(people):
    a = _child()
    _measure(a, TODAY - D(40), -1.8)
    _measure(a, TODAY - D(10), -2.1)
    alert_raise(years=[2026], today=TODAY)
    return Alert.objects.get(kind=AlertKind.NEWLY_STUNTED)


def test_another_kabkotas_staff_neither_see_nor_act(client, people, child_alert):
    client.force_login(people["other_staf"])
    url = reverse("alert-act", args=[child_alert.pk])

    assert client.get(reverse("alert-detail", args=[child_alert.pk])).status_code == 404
    assert client.post(url, {"action": "acknowledge"}).status_code == 404
    assert "Siti Aminah" not in client.get(reverse("alert-list")).content.decode()
    assert not AlertAction.objects.exists()


def test_an_official_reads_without_the_childs_name_and_cannot_act(
    client, people, child_alert
):
    client.force_login(people["pimpinan"])
    page = client.get(reverse("alert-detail", args=[child_alert.pk])).content.decode()
    url = reverse("alert-act", args=[child_alert.pk])

    assert f"Anak #{child_alert.child_id}" in page
    assert "Siti Aminah" not in page
    assert "Tandai sedang ditangani" not in page
    assert client.post(url, {"action": "acknowledge"}).status_code == 403
    assert client.post(url, {"action": "close", "note": "x"}).status_code == 403
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_a_plkb_acknowledges_their_desas_alert_but_does_not_close_it(
    client, people, child_alert
):
    client.force_login(people["plkb"])
    url = reverse("alert-act", args=[child_alert.pk])
    page = client.get(reverse("alert-detail", args=[child_alert.pk])).content.decode()
    assert "Siti Aminah" in page

    assert client.post(url, {"action": "close", "note": "x"}).status_code == 403
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    assert Alert.objects.get().status == AlertStatus.ACKNOWLEDGED


def test_a_plkb_cannot_acknowledge_a_neighbouring_desas_alert(client, people):
    a = _child(code=KURIPAN)
    _measure(a, TODAY - D(40), -1.8)
    _measure(a, TODAY - D(10), -2.1)
    alert_raise(years=[2026], today=TODAY)
    alert = Alert.objects.get()
    client.force_login(people["plkb"])

    # Their kecamatan is read: the alert is there, without acting on it.
    assert client.get(reverse("alert-detail", args=[alert.pk])).status_code == 200
    response = client.post(
        reverse("alert-act", args=[alert.pk]), {"action": "acknowledge"}
    )
    assert response.status_code == 403


def test_the_list_filters_by_status_kind_and_region(client, people, child_alert):
    _figure(MEDONO, 2026, Span.QUARTER, 1, 0, 40)
    _figure(MEDONO, 2026, Span.QUARTER, 2, 20, 40)
    alert_raise(years=[2026], today=TODAY)
    client.force_login(people["staf"])

    def rows(**query):
        html = client.get(reverse("alert-list"), query).content.decode()
        return len(re.findall(r'href="/peringatan/\d+/"', html))

    assert rows() == 2
    assert rows(kind="newly_stunted") == 1
    assert rows(wilayah="33.75.01") == 1
    assert rows(status="closed") == 0
    outside = client.get(reverse("alert-list"), {"wilayah": "33.26"}).content.decode()
    assert "Wilayah ini tidak ada di wilayah Anda." in outside


# Rules settings ------------------------------------------------------------------


def test_staff_set_their_kabkotas_rule_with_its_history(client, people):
    client.force_login(people["staf"])
    url = reverse("alert-rule-edit", args=["33.75", "haz_drop"])

    bad = client.post(url, {"active": "on", "haz_drop": "9"})
    assert "Penurunan paling besar 5,00 SD." in bad.content.decode()
    assert not AlertRule.objects.exists()
    assert client.post(url, {"active": "on", "haz_drop": "0.5"}).status_code == 302
    assert client.post(url, {"active": "on", "haz_drop": "0.4"}).status_code == 302

    rule = AlertRule.objects.get()
    assert (rule.region_id, rule.haz_drop, rule.changed_by) == (
        "33.75",
        Decimal("0.40"),
        people["staf"],
    )
    assert [h.haz_drop for h in rule.history.order_by("history_date")] == [
        Decimal("0.50"),
        Decimal("0.40"),
    ]
    listed = client.get(reverse("alert-rules")).content.decode()
    assert "0,40" in listed


def test_the_minimum_children_keeps_the_small_number_rule(client, people):
    client.force_login(people["staf"])
    url = reverse("alert-rule-edit", args=["33.75", "stunting_rise"])

    response = client.post(
        url, {"active": "on", "points": "5", "min_children": "5", "span": "triwulan"}
    )

    assert "Minimal anak tidak boleh kurang dari 30" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_rules_are_set_only_in_ones_own_kabkota_and_by_staff(client, people):
    edit_kab = reverse("alert-rule-edit", args=["33.26", "haz_drop"])
    country = reverse("alert-rule-edit", args=["ID", "haz_drop"])
    client.force_login(people["staf"])
    assert client.get(edit_kab).status_code == 404
    assert client.get(country).status_code == 403
    assert (
        client.get(reverse("alert-rule-edit", args=["33.75", "nope"])).status_code
        == 404
    )
    client.force_login(people["pimpinan"])
    assert client.get(reverse("alert-rules")).status_code == 403
    assert (
        client.post(
            reverse("alert-rule-edit", args=["33.75", "haz_drop"]), {"haz_drop": "1"}
        ).status_code
        == 403
    )
    client.force_login(people["admin"])
    assert client.post(country, {"active": "on", "haz_drop": "1"}).status_code == 302
    assert AlertRule.objects.get().region is None


# The badge -------------------------------------------------------------------


def test_the_badge_counts_open_alerts_in_scope_capped_at_99(client, people):
    jenggot = Region.objects.get(code=JENGGOT)
    Alert.objects.bulk_create(
        [Alert(kind="haz_drop", region=jenggot, key=f"k{i}") for i in range(100)]
        + [
            Alert(kind="haz_drop", region=jenggot, key="closed", status="closed"),
            Alert(
                kind="haz_drop",
                region=Region.objects.get(code="33.26.01.2001"),
                key="kab",
            ),
        ]
    )
    client.force_login(people["staf"])
    assert (
        '<span class="visually-hidden">terbuka: </span>99+'
        in client.get(reverse("alert-list")).content.decode()
    )

    Alert.objects.filter(key__in=[f"k{i}" for i in range(3, 100)]).delete()
    assert (
        '<span class="visually-hidden">terbuka: </span>3</span>'
        in client.get(reverse("alert-list")).content.decode()
    )
    client.force_login(people["other_staf"])
    assert (
        '<span class="visually-hidden">terbuka: </span>1</span>'
        in client.get(reverse("alert-list")).content.decode()
    )


def _weigh(child, day, kg):
    return Measurement.objects.create(
        child=child,
        measured_on=day,
        weight_kg=Decimal(kg),
        age_days=(day - child.birth_date).days,
    )


def test_not_gaining_twice_is_raised_for_a_recent_second_t(city):
    # Past 11 months the minimum monthly gain (KBM) is 200 g.
    twice = _child(name="Dua Kali")
    for day, kg in (
        ("2026-09-05", "10.0"),
        ("2026-10-05", "10.1"),
        ("2026-11-05", "10.15"),
    ):
        _weigh(twice, datetime.date.fromisoformat(day), kg)
    once = _child(name="Sekali")
    for day, kg in (
        ("2026-09-05", "10.0"),
        ("2026-10-05", "10.5"),
        ("2026-11-05", "10.6"),
    ):
        _weigh(once, datetime.date.fromisoformat(day), kg)
    # 2T at a weighing older than the child rules' window: not raised now.
    old = _child(name="Lama")
    for day, kg in (
        ("2026-08-05", "10.0"),
        ("2026-09-05", "10.1"),
        ("2026-10-05", "10.1"),
    ):
        _weigh(old, datetime.date.fromisoformat(day), kg)

    alert_raise(within=["33.26"], years=[2026], today=TODAY)
    assert _kinds(AlertKind.NOT_GAINING_TWICE) == []

    alert_raise(within=["33.75"], years=[2026], today=TODAY)
    alert_raise(years=[2026], today=TODAY)

    assert _kinds(AlertKind.NOT_GAINING_TWICE) == [f"2t:{twice.pk}:{2026 * 12 + 11}"]
    alert = Alert.objects.get(kind=AlertKind.NOT_GAINING_TWICE)
    assert (alert.region_id, alert.child_id) == (JENGGOT, twice.pk)
    assert alert.values == {"on": "2026-11-05", "weight_kg": "10.15"}

    staff = _user("staf.2t", Role.STAF, ["33.75"])
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "Anak tidak naik berat badan 2 bulan (2T)" in page
    assert "10.15 kg" in page and "Dua Kali" in page
