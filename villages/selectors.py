"""Reads of the region tree and the Kampung KB registry."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import (
    ANCESTOR_FIELD,
    LEVEL_REQUIREMENTS,
    Boundary,
    Classification,
    ClassificationLevel,
    ClassificationProposal,
    FormationTarget,
    KampungKB,
    LaunchEvent,
    PokjaMember,
    PokjaSeksi,
    Program,
    ProgramIntegration,
    ProposalStatus,
    Region,
    RegionLevel,
    RumahDataKu,
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


def proposals_pending(*, queryset):
    """Pending proposals of `queryset`, oldest first, with each Kampung KB's level."""
    latest = Classification.objects.filter(kampung=OuterRef("kampung")).order_by(
        "-effective_on", "-id"
    )
    return (
        queryset.filter(status=ProposalStatus.PENDING)
        .select_related("kampung__region__kecamatan", "proposed_by")
        .annotate(current_level=Subquery(latest.values("level")[:1]))
        .order_by("proposed_at", "id")
    )


def proposals_of(*, user, decided_since):
    """A PLKB's own proposals: those still pending, and those decided since
    `decided_since` with the decision; newest first."""
    return (
        ClassificationProposal.objects.filter(proposed_by=user)
        .filter(Q(status=ProposalStatus.PENDING) | Q(decided_at__gte=decided_since))
        .select_related("kampung", "decided_by")
        .order_by("-proposed_at", "-id")
    )


@dataclass
class FieldChange:
    label: str
    old: object
    new: object


@dataclass
class HistoryEntry:
    """One saved change of a Kampung KB or one of its records, for the audit trail."""

    when: datetime.datetime
    user: object
    kind: str  # simple_history's "+" created, "~" changed, "-" deleted
    subject: str
    changes: list[FieldChange]


# Bookkeeping columns that say nothing a reader needs (who and when are shown anyway).
_HIDDEN_FIELDS = {
    "id",
    "kampung",
    "proposed_by",
    "proposed_at",
    "decided_by",
    "decided_at",
    "classification",
}


def _describe(record):
    model = record.instance_type
    if model is KampungKB:
        return record.name
    if model is PokjaMember:
        post = record.get_seksi_display() if record.seksi else record.get_role_display()
        return f"{post}: {record.name}"
    if model is ProgramIntegration:
        return record.get_program_display()
    return f"{record.get_level_display()} ({record.effective_on:%d-%m-%Y})"


def _shown(model, name, value):
    """A stored value as a reader knows it: choice labels, yes/no, dash for empty."""
    model_field = model._meta.get_field(name)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    return value


def _history_of(model, *, limit, **lookup):
    """The latest `limit` history rows of `model` matching `lookup`, each with the
    row before it (for the diff) in `prev`: two queries whatever the limit."""
    history = model.history.model
    before = (
        history.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(
                history_date=OuterRef("history_date"),
                history_id__lt=OuterRef("history_id"),
            )
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    rows = list(
        history.objects.filter(**lookup)
        .select_related("history_user")
        .annotate(prev_id=Subquery(before))
        .order_by("-history_date", "-history_id")[:limit]
    )
    by_id = {row.history_id: row for row in rows}
    missing = {row.prev_id for row in rows if row.prev_id not in by_id} - {None}
    by_id.update(history.objects.in_bulk(missing))
    for row in rows:
        row.prev = by_id.get(row.prev_id)
    return rows


def kampung_history(*, kampung: KampungKB, limit: int = 100) -> list[HistoryEntry]:
    """Changes to a Kampung KB and its Pokja, programs, classifications and
    proposals, newest first, at most `limit`."""
    rows = [
        *_history_of(KampungKB, limit=limit, id=kampung.pk),
        *(
            row
            for model in (
                PokjaMember,
                ProgramIntegration,
                Classification,
                ClassificationProposal,
            )
            for row in _history_of(model, limit=limit, kampung_id=kampung.pk)
        ),
    ]
    rows.sort(key=lambda r: r.history_date, reverse=True)
    entries = []
    for row in rows:
        model = row.instance_type
        changes = []
        if row.history_type == "~" and row.prev is not None:
            delta = row.diff_against(row.prev, excluded_fields=_HIDDEN_FIELDS)
            order = [f.name for f in model._meta.fields]
            changes = [
                FieldChange(
                    label=capfirst(model._meta.get_field(c.field).verbose_name),
                    old=_shown(model, c.field, c.old),
                    new=_shown(model, c.field, c.new),
                )
                for c in sorted(delta.changes, key=lambda c: order.index(c.field))
            ]
            if not changes:
                continue  # saved without any visible change
        entries.append(
            HistoryEntry(
                when=row.history_date,
                user=row.history_user,
                kind=row.history_type,
                subject=f"{capfirst(model._meta.verbose_name)}: {_describe(row)}",
                changes=changes,
            )
        )
        if len(entries) == limit:
            break
    return entries


@dataclass(frozen=True)
class ReadinessItem:
    label: str
    met: bool
    detail: str = ""


def kampung_readiness_items(*, kampung: KampungKB, today=None) -> list[ReadinessItem]:
    """What starting a Kampung KB requires (Web Kampung KB, K/0 of this year, Rumah
    DataKu) and the KRPPA link, each met or not; a K/0 of an earlier year is stale."""
    year = (today or datetime.date.today()).year
    k0 = kampung.siga_k0_year
    return [
        ReadinessItem(_("Web Kampung KB terisi"), kampung.web_kampung_kb_filled),
        ReadinessItem(
            _("K/0 SIGA tahun ini terisi"),
            k0 == year,
            _("terakhir %(year)s") % {"year": k0} if k0 and k0 != year else "",
        ),
        ReadinessItem(
            _("Rumah DataKu terbentuk"),
            kampung.rumah_dataku != RumahDataKu.NONE,
            kampung.get_rumah_dataku_display(),
        ),
        ReadinessItem(_("Terintegrasi KRPPA"), kampung.krppa_integrated),
    ]


@dataclass(frozen=True)
class Requirement:
    label: str
    required: str
    present: str
    met: bool


_RUMAH_RANK = {value: rank for rank, value in enumerate(RumahDataKu.values)}


def level_requirements(
    *, kampung: KampungKB, level: str, dashats: int, today=None
) -> list[Requirement]:
    """What `level` asks (models.LEVEL_REQUIREMENTS) against what the
    Kampung KB has: readiness, Rumah DataKu class, programs, Pokja seksi, Dashat."""
    rule = getattr(settings, "KAMPUNG_LEVEL_REQUIREMENTS", LEVEL_REQUIREMENTS)[level]
    programs = len(kampung.programs.all())
    seksi = len({m.seksi for m in kampung.pokja.all() if m.seksi})
    ready = kampung_readiness_items(kampung=kampung, today=today)[:3]
    rumah = rule["rumah_dataku"]
    rows = [
        Requirement(
            _("Syarat awal (Web Kampung KB, K/0, Rumah DataKu)"),
            _("semua terpenuhi"),
            _("%(met)s dari %(all)s") % {"met": sum(i.met for i in ready), "all": 3},
            all(i.met for i in ready),
        ),
        Requirement(
            _("Rumah DataKu"),
            _("minimal %(class)s") % {"class": RumahDataKu(rumah).label},
            kampung.get_rumah_dataku_display(),
            _RUMAH_RANK[kampung.rumah_dataku] >= _RUMAH_RANK[rumah],
        ),
        Requirement(
            _("Program terintegrasi"),
            _("minimal %(n)s dari %(all)s")
            % {"n": rule["programs"], "all": len(Program)},
            str(programs),
            programs >= rule["programs"],
        ),
        Requirement(
            _("Seksi Pokja terisi"),
            _("minimal %(n)s dari %(all)s")
            % {"n": rule["pokja_seksi"], "all": len(PokjaSeksi)},
            str(seksi),
            seksi >= rule["pokja_seksi"],
        ),
    ]
    if rule["dashat"]:
        rows.append(
            Requirement(_("Dashat"), _("minimal 1"), str(dashats), dashats >= 1)
        )
    return rows


@dataclass(frozen=True)
class BoundaryArea:
    code: str
    name: str
    geometry: dict
    label_point: tuple[float, float]
    schematic: bool  # made-up shapes (the demo's), not an office's upload


def boundary_levels(*, region: Region) -> dict[int, datetime.datetime]:
    """The levels below `region` (kecamatan, desa/kelurahan) with any boundary,
    and when their boundaries last changed (a drawn map's cache key)."""
    if region.level not in (RegionLevel.KABKOTA, RegionLevel.KECAMATAN):
        return {}
    rows = (
        Boundary.objects.filter(
            **{f"region__{ANCESTOR_FIELD[region.level]}": region},
            region__level__gt=region.level,
        )
        .values_list("region__level")
        .annotate(changed=Max("updated_at"))
        .order_by("region__level")
    )
    return dict(rows)


def boundary_areas(*, region: Region, level: int) -> list[BoundaryArea]:
    """The stored boundaries of the regions of `level` inside `region`, by code."""
    rows = (
        Boundary.objects.filter(
            **{f"region__{ANCESTOR_FIELD[region.level]}": region},
            region__level=level,
        )
        .order_by("region_id")
        .values_list(
            "region_id",
            "region__name",
            "geometry",
            "label_lon",
            "label_lat",
            "upload__schematic",
        )
    )
    return [
        BoundaryArea(code, name, geometry, (lon, lat), schematic)
        for code, name, geometry, lon, lat, schematic in rows
    ]
