from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kampungkb.access import (
    aggregate_scope,
    can,
    code_within,
    figures_readable,
    readable_kampungs,
    region_within,
    require,
    scoped,
    user_scope,
)
from kampungkb.models import Role
from kampungkb.once import once_only
from kampungkb.profile import kampung_facts
from kampungkb.uploads import evidence_response

from . import boundaries, register, services
from .choices import (
    assignment_desa,
    kampung_create_desa,
    launch_kampungs,
    launch_organizers,
    target_regions,
)
from .forms import (
    ActivityForm,
    AssignForm,
    BoundaryUploadForm,
    DecisionForm,
    KampungCreateForm,
    KampungForm,
    LaunchForm,
    PokjaFormSet,
    ProgramChecklist,
    ProposalForm,
    ReadinessForm,
    RegisterUploadForm,
    TargetForm,
    VersionForm,
    add_service_errors,
)
from .models import (
    BoundaryUpload,
    ClassificationProposal,
    FieldOfficer,
    FormationTarget,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    Program,
    ProposalStatus,
    Region,
    RegionLevel,
)
from .selectors import (
    desa_with_kampung,
    formation_by_year,
    kampung_history,
    kampung_list,
    kampung_list_for,
    kampung_profile,
    kampung_readiness_items,
    level_requirements,
    proposals_pending,
    region_child_summaries,
)

PAGE_SIZE = 50

# What the profile page may offer, by the action that allows it.
KAMPUNG_ACTIONS = {
    "edit": "kampung.change",
    "pokja": "pokja.change",
    "program": "program.change",
    "propose": "proposal.add",
    "decide": "proposal.decide",
    "activity": "kampung.change",
}
# The latest activities shown on a Kampung KB's page.
ACTIVITIES_SHOWN = 20


def home(request):
    """The registry's starting page: the country, the user's region(s) or villages.

    "/" is the user's dashboard (dashboards.views.home), which links here.
    """
    scope = user_scope(request.user)
    if scope.read is None:
        summaries, total = region_child_summaries(region=None)
        active_kabkota = Region.objects.filter(
            code__in=KampungKB.objects.values("region__kabkota")
        ).order_by("code")
        return render(
            request,
            "villages/region_detail.html",
            {
                "region": None,
                "summaries": summaries,
                "total": total,
                "shortcuts": active_kabkota,
                "can_add": can(request.user, "kampung.add"),
            },
        )
    if len(scope.read) == 1 and not scope.write:
        return redirect("region-detail", code=scope.read[0].code)
    return render(
        request,
        "villages/home.html",
        {
            "regions": scope.read,
            "can_add": can(request.user, "kampung.add"),
            "my_kampungs": kampung_list_for(
                scoped(KampungKB.objects, request.user, write=True)
            )
            if scope.write
            else [],
            # An evaluator opens the profiles of the Kampung KB they score.
            "assigned": kampung_list_for(
                readable_kampungs(KampungKB.objects, request.user)
            )
            if request.user.effective_role == Role.EVALUATOR
            else [],
        },
    )


def region_detail(request, code):
    region = get_object_or_404(scoped(Region.objects, request.user), code=code)
    context = {
        "region": region,
        "breadcrumbs": readable_ancestors(request.user, region),
        "can_add": can(request.user, "kampung.add", region),
    }
    if region.level == RegionLevel.DESA:
        context["kampung"] = (
            readable_kampungs(KampungKB.objects, request.user)
            .filter(region=region)
            .first()
        )
    else:
        context["summaries"], context["total"] = region_child_summaries(region=region)
        if region.level <= RegionLevel.KABKOTA:
            context["formation"] = formation_by_year(region=region)
        if region.level == RegionLevel.KABKOTA:
            context["kampungs"] = kampung_list(region=region)
        if region.level == RegionLevel.KECAMATAN:
            context["desa_list"] = desa_with_kampung(kecamatan=region)
    return render(request, "villages/region_detail.html", context)


def kampung_detail(request, pk):
    try:
        kampung = kampung_profile(
            queryset=readable_kampungs(KampungKB.objects, request.user), pk=pk
        )
    except KampungKB.DoesNotExist:
        raise Http404(_("Kampung KB tidak ditemukan.")) from None
    programs_present = {p.program: p for p in kampung.programs.all()}
    allowed = {
        name: can(request.user, action, kampung.region)
        for name, action in KAMPUNG_ACTIONS.items()
    }
    return render(
        request,
        "villages/kampung_detail.html",
        {
            "kampung": kampung,
            "breadcrumbs": readable_ancestors(
                request.user, kampung.region, include_self=True
            ),
            "classifications": list(kampung.classifications.all()),
            "programs": [
                (choice, programs_present.get(choice.value)) for choice in Program
            ],
            "officers": [a.officer for a in kampung.region.officer_assignments.all()],
            "allowed": allowed,
            "pending": kampung.proposals.filter(status=ProposalStatus.PENDING).first(),
            "history": kampung_history(kampung=kampung),
            "readiness": kampung_readiness_items(kampung=kampung),
            "facts": kampung_facts(kampung=kampung, user=request.user),
            "dashboard_readable": code_within(
                kampung.region_id, aggregate_scope(request.user)
            ),
            "launch_readable": figures_readable(request.user, kampung.region_id),
            "activities": list(
                kampung.activities.select_related("recorded_by")[:ACTIVITIES_SHOWN]
            ),
        },
    )


def readable_ancestors(user, region, *, include_self=False):
    """The breadcrumb trail above `region`, limited to regions the user may open."""
    trail = [*region.ancestors(), *([region] if include_self else [])]
    readable = user_scope(user).read
    return [r for r in trail if region_within(r, readable)]


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("halaman"))


def _kampung_for(request, pk, action):
    """The Kampung KB if the user may read it (else 404) and do `action` (else 403)."""
    kampung = get_object_or_404(
        scoped(KampungKB.objects.select_related("region"), request.user), pk=pk
    )
    require(request.user, action, kampung.region)
    return kampung


def _post(request):
    return request.POST if request.method == "POST" else None


@once_only
def kampung_create(request):
    require(request.user, "kampung.add")
    form = KampungCreateForm(
        _post(request),
        regions=kampung_create_desa(request.user),
    )
    if form.is_valid():
        data = dict(form.cleaned_data)
        require(request.user, "kampung.add", data["region"])
        try:
            kampung = services.kampung_register(
                level_on=data.pop("effective_on"), **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kampung KB ditambahkan."))
            return redirect("kampung-detail", pk=kampung.pk)
    return render(request, "villages/kampung_create.html", {"form": form})


def register_template(request):
    require(request.user, "kampung.add")
    response = HttpResponse(
        register.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="templat-kampung-kb.xlsx"'
    return response


def register_upload(request):
    require(request.user, "kampung.add")
    form = RegisterUploadForm(_post(request), request.FILES or None)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        report = register.register_import(
            user=request.user,
            data=upload.read(),
            file_name=upload.name,
            save_valid_only=form.cleaned_data["save_valid_only"],
        )
    return render(
        request, "villages/register_upload.html", {"form": form, "report": report}
    )


@once_only
def boundary_upload(request):
    require(request.user, "boundary.change")
    form = BoundaryUploadForm(_post(request), request.FILES or None)
    if form.is_valid():
        try:
            upload = boundaries.boundary_import(
                file=form.cleaned_data["file"], user=request.user
            )
        except boundaries.BoundaryFileError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("boundary-upload-detail", pk=upload.pk)
    return render(
        request,
        "villages/boundary_upload.html",
        {
            "form": form,
            "uploads": BoundaryUpload.objects.filter(uploaded_by=request.user)[:10],
        },
    )


def boundary_upload_detail(request, pk):
    """An upload's report: for whoever uploaded it (the report names features of
    their own file) and administrators."""
    require(request.user, "boundary.change")
    uploads = BoundaryUpload.objects.all()
    if request.user.effective_role != Role.ADMIN:
        uploads = uploads.filter(uploaded_by=request.user)
    upload = get_object_or_404(uploads, pk=pk)
    regions = Region.objects.filter(boundary__upload=upload).order_by("code")
    return render(
        request,
        "villages/boundary_upload_detail.html",
        {"upload": upload, "regions": regions[:500], "region_count": regions.count()},
    )


def kampung_edit(request, pk):
    kampung = _kampung_for(request, pk, "kampung.change")
    official = can(request.user, "kampung.official", kampung.region)
    form = KampungForm(_post(request), instance=kampung, official=official)
    return _kampung_form_page(
        request,
        kampung,
        form,
        heading=_("Ubah profil"),
        legend=_("Identitas"),
        saved=_("Profil Kampung KB disimpan."),
    )


def kampung_readiness(request, pk):
    kampung = _kampung_for(request, pk, "kampung.change")
    form = ReadinessForm(_post(request), instance=kampung)
    return _kampung_form_page(
        request,
        kampung,
        form,
        heading=_("Ubah kesiapan"),
        legend=_("Kesiapan"),
        saved=_("Kesiapan Kampung KB disimpan."),
    )


def _kampung_form_page(request, kampung, form, *, heading, legend, saved):
    if form.is_valid():
        try:
            services.kampung_update(
                kampung=kampung,
                expected_version=form.cleaned_data["version"],
                changed_by=request.user,
                **form.profile_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, saved)
            return redirect("kampung-detail", pk=kampung.pk)
    return render(
        request,
        "villages/kampung_form.html",
        {"kampung": kampung, "form": form, "heading": heading, "legend": legend},
    )


def _children_page(request, kampung, formset, template):
    """Save a Pokja or program formset as one edit of the Kampung KB."""
    version = VersionForm(
        _post(request), initial={"version": kampung.version}, prefix="kampung"
    )
    if request.method == "POST" and version.is_valid() and formset.is_valid():
        try:
            services.kampung_children_save(
                kampung=kampung,
                expected_version=version.cleaned_data["version"],
                formset=formset,
            )
        except ValidationError as exc:
            add_service_errors(version, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("kampung-detail", pk=kampung.pk)
    return render(
        request,
        template,
        {"kampung": kampung, "formset": formset, "version_form": version},
    )


def pokja_edit(request, pk):
    kampung = _kampung_for(request, pk, "pokja.change")
    formset = PokjaFormSet(_post(request), instance=kampung, prefix="pokja")
    return _children_page(request, kampung, formset, "villages/pokja_form.html")


def program_edit(request, pk):
    kampung = _kampung_for(request, pk, "program.change")
    checklist = ProgramChecklist(_post(request), kampung=kampung)
    return _children_page(request, kampung, checklist, "villages/program_form.html")


@once_only
def proposal_create(request, pk):
    kampung = _kampung_for(request, pk, "proposal.add")
    form = ProposalForm(_post(request), request.FILES or None)
    if form.is_valid():
        try:
            services.proposal_create(
                kampung=kampung, proposed_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Usulan dikirim; staf dinas akan memutuskannya.")
            )
            return redirect("kampung-detail", pk=kampung.pk)
    return render(
        request,
        "villages/proposal_form.html",
        {
            "kampung": kampung,
            "form": form,
            "current": kampung.current_classification(),
            "pending": kampung.proposals.filter(status=ProposalStatus.PENDING).first(),
        },
    )


@once_only
def activity_create(request, pk):
    kampung = _kampung_for(request, pk, "kampung.change")
    form = ActivityForm(_post(request), initial={"held_on": timezone.localdate()})
    if form.is_valid():
        try:
            services.activity_record(
                kampung=kampung, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kegiatan dicatat."))
            return redirect(f"{reverse('kampung-detail', args=[kampung.pk])}#kegiatan")
    return render(
        request, "villages/activity_form.html", {"kampung": kampung, "form": form}
    )


def proposal_evidence(request, pk):
    """Serve a proposal's evidence file to those who may read its Kampung KB."""
    proposal = get_object_or_404(
        scoped(ClassificationProposal.objects, request.user).exclude(evidence=""),
        pk=pk,
    )
    return evidence_response(
        proposal.evidence,
        content_type=proposal.evidence_type,
        filename=proposal.evidence_name,
    )


def proposal_list(request):
    require(request.user, "proposal.decide")
    proposals = scoped(ClassificationProposal.objects, request.user, write=True)
    return render(
        request,
        "villages/proposal_list.html",
        {
            "pending": proposals_pending(queryset=proposals),
            "decided": proposals.exclude(status=ProposalStatus.PENDING)
            .select_related("kampung", "decided_by")
            .order_by("-decided_at")[:20],
        },
    )


def proposal_decide(request, pk):
    proposal = get_object_or_404(
        scoped(
            ClassificationProposal.objects.select_related(
                "kampung__region", "proposed_by", "decided_by"
            ),
            request.user,
        ),
        pk=pk,
    )
    require(request.user, "proposal.decide", proposal.kampung.region)
    form = DecisionForm(_post(request))
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.proposal_decide(
                proposal=proposal,
                approve=approve,
                decided_by=request.user,
                note=form.cleaned_data["decision_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Usulan disetujui; riwayat klasifikasi diperbarui.")
                if approve
                else _("Usulan ditolak."),
            )
            return redirect("proposal-list")
    kampung = kampung_profile(queryset=KampungKB.objects, pk=proposal.kampung_id)
    facts = kampung_facts(kampung=kampung, user=request.user)
    return render(
        request,
        "villages/proposal_decide.html",
        {
            "proposal": proposal,
            "form": form,
            "kampung": kampung,
            "current": next(iter(kampung.classifications.all()), None),
            "facts": facts,
            "readiness": kampung_readiness_items(kampung=kampung),
            "programs": [p.get_program_display() for p in kampung.programs.all()],
            "requirements": level_requirements(
                kampung=kampung,
                level=proposal.level,
                dashats=len(facts.get("dashats", ())),
            ),
        },
    )


def launch_list(request):
    launches = (
        scoped(LaunchEvent.objects, request.user)
        .select_related("organizer")
        .prefetch_related(
            # Only the launched Kampung KB the user may open are listed.
            Prefetch(
                "kampungs",
                queryset=scoped(KampungKB.objects, request.user).order_by("region"),
            )
        )
    )
    page = _page(request, launches)
    for launch in page:
        launch.editable = can(request.user, "launch.change", launch.organizer)
        launch.figures_readable = any(
            figures_readable(request.user, k.region_id) for k in launch.kampungs.all()
        )
    return render(
        request,
        "villages/launch_list.html",
        {"page": page, "can_add": can(request.user, "launch.change")},
    )


@once_only
def launch_edit(request, pk=None):
    require(request.user, "launch.change")
    event = None
    if pk is not None:
        event = get_object_or_404(scoped(LaunchEvent.objects, request.user), pk=pk)
        require(request.user, "launch.change", event.organizer)
    form = LaunchForm(
        _post(request),
        instance=event,
        organizers=launch_organizers(request.user),
        kampungs=launch_kampungs(request.user),
    )
    if form.is_valid():
        try:
            if event is None:
                services.launch_record(**form.launch_fields())
            else:
                services.launch_update(event=event, **form.launch_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Acara pencanangan disimpan."))
            return redirect("launch-list")
    return render(request, "villages/launch_form.html", {"form": form, "event": event})


def _target_initial(request, targets):
    """The form's values when a row's "ubah" link was followed."""
    pk = request.GET.get("ubah", "")
    if not pk.isdigit():
        return {}
    target = get_object_or_404(targets, pk=pk)
    return {
        "region": target.region,
        "year": target.year,
        "new_count": target.new_count,
        "source": target.source,
    }


@once_only
def target_list(request):
    targets = (
        scoped(FormationTarget.objects, request.user)
        .select_related("region")
        .order_by("region", "-year")
    )
    form, regions = None, None
    if can(request.user, "target.change"):
        regions = target_regions(request.user)
        form = TargetForm(
            _post(request), regions=regions, initial=_target_initial(request, targets)
        )
    elif request.method == "POST":
        raise PermissionDenied
    if form is not None and form.is_valid():
        try:
            target = services.target_set(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Target %(year)s untuk %(region)s disimpan.")
                % {"year": target.year, "region": target.region.name},
            )
            return redirect("target-list")
    return render(
        request,
        "villages/target_list.html",
        {
            "targets": targets,
            "form": form,
            # Only the targets' own regions: never every kab/kota of the country.
            "writable": set(
                regions.filter(pk__in=targets.values("region")).values_list(
                    "pk", flat=True
                )
            )
            if regions is not None
            else set(),
        },
    )


def officer_list(request):
    require(request.user, "assignment.change")
    officers = (
        scoped(FieldOfficer.objects, request.user)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=OfficerAssignment.objects.select_related("region__kecamatan"),
            )
        )
        .order_by("name")
    )
    return render(
        request, "villages/officer_list.html", {"page": _page(request, officers)}
    )


def officer_detail(request, pk):
    require(request.user, "assignment.change")
    officer = get_object_or_404(
        scoped(FieldOfficer.objects.select_related("user"), request.user), pk=pk
    )
    form = AssignForm(_post(request), regions=assignment_desa(request.user))
    if form.is_valid():
        try:
            services.officer_assign(officer=officer, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(officer)s ditugaskan di %(region)s.")
                % {
                    "officer": officer.name,
                    "region": form.cleaned_data["region"].label,
                },
            )
            return redirect("officer-detail", pk=officer.pk)
    assignments = officer.assignments.select_related("region__kecamatan")
    for assignment in assignments:
        assignment.removable = can(request.user, "assignment.change", assignment.region)
    return render(
        request,
        "villages/officer_detail.html",
        {"officer": officer, "assignments": assignments, "form": form},
    )


@require_POST
def officer_unassign(request, pk):
    assignment = get_object_or_404(
        scoped(
            OfficerAssignment.objects.select_related("region", "officer"), request.user
        ),
        pk=pk,
    )
    require(request.user, "assignment.change", assignment.region)
    officer = assignment.officer
    try:
        services.officer_unassign(assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Penugasan %(officer)s di %(region)s diakhiri.")
            % {"officer": officer.name, "region": assignment.region.label},
        )
    return redirect("officer-detail", pk=officer.pk)
