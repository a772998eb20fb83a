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
from django.utils import timezone

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

# Three children, each measured three times a few weeks apart (date, cm, kg,
# position): under one year, around 18 months, and across the second birthday,
# where the position correction switches.
CHILDREN = {
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
    rows = sorted(response.json()["results"], key=lambda r: r["measured_on"])
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


def _feasible_heights(sex, births, row):
    """Per candidate birth date, the lengths consistent with everything in `row`."""
    day = datetime.date.fromisoformat(row["measured_on"])
    ages = np.array([(day - b).days for b in births], dtype=float)
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
    c, i, j = np.nonzero(ok_h[:, :, None] & ok_w[:, None, :])
    feasible = [set() for _ in births]
    if c.size:
        by_hw = _score(sex, ages[c], row, heights[i], weights[j])
        ok = _agrees(by_hw, "whz", row, np.ones(c.size, dtype=bool))
        for candidate, h in zip(c[ok], heights[i][ok], strict=True):
            feasible[candidate].add(h)
    return feasible


def _birth_dates_left(sex, true_birth, rows, current_age, today):
    """Candidate birth dates consistent with all a reader received."""
    births = [
        true_birth + datetime.timedelta(days=d)
        for d in range(-WINDOW_DAYS, WINDOW_DAYS + 1)
    ]
    per_row = [_feasible_heights(sex, births, row) for row in rows]
    left = []
    for k, birth in enumerate(births):
        ages_agree = shown_age_months(
            birth_date=birth, on=today
        ) == current_age and all(
            shown_age_months(
                birth_date=birth, on=datetime.date.fromisoformat(r["measured_on"])
            )
            == r["age_months"]
            for r in rows
        )
        # A child does not shrink: some length per measurement, never decreasing.
        lowest = 0.0
        for feasible in per_row:
            taller = [h for h in feasible[k] if h >= lowest]
            if not taller:
                break
            lowest = min(taller)
        else:
            if ages_agree:
                left.append(birth)
    return left


@pytest.mark.parametrize("key", CHILDREN)
def test_a_pimpinan_cannot_narrow_the_birth_date_below_a_week(client, world, key):
    child = world["children"][key]
    client.force_login(world["pimpinan"])
    rows, html = _received(client, child)

    # The page shows nothing the API does not: its chart is the API's HAZ by age.
    points = _figure(html)["data"][-1]
    assert points["x"] == [r["age_months"] for r in rows]
    assert points["y"] == [r["haz"] for r in rows]
    for _day, cm, kg, _position in CHILDREN[key][2]:
        for text in (cm, kg, cm.replace(".", ","), kg.replace(".", ",")):
            assert text not in html

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
