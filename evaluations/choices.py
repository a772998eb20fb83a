"""The regions, Kampung KB and accounts each evaluation form offers a user
(kampungkb.choices).

Each function is both the form's queryset and what its search box finds; it
refuses (403, or 404 for a cycle the user cannot open) a user the form refuses.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from kampungkb.access import require, scoped
from kampungkb.choices import choice_source
from kampungkb.models import Role, User
from villages.filters import MAX_ID
from villages.models import KampungKB, Region, RegionLevel

from .selectors import cycles_for


def managed_cycle(user, pk):
    """A cycle the user manages: the role first (403), then 404, then the region."""
    require(user, "evaluation.manage")
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit()) or int(pk) > MAX_ID:
        raise Http404
    cycle = get_object_or_404(
        cycles_for(user=user).select_related("region", "template"), pk=int(pk)
    )
    require(user, "evaluation.manage", cycle.region)
    return cycle


@choice_source("wilayah", "evaluasi")
def evaluation_regions(user, context=""):
    """The kab/kota whose cycles and rubric templates the user manages."""
    require(user, "evaluation.manage")
    return scoped(
        Region.objects.filter(level=RegionLevel.KABKOTA), user, write=True
    ).order_by("code")


@choice_source("kampung", "penghargaan")
def award_kampungs(user, context=""):
    """The Kampung KB whose awards the user records."""
    require(user, "evaluation.manage")
    return scoped(KampungKB.objects.all(), user, write=True).order_by("region")


@choice_source("kampung", "peserta")
def eligible_kampungs(user, context=""):
    """The active Kampung KB of the cycle's region (context: its id) that the
    user may enter as participants."""
    cycle = managed_cycle(user, context)
    return (
        KampungKB.objects.in_region(cycle.region)
        .filter(pk__in=scoped(KampungKB.objects.all(), user, write=True))
        .active()
        .order_by("region")
    )


@choice_source("kampung", "dinilai")
def participating_kampungs(user, context=""):
    """The Kampung KB taking part in the cycle (context: its id), to assign."""
    cycle = managed_cycle(user, context)
    return KampungKB.objects.filter(evaluations__cycle=cycle).order_by("region")


def evaluator_accounts(queryset):
    return queryset.filter(role=Role.EVALUATOR, is_active=True).order_by("username")


@choice_source("pengguna", "evaluator")
def evaluators(user, context=""):
    """The active evaluator accounts the user may assign."""
    require(user, "evaluation.manage")
    return evaluator_accounts(scoped(User.objects.all(), user, write=True))
