"""Demo evaluation: Kota Pekalongan's 2025 cycle and the awards of seed 003.

From the source: the name, the date (Selasa 29 April 2025), the 27 Kampung KB,
the place, the rule for the province round ("minimal tiga tahun, yakni antara
2016 hingga 2022", read by formation year) and the two awards. Not in the source,
and marked illustrative: every score, which years the awards were won (the
article says "pada tahun-tahun sebelumnya"), and Padukuhan Kraton's level.
Loading twice adds nothing.
"""

import random
from datetime import date

from django.db import transaction

from villages.demo import KOTA, SOURCE_003
from villages.models import KampungKB, Region

from . import services
from .models import Award, AwardLevel, Cycle, CycleStatus, EligibilityCounting, Score

CYCLE_NAME = "Evaluasi dan Pembinaan Kampung KB 2025"
CYCLE_DATE = date(2025, 4, 29)
CYCLE_NOTES = (
    "Ruang Buketan, Kantor Sekretariat Daerah Kota Pekalongan, Selasa 29 April 2025. "
    "Pembinaan tambahan mengaitkan Kampung KB dengan program Kelurahan Ramah dan "
    "Peduli Perempuan dan Anak (KRPPA)."
)
CYCLE_ILLUSTRATIVE = (
    "Semua nilai siklus ini ilustratif (data demo), bukan hasil penilaian sebenarnya; "
    "sumber hanya menyebut kegiatan, 27 Kampung KB, dan syarat umur tiga tahun."
)
SCORE_COMMENT = "Nilai ilustratif (data demo), bukan penilaian sebenarnya."
# The journey's evaluator still has these to score.
LEFT_UNSCORED = ("Noyontaansari", "Sokoduwet")
SEED = 20250429

AWARDS = [
    # kelurahan, level, title, rank, awarded by, illustrative note
    (
        "Jenggot",
        AwardLevel.PROVINSI,
        "Juara II",
        2,
        "Provinsi Jawa Tengah",
        "Sumber: 'Kampung KB Jenggot berhasil meraih juara II tingkat Provinsi Jawa "
        "Tengah' pada tahun-tahun sebelum 2025; tahun 2024 ilustratif.",
    ),
    (
        "Padukuhan Kraton",
        AwardLevel.PROVINSI,
        "Juara Harapan",
        None,
        "Provinsi Jawa Tengah",
        "Sumber: 'Padukuhan Kraton meraih juara harapan pada tahun-tahun sebelumnya'; "
        "tingkat provinsi disimpulkan dari kalimat yang sama dan tahun 2024 "
        "ilustratif.",
    ),
]
AWARD_YEAR = 2024


def _kota_kampung(name):
    return KampungKB.objects.get(region__kabkota_id=KOTA, region__name=name)


@transaction.atomic
def evaluation_demo_load() -> dict:
    """Load the 2025 cycle (open for scoring) and the two awards it reported."""
    kota = Region.objects.get(code=KOTA)
    made = {"cycles": 0, "awards": 0}
    cycle = Cycle.objects.filter(region=kota, name=CYCLE_NAME).first()
    if cycle is None:
        cycle = services.cycle_create(
            region=kota,
            name=CYCLE_NAME,
            year=CYCLE_DATE.year,
            evaluated_on=CYCLE_DATE,
            min_age_years=3,
            eligibility_counting=EligibilityCounting.YEAR,
            notes=CYCLE_NOTES,
            source=SOURCE_003,
            illustrative_note=CYCLE_ILLUSTRATIVE,
        )
        services.cycle_open(cycle=cycle)
        made["cycles"] += 1
    for name, level, title, rank, awarded_by, note in AWARDS:
        kampung = _kota_kampung(name)
        if Award.objects.filter(kampung=kampung, level=level, title=title).exists():
            continue
        services.award_record(
            kampung=kampung,
            level=level,
            title=title,
            rank=rank,
            year=AWARD_YEAR,
            awarded_by=awarded_by,
            source=SOURCE_003,
            illustrative_note=note,
        )
        made["awards"] += 1
    return made


def _illustrative_value(rng, criterion, kampung):
    # Older Kampung KB have had longer to get going: a small, made-up head start.
    head_start = {2022: 1, 2023: 0, 2024: -1}.get(kampung.formed_on.year, 0)
    value = rng.randint(criterion.scale_min + 1, criterion.scale_max - 1) + head_start
    return max(criterion.scale_min, min(criterion.scale_max, value))


@transaction.atomic
def evaluation_demo_scores(*, evaluator) -> int:
    """Assign `evaluator` every Kampung KB of the demo cycle and give illustrative
    scores to all but two, while the cycle is open; returns how many were saved."""
    cycle = Cycle.objects.filter(region_id=KOTA, name=CYCLE_NAME).first()
    if cycle is None or cycle.status != CycleStatus.OPEN:
        return 0
    if not cycle.participants.filter(assignments__evaluator=evaluator).exists():
        services.evaluator_assign(cycle=cycle, evaluator=evaluator)
    criteria = list(cycle.criteria.all())
    saved = 0
    participants = cycle.participants.select_related("kampung__region").order_by(
        "kampung__region"
    )
    for participant in participants:
        kampung = participant.kampung
        if kampung.region.name in LEFT_UNSCORED:
            continue
        if Score.objects.filter(participant=participant, evaluator=evaluator).exists():
            continue
        rng = random.Random(f"{SEED}-{kampung.region_id}")
        services.scores_save(
            participant=participant,
            evaluator=evaluator,
            entries=[
                (c, _illustrative_value(rng, c, kampung), SCORE_COMMENT)
                for c in criteria
            ],
        )
        saved += len(criteria)
    return saved
