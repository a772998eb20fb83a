"""Pages of the Dashat kitchens and the stunting case audits.

Rows come through `scoped()`; writes need `dashat.change` or `audit.change` in the
row's region. Names (of children and of adult beneficiaries) appear only where the
user may see personal data (`child.personal`); elsewhere a row is "Anak #id" or its
category.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kampungkb.access import can, require, scoped
from kampungkb.once import once_only
from villages.filters import MAX_ID
from villages.forms import add_service_errors

from . import services
from .choices import dashat_kampungs
from .dashat_forms import AuditForm, BeneficiaryForm, DashatForm, SessionForm
from .models import (
    AuditCause,
    AuditIntervention,
    AuditStatus,
    CaseAudit,
    Child,
    Dashat,
    Measurement,
)

PAGE_SIZE = 50
STUNTED_HAZ = -2


def _post(request):
    return request.POST if request.method == "POST" else None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("halaman"))


def child_label(user, child):
    """The child's name where the user may see it, else "Anak #id"."""
    if can(user, "child.personal", child.region):
        return child.name
    return _("Anak #%(id)s") % {"id": child.pk}


def beneficiary_label(user, beneficiary, region):
    """A beneficiary as the user may see them: a name, or only the category."""
    if beneficiary.child_id:
        return child_label(user, beneficiary.child)
    if can(user, "child.personal", region):
        return beneficiary.name
    return f"{beneficiary.get_category_display()} #{beneficiary.pk}"


def with_latest_haz(children):
    """Children annotated with the HAZ of their latest valid measurement."""
    latest = (
        Measurement.objects.valid_haz()
        .balita()
        .filter(child=OuterRef("pk"))
        .order_by("-measured_on")
        .values("haz")[:1]
    )
    return children.annotate(latest_haz=Subquery(latest))


# Dashat


def dashat_list(request):
    dashats = (
        scoped(Dashat.objects, request.user)
        .select_related("kampung__region")
        .annotate(
            beneficiary_count=Count("beneficiaries", distinct=True),
            session_count=Count("sessions", distinct=True),
            last_session=Max("sessions__date"),
        )
        .order_by("kampung__region", "name")
    )
    kampung = _kampung_asked(request)
    if kampung is not None:
        dashats = dashats.filter(kampung_id=kampung)
    return render(
        request,
        "stunting/dashat_list.html",
        {
            "page": _page(request, dashats),
            "can_add": can(request.user, "dashat.change"),
        },
    )


def _kampung_asked(request):
    """The id in ?kampung=, if it can be one: a longer number overflows the query."""
    raw = request.GET.get("kampung", "")
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID:
        return int(raw)
    return None


def _dashat_for(request, pk, action=None):
    """The Dashat if the user may read it (else 404) and do `action` (else 403)."""
    dashat = get_object_or_404(
        scoped(Dashat.objects.select_related("kampung__region"), request.user), pk=pk
    )
    if action:
        require(request.user, action, dashat.kampung.region)
    return dashat


@once_only
def dashat_edit(request, pk=None):
    require(request.user, "dashat.change")
    dashat = _dashat_for(request, pk, "dashat.change") if pk is not None else None
    kampungs = dashat_kampungs(request.user)
    initial = {}
    if dashat is None and _kampung_asked(request) is not None:
        initial["kampung"] = kampungs.filter(pk=_kampung_asked(request)).first()
    form = DashatForm(
        _post(request), instance=dashat, kampungs=kampungs, initial=initial
    )
    if form.is_valid():
        try:
            dashat = services.dashat_save(dashat=dashat, **form.dashat_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Dashat disimpan."))
            return redirect("dashat-detail", pk=dashat.pk)
    return render(
        request, "stunting/dashat_form.html", {"form": form, "dashat": dashat}
    )


def _enrol_form(request, dashat, data=None):
    region = dashat.kampung.region
    # Only the register of the Kampung KB's own desa/kelurahan.
    children = scoped(Child.objects, request.user).filter(region=region)
    return BeneficiaryForm(
        data,
        children=children.select_related("region").order_by("name", "pk"),
        child_label=lambda child: child_label(request.user, child),
    )


def _session_form(request, dashat, data=None):
    region = dashat.kampung.region
    return SessionForm(
        data,
        beneficiaries=dashat.beneficiaries.select_related("child__region"),
        beneficiary_label=lambda b: beneficiary_label(request.user, b, region),
    )


def _detail(request, dashat, *, enrol_form=None, session_form=None):
    user, region = request.user, dashat.kampung.region
    editable = can(user, "dashat.change", region)
    beneficiaries = list(dashat.beneficiaries.select_related("child__region"))
    for b in beneficiaries:
        b.label = beneficiary_label(user, b, region)
    sessions = list(
        dashat.sessions.annotate(present=Count("beneficiaries_present"))[:PAGE_SIZE]
    )
    context = {
        "dashat": dashat,
        "beneficiaries": beneficiaries,
        "sessions": sessions,
        "editable": editable,
    }
    if editable:
        context["enrol_form"] = enrol_form or _enrol_form(request, dashat)
        context["session_form"] = session_form or _session_form(request, dashat)
    return render(request, "stunting/dashat_detail.html", context)


def dashat_detail(request, pk):
    return _detail(request, _dashat_for(request, pk))


@once_only
def dashat_enrol(request, pk):
    dashat = _dashat_for(request, pk, "dashat.change")
    if request.method != "POST":
        return redirect("dashat-detail", pk=dashat.pk)
    form = _enrol_form(request, dashat, request.POST)
    if form.is_valid():
        try:
            services.beneficiary_enrol(dashat=dashat, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Penerima manfaat dicatat."))
            return redirect("dashat-detail", pk=dashat.pk)
    return _detail(request, dashat, enrol_form=form)


@once_only
def dashat_session(request, pk):
    dashat = _dashat_for(request, pk, "dashat.change")
    if request.method != "POST":
        return redirect("dashat-detail", pk=dashat.pk)
    form = _session_form(request, dashat, request.POST)
    if form.is_valid():
        try:
            services.session_record(dashat=dashat, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Sesi Dashat dicatat."))
            return redirect("dashat-detail", pk=dashat.pk)
    return _detail(request, dashat, session_form=form)


# Case audits


def _labels(codes, choices):
    names = dict(choices.choices)
    return [names.get(code, code) for code in codes]


def audit_list(request):
    user = request.user
    audits = scoped(CaseAudit.objects, user).select_related("child__region")
    status = request.GET.get("status", "")
    if status in AuditStatus.values:
        audits = audits.filter(status=status)
    page = _page(request, audits)
    for audit in page:
        audit.child_label = child_label(user, audit.child)
        audit.cause_labels = _labels(audit.causes, AuditCause)
        audit.intervention_labels = _labels(audit.interventions, AuditIntervention)
        audit.editable = can(user, "audit.change", audit.child.region)
    candidates = []
    if can(user, "audit.change"):
        # Stunted children in the user's desa with no audit yet: the work to do.
        candidates = list(
            with_latest_haz(scoped(Child.objects, user, write=True))
            .filter(latest_haz__lt=STUNTED_HAZ, audits__isnull=True)
            .select_related("region")
            .order_by("region", "pk")[:PAGE_SIZE]
        )
        for child in candidates:
            child.label = child_label(user, child)
    return render(
        request,
        "stunting/audit_list.html",
        {
            "page": page,
            "candidates": candidates,
            "statuses": AuditStatus.choices,
            "status": status,
        },
    )


def _audit_page(request, *, child, audit=None):
    form = AuditForm(_post(request), audit=audit)
    if form.is_valid():
        try:
            services.audit_save(audit=audit, child=child, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Audit kasus disimpan."))
            return redirect("audit-list")
    latest_haz = with_latest_haz(Child.objects.filter(pk=child.pk)).get().latest_haz
    return render(
        request,
        "stunting/audit_form.html",
        {
            "form": form,
            "audit": audit,
            "child": child,
            "child_label": child_label(request.user, child),
            "latest_haz": latest_haz,
            "not_stunted": latest_haz is None or latest_haz >= STUNTED_HAZ,
        },
    )


@once_only
def audit_create(request, child_pk):
    child = get_object_or_404(
        scoped(Child.objects.select_related("region"), request.user), pk=child_pk
    )
    require(request.user, "audit.change", child.region)
    return _audit_page(request, child=child)


def audit_edit(request, pk):
    audit = get_object_or_404(
        scoped(CaseAudit.objects.select_related("child__region"), request.user), pk=pk
    )
    require(request.user, "audit.change", audit.child.region)
    return _audit_page(request, child=audit.child, audit=audit)
