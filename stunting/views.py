"""Stunting pages: prevalence, children, measurements and reported figures."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboards.selectors import data_as_of
from kampungkb.access import can, require, scoped, user_scope
from kampungkb.keyset import keyset_page, pager_links
from kampungkb.once import once_only
from villages.forms import add_service_errors
from villages.models import Region, RegionLevel
from villages.views import readable_ancestors

from . import charts, services
from .choices import child_desa, prevalence_regions
from .filters import ChildFilter
from .forms import (
    ChildForm,
    MeasurementForm,
    PeriodForm,
    ReportedPrevalenceForm,
    ScoreForm,
)
from .growth import HAZ_LABELS, WAZ_LABELS, WHZ_LABELS, score
from .models import Child, ReportedPrevalence
from .selectors import (
    INDICATOR_NAMES,
    PeriodKind,
    child_card,
    child_list,
    child_list_keys,
    measured_prevalence,
    measured_prevalence_by_year,
    measurement_reasons,
    measurement_rows,
    period_bounds,
    regions_with_measurements,
    reported_prevalence_series,
)

PAGE_SIZE = 50


def _post(request):
    return request.POST if request.method == "POST" else None


def index(request):
    """Where the user's stunting pages start: their regions, children and figures."""
    scope = user_scope(request.user)
    if scope.read is None:
        # From the refresh's figures: never a scan of every child.
        regions = Region.objects.filter(
            Q(code__in=regions_with_measurements())
            | Q(code__in=ReportedPrevalence.objects.values("region"))
        ).order_by("code")
    else:
        regions = scope.read
    return render(
        request,
        "stunting/index.html",
        {
            "regions": regions,
            "can_add_child": can(request.user, "child.change"),
            "can_add_prevalence": can(request.user, "prevalence.change"),
            "can_import": can(request.user, "measurement.import"),
        },
    )


def prevalence_region(request, code):
    region = get_object_or_404(scoped(Region.objects, request.user), code=code)
    by_year = measured_prevalence_by_year(region=region)
    # Opens on the latest year with measured figures (read once, for both).
    default_year = by_year[-1][0] if by_year else timezone.localdate().year
    form = PeriodForm(
        request.GET or None, initial={"kind": PeriodKind.YEAR, "year": default_year}
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        part = form.part()
        period = period_bounds(
            kind=data["kind"], year=data["year"], part=data[part] if part else None
        )
    else:
        period = period_bounds(kind=PeriodKind.YEAR, year=default_year)
    rows, total = measured_prevalence(region=region, period=period)
    series = reported_prevalence_series(region=region)
    # The dashboards' small-number rule: a rate over too few children is not drawn.
    min_n = settings.DASHBOARD_MIN_DENOMINATOR["prevalence"]
    figure = charts.prevalence_figure(series=series, measured=by_year, min_n=min_n)
    return render(
        request,
        "stunting/prevalence_region.html",
        {
            "region": region,
            "breadcrumbs": readable_ancestors(request.user, region),
            "form": form,
            "period": period,
            "rows": rows,
            "total": total,
            "series": series,
            "by_year": by_year,
            "figure": figure if series or by_year else None,
            "child_level": region.level < RegionLevel.DESA,
            "min_n": min_n,
            "min_coverage_n": settings.DASHBOARD_MIN_DENOMINATOR["coverage"],
            "as_of": data_as_of(region_code=region.code),
        },
    )


def children(request):
    """The children the user reads, a page at a time, filtered and searched."""
    may_search = can(request.user, "child.personal")
    filterset = ChildFilter(
        request.GET,
        queryset=child_list(
            queryset=scoped(Child.objects, request.user), user=request.user
        ),
        request=request,
    )
    page, cursor_error = None, ""
    if filterset.is_valid():
        try:
            page = keyset_page(
                filterset.qs,
                keys=child_list_keys(user=request.user),
                cursor=request.GET.get("cursor") or None,
                size=PAGE_SIZE,
            )
        except ValidationError as exc:
            cursor_error = exc.messages[0]
    today = timezone.localdate()
    return render(
        request,
        "stunting/child_list.html",
        {
            "form": filterset.form,
            "page": page,
            "pager": pager_links(request, page),
            "cursor_error": cursor_error,
            "cards": [
                child_card(child=c, user=request.user, today=today)
                for c in (page.rows if page else ())
            ],
            "query": request.GET.get("q", "").strip(),
            "filtered": any(request.GET.get(name) for name in filterset.form.fields),
            "may_search": may_search,
            "can_add": can(request.user, "child.change"),
        },
    )


def _require_posted_region(request, writable, action):
    """A region posted outside the user's write scope: 404 if unreadable, else 403."""
    code = (request.POST.get("region") or "").strip()
    if code and not writable.filter(code=code).exists():
        region = get_object_or_404(scoped(Region.objects, request.user), code=code)
        require(request.user, action, region)


@once_only
def child_create(request):
    require(request.user, "child.change")
    writable = child_desa(request.user)
    if request.method == "POST":
        _require_posted_region(request, writable, "child.change")
    form = ChildForm(
        _post(request),
        regions=writable,
        initial={"region": request.GET.get("wilayah")},
    )
    if form.is_valid():
        started = timezone.now()
        try:
            # A NIK registered where the user cannot read is refused (and counted).
            child = services.child_register(**form.cleaned_data, user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if child.created_at < started:
                messages.info(request, _("Anak ini sudah terdaftar."))
            else:
                messages.success(request, _("Data anak disimpan."))
            return redirect("child-detail", pk=child.pk)
    return render(request, "stunting/child_form.html", {"form": form})


def child_detail(request, pk):
    child = get_object_or_404(
        scoped(Child.objects.select_related("region__kecamatan"), request.user), pk=pk
    )
    card = child_card(child=child, user=request.user, today=timezone.localdate())
    # Coarsened for those who may not see the birth date (stunting.disclosure).
    rows = measurement_rows(child=child, personal=card.personal)
    points = [
        (round(r.age_months, 1), r.haz)
        for r in reversed(rows)
        if r.haz is not None and not r.measurement.haz_implausible
    ]
    return render(
        request,
        "stunting/child_detail.html",
        {
            "card": card,
            "rows": rows,
            "points": points,
            "figure": charts.growth_figure(points=points),
            "z_places": 2 if card.personal else 1,
            "breadcrumbs": readable_ancestors(
                request.user, child.region, include_self=True
            ),
            "can_measure": can(request.user, "measurement.add", child.region),
        },
    )


def _child_for(request, pk, action):
    """The child if the user may read it (else 404) and do `action` (else 403)."""
    child = get_object_or_404(
        scoped(Child.objects.select_related("region"), request.user), pk=pk
    )
    require(request.user, action, child.region)
    return child


@once_only
def measurement_create(request, pk):
    child = _child_for(request, pk, "measurement.add")
    today = timezone.localdate()
    form = MeasurementForm(
        _post(request), child=child, initial=MeasurementForm.initial_for(child, today)
    )
    if form.is_valid():
        try:
            services.measurement_record(
                child=child, entered_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pengukuran disimpan."))
            return redirect("child-detail", pk=child.pk)
    return render(
        request,
        "stunting/measurement_form.html",
        {
            "form": form,
            "card": child_card(child=child, user=request.user, today=today),
        },
    )


def _rounded(value):
    return None if value is None else round(value, 2)


@require_GET
def measurement_score(request, pk):
    """The z-scores and classes of values typed in the form, before they are saved."""
    child = _child_for(request, pk, "measurement.add")
    form = ScoreForm(request.GET, child=child)
    if not form.is_valid():
        return JsonResponse(
            {"errors": {name: list(errs) for name, errs in form.errors.items()}},
            status=400,
        )
    data = form.cleaned_data
    result = score(
        sex=child.sex,
        age_days=form.age_days,
        weight_kg=None if data["weight_kg"] is None else float(data["weight_kg"]),
        height_cm=None if data["height_cm"] is None else float(data["height_cm"]),
        measured=data["measured"],
        oedema=data["oedema"],
    )
    labels = {"haz": HAZ_LABELS, "waz": WAZ_LABELS, "whz": WHZ_LABELS}
    return JsonResponse(
        {
            "age_days": form.age_days,
            "adjusted_height_cm": _rounded(result.adjusted_height_cm),
            "indicators": [
                {
                    "code": name,
                    "name": str(INDICATOR_NAMES[name]),
                    "z": _rounded(getattr(result, name)),
                    "class": getattr(result, f"{name}_class") or "",
                    "label": labels[name].get(getattr(result, f"{name}_class"), ""),
                    "implausible": name in result.flags,
                }
                for name in labels
            ],
            "reasons": measurement_reasons(
                " ".join(f"{k}:{v}" for k, v in result.reasons.items())
            ),
        }
    )


def reported_list(request):
    rows = scoped(
        ReportedPrevalence.objects.select_related("region"), request.user
    ).order_by("region__code", "source", "year")
    return render(
        request,
        "stunting/reported_list.html",
        {"rows": rows, "can_add": can(request.user, "prevalence.change")},
    )


@once_only
def reported_create(request):
    require(request.user, "prevalence.change")
    writable = prevalence_regions(request.user)
    if request.method == "POST":
        _require_posted_region(request, writable, "prevalence.change")
    form = ReportedPrevalenceForm(_post(request), regions=writable)
    if form.is_valid():
        try:
            services.reported_prevalence_save(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Angka prevalensi disimpan."))
            return redirect("reported-prevalence-list")
    return render(request, "stunting/reported_form.html", {"form": form})
