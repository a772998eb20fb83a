"""The demo's 2025 evaluation of Kota Pekalongan follows seed 003."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from evaluations.demo import CYCLE_NAME
from evaluations.models import Award, Cycle, EvaluatorAssignment, Score
from evaluations.selectors import cycle_results

# The demo is loaded once for the module (DEBUG off); each test is rolled back.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_module")]


def _cycle():
    return Cycle.objects.get(name=CYCLE_NAME)


def _load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts():
    return [
        Cycle.objects.count(),
        Award.objects.count(),
        EvaluatorAssignment.objects.count(),
        Score.objects.count(),
    ]


def test_the_2025_cycle_takes_all_27_kampung_kb_of_kota_pekalongan(demo_module):
    cycle = _cycle()
    assert "Demo evaluation: 1 cycle (2025, Kota Pekalongan) and 2 awards" in (
        demo_module
    )
    assert cycle.region_id == "33.75"
    assert cycle.evaluated_on == datetime.date(2025, 4, 29)
    assert cycle.status == "open"
    assert cycle.participants.count() == 27
    assert "Buketan" in cycle.notes and "KRPPA" in cycle.notes
    assert "ilustratif" in cycle.illustrative_note
    assert "Dinkominfo Kota Pekalongan" in cycle.source
    assert "shared/" not in cycle.source
    assert cycle.criteria.count() == 12  # the BKKBN default, copied at opening


def test_the_province_round_takes_kampung_kb_formed_by_2022(demo_module):
    # "minimal tiga tahun, yakni antara 2016 hingga 2022" (seed 003).
    cycle = _cycle()
    assert (cycle.min_age_years, cycle.eligibility_counting) == (3, "year")
    eligible = {r.kampung.region.name for r in cycle_results(cycle=cycle) if r.eligible}
    assert len(eligible) == 6
    assert {"Jenggot", "Padukuhan Kraton", "Bandengan"} <= eligible
    assert not any(
        r.eligible and r.kampung.formed_on.year > 2022
        for r in cycle_results(cycle=cycle)
    )


def test_the_two_awards_of_seed_003(demo_module):
    awards = {
        a.kampung.region.name: a
        for a in Award.objects.select_related("kampung__region")
    }
    assert set(awards) == {"Jenggot", "Padukuhan Kraton"}
    jenggot, kraton = awards["Jenggot"], awards["Padukuhan Kraton"]
    assert (jenggot.level, jenggot.title, jenggot.rank) == ("provinsi", "Juara II", 2)
    assert jenggot.awarded_by == "Provinsi Jawa Tengah"
    assert (kraton.level, kraton.title, kraton.rank) == (
        "provinsi",
        "Juara Harapan",
        None,
    )
    for award in (jenggot, kraton):
        assert "29 April 2025" in award.source
        assert "shared/" not in award.source
        assert "ilustratif" in award.illustrative_note  # the year is not in the source


def test_without_debug_the_demo_has_no_scores(demo_module):
    assert not Score.objects.exists() and not EvaluatorAssignment.objects.exists()


def test_loading_the_demo_again_adds_nothing(demo_module):
    before = _counts()
    output = _load_demo()
    assert "Demo evaluation: 0 cycle (2025, Kota Pekalongan) and 0 awards" in output
    assert _counts() == before


def test_in_debug_the_demo_evaluator_has_illustrative_scores_to_finish(settings):
    settings.DEBUG = True
    output = _load_demo()
    cycle = _cycle()

    assert "Demo evaluation: 300 ILLUSTRATIVE scores by evaluator.kota." in output
    assert (
        cycle.participants.filter(
            assignments__evaluator__username="evaluator.kota"
        ).count()
        == 27
    )
    assert not Score.objects.exclude(comment__icontains="ilustratif").exists()
    results = cycle_results(cycle=cycle)
    assert sum(r.rank is not None for r in results) == 25
    unscored = {r.kampung.region.name for r in results if r.rank is None}
    assert unscored == {"Noyontaansari", "Sokoduwet"}

    before = _counts()
    assert "Demo evaluation: 0 ILLUSTRATIVE scores" in _load_demo()
    assert _counts() == before
