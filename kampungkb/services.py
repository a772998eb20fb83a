"""Writes to user accounts: creation within the creator's region, roles, passwords."""

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from villages.models import FieldOfficer, OfficerKind, RegionLevel
from villages.services import officer_assign

from .access import can, managed_users, region_within, user_scope
from .integrity import unique_errors
from .models import Role, User


def _require_managed(*, actor, user):
    if not managed_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


def _check_regions(*, actor, role, regions):
    """Regions must fit the role and lie inside what the actor may manage."""
    if not regions and role != Role.ADMIN:
        raise ValidationError({"regions": _("Pilih minimal satu wilayah.")})
    writable = user_scope(actor).write
    for region in regions:
        if not region_within(region, writable):
            raise ValidationError(
                {
                    "regions": _("%(name)s di luar wilayah Anda.")
                    % {"name": region.label}
                }
            )
        if role == Role.PLKB and region.level != RegionLevel.DESA:
            raise ValidationError(
                {
                    "regions": _(
                        "PLKB/PKB ditugaskan di desa/kelurahan, bukan %(name)s."
                    )
                    % {"name": region.label}
                }
            )


def temporary_password() -> str:
    """A random password for a new account or a reset, shown once to the staff member."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    role: str,
    regions,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account in the actor's region; returns it with its first password.

    A PLKB/PKB's regions are the desa/kelurahan they accompany: they become the
    assignments of the field officer linked to the account.
    """
    if not can(actor, "user.manage"):
        raise PermissionDenied
    if role == Role.ADMIN and actor.effective_role != Role.ADMIN:
        raise PermissionDenied
    regions = list(regions)
    _check_regions(actor=actor, role=role, regions=regions)
    password = password or temporary_password()
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user.set_password(password)
    user.full_clean()
    password_validation.validate_password(password, user)
    # A concurrent request took the name after full_clean: its message, not a 500.
    username_field = User._meta.get_field("username")
    taken = ValidationError(
        {"username": username_field.error_messages["unique"]}, code="unique"
    )
    with unique_errors(User, {"username": taken}):
        user.save()
    if role == Role.PLKB:
        officer = FieldOfficer.objects.create(
            name=user.get_full_name() or username, kind=OfficerKind.PLKB, user=user
        )
        for region in regions:
            officer_assign(officer=officer, region=region)
    else:
        user.regions.set(regions)
    return user, password


@transaction.atomic
def user_update(
    *, actor, user: User, role: str, regions, is_active: bool, **names
) -> User:
    """Change a managed account's role, regions, names or active flag.

    A managed account works only inside the actor's regions, so `regions` is the
    whole of its new regions.
    """
    _require_managed(actor=actor, user=user)
    if role == Role.ADMIN and actor.effective_role != Role.ADMIN:
        raise PermissionDenied
    regions = list(regions)
    _check_regions(actor=actor, role=role, regions=regions)
    officer = FieldOfficer.objects.filter(user=user).first()
    for name, value in names.items():
        setattr(user, name, value)
    user.role = role
    user.is_active = is_active
    user.full_clean()
    user.save()
    if role == Role.PLKB:
        officer = officer or FieldOfficer.objects.create(
            user=user, name=user.get_full_name() or user.get_username()
        )
        officer.assignments.exclude(region__in=regions).delete()
        for region in regions:
            officer_assign(officer=officer, region=region)
        user.regions.clear()
    else:
        if officer:
            # No longer a field officer: they stop showing as pendamping.
            officer.assignments.all().delete()
        user.regions.set(regions)
    return user


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """Give a managed account a new random password and return it, to be shown once."""
    _require_managed(actor=actor, user=user)
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    # A reset is how a locked-out user gets back in (locked_out.html says so).
    axes_reset(username=user.get_username())
    return password
