"""SYNTHETIC province-scale data for measuring the dashboards (issue 5).

`synthetic_generate` fills the loaded region tree under a Kemendagri code (e.g. 33,
Jawa Tengah: 35 kab/kota, 8,563 desa/kelurahan) with what a dashboard of Kampung KB
and measured stunting reads: Kampung KB on about 40 % of the desa/kelurahan (formed
2016-2025, more in recent years), their classification history, readiness and
program integrations, Dashat kitchens, yearly formation targets per kab/kota, and
N children measured every quarter within 2023-2025. The prefix may be empty: the
whole country (83,762 desa/kelurahan). Everything is drawn from numpy generators
seeded with `seed` and each kab/kota's code: a seed gives the same rows (ids and
timestamps aside). The run goes kab/kota by kab/kota and, within one, 50,000
children at a time, so its memory does not grow with the desa or the children. Nothing here is real, and every row says so:

    KampungKB.source, Classification.illustrative_note, ProgramIntegration.notes,
    FormationTarget.source: "DATA SINTETIS (generate_synthetic, seed S)"
    Dashat: name and funding source end in that text
    Child: "Anak sintetis 0000123", parent "Orang tua sintetis 0000123",
    posyandu "Posyandu <desa> 2 (DATA SINTETIS)"; a measurement repeats the posyandu
    ImportBatch (when an uploader is given): file name "DATA SINTETIS (...)"

A synthetic NIK starts with 00, a province code no one has, so it can never be a
real child's; like any NIK it is stored only as its keyed hash (stunting.nik).

Z-scores come from `stunting.services.score_fields`, as for a form or an import.
Rows are written without a django-simple-history row each, as the importer does
(bulk_create and COPY send no signals), in one transaction: a failed run leaves
nothing. On PostgreSQL by COPY straight into the tables (the run owns every row it
writes: the prefix was checked, or emptied of earlier synthetic rows, first);
elsewhere by bulk_create, for the small runs of the tests.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from stunting import growth
from stunting.importer import SCORE_FIELDS
from stunting.models import (
    Child,
    Dashat,
    DashatStatus,
    ImportBatch,
    ImportStatus,
    Measurement,
)
from stunting.nik import nik_hash
from stunting.services import score_fields
from villages.models import (
    PROGRAM_START,
    Classification,
    ClassificationBasis,
    ClassificationLevel,
    FormationTarget,
    KampungKB,
    Program,
    ProgramIntegration,
    Region,
    RegionLevel,
    RumahDataKu,
)
from villages.regions_source import SourceError, source_provinces, source_regions

MARK = "DATA SINTETIS"
# Every provenance text starts with this; --replace finds earlier rows by it.
PROVENANCE = f"{MARK} (generate_synthetic"
CHILD_NAME = "Anak sintetis"
PARENT_NAME = "Orang tua sintetis"
POSYANDU_MARK = f"({MARK})"

LEVELS = list(ClassificationLevel)  # rank 1..4 is index 0..3
LAST_DAY = datetime.date(2025, 12, 31)
# Kampung KB formed per year, relative (made up): few early, most since Inpres 3/2022.
FORMED_YEARS = np.arange(2016, 2026)
FORMED_WEIGHTS = np.array([3, 5, 7, 8, 6, 9, 14, 18, 20, 10], dtype=float)
KAMPUNG_SHARE = (4, 6)  # Beta parameters of a kab/kota's share: mean 40 %
INACTIVE_SHARE = 0.01
# A classification moves up no sooner than this after the one before it.
UPGRADE_AFTER_DAYS = 180
DASHAT_FROM = datetime.date(2022, 1, 1)
DASHAT_INACTIVE_SHARE = 0.15
FUNDING = ("Dana Desa", "APBD", "CSR", "Swadaya masyarakat")
TARGET_YEARS = range(2020, 2026)
# Share of Kampung KB that integrated a program, relative to the others (made up).
PROGRAM_POPULARITY = {
    Program.BANSOS_PKH: 0.9,
    Program.BPJS: 0.85,
    Program.RTLH: 0.5,
    Program.AIR_JAMBAN_LINGKUNGAN: 0.6,
    Program.LAYANAN_RUJUKAN: 0.55,
    Program.NIB: 0.35,
    Program.MODAL_UMKM: 0.3,
    Program.PELATIHAN_UMKM: 0.4,
    Program.UPPKA: 0.45,
    Program.EDUKASI_GIZI: 0.8,
}
AGENCY = {
    Program.RUMAH_DATAKU: "Dinsos-P2KB",
    Program.BANSOS_PKH: "Dinas Sosial",
    Program.BPJS: "BPJS Kesehatan",
    Program.RTLH: "Dinas Perumahan dan Kawasan Permukiman",
    Program.AIR_JAMBAN_LINGKUNGAN: "Dinas Pekerjaan Umum",
    Program.LAYANAN_RUJUKAN: "Puskesmas",
    Program.NIB: "DPMPTSP",
    Program.MODAL_UMKM: "Dinas Koperasi dan UMKM",
    Program.PELATIHAN_UMKM: "Dinas Koperasi dan UMKM",
    Program.UPPKA: "Dinsos-P2KB",
    Program.EDUKASI_GIZI: "Dinas Kesehatan",
}
# Rumah DataKu class by classification rank (rows) (made up): none .. paripurna.
RUMAH_DATAKU = [RumahDataKu.NONE, *[c for c in RumahDataKu if c != RumahDataKu.NONE]]
RUMAH_DATAKU_P = np.array(
    [
        [0.50, 0.35, 0.12, 0.03],
        [0.20, 0.45, 0.28, 0.07],
        [0.05, 0.35, 0.45, 0.15],
        [0.00, 0.15, 0.45, 0.40],
    ]
)

# Children. HAZ = HAZ_MEAN + kab/kota and desa effects + the child's own spread +
# noise per visit: about 20 % stunted, most kab/kota between 13 and 28 %.
MEASURED_FROM = datetime.date(2023, 1, 1)
QUARTERS = 12  # 2023-2025
HAZ_MEAN = -1.15
KABKOTA_SD, DESA_SD, CHILD_SD, VISIT_SD = 0.15, 0.2, 1.0, 0.25
HAZ_TREND_PER_YEAR = 0.05  # stunting falls a little over the three years
MALE_SHARE = 0.51
OTHER_POSITION_SHARE = 0.03  # measured standing before 731 days, or lying after
NO_NIK_SHARE = 0.05
# Data-entry slips that the engine must flag: height typed too short, weight x 10.
SLIP_SHARE = 0.002
# BMI medians by age (WHO BMI-for-age, both sexes averaged, rounded): weight is
# drawn from the height with it, so weight-for-height comes out roughly normal.
BMI_AGE_DAYS = [0, 30, 61, 91, 183, 365, 730, 1095, 1461, 1826]
BMI_MEDIAN = [13.35, 14.75, 16.05, 16.65, 17.1, 16.6, 15.85, 15.5, 15.3, 15.25]
BALITA_LAST_DAY = 1826  # 60 months, the WHO tables' last day
# Part of the seed's meaning: a kab/kota's children are drawn chunk by chunk.
CHUNK_CHILDREN = 50_000
NIK_SERIAL_MAX = 9999  # 4 digits per desa; children beyond get no NIK

_EPOCH = datetime.date(1970, 1, 1).toordinal()


class SyntheticError(Exception):
    """The run cannot go ahead; nothing was written."""


@dataclass
class SyntheticResult:
    kampung: int = 0
    classifications: int = 0
    programs: int = 0
    dashats: int = 0
    targets: int = 0
    children: int = 0
    measurements: int = 0
    stunted: int = 0  # latest valid HAZ < -2 per child, over children with one
    with_valid_haz: int = 0
    deleted: dict = field(default_factory=dict)
    batch: ImportBatch | None = None


def provenance(seed: int) -> str:
    return f"{PROVENANCE}, seed {seed})"


def _within(prefix, column="region__code"):
    """The region (a code) and all below it; on the foreign key, without a join.

    The empty prefix is the whole country.
    """
    if not prefix:
        return Q()
    return Q(**{column: prefix}) | Q(**{f"{column}__startswith": prefix + "."})


def scope_name(prefix) -> str:
    return prefix or "Indonesia"


def _synthetic_children():
    return Q(name__startswith=CHILD_NAME + " ", posyandu__endswith=POSYANDU_MARK)


# --- checks ----------------------------------------------------------------------


def _check_regions(prefix):
    """The prefix must be a known code whose whole tree is loaded.

    The country is checked province by province, so no more than one province's
    regions are held at a time.
    """
    if not prefix:
        for province in source_provinces():
            _check_regions(province)
        return
    try:
        wanted = {r.code for r in source_regions(prefix=prefix)}
    except SourceError as exc:
        raise SyntheticError(str(exc)) from exc
    wanted = {c for c in wanted if c == prefix or c.startswith(prefix + ".")}
    loaded = set(
        Region.objects.filter(_within(prefix, "code")).values_list("code", flat=True)
    )
    missing = wanted - loaded
    if missing:
        raise SyntheticError(
            f"The region tree under {prefix} is not loaded ({len(missing):,} of "
            f"{len(wanted):,} regions missing): run `python manage.py load_regions "
            f"--prefix {prefix}` (or without --prefix: the whole country) first."
        )


def _check_existing(prefix, *, replace, allow_real_data):
    kampung = KampungKB.objects.filter(_within(prefix))
    children = Child.objects.filter(_within(prefix))
    if not allow_real_data:
        real = (
            kampung.exclude(source__startswith=PROVENANCE).count(),
            children.exclude(_synthetic_children()).count(),
        )
        if any(real):
            raise SyntheticError(
                f"{scope_name(prefix)} already holds real data ({real[0]:,} Kampung KB, "
                f"{real[1]:,} children) that synthetic rows would be mixed with; "
                "add --allow-real-data to generate beside it anyway."
            )
    if not replace and (
        kampung.filter(source__startswith=PROVENANCE).exists()
        or children.filter(_synthetic_children()).exists()
    ):
        raise SyntheticError(
            f"{scope_name(prefix)} already holds synthetic data from an earlier run: add "
            "--replace to delete it first."
        )


# --- deleting an earlier run ------------------------------------------------------


def _delete_synthetic(prefix) -> dict:
    """Delete earlier synthetic rows under the prefix, by SQL.

    Not through the ORM: with django-simple-history listening, Django would load
    every row and write a history row for each deletion. Rows that others added
    to synthetic ones (an audit of a synthetic child) are not ours to delete: the
    foreign keys then refuse, and the whole run is rolled back.
    """
    q = connection.ops.quote_name
    t = {
        model: q(model._meta.db_table)
        for model in (
            Measurement,
            Child,
            Dashat,
            ProgramIntegration,
            Classification,
            KampungKB,
            FormationTarget,
            ImportBatch,
        )
    }
    within = "(region_id = %s OR region_id LIKE %s)" if prefix else "TRUE"
    region = [prefix, prefix + ".%"] if prefix else []
    ours = PROVENANCE + "%"
    children = (
        f"SELECT id FROM {t[Child]} WHERE {within} AND name LIKE %s "
        "AND posyandu LIKE %s"
    )
    child_params = [*region, CHILD_NAME + " %", "%" + POSYANDU_MARK]
    kampung = f"SELECT id FROM {t[KampungKB]} WHERE {within} AND source LIKE %s"
    kampung_params = [*region, ours]
    statements = [
        (
            "measurements",
            f"DELETE FROM {t[Measurement]} WHERE child_id IN ({children})",
            child_params,
        ),
        ("children", f"DELETE FROM {t[Child]} WHERE id IN ({children})", child_params),
        (
            "dashats",
            f"DELETE FROM {t[Dashat]} WHERE kampung_id IN ({kampung}) "
            "AND funding_source LIKE %s",
            [*kampung_params, "%" + ours],
        ),
        (
            "programs",
            f"DELETE FROM {t[ProgramIntegration]} WHERE kampung_id IN ({kampung}) "
            "AND notes LIKE %s",
            [*kampung_params, ours],
        ),
        (
            "classifications",
            f"DELETE FROM {t[Classification]} WHERE kampung_id IN ({kampung}) "
            "AND illustrative_note LIKE %s",
            [*kampung_params, ours],
        ),
        (
            "kampung",
            f"DELETE FROM {t[KampungKB]} WHERE id IN ({kampung})",
            kampung_params,
        ),
        (
            "targets",
            f"DELETE FROM {t[FormationTarget]} WHERE {within} AND source LIKE %s",
            [*region, ours],
        ),
        # A run's batch goes with the last of its measurements.
        (
            "batches",
            f"DELETE FROM {t[ImportBatch]} WHERE file_name LIKE %s AND NOT EXISTS "
            f"(SELECT 1 FROM {t[Measurement]} m WHERE m.import_batch_id = "
            f"{t[ImportBatch]}.id)",
            [ours],
        ),
    ]
    deleted = {}
    with connection.cursor() as cursor:
        for name, sql, params in statements:
            cursor.execute(sql, params)
            deleted[name] = cursor.rowcount
    return deleted


# --- the plan ---------------------------------------------------------------------


@dataclass
class _Desa:
    """The desa/kelurahan under the prefix, ordered by code, as columns."""

    codes: list[str]
    names: list[str]
    kabkota: np.ndarray  # index into kabkota_codes
    kabkota_codes: list[str]
    kabkota_names: list[str]

    @property
    def size(self):
        return len(self.codes)


def _groups(prefix) -> list[tuple[str, int]]:
    """(kab/kota code, number of its desa/kelurahan under the prefix), in code order.

    A run goes kab/kota by kab/kota: what it holds at a time is one kab/kota's desa
    and one chunk of its children, whether the prefix is a kab/kota or the country.
    """
    return list(
        Region.objects.filter(_within(prefix, "code"), level=RegionLevel.DESA)
        .values_list("kabkota_id")
        .annotate(n=Count("code"))
        .order_by("kabkota_id")
    )


def _desa(prefix, kabkota) -> _Desa:
    rows = list(
        Region.objects.filter(
            _within(prefix, "code"), level=RegionLevel.DESA, kabkota_id=kabkota
        )
        .order_by("code")
        .values_list("code", "name")
    )
    return _Desa(
        codes=[code for code, _name in rows],
        names=[name for _code, name in rows],
        kabkota=np.zeros(len(rows), dtype=np.intp),
        kabkota_codes=[kabkota],
        kabkota_names=[Region.objects.values_list("name", flat=True).get(code=kabkota)],
    )


# Each kab/kota draws from its own generators, keyed by the seed and its code, so
# a kab/kota gets the same Kampung KB whether it is generated alone or with its
# province or the country, and no draw waits on another kab/kota's.
WEIGHTS, REGISTRY, CHILDREN = 0, 1, 2


def _stream(seed, kabkota, part):
    key = int(kabkota.replace(".", ""))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key, part)))


def _desa_draws(seed, kabkota, size):
    """Each desa's share of the kab/kota's children, and its HAZ shift."""
    rng = _stream(seed, kabkota, WEIGHTS)
    weight = rng.lognormal(0.0, 0.6, size)
    haz_shift = rng.normal(0.0, KABKOTA_SD) + rng.normal(0.0, DESA_SD, size)
    return weight, haz_shift


def _ordinals(days):
    """numpy datetime64[D] -> proleptic ordinals (datetime.date.toordinal)."""
    return days.astype("datetime64[D]").astype(np.int64) + _EPOCH


@dataclass
class _KampungPlan:
    """Per desa (all of them, so later draws do not depend on which are used)."""

    has: np.ndarray
    formed: np.ndarray  # ordinal
    rank: np.ndarray  # 1..4
    from_dasar: np.ndarray
    upgrades: np.ndarray  # (desa, 3) ordinals, sorted
    active: np.ndarray
    deactivated: np.ndarray
    web: np.ndarray
    siga: np.ndarray  # year, 0 = not filled
    rumah: np.ndarray  # index into RUMAH_DATAKU
    krppa: np.ndarray
    programs: np.ndarray  # (desa, len(Program)) bool
    program_since: np.ndarray  # (desa, len(Program)) ordinals
    dashat: np.ndarray
    dashat_formed: np.ndarray
    dashat_active: np.ndarray
    funding: np.ndarray
    target_factor: np.ndarray  # (kab/kota, len(TARGET_YEARS))


def _kampung_plan(rng, desa: _Desa, share) -> _KampungPlan:
    n = desa.size
    has = rng.random(n) < share[desa.kabkota]
    year = rng.choice(FORMED_YEARS, n, p=FORMED_WEIGHTS / FORMED_WEIGHTS.sum())
    first = np.array(
        [max(datetime.date(y, 1, 1), PROGRAM_START).toordinal() for y in year]
    )
    last = np.array([datetime.date(y, 12, 31).toordinal() for y in year])
    formed = first + (rng.random(n) * (last - first + 1)).astype(np.int64)
    end = LAST_DAY.toordinal()
    # Older Kampung KB have had more time to move up: most are still dasar.
    maturity = np.minimum(1.0, (end - formed) / 365.25 / 6)
    u = rng.random(n)
    rank = 1 + (
        (u < maturity * 0.55).astype(int)
        + (u < maturity * 0.25)
        + (u < maturity * 0.10)
    )
    room = end - formed - UPGRADE_AFTER_DAYS
    from_dasar = (rng.random(n) < 0.8) & (room > 3 * 30)
    upgrades = formed[:, None] + UPGRADE_AFTER_DAYS
    upgrades = (
        upgrades + np.sort(rng.random((n, 3)), axis=1) * np.maximum(room, 0)[:, None]
    )
    # Steps in order, a month or more apart unless squeezed against the end of 2025.
    upgrades = np.minimum(
        upgrades.astype(np.int64) + np.arange(3) * 30, end - (2 - np.arange(3))
    )
    active = rng.random(n) >= INACTIVE_SHARE
    deactivated = formed + (rng.random(n) * (end - formed + 1)).astype(np.int64)
    web = rng.random(n) < 0.55 + 0.1 * rank
    siga_filled = rng.random(n) < 0.5 + 0.1 * rank
    siga = year + (rng.random(n) * (LAST_DAY.year + 1 - year)).astype(int)
    siga = np.where(siga_filled, siga, 0)
    cumulative = RUMAH_DATAKU_P.cumsum(axis=1)[rank - 1]
    rumah = (rng.random(n)[:, None] >= cumulative[:, :-1]).sum(axis=1)
    krppa = rng.random(n) < 0.05 + 0.08 * rank
    programs = list(Program)
    popularity = np.array([PROGRAM_POPULARITY.get(p, 0.0) for p in programs])
    chosen = rng.random((n, len(programs))) < (0.25 + 0.18 * rank)[:, None] * popularity
    # Rumah DataKu is integrated exactly where the Kampung KB has one.
    chosen[:, programs.index(Program.RUMAH_DATAKU)] = rumah > 0
    since = formed[:, None] + (
        rng.random((n, len(programs))) * (end - formed + 1)[:, None]
    ).astype(np.int64)
    dashat = rng.random(n) < 0.35 + 0.12 * rank
    dashat_first = np.maximum(formed, DASHAT_FROM.toordinal())
    dashat_formed = dashat_first + (rng.random(n) * (end - dashat_first + 1)).astype(
        np.int64
    )
    dashat_active = rng.random(n) >= DASHAT_INACTIVE_SHARE
    funding = rng.integers(0, len(FUNDING), n)
    target_factor = rng.uniform(0.8, 1.3, (len(desa.kabkota_codes), len(TARGET_YEARS)))
    return _KampungPlan(
        has=has,
        formed=formed,
        rank=rank,
        from_dasar=from_dasar,
        upgrades=upgrades,
        active=active,
        deactivated=deactivated,
        web=web,
        siga=siga,
        rumah=rumah,
        krppa=krppa,
        programs=chosen,
        program_since=since,
        dashat=dashat,
        dashat_formed=dashat_formed,
        dashat_active=dashat_active,
        funding=funding,
        target_factor=target_factor,
    )


@dataclass
class _ChildPlan:
    """One chunk of a kab/kota's children, ordered by desa."""

    desa: np.ndarray  # index into the kab/kota's desa
    sex: np.ndarray  # 1 L, 2 P (the engine's integer codes)
    haz: np.ndarray  # the child's own height-for-age z
    first_month: np.ndarray  # months after January 2023 of the first visit
    day: np.ndarray
    birth: np.ndarray  # ordinal
    nik_serial: np.ndarray  # 1..9999 within the desa, 0 = no NIK
    posyandu: np.ndarray  # 1..3

    @property
    def size(self):
        return self.desa.size


def _visit_days(first_month, day, visit):
    """Ordinal of each visit: `visit` quarters after the first, on the same day."""
    months = np.datetime64("2023-01", "M") + (first_month + 3 * visit)
    return _ordinals(months.astype("datetime64[D]") + (day - 1))


def _child_chunks(seed, kabkota, n, per_child, weight, haz_shift):
    """A kab/kota's n children, chunk by chunk: (plan, measurements) of each."""
    rng = _stream(seed, kabkota, CHILDREN)
    counts = rng.multinomial(n, weight / weight.sum())
    ends = np.cumsum(counts)
    starts = ends - counts
    for start in range(0, n, CHUNK_CHILDREN):
        stop = min(start + CHUNK_CHILDREN, n)
        plan = _child_plan(rng, np.arange(start, stop), ends, starts, per_child)
        plan.haz += haz_shift[plan.desa]
        yield plan, _measurements(rng, plan, 0, plan.size, per_child)


def _child_plan(rng, index, ends, starts, per_child) -> _ChildPlan:
    n = index.size
    of = np.searchsorted(ends, index, side="right")
    sex = np.where(rng.random(n) < MALE_SHARE, 1, 2).astype(np.int8)
    haz = HAZ_MEAN + rng.normal(0.0, CHILD_SD, n)
    first_month = 3 * rng.integers(0, QUARTERS - per_child + 1, n) + rng.integers(
        0, 3, n
    )
    day = rng.integers(1, 29, n)
    first = _visit_days(first_month, day, 0)
    span = _visit_days(first_month, day, per_child - 1) - first
    # Every visit at 0-1826 days of age (0-59 months).
    age_first = (rng.random(n) * (BALITA_LAST_DAY - span + 1)).astype(np.int64)
    serial = index - starts[of] + 1
    has_nik = (rng.random(n) >= NO_NIK_SHARE) & (serial <= NIK_SERIAL_MAX)
    return _ChildPlan(
        desa=of,
        sex=sex,
        haz=haz,
        first_month=first_month,
        day=day,
        birth=first - age_first,
        nik_serial=np.where(has_nik, serial, 0),
        posyandu=rng.integers(1, 4, n),
    )


def _length_for(haz, *, sex, age_days, position):
    """The length/height (cm, as measured in `position`) with the wanted HAZ.

    Length/height-for-age has L = 1 in the WHO tables, so HAZ is linear in height
    at a given age and sex: the engine's z at two heights gives the height for
    any z, with no table read here.
    """
    low, high = 70.0, 100.0
    n = haz.size
    z = growth.score_columns(
        sex=np.concatenate([sex, sex]),
        age_days=np.concatenate([age_days, age_days]),
        weight_kg=np.full(2 * n, 10.0),
        height_cm=np.repeat([low, high], n),
        measured=np.concatenate([position, position]),
        oedema=np.zeros(2 * n, dtype=bool),
    )["haz"]
    return low + (haz - z[:n]) * (high - low) / (z[n:] - z[:n])


def _measurements(rng, plan: _ChildPlan, start, stop, per_child):
    """Measurement columns of children [start, stop), scored by score_fields."""
    child = np.repeat(np.arange(start, stop), per_child)
    visit = np.tile(np.arange(per_child), stop - start)
    day = _visit_days(plan.first_month[child], plan.day[child], visit)
    age = day - plan.birth[child]
    sex = plan.sex[child]
    usual = np.where(age < growth.STANDING_FROM_DAYS, 1, 2).astype(np.int8)
    other = rng.random(child.size) < OTHER_POSITION_SHARE
    position = np.where(other, 3 - usual, usual).astype(np.int8)
    haz = (
        plan.haz[child]
        + HAZ_TREND_PER_YEAR * (day - MEASURED_FROM.toordinal()) / 365.25
        + rng.normal(0.0, VISIT_SD, child.size)
    )
    # The length as the age's usual position gives it; a child measured in the
    # other position reads 0.7 cm off it, which the engine corrects.
    length = _length_for(haz, sex=sex, age_days=age, position=usual)
    shift = growth.POSITION_ADJUSTMENT_CM * (
        (other & (usual == 2)).astype(float) - (other & (usual == 1))
    )
    height = length + shift
    bmi = np.interp(age, BMI_AGE_DAYS, BMI_MEDIAN)
    weight = bmi * (length / 100) ** 2 * np.exp(rng.normal(-0.02, 0.085, child.size))
    slip = rng.random(child.size)
    height = np.where(slip < SLIP_SHARE, height * 0.6, height)
    weight = np.where(
        (slip >= SLIP_SHARE) & (slip < 2 * SLIP_SHARE), weight * 10, weight
    )
    # Stored as decimal(5,1) cm and (5,2) kg; posyandu scales read 0.1 kg.
    height, weight = np.round(height, 1), np.round(weight, 1)
    scores = score_fields(
        sex=sex,
        age_days=age,
        weight_kg=weight,
        height_cm=height,
        measured=position,
        oedema=np.zeros(child.size, dtype=bool),
    )
    scores["age_days"] = age.tolist()
    return {
        "child": child,
        "day": day,
        "weight": weight,
        "height": height,
        "position": position,
        "scores": scores,
    }


# --- writing ----------------------------------------------------------------------


class _Writer:
    """Children and measurements into their tables: COPY on PostgreSQL."""

    CHILD_COLUMNS = (
        "id",
        "nik_hash",
        "name",
        "sex",
        "birth_date",
        "region_id",
        "posyandu",
        "parent_name",
        "created_at",
        "updated_at",
    )
    MEASUREMENT_COLUMNS = (
        "child_id",
        "measured_on",
        "weight_kg",
        "height_cm",
        "measured",
        "oedema",
        "place",
        "posyandu",
        "import_batch_id",
        "created_at",
        *SCORE_FIELDS,
    )

    def __init__(self, now, batch):
        self.now = now
        self.batch_id = batch.pk if batch else None
        self.copy = connection.vendor == "postgresql"
        self.dates = {}

    def iso(self, ordinals):
        """Dates as ISO text, each distinct day formatted once."""
        dates = self.dates
        out = []
        for o in ordinals.tolist():
            text = dates.get(o)
            if text is None:
                text = dates[o] = datetime.date.fromordinal(o).isoformat()
            out.append(text)
        return out

    def children(self, rows) -> list[int]:
        """Write child rows (without id); give their ids in order."""
        if not self.copy:
            created = Child.objects.bulk_create(
                (
                    Child(**dict(zip(self.CHILD_COLUMNS[1:8], row, strict=True)))
                    for row in rows
                ),
                batch_size=2000,
            )
            return [child.pk for child in created]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [Child._meta.db_table, len(rows)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        self._copy(
            Child._meta.db_table,
            self.CHILD_COLUMNS,
            ((pk, *row, self.now, self.now) for pk, row in zip(ids, rows, strict=True)),
        )
        return ids

    def measurements(
        self, *, child_ids, days, weights, heights, measured, posyandu, scores
    ):
        """Write one chunk of measurements, given as columns."""
        n = len(child_ids)
        rows = zip(
            child_ids,
            days,
            weights,
            heights,
            measured,
            [False] * n,
            ["posyandu"] * n,
            posyandu,
            [self.batch_id] * n,
            [self.now] * n,
            *(scores[name] for name in SCORE_FIELDS),
            strict=True,
        )
        if self.copy:
            self._copy(Measurement._meta.db_table, self.MEASUREMENT_COLUMNS, rows)
            return
        Measurement.objects.bulk_create(
            (
                Measurement(**dict(zip(self.MEASUREMENT_COLUMNS, row, strict=True)))
                for row in rows
            ),
            batch_size=2000,
        )

    @staticmethod
    def _copy(table, columns, rows):
        with connection.cursor() as cursor:
            with cursor.connection.cursor().copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)


# --- the registry part -------------------------------------------------------------


def _registry(plan: _KampungPlan, desa: _Desa, prefix, seed, allow_real_data):
    """Create the Kampung KB and what hangs off them; give the counts."""
    mark = provenance(seed)
    note = (
        f"{mark}: seluruh isian (tanggal, klasifikasi, kesiapan, program, Dashat) "
        "dibuat acak; bukan data nyata."
    )
    taken = set()
    if allow_real_data:
        taken = set(
            KampungKB.objects.filter(region_id__in=desa.codes).values_list(
                "region_id", flat=True
            )
        )
    picked = [
        i for i in np.flatnonzero(plan.has).tolist() if desa.codes[i] not in taken
    ]
    day = datetime.date.fromordinal
    kampungs = KampungKB.objects.bulk_create(
        KampungKB(
            region_id=desa.codes[i],
            name=f"Kampung KB {desa.names[i]}",
            formed_on=day(int(plan.formed[i])),
            is_active=bool(plan.active[i]),
            deactivated_on=None if plan.active[i] else day(int(plan.deactivated[i])),
            deactivation_reason="" if plan.active[i] else f"Tidak aktif lagi ({MARK}).",
            web_kampung_kb_filled=bool(plan.web[i]),
            siga_k0_year=int(plan.siga[i]) or None,
            rumah_dataku=RUMAH_DATAKU[plan.rumah[i]],
            krppa_integrated=bool(plan.krppa[i]),
            source=mark,
            illustrative_note=note,
        )
        for i in picked
    )
    classifications, programs, dashats = [], [], []
    program_list = list(Program)
    for i, kampung in zip(picked, kampungs, strict=True):
        kab = desa.kabkota_names[desa.kabkota[i]]
        rank = int(plan.rank[i])
        steps = [(int(plan.formed[i]), 1 if plan.from_dasar[i] else rank)]
        if plan.from_dasar[i]:
            steps += [(int(plan.upgrades[i, k]), k + 2) for k in range(rank - 1)]
        for n, (effective, level) in enumerate(steps):
            launch = n == 0
            classifications.append(
                Classification(
                    kampung=kampung,
                    level=LEVELS[level - 1],
                    effective_on=day(effective),
                    basis=ClassificationBasis.LAUNCH
                    if launch
                    else ClassificationBasis.EVALUATION,
                    decided_by=f"Pemerintah {kab}"
                    if launch
                    else f"Tim evaluasi Kampung KB {kab}",
                    decision_ref=""
                    if launch
                    else f"Evaluasi Kampung KB {day(effective).year}",
                    illustrative_note=mark,
                )
            )
        for k in np.flatnonzero(plan.programs[i]).tolist():
            programs.append(
                ProgramIntegration(
                    kampung=kampung,
                    program=program_list[k],
                    since=day(int(plan.program_since[i, k])),
                    agency=f"{AGENCY[program_list[k]]} {kab}",
                    notes=mark,
                )
            )
        if plan.dashat[i]:
            dashats.append(
                Dashat(
                    kampung=kampung,
                    name=f"Dashat {desa.names[i]} {POSYANDU_MARK}",
                    formed_on=day(int(plan.dashat_formed[i])),
                    status=DashatStatus.ACTIVE
                    if plan.dashat_active[i]
                    else DashatStatus.INACTIVE,
                    place=f"Balai {desa.names[i]}",
                    funding_source=f"{FUNDING[plan.funding[i]]}; {mark}",
                )
            )
    Classification.objects.bulk_create(classifications, batch_size=2000)
    ProgramIntegration.objects.bulk_create(programs, batch_size=2000)
    Dashat.objects.bulk_create(dashats, batch_size=2000)
    targets = _targets(plan, desa, picked, prefix, mark)
    return len(kampungs), len(classifications), len(programs), len(dashats), targets


def _targets(plan, desa, picked, prefix, mark):
    """Yearly targets per kab/kota near what was formed; only for whole kab/kota."""
    if prefix.count(".") > 1:  # a kecamatan or desa holds no whole kab/kota
        return 0
    years = list(TARGET_YEARS)
    formed = np.zeros((len(desa.kabkota_codes), len(years)), dtype=int)
    for i in picked:
        year = datetime.date.fromordinal(int(plan.formed[i])).year
        if year in TARGET_YEARS:
            formed[desa.kabkota[i], years.index(year)] += 1
    real = set(
        FormationTarget.objects.filter(
            region_id__in=desa.kabkota_codes, year__in=years
        ).values_list("region_id", "year")
    )
    targets = [
        FormationTarget(
            region_id=code,
            year=year,
            new_count=round(formed[k, j] * plan.target_factor[k, j]),
            source=mark,
        )
        for k, code in enumerate(desa.kabkota_codes)
        for j, year in enumerate(years)
        if (code, year) not in real
    ]
    FormationTarget.objects.bulk_create(targets)
    return len(targets)


# --- the service --------------------------------------------------------------------


def _batch(uploader, prefix, seed, children, per_child, now):
    if uploader is None:
        return None
    spec = f"generate_synthetic prefix={scope_name(prefix)} children={children} seed={seed} "
    spec += f"measurements_per_child={per_child}"
    return ImportBatch.objects.create(
        uploaded_by=uploader,
        file_name=f"{provenance(seed)}, wilayah {scope_name(prefix)}, {children} anak",
        file_sha256=hashlib.sha256(spec.encode()).hexdigest(),
        status=ImportStatus.RUNNING,
    )


def synthetic_generate(
    *,
    prefix: str,
    children: int,
    seed: int = 1,
    measurements_per_child: int = 4,
    replace: bool = False,
    allow_real_data: bool = False,
    uploader=None,
    progress=None,
) -> SyntheticResult:
    """Fill the region tree under `prefix` with marked synthetic data, in one transaction.

    The empty prefix is the whole country. Memory stays that of one kab/kota and one
    chunk of children, however many desa and children the run has.
    """
    started = time.perf_counter()

    def report(phase, rows=None):
        if progress:
            progress(phase, rows, time.perf_counter() - started)

    prefix = prefix.strip()
    if children < 0:
        raise SyntheticError("--children must be 0 or more.")
    if not 1 <= measurements_per_child <= QUARTERS:
        raise SyntheticError(
            f"--measurements-per-child must be 1-{QUARTERS}: one a quarter in 2023-2025."
        )
    _check_regions(prefix)
    result = SyntheticResult()
    pg = connection.vendor == "postgresql"
    with transaction.atomic():
        if pg:
            # Foreign keys checked per statement, not all at commit: the queue of
            # pending checks for ten million rows would sit in the server's memory.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _check_existing(prefix, replace=replace, allow_real_data=allow_real_data)
        if replace:
            result.deleted = _delete_synthetic(prefix)
            report("deleted earlier synthetic rows", sum(result.deleted.values()))
        _fill(
            result,
            prefix=prefix,
            n=children,
            seed=seed,
            per_child=measurements_per_child,
            uploader=uploader,
            allow_real_data=allow_real_data,
            report=report,
        )
        if pg:
            # Back to Django's default for the rest of an outer transaction; a
            # rollback restores it by itself.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    report("committed", result.measurements)
    if pg:
        # Fresh statistics, so the first dashboard queries get sensible plans.
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Child._meta.db_table}, {Measurement._meta.db_table}"
            )
        report("analyzed")
    return result


def _fill(result, *, prefix, n, seed, per_child, uploader, allow_real_data, report):
    groups = _groups(prefix)
    # Children go to a kab/kota by the summed weights of its desa; the weights are
    # drawn again, from the same generator, when the kab/kota's turn comes.
    totals = np.array(
        [_desa_draws(seed, kab, size)[0].sum() for kab, size in groups], dtype=float
    )
    per_kab = np.zeros(len(groups), dtype=np.int64)
    if n and totals.size:
        per_kab = np.random.default_rng(seed).multinomial(n, totals / totals.sum())
    now = timezone.now()
    result.batch = _batch(uploader, prefix, seed, n, per_child, now)
    writer = _Writer(now, result.batch)
    for (kab, size), n_kab in zip(groups, per_kab.tolist(), strict=True):
        desa = _desa(prefix, kab)
        rng = _stream(seed, kab, REGISTRY)
        plan = _kampung_plan(rng, desa, rng.beta(*KAMPUNG_SHARE, 1))
        counts = _registry(plan, desa, prefix, seed, allow_real_data)
        result.kampung += counts[0]
        result.classifications += counts[1]
        result.programs += counts[2]
        result.dashats += counts[3]
        result.targets += counts[4]
        del plan
        weight, haz_shift = _desa_draws(seed, kab, size)
        _write_children(
            result, writer, desa, seed, n_kab, per_child, weight, haz_shift, report
        )
        report(
            f"{kab} {desa.kabkota_names[0]}: {counts[0]:,} Kampung KB; "
            f"children {result.children:,} of {n:,}, measurements",
            result.measurements,
        )
    if result.batch:
        ImportBatch.objects.filter(pk=result.batch.pk).update(
            status=ImportStatus.DONE,
            total_rows=result.measurements,
            processed_rows=result.measurements,
            created_children=result.children,
            created_measurements=result.measurements,
            finished_at=timezone.now(),
        )


def _write_children(
    result, writer, desa, seed, n, per_child, weight, haz_shift, report
):
    """A kab/kota's children and their measurements, numbered after the earlier ones."""
    kab = desa.kabkota_codes[0]
    posyandu = [
        [f"Posyandu {name} {k} {POSYANDU_MARK}" for k in (1, 2, 3)]
        for name in desa.names
    ]
    digits = [code.replace(".", "") for code in desa.codes]
    for plan, m in _child_chunks(seed, kab, n, per_child, weight, haz_shift):
        first = result.children + 1
        rows = [
            (
                nik_hash(f"00{digits[d]}{s:04d}") if s else None,
                f"{CHILD_NAME} {i:07d}",
                "L" if sex == 1 else "P",
                birth,
                desa.codes[d],
                posyandu[d][p - 1],
                f"{PARENT_NAME} {i:07d}",
            )
            for i, d, p, s, sex, birth in zip(
                range(first, first + plan.size),
                plan.desa.tolist(),
                plan.posyandu.tolist(),
                plan.nik_serial.tolist(),
                plan.sex.tolist(),
                writer.iso(plan.birth),
                strict=True,
            )
        ]
        ids = writer.children(rows)
        local = m["child"].tolist()
        writer.measurements(
            child_ids=[ids[k] for k in local],
            days=writer.iso(m["day"]),
            weights=m["weight"].tolist(),
            heights=m["height"].tolist(),
            measured=[
                "lying" if p == 1 else "standing" for p in m["position"].tolist()
            ],
            posyandu=[rows[k][5] for k in local],
            scores=m["scores"],
        )
        _count_stunting(result, m, per_child)
        result.children += plan.size
        result.measurements += len(local)
        if plan.size == CHUNK_CHILDREN:  # a big kab/kota: say how far it is
            report(
                f"{kab}: children {result.children:,}, measurements",
                result.measurements,
            )


def _count_stunting(result, m, per_child):
    """Stunting by each child's latest valid HAZ, for the summary line."""
    haz = np.array(m["scores"]["haz"], dtype=float).reshape(-1, per_child)
    flagged = np.array(m["scores"]["haz_implausible"]).reshape(-1, per_child)
    haz[flagged] = np.nan
    valid = ~np.isnan(haz)
    has = valid.any(axis=1)
    last = per_child - 1 - np.argmax(valid[:, ::-1], axis=1)
    latest = haz[np.arange(haz.shape[0]), last]
    result.with_valid_haz += int(has.sum())
    result.stunted += int((latest[has] < -2).sum())
