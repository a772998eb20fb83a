"""Results: weighting and averaging by hand, ranking ties, eligibility at the boundary."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from evaluations import services
from evaluations.models import CriterionGroup, EligibilityCounting, RubricCriterion
from evaluations.selectors import (
    cycle_results,
    eligible_from,
    is_eligible,
    rank_totals,
    results_by_kampung,
    round2,
)

from .conftest import (
    BANYURIP,
    EVALUATED_ON,
    JENGGOT,
    KURIPAN,
    MEDONO,
    make_template,
    score_all,
)

pytestmark = pytest.mark.django_db


def test_weighting_and_averaging_match_a_hand_computed_example(cycle, kampungs, people):
    # eva and evi both score Jenggot; evi leaves O1 to eva.
    score_all(cycle, JENGGOT, people.eva, {"I1": 4, "I2": 1, "P1": 5, "O1": 6})
    score_all(cycle, JENGGOT, people.evi, {"I1": 2, "I2": 2, "P1": 4})

    result = results_by_kampung(cycle=cycle)[kampungs[JENGGOT].pk]

    # Means per criterion: I1 3, I2 1.5, P1 4.5, O1 6 (eva alone).
    # On their scales: I1 3/4 = .75, I2 1.5/4 = .375, P1 (4.5-1)/4 = .875, O1 .6.
    # Input  = 100 * (1*.75 + 3*.375) / (1+3) = 46.875 -> 46.88
    # Proses = 100 * .875 = 87.5;  Output = 100 * .6 = 60
    # Total  = (2*46.875 + 1*87.5 + 1*60) / (2+1+1) = 241.25 / 4 = 60.3125 -> 60.31
    assert result.groups == {
        CriterionGroup.INPUT: Decimal("46.88"),
        CriterionGroup.PROSES: Decimal("87.50"),
        CriterionGroup.OUTPUT: Decimal("60.00"),
    }
    assert result.total == Decimal("60.31")
    assert result.suggested_level == "berkembang"  # 50 <= 60.31 < 70
    assert result.current_level == "dasar"
    assert (result.criteria_scored, result.criteria_count) == (4, 4)
    assert (result.evaluators_assigned, result.evaluators_scored) == (2, 2)
    assert result.complete and result.rank == 1


def test_a_group_without_a_score_for_each_criterion_leaves_the_total_open(
    cycle, kampungs, people
):
    score_all(cycle, MEDONO, people.eva, {"I1": 4, "P1": 5, "O1": 10})

    result = results_by_kampung(cycle=cycle)[kampungs[MEDONO].pk]

    assert result.groups[CriterionGroup.INPUT] is None  # I2 not scored yet
    assert result.groups[CriterionGroup.PROSES] == Decimal("100.00")
    assert result.total is None and result.rank is None
    assert result.suggested_level is None
    assert not result.complete


def test_a_group_weighted_zero_does_not_count(kota, kampungs, people):
    template = make_template("Tanpa output", weights=(1, 1, 0))
    cycle = services.cycle_create(
        region=kota,
        name="Uji bobot nol",
        year=2025,
        evaluated_on=EVALUATED_ON,
        template=template,
    )
    services.evaluator_assign(cycle=cycle, evaluator=people.eva)
    cycle = services.cycle_open(cycle=cycle)
    # Input 100 * (1*1 + 3*0)/4 = 25, proses 100 * (3-1)/4 = 50; output left out.
    score_all(cycle, KURIPAN, people.eva, {"I1": 4, "I2": 0, "P1": 3})

    result = results_by_kampung(cycle=cycle)[kampungs[KURIPAN].pk]

    assert result.total == Decimal("37.50")
    assert result.suggested_level == "dasar"


def _single_criterion_cycle(kota, people):
    template = make_template("Satu kriteria", weights=(1, 0, 0))
    RubricCriterion.objects.filter(template=template).exclude(code="I1").delete()
    cycle = services.cycle_create(
        region=kota,
        name="Uji peringkat",
        year=2025,
        evaluated_on=EVALUATED_ON,
        template=template,
    )
    services.evaluator_assign(cycle=cycle, evaluator=people.eva)
    return services.cycle_open(cycle=cycle)


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped(kota, kampungs, people):
    cycle = _single_criterion_cycle(kota, people)
    for code, value in [(JENGGOT, 4), (KURIPAN, 3), (BANYURIP, 3), (MEDONO, 2)]:
        score_all(cycle, code, people.eva, {"I1": value})

    results = cycle_results(cycle=cycle)

    assert [(r.kampung.region_id, r.total, r.rank) for r in results] == [
        (JENGGOT, Decimal("100.00"), 1),
        # Tied at 75: the same rank, in name order (Banyurip, Kuripan Kertoharjo).
        (BANYURIP, Decimal("75.00"), 2),
        (KURIPAN, Decimal("75.00"), 2),
        (MEDONO, Decimal("50.00"), 4),
    ]


def test_an_unfinished_kampung_kb_is_listed_last_without_a_rank(kota, kampungs, people):
    cycle = _single_criterion_cycle(kota, people)
    score_all(cycle, KURIPAN, people.eva, {"I1": 1})
    score_all(cycle, MEDONO, people.eva, {"I1": 1})

    results = cycle_results(cycle=cycle)

    assert [r.rank for r in results] == [1, 1, None, None]
    assert [r.kampung.region_id for r in results[2:]] == [BANYURIP, JENGGOT]


def test_ranks_use_the_rounded_totals_people_see():
    totals = {
        "a": Decimal("80.00"),
        "b": round2(Fraction(72344, 1000)),
        "c": round2(Fraction(72341, 1000)),
        "d": None,
        "e": Decimal("60"),
    }
    assert totals["b"] == totals["c"] == Decimal("72.34")
    assert rank_totals(totals) == {"a": 1, "b": 2, "c": 2, "e": 4}


def test_rounding_is_half_up_and_exact():
    assert round2(Fraction(72345, 1000)) == Decimal("72.35")
    assert round2(Fraction(2, 3) * 100) == Decimal("66.67")
    assert round2(Fraction(1, 8) * 100) == Decimal("12.50")


@pytest.mark.parametrize(
    ("formed_on", "eligible"),
    [
        (datetime.date(2022, 4, 28), True),  # the day before the boundary
        (datetime.date(2022, 4, 29), True),  # exactly three years: eligible
        (datetime.date(2022, 4, 30), False),  # the day after
    ],
)
def test_eligibility_is_reached_on_the_third_anniversary(cycle, formed_on, eligible):
    assert cycle.evaluated_on == datetime.date(2025, 4, 29)
    assert is_eligible(formed_on=formed_on, cycle=cycle) is eligible


def test_eligibility_in_the_results_follows_the_formation_date(cycle, kampungs):
    results = results_by_kampung(cycle=cycle)

    assert results[kampungs[JENGGOT].pk].eligible  # formed 29 April 2022
    assert results[kampungs[JENGGOT].pk].eligible_from == datetime.date(2025, 4, 29)
    assert not results[kampungs[MEDONO].pk].eligible  # formed 15 June 2023
    assert results[kampungs[MEDONO].pk].eligible_from == datetime.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("formed_on", "eligible"),
    [
        (datetime.date(2022, 12, 31), True),
        (datetime.date(2023, 1, 1), False),
    ],
)
def test_counting_by_formation_year_reads_the_rule_as_seed_003_does(
    cycle, formed_on, eligible
):
    # "minimal tiga tahun, yakni antara 2016 hingga 2022" in 2025.
    cycle.eligibility_counting = EligibilityCounting.YEAR
    assert is_eligible(formed_on=formed_on, cycle=cycle) is eligible


def test_a_29_february_anniversary_is_reached_on_1_march(cycle):
    cycle.min_age_years = 1
    assert eligible_from(
        formed_on=datetime.date(2020, 2, 29), cycle=cycle
    ) == datetime.date(2021, 3, 1)


@pytest.mark.parametrize(
    ("total", "level"),
    [
        ("49.99", "dasar"),
        ("50.00", "berkembang"),
        ("69.99", "berkembang"),
        ("70.00", "mandiri"),
        ("84.99", "mandiri"),
        ("85.00", "berkelanjutan"),
        ("100.00", "berkelanjutan"),
    ],
)
def test_default_thresholds_suggest_a_level(cycle, total, level):
    from evaluations.selectors import suggested_level

    assert suggested_level(total=Decimal(total), cycle=cycle) == level


def test_thresholds_are_data_of_the_cycle(cycle, kampungs, people):
    score_all(cycle, JENGGOT, people.eva, {"I1": 4, "I2": 1, "P1": 5, "O1": 6})
    score_all(cycle, JENGGOT, people.evi, {"I1": 2, "I2": 2, "P1": 4})
    services.cycle_update(cycle=cycle, threshold_berkembang=Decimal("65"))

    result = results_by_kampung(cycle=cycle)[kampungs[JENGGOT].pk]

    assert result.total == Decimal("60.31")
    assert result.suggested_level == "dasar"
