"""Evaluation pages under /evaluasi/: cycles, scoring, results, rubrics, awards.

Rows come from evaluations.selectors (a cycle or Kampung KB the user may not open
answers 404); actions are checked with kampungkb.access.require (403): staff hold
"evaluation.manage" in their kab/kota, evaluators "evaluation.score" for what they
are assigned.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kampungkb.access import can, require, scoped
from kampungkb.models import Role
from kampungkb.once import once_only
from kampungkb.uploads import evidence_response
from villages.forms import add_service_errors
from villages.models import KampungKB

from . import services
from .choices import (
    award_kampungs,
    eligible_kampungs,
    evaluation_regions,
    evaluators,
    managed_cycle,
    participating_kampungs,
)
from .export import results_workbook
from .forms import (
    AcceptForm,
    AwardForm,
    CriterionFormSet,
    CycleForm,
    EvaluatorForm,
    EvidenceForm,
    KrppaForm,
    ParticipantsForm,
    ScoreForm,
    TemplateCopyForm,
    TemplateForm,
)
from .models import Award, CycleStatus, EvaluatorAssignment
from .selectors import (
    cycle_results,
    cycles_for,
    evaluator_progress,
    evaluators_of,
    evidence_for,
    evidence_shown_name,
    is_assigned,
    participant_sheet,
    participants_for,
    participants_progress,
    progress,
    templates_for,
)

# Participants listed per page of the cycle's page.
PAGE_SIZE = 50


def _post(request):
    return request.POST if request.method == "POST" else None


def _cycle(request, pk):
    return get_object_or_404(
        cycles_for(user=request.user).select_related("region", "template"), pk=pk
    )


def _managed_cycle(request, pk):
    return managed_cycle(request.user, pk)


def _participant(request, cycle, pk):
    return get_object_or_404(
        participants_for(user=request.user, cycle=cycle).select_related(
            "kampung__region__kecamatan", "cycle__region"
        ),
        pk=pk,
    )


def _sees_results(user):
    """Evaluators score; results are for staff, officials and (once closed) PLKB."""
    return user.effective_role != Role.EVALUATOR


# --- Cycles -----------------------------------------------------------------------


def cycle_list(request):
    cycles = list(cycles_for(user=request.user).select_related("region"))
    if request.user.effective_role == Role.EVALUATOR:
        assigned = EvaluatorAssignment.objects.filter(evaluator=request.user)
        for cycle in cycles:
            cycle.assigned_count = assigned.filter(participant__cycle=cycle).count()
    return render(
        request,
        "evaluations/cycle_list.html",
        {
            "cycles": cycles,
            "can_manage": can(request.user, "evaluation.manage"),
            "awards_visible": request.user.effective_role != Role.EVALUATOR,
        },
    )


@once_only
def cycle_create(request):
    require(request.user, "evaluation.manage")
    form = CycleForm(
        _post(request),
        regions=evaluation_regions(request.user),
        templates=templates_for(user=request.user),
    )
    if form.is_valid():
        try:
            cycle = services.cycle_create(
                region=form.cleaned_data["region"],
                created_by=request.user,
                **form.cycle_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Siklus dibuat dengan %(n)s Kampung KB peserta.")
                % {"n": cycle.participants.count()},
            )
            return redirect("evaluation-detail", pk=cycle.pk)
    return render(request, "evaluations/cycle_form.html", {"form": form})


def cycle_edit(request, pk):
    cycle = _managed_cycle(request, pk)
    form = CycleForm(
        _post(request),
        instance=cycle,
        regions=None,
        templates=templates_for(user=request.user),
    )
    if form.is_valid():
        try:
            services.cycle_update(cycle=cycle, **form.cycle_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Siklus disimpan."))
            return redirect("evaluation-detail", pk=cycle.pk)
    return render(
        request, "evaluations/cycle_form.html", {"form": form, "cycle": cycle}
    )


def cycle_detail(request, pk):
    cycle = _cycle(request, pk)
    user = request.user
    # A province's cycle has thousands of participants: a page of them at a time,
    # their progress counted in a few grouped queries.
    page = Paginator(
        participants_for(user=user, cycle=cycle)
        .select_related("kampung__region__kecamatan")
        .order_by("kampung__region"),
        PAGE_SIZE,
    ).get_page(request.GET.get("halaman"))
    participants = list(page)
    criteria_count = cycle.criteria.count()
    is_evaluator = user.effective_role == Role.EVALUATOR
    mine = evaluator_progress(cycle=cycle, evaluator=user) if is_evaluator else {}
    progress_of = participants_progress(cycle=cycle, participants=participants)
    for participant in participants:
        participant.progress = progress_of[participant.pk]
        participant.mine = mine.get(participant.pk, 0)
    can_manage = can(user, "evaluation.manage", cycle.region)
    evaluators = evaluators_of(cycle=cycle) if can_manage else []
    return render(
        request,
        "evaluations/cycle_detail.html",
        {
            "cycle": cycle,
            "participants": participants,
            "page": page,
            "criteria": cycle.criteria.all()
            if cycle.status != CycleStatus.DRAFT
            else (cycle.template.criteria.all() if cycle.template else []),
            "criteria_count": criteria_count,
            "can_manage": can_manage,
            "is_evaluator": is_evaluator,
            "sees_results": _sees_results(user),
            "evaluators": evaluators,
        },
    )


@require_POST
def cycle_open(request, pk):
    cycle = _managed_cycle(request, pk)
    try:
        services.cycle_open(cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Penilaian dibuka; rubrik disalin ke siklus ini."))
    return redirect("evaluation-detail", pk=cycle.pk)


@require_POST
def cycle_close(request, pk):
    cycle = _managed_cycle(request, pk)
    try:
        services.cycle_close(cycle=cycle, closed_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Siklus ditutup; nilai terkunci."))
        return redirect("evaluation-results", pk=cycle.pk)
    return redirect("evaluation-detail", pk=cycle.pk)


def cycle_participants(request, pk):
    cycle = _managed_cycle(request, pk)
    form = ParticipantsForm(
        _post(request),
        cycle=cycle,
        kampungs=eligible_kampungs(request.user, cycle.pk),
        initial={
            "kampungs": list(
                KampungKB.objects.filter(evaluations__cycle=cycle).order_by("region")
            )
        },
    )
    if form.is_valid():
        try:
            services.cycle_participants_set(
                cycle=cycle, kampungs=form.cleaned_data["kampungs"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Peserta disimpan."))
            return redirect("evaluation-detail", pk=cycle.pk)
    return render(
        request,
        "evaluations/participants_form.html",
        {"cycle": cycle, "form": form},
    )


def cycle_evaluators(request, pk):
    cycle = _managed_cycle(request, pk)
    form = EvaluatorForm(
        _post(request),
        cycle=cycle,
        accounts=evaluators(request.user),
        kampungs=participating_kampungs(request.user, cycle.pk),
    )
    if form.is_valid():
        try:
            services.evaluator_assign(cycle=cycle, **form.assignment())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Penugasan %(name)s disimpan.")
                % {"name": form.cleaned_data["evaluator"].get_username()},
            )
            return redirect("evaluation-evaluators", pk=cycle.pk)
    assignments = (
        EvaluatorAssignment.objects.filter(participant__cycle=cycle)
        .select_related("evaluator", "participant__kampung")
        .order_by("evaluator__username", "participant__kampung__region")
    )
    by_evaluator = {}
    for a in assignments:
        by_evaluator.setdefault(a.evaluator, []).append(a.participant.kampung)
    return render(
        request,
        "evaluations/evaluators.html",
        {"cycle": cycle, "form": form, "by_evaluator": by_evaluator.items()},
    )


# --- One Kampung KB ---------------------------------------------------------------


def participant_detail(request, pk, participant_pk):
    cycle = _cycle(request, pk)
    participant = _participant(request, cycle, participant_pk)
    user = request.user
    role = user.effective_role
    groups, general = participant_sheet(participant=participant)
    # Who may not know the uploader sees a neutral file name.
    for evidence in [
        *general,
        *(e for _g, rows in groups for r in rows for e in r.evidence),
    ]:
        evidence.shown_name = evidence_shown_name(user=user, evidence=evidence)
    if role == Role.EVALUATOR:
        # An evaluator sees their own scores only, not their colleagues'.
        for _group, rows in groups:
            for row in rows:
                row.scores = [s for s in row.scores if s.evaluator_id == user.pk]
    result = None
    if _sees_results(user):
        result = next(
            r for r in cycle_results(cycle=cycle) if r.participant.pk == participant.pk
        )
    can_manage = can(user, "evaluation.manage", cycle.region)
    return render(
        request,
        "evaluations/participant_detail.html",
        {
            "cycle": cycle,
            "participant": participant,
            "kampung": participant.kampung,
            "groups": groups,
            "general_evidence": general,
            "progress": progress(participant=participant),
            "result": result,
            "show_names": role != Role.PLKB,
            "can_manage": can_manage,
            "can_score": role == Role.EVALUATOR
            and cycle.status == CycleStatus.OPEN
            and is_assigned(user=user, participant=participant),
            "accept_form": AcceptForm() if can_manage else None,
            "krppa_form": KrppaForm(
                initial={
                    "linked": {True: "1", False: "0"}.get(participant.krppa_linked),
                    "note": participant.krppa_note,
                }
            )
            if can_manage
            else None,
        },
    )


def _scoring_participant(request, pk, participant_pk):
    require(request.user, "evaluation.score")
    cycle = _cycle(request, pk)
    participant = _participant(request, cycle, participant_pk)
    if not is_assigned(user=request.user, participant=participant):
        raise PermissionDenied
    return cycle, participant


def participant_score(request, pk, participant_pk):
    cycle, participant = _scoring_participant(request, pk, participant_pk)
    own = {s.criterion_id: s for s in participant.scores.filter(evaluator=request.user)}
    criteria = cycle.criteria.all()
    form = ScoreForm(_post(request), criteria=criteria, scores=own)
    if form.is_valid():
        try:
            saved = services.scores_save(
                participant=participant, evaluator=request.user, entries=form.entries()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)s nilai disimpan.") % {"n": len(saved)})
            return redirect(
                "evaluation-participant", pk=cycle.pk, participant_pk=participant.pk
            )
    return render(
        request,
        "evaluations/score_form.html",
        {
            "cycle": cycle,
            "participant": participant,
            "kampung": participant.kampung,
            "form": form,
            "evidence_form": EvidenceForm(criteria=criteria),
            "evidence": participant.evidence.filter(uploaded_by=request.user),
            "locked": cycle.status != CycleStatus.OPEN,
        },
    )


@require_POST
def evidence_upload(request, pk, participant_pk):
    cycle, participant = _scoring_participant(request, pk, participant_pk)
    form = EvidenceForm(request.POST, request.FILES, criteria=cycle.criteria.all())
    if form.is_valid():
        try:
            services.evidence_add(
                participant=participant,
                uploaded_by=request.user,
                file=form.cleaned_data["file"],
                criterion=form.cleaned_data["criterion"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Bukti dukung diunggah."))
            return redirect(
                "evaluation-score", pk=cycle.pk, participant_pk=participant.pk
            )
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("evaluation-score", pk=cycle.pk, participant_pk=participant.pk)


def evidence_download(request, pk):
    """Serve an evidence file to those who may open its Kampung KB's evaluation."""
    evidence = get_object_or_404(evidence_for(user=request.user), pk=pk)
    return evidence_response(
        evidence.file,
        content_type=evidence.content_type,
        filename=evidence_shown_name(user=request.user, evidence=evidence),
    )


@require_POST
def evidence_remove(request, pk):
    require(request.user, "evaluation.score")
    evidence = get_object_or_404(
        evidence_for(user=request.user).select_related("participant"), pk=pk
    )
    participant = evidence.participant
    try:
        services.evidence_delete(evidence=evidence, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Bukti dukung dihapus."))
    return redirect(
        "evaluation-score", pk=participant.cycle_id, participant_pk=participant.pk
    )


@require_POST
def suggestion_accept(request, pk, participant_pk):
    cycle = _managed_cycle(request, pk)
    participant = _participant(request, cycle, participant_pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            entry = services.suggestion_accept(
                participant=participant,
                accepted_by=request.user,
                effective_on=form.cleaned_data["effective_on"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s kini %(level)s; riwayat klasifikasi diperbarui.")
                % {
                    "name": participant.kampung.name,
                    "level": entry.get_level_display(),
                },
            )
    else:
        messages.error(request, _("Tanggal berlaku tidak sah."))
    if request.POST.get("next_page") == "hasil":
        return redirect("evaluation-results", pk=cycle.pk)
    return redirect(
        "evaluation-participant", pk=cycle.pk, participant_pk=participant.pk
    )


@require_POST
def krppa_record(request, pk, participant_pk):
    cycle = _managed_cycle(request, pk)
    participant = _participant(request, cycle, participant_pk)
    form = KrppaForm(request.POST)
    if form.is_valid():
        try:
            services.krppa_record(participant=participant, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Keterkaitan KRPPA dicatat."))
    else:
        messages.error(request, _("Pilih ya atau belum."))
    return redirect(
        "evaluation-participant", pk=cycle.pk, participant_pk=participant.pk
    )


# --- Results ----------------------------------------------------------------------


def _visible_results(request, cycle):
    if not _sees_results(request.user):
        raise PermissionDenied
    visible = set(
        participants_for(user=request.user, cycle=cycle).values_list("pk", flat=True)
    )
    return [r for r in cycle_results(cycle=cycle) if r.participant.pk in visible]


def cycle_results_page(request, pk, printable=False):
    cycle = _cycle(request, pk)
    results = _visible_results(request, cycle)
    return render(
        request,
        "evaluations/results_print.html" if printable else "evaluations/results.html",
        {
            "cycle": cycle,
            "results": results,
            "eligible": [r for r in results if r.eligible],
            "can_manage": can(request.user, "evaluation.manage", cycle.region),
            "criteria": cycle.criteria.all(),
        },
    )


def cycle_results_print(request, pk):
    return cycle_results_page(request, pk, printable=True)


def cycle_export(request, pk):
    cycle = _cycle(request, pk)
    results = _visible_results(request, cycle)
    with translation.override("id"):
        content = results_workbook(cycle=cycle, results=results)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = slugify(f"hasil {cycle.name} {cycle.region.name}") or "hasil-evaluasi"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- Rubric templates -------------------------------------------------------------


def template_list(request):
    require(request.user, "evaluation.manage")
    templates = templates_for(user=request.user).select_related("region")
    for template in templates:
        template.editable = _template_editable(request.user, template)
    return render(request, "evaluations/template_list.html", {"templates": templates})


def _template_editable(user, template):
    if template.region_id is None:
        return user.effective_role == Role.ADMIN
    return can(user, "evaluation.manage", template.region)


@once_only
def template_copy(request):
    require(request.user, "evaluation.manage")
    services.template_builtin()
    form = TemplateCopyForm(
        _post(request),
        templates=templates_for(user=request.user),
        regions=evaluation_regions(request.user),
        initial={"source": request.GET.get("dari")},
    )
    if form.is_valid():
        try:
            template = services.template_copy(
                template=form.cleaned_data["source"],
                region=form.cleaned_data["region"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Templat disalin; sesuaikan bobotnya."))
            return redirect("evaluation-template", pk=template.pk)
    return render(request, "evaluations/template_copy.html", {"form": form})


def template_edit(request, pk):
    require(request.user, "evaluation.manage")
    template = get_object_or_404(templates_for(user=request.user), pk=pk)
    if not _template_editable(request.user, template):
        raise PermissionDenied
    form = TemplateForm(_post(request), instance=template)
    formset = CriterionFormSet(_post(request), instance=template, prefix="kriteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                services.template_save(template=form.instance, formset=formset)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Templat rubrik disimpan."))
            return redirect("evaluation-template", pk=template.pk)
    return render(
        request,
        "evaluations/template_form.html",
        {"template": template, "form": form, "formset": formset},
    )


# --- Awards -----------------------------------------------------------------------


@once_only
def award_list(request):
    if request.user.effective_role == Role.EVALUATOR:
        raise PermissionDenied
    awards = scoped(Award.objects.all(), request.user).select_related(
        "kampung__region", "cycle"
    )
    form = None
    if can(request.user, "evaluation.manage"):
        form = AwardForm(
            _post(request),
            kampungs=award_kampungs(request.user),
            cycles=scoped(cycles_for(user=request.user), request.user, write=True),
        )
    elif request.method == "POST":
        raise PermissionDenied
    if form is not None and form.is_valid():
        try:
            award = services.award_record(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Penghargaan %(name)s dicatat.") % {"name": award.kampung.name},
            )
            return redirect("evaluation-awards")
    writable = set(
        scoped(Award.objects.all(), request.user, write=True).values_list(
            "pk", flat=True
        )
        if form is not None
        else ()
    )
    return render(
        request,
        "evaluations/award_list.html",
        {"awards": awards, "form": form, "writable": writable},
    )


@require_POST
def award_delete(request, pk):
    require(request.user, "evaluation.manage")
    award = get_object_or_404(scoped(Award.objects.all(), request.user), pk=pk)
    require(request.user, "evaluation.manage", award.kampung.region)
    services.award_delete(award=award)
    messages.success(request, _("Penghargaan dihapus."))
    return redirect("evaluation-awards")
