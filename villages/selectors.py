"""Reads of the region tree and the Kampung KB registry."""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import ExtractYear

from .models import (
    ANCESTOR_FIELD,
    Classification,
    ClassificationLevel,
    FormationTarget,
    KampungKB,
    LaunchEvent,
    Region,
    RegionLevel,
)


@dataclass
class RegionSummary:
    """Kampung KB counts in one region, by current classification."""

    region: Region | None
    desa_count: int = 0
    kampung_count: int = 0
    by_level: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(ClassificationLevel.values, 0)
    )

    @property
    def unclassified(self):
        return self.kampung_count - sum(self.by_level.values())

    @property
    def coverage_percent(self):
        return 100 * self.kampung_count / self.desa_count if self.desa_count else None

    def level_counts(self):
        return [(level, self.by_level[level.value]) for level in ClassificationLevel]


def region_child_summaries(
    *, region: Region | None
) -> tuple[list[RegionSummary], RegionSummary]:
    """Summaries of the child regions of `region` (None: the provinces), and their total."""
    if region is None:
        children = Region.objects.roots()
        child_level = RegionLevel.PROVINSI
        desa = Region.objects.filter(level=RegionLevel.DESA)
        kampungs = KampungKB.objects.all()
    else:
        children = Region.objects.children_of(region)
        child_level = region.level + 1
        desa = Region.objects.filter(level=RegionLevel.DESA).within(region)
        kampungs = KampungKB.objects.in_region(region)

    group = ANCESTOR_FIELD[child_level]
    summaries = {child.code: RegionSummary(region=child) for child in children}
    for row in desa.values(group).annotate(n=Count("code")):
        summaries[row[group]].desa_count = row["n"]
    level_rows = (
        kampungs.active()
        .with_current_level()
        .values(f"region__{group}", "current_level")
        .annotate(n=Count("id"))
    )
    for row in level_rows:
        summary = summaries[row[f"region__{group}"]]
        summary.kampung_count += row["n"]
        if row["current_level"]:
            summary.by_level[row["current_level"]] += row["n"]

    total = RegionSummary(region=region)
    for summary in summaries.values():
        total.desa_count += summary.desa_count
        total.kampung_count += summary.kampung_count
        for level, n in summary.by_level.items():
            total.by_level[level] += n
    return list(summaries.values()), total


@dataclass
class TargetYear:
    year: int
    target: int | None
    formed: int

    @property
    def reached(self):
        return None if self.target is None else self.formed >= self.target


def formation_by_year(*, region: Region) -> list[TargetYear]:
    """Kampung KB formed per year against the yearly targets of the kab/kota in `region`."""
    kabkota = Region.objects.filter(level=RegionLevel.KABKOTA).within(region)
    targets = dict(
        FormationTarget.objects.filter(region__in=kabkota)
        .values_list("year")
        .annotate(total=Sum("new_count"))
    )
    formed = dict(
        KampungKB.objects.in_region(region)
        .annotate(year=ExtractYear("formed_on"))
        .values_list("year")
        .annotate(n=Count("id"))
    )
    return [
        TargetYear(year=year, target=targets.get(year), formed=formed.get(year, 0))
        for year in sorted(set(targets) | set(formed))
    ]


def kampung_list(*, region: Region):
    """Kampung KB in a region with their desa and current classification, by code."""
    return kampung_list_for(KampungKB.objects.in_region(region))


def kampung_list_for(queryset):
    """Kampung KB of `queryset` with their desa and current classification, by code."""
    return (
        queryset.with_current_level().select_related("region").order_by("region__code")
    )


def desa_with_kampung(*, kecamatan: Region):
    """The desa/kelurahan of a kecamatan with their Kampung KB (if any) and its level."""
    latest = Classification.objects.filter(kampung__region=OuterRef("pk")).order_by(
        "-effective_on", "-id"
    )
    return (
        Region.objects.children_of(kecamatan)
        .select_related("kampung")
        .annotate(current_level=Subquery(latest.values("level")[:1]))
        .order_by("code")
    )


def kampung_profile(*, queryset, pk: int) -> KampungKB:
    """A Kampung KB with everything its profile page shows, in a few queries."""
    return (
        queryset.select_related(
            "region__kecamatan", "region__kabkota", "region__province"
        )
        .prefetch_related(
            Prefetch(
                "classifications",
                queryset=Classification.objects.order_by("-effective_on", "-id"),
            ),
            "pokja",
            "programs",
            Prefetch(
                "launches", queryset=LaunchEvent.objects.select_related("organizer")
            ),
            "region__officer_assignments__officer",
        )
        .get(pk=pk)
    )
