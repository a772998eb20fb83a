"""The regions and Kampung KB each stunting form offers a user (kampungkb.choices).

Each function is both the form's queryset and what its search box finds; it
refuses (403) a user the form refuses.
"""

from kampungkb.access import require, scoped
from kampungkb.choices import choice_source
from villages.models import KampungKB, Region, RegionLevel


@choice_source("wilayah", "anak")
def child_desa(user, context=""):
    """The desa/kelurahan where the user may register a child."""
    require(user, "child.change")
    return scoped(
        Region.objects.filter(level=RegionLevel.DESA), user, write=True
    ).order_by("code")


@choice_source("wilayah", "prevalensi")
def prevalence_regions(user, context=""):
    """The regions whose reported prevalence the user may record."""
    require(user, "prevalence.change")
    return scoped(Region.objects, user, write=True).order_by("code")


@choice_source("kampung", "dashat")
def dashat_kampungs(user, context=""):
    """The Kampung KB where the user may start a Dashat."""
    require(user, "dashat.change")
    return scoped(KampungKB.objects, user, write=True).order_by("region")
