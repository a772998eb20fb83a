from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from .models import KampungKB, Program, Region, RegionLevel
from .selectors import (
    desa_with_kampung,
    formation_by_year,
    kampung_list,
    kampung_profile,
    region_child_summaries,
)


def home(request):
    """The country page: provinces, and shortcuts to the kab/kota that have Kampung KB."""
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


def region_detail(request, code):
    region = get_object_or_404(Region, code=code)
    context = {"region": region, "breadcrumbs": region.ancestors()}
    if region.level == RegionLevel.DESA:
        context["kampung"] = KampungKB.objects.filter(region=region).first()
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
        kampung = kampung_profile(pk=pk)
    except KampungKB.DoesNotExist:
        raise Http404(_("Kampung KB tidak ditemukan.")) from None
    programs_present = {p.program: p for p in kampung.programs.all()}
    return render(
        request,
        "villages/kampung_detail.html",
        {
            "kampung": kampung,
            "breadcrumbs": [*kampung.region.ancestors(), kampung.region],
            "classifications": list(kampung.classifications.all()),
            "programs": [
                (choice, programs_present.get(choice.value)) for choice in Program
            ],
            "officers": [a.officer for a in kampung.region.officer_assignments.all()],
        },
    )
