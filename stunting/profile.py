"""Stunting facts on a Kampung KB's profile (kampungkb.profile): Dashat and the
reported stunting of its desa/kelurahan. No child rows are read."""

from kampungkb.access import scoped

from .models import Dashat, ReportedPrevalence

# A desa has a few reported figures a year; the page shows the newest.
REPORTED_SHOWN = 6


def kampung_stunting_facts(*, kampung, user, **kwargs) -> dict:
    """Dashat of the Kampung KB (linked where the user may open them) and the
    newest reported prevalences of its desa/kelurahan."""
    dashats = list(kampung.dashats.order_by("name"))
    openable = set(
        scoped(Dashat.objects, user)
        .filter(pk__in=[d.pk for d in dashats])
        .values_list("pk", flat=True)
        if dashats
        else ()
    )
    for dashat in dashats:
        dashat.openable = dashat.pk in openable
    reported = list(
        ReportedPrevalence.objects.filter(region_id=kampung.region_id).order_by(
            "-year", "source"
        )[:REPORTED_SHOWN]
    )
    return {"dashats": dashats, "reported": reported}
