"""Before and after a launch: hand-made monthly figures of a few desa of Kota
Pekalongan, aligned on months since a launch beside the Kampung KB not launched yet.

The Kampung KB (formation date; the launch events below):
- Jenggot: 7 June 2023, launched with Kuripan Kertoharjo at one event (the batch);
- Kuripan Kertoharjo: 7 June 2023 (the batch);
- Kauman: 1 August 2023 (in the comparison for June and July, not August);
- Medono: 31 July 2023 (in the comparison for June, not July: launched in it);
- 33.75.02.1002: 2022 (launched before the window: never compared);
- Klesem, Kabupaten Pekalongan: 2024 (another kab/kota: never compared).
"""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import charts, launches
from dashboards.models import Span, StuntingFigure
from kampungkb.models import Role, User
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region
from villages.services import launch_record, region_load

pytestmark = pytest.mark.django_db

JENGGOT = "33.75.04.1004"
KURIPAN = "33.75.04.1006"
KAUMAN = "33.75.02.1004"
MEDONO = "33.75.01.1002"
EARLY = "33.75.02.1002"
KLESEM = "33.26.01.2001"
TODAY = datetime.date(2026, 1, 15)

# (desa, year, span, part) -> (registered, measured, valid, stunted)
FIGURES = {
    (JENGGOT, 2023, Span.MONTH, 5): (50, 40, 40, 10),
    (JENGGOT, 2023, Span.MONTH, 6): (50, 10, 10, 2),
    (JENGGOT, 2023, Span.MONTH, 7): (50, 35, 35, 7),
    (KURIPAN, 2023, Span.MONTH, 7): (10, 5, 5, 1),
    (KAUMAN, 2023, Span.MONTH, 5): (25, 20, 20, 6),
    (KAUMAN, 2023, Span.MONTH, 7): (25, 20, 20, 4),
    (KAUMAN, 2023, Span.MONTH, 8): (25, 30, 30, 3),
    (MEDONO, 2023, Span.MONTH, 5): (20, 15, 15, 3),
    (MEDONO, 2023, Span.MONTH, 6): (20, 12, 12, 4),
    (MEDONO, 2023, Span.MONTH, 7): (20, 22, 22, 2),
    (EARLY, 2023, Span.MONTH, 5): (100, 100, 100, 50),
    (KLESEM, 2023, Span.MONTH, 5): (100, 100, 100, 90),
    (JENGGOT, 2023, Span.QUARTER, 1): (50, 30, 30, 9),
    (JENGGOT, 2023, Span.QUARTER, 2): (50, 45, 45, 11),
    (MEDONO, 2023, Span.QUARTER, 2): (20, 25, 25, 5),
    (MEDONO, 2023, Span.QUARTER, 3): (20, 30, 30, 3),
}


@pytest.fixture
def place(settings):
    settings.DASHBOARD_MIN_DENOMINATOR = {"prevalence": 30, "coverage": 10, "share": 1}
    region_load(prefix="33.75")
    region_load(prefix="33.26")
    formed = {
        JENGGOT: datetime.date(2023, 6, 7),
        KURIPAN: datetime.date(2023, 6, 7),
        KAUMAN: datetime.date(2023, 8, 1),
        MEDONO: datetime.date(2023, 7, 31),
        EARLY: datetime.date(2022, 3, 1),
        KLESEM: datetime.date(2024, 7, 30),
    }
    regions = Region.objects.in_bulk(list(formed))
    kampung = {
        code: KampungFactory(region=regions[code], formed_on=day)
        for code, day in formed.items()
    }
    batch = launch_record(
        date=datetime.date(2023, 6, 7),
        organizer=Region.objects.get(code="33.75"),
        kampungs=[kampung[JENGGOT], kampung[KURIPAN]],
        place="Aula Kecamatan Pekalongan Timur",
    )
    now = timezone.now()
    StuntingFigure.objects.bulk_create(
        StuntingFigure(
            region_code=code,
            parent_code=code[:8],
            level=4,
            year=year,
            span=span,
            part=part,
            registered=registered,
            measured=measured,
            valid=valid,
            stunted=stunted,
            severe=0,
            computed_at=now,
        )
        for (code, year, span, part), (
            registered,
            measured,
            valid,
            stunted,
        ) in FIGURES.items()
    )
    return kampung, batch


def _counts(points):
    return {p.offset: (p.stunted, p.valid, p.kampungs) for p in points}


def test_a_kampung_kb_is_aligned_on_its_launch_month_beside_those_not_launched_yet(
    place,
):
    kampung, _batch = place

    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.MONTH, today=TODAY
    )

    # May, June (the launch month: 0) and July 2023; the window's empty months
    # before and after are left out.
    assert [(p.offset, p.year, p.part) for p in result.subject] == [
        (-1, 2023, 5),
        (0, 2023, 6),
        (1, 2023, 7),
    ]
    assert _counts(result.subject) == {-1: (10, 40, 1), 0: (2, 10, 1), 1: (7, 35, 1)}
    assert result.subject[0].prevalence == 25.0
    assert result.subject[0].coverage == 80.0
    # 33.75.02.1002 (2022) and Klesem (another kab/kota) are never compared.
    # May: Kauman, Medono and Kuripan Kertoharjo (launched on 7 June, without May
    # figures); June: Kauman and Medono. July: Medono was launched on 31 July, so
    # only Kauman (launched 1 August).
    assert _counts(result.comparison) == {
        -1: (3 + 6, 15 + 20, 3),
        0: (4, 12, 2),
        1: (4, 20, 1),
    }
    assert result.kabkota == ["33.75"]


def test_a_kampung_kb_launched_later_leaves_the_comparison_in_its_launch_month(place):
    kampung, _batch = place
    kampung[KAUMAN].formed_on = datetime.date(2023, 7, 31)
    kampung[KAUMAN].save()
    kampung[MEDONO].formed_on = datetime.date(2023, 8, 1)
    kampung[MEDONO].save()

    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.MONTH, today=TODAY
    )

    # July: Medono (1 August) is still compared, Kauman (31 July) no longer.
    assert _counts(result.comparison)[1] == (2, 22, 1)


def test_a_launch_event_before_the_formation_date_sets_the_launch_month(place):
    kampung, batch = place
    kampung[JENGGOT].formed_on = datetime.date(2023, 7, 10)
    kampung[JENGGOT].save()

    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.MONTH, today=TODAY
    )

    assert launches.kampung_launch_date(kampung=kampung[JENGGOT]) == batch.date
    assert [(p.offset, p.part) for p in result.subject] == [(-1, 5), (0, 6), (1, 7)]


def test_quarters_align_on_the_launch_quarter(place):
    kampung, _batch = place

    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.QUARTER, today=TODAY
    )

    assert _counts(result.subject) == {-1: (9, 30, 1), 0: (11, 45, 1)}
    # Medono (31 July) is compared in the second quarter, not the third (with no
    # Jenggot figure, the third is trimmed); Kuripan Kertoharjo in the first.
    assert _counts(result.comparison) == {-1: (0, 0, 3), 0: (5, 25, 2)}


def test_the_series_stop_at_the_current_month(place):
    kampung, _batch = place

    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.MONTH, today=datetime.date(2023, 6, 30)
    )

    assert [p.offset for p in result.subject] == [-1, 0]


def test_a_batch_sums_its_kampung_kb_and_compares_without_them(place):
    kampung, batch = place

    result = launches.batch_comparison(
        event=batch,
        batch=[kampung[JENGGOT], kampung[KURIPAN]],
        members=[kampung[JENGGOT], kampung[KURIPAN]],
        span=Span.MONTH,
        today=TODAY,
    )

    assert _counts(result.subject) == {-1: (10, 40, 2), 0: (2, 10, 2), 1: (8, 40, 2)}
    assert _counts(result.comparison) == {-1: (9, 35, 2), 0: (4, 12, 2), 1: (4, 20, 1)}


@pytest.mark.parametrize(
    ("valid", "registered", "small", "coverage_small"),
    [(29, 9, True, True), (30, 10, False, False)],
)
def test_the_small_number_rule_on_both_sides(
    settings, valid, registered, small, coverage_small
):
    settings.DASHBOARD_MIN_DENOMINATOR = {"prevalence": 30, "coverage": 10, "share": 1}
    point = launches.Point(
        0, 2023, 6, registered=registered, measured=registered, valid=valid, stunted=3
    )

    assert point.prevalence_small is small
    assert point.coverage_small is coverage_small


def test_the_chart_draws_two_series_with_their_n_and_a_gap_where_n_is_too_small(
    place,
):
    kampung, _batch = place
    result = launches.kampung_comparison(
        kampung=kampung[JENGGOT], span=Span.MONTH, today=TODAY
    )

    figure = charts.launch_figure(
        comparison=result, subject_name="Jenggot", measure="prevalence"
    )

    launched, compared = figure["data"]
    assert launched["name"] == "Jenggot"
    assert launched["x"] == [-1, 0, 1]
    # June: 10 children, below 30: not drawn, and said so with its n.
    assert launched["y"] == [25.0, None, 20.0]
    assert launched["text"][0] == "Mei 2023: 25,0 % (n = 40 anak dengan TB/U sah)"
    assert launched["text"][1] == (
        "Jun 2023: n terlalu kecil (n = 10 anak dengan TB/U sah)"
    )
    assert compared["y"] == [round(900 / 35, 2), None, None]
    assert (
        compared["text"][2] == "Jul 2023: n terlalu kecil (n = 20 anak dengan TB/U sah)"
    )
    assert figure["layout"]["shapes"][0]["x0"] == 0

    coverage = charts.launch_figure(
        comparison=result, subject_name="Jenggot", measure="coverage"
    )
    # Coverage: measured / registered, n = registered (50 >= 10).
    assert coverage["data"][0]["y"] == [80.0, 20.0, 70.0]
    assert coverage["data"][0]["text"][0] == "Mei 2023: 80,0 % (n = 50 anak terdaftar)"


def _account(username, role, codes=(), desa=None):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    if desa:
        OfficerAssignment.objects.create(
            officer=FieldOfficerFactory(user=user),
            region=Region.objects.get(code=desa),
        )
    return user


def test_the_page_shows_each_point_with_its_n_and_what_the_comparison_means(
    place, client
):
    kampung, _batch = place
    client.force_login(_account("staf.kota", Role.STAF, ["33.75"]))

    response = client.get(reverse("launch-kampung", args=[kampung[JENGGOT].pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "bukan perkiraan dampak" in html
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', html
    )
    assert rows == [("Mei 2023", "-1"), ("Jun 2023", "0"), ("Jul 2023", "+1")]
    assert "10 / 40" in html and "25,0" in html and "40 / 50 (80,0 %)" in html
    assert "n terlalu kecil" in html
    figure = json.loads(
        re.search(
            r'id="launch-prevalence-figure" type="application/json">(.*?)</script>',
            html,
        ).group(1)
    )
    assert figure["data"][0]["y"] == [25.0, None, 20.0]


def test_the_quarter_page_is_asked_for_and_bad_spans_fall_back_to_months(place, client):
    kampung, _batch = place
    client.force_login(_account("staf.kota", Role.STAF, ["33.75"]))
    url = reverse("launch-kampung", args=[kampung[JENGGOT].pk])

    quarters = client.get(url, {"rentang": "triwulan"}).content.decode()
    odd = client.get(url, {"rentang": "9" * 40}).content.decode()
    nul = client.get(url, {"rentang": "tri\x00wulan"})

    assert "Triwulan 2 2023" in quarters
    assert "Jun 2023" in odd
    assert nul.status_code < 500


def test_the_batch_page_lists_its_kampung_kb_and_sums_them(place, client):
    kampung, batch = place
    client.force_login(_account("pimpinan.kota", Role.PIMPINAN, ["33.75"]))

    html = client.get(reverse("launch-batch", args=[batch.pk])).content.decode()

    assert "menjumlahkan 2 Kampung KB" in html
    assert reverse("kampung-detail", args=[kampung[KURIPAN].pk]) in html
    assert "8 / 40" in html


def test_the_pages_are_linked_from_the_kampung_kb_page_and_the_launch_list(
    place, client
):
    kampung, batch = place
    client.force_login(_account("staf.kota", Role.STAF, ["33.75"]))

    profile = client.get(reverse("kampung-detail", args=[kampung[JENGGOT].pk]))
    listing = client.get(reverse("launch-list"))

    assert reverse("launch-kampung", args=[kampung[JENGGOT].pk]) in (
        profile.content.decode()
    )
    assert reverse("launch-batch", args=[batch.pk]) in listing.content.decode()


@pytest.mark.parametrize(
    ("role", "codes", "desa", "target", "status"),
    [
        (Role.STAF, ["33.75"], None, JENGGOT, 200),
        (Role.PIMPINAN, ["33.75"], None, KAUMAN, 200),
        (Role.STAF, ["33.26"], None, JENGGOT, 404),
        (Role.PLKB, [], JENGGOT, JENGGOT, 200),
        # The same kecamatan: the PLKB reads its rows, not its figures here.
        (Role.PLKB, [], JENGGOT, KURIPAN, 404),
        (Role.PLKB, [], JENGGOT, KAUMAN, 404),
        (Role.EVALUATOR, ["33.75"], None, JENGGOT, 404),
    ],
)
def test_who_reads_a_kampung_kb_page(place, client, role, codes, desa, target, status):
    kampung, _batch = place
    client.force_login(_account("someone", role, codes, desa))

    response = client.get(reverse("launch-kampung", args=[kampung[target].pk]))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "codes", "desa", "status"),
    [
        (Role.STAF, ["33.75"], None, 200),
        (Role.STAF, ["33.26"], None, 404),
        (Role.PLKB, [], JENGGOT, 200),
        (Role.PLKB, [], KAUMAN, 404),
        (Role.EVALUATOR, ["33.75"], None, 404),
    ],
)
def test_who_reads_a_batch_page(place, client, role, codes, desa, status):
    _kampung, batch = place
    client.force_login(_account("someone", role, codes, desa))

    response = client.get(reverse("launch-batch", args=[batch.pk]))

    assert response.status_code == status


def test_a_launch_list_links_a_batch_only_for_those_who_read_it(place, client):
    _kampung, batch = place
    client.force_login(_account("plkb.kauman", Role.PLKB, desa=KAUMAN))

    html = client.get(reverse("launch-list")).content.decode()

    assert reverse("launch-batch", args=[batch.pk]) not in html
