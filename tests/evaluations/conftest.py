"""A small Kota Pekalongan evaluation: four Kampung KB, two evaluators, one rubric."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from evaluations import services
from evaluations.models import CriterionGroup, RubricCriterion, RubricTemplate
from kampungkb.models import Role, User
from tests.factories import ClassificationFactory, FieldOfficerFactory, KampungFactory
from villages.models import ClassificationLevel, OfficerAssignment, Region

# Pekalongan Selatan: Jenggot, Kuripan Kertoharjo, Banyurip; Pekalongan Barat: Medono.
JENGGOT = "33.75.04.1004"
KURIPAN = "33.75.04.1006"
BANYURIP = "33.75.04.1002"
MEDONO = "33.75.01.1002"
EVALUATED_ON = datetime.date(2025, 4, 29)


def make_user(username, role, regions=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(regions)
    return user


def make_template(name="Rubrik uji", *, weights=(2, 1, 1), region=None):
    """Group weights input 2, proses 1, output 1, and four criteria on three scales.

    I1 (w 1, 0-4), I2 (w 3, 0-4), P1 (w 1, 1-5), O1 (w 2, 0-10).
    """
    template = RubricTemplate.objects.create(
        name=name,
        region=region,
        weight_input=weights[0],
        weight_proses=weights[1],
        weight_output=weights[2],
    )
    for order, (group, code, weight, low, high) in enumerate(
        [
            (CriterionGroup.INPUT, "I1", 1, 0, 4),
            (CriterionGroup.INPUT, "I2", 3, 0, 4),
            (CriterionGroup.PROSES, "P1", 1, 1, 5),
            (CriterionGroup.OUTPUT, "O1", 2, 0, 10),
        ]
    ):
        RubricCriterion.objects.create(
            template=template,
            group=group,
            code=code,
            name=f"Kriteria {code}",
            weight=Decimal(weight),
            scale_min=low,
            scale_max=high,
            order=order,
        )
    return template


@pytest.fixture
def kota(kota_pekalongan):
    return kota_pekalongan


@pytest.fixture
def kampungs(kota):
    """Four Kampung KB, all dasar; Jenggot formed in 2022, the others in 2023."""
    made = {}
    for code, formed_on in [
        (JENGGOT, datetime.date(2022, 4, 29)),
        (KURIPAN, datetime.date(2023, 6, 7)),
        (BANYURIP, datetime.date(2023, 6, 7)),
        (MEDONO, datetime.date(2023, 6, 15)),
    ]:
        kampung = KampungFactory(
            region=Region.objects.get(code=code), formed_on=formed_on
        )
        ClassificationFactory(kampung=kampung, level=ClassificationLevel.DASAR)
        made[code] = kampung
    return made


@pytest.fixture
def people(kota):
    plkb = make_user("plkb.jenggot", Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=Region.objects.get(code=JENGGOT)
    )
    return SimpleNamespace(
        admin=User.objects.create_superuser("root"),
        staf=make_user("staf.kota", Role.STAF, [kota]),
        pimpinan=make_user("pimpinan.kota", Role.PIMPINAN, [kota]),
        eva=make_user("eva", Role.EVALUATOR, [kota]),
        evi=make_user("evi", Role.EVALUATOR, [kota]),
        plkb=plkb,
    )


@pytest.fixture
def template(db):
    return make_template()


@pytest.fixture
def cycle(kota, kampungs, people, template):
    """An open cycle: eva scores every Kampung KB, evi only Jenggot and Medono."""
    cycle = services.cycle_create(
        region=kota,
        name="Evaluasi dan Pembinaan Kampung KB 2025",
        year=2025,
        evaluated_on=EVALUATED_ON,
        template=template,
        created_by=people.staf,
    )
    services.evaluator_assign(cycle=cycle, evaluator=people.eva)
    services.evaluator_assign(
        cycle=cycle,
        evaluator=people.evi,
        kampungs=[kampungs[JENGGOT], kampungs[MEDONO]],
    )
    return services.cycle_open(cycle=cycle)


def participant(cycle, code):
    return cycle.participants.get(kampung__region=code)


def criterion(cycle, code):
    return cycle.criteria.get(code=code)


def score_all(cycle, code, evaluator, values, comment=""):
    """Score criteria {code: value} of one Kampung KB as one evaluator."""
    p = participant(cycle, code)
    for criterion_code, value in values.items():
        services.score_save(
            participant=p,
            criterion=criterion(cycle, criterion_code),
            evaluator=evaluator,
            value=value,
            comment=comment,
        )
    return p
