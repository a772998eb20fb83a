from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kampungkb.access import region_within, scoped, user_scope

from .models import KampungKB, Program, Region, RegionLevel
from .selectors import (
    desa_with_kampung,
    formation_by_year,
    kampung_list,
    kampung_list_for,
    kampung_profile,
    region_child_summaries,
)


def home(request):
    """The user's own starting page: the country, their region(s) or their villages."""
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
            },
        )
    if len(scope.read) == 1 and not scope.write:
        return redirect("region-detail", code=scope.read[0].code)
    return render(
        request,
        "villages/home.html",
        {
            "regions": scope.read,
            "my_kampungs": kampung_list_for(
                scoped(KampungKB.objects, request.user, write=True)
            )
            if scope.write
            else [],
        },
    )


def region_detail(request, code):
    region = get_object_or_404(scoped(Region.objects, request.user), code=code)
    context = {
        "region": region,
        "breadcrumbs": readable_ancestors(request.user, region),
    }
    if region.level == RegionLevel.DESA:
        context["kampung"] = (
            scoped(KampungKB.objects, request.user).filter(region=region).first()
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
            queryset=scoped(KampungKB.objects, request.user), pk=pk
        )
    except KampungKB.DoesNotExist:
        raise Http404(_("Kampung KB tidak ditemukan.")) from None
    programs_present = {p.program: p for p in kampung.programs.all()}
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
        },
    )


def readable_ancestors(user, region, *, include_self=False):
    """The breadcrumb trail above `region`, limited to regions the user may open."""
    trail = [*region.ancestors(), *([region] if include_self else [])]
    readable = user_scope(user).read
    return [r for r in trail if region_within(r, readable)]
