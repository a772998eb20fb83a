"""The phone's z-scores (static/js/field/growth.js, in Chromium) equal the server's.

The field app scores a measurement offline with growth.js and the tables of
/lapangan/tabel-who.json. Here Chromium runs the collected, hashed growth.js
served by the live server, with the JSON a signed-in PLKB gets, on thousands of
cases: every table edge, ages and positions around 731 days, z-scores around the
class bounds and the implausible limits, missing and invalid values of every
kind. Each must equal stunting.growth.score: z within 1e-9, the same classes,
flags, reasons and adjusted height.
"""

import datetime
import math
import random

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.templatetags.static import static

from kampungkb.models import Role
from stunting import growth

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sandi-uji-yang-panjang-1"
SCRIPT = "js/field/growth.js"
CLASS_BOUNDS = (-3.0, -2.0, 1.0, 2.0, 3.0)
LIMITS = (-6.0, -5.0, 5.0, 6.0)

# Runs in the page: score every case, keeping what throws as an error.
SCORE_ALL = """async (cases) => {
  const doc = await (await fetch("/lapangan/tabel-who.json")).json();
  return cases.map((input) => {
    try { return KKBGrowth.score(doc, input); }
    catch (e) { return {error: String(e)}; }
  });
}"""


@pytest.fixture
def growth_page(chromium, live_server):
    """A PLKB signed in, on a page of the app with growth.js loaded from /static/.

    The time zone has daylight saving, so a date computed in local time would drift.
    """
    get_user_model().objects.create_user(
        "plkb.jenggot", password=PASSWORD, role=Role.PLKB
    )
    context = chromium.new_context(
        base_url=live_server.url, locale="id-ID", timezone_id="America/Santiago"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, "plkb.jenggot", PASSWORD)
    url = static(SCRIPT)
    # The collected file, under its hashed name, as a page of the app would ask.
    assert url != f"/static/{SCRIPT}" and url.endswith(".js")
    page.add_script_tag(url=url)
    assert page.evaluate("typeof KKBGrowth.score") == "function"
    yield page
    context.close()
    assert not errors


# --- the cases -------------------------------------------------------------------


def _lms_at_age(table, sex_row, day):
    return tuple(float(getattr(table, k)[sex_row, day]) for k in "LMS")


def _lms_at_cm(use_wfl, sex_row, cm):
    lms = growth._lms_at_length(
        growth._tables(),
        np.array([use_wfl]),
        np.array([sex_row]),
        np.array([cm], dtype=float),
    )
    return tuple(float(v[0]) for v in lms)


def _x_at(z, L, M, S, restricted):
    """The measurement whose z-score is z (inverting the LMS, or the restricted rule)."""

    def sd(k):
        return M * (1 + L * S * k) ** (1 / L)

    if restricted and z > 3:
        return sd(3) + (z - 3) * (sd(3) - sd(2))
    if restricted and z < -3:
        return sd(-3) + (z + 3) * (sd(-2) - sd(-3))
    return sd(z)


def _case(sex, age, weight, height, measured, oedema=False):
    return {
        "sex": sex,
        "age_days": age,
        "weight_kg": weight,
        "height_cm": height,
        "measured": measured,
        "oedema": oedema,
    }


def _edge_cases():
    """Every table edge, with and without the 0.7 cm shift, on both sides of 731 days."""
    ages = [0, 1, 364, 365, 729, 730, 731, 732, 1095, 1825, 1826, 1827, 1900]
    heights = []
    for edge in (45.0, 65.0, 110.0, 120.0):
        for delta in (-0.7, -0.1, -1e-6, 0.0, 1e-6, 0.05, 0.1, 0.7):
            heights.append(round(edge + delta, 6))
            heights.append(edge + delta)  # float noise left in: rounded by both
    heights += [44.3, 45.7, 64.3, 65.7, 109.3, 110.7, 119.3, 120.7, 80.1]
    cases = []
    for sex in ("L", "P"):
        for age in ages:
            for height in heights:
                for measured in ("lying", "standing", ""):
                    cases.append(_case(sex, age, 12.0, height, measured))
    return cases


def _boundary_cases():
    """z-scores on, just below and just above the class bounds and implausible limits."""
    t = growth._tables()
    targets = []
    for bound in (*CLASS_BOUNDS, *LIMITS, 0.0):
        for eps in (0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6):
            targets.append(bound + eps)
    cases = []
    for sex_row, sex in enumerate(("L", "P")):
        for day in (0, 30, 365, 730, 731, 1200, 1826):
            standing = day >= growth.STANDING_FROM_DAYS
            measured = "standing" if standing else "lying"
            for z in targets:
                # HAZ: the height at z (rounded to 6 decimals, as measured).
                height = _x_at(z, *_lms_at_age(t.lhfa, sex_row, day), False)
                cases.append(_case(sex, day, None, round(height, 6), measured))
                cases.append(_case(sex, day, None, height, measured))
                # WAZ, with WHO's restricted rule beyond +-3.
                weight = _x_at(z, *_lms_at_age(t.wfa, sex_row, day), True)
                cases.append(_case(sex, day, weight, None, measured))
            # WHZ at a few lengths, between rows and on them.
            for cm in (45.0, 66.55, 75.0, 75.03, 87.77, 109.99, 110.0, 119.95, 120.0):
                if not (65.0 <= cm <= 120.0 if standing else cm <= 110.0):
                    continue
                lms = _lms_at_cm(not standing, sex_row, cm)
                for z in targets:
                    weight = _x_at(z, *lms, True)
                    cases.append(_case(sex, day, weight, cm, measured))
    return cases


SEXES = ["L", "P", "l", " p ", "M", "female", "Laki-laki", 1, 2, 1.0, None, "", " "]
ODD_SEXES = ["X", 3, True, "lp", 1.5]
POSITIONS = ["lying", "standing", "", None, "LYING", " standing ", 0, 1, 2, "1"]
ODD_POSITIONS = ["duduk", 3, "berdiri"]
ODD_NUMBERS = [None, 0, -0.0, -1.0, 1e-300, 1e6, 1e300, math.inf, -math.inf, math.nan]


def _random_cases(rng, count):
    """Random children: mostly plausible, with every kind of odd value mixed in."""
    t = growth._tables()
    cases = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.80:
            age = rng.randint(0, 1900)
        elif roll < 0.88:
            age = rng.uniform(-50, 1900)  # not whole days
        elif roll < 0.94:
            age = rng.randint(-400, -1)
        else:
            age = rng.choice([None, math.nan, math.inf, 730.0, 731.0, 2.5, -0.0])
        sex = rng.choice(SEXES) if rng.random() < 0.95 else rng.choice(ODD_SEXES)
        day = min(max(int(age) if isinstance(age, int) else 400, 0), 1826)
        sex_row = 1 if sex in ("P", " p ", "female", 2) else 0
        spread = rng.choice([0.05, 0.15, 0.4])  # a few far beyond +-3 and +-6
        weight = float(t.wfa.M[sex_row, day]) * math.exp(rng.gauss(0, spread * 2))
        height = float(t.lhfa.M[sex_row, day]) * math.exp(rng.gauss(0, spread))
        digits = rng.choice([1, 1, 2, 3, None])
        if digits is not None:
            weight, height = round(weight, digits), round(height, digits)
        if rng.random() < 0.06:
            weight = rng.choice(ODD_NUMBERS)
        if rng.random() < 0.06:
            height = rng.choice(ODD_NUMBERS)
        measured = (
            rng.choice(POSITIONS) if rng.random() < 0.97 else rng.choice(ODD_POSITIONS)
        )
        oedema = rng.random() < 0.08
        cases.append(_case(sex, age, weight, height, measured, oedema))
    # Numbers as the strings a form holds, and strings that are no number.
    for text in ("9.4", " 75.0 ", "1e1", "-3", "abc", "", "9,4"):
        cases.append(_case("L", 400, text, 75.0, "lying"))
        cases.append(_case("P", 400, 9.4, text, "lying"))
    cases.append(_case("L", "400", 9.4, 75.0, "lying", oedema=None))
    return cases


def _python(case):
    try:
        result = growth.score(**case)
    except ValueError as exc:
        return {"error": str(exc)}
    return {
        **{name: getattr(result, name) for name in growth.INDICATORS},
        **{f"{n}_class": getattr(result, f"{n}_class") for n in growth.INDICATORS},
        "flags": {name: name in result.flags for name in growth.INDICATORS},
        "reasons": {name: result.reasons.get(name) for name in growth.INDICATORS},
        "adjusted_height_cm": result.adjusted_height_cm,
    }


def _same_z(a, b):
    if a is None or b is None:
        return a is b
    if math.isinf(a) or math.isinf(b):
        return a == b
    # 1e-9, relative beyond |z| = 1 (a weight of 1e300 kg has z ~ 1e299).
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


# Per indicator, the z-scores where its class or its flag changes.
BOUNDS = {
    name: {b for side in growth._CLASS_RULES[name] for b, _ in side}
    | set(growth.IMPLAUSIBLE[name])
    for name in growth.INDICATORS
}
# The server raises x to a fractional power with numpy's vectorised pow (SIMD
# where the CPU has it), the phone with the browser's Math.pow: the two may differ
# in the last bits, and so the z-scores by ~1e-14. A z that close to a bound can
# be classed either way: by the server itself on another CPU, too.
ON_BOUND = 1e-12


def _on_bound(name, z):
    return z is not None and any(abs(z - b) <= ON_BOUND for b in BOUNDS[name])


def _differences(cases, js):
    """Give the cases scored differently, and those whose class or flag differs
    only because the server's z lies within ON_BOUND of a bound."""
    wrong, on_bound = [], []
    for case, mine in zip(cases, js, strict=True):
        server = _python(case)
        if "error" in server or "error" in mine:
            if ("error" in server) != ("error" in mine):
                wrong.append((case, server, mine))
            continue
        same = (
            all(_same_z(server[n], mine[n]) for n in growth.INDICATORS)
            and server["reasons"] == mine["reasons"]
            and server["adjusted_height_cm"] == mine["adjusted_height_cm"]
        )
        classed = [
            n
            for n in growth.INDICATORS
            if server[f"{n}_class"] != mine[f"{n}_class"]
            or server["flags"][n] != mine["flags"][n]
        ]
        if not same or any(not _on_bound(n, server[n]) for n in classed):
            wrong.append((case, server, mine))
        elif classed:
            on_bound.append((case, server, mine))
    return wrong, on_bound


def test_growth_js_scores_as_the_server_on_thousands_of_cases(growth_page):
    cases = _edge_cases() + _boundary_cases() + _random_cases(random.Random(16), 4000)
    assert len(cases) > 9000
    js = growth_page.evaluate(SCORE_ALL, cases)

    wrong, on_bound = _differences(cases, js)

    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:3]}"
    # Only z-scores built to lie exactly on a bound (see ON_BOUND), never a
    # measured one: the random children, at 1-3 decimals, are all classed alike.
    boundary = _boundary_cases()
    assert all(case in boundary for case, _, _ in on_bound)
    assert len(on_bound) < 0.1 * len(boundary)
    # The cases reach what they are meant to: every class, flag and reason.
    seen = {
        (n, r[f"{n}_class"]) for r in js if "error" not in r for n in ("haz", "whz")
    }
    assert ("haz", "sangat_pendek") in seen and ("whz", "obesitas") in seen
    assert {c for n, c in seen if n == "whz"} >= {
        "gizi_buruk",
        "gizi_kurang",
        "normal",
        "berisiko_gizi_lebih",
        "gizi_lebih",
    }
    reasons = {r["reasons"][n] for r in js if "error" not in r for n in r["reasons"]}
    assert reasons - {None} == set(growth.REASON_LABELS)
    flagged = {n for r in js if "error" not in r for n in r["flags"] if r["flags"][n]}
    assert flagged == set(growth.INDICATORS)
    assert sum("error" in r for r in js) == 6  # "abc", "" and "9,4", twice each


def test_domains_check_values_on_the_phone(growth_page):
    """DOMAIN.md: boy 0 d 49.8842 cm -> 0.00; boy 731 d 80.0 cm standing -> -2.33,
    lying -> -2.56; girl 365 d 74.0 cm lying -> 0.00."""
    cases = [
        _case("L", 0, None, 49.8842, "lying"),
        _case("L", 731, None, 80.0, "standing"),
        _case("L", 731, None, 80.0, "lying"),
        _case("P", 365, None, 74.0, "lying"),
    ]
    haz = [round(r["haz"], 2) for r in growth_page.evaluate(SCORE_ALL, cases)]
    assert haz == [0.0, -2.33, -2.56, 0.0]
    lying = growth_page.evaluate(SCORE_ALL, cases[2:3])[0]
    assert lying["adjusted_height_cm"] == 79.3
    assert lying["haz_class"] == "pendek" and lying["flags"]["haz"] is False
    assert lying["reasons"] == {
        "haz": None,
        "waz": "weight_missing",
        "whz": "weight_missing",
    }


def test_age_in_days_counts_calendar_days_in_any_time_zone(growth_page):
    rng = random.Random(1)
    pairs = [
        ("2024-05-01", "2026-12-02"),
        ("2024-02-28", "2024-03-01"),  # a leap day between
        ("2023-02-28", "2023-03-01"),
        ("1900-02-28", "1900-03-01"),  # 1900 is no leap year
        ("2000-02-28", "2000-03-01"),  # 2000 is
        ("2026-04-04", "2026-04-05"),  # Chile leaves daylight saving
        ("2026-09-05", "2026-09-06"),  # and starts it again
        ("2026-12-02", "2024-05-01"),  # measured before birth: negative
        ("0001-01-01", "9999-12-31"),
    ]
    start = datetime.date(1999, 1, 1).toordinal()
    for _ in range(2000):
        a, b = (
            datetime.date.fromordinal(start + rng.randint(0, 40 * 366)) for _ in "ab"
        )
        pairs.append((a.isoformat(), b.isoformat()))
    got = growth_page.evaluate(
        "(pairs) => pairs.map(([a, b]) => KKBGrowth.ageDays(a, b))", pairs
    )
    expected = [
        growth.age_in_days(
            datetime.date.fromisoformat(a), datetime.date.fromisoformat(b)
        )
        for a, b in pairs
    ]
    assert got == expected
    assert got[0] == 945
    # Not a date: null, never a guess.
    odd = ["2023-02-29", "2024-13-01", "2024-00-10", "", "2024-5-1", "0000-01-01", None]
    assert growth_page.evaluate(
        "(odd) => odd.map((d) => KKBGrowth.ageDays(d, '2026-12-02'))", odd
    ) == [None] * len(odd)
