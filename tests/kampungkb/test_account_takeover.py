"""Finding 1: staff manage only the accounts that work entirely inside their regions.

The attack measured on the running stack: staff of Kota Pekalongan (33.75) edited
an account that also worked in Kabupaten Pekalongan (33.26), made it staf, reset
its password (shown to them), then through it read Kabupaten's children and reset
Kabupaten staff's passwords. Every step of that chain must be refused.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from evaluations import services as evaluations
from kampungkb import services
from kampungkb.models import Role, User
from stunting.services import child_register
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region

PASSWORD = "Sandi-lama-yang-panjang-1"
KAB_DESA = "33.26.01.2001"  # Klesem, Kabupaten Pekalongan
JENGGOT = "33.75.04.1004"  # Kota Pekalongan


def _account(username, role, codes=(), **flags):
    user = User.objects.create_user(username, password=PASSWORD, role=role, **flags)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def world(kota_pekalongan, kab_pekalongan):
    child = child_register(
        region=Region.objects.get(code=KAB_DESA),
        name="Siti Rahmawati",
        sex="P",
        birth_date=datetime.date(2023, 3, 14),
        parent_name="Ibu Aminah",
    )
    return {
        "staf_kota": _account("staf.kota", Role.STAF, ["33.75"]),
        "staf_kab": _account("staf.kab", Role.STAF, ["33.26"]),
        # Works for both districts: neither district's staff may manage it alone.
        "shared": _account("pimpinan.bersama", Role.PIMPINAN, ["33.75", "33.26"]),
        "child": child,
    }


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_measured_attack_chain_is_refused_at_every_step(world):
    attacker = _signed_in(world["staf_kota"])
    shared = world["shared"]
    edit = reverse("user-edit", args=[shared.pk])
    reset = reverse("user-reset-password", args=[shared.pk])

    # The list shows the shared account as read-only: no edit or reset link.
    listing = attacker.get(reverse("user-list")).content.decode()
    assert "pimpinan.bersama" in listing
    assert f'href="{edit}"' not in listing
    assert "Dikelola administrator" in listing

    # 1. Edit it: make it staf (and take the chance to deactivate it).
    assert attacker.get(edit).status_code == 403
    response = attacker.post(edit, {"role": Role.STAF, "areas": ["33.75"]})
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.role == Role.PIMPINAN
    assert shared.is_active
    assert set(shared.regions.values_list("code", flat=True)) == {"33.75", "33.26"}

    # 2. Reset its password: refused, nothing shown, the owner's password still works.
    assert attacker.get(reset).status_code == 403
    response = attacker.post(reset)
    assert response.status_code == 403
    assert 'class="secret"' not in response.content.decode()
    shared.refresh_from_db()
    assert shared.check_password(PASSWORD)

    # 3. Read the other district's children: neither the attacker...
    child = world["child"]
    assert attacker.get(reverse("child-detail", args=[child.pk])).status_code == 404
    assert "Siti Rahmawati" not in attacker.get(reverse("child-list")).content.decode()
    # ...nor the shared account, still pimpinan, sees a name, birth date or parent.
    page = _signed_in(shared).get(reverse("child-detail", args=[child.pk]))
    assert page.status_code == 200
    for personal in ("Siti Rahmawati", "Ibu Aminah", "14-03-2023", "2023-03-14"):
        assert personal not in page.content.decode()

    # 4. Reset Kabupaten staff's password: the shared account manages no one.
    staf_kab = reverse("user-reset-password", args=[world["staf_kab"].pk])
    assert _signed_in(shared).post(staf_kab).status_code == 403
    assert attacker.post(staf_kab).status_code == 404
    world["staf_kab"].refresh_from_db()
    assert world["staf_kab"].check_password(PASSWORD)


def test_the_services_refuse_too(world):
    actor, shared = world["staf_kota"], world["shared"]

    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=actor,
            user=shared,
            role=Role.STAF,
            regions=[Region.objects.get(code="33.75")],
            is_active=True,
        )
    with pytest.raises(PermissionDenied):
        services.user_reset_password(actor=actor, user=shared)
    shared.refresh_from_db()
    assert shared.role == Role.PIMPINAN
    assert shared.check_password(PASSWORD)


def test_a_plkb_assigned_in_both_districts_is_not_kota_staffs(world):
    plkb = _account("plkb.bersama", Role.PLKB)
    officer = FieldOfficerFactory(user=plkb)
    for code in (JENGGOT, KAB_DESA):
        OfficerAssignment.objects.create(
            officer=officer, region=Region.objects.get(code=code)
        )
    attacker = _signed_in(world["staf_kota"])

    edit = attacker.post(
        reverse("user-edit", args=[plkb.pk]), {"role": Role.STAF, "areas": ["33.75"]}
    )
    reset = attacker.post(reverse("user-reset-password", args=[plkb.pk]))

    assert (edit.status_code, reset.status_code) == (403, 403)
    plkb.refresh_from_db()
    assert plkb.role == Role.PLKB
    assert plkb.check_password(PASSWORD)
    assert officer.assignments.count() == 2


def test_an_evaluator_of_the_other_district_is_not_kota_staffs(world):
    evaluator = _account("evaluator.kota", Role.EVALUATOR, ["33.75"])
    kampung = KampungFactory(region=Region.objects.get(code=KAB_DESA))
    cycle = evaluations.cycle_create(
        region=Region.objects.get(code="33.26"),
        name="Evaluasi Kabupaten 2025",
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        kampungs=[kampung],
    )
    evaluations.evaluator_assign(cycle=cycle, evaluator=evaluator)
    attacker = _signed_in(world["staf_kota"])

    response = attacker.post(reverse("user-reset-password", args=[evaluator.pk]))

    assert response.status_code == 403
    evaluator.refresh_from_db()
    assert evaluator.check_password(PASSWORD)


def test_accounts_without_a_region_or_with_admin_access_are_administrators_only(
    world, admin_client_logged_in
):
    attacker = _signed_in(world["staf_kota"])
    nowhere = _account("tanpa.wilayah", Role.PIMPINAN)
    site_staff = _account("admin.situs", Role.STAF, ["33.75"], is_staff=True)

    assert (
        attacker.post(reverse("user-reset-password", args=[nowhere.pk])).status_code
        == 404
    )
    assert (
        attacker.post(reverse("user-reset-password", args=[site_staff.pk])).status_code
        == 403
    )
    for account in (nowhere, site_staff):
        account.refresh_from_db()
        assert account.check_password(PASSWORD)
    response = admin_client_logged_in.post(
        reverse("user-edit", args=[nowhere.pk]),
        {"role": Role.PIMPINAN, "areas": ["33.26"], "is_active": "on"},
    )
    assert response.status_code == 302
    assert list(nowhere.regions.values_list("code", flat=True)) == ["33.26"]


def test_staff_cannot_widen_an_account_beyond_their_own_rights(world):
    own = _account("pimpinan.kota", Role.PIMPINAN, ["33.75"])
    attacker = _signed_in(world["staf_kota"])
    edit = reverse("user-edit", args=[own.pk])

    flags = attacker.post(
        edit,
        {
            "role": Role.PIMPINAN,
            "areas": ["33.75"],
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    admin = attacker.post(edit, {"role": Role.ADMIN, "areas": ["33.75"]})
    elsewhere = attacker.post(edit, {"role": Role.STAF, "areas": ["33.26"]})

    assert flags.status_code == 302
    assert "role" in admin.context["form"].errors
    assert "areas" in elsewhere.context["form"].errors
    own.refresh_from_db()
    assert (own.is_superuser, own.is_staff, own.role) == (False, False, Role.PIMPINAN)
    assert list(own.regions.values_list("code", flat=True)) == ["33.75"]
