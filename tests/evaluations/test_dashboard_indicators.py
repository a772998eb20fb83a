"""Evaluation figures on the dashboards: mean score, eligible count, awards."""

import pytest

from dashboards.models import Snapshot
from dashboards.refresh import snapshot_refresh
from evaluations import services

from .conftest import BANYURIP, JENGGOT, KURIPAN, MEDONO, score_all

pytestmark = pytest.mark.django_db


def figure(indicator, code, year=2025):
    row = Snapshot.objects.filter(
        indicator=indicator, region_code=code, period=year
    ).first()
    return None if row is None else (row.value, row.numerator, row.denominator)


def test_closed_cycles_give_mean_scores_eligible_kampung_kb_and_awards(
    cycle, kampungs, people
):
    # Totals (eva alone): Jenggot all top marks 100; Kuripan all bottom 0;
    # Medono I1 4, I2 4, P1 5, O1 0 -> input 100, proses 100, output 0 ->
    # (2*100 + 100 + 0) / 4 = 75. Banyurip is not scored: no total.
    top = {"I1": 4, "I2": 4, "P1": 5, "O1": 10}
    score_all(cycle, JENGGOT, people.eva, top)
    score_all(cycle, JENGGOT, people.evi, {"I1": 4, "I2": 4, "P1": 5, "O1": 10})
    score_all(cycle, KURIPAN, people.eva, {"I1": 0, "I2": 0, "P1": 1, "O1": 0})
    score_all(cycle, MEDONO, people.eva, {"I1": 4, "I2": 4, "P1": 5, "O1": 0})
    score_all(cycle, MEDONO, people.evi, {"I1": 4, "I2": 4, "P1": 5, "O1": 0})
    services.award_record(
        kampung=kampungs[JENGGOT],
        level="provinsi",
        title="Juara II",
        rank=2,
        year=2025,
    )
    snapshot_refresh(years=[2025])
    # An open cycle counts for nothing yet; awards do.
    assert figure("evaluation_score", "33.75") is None
    assert figure("evaluation_awards", "33.75") == (1, 1, None)

    services.cycle_close(cycle=cycle, closed_by=people.staf)
    snapshot_refresh(years=[2025])
    assert figure("evaluation_score", JENGGOT) == (100, 100, 1)
    assert figure("evaluation_score", "33.75.04") == (50, 100, 2)  # Jenggot, Kuripan
    assert figure("evaluation_score", "33.75") == (175 / 3, 175, 3)
    assert figure("evaluation_score", BANYURIP) is None
    # Only Jenggot (formed 29 April 2022) is 3 years old on 29 April 2025.
    assert figure("evaluation_eligible", "33.75") == (1, 1, None)
    assert figure("evaluation_eligible", JENGGOT) == (1, 1, None)
    assert figure("evaluation_awards", "33") == (1, 1, None)
    assert figure("evaluation_score", "33.75", 2024) is None
