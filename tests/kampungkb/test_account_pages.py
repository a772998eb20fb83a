import re

import pytest
from django.test import Client
from django.urls import reverse

from kampungkb.models import Role, User
from kampungkb.services import user_create
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("root", password="x-Very-long-pass-1")


@pytest.fixture
def staf(kota_pekalongan, admin):
    user, _password = user_create(
        actor=admin, username="staf", role=Role.STAF, regions=[kota_pekalongan]
    )
    return user


def make_user(admin, username, role, codes):
    user, _password = user_create(
        actor=admin,
        username=username,
        role=role,
        regions=Region.objects.filter(code__in=codes),
    )
    return user


def shown_password(response):
    return re.search(r'<code class="secret">([^<]+)</code>', response.content.decode())[
        1
    ]


def test_staff_cannot_create_an_administrator(client, staf):
    client.force_login(staf)
    url = reverse("user-create")
    roles = dict(client.get(url).context["form"].fields["role"].choices)
    assert Role.ADMIN not in roles

    response = client.post(url, {"username": "bos", "role": Role.ADMIN})

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="bos").exists()


def test_staff_create_a_plkb_who_can_sign_in_with_the_password_shown(client, staf):
    client.force_login(staf)

    response = client.post(
        reverse("user-create"),
        {
            "username": "plkb.jenggot",
            "first_name": "Sri",
            "role": Role.PLKB,
            "desa": [JENGGOT, BANYURIP],
        },
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response)
    account = User.objects.get(username="plkb.jenggot")
    codes = OfficerAssignment.objects.filter(officer__user=account).values_list(
        "region", flat=True
    )
    assert set(codes) == {JENGGOT, BANYURIP}
    fresh = Client()
    signed_in = fresh.post(
        reverse("login"), {"username": "plkb.jenggot", "password": password}
    )
    assert signed_in.status_code == 302


def test_a_plkb_needs_a_desa_and_the_error_is_next_to_that_box(client, staf):
    client.force_login(staf)

    response = client.post(
        reverse("user-create"),
        {"username": "plkb.baru", "role": Role.PLKB, "areas": ["33.75"]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["desa"] == ["Pilih minimal satu wilayah."]
    assert not User.objects.filter(username="plkb.baru").exists()


def test_a_taken_username_is_a_field_error(client, staf):
    client.force_login(staf)

    response = client.post(
        reverse("user-create"),
        {"username": "staf", "role": Role.PIMPINAN, "areas": ["33.75.01"]},
    )

    assert response.status_code == 200
    assert "username" in response.context["form"].errors


def test_password_reset_by_staff_shows_a_new_password_that_works(client, staf, admin):
    account = make_user(admin, "pimpinan", Role.PIMPINAN, ["33.75"])
    client.force_login(staf)
    url = reverse("user-reset-password", args=[account.pk])
    assert client.get(url).status_code == 200

    response = client.post(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response)
    fresh = Client()
    assert (
        fresh.post(
            reverse("login"), {"username": "pimpinan", "password": password}
        ).status_code
        == 302
    )


def test_staff_edit_role_regions_and_deactivate(client, staf, admin):
    account = make_user(admin, "pimpinan", Role.PIMPINAN, ["33.75"])
    client.force_login(staf)

    response = client.post(
        reverse("user-edit", args=[account.pk]),
        {"role": Role.PIMPINAN, "areas": ["33.75.02"], "last_name": "Camat"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.is_active
    assert account.last_name == "Camat"
    assert list(account.regions.values_list("code", flat=True)) == ["33.75.02"]


def test_accounts_outside_the_region_are_404_and_admins_403(
    client, staf, admin, kab_pekalongan
):
    outsider = make_user(admin, "staf.kab", Role.STAF, ["33.26"])
    admin.regions.set([Region.objects.get(code="33.75")])
    client.force_login(staf)

    listing = client.get(reverse("user-list")).content.decode()
    assert "staf.kab" not in listing
    assert client.get(reverse("user-edit", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("user-edit", args=[admin.pk])).status_code == 403
    assert (
        client.post(reverse("user-reset-password", args=[admin.pk])).status_code == 403
    )


def test_only_staff_manage_users_and_see_the_link(client, staf, admin):
    pimpinan = make_user(admin, "pimpinan", Role.PIMPINAN, ["33.75"])
    client.force_login(pimpinan)
    page = client.get(reverse("password_change")).content.decode()
    assert reverse("user-list") not in page
    assert client.get(reverse("user-list")).status_code == 403
    assert client.get(reverse("user-create")).status_code == 403

    client.force_login(staf)
    page = client.get(reverse("password_change")).content.decode()
    assert reverse("user-list") in page


def test_a_user_changes_their_own_password(client, staf):
    staf.set_password("Lama-sekali-2025")
    staf.save()
    client.force_login(staf)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Lama-sekali-2025",
            "new_password1": "Baru-sekali-2026",
            "new_password2": "Baru-sekali-2026",
        },
    )

    assert response.status_code == 302
    staf.refresh_from_db()
    assert staf.check_password("Baru-sekali-2026")
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "salah", "new_password1": "a", "new_password2": "b"},
    )
    assert "old_password" in wrong.context["form"].errors
