"""The rules every caller meets: cycle life, locked scores, frozen rubric, decisions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import services
from evaluations.models import (
    CriterionGroup,
    CycleStatus,
    RubricCriterion,
    RubricTemplate,
    Score,
)
from evaluations.rubric import BUILTIN_CRITERIA
from evaluations.selectors import cycle_results, results_by_kampung
from villages.models import Classification, ClassificationBasis, KampungKB
from villages.services import kampung_deactivate

from .conftest import EVALUATED_ON, JENGGOT, KURIPAN, MEDONO, criterion, participant
from .conftest import score_all as score

pytestmark = pytest.mark.django_db

FULL = {"I1": 4, "I2": 4, "P1": 5, "O1": 9}  # 2*100 + 100 + 90 over 4 = 97.5


def test_a_new_cycle_takes_every_active_kampung_kb_of_its_region(kota, kampungs):
    kampung_deactivate(
        kampung=kampungs[MEDONO], on=datetime.date(2025, 1, 2), reason="Digabung"
    )

    cycle = services.cycle_create(
        region=kota, name="Evaluasi 2025", year=2025, evaluated_on=EVALUATED_ON
    )

    assert cycle.status == CycleStatus.DRAFT
    assert set(cycle.participants.values_list("kampung__region", flat=True)) == (
        set(kampungs) - {MEDONO}
    )
    # Without a template named, the BKKBN default is used (made on first use).
    assert cycle.template.builtin
    assert cycle.template.criteria.count() == len(BUILTIN_CRITERIA)
    assert set(cycle.template.criteria.values_list("group", flat=True)) == set(
        CriterionGroup.values
    )


def test_the_builtin_template_is_made_once(db):
    assert services.template_builtin() == services.template_builtin()
    assert RubricTemplate.objects.filter(builtin=True).count() == 1


def test_a_cycle_must_be_held_by_a_kabkota_with_rising_thresholds(kota):
    with pytest.raises(ValidationError) as error:
        services.cycle_create(
            region=kota.children.first(),
            name="Salah",
            year=2025,
            evaluated_on=EVALUATED_ON,
            threshold_mandiri=Decimal("40"),
        )
    assert set(error.value.message_dict) == {"region", "threshold_berkelanjutan"}


def test_the_evaluation_date_lies_in_the_cycle_year(kota):
    with pytest.raises(ValidationError) as error:
        services.cycle_create(
            region=kota, name="Salah", year=2024, evaluated_on=EVALUATED_ON
        )
    assert "evaluated_on" in error.value.message_dict


def test_participants_change_only_in_draft(kota, kampungs, cycle):
    with pytest.raises(ValidationError, match="draf"):
        services.cycle_participants_set(cycle=cycle, kampungs=[kampungs[JENGGOT]])


def test_opening_copies_the_rubric_into_the_cycle(cycle, template):
    assert cycle.status == CycleStatus.OPEN
    assert list(
        cycle.criteria.values_list("code", "weight", "scale_min", "scale_max")
    ) == [
        ("I1", Decimal("1.00"), 0, 4),
        ("I2", Decimal("3.00"), 0, 4),
        ("P1", Decimal("1.00"), 1, 5),
        ("O1", Decimal("2.00"), 0, 10),
    ]
    assert (cycle.weight_input, cycle.weight_proses, cycle.weight_output) == (2, 1, 1)


def test_a_template_with_a_weighted_group_without_criteria_cannot_open(
    kota, kampungs, template
):
    RubricCriterion.objects.filter(template=template, group="output").delete()
    cycle = services.cycle_create(
        region=kota, name="Uji", year=2025, evaluated_on=EVALUATED_ON, template=template
    )
    with pytest.raises(ValidationError, match="output"):
        services.cycle_open(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT and not cycle.criteria.exists()


def test_template_edits_do_not_change_a_closed_cycle(cycle, template, kampungs, people):
    score(cycle, JENGGOT, people.eva, FULL)
    score(cycle, JENGGOT, people.evi, {"I1": 0, "I2": 2, "P1": 1, "O1": 1})
    services.cycle_close(cycle=cycle)
    before = [
        (r.kampung.pk, r.total, r.groups, r.rank) for r in cycle_results(cycle=cycle)
    ]
    criteria_before = list(cycle.criteria.values("code", "weight", "scale_max"))

    template.weight_input = Decimal("9")
    services.template_save(template=template)
    template.criteria.filter(code="I2").update(weight=Decimal("0.5"), scale_max=10)
    template.criteria.filter(code="P1").delete()
    RubricCriterion.objects.create(
        template=template, group=CriterionGroup.PROSES, code="P9", name="Baru"
    )

    cycle.refresh_from_db()
    assert list(cycle.criteria.values("code", "weight", "scale_max")) == criteria_before
    after = [
        (r.kampung.pk, r.total, r.groups, r.rank) for r in cycle_results(cycle=cycle)
    ]
    assert after == before
    # Means I1 2, I2 3, P1 3, O1 5: input 100*(.5 + 3*.75)/4 = 68.75, proses and
    # output 50; total (2*68.75 + 50 + 50)/4 = 59.375, rounded half up.
    assert before[0][1] == Decimal("59.38")


def test_scores_are_locked_once_the_cycle_closes(cycle, people):
    jenggot = score(cycle, JENGGOT, people.eva, {"I1": 2})
    services.cycle_close(cycle=cycle, closed_by=people.staf)

    with pytest.raises(ValidationError) as error:
        services.score_save(
            participant=jenggot,
            criterion=criterion(cycle, "I1"),
            evaluator=people.eva,
            value=4,
        )
    assert error.value.code == "locked"
    with pytest.raises(ValidationError):
        services.score_save(
            participant=jenggot,
            criterion=criterion(cycle, "I2"),
            evaluator=people.eva,
            value=1,
        )
    assert list(Score.objects.values_list("value", flat=True)) == [2]
    cycle.refresh_from_db()
    assert cycle.closed_by == people.staf and cycle.closed_at


def test_a_draft_cycle_takes_no_scores(kota, kampungs, people, template):
    cycle = services.cycle_create(
        region=kota,
        name="Draf",
        year=2025,
        evaluated_on=EVALUATED_ON,
        template=template,
    )
    services.evaluator_assign(cycle=cycle, evaluator=people.eva)
    with pytest.raises(ValidationError) as error:
        services.score_save(
            participant=participant(cycle, JENGGOT),
            criterion=template.criteria.first(),
            evaluator=people.eva,
            value=1,
        )
    assert error.value.code == "not_open"


def test_only_an_assigned_evaluator_may_score(cycle, people):
    # evi is assigned Jenggot and Medono, not Kuripan Kertoharjo.
    for user in (people.evi, people.staf, people.admin):
        with pytest.raises(PermissionDenied):
            services.score_save(
                participant=participant(cycle, KURIPAN),
                criterion=criterion(cycle, "I1"),
                evaluator=user,
                value=1,
            )
    assert not Score.objects.exists()


def test_a_score_outside_the_scale_is_refused(cycle, people):
    with pytest.raises(ValidationError) as error:
        score(cycle, JENGGOT, people.eva, {"P1": 0})  # P1 runs 1-5
    assert "value" in error.value.message_dict


def test_scoring_again_replaces_the_evaluators_own_score(cycle, people):
    score(cycle, JENGGOT, people.eva, {"I1": 1}, comment="awal")
    score(cycle, JENGGOT, people.eva, {"I1": 3}, comment="setelah kunjungan")

    saved = Score.objects.get()
    assert (saved.value, saved.comment) == (3, "setelah kunjungan")
    assert saved.history.count() == 2


def test_scores_save_is_all_or_nothing(cycle, people):
    with pytest.raises(ValidationError):
        services.scores_save(
            participant=participant(cycle, JENGGOT),
            evaluator=people.eva,
            entries=[
                (criterion(cycle, "I1"), 3, ""),
                (criterion(cycle, "P1"), 9, ""),  # above the scale
            ],
        )
    assert not Score.objects.exists()


def test_evaluators_are_only_accounts_with_the_evaluator_role(cycle, people):
    with pytest.raises(ValidationError):
        services.evaluator_assign(cycle=cycle, evaluator=people.staf)


def test_a_scored_assignment_cannot_be_taken_away(cycle, kampungs, people):
    score(cycle, MEDONO, people.evi, {"I1": 2})
    with pytest.raises(ValidationError, match="sudah menilai"):
        services.evaluator_assign(
            cycle=cycle, evaluator=people.evi, kampungs=[kampungs[JENGGOT]]
        )
    services.evaluator_assign(
        cycle=cycle, evaluator=people.evi, kampungs=[kampungs[MEDONO]]
    )
    assert set(
        cycle.participants.filter(assignments__evaluator=people.evi).values_list(
            "kampung__region", flat=True
        )
    ) == {MEDONO}


def _closed_with_scores(cycle, people):
    score(cycle, JENGGOT, people.eva, FULL)  # total 97.5: berkelanjutan
    score(cycle, JENGGOT, people.evi, FULL)
    score(cycle, KURIPAN, people.eva, {"I1": 2, "I2": 2, "P1": 3, "O1": 5})  # 50
    return services.cycle_close(cycle=cycle)


def test_accepting_a_suggestion_writes_the_classification_history(
    cycle, kampungs, people
):
    cycle = _closed_with_scores(cycle, people)
    jenggot = participant(cycle, JENGGOT)

    entry = services.suggestion_accept(
        participant=jenggot,
        accepted_by=people.staf,
        effective_on=datetime.date(2025, 5, 2),
    )

    kampung = KampungKB.objects.get(pk=kampungs[JENGGOT].pk)
    assert kampung.current_classification() == entry
    assert (entry.level, entry.basis, entry.effective_on) == (
        "berkelanjutan",
        ClassificationBasis.EVALUATION,
        datetime.date(2025, 5, 2),
    )
    assert "Evaluasi dan Pembinaan Kampung KB 2025" in entry.decision_ref
    assert entry.decided_by == "staf.kota"
    assert "97.50" in entry.note
    jenggot.refresh_from_db()
    assert jenggot.accepted_classification == entry
    assert jenggot.accepted_by == people.staf
    # The history keeps the earlier level.
    assert list(kampung.classifications.values_list("level", flat=True)) == [
        "berkelanjutan",
        "dasar",
    ]
    result = results_by_kampung(cycle=cycle)[kampung.pk]
    assert result.accepted and result.current_level == "berkelanjutan"


def test_a_suggestion_is_accepted_once(cycle, people):
    cycle = _closed_with_scores(cycle, people)
    services.suggestion_accept(
        participant=participant(cycle, KURIPAN), accepted_by=people.staf
    )
    with pytest.raises(ValidationError, match="sudah diterima"):
        services.suggestion_accept(
            participant=participant(cycle, KURIPAN), accepted_by=people.staf
        )
    assert (
        Classification.objects.filter(basis=ClassificationBasis.EVALUATION).count() == 1
    )


def test_a_suggestion_waits_for_the_cycle_to_close(cycle, people):
    score(cycle, JENGGOT, people.eva, FULL)
    with pytest.raises(ValidationError, match="setelah siklus ditutup"):
        services.suggestion_accept(
            participant=participant(cycle, JENGGOT), accepted_by=people.staf
        )
    assert not Classification.objects.filter(
        basis=ClassificationBasis.EVALUATION
    ).exists()


def test_no_suggestion_without_a_complete_score_or_a_change(cycle, people):
    score(cycle, KURIPAN, people.eva, {"I1": 0, "I2": 0, "P1": 1, "O1": 0})  # 0: dasar
    cycle = services.cycle_close(cycle=cycle)
    with pytest.raises(ValidationError, match="belum lengkap"):
        services.suggestion_accept(
            participant=participant(cycle, MEDONO), accepted_by=people.staf
        )
    with pytest.raises(ValidationError, match="sama dengan"):
        services.suggestion_accept(
            participant=participant(cycle, KURIPAN), accepted_by=people.staf
        )


def test_an_accepted_level_is_not_effective_before_the_evaluation(cycle, people):
    cycle = _closed_with_scores(cycle, people)
    with pytest.raises(ValidationError) as error:
        services.suggestion_accept(
            participant=participant(cycle, JENGGOT),
            accepted_by=people.staf,
            effective_on=datetime.date(2025, 4, 28),
        )
    assert "effective_on" in error.value.message_dict


def test_krppa_linkage_is_recorded_for_the_cycle_and_on_the_profile(cycle, kampungs):
    jenggot = participant(cycle, JENGGOT)

    services.krppa_record(participant=jenggot, linked=True, note="SK KRPPA 2024")

    jenggot.refresh_from_db()
    assert (jenggot.krppa_linked, jenggot.krppa_note) == (True, "SK KRPPA 2024")
    kampung = KampungKB.objects.get(pk=kampungs[JENGGOT].pk)
    assert kampung.krppa_integrated
    assert kampung.history.first().krppa_integrated


def test_an_award_is_recorded_with_its_level_and_year(kampungs, cycle):
    award = services.award_record(
        kampung=kampungs[JENGGOT],
        level="provinsi",
        title="Juara II",
        rank=2,
        year=2024,
        awarded_by="Provinsi Jawa Tengah",
    )
    assert str(award) == "Kampung KB Jenggot: Juara II (Provinsi 2024)"
    with pytest.raises(ValidationError) as error:
        services.award_record(
            kampung=kampungs[JENGGOT], level="nasional", title="Juara", year=2015
        )
    assert "year" in error.value.message_dict


def test_a_draft_cycle_without_a_template_gets_the_bkkbn_default(kota, kampungs):
    cycle = services.cycle_create(
        region=kota, name="Draf", year=2025, evaluated_on=EVALUATED_ON
    )
    services.cycle_update(cycle=cycle, template=None)
    assert cycle.template.builtin
