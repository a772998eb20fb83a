"""Writes to the region tree and the Kampung KB registry."""

import datetime
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from kampungkb.access import can
from kampungkb.events import data_changed
from kampungkb.integrity import unique_errors, violated_unique
from kampungkb.uploads import evidence_problem, evidence_suffix

from .models import (
    PENDING_PROPOSAL_EXISTS,
    Classification,
    ClassificationBasis,
    ClassificationLevel,
    ClassificationProposal,
    FieldOfficer,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    ProgramIntegration,
    ProposalStatus,
    Region,
    RegionLevel,
)
from .regions_source import SourceRegion, source_regions

BATCH_SIZE = 2000


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: list[str] = field(default_factory=list)  # obsolete, but records point at them

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deleted)


def _region_row(src: SourceRegion) -> Region:
    parts = src.code.split(".")
    ancestors = [".".join(parts[:n]) for n in range(1, 4)]
    return Region(
        code=src.code,
        name=src.name,
        level=src.level,
        kind=src.kind,
        parent_id=".".join(parts[:-1]) or None,
        province_id=ancestors[0],
        kabkota_id=ancestors[1] if src.level >= RegionLevel.KABKOTA else None,
        kecamatan_id=ancestors[2] if src.level >= RegionLevel.KECAMATAN else None,
        postal_code=src.postal_code or "",
    )


_COMPARED = ("name", "kind", "postal_code")


@transaction.atomic
def region_load(*, prefix: str = "") -> RegionLoadResult:
    """Create, rename or remove regions so the tree under `prefix` matches the source."""
    wanted = {r.code: _region_row(r) for r in source_regions(prefix=prefix)}
    ancestors = [code for code in wanted if not code.startswith(prefix)]
    existing = {
        r.code: r
        for r in Region.objects.filter(
            Q(code__startswith=prefix) | Q(code__in=ancestors)
        ).only("code", *_COMPARED)
    }
    result = RegionLoadResult()

    # Parents first so every foreign key points at a row that exists.
    new_rows = sorted(
        (row for code, row in wanted.items() if code not in existing),
        key=lambda r: r.level,
    )
    Region.objects.bulk_create(new_rows, batch_size=BATCH_SIZE)
    result.created = len(new_rows)

    changed_rows = [
        row
        for code, row in wanted.items()
        if code in existing
        and any(getattr(existing[code], f) != getattr(row, f) for f in _COMPARED)
    ]
    Region.objects.bulk_update(changed_rows, _COMPARED, batch_size=BATCH_SIZE)
    result.updated = len(changed_rows)

    # Deepest first, so a kecamatan goes only after its desa have gone.
    obsolete = sorted(set(existing) - set(wanted), key=len, reverse=True)
    for code in obsolete:
        try:
            with transaction.atomic():
                Region.objects.filter(code=code).delete()
            result.deleted += 1
        except (ProtectedError, RestrictedError):
            result.kept.append(code)
    return result


@transaction.atomic
def kampung_create(
    *,
    region: Region,
    formed_on,
    name: str = "",
    sk_number: str = "",
    sk_date=None,
    secretariat_address: str = "",
    source: str = "",
    illustrative_note: str = "",
) -> KampungKB:
    """Register the Kampung KB of a desa/kelurahan, validated against the registry rules."""
    kampung = KampungKB(
        region=region,
        name=name or f"Kampung KB {region.name}",
        formed_on=formed_on,
        sk_number=sk_number,
        sk_date=sk_date,
        secretariat_address=secretariat_address,
        source=source,
        illustrative_note=illustrative_note,
    )
    kampung.full_clean()
    with unique_errors(KampungKB, {"region": _region_taken()}):
        kampung.save()
    data_changed(region_codes=[region.code], since=formed_on)
    return kampung


@transaction.atomic
def kampung_register(*, level, level_on=None, **fields) -> KampungKB:
    """A new Kampung KB with its first classification, as one write."""
    kampung = kampung_create(**fields)
    kampung_classify(
        kampung=kampung,
        level=level,
        effective_on=level_on or kampung.formed_on,
        basis=ClassificationBasis.SK
        if kampung.sk_number
        else ClassificationBasis.LAUNCH,
        decision_ref=kampung.sk_number,
    )
    return kampung


def _region_taken():
    # The message full_clean gives when the desa already has its Kampung KB.
    field = KampungKB._meta.get_field("region")
    return ValidationError({"region": field.error_messages["unique"]}, code="unique")


@transaction.atomic
def kampung_classify(
    *,
    kampung: KampungKB,
    level,
    effective_on,
    basis: str,
    decided_by: str = "",
    decision_ref: str = "",
    note: str = "",
    illustrative_note: str = "",
) -> Classification:
    """Add an entry to the classification history; 'paripurna' counts as berkelanjutan."""
    try:
        level = ClassificationLevel.parse(level)
    except ValueError as exc:
        raise ValidationError({"level": str(exc)}) from exc
    entry = Classification(
        kampung=kampung,
        level=level,
        effective_on=effective_on,
        basis=basis,
        decided_by=decided_by,
        decision_ref=decision_ref,
        note=note,
        illustrative_note=illustrative_note,
    )
    entry.full_clean()
    entry.save()
    data_changed(region_codes=[kampung.region_id], since=effective_on)
    return entry


@transaction.atomic
def kampung_deactivate(*, kampung: KampungKB, on, reason: str) -> KampungKB:
    """Mark a Kampung KB inactive; its records stay, since a Kampung KB is never deleted."""
    kampung.is_active = False
    kampung.deactivated_on = on
    kampung.deactivation_reason = reason
    kampung.full_clean()
    # A form opened before the deactivation must not save over it.
    kampung.version = F("version") + 1
    kampung.save(
        update_fields=[
            "is_active",
            "deactivated_on",
            "deactivation_reason",
            "version",
            "updated_at",
        ]
    )
    kampung.refresh_from_db(fields=["version"])
    data_changed(region_codes=[kampung.region_id], since=on)
    return kampung


@transaction.atomic
def launch_record(
    *,
    date,
    organizer: Region,
    kampungs,
    place: str = "",
    officials: str = "",
    notes: str = "",
    source: str = "",
    source_url: str = "",
    illustrative_note: str = "",
) -> LaunchEvent:
    """Record a launch ceremony and the Kampung KB launched at it."""
    event = LaunchEvent(
        date=date,
        organizer=organizer,
        place=place,
        officials=officials,
        notes=notes,
        source=source,
        source_url=source_url,
        illustrative_note=illustrative_note,
    )
    return _launch_save(event=event, kampungs=kampungs)


def _launch_save(*, event: LaunchEvent, kampungs) -> LaunchEvent:
    event.full_clean()
    with unique_errors(LaunchEvent):
        event.save()
    event.kampungs.set(kampungs)
    return event


@transaction.atomic
def launch_update(
    *,
    event: LaunchEvent,
    date,
    organizer: Region,
    kampungs,
    place: str = "",
    officials: str = "",
    notes: str = "",
    source: str = "",
    source_url: str = "",
) -> LaunchEvent:
    """Correct a recorded launch ceremony and the Kampung KB launched at it."""
    event.date = date
    event.organizer = organizer
    event.place = place
    event.officials = officials
    event.notes = notes
    event.source = source
    event.source_url = source_url
    return _launch_save(event=event, kampungs=kampungs)


@transaction.atomic
def launch_delete(*, event: LaunchEvent) -> None:
    """Remove a launch record; the Kampung KB launched at it stay."""
    event.delete()


@transaction.atomic
def target_set(
    *, region: Region, year: int, new_count: int, source: str = ""
) -> FormationTarget:
    """Set (or replace) the number of new Kampung KB a kab/kota plans to form in a year."""
    try:
        target = _target_save(
            region=region, year=year, new_count=new_count, source=source
        )
    except IntegrityError as exc:
        if violated_unique(exc, FormationTarget) != "one_target_per_region_year":
            raise
        # A concurrent request set this year's target first: replace it, as a
        # request coming after it would.
        target = _target_save(
            region=region, year=year, new_count=new_count, source=source
        )
    data_changed(region_codes=[region.code], since=datetime.date(year, 1, 1))
    return target


def _target_save(*, region, year, new_count, source) -> FormationTarget:
    target = FormationTarget.objects.filter(
        region=region, year=year
    ).first() or FormationTarget(region=region, year=year)
    target.new_count = new_count
    target.source = source
    target.full_clean()
    with transaction.atomic():
        target.save()
    return target


@transaction.atomic
def target_delete(*, target: FormationTarget) -> None:
    """Remove a yearly formation target."""
    target.delete()
    data_changed(
        region_codes=[target.region_id], since=datetime.date(target.year, 1, 1)
    )


class StaleEdit(ValidationError):
    """Someone saved this Kampung KB after the editor loaded it."""


def _claim_version(*, kampung: KampungKB, expected_version: int) -> None:
    # Compare-and-set in one UPDATE: of two saves from the same page version, only
    # the first matches; the second learns it would overwrite a newer edit.
    claimed = KampungKB.objects.filter(pk=kampung.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        current = KampungKB.objects.get(pk=kampung.pk)
        raise StaleEdit(
            _(
                "Data Kampung KB ini sudah diubah orang lain (pukul %(time)s) setelah "
                "halaman Anda dibuka. Muat ulang halaman, periksa perubahan itu, lalu "
                "simpan lagi."
            )
            % {"time": timezone.localtime(current.updated_at).strftime("%H:%M:%S")},
            code="stale",
        )
    kampung.version = expected_version + 1


KAMPUNG_PROFILE_FIELDS = (
    "name",
    "formed_on",
    "sk_number",
    "sk_date",
    "secretariat_address",
)
KAMPUNG_READINESS_FIELDS = (
    "web_kampung_kb_filled",
    "siga_k0_year",
    "rumah_dataku",
    "krppa_integrated",
)
KAMPUNG_EDITABLE_FIELDS = KAMPUNG_PROFILE_FIELDS + KAMPUNG_READINESS_FIELDS
# The official record of the formation: staff change it (kampung.official), a PLKB
# reads it.
KAMPUNG_OFFICIAL_FIELDS = ("formed_on", "sk_number", "sk_date")
OFFICIAL_STAFF_ONLY = _(
    "Tanggal pencanangan dan SK pembentukan hanya dapat diubah oleh staf dinas."
)


@transaction.atomic
def kampung_update(
    *, kampung: KampungKB, expected_version: int, changed_by=None, **fields
) -> KampungKB:
    """Change a Kampung KB's profile and readiness, refusing a save from a stale page.

    The formation date and SK change only when `changed_by` may change them
    (kampung.official, staff); a system write without `changed_by` may not either.
    """
    unknown = set(fields) - set(KAMPUNG_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    # Compare with the stored row: a ModelForm has already copied its input onto
    # `kampung`, so the instance cannot tell what changed.
    stored = KampungKB.objects.select_related("region").get(pk=kampung.pk)
    changed = [name for name, value in fields.items() if getattr(stored, name) != value]
    if not changed:
        return kampung
    official = [name for name in changed if name in KAMPUNG_OFFICIAL_FIELDS]
    if official and (
        changed_by is None or not can(changed_by, "kampung.official", stored.region)
    ):
        raise ValidationError(
            {
                name: ValidationError(OFFICIAL_STAFF_ONLY, code="staff_only")
                for name in official
            }
        )
    for name in changed:
        setattr(kampung, name, fields[name])
    kampung.full_clean()
    _claim_version(kampung=kampung, expected_version=expected_version)
    # Only the edited columns: a deactivation committed meanwhile must survive.
    kampung.save(update_fields=[*changed, "version", "updated_at"])
    # Readiness has no dates of its own, and formed_on may have moved: all years.
    data_changed(region_codes=[kampung.region_id])
    return kampung


@transaction.atomic
def kampung_children_save(*, kampung: KampungKB, expected_version: int, formset):
    """Save a validated Pokja or program formset as one edit of the Kampung KB."""
    _claim_version(kampung=kampung, expected_version=expected_version)
    saved = formset.save()
    data_changed(region_codes=[kampung.region_id])
    return saved


def _bump_version(*, kampung: KampungKB) -> None:
    KampungKB.objects.filter(pk=kampung.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    data_changed(region_codes=[kampung.region_id])


@transaction.atomic
def kampung_part_save(
    *, part: PokjaMember | ProgramIntegration, **fields
) -> PokjaMember | ProgramIntegration:
    """Create or change one Pokja member or program, as an edit of its Kampung KB.

    The version goes up, so a page opened before this change cannot save over it.
    """
    for name, value in fields.items():
        setattr(part, name, value)
    part.full_clean()
    with unique_errors(type(part)):
        part.save()
    _bump_version(kampung=part.kampung)
    return part


@transaction.atomic
def kampung_part_delete(*, part: PokjaMember | ProgramIntegration) -> None:
    """Remove one Pokja member or program, as an edit of its Kampung KB."""
    part.delete()
    _bump_version(kampung=part.kampung)


@transaction.atomic
def proposal_create(
    *, kampung: KampungKB, level, effective_on, reason: str, proposed_by, evidence=None
) -> ClassificationProposal:
    """A PLKB proposes a new level for a Kampung KB, with an optional evidence file
    (PDF, JPEG or PNG); staff decide later."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Tuliskan alasan usulan.")})
    evidence_type = ""
    if evidence:
        evidence_type, problem = evidence_problem(evidence)
        if problem:
            raise ValidationError({"evidence": problem})
    if kampung.proposals.filter(status=ProposalStatus.PENDING).exists():
        raise ValidationError(PENDING_PROPOSAL_EXISTS)
    try:
        level = ClassificationLevel.parse(level)
    except ValueError as exc:
        raise ValidationError({"level": str(exc)}) from exc
    # Validate the level and date exactly as a classification entry would be.
    Classification(
        kampung=kampung,
        level=level,
        effective_on=effective_on,
        basis=ClassificationBasis.PROPOSAL,
    ).full_clean()
    # The check above answers one request after another; the constraint, two at once.
    pending = ValidationError(PENDING_PROPOSAL_EXISTS)
    with unique_errors(
        ClassificationProposal, {"one_pending_proposal_per_kampung": pending}
    ):
        proposal = ClassificationProposal(
            kampung=kampung,
            level=level,
            effective_on=effective_on,
            reason=reason.strip(),
            proposed_by=proposed_by,
        )
        if evidence:
            proposal.evidence_name = PurePosixPath(evidence.name).name[:255]
            proposal.evidence_type = evidence_type
            suffix = evidence_suffix(evidence_type)
            proposal.evidence.save(f"bukti{suffix}", evidence, save=False)
        try:
            proposal.save()
        except Exception:
            # Nothing half-saved: no file without its proposal.
            if proposal.evidence:
                proposal.evidence.delete(save=False)
            raise
        return proposal


@transaction.atomic
def proposal_decide(
    *, proposal: ClassificationProposal, approve: bool, decided_by, note: str = ""
) -> ClassificationProposal:
    """Approve (writing the classification history) or reject a pending proposal."""
    proposal = ClassificationProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise ValidationError(_("Usulan ini sudah diputuskan sebelumnya."))
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("Tuliskan alasan penolakan.")})
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.decided_by = decided_by
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    if approve:
        proposal.classification = kampung_classify(
            kampung=proposal.kampung,
            level=proposal.level,
            effective_on=proposal.effective_on,
            basis=ClassificationBasis.PROPOSAL,
            decided_by=decided_by.get_full_name() or decided_by.get_username(),
            decision_ref=f"Usulan #{proposal.pk}",
            note=proposal.reason,
        )
    proposal.save()
    return proposal


@transaction.atomic
def officer_assign(*, officer: FieldOfficer, region: Region, assigned_on=None):
    """Assign a PLKB/PKB to a desa/kelurahan (a no-op if already assigned)."""
    existing = OfficerAssignment.objects.filter(officer=officer, region=region).first()
    if existing:
        return existing
    assignment = OfficerAssignment(
        officer=officer, region=region, assigned_on=assigned_on
    )
    assignment.full_clean()
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        if (
            violated_unique(exc, OfficerAssignment)
            != "officer_assigned_once_per_region"
        ):
            raise
        # Assigned by a concurrent request meanwhile: the same no-op as above.
        return OfficerAssignment.objects.get(officer=officer, region=region)
    return assignment


@transaction.atomic
def officer_unassign(*, assignment: OfficerAssignment) -> None:
    """End a PLKB/PKB's assignment to a desa/kelurahan, unless it is their last."""
    officer = assignment.officer
    if not officer.assignments.exclude(pk=assignment.pk).exists():
        # Staff find officers through their desa: without one the officer (and
        # their account) would drop out of every staff member's lists.
        raise ValidationError(
            _(
                "Ini satu-satunya desa/kelurahan %(officer)s. Tugaskan desa/kelurahan "
                "lain dulu, atau nonaktifkan akunnya di halaman Pengguna."
            )
            % {"officer": officer.name}
        )
    assignment.delete()


@transaction.atomic
def activity_record(
    *,
    kampung: KampungKB,
    held_on,
    title: str,
    note: str = "",
    participants=None,
    recorded_by=None,
) -> KampungActivity:
    """Note an activity held at a Kampung KB, with who recorded it."""
    activity = KampungActivity(
        kampung=kampung,
        held_on=held_on,
        title=title.strip(),
        note=note.strip(),
        participants=participants,
        recorded_by=recorded_by,
    )
    activity.full_clean()
    # No indicator reads activity notes, so no dashboard refresh is owed.
    activity.save()
    return activity
