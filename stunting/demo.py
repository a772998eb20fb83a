"""Stunting demo for Kota and Kabupaten Pekalongan: reported figures and synthetic children.

Reported prevalence comes from DOMAIN.md and the seed articles, each with its source.
National figures (SSGI/SKI, DOMAIN.md) are left out: Indonesia has no Region row to
attach them to, and none is invented; Jawa Tengah's figures are not given at all.

The children and measurements are SYNTHETIC: made up with a fixed seed so that the
measured 2024 prevalence of Kota Pekalongan lands on the reported 17.86 %. Their names
say "Sintetis" and their posyandu says "SINTETIS". Loading twice adds nothing.
"""

import datetime
import math
import random
from decimal import Decimal

from django.db import transaction

from villages.demo import KABUPATEN, KOTA, SOURCE_000, SOURCE_003
from villages.models import KampungKB, Region, RegionLevel

from .models import (
    Child,
    Dashat,
    MeasuredPosition,
    Measurement,
    PrevalenceSource,
    ReportedPrevalence,
)
from .services import score_fields

SSGI_2021 = (
    "Kementerian Kesehatan, 'Buku Saku Hasil Studi Status Gizi Indonesia (SSGI) "
    "Tingkat Nasional, Provinsi, dan Kabupaten/Kota Tahun 2021', Desember 2021"
)
SSGI_2022 = (
    "Kementerian Kesehatan, 'Buku Saku Hasil Survei Status Gizi Indonesia (SSGI) "
    "Tahun 2022', Januari 2023"
)
EPPGBM = "Kementerian Kesehatan, e-PPGBM (pencatatan gizi berbasis masyarakat)"
REPORTED = [
    # (region, year, source, percent, citation, note)
    (
        KOTA,
        2021,
        PrevalenceSource.SSGI,
        "20.6",
        f"{SOURCE_000}; {SSGI_2021}",
        "Artikel menyebut 20,6 persen untuk tahun sebelumnya tanpa nama survei; "
        "angka itu adalah hasil SSGI 2021 untuk Kota Pekalongan.",
    ),
    (
        KOTA,
        2022,
        PrevalenceSource.SSGI,
        "23.1",
        f"{SOURCE_000}; {SSGI_2022}",
        "Artikel (Juni 2023) menyebut angka 'saat ini' 23,1 persen tanpa nama survei; "
        "angka itu adalah hasil SSGI 2022 untuk Kota Pekalongan.",
    ),
    (
        KOTA,
        2024,
        PrevalenceSource.OTHER,
        "17.86",
        SOURCE_003,
        "Artikel Dinkominfo menyebut prevalensi 2024 sebesar 17,86 persen sebagai "
        "capaian Pemkot Pekalongan tanpa menyebut survei atau sistem sumbernya; "
        "disimpan sebagai 'Lainnya' agar tidak tercampur dengan seri SSGI.",
    ),
    (
        KABUPATEN,
        2021,
        PrevalenceSource.SSGI,
        "19.5",
        SSGI_2021,
        "",
    ),
    (
        KABUPATEN,
        2022,
        PrevalenceSource.SSGI,
        "23.5",
        SSGI_2022,
        "",
    ),
    (
        KABUPATEN,
        2021,
        PrevalenceSource.EPPGBM,
        "13.48",
        f"{EPPGBM}, 2021",
        "Data administratif posyandu; jauh di bawah angka survei SSGI tahun yang sama.",
    ),
    (
        KABUPATEN,
        2022,
        PrevalenceSource.EPPGBM,
        "11.04",
        f"{EPPGBM}, 2022",
        "Data administratif posyandu; jauh di bawah angka survei SSGI tahun yang sama.",
    ),
]

SYNTHETIC = "SINTETIS"
SYNTHETIC_NAME = "Anak Sintetis"
SEED = 17_86
CHILD_COUNT = 1500
TARGET_STUNTED = 0.1786
# Of the stunted children, the share that is severely stunted (made up).
SEVERE_SHARE = 0.25
# A lying-measured child from 0 days, standing from 731 days: no 0.7 cm correction.
STANDING_FROM_DAYS = 731


def _reported_load() -> int:
    regions = Region.objects.in_bulk([KOTA, KABUPATEN])
    created = 0
    for code, year, source, percent, citation, note in REPORTED:
        _row, made = ReportedPrevalence.objects.get_or_create(
            region=regions[code],
            year=year,
            source=source,
            defaults={
                "value_percent": Decimal(percent),
                "citation": citation,
                "note": note,
            },
        )
        created += made
    return created


def _target_haz(rng, stunted, severe):
    """A latest HAZ clear of the class limits, so rounding the height cannot cross one."""
    if severe:
        return rng.uniform(-4.2, -3.1)
    if stunted:
        return rng.uniform(-2.9, -2.1)
    return min(max(rng.gauss(-0.6, 0.8), -1.9), 2.8)


def _plan(rng, desa):
    """Children (as dicts) and their measurements (child index, date, target HAZ)."""
    stunted = set(rng.sample(range(CHILD_COUNT), round(CHILD_COUNT * TARGET_STUNTED)))
    severe = set(rng.sample(sorted(stunted), round(len(stunted) * SEVERE_SHARE)))
    children, visits = [], []
    for i in range(CHILD_COUNT):
        region = desa[i % len(desa)]
        # Bulan penimbangan: posyandu weigh every balita in February and August.
        august = datetime.date(2024, 8, rng.randint(1, 28))
        born = august - datetime.timedelta(days=rng.randint(14, 1800))
        post = f"Posyandu {region.name} {1 + i % 3} ({SYNTHETIC})"
        children.append(
            {
                "name": f"{SYNTHETIC_NAME} {i + 1:04d}",
                "parent_name": f"Orang Tua Sintetis {i + 1:04d}",
                "sex": rng.choice("LP"),
                "birth_date": born,
                "region": region,
                "posyandu": post,
            }
        )
        z = _target_haz(rng, i in stunted, i in severe)
        visits.append((i, august, z))
        february = datetime.date(2024, 2, rng.randint(1, 28))
        if (february - born).days >= 14 and rng.random() < 0.6:
            visits.append((i, february, z - 0.1 + rng.gauss(0, 0.25)))
        last_year = datetime.date(2023, 8, rng.randint(1, 28))
        if 14 <= (last_year - born).days <= 1826 and rng.random() < 0.5:
            visits.append((i, last_year, z - 0.2 + rng.gauss(0, 0.3)))
    return children, visits


def _heights(children, visits, ages, positions):
    """Heights giving each visit its target HAZ.

    WHO length/height-for-age has L = 1, so HAZ is linear in height at a given age:
    two scored heights per visit give the one with the wanted z.
    """
    low, high = 60.0, 100.0
    n = len(visits)
    sexes = [children[i]["sex"] for i, _day, _z in visits]
    scores = score_fields(
        sex=sexes * 2,
        age_days=ages * 2,
        weight_kg=[None] * (2 * n),
        height_cm=[low] * n + [high] * n,
        measured=positions * 2,
        oedema=[False] * (2 * n),
    )["haz"]
    heights = []
    for k, (_i, _day, z) in enumerate(visits):
        z_low, z_high = scores[k], scores[n + k]
        cm = low + (z - z_low) * (high - low) / (z_high - z_low)
        heights.append(Decimal(f"{cm:.1f}"))
    return heights


def _synthetic_load() -> tuple[int, int]:
    desa = list(
        Region.objects.filter(level=RegionLevel.DESA, kabkota=KOTA).order_by("code")
    )
    if (
        not desa
        or Child.objects.filter(
            region__kabkota=KOTA, name__startswith=SYNTHETIC_NAME
        ).exists()
    ):
        return 0, 0
    rng = random.Random(SEED)
    plans, visits = _plan(rng, desa)
    ages = [(day - plans[i]["birth_date"]).days for i, day, _z in visits]
    positions = [
        MeasuredPosition.STANDING
        if age >= STANDING_FROM_DAYS
        else MeasuredPosition.LYING
        for age in ages
    ]
    heights = _heights(plans, visits, ages, positions)
    # Weight from a BMI near 16 with some spread: plausible, not modelled.
    weights = [
        Decimal(f"{16 * (float(h) / 100) ** 2 * math.exp(rng.gauss(0, 0.08)):.2f}")
        for h in heights
    ]
    scores = score_fields(
        sex=[plans[i]["sex"] for i, _day, _z in visits],
        age_days=ages,
        weight_kg=weights,
        height_cm=heights,
        measured=positions,
        oedema=[False] * len(visits),
    )
    children = Child.objects.bulk_create(Child(**plan) for plan in plans)
    measurements = [
        Measurement(
            child=children[i],
            measured_on=day,
            weight_kg=weights[k],
            height_cm=heights[k],
            measured=positions[k],
            posyandu=plans[i]["posyandu"],
            age_days=ages[k],
            **{name: column[k] for name, column in scores.items()},
        )
        for k, (i, day, _z) in enumerate(visits)
    ]
    Measurement.objects.bulk_create(measurements, batch_size=1000)
    return len(children), len(measurements)


def _dashat_load() -> int:
    """The Dashat inaugurated at the 7 June 2023 launch in Pekalongan Timur (Pemkot Pekalongan, 7 June 2023).

    The article does not say which of the three Kampung KB launched that day holds
    it; the demo puts it in Kauman, whose illustrative note says so (villages.demo).
    Its name is a plain name: users read it on every Dashat list.
    """
    kampung = KampungKB.objects.filter(region__kabkota=KOTA, name__icontains="Kauman")
    kampung = kampung.first()
    if kampung is None or kampung.dashats.exists():
        return 0
    Dashat.objects.create(
        kampung=kampung,
        name="Dashat Kauman",
        formed_on=datetime.date(2023, 6, 7),
        place="Aula Kecamatan Pekalongan Timur (tempat peresmian)",
    )
    return 1


@transaction.atomic
def stunting_demo_load() -> dict:
    """Load the reported series and the synthetic children; returns what was created."""
    reported = _reported_load()
    children, measurements = _synthetic_load()
    return {
        "dashat": _dashat_load(),
        "reported": reported,
        "children": children,
        "measurements": measurements,
    }
