"""What a reader without a child's personal data gets must not give its birth date.

The attack of the review, run as an attacker would: take everything a pimpinan (or
a PLKB reading a neighbouring desa) receives about a child from the API and its
page, try every birth date in a window of three months around the true one, score
each candidate with the project's own engine (stunting.growth), and count those
consistent with all of it. A week or more must remain.
"""

import datetime
import json
import re
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from kampungkb.models import Role, User
from stunting.disclosure import shown_age_months
from stunting.growth import score_columns
from stunting.services import child_register, measurement_record
from tests.factories import FieldOfficerFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"  # same kecamatan: its PLKB reads Jenggot's children
WINDOW_DAYS = 45  # candidates: the true birth date +- 45 days
MIN_DAYS_LEFT = 8  # more than a week of uncertainty

# Children measured three times a few weeks apart (date, cm, kg, position): at
# birth, under one year, around 18 months, and across the second birthday, where
# the position correction switches.
CHILDREN = {
    # Measured on the day of birth, early in the month: the day measured alone
    # would leave two days.
    "newborn": (
        "L",
        datetime.date(2022, 3, 2),
        [
            (datetime.date(2022, 3, 2), "49.9", "3.3", "lying"),
            (datetime.date(2022, 3, 30), "54.5", "4.4", "lying"),
            (datetime.date(2022, 4, 27), "58.0", "5.5", "lying"),
        ],
    ),
    # HAZ -2.03, -2.00, -2.01: on the stunting boundary, where even the class
    # alone pinned the day once the exact length was shown.
    "borderline": (
        "P",
        datetime.date(2022, 2, 4),
        [
            (datetime.date(2022, 12, 1), "66.3", "9.1", "lying"),
            (datetime.date(2022, 12, 22), "67.2", "9.2", "lying"),
            (datetime.date(2023, 1, 15), "68.1", "9.4", "lying"),
        ],
    ),
    "eighteen_months": (
        "P",
        datetime.date(2021, 9, 25),
        [
            (datetime.date(2023, 3, 20), "77.0", "9.4", "lying"),
            (datetime.date(2023, 4, 11), "77.6", "9.5", "lying"),
            (datetime.date(2023, 5, 2), "78.1", "9.7", "lying"),
        ],
    ),
    "second_birthday": (
        "L",
        datetime.date(2021, 6, 20),
        [
            (datetime.date(2023, 6, 5), "82.5", "10.9", "lying"),
            (datetime.date(2023, 6, 27), "82.4", "11.0", "standing"),
            (datetime.date(2023, 7, 18), "83.1", "11.2", "standing"),
        ],
    ),
}

# What the attacker tries where a length or weight is not shown: every value on a
# 0.1 grid (a finer grid only finds more candidates).
HEIGHTS = np.round(np.arange(40.0, 125.0, 0.1), 1)
WEIGHTS = np.round(np.arange(1.0, 30.0, 0.1), 1)


def _user(username, role, regions=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(regions)
    return user


def _plkb(username, code):
    user = _user(username, Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=user), region=Region.objects.get(code=code)
    )
    return user


@pytest.fixture
def world(kota_pekalongan):
    jenggot = Region.objects.get(code=JENGGOT)
    children = {}
    for key, (sex, born, measurements) in CHILDREN.items():
        child = child_register(
            region=jenggot, name=f"Anak {key}", sex=sex, birth_date=born
        )
        for day, cm, kg, position in measurements:
            measurement_record(
                child=child,
                measured_on=day,
                height_cm=Decimal(cm),
                weight_kg=Decimal(kg),
                measured=position,
            )
        children[key] = child
    return {
        "children": children,
        "staf": _user("staf", Role.STAF, [kota_pekalongan]),
        "plkb": _plkb("plkb.jenggot", JENGGOT),
        "neighbour": _plkb("plkb.banyurip", BANYURIP),
        "pimpinan": _user("pimpinan", Role.PIMPINAN, [kota_pekalongan]),
    }


def _received(client, child):
    """The API's measurement rows (oldest first) and the child's page."""
    response = client.get("/api/measurements/", {"child": child.pk})
    assert response.status_code == 200
    # Newest first, as the API lists them; the reader does not get the days.
    rows = response.json()["results"][::-1]
    page = client.get(reverse("child-detail", args=[child.pk]))
    assert page.status_code == 200
    return rows, page.content.decode()


def _figure(html):
    found = re.search(r'<script id="growth-figure"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _current_age(html):
    return int(re.search(r'<p class="lead">[^<]*?(\d+) bulan', html).group(1))


def _matches(z, shown):
    """Whether candidate z-scores agree with a shown one, to the digits it has."""
    if shown is None:
        return np.isnan(z)
    if float(2 * shown).is_integer():
        tolerance = 0.25
    elif round(shown, 1) == shown:
        tolerance = 0.05
    elif round(shown, 2) == shown:
        tolerance = 0.005
    else:
        tolerance = 1e-9
    return np.abs(z - shown) <= tolerance + 1e-12


def _score(sex, ages, row, heights, weights):
    n = ages.size
    return score_columns(
        sex=[sex] * n,
        age_days=ages,
        height_cm=heights,
        weight_kg=weights,
        measured=[row["measured"] or None] * n,
        oedema=[row["oedema"]] * n,
    )


def _agrees(cols, name, row, keep):
    return (
        keep
        & _matches(cols[name], row[name])
        & (cols[f"{name}_class"] == (row[f"{name}_class"] or None))
    )


def _days(row):
    """The days the measurement may have been taken on, as far as the reader knows."""
    if row.get("measured_on"):
        return [datetime.date.fromisoformat(row["measured_on"])]
    first = datetime.date.fromisoformat(row["measured_month"] + "-01")
    days = (first + datetime.timedelta(days=n) for n in range(31))
    return [day for day in days if day.month == first.month]


def _feasible(sex, ages, row):
    """Which lengths agree with everything in `row`, per age in days: (ages, lengths)."""
    heights = HEIGHTS if row.get("height_cm") is None else [float(row["height_cm"])]
    weights = WEIGHTS if row.get("weight_kg") is None else [float(row["weight_kg"])]
    heights, weights = np.asarray(heights), np.asarray(weights)
    valid = ages >= 0
    by_h = _score(
        sex,
        np.repeat(ages, heights.size),
        row,
        np.tile(heights, ages.size),
        np.full(ages.size * heights.size, np.nan),
    )
    ok_h = _agrees(by_h, "haz", row, np.repeat(valid, heights.size)).reshape(
        ages.size, heights.size
    )
    by_w = _score(
        sex,
        np.repeat(ages, weights.size),
        row,
        np.full(ages.size * weights.size, np.nan),
        np.tile(weights, ages.size),
    )
    ok_w = _agrees(by_w, "waz", row, np.repeat(valid, weights.size)).reshape(
        ages.size, weights.size
    )
    # Length and weight together: weight-for-length/height must agree too.
    a, i, j = np.nonzero(ok_h[:, :, None] & ok_w[:, None, :])
    feasible = np.zeros((ages.size, heights.size), dtype=bool)
    if a.size:
        by_hw = _score(sex, ages[a], row, heights[i], weights[j])
        ok = _agrees(by_hw, "whz", row, np.ones(a.size, dtype=bool))
        feasible[a[ok], i[ok]] = True
    return heights, feasible


def _birth_dates_left(sex, true_birth, rows, current_age, today):
    """Candidate birth dates consistent with all a reader received."""
    births = [
        true_birth + datetime.timedelta(days=d)
        for d in range(-WINDOW_DAYS, WINDOW_DAYS + 1)
    ]
    tables = []
    for row in rows:
        days = _days(row)
        youngest = (days[0] - births[-1]).days
        ages = np.arange(youngest, (days[-1] - births[0]).days + 1, dtype=float)
        tables.append((days, youngest, *_feasible(sex, ages, row)))

    def consistent(birth):
        if shown_age_months(birth_date=birth, on=today) != current_age:
            return False
        # Some day in each row's month and some length on it, days in order and
        # lengths never decreasing (a child does not shrink).
        chain = [(datetime.date.min, 0.0)]  # (day, lowest length) of a chain's end
        for row, (days, youngest, heights, feasible) in zip(rows, tables, strict=True):
            ends = []
            for day in days:
                age = (day - birth).days
                earlier = [h for d, h in chain if d < day]
                if (
                    age < 0
                    or not earlier
                    or shown_age_months(birth_date=birth, on=day) != row["age_months"]
                ):
                    continue
                taller = heights[feasible[age - youngest] & (heights >= min(earlier))]
                if taller.size:
                    ends.append((day, taller.min()))
            if not ends:
                return False
            chain = ends
        return True

    return [birth for birth in births if consistent(birth)]


@pytest.mark.parametrize("key", CHILDREN)
def test_a_pimpinan_cannot_narrow_the_birth_date_below_a_week(client, world, key):
    child = world["children"][key]
    client.force_login(world["pimpinan"])
    rows, html = _received(client, child)

    # The page shows nothing the API does not: its chart is the API's HAZ by age.
    points = _figure(html)["data"][-1]
    assert points["x"] == [r["age_months"] for r in rows]
    assert points["y"] == [r["haz"] for r in rows]
    for day, cm, kg, _position in CHILDREN[key][2]:
        for text in (cm, kg, cm.replace(".", ","), kg.replace(".", ",")):
            assert text not in html
        with translation.override("id"):
            assert dateformat.format(day, "j M Y") not in html
        assert day.isoformat() not in json.dumps(rows)

    left = _birth_dates_left(
        child.sex,
        child.birth_date,
        rows,
        _current_age(html),
        timezone.localdate(),
    )

    assert child.birth_date in left
    assert len(left) >= MIN_DAYS_LEFT, left


def test_a_plkb_reading_a_neighbouring_desa_gets_no_more_than_a_pimpinan(client, world):
    child = world["children"]["borderline"]
    seen = {}
    for reader in ("pimpinan", "neighbour"):
        client.force_login(world[reader])
        rows, html = _received(client, child)
        table = html[html.index('<table class="data">') : html.index("</table>")]
        seen[reader] = (rows, _figure(html), _current_age(html), table)

    assert seen["neighbour"] == seen["pimpinan"]


@pytest.mark.parametrize("reader", ["staf", "plkb"])
def test_staff_and_the_childs_plkb_keep_full_precision(client, world, reader):
    child = world["children"]["borderline"]
    client.force_login(world[reader])
    rows, html = _received(client, child)

    stored = list(child.measurements.order_by("measured_on"))
    assert [r["haz"] for r in rows] == [m.haz for m in stored]
    assert [r["whz"] for r in rows] == [m.whz for m in stored]
    assert [r["height_cm"] for r in rows] == ["66.3", "67.2", "68.1"]
    assert [r["age_days"] for r in rows] == [300, 321, 345]
    assert _figure(html)["data"][-1]["y"] == [m.haz for m in stored]
    assert "66,3" in html or "66.3" in html


def test_a_date_filter_finds_only_the_month_where_the_day_is_withheld(client, world):
    child = world["children"]["borderline"]
    url = f"/api/measurements/?child={child.pk}"

    def count(user, query):
        client.force_login(world[user])
        return len(client.get(f"{url}&{query}").json()["results"])

    # Measured on 1 and 22 December 2022 and 15 January 2023.
    assert count("staf", "measured_after=2022-12-02") == 2
    assert count("staf", "measured_before=2022-12-21") == 1
    assert count("pimpinan", "measured_after=2022-12-02") == 3
    assert count("pimpinan", "measured_after=2022-12-31") == 3
    assert count("pimpinan", "measured_after=2023-01-01") == 1
    assert count("pimpinan", "measured_before=2022-12-01") == 2
    assert count("neighbour", "measured_before=2022-12-21") == 2


def test_a_reader_without_personal_rights_gets_only_the_month_of_registration(
    client, world
):
    child = world["children"]["borderline"]
    registered = datetime.datetime(2022, 11, 19, 9, 41, tzinfo=datetime.UTC)
    type(child).objects.filter(pk=child.pk).update(created_at=registered)

    def created_at(user):
        client.force_login(world[user])
        return client.get(f"/api/children/{child.pk}/").json()["created_at"]

    # 19 Nov 09:41 UTC is 16:41 in Jakarta: the month starts at Jakarta's midnight.
    assert created_at("pimpinan") == "2022-11-01T00:00:00+07:00"
    assert created_at("neighbour") == "2022-11-01T00:00:00+07:00"
    assert created_at("staf") == "2022-11-19T16:41:00+07:00"
