"""Issue 14: choices too many for a list become a search box (kampungkb.choices).

A field is a <select> up to CHOICE_SEARCH_THRESHOLD rows and a box of codes above
it; /cari/<kind>/?sumber= searches the form's own queryset for the signed-in user.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations import services as evaluation_services
from kampungkb.models import Role, User
from stunting.models import Dashat
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import KampungKB, LaunchEvent, OfficerAssignment, Region

JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"
KAB_DESA = "33.26.01.2001"  # Klesem, Kabupaten Pekalongan


@pytest.fixture
def regions(kota_pekalongan, kab_pekalongan):
    return {"kota": kota_pekalongan, "kab": kab_pekalongan}


@pytest.fixture
def people(regions):
    def make(username, role, region_list=()):
        user = User.objects.create_user(username, role=role)
        user.regions.set(region_list)
        return user

    plkb = make("plkb.jenggot", Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=Region.objects.get(code=JENGGOT)
    )
    return {
        "admin": User.objects.create_superuser("root"),
        "staf": make("staf.kota", Role.STAF, [regions["kota"]]),
        "staf_kab": make("staf.kab", Role.STAF, [regions["kab"]]),
        "pimpinan": make("pimpinan.kota", Role.PIMPINAN, [regions["kota"]]),
        "plkb": plkb,
        "eva": make("eva.kota", Role.EVALUATOR, [regions["kota"]]),
        "evi": make("evi.kab", Role.EVALUATOR, [regions["kab"]]),
    }


@pytest.fixture
def kampungs(regions):
    return {
        code: KampungFactory(region=Region.objects.get(code=code))
        for code in (JENGGOT, BANYURIP, KAB_DESA)
    }


@pytest.fixture
def searched(settings):
    """Every list here is longer than the threshold: each field is a search box."""
    settings.CHOICE_SEARCH_THRESHOLD = 0


def search(client, kind, source, q="", **extra):
    return client.get(
        reverse("choice-search", args=[kind]), {"sumber": source, "q": q, **extra}
    )


def codes(response):
    assert response.status_code == 200, response.status_code
    return [row["code"] for row in response.json()["results"]]


# --- The widget switches at the threshold ---------------------------------------


def test_a_short_list_stays_a_select_and_a_long_one_becomes_a_search_box(
    client, people, settings
):
    client.force_login(people["staf"])
    url = reverse("kampung-create")
    # Kota Pekalongan has 27 kelurahan.
    settings.CHOICE_SEARCH_THRESHOLD = 27
    page = client.get(url).content.decode()
    assert '<select name="region"' in page
    assert "data-choice-search" not in page
    assert f'<option value="{JENGGOT}">Kelurahan Jenggot ({JENGGOT})</option>' in page

    settings.CHOICE_SEARCH_THRESHOLD = 26
    page = client.get(url).content.decode()
    assert '<select name="region"' not in page
    assert 'data-choice-search="/cari/wilayah/?sumber=kampung-baru"' in page
    assert 'type="text" name="region"' in page
    assert "/js/choice-search." in page


def test_a_plkb_with_one_desa_keeps_a_select(client, people):
    client.force_login(people["plkb"])

    page = client.get(reverse("child-create")).content.decode()

    assert '<select name="region"' in page
    assert "data-choice-search" not in page


def test_the_box_shows_the_label_of_what_is_chosen(client, people, kampungs, searched):
    client.force_login(people["staf"])
    event = LaunchEvent.objects.create(
        date=datetime.date(2023, 6, 7), organizer=Region.objects.get(code="33.75")
    )
    event.kampungs.set([kampungs[JENGGOT]])

    page = client.get(reverse("launch-edit", args=[event.pk])).content.decode()

    assert f'value="{JENGGOT}"' in page
    assert "Kampung KB Jenggot (33.75.04.1004)" in page


# --- The endpoints are scoped like the forms ------------------------------------


def test_staff_never_find_another_districts_kampung_kb(client, people, kampungs):
    client.force_login(people["staf"])

    assert codes(search(client, "kampung", "pencanangan")) == [BANYURIP, JENGGOT]
    assert codes(search(client, "kampung", "pencanangan", "klesem")) == []
    assert codes(search(client, "kampung", "pencanangan", "33.26")) == []
    assert codes(search(client, "kampung", "dashat", "Jeng")) == [JENGGOT]

    client.force_login(people["admin"])
    assert codes(search(client, "kampung", "pencanangan", "klesem")) == [KAB_DESA]


def test_a_search_answers_with_the_label_the_select_shows(client, people, kampungs):
    client.force_login(people["staf"])

    rows = search(client, "wilayah", "kampung-baru", "jenggot").json()["results"]

    assert rows == [{"code": JENGGOT, "label": f"Kelurahan Jenggot ({JENGGOT})"}]
    by_code = search(client, "wilayah", "kampung-baru", "33.75.04.100").json()
    found = [r["code"] for r in by_code["results"]]
    assert found == sorted(found)
    assert {JENGGOT, BANYURIP} <= set(found)
    assert all(code.startswith("33.75.04.100") for code in found)


def test_a_search_returns_at_most_twenty(client, people):
    client.force_login(people["admin"])

    response = search(client, "wilayah", "kampung-baru", "33.26")

    assert len(codes(response)) == 20
    assert response.json()["more"] is True


def test_a_plkb_finds_only_their_desa(client, people, kampungs):
    client.force_login(people["plkb"])

    assert codes(search(client, "wilayah", "anak")) == [JENGGOT]
    assert codes(search(client, "wilayah", "anak", "banyurip")) == []
    assert codes(search(client, "kampung", "dashat")) == [JENGGOT]


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("kampung", "pencanangan"),
        ("kampung", "dashat"),
        ("kampung", "penghargaan"),
        ("wilayah", "kampung-baru"),
        ("wilayah", "anak"),
        ("wilayah", "prevalensi"),
        ("wilayah", "pengguna-desa"),
        ("wilayah", "target"),
        ("wilayah", "evaluasi"),
        ("pengguna", "evaluator"),
    ],
)
def test_an_official_cannot_search_for_write_forms(client, people, kind, source):
    client.force_login(people["pimpinan"])

    assert search(client, kind, source).status_code == 403


def test_unknown_kinds_and_sources_are_not_found(client, people):
    client.force_login(people["admin"])

    assert search(client, "anak", "pencanangan").status_code == 404
    assert search(client, "kampung", "semua").status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, kampungs):
    response = search(client, "kampung", "pencanangan")

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_evaluators_and_participants_are_searched_within_the_cycle(
    client, people, kampungs
):
    cycle = evaluation_services.cycle_create(
        region=Region.objects.get(code="33.75"),
        name="Evaluasi 2025",
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        template=None,
        created_by=people["staf"],
    )
    client.force_login(people["staf"])

    assert codes(search(client, "pengguna", "evaluator")) == ["eva.kota"]
    assert codes(search(client, "pengguna", "evaluator", "evi")) == []
    eligible = search(client, "kampung", "peserta", konteks=cycle.pk)
    assert codes(eligible) == [BANYURIP, JENGGOT]
    assert search(client, "kampung", "peserta", konteks="x").status_code == 404

    client.force_login(people["staf_kab"])
    assert search(client, "kampung", "peserta", konteks=cycle.pk).status_code == 404


# --- Posted codes: the form checks them by the same queryset --------------------


def test_a_kampung_kb_outside_scope_is_refused_with_a_field_error(
    client, people, kampungs, searched
):
    client.force_login(people["staf"])

    response = client.post(
        reverse("dashat-create"),
        {"kampung": KAB_DESA, "name": "Dashat Luar", "status": "aktif"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["kampung"] == [
        f"Kampung KB: tidak ada Kampung KB dengan kode desa/kelurahan {KAB_DESA} "
        "yang dapat dipilih di sini."
    ]
    # The refusal does not name the other district's Kampung KB.
    assert "Klesem" not in response.content.decode()
    assert not Dashat.objects.exists()


def test_without_javascript_codes_are_typed_in_the_box(
    client, people, kampungs, searched
):
    client.force_login(people["staf"])

    response = client.post(
        reverse("launch-create"),
        {
            "date": "2023-06-07",
            "organizer": "33.75",
            "kampungs": f"{JENGGOT}, {BANYURIP}",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    launch = LaunchEvent.objects.get()
    assert set(launch.kampungs.values_list("region", flat=True)) == {
        JENGGOT,
        BANYURIP,
    }


def test_each_code_typed_outside_scope_gets_its_own_message(
    client, people, kampungs, searched
):
    client.force_login(people["staf"])

    response = client.post(
        reverse("launch-create"),
        {"date": "2023-06-07", "organizer": "33.75", "kampungs": f"{JENGGOT} 33.26"},
    )

    assert response.context["form"].errors["kampungs"] == [
        "Kampung KB yang dicanangkan: tidak ada Kampung KB dengan kode "
        "desa/kelurahan 33.26 yang dapat dipilih di sini."
    ]
    assert not LaunchEvent.objects.exists()


def test_an_evaluator_is_chosen_by_user_name(client, people, kampungs, searched):
    cycle = evaluation_services.cycle_create(
        region=Region.objects.get(code="33.75"),
        name="Evaluasi 2025",
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        template=None,
        created_by=people["staf"],
    )
    evaluation_services.cycle_participants_set(
        cycle=cycle, kampungs=[kampungs[JENGGOT], kampungs[BANYURIP]]
    )
    client.force_login(people["staf"])
    url = reverse("evaluation-evaluators", args=[cycle.pk])

    refused = client.post(url, {"evaluator": "evi.kab", "kampungs": ""})
    assert refused.context["form"].errors["evaluator"] == [
        "Evaluator: tidak ada pengguna evi.kab yang dapat dipilih di sini."
    ]
    saved = client.post(url, {"evaluator": "eva.kota", "kampungs": JENGGOT})
    assert saved.status_code == 302
    assert list(
        people["eva"].evaluation_assignments.values_list(
            "participant__kampung__region", flat=True
        )
    ) == [JENGGOT]


# --- The slow pages cost the same for 5 or 50 Kampung KB ------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _more_kampungs(n):
    """Kampung KB in n more desa of Kabupaten Pekalongan."""
    free = Region.objects.filter(
        code__startswith="33.26.", level=4, kampung__isnull=True
    ).order_by("code")[:n]
    return [KampungFactory(region=region) for region in free]


def test_the_launch_and_account_pages_do_not_grow_with_the_registry(
    client, people, kampungs, settings
):
    settings.CHOICE_SEARCH_THRESHOLD = 0
    client.force_login(people["admin"])
    account = people["plkb"]
    pages = [reverse("launch-create"), reverse("user-edit", args=[account.pk])]
    _more_kampungs(2)
    few = [_queries(client, url) for url in pages]
    _more_kampungs(45)
    assert KampungKB.objects.count() >= 50

    assert [_queries(client, url) for url in pages] == few


def test_the_cycle_page_does_not_grow_with_its_participants(client, people, kampungs):
    cycle = evaluation_services.cycle_create(
        region=Region.objects.get(code="33.26"),
        name="Evaluasi Kabupaten",
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        template=None,
        created_by=people["admin"],
    )
    client.force_login(people["admin"])
    url = reverse("evaluation-detail", args=[cycle.pk])
    evaluation_services.cycle_participants_set(
        cycle=cycle, kampungs=[kampungs[KAB_DESA], *_more_kampungs(4)]
    )
    evaluation_services.evaluator_assign(cycle=cycle, evaluator=people["evi"])
    few = _queries(client, url)

    evaluation_services.cycle_participants_set(
        cycle=cycle, kampungs=[kampungs[KAB_DESA], *_more_kampungs(60)]
    )
    evaluation_services.evaluator_assign(cycle=cycle, evaluator=people["evi"])

    assert _queries(client, url) == few
    page = client.get(url)
    assert len(page.context["participants"]) == 50
    assert page.context["page"].paginator.count == 61
    (evi,) = page.context["evaluators"]
    assert evi.assigned == 61
