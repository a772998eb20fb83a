"""The regions and Kampung KB each registry form offers a user (kampungkb.choices).

Each function is both the form's queryset and what its search box finds; it
refuses (403) a user the form refuses.
"""

from kampungkb.access import require, scoped
from kampungkb.choices import choice_source

from .models import KampungKB, Region, RegionLevel


def writable_regions(user, *levels):
    """Regions of these levels the user may change, by code."""
    return scoped(Region.objects.filter(level__in=levels), user, write=True).order_by(
        "code"
    )


@choice_source("wilayah", "kampung-baru")
def kampung_create_desa(user, context=""):
    """The desa/kelurahan where the user may register a Kampung KB."""
    require(user, "kampung.add")
    return writable_regions(user, RegionLevel.DESA)


@choice_source("wilayah", "penugasan")
def assignment_desa(user, context=""):
    """The desa/kelurahan where the user may assign a field officer."""
    require(user, "assignment.change")
    return writable_regions(user, RegionLevel.DESA)


@choice_source("wilayah", "penyelenggara")
def launch_organizers(user, context=""):
    """The kab/kota and kecamatan that may organise a launch the user records."""
    require(user, "launch.change")
    return writable_regions(user, RegionLevel.KABKOTA, RegionLevel.KECAMATAN)


@choice_source("kampung", "pencanangan")
def launch_kampungs(user, context=""):
    """The Kampung KB the user may add to a launch."""
    require(user, "launch.change")
    return scoped(KampungKB.objects, user, write=True).order_by("region")


@choice_source("wilayah", "target")
def target_regions(user, context=""):
    """The kab/kota whose formation targets the user sets."""
    require(user, "target.change")
    return writable_regions(user, RegionLevel.KABKOTA)
