"""Finding 14: regions typed as codes on the account pages (too many for a list)."""

import pytest
from django.urls import reverse

from kampungkb.models import Role, User
from villages.models import OfficerAssignment

JENGGOT = "33.75.04.1004"  # Kota Pekalongan, a kelurahan
KAB_DESA = "33.26.01.2001"  # Kabupaten Pekalongan, a desa


@pytest.fixture
def typed_codes(kota_pekalongan, kab_pekalongan, settings):
    """Real regions of both Pekalongan, offered as a box to type codes in.

    The box replaces the checkboxes above CHOICE_SEARCH_THRESHOLD regions (an
    administrator chooses among 83,762 desa); lowering it shows it with two
    districts.
    """
    settings.CHOICE_SEARCH_THRESHOLD = 20


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("root", password="x-Very-long-pass-1")


def test_an_administrator_creates_a_plkb_by_typing_desa_codes(
    client, admin, typed_codes
):
    client.force_login(admin)
    url = reverse("user-create")
    assert 'data-choice-search="/cari/wilayah/?sumber=pengguna-desa"' in (
        client.get(url).content.decode()
    )

    response = client.post(
        url,
        {
            "username": "plkb.dua",
            "role": Role.PLKB,
            "desa": f" {JENGGOT},{KAB_DESA}\r\n33.75.04.1002 ",
        },
    )

    assert response.status_code == 200
    assert response.context.get("form") is None, response.context["form"].errors
    assigned = OfficerAssignment.objects.filter(officer__user__username="plkb.dua")
    assert set(assigned.values_list("region", flat=True)) == {
        JENGGOT,
        KAB_DESA,
        "33.75.04.1002",
    }


def test_each_code_that_cannot_be_chosen_gets_its_own_message(
    client, admin, typed_codes
):
    client.force_login(admin)

    response = client.post(
        reverse("user-create"),
        {
            "username": "plkb.salah",
            "role": Role.PLKB,
            "desa": f"{JENGGOT}, 99.99.99.9999 33.75.04 abc",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["desa"]
    box = "Desa/kelurahan binaan (PLKB/PKB)"
    assert errors == [
        f"{box}: kode wilayah 99.99.99.9999 tidak dikenal.",
        f"{box}: Kecamatan Pekalongan Selatan (33.75.04) tidak dapat dipilih di sini: "
        "di luar wilayah Anda atau bukan pilihan yang diminta.",
        f"{box}: kode wilayah abc tidak dikenal.",
    ]
    assert not User.objects.filter(username="plkb.salah").exists()


def test_staff_typing_a_code_outside_their_district_is_told_which(
    client, admin, typed_codes, kota_pekalongan
):
    staf = User.objects.create_user("staf", role=Role.STAF)
    staf.regions.set([kota_pekalongan])
    client.force_login(staf)

    response = client.post(
        reverse("user-create"),
        {"username": "plkb.luar", "role": Role.PLKB, "desa": f"{JENGGOT} {KAB_DESA}"},
    )

    assert response.context["form"].errors["desa"] == [
        f"Desa/kelurahan binaan (PLKB/PKB): Desa Klesem ({KAB_DESA}) tidak dapat "
        "dipilih di sini: di luar wilayah Anda atau bukan pilihan yang diminta."
    ]
    assert not User.objects.filter(username="plkb.luar").exists()


def test_the_edit_page_shows_the_codes_typed_before(client, admin, typed_codes):
    client.force_login(admin)
    client.post(
        reverse("user-create"),
        {"username": "plkb.dua", "role": Role.PLKB, "desa": f"{JENGGOT} {KAB_DESA}"},
    )
    account = User.objects.get(username="plkb.dua")

    page = client.get(reverse("user-edit", args=[account.pk])).content.decode()

    assert f'value="{KAB_DESA}, {JENGGOT}"' in page
