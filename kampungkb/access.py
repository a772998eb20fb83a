"""The one place that decides who may see and change what.

Every list, page, export and API view gets its rows through `scoped()` and checks
writes with `require()`. A model says where its region is with `scope_paths`: a
tuple of lookups to a Region (empty string: the row is a Region). A row is readable
when any path lands in the user's read scope, and writable when any of its
`write_scope_paths` (default: the same) lands in the write scope.

Roles (DOMAIN.md, "Users"):
- administrator: everything, everywhere;
- staf dinas: read and write everything in their regions;
- PLKB/PKB: write the Kampung KB of their assigned desa/kelurahan, read their kecamatan;
- pimpinan: read their regions;
- evaluator: in the registry, only the profiles of the Kampung KB they are
  assigned to score (read-only); in the evaluations app, the cycles and Kampung KB
  they are assigned (evaluations.selectors, by assignment, not region), where a
  PLKB also reads their desa/kelurahan's results once a cycle is closed.

Aggregate figures (the dashboards) carry no personal data, so a PLKB and a
pimpinan read them for the whole kab/kota around their regions
(`aggregate_scope`); their row scope above stays as it is.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from villages.models import ANCESTOR_FIELD, OfficerAssignment, Region

from .models import Role, User

# What each role may do, wherever its write scope allows.
ROLE_ACTIONS = {
    Role.STAF: {
        "kampung.add",
        "kampung.change",
        # The official record: formation date, SK number and date.
        "kampung.official",
        "kampung.deactivate",
        "classification.add",
        "proposal.add",
        "proposal.decide",
        "pokja.change",
        "program.change",
        "launch.change",
        "target.change",
        "assignment.change",
        "user.manage",
        "child.personal",
        "child.change",
        "measurement.add",
        "measurement.import",
        "prevalence.change",
        "dashat.change",
        "audit.change",
        # Region boundaries for the maps (villages.boundaries).
        "boundary.change",
        # Ask for a full recomputation of the dashboards' figures.
        "indicator.refresh",
        # Evaluation cycles, rubrics, evaluator assignments, results, awards.
        "evaluation.manage",
        # Early warnings: acknowledge and close them, tune their rules.
        "alert.acknowledge",
        "alert.close",
        "alert.rule",
    },
    Role.PLKB: {
        "kampung.change",
        "pokja.change",
        "program.change",
        "proposal.add",
        # Their own desa's children: names and birth dates, measurements, Dashat.
        "child.personal",
        "child.change",
        "measurement.add",
        "dashat.change",
        "audit.change",
        # Their own desa's early warnings: acknowledged, closed by staff.
        "alert.acknowledge",
    },
    Role.PIMPINAN: set(),
    # Scores and evidence, only for the Kampung KB an evaluator is assigned.
    Role.EVALUATOR: {"evaluation.score"},
}


@dataclass(frozen=True)
class Scope:
    """Regions a user may read and write; None means the whole country."""

    read: tuple[Region, ...] | None
    write: tuple[Region, ...] | None


def _plkb_desa(user):
    return tuple(
        a.region
        for a in OfficerAssignment.objects.filter(officer__user=user).select_related(
            "region__kecamatan"
        )
    )


def user_scope(user) -> Scope:
    """Compute (once per request) the regions the user reads and writes."""
    cached = getattr(user, "_kkb_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(read=(), write=())
    elif user.effective_role == Role.ADMIN:
        scope = Scope(read=None, write=None)
    elif user.effective_role == Role.PLKB:
        desa = _plkb_desa(user)
        kecamatan = {d.kecamatan_id: d.kecamatan for d in desa}
        scope = Scope(read=tuple(kecamatan.values()), write=desa)
    elif user.effective_role == Role.EVALUATOR:
        scope = Scope(read=(), write=())
    else:
        regions = tuple(user.regions.all())
        writes = regions if user.effective_role == Role.STAF else ()
        scope = Scope(read=regions, write=writes)
    user._kkb_scope = scope
    return scope


def aggregate_scope(user) -> tuple[Region, ...] | None:
    """Regions whose aggregate dashboards the user reads; None means the country.

    A PLKB and a pimpinan read the kab/kota of each region they read (a
    province stays a province); others read the dashboards of their read scope.
    """
    cached = getattr(user, "_kkb_aggregate", None)
    if cached is not None:
        return cached
    read = user_scope(user).read
    if read is not None and user.effective_role in (Role.PLKB, Role.PIMPINAN):
        # A Kemendagri code's first five characters name its kab/kota.
        codes = {region.code[:5] for region in read}
        read = tuple(Region.objects.filter(code__in=codes).order_by("code"))
    user._kkb_aggregate = read
    return read


def readable_kampungs(queryset, user):
    """The Kampung KB whose profile the user may open (read-only unless `can` says
    more): the read scope, and for an evaluator the Kampung KB they are assigned
    in an evaluation cycle (by the reverse relation: villages imports nothing from
    evaluations)."""
    if user.is_authenticated and user.effective_role == Role.EVALUATOR:
        return queryset.filter(
            pk__in=queryset.model._default_manager.filter(
                evaluations__assignments__evaluator=user
            ).values("pk")
        )
    return scoped(queryset, user)


def figure_kampungs(queryset, user):
    """The Kampung KB whose figures over time (before and after their launch) the
    user reads: the read scope, a PLKB only the Kampung KB of their own desa, an
    evaluator none."""
    if not user.is_authenticated or user.effective_role == Role.EVALUATOR:
        return queryset.none()
    return scoped(queryset, user, write=user.effective_role == Role.PLKB)


def figures_readable(user, code: str) -> bool:
    """Whether `figure_kampungs` holds the Kampung KB of the desa with this code
    (without a query)."""
    if not user.is_authenticated or user.effective_role == Role.EVALUATOR:
        return False
    scope = user_scope(user)
    return code_within(
        code, scope.write if user.effective_role == Role.PLKB else scope.read
    )


def _region_q(path, regions):
    if regions is None:
        return Q()
    q = Q(pk__in=[])
    for region in regions:
        field = ANCESTOR_FIELD[region.level]
        q |= Q(**{f"{path}__{field}" if path else field: region.code})
    return q


def scoped(queryset, user, *, write=False):
    """The rows of `queryset` that `user` may read (or, with write=True, change)."""
    scope = user_scope(user)
    regions = scope.write if write else scope.read
    if regions is None:
        return queryset
    model = queryset.model
    paths = (
        getattr(model, "write_scope_paths", model.scope_paths)
        if write
        else model.scope_paths
    )
    q = Q(pk__in=[])
    for path in paths:
        q |= _region_q(path, regions)
    if any(_crosses_to_many(model, p) for p in paths):
        # A join through a to-many relation could repeat rows; filter by key instead.
        return queryset.filter(pk__in=model._default_manager.filter(q).values("pk"))
    return queryset.filter(q)


def _crosses_to_many(model, path):
    for name in path.split("__") if path else ():
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def region_within(region: Region, regions) -> bool:
    return code_within(region.code, regions)


def code_within(code: str, regions) -> bool:
    """Whether the region with this code lies in (or is) one of `regions`."""
    if regions is None:
        return True
    return any(code == r.code or code.startswith(r.code + ".") for r in regions)


def can(user, action: str, region: Region | None = None) -> bool:
    """Whether the user's role allows `action`, in `region` if one is given."""
    if not user.is_authenticated:
        return False
    role = user.effective_role
    if role != Role.ADMIN and action not in ROLE_ACTIONS.get(role, ()):
        return False
    return region is None or region_within(region, user_scope(user).write)


def require(user, action: str, region: Region | None = None):
    """Raise PermissionDenied (403) unless `can(user, action, region)`."""
    if not can(user, action, region):
        raise PermissionDenied


def managed_users(actor):
    """The accounts `actor` may edit, reset and deactivate.

    Staff manage an account only when everything it works on (regions, field
    assignments, evaluation assignments) lies in their write scope: otherwise a
    new role or password they gave it would reach another office's data. An
    account with no region, an administrator or one that may enter the admin site
    is managed by administrators only.
    """
    if not can(actor, "user.manage"):
        return User.objects.none()
    regions = user_scope(actor).write
    if regions is None:
        return User.objects.all()
    outside = Region.objects.exclude(_region_q("", regions))
    reaching_out = Q(pk__in=[])
    for path in User.reach_paths:
        reaching_out |= Q(**{f"{path}__in": outside})
    return (
        scoped(User.objects, actor, write=True)
        .exclude(Q(is_superuser=True) | Q(is_staff=True) | Q(role=Role.ADMIN))
        .exclude(pk__in=User.objects.filter(reaching_out).values("pk"))
    )
