"""Measured prevalence on many measurements per child: the refresh's one set-based
query gives, for every month, quarter and year, what the rule gives row by row."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection

from dashboards.indicators import measured_stunting_sql
from dashboards.refresh import snapshot_refresh
from stunting.models import BALITA_MAX_DAYS, Child, Measurement
from stunting.selectors import (
    PeriodKind,
    measured_prevalence,
    measured_prevalence_by_year,
    period_bounds,
)
from villages.models import Region

DESA = ["33.75.04.1004", "33.75.01.1002", "33.75.01.1003"]
FIRST_DAY = datetime.date(2023, 1, 1)


@pytest.fixture
def many_measurements(kota_pekalongan):
    """60 children in three desa, each measured on up to 40 random days over 2 years."""
    rng = random.Random(11)
    regions = [Region.objects.get(code=code) for code in DESA]
    rows = []
    for i in range(60):
        # Some are born early enough to pass 59 months during the two years.
        born = FIRST_DAY - datetime.timedelta(
            days=rng.randint(0, BALITA_MAX_DAYS + 300)
        )
        child = Child.objects.create(
            name=f"A{i}", sex="P", birth_date=born, region=regions[i % 3]
        )
        for offset in rng.sample(range(730), rng.randint(1, 40)):
            day = FIRST_DAY + datetime.timedelta(days=offset)
            haz = rng.choice([None, round(rng.uniform(-4.5, 2), 2), -2.0, -3.0])
            rows.append(
                Measurement(
                    child=child,
                    measured_on=day,
                    age_days=(day - born).days,
                    haz=haz,
                    haz_implausible=rng.random() < 0.1,
                )
            )
    Measurement.objects.bulk_create(rows)
    return kota_pekalongan


def _by_hand(measurements, start, end, key):
    """DOMAIN.md's rule in plain Python: latest valid balita HAZ per child, per key."""
    latest = {}
    for m in measurements:
        valid = m.haz is not None and not m.haz_implausible
        balita = 0 <= m.age_days <= BALITA_MAX_DAYS
        if valid and balita and start <= m.measured_on <= end:
            k = (key(m), m.child_id)
            if k not in latest or m.measured_on > latest[k].measured_on:
                latest[k] = m
    counts = defaultdict(lambda: [0, 0, 0])
    for (group, _child), m in latest.items():
        counts[group][0] += 1
        counts[group][1] += m.haz < -2
        counts[group][2] += m.haz < -3
    return {group: tuple(c) for group, c in counts.items()}


def _measured_by_hand(measurements, start, end, key):
    """Children measured at 0-59 months in [start, end], valid or not, per key."""
    seen = defaultdict(set)
    for m in measurements:
        if 0 <= m.age_days <= BALITA_MAX_DAYS and start <= m.measured_on <= end:
            seen[key(m)].add(m.child_id)
    return {group: len(children) for group, children in seen.items()}


def _registered_by_hand(children, start, end, key):
    """Children aged 0-59 months on some day of [start, end], per key."""
    counts = defaultdict(int)
    for c in children:
        last_balita_day = c.birth_date + datetime.timedelta(days=BALITA_MAX_DAYS)
        if c.birth_date <= end and last_balita_day >= start:
            counts[key(c)] += 1
    return dict(counts)


def _every_period(years):
    for year in years:
        yield period_bounds(kind=PeriodKind.YEAR, year=year)
        for part in range(1, 5):
            yield period_bounds(kind=PeriodKind.QUARTER, year=year, part=part)
        for part in range(1, 13):
            yield period_bounds(kind=PeriodKind.MONTH, year=year, part=part)


def test_every_month_quarter_and_year_matches_a_plain_computation(many_measurements):
    """The refresh's one window pass gives, for each of the 34 periods of 2023-2024
    and each kecamatan, what DOMAIN.md's rule gives row by row."""
    snapshot_refresh(years=[2023, 2024])
    everything = list(Measurement.objects.select_related("child__region"))
    children = list(Child.objects.select_related("region"))
    kecamatan = lambda m: m.child.region.code[:8]  # noqa: E731
    checked = 0
    for period in _every_period([2023, 2024]):
        rows, total = measured_prevalence(region=many_measurements, period=period)
        expected = _by_hand(everything, period.start, period.end, key=kecamatan)
        got = {
            r.region.code: (r.children, r.stunted, r.severe) for r in rows if r.children
        }
        assert got == expected, period.label
        measured = _measured_by_hand(everything, period.start, period.end, kecamatan)
        registered = _registered_by_hand(
            children, period.start, period.end, key=lambda c: c.region.code[:8]
        )
        for r in rows:
            assert r.measured == measured.get(r.region.code, 0), period.label
            assert r.registered == registered.get(r.region.code, 0), period.label
        assert total.children == sum(c[0] for c in expected.values())
        checked += total.children
    assert checked > 300  # the data is not trivial


def test_prevalence_of_a_desa_and_by_year_match_a_plain_computation(many_measurements):
    snapshot_refresh(years=[2023, 2024])
    everything = list(Measurement.objects.select_related("child__region"))
    desa = Region.objects.get(code=DESA[1])
    q1 = period_bounds(kind=PeriodKind.QUARTER, year=2024, part=1)

    _rows, total = measured_prevalence(region=desa, period=q1)
    by_year = {
        year: (r.children, r.stunted, r.severe)
        for year, r in measured_prevalence_by_year(region=many_measurements)
    }

    in_desa = [m for m in everything if m.child.region.code == DESA[1]]
    assert (total.children, total.stunted, total.severe) == _by_hand(
        in_desa, q1.start, q1.end, key=lambda m: "all"
    )["all"]
    assert by_year == _by_hand(
        everything,
        datetime.date(2000, 1, 1),
        datetime.date(2100, 1, 1),
        key=lambda m: m.measured_on.year,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN's plan is PostgreSQL's"
)
def test_the_refresh_ranks_in_one_window_pass_not_a_subquery_per_row(
    many_measurements,
):
    """A correlated subquery ran once per measurement: 22 minutes on 1 M rows."""
    sql, params = measured_stunting_sql(year=2024)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "WindowAgg" in plan
    # Each child's rows are put in order once, for every window of the statement.
    assert plan.count("Sort Key: stunting_measurement.child_id") == 1
    assert "SubPlan" not in plan


def test_the_page_reads_stored_figures_in_a_fixed_number_of_queries(
    many_measurements, django_assert_max_num_queries
):
    snapshot_refresh(years=[2024])
    for region in [many_measurements, Region.objects.get(code=DESA[0])]:
        with django_assert_max_num_queries(2):
            measured_prevalence(
                region=region,
                period=period_bounds(kind=PeriodKind.MONTH, year=2024, part=5),
            )
