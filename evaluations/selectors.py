"""Reads of the evaluations app: who sees what, and how scores become results.

How a Kampung KB's result is computed (the results page says the same):

1. Average over evaluators first: for each criterion c, s(c) is the mean of the
   scores the evaluators gave it (an evaluator who has not scored c is left out).
2. Normalise to the criterion's scale [min, max]: n(c) = (s(c) - min) / (max - min),
   between 0 and 1.
3. Group score, 0-100: G = 100 * sum(w(c) * n(c)) / sum(w(c)) over the criteria of
   the group, with w(c) the criterion's weight. A group has a score once each of
   its criteria has at least one score.
4. Total, 0-100: T = sum(W(g) * G(g)) / sum(W(g)) over the groups with a weight
   W(g) > 0 and at least one criterion. A total exists once each of those groups
   has a score; until then the Kampung KB is "belum lengkap" and unranked.
5. Group scores and totals are computed exactly (fractions) and rounded half up to
   two decimals; ranks and suggestions use the rounded total people see.
6. Rank: standard competition ranking within the cycle (its kab/kota): equal totals
   share a rank and the next rank skips, e.g. 1, 2, 2, 4.
7. Eligible for the province round: the Kampung KB is at least `min_age_years` old
   at the evaluation date. Counted by date, formed_on + N years <= evaluated_on
   (reaching the anniversary on the evaluation day counts; 29 February counts as
   reached on 1 March); counted by year, formation year <= evaluation year - N.
8. Suggested classification: the highest level whose threshold the total reaches
   (cycle thresholds, e.g. 50 berkembang, 70 mandiri, 85 berkelanjutan); below the
   first threshold, dasar.

For the dashboards: `cycle_results(cycle=...)` (or `results_by_kampung`, keyed by
Kampung KB id) gives per Kampung KB its total, group scores, rank, eligibility
and suggested level; `cycles_closed(region=...)` lists the cycles whose results
are final; `award_list(...)` the awards. They read raw rows (a handful of queries
per cycle, whatever its size). Results are final only once a cycle is closed, and
`cycle_close` announces `kampungkb.events.data_changed` for its Kampung KB.
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePosixPath

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from kampungkb.access import scoped, user_scope
from kampungkb.models import Role, User
from villages.models import Classification, ClassificationLevel, KampungKB, Region

from .models import (
    Award,
    CriterionGroup,
    Cycle,
    CycleCriterion,
    CycleStatus,
    EligibilityCounting,
    EvaluatorAssignment,
    Evidence,
    Participant,
    RubricTemplate,
    Score,
)

# --- Who sees what ----------------------------------------------------------------
#
# Staff, pimpinan and administrators read cycles by region, as everything else
# (kampungkb.access.scoped). An evaluator reads only the cycles and Kampung KB they
# are assigned; a PLKB reads the results of their own desa/kelurahan once a cycle
# is closed.


def cycles_for(*, user):
    """The cycles `user` may open."""
    role = user.effective_role if user.is_authenticated else None
    if role == Role.EVALUATOR:
        return Cycle.objects.assigned_to(user)
    if role == Role.PLKB:
        own = scoped(Participant.objects.all(), user, write=True)
        return Cycle.objects.filter(
            status=CycleStatus.CLOSED, pk__in=own.values("cycle")
        )
    return scoped(Cycle.objects.all(), user)


def participants_for(*, user, cycle: Cycle | None = None):
    """The Kampung KB taking part (in `cycle`, or any) that `user` may open."""
    participants = Participant.objects.all()
    if cycle is not None:
        participants = participants.filter(cycle=cycle)
    role = user.effective_role if user.is_authenticated else None
    if role == Role.EVALUATOR:
        return participants.filter(
            pk__in=EvaluatorAssignment.objects.filter(evaluator=user).values(
                "participant"
            )
        )
    if role == Role.PLKB:
        return scoped(participants, user, write=True).filter(
            cycle__status=CycleStatus.CLOSED
        )
    return scoped(participants, user)


def scores_for(*, user):
    """Scores `user` may read: an evaluator their own, others by participant."""
    if user.is_authenticated and user.effective_role == Role.EVALUATOR:
        return Score.objects.filter(evaluator=user)
    return Score.objects.filter(participant__in=participants_for(user=user))


def evidence_for(*, user):
    """Evidence files `user` may download: those of the Kampung KB they may open."""
    return Evidence.objects.filter(participant__in=participants_for(user=user))


def evidence_uploader_visible(*, user, evidence: Evidence) -> bool:
    """Whether `user` may know who uploaded `evidence`, as they may know who scored.

    A PLKB never sees evaluators; an evaluator sees only their own scores, so only
    their own uploads.
    """
    role = user.effective_role
    if role == Role.EVALUATOR:
        return evidence.uploaded_by_id == user.pk
    return role != Role.PLKB


def evidence_shown_name(*, user, evidence: Evidence) -> str:
    """The file name `user` is shown: the uploader's own, or a neutral one for those
    who may not know the uploader (a file name often carries a person's name)."""
    if evidence_uploader_visible(user=user, evidence=evidence):
        return evidence.original_name
    # The stored name is random, with the extension its content earned.
    return f"bukti-{evidence.pk}{PurePosixPath(evidence.file.name).suffix}"


def templates_for(*, user):
    """Rubric templates `user` may read: their kab/kota's and the shared ones."""
    if not user.is_authenticated or user.effective_role in (
        Role.EVALUATOR,
        Role.PLKB,
    ):
        return RubricTemplate.objects.none()
    if user_scope(user).read is None:
        return RubricTemplate.objects.all()
    return RubricTemplate.objects.filter(
        Q(region__isnull=True) | Q(pk__in=scoped(RubricTemplate.objects.all(), user))
    )


def is_assigned(*, user, participant: Participant) -> bool:
    return participant.assignments.filter(evaluator=user).exists()


def cycles_closed(*, region: Region):
    """Closed cycles held by the kab/kota `region` (or within it), newest first."""
    return Cycle.objects.filter(
        status=CycleStatus.CLOSED, region__in=Region.objects.within(region)
    )


def award_list(*, region: Region | None = None, year=None, level=None):
    """Awards of the Kampung KB in `region`, optionally of one year and level."""
    awards = Award.objects.select_related("kampung__region", "cycle")
    if region is not None:
        awards = awards.filter(kampung__in=_kampungs_in(region))
    if year is not None:
        awards = awards.filter(year=year)
    if level is not None:
        awards = awards.filter(level=level)
    return awards


def _kampungs_in(region):
    return KampungKB.objects.in_region(region).values("pk")


# --- Results ----------------------------------------------------------------------

HUNDRED = Fraction(100)


def round2(value: Fraction) -> Decimal:
    """Round half up to two decimals, exactly."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes 1 March in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def eligible_from(*, formed_on: datetime.date, cycle: Cycle) -> datetime.date:
    """The first evaluation date at which a Kampung KB formed then is old enough."""
    if cycle.eligibility_counting == EligibilityCounting.YEAR:
        return datetime.date(formed_on.year + cycle.min_age_years, 1, 1)
    return add_years(formed_on, cycle.min_age_years)


def is_eligible(*, formed_on: datetime.date, cycle: Cycle) -> bool:
    """Whether a Kampung KB formed on `formed_on` may go to the province round."""
    return eligible_from(formed_on=formed_on, cycle=cycle) <= cycle.evaluated_on


def suggested_level(*, total: Decimal | None, cycle: Cycle) -> str | None:
    """The level a total suggests under the cycle's thresholds (None: no total)."""
    if total is None:
        return None
    for level, threshold in cycle.thresholds():
        if total >= threshold:
            return level
    return ClassificationLevel.DASAR


@dataclass
class KampungResult:
    """A Kampung KB's result in a cycle; totals and group scores are 0-100."""

    participant: Participant
    total: Decimal | None
    groups: dict[str, Decimal | None]
    criteria_scored: int
    criteria_count: int
    evaluators_assigned: int
    evaluators_scored: int
    eligible: bool
    eligible_from: datetime.date
    suggested_level: str | None
    current_level: str | None
    rank: int | None = None

    @property
    def kampung(self):
        return self.participant.kampung

    @property
    def complete(self) -> bool:
        return self.criteria_count > 0 and self.criteria_scored == self.criteria_count

    @property
    def accepted(self) -> bool:
        return self.participant.accepted_classification_id is not None

    @property
    def group_list(self):
        return [(g, self.groups.get(g.value)) for g in CriterionGroup]

    @property
    def suggested_label(self):
        return _level_label(self.suggested_level)

    @property
    def current_label(self):
        return _level_label(self.current_level)

    @property
    def suggestion_changes(self) -> bool:
        return (
            self.suggested_level is not None
            and self.suggested_level != self.current_level
        )

    @property
    def direction(self) -> int:
        """+1 a higher level suggested, -1 a lower one, 0 the same or none."""
        if not self.suggestion_changes:
            return 0
        if self.current_level is None:
            return 1
        suggested = ClassificationLevel(self.suggested_level).rank
        return 1 if suggested > ClassificationLevel(self.current_level).rank else -1


def _level_label(level):
    return ClassificationLevel(level).label if level else None


def _current_level():
    return Subquery(
        Classification.objects.filter(kampung=OuterRef("kampung"))
        .order_by("-effective_on", "-id")
        .values("level")[:1]
    )


def criterion_means(*, cycle: Cycle) -> dict[int, dict[int, Fraction]]:
    """Participant id -> criterion id -> mean of the evaluators' scores."""
    rows = (
        Score.objects.filter(participant__cycle=cycle)
        .values("participant_id", "criterion_id")
        .annotate(total=Sum("value"), n=Count("id"))
    )
    means = defaultdict(dict)
    for r in rows:
        means[r["participant_id"]][r["criterion_id"]] = Fraction(r["total"], r["n"])
    return means


def normalised(mean: Fraction, criterion: CycleCriterion) -> Fraction:
    """A mean score as a share of its criterion's scale, 0-1."""
    return (mean - criterion.scale_min) / (criterion.scale_max - criterion.scale_min)


def _group_scores(criteria, means) -> dict[str, Fraction | None]:
    by_group = defaultdict(list)
    for criterion in criteria:
        by_group[criterion.group].append(criterion)
    scores = {}
    for group, members in by_group.items():
        if any(c.pk not in means for c in members):
            scores[group] = None
            continue
        weights = sum(Fraction(c.weight) for c in members)
        scores[group] = (
            HUNDRED
            * sum(Fraction(c.weight) * normalised(means[c.pk], c) for c in members)
            / weights
        )
    return scores


def _total(cycle: Cycle, groups: dict[str, Fraction | None]) -> Fraction | None:
    counted = {
        g: Fraction(w)
        for g, w in cycle.group_weights().items()
        if w > 0 and g in groups
    }
    if not counted or any(groups[g] is None for g in counted):
        return None
    return sum(w * groups[g] for g, w in counted.items()) / sum(counted.values())


def rank_totals(totals: dict) -> dict:
    """Standard competition ranks (1, 2, 2, 4) of the keys with a total."""
    ordered = sorted((t for t in totals.values() if t is not None), reverse=True)
    first_at = {}
    for position, total in enumerate(ordered, start=1):
        first_at.setdefault(total, position)
    return {key: first_at[t] for key, t in totals.items() if t is not None}


def cycle_results(*, cycle: Cycle) -> list[KampungResult]:
    """Every participant's result, best rank first, then the unranked by name."""
    criteria = list(cycle.criteria.all())
    means = criterion_means(cycle=cycle)
    assigned = dict(
        EvaluatorAssignment.objects.filter(participant__cycle=cycle)
        .values("participant_id")
        .annotate(n=Count("id"))
        .values_list("participant_id", "n")
    )
    scored_by = dict(
        Score.objects.filter(participant__cycle=cycle)
        .values("participant_id")
        .annotate(n=Count("evaluator", distinct=True))
        .values_list("participant_id", "n")
    )
    participants = (
        cycle.participants.select_related("kampung__region__kecamatan")
        .annotate(current_level=_current_level())
        .order_by("kampung__region")
    )
    results = []
    for participant in participants:
        own = means.get(participant.pk, {})
        exact_groups = _group_scores(criteria, own)
        exact_total = _total(cycle, exact_groups)
        total = round2(exact_total) if exact_total is not None else None
        formed_on = participant.kampung.formed_on
        results.append(
            KampungResult(
                participant=participant,
                total=total,
                groups={
                    g: round2(v) if v is not None else None
                    for g, v in exact_groups.items()
                },
                criteria_scored=len(own),
                criteria_count=len(criteria),
                evaluators_assigned=assigned.get(participant.pk, 0),
                evaluators_scored=scored_by.get(participant.pk, 0),
                eligible=is_eligible(formed_on=formed_on, cycle=cycle),
                eligible_from=eligible_from(formed_on=formed_on, cycle=cycle),
                suggested_level=suggested_level(total=total, cycle=cycle),
                current_level=participant.current_level,
            )
        )
    ranks = rank_totals({r.participant.pk: r.total for r in results})
    for result in results:
        result.rank = ranks.get(result.participant.pk)
    results.sort(
        key=lambda r: (r.rank is None, r.rank or 0, r.participant.kampung.name)
    )
    return results


def results_by_kampung(*, cycle: Cycle) -> dict[int, KampungResult]:
    """`cycle_results` keyed by Kampung KB id."""
    return {r.participant.kampung_id: r for r in cycle_results(cycle=cycle)}


# --- One Kampung KB's sheet -------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: CycleCriterion
    scores: list = field(default_factory=list)  # every evaluator's Score
    evidence: list = field(default_factory=list)

    @property
    def mean(self) -> Decimal | None:
        if not self.scores:
            return None
        return round2(Fraction(sum(s.value for s in self.scores), len(self.scores)))

    @property
    def comments(self):
        return [s for s in self.scores if s.comment]


def participant_sheet(*, participant: Participant):
    """The cycle's criteria by group with their scores and evidence files, and the
    evidence not tied to a criterion."""
    rows = {c.pk: CriterionRow(c) for c in participant.cycle.criteria.all()}
    for score in participant.scores.select_related("evaluator"):
        rows[score.criterion_id].scores.append(score)
    general = []
    for evidence in participant.evidence.select_related("uploaded_by"):
        if evidence.criterion_id in rows:
            rows[evidence.criterion_id].evidence.append(evidence)
        else:
            general.append(evidence)
    grouped = [
        (group, [r for r in rows.values() if r.criterion.group == group.value])
        for group in CriterionGroup
    ]
    return [(g, members) for g, members in grouped if members], general


def progress(*, participant: Participant) -> dict:
    """How far the scoring of one Kampung KB is: scores given and expected."""
    criteria = participant.cycle.criteria.count()
    evaluators = participant.assignments.count()
    given = participant.scores.count()
    return {
        "criteria": criteria,
        "evaluators": evaluators,
        "given": given,
        "expected": criteria * evaluators,
        "percent": round(100 * given / (criteria * evaluators))
        if criteria and evaluators
        else 0,
    }


def participants_progress(*, cycle: Cycle, participants) -> dict[int, dict]:
    """Participant id -> `progress` of each of `participants` (of one cycle), in
    three queries whatever their number."""
    ids = [p.pk for p in participants]
    criteria = cycle.criteria.count()
    evaluators = dict(
        EvaluatorAssignment.objects.filter(participant__in=ids)
        .values("participant_id")
        .annotate(n=Count("id"))
        .values_list("participant_id", "n")
    )
    given = dict(
        Score.objects.filter(participant__in=ids)
        .values("participant_id")
        .annotate(n=Count("id"))
        .values_list("participant_id", "n")
    )
    result = {}
    for pk in ids:
        expected = criteria * evaluators.get(pk, 0)
        result[pk] = {
            "criteria": criteria,
            "evaluators": evaluators.get(pk, 0),
            "given": given.get(pk, 0),
            "expected": expected,
            "percent": round(100 * given.get(pk, 0) / expected) if expected else 0,
        }
    return result


def evaluators_of(*, cycle: Cycle):
    """The evaluators assigned in `cycle`, each with `assigned`: how many of its
    Kampung KB they score (one query)."""
    return (
        User.objects.filter(evaluation_assignments__participant__cycle=cycle)
        .annotate(assigned=Count("evaluation_assignments"))
        .order_by("username")
    )


def evaluator_progress(*, cycle: Cycle, evaluator) -> dict[int, int]:
    """Participant id -> how many criteria this evaluator has scored."""
    return dict(
        Score.objects.filter(participant__cycle=cycle, evaluator=evaluator)
        .values("participant_id")
        .annotate(n=Count("id"))
        .values_list("participant_id", "n")
    )


def evaluator_worklist(*, user):
    """The evaluator's assignments in open cycles, newest cycle first,
    each with how many of the cycle's criteria this evaluator has scored."""
    own_scores = (
        Score.objects.filter(participant=OuterRef("participant"), evaluator=user)
        .values("participant")
        .annotate(n=Count("id"))
        .values("n")
    )
    criteria = (
        CycleCriterion.objects.filter(cycle=OuterRef("participant__cycle"))
        .values("cycle")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        EvaluatorAssignment.objects.filter(evaluator=user)
        .filter(participant__cycle__status=CycleStatus.OPEN)
        .select_related("participant__cycle", "participant__kampung__region")
        .annotate(scored=Subquery(own_scores), criteria=Subquery(criteria))
        .order_by("-participant__cycle__evaluated_on", "participant__kampung__region")
    )
