"""Writes of the evaluations app: rubrics, cycles, scores, evidence, decisions, awards.

Who may call what is checked by the views and the API (kampungkb.access); the
services keep the rules every caller must respect: a cycle's rubric is copied when
it opens, scores change only while it is open and only by an assigned evaluator,
and suggestions are accepted only once it is closed.
"""

import hashlib
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kampungkb.events import data_changed
from kampungkb.integrity import unique_errors
from kampungkb.models import Role
from kampungkb.uploads import evidence_problem, evidence_suffix
from villages.models import Classification, ClassificationBasis, KampungKB, Region
from villages.services import kampung_classify, kampung_update

from .models import (
    Award,
    Cycle,
    CycleCriterion,
    CycleStatus,
    EvaluatorAssignment,
    Evidence,
    Participant,
    RubricCriterion,
    RubricTemplate,
    Score,
)
from .rubric import BUILTIN_CRITERIA, BUILTIN_DESCRIPTION, BUILTIN_NAME
from .selectors import results_by_kampung

# Evidence files: what an evaluator photographs or scans on a visit.
EVIDENCE_MAX_FILES = 50  # per Kampung KB and cycle

CYCLE_FIELDS_ANY_TIME = (
    "name",
    "scoring_ends_on",
    "notes",
    "source",
    "illustrative_note",
)
# Fields that change who is eligible or what is suggested: fixed once closed.
CYCLE_FIELDS_UNTIL_CLOSED = (
    "year",
    "evaluated_on",
    "min_age_years",
    "eligibility_counting",
    "threshold_berkembang",
    "threshold_mandiri",
    "threshold_berkelanjutan",
)
# The rubric: fixed once scoring opens (it has been copied into the cycle).
CYCLE_FIELDS_IN_DRAFT = ("template",)


# --- Rubric templates -------------------------------------------------------------


@transaction.atomic
def template_builtin() -> RubricTemplate:
    """The default rubric from the BKKBN indicators, made on first use."""
    template = RubricTemplate.objects.filter(builtin=True).first()
    if template:
        return template
    template = RubricTemplate.objects.create(
        name=BUILTIN_NAME, description=BUILTIN_DESCRIPTION, builtin=True
    )
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            template=template, group=group, code=code, name=name, guide=guide, order=i
        )
        for i, (group, code, name, guide) in enumerate(BUILTIN_CRITERIA, start=1)
    )
    return template


@transaction.atomic
def template_save(*, template: RubricTemplate, formset=None) -> RubricTemplate:
    """Save a rubric template and, if given, its validated criteria formset."""
    template.full_clean()
    template.save()
    if formset is not None:
        formset.instance = template
        formset.save()
    _check_template(template=template)
    return template


def _check_template(*, template: RubricTemplate) -> None:
    weights = template.group_weights()
    groups = set(template.criteria.values_list("group", flat=True))
    empty = [g for g, w in weights.items() if w > 0 and g not in groups]
    if empty:
        raise ValidationError(
            _(
                "Kelompok %(groups)s berbobot tetapi belum punya kriteria: tambahkan "
                "kriteria atau beri bobot 0."
            )
            % {"groups": ", ".join(empty)}
        )


@transaction.atomic
def criterion_save(*, criterion: RubricCriterion, **fields) -> RubricCriterion:
    """Create or change one criterion of a rubric template."""
    for name, value in fields.items():
        setattr(criterion, name, value)
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: RubricCriterion) -> None:
    """Remove a criterion from a template; cycles keep their own copies."""
    criterion.delete()


@transaction.atomic
def template_copy(*, template: RubricTemplate, region: Region, name: str):
    """Copy a template (e.g. the BKKBN default) for a kab/kota to adjust."""
    copy = RubricTemplate(
        name=name,
        description=template.description,
        region=region,
        weight_input=template.weight_input,
        weight_proses=template.weight_proses,
        weight_output=template.weight_output,
    )
    copy.full_clean()
    copy.save()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            template=copy,
            **{f: getattr(c, f) for f in _CRITERION_FIELDS},
        )
        for c in template.criteria.all()
    )
    return copy


_CRITERION_FIELDS = (
    "group",
    "code",
    "name",
    "guide",
    "weight",
    "scale_min",
    "scale_max",
    "order",
)


# --- Cycles -----------------------------------------------------------------------


def _locked(cycle: Cycle) -> Cycle:
    """Lock the cycle's row until the transaction ends and reload it.

    Opening, closing and scoring all take this lock, so no score is saved in a
    cycle that a concurrent request has just closed.
    """
    Cycle.objects.select_for_update().only("pk").get(pk=cycle.pk)
    cycle.refresh_from_db()
    return cycle


@transaction.atomic
def cycle_create(
    *,
    region: Region,
    name: str,
    year: int,
    evaluated_on,
    created_by=None,
    template: RubricTemplate | None = None,
    kampungs=None,
    **fields,
) -> Cycle:
    """Create a draft cycle; by default every active Kampung KB of the region takes part."""
    cycle = Cycle(
        region=region,
        name=name,
        year=year,
        evaluated_on=evaluated_on,
        created_by=created_by,
        template=template or template_builtin(),
        **fields,
    )
    cycle.full_clean()
    with unique_errors(Cycle):
        cycle.save()
    if kampungs is None:
        kampungs = KampungKB.objects.in_region(region).active()
    _participants_add(cycle=cycle, kampungs=kampungs)
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, **fields) -> Cycle:
    """Change a cycle's details; what a status has fixed can no longer change."""
    cycle = _locked(cycle)
    if "template" in fields and fields["template"] is None:
        fields["template"] = template_builtin()
    allowed = set(CYCLE_FIELDS_ANY_TIME)
    if cycle.status != CycleStatus.CLOSED:
        allowed |= set(CYCLE_FIELDS_UNTIL_CLOSED)
    if cycle.status == CycleStatus.DRAFT:
        allowed |= set(CYCLE_FIELDS_IN_DRAFT)
    refused = [
        name
        for name, value in fields.items()
        if name not in allowed and getattr(cycle, name) != value
    ]
    if refused:
        raise ValidationError(
            {
                name: _("Tidak dapat diubah lagi pada status %(status)s.")
                % {"status": cycle.get_status_display()}
                for name in refused
            }
        )
    for name, value in fields.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    return cycle


def _participants_add(*, cycle: Cycle, kampungs) -> list[Participant]:
    kampungs = list(kampungs)
    outside = [k for k in kampungs if k.region.kabkota_id != cycle.region_id]
    if outside:
        raise ValidationError(
            {
                "kampungs": _("%(name)s bukan Kampung KB di %(region)s.")
                % {"name": outside[0].name, "region": cycle.region.name}
            }
        )
    existing = set(cycle.participants.values_list("kampung_id", flat=True))
    return Participant.objects.bulk_create(
        Participant(cycle=cycle, kampung=k) for k in kampungs if k.pk not in existing
    )


@transaction.atomic
def cycle_participants_set(*, cycle: Cycle, kampungs) -> Cycle:
    """Set which Kampung KB take part; only while the cycle is a draft."""
    cycle = _locked(cycle)
    if cycle.status != CycleStatus.DRAFT:
        raise ValidationError(_("Peserta hanya dapat diubah selama siklus masih draf."))
    kampungs = list(kampungs)
    cycle.participants.exclude(kampung__in=kampungs).delete()
    _participants_add(cycle=cycle, kampungs=kampungs)
    return cycle


@transaction.atomic
def evaluator_assign(*, cycle: Cycle, evaluator, kampungs=None) -> list:
    """Make `evaluator` score exactly these Kampung KB of the cycle (None: all).

    An assignment the evaluator has already scored cannot be taken away.
    """
    cycle = _locked(cycle)
    if cycle.status == CycleStatus.CLOSED:
        raise ValidationError(_("Siklus sudah ditutup."))
    if evaluator.role != Role.EVALUATOR or not evaluator.is_active:
        raise ValidationError(
            {"evaluator": _("Pilih akun aktif dengan peran evaluator.")}
        )
    participants = cycle.participants.all()
    if kampungs is not None:
        wanted = set(participants.filter(kampung__in=list(kampungs)))
        if len(wanted) != len(set(kampungs)):
            raise ValidationError(
                {"kampungs": _("Ada Kampung KB yang bukan peserta siklus ini.")}
            )
    else:
        wanted = set(participants)
    current = EvaluatorAssignment.objects.filter(
        participant__cycle=cycle, evaluator=evaluator
    )
    dropped = current.exclude(participant__in=wanted)
    scored = Score.objects.filter(
        evaluator=evaluator, participant__in=dropped.values("participant")
    ).select_related("participant__kampung")
    if scored.exists():
        raise ValidationError(
            {
                "kampungs": _(
                    "%(evaluator)s sudah menilai %(name)s; penugasan itu tidak dapat "
                    "dicabut."
                )
                % {
                    "evaluator": evaluator.get_username(),
                    "name": scored.first().participant.kampung.name,
                }
            }
        )
    dropped.delete()
    have = set(current.values_list("participant_id", flat=True))
    EvaluatorAssignment.objects.bulk_create(
        EvaluatorAssignment(participant=p, evaluator=evaluator)
        for p in wanted
        if p.pk not in have
    )
    return list(current.all())


@transaction.atomic
def cycle_open(*, cycle: Cycle) -> Cycle:
    """Open scoring: copy the template's criteria and group weights into the cycle."""
    cycle = _locked(cycle)
    if cycle.status != CycleStatus.DRAFT:
        raise ValidationError(_("Hanya siklus draf yang dapat dibuka."))
    template = cycle.template
    if template is None:
        raise ValidationError({"template": _("Pilih templat rubrik dulu.")})
    criteria = list(template.criteria.all())
    if not criteria:
        raise ValidationError({"template": _("Templat rubrik belum punya kriteria.")})
    _check_template(template=template)
    if not cycle.participants.exists():
        raise ValidationError(_("Belum ada Kampung KB peserta."))
    CycleCriterion.objects.bulk_create(
        CycleCriterion(cycle=cycle, **{f: getattr(c, f) for f in _CRITERION_FIELDS})
        for c in criteria
    )
    cycle.weight_input = template.weight_input
    cycle.weight_proses = template.weight_proses
    cycle.weight_output = template.weight_output
    cycle.status = CycleStatus.OPEN
    cycle.opened_at = timezone.now()
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_close(*, cycle: Cycle, closed_by=None) -> Cycle:
    """Close the cycle: scores lock and the results become final."""
    cycle = _locked(cycle)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(_("Hanya siklus yang sedang dibuka yang dapat ditutup."))
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    cycle.closed_by = closed_by
    cycle.save()
    data_changed(
        region_codes=cycle.participants.values_list("kampung__region", flat=True),
        since=cycle.evaluated_on,
    )
    return cycle


# --- Scores and evidence ----------------------------------------------------------


def _require_scoring(*, cycle: Cycle, participant: Participant, evaluator) -> None:
    if cycle.status == CycleStatus.CLOSED:
        raise ValidationError(
            _("Siklus sudah ditutup: nilai dan bukti dukung terkunci."), code="locked"
        )
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(
            _("Penilaian belum dibuka untuk siklus ini."), code="not_open"
        )
    if not participant.assignments.filter(evaluator=evaluator).exists():
        raise PermissionDenied(_("Anda tidak ditugaskan menilai Kampung KB ini."))


@transaction.atomic
def score_save(
    *,
    participant: Participant,
    criterion: CycleCriterion,
    evaluator,
    value: int,
    comment: str = "",
) -> Score:
    """Record (or change) an assigned evaluator's score while the cycle is open."""
    cycle = _locked(participant.cycle)
    _require_scoring(cycle=cycle, participant=participant, evaluator=evaluator)
    score = Score.objects.filter(
        participant=participant, criterion=criterion, evaluator=evaluator
    ).first() or Score(
        participant=participant, criterion=criterion, evaluator=evaluator
    )
    score.value = value
    score.comment = comment.strip()
    score.full_clean()
    score.save()
    return score


@transaction.atomic
def scores_save(*, participant: Participant, evaluator, entries) -> list[Score]:
    """Save several scores of one evaluator at once: all or none.

    `entries` holds (criterion, value, comment); a value of None leaves that
    criterion as it was.
    """
    saved = []
    for criterion, value, comment in entries:
        if value is None:
            continue
        saved.append(
            score_save(
                participant=participant,
                criterion=criterion,
                evaluator=evaluator,
                value=value,
                comment=comment or "",
            )
        )
    return saved


@transaction.atomic
def evidence_add(
    *, participant: Participant, uploaded_by, file, criterion=None
) -> Evidence:
    """Attach a PDF, JPEG or PNG (at most 5 MB) to a Kampung KB's scores."""
    cycle = _locked(participant.cycle)
    _require_scoring(cycle=cycle, participant=participant, evaluator=uploaded_by)
    if criterion is not None and criterion.cycle_id != cycle.pk:
        raise ValidationError(
            {"criterion": _("Kriteria ini bukan bagian dari siklus peserta.")}
        )
    content_type, problem = evidence_problem(file)
    if problem:
        raise ValidationError({"file": problem})
    if participant.evidence.count() >= EVIDENCE_MAX_FILES:
        raise ValidationError(
            {
                "file": _("Sudah ada %(n)s bukti dukung untuk Kampung KB ini.")
                % {"n": EVIDENCE_MAX_FILES}
            }
        )
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    evidence = Evidence(
        participant=participant,
        criterion=criterion,
        uploaded_by=uploaded_by,
        original_name=PurePosixPath(file.name).name[:255],
        content_type=content_type,
        size=file.size,
        sha256=digest.hexdigest(),
    )
    # The stored name is random (evidence_path); the extension follows the content.
    suffix = evidence_suffix(content_type)
    evidence.file.save(f"bukti{suffix}", file, save=False)
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user) -> None:
    """Remove an evidence file: its uploader, while the cycle is open."""
    participant = evidence.participant
    cycle = _locked(participant.cycle)
    _require_scoring(cycle=cycle, participant=participant, evaluator=user)
    if evidence.uploaded_by_id != user.pk:
        raise PermissionDenied(_("Hanya pengunggah yang dapat menghapus berkas ini."))
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Decisions on the results -----------------------------------------------------


@transaction.atomic
def suggestion_accept(
    *, participant: Participant, accepted_by, effective_on=None
) -> Classification:
    """Write the classification a closed cycle's score suggests into the history."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    cycle = participant.cycle
    if cycle.status != CycleStatus.CLOSED:
        raise ValidationError(
            _("Saran klasifikasi dapat diterima setelah siklus ditutup.")
        )
    if participant.accepted_classification_id:
        raise ValidationError(_("Saran untuk Kampung KB ini sudah diterima."))
    result = results_by_kampung(cycle=cycle)[participant.kampung_id]
    if result.suggested_level is None:
        raise ValidationError(
            _("Nilai Kampung KB ini belum lengkap: belum ada saran klasifikasi.")
        )
    if result.suggested_level == result.current_level:
        raise ValidationError(
            _("Saran sama dengan klasifikasi saat ini; tidak ada yang perlu diubah.")
        )
    effective_on = effective_on or timezone.localdate()
    if effective_on < cycle.evaluated_on:
        raise ValidationError(
            {
                "effective_on": _(
                    "Tanggal berlaku tidak boleh sebelum tanggal evaluasi (%(date)s)."
                )
                % {"date": cycle.evaluated_on.isoformat()}
            }
        )
    entry = kampung_classify(
        kampung=participant.kampung,
        level=result.suggested_level,
        effective_on=effective_on,
        basis=ClassificationBasis.EVALUATION,
        decided_by=accepted_by.get_full_name() or accepted_by.get_username(),
        decision_ref=cycle.decision_ref(),
        # Stored text, so in the registry's language whatever the page's.
        note=f"Nilai total {result.total} dari 100; peringkat {result.rank}.",
    )
    participant.accepted_classification = entry
    participant.accepted_by = accepted_by
    participant.accepted_at = timezone.now()
    participant.save()
    return entry


@transaction.atomic
def krppa_record(*, participant: Participant, linked: bool, note: str = ""):
    """Record whether the Kampung KB is linked to KRPPA, also on its profile."""
    participant.krppa_linked = linked
    participant.krppa_note = note.strip()
    participant.save()
    kampung = KampungKB.objects.get(pk=participant.kampung_id)
    if kampung.krppa_integrated != linked:
        kampung_update(
            kampung=kampung, expected_version=kampung.version, krppa_integrated=linked
        )
    return participant


@transaction.atomic
def award_record(
    *,
    kampung: KampungKB,
    level: str,
    title: str,
    year: int,
    rank: int | None = None,
    awarded_by: str = "",
    cycle: Cycle | None = None,
    source: str = "",
    illustrative_note: str = "",
) -> Award:
    """Record a prize a Kampung KB won."""
    award = Award(
        kampung=kampung,
        level=level,
        title=title.strip(),
        rank=rank,
        year=year,
        awarded_by=awarded_by.strip(),
        cycle=cycle,
        source=source,
        illustrative_note=illustrative_note,
    )
    award.full_clean()
    with unique_errors(Award):
        award.save()
    data_changed(region_codes=[kampung.region_id])
    return award


@transaction.atomic
def award_update(*, award: Award, **fields) -> Award:
    """Correct a recorded prize."""
    for name, value in fields.items():
        setattr(award, name, value)
    award.full_clean()
    with unique_errors(Award):
        award.save()
    data_changed(region_codes=[award.kampung.region_id])
    return award


@transaction.atomic
def award_delete(*, award: Award) -> None:
    """Remove a prize recorded by mistake."""
    award.delete()
    data_changed(region_codes=[award.kampung.region_id])
