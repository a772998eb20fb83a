"""Dashat and case audits: the services' rules, and the pages under each role."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kampungkb.models import Role, User
from stunting import services
from stunting.models import FOLLOW_UP, CaseAudit, DashatBeneficiary
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"  # the PLKB's desa
BANYURIP = "33.75.04.1002"  # same kecamatan: the PLKB reads it, does not change it
MEDONO = "33.75.01.1002"  # another kecamatan: outside the PLKB's scope

CHILD_NAME = "Siti Aminah"
PARENT_NAME = "Budi Santoso"
CATIN_NAME = "Dewi Lestari"
BIRTH = datetime.date(2023, 3, 15)


def _user(username, role, codes=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def world(kota_pekalongan):
    """Accounts per role, a stunted child with a Dashat and an audit in Jenggot."""
    plkb = _user("plkb", Role.PLKB)
    jenggot = Region.objects.get(code=JENGGOT)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=jenggot
    )
    kampung = KampungFactory(region=jenggot)
    child = services.child_register(
        region=jenggot,
        name=CHILD_NAME,
        sex="L",
        birth_date=BIRTH,
        parent_name=PARENT_NAME,
    )
    # Boy, 731 days, 80.0 cm standing: HAZ -2.33 (DOMAIN.md check value).
    services.measurement_record(
        child=child,
        measured_on=BIRTH + datetime.timedelta(days=731),
        weight_kg=10,
        height_cm=80,
        measured="standing",
    )
    dashat = services.dashat_save(
        kampung=kampung, name="Dashat Jenggot", formed_on=datetime.date(2023, 6, 7)
    )
    catin = services.beneficiary_enrol(
        dashat=dashat,
        category="catin",
        name=CATIN_NAME,
        start_on=datetime.date(2024, 1, 8),
    )
    services.beneficiary_enrol(
        dashat=dashat,
        category="balita",
        child=child,
        start_on=datetime.date(2024, 1, 8),
    )
    audit = services.audit_save(
        child=child,
        audited_on=datetime.date(2025, 3, 20),
        causes=["poverty"],
        notes="Keluarga Budi Santoso belum punya jamban.",
    )
    medono = KampungFactory(region=Region.objects.get(code=MEDONO))
    return {
        "staf": _user("staf", Role.STAF, ["33.75"]),
        "plkb": plkb,
        "pimpinan": _user("pimpinan", Role.PIMPINAN, ["33.75"]),
        "child": child,
        "dashat": dashat,
        "catin": catin,
        "audit": audit,
        "kampung": kampung,
        "medono_dashat": services.dashat_save(
            kampung=medono, name="Dashat Medono", formed_on=datetime.date(2023, 7, 1)
        ),
    }


def _errors(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# Services


def test_follow_up_ends_six_months_after_the_start_unless_given(world):
    start = datetime.date(2024, 2, 1)
    default = services.beneficiary_enrol(
        dashat=world["dashat"], category="ibu_hamil", name="Ibu A", start_on=start
    )
    given = services.beneficiary_enrol(
        dashat=world["dashat"],
        category="ibu_menyusui",
        name="Ibu B",
        start_on=start,
        follow_up_end=datetime.date(2024, 12, 31),
    )

    assert default.follow_up_end == start + FOLLOW_UP == datetime.date(2024, 8, 1)
    assert given.follow_up_end == datetime.date(2024, 12, 31)


def test_a_start_too_late_for_a_follow_up_is_refused_not_crashed(world):
    errors = _errors(
        lambda: services.beneficiary_enrol(
            dashat=world["dashat"],
            category="catin",
            name="X",
            start_on=datetime.date(9999, 12, 1),
        )
    )
    assert "start_on" in errors


@pytest.mark.parametrize("category", ["baduta", "balita"])
def test_baduta_and_balita_must_link_a_child(world, category):
    errors = _errors(
        lambda: services.beneficiary_enrol(
            dashat=world["dashat"],
            category=category,
            name="Tanpa data anak",
            start_on=datetime.date(2024, 1, 8),
        )
    )
    assert errors["child"] == ["Baduta dan balita dihubungkan ke data anak."]


def test_a_child_of_another_desa_cannot_join_this_dashat(world):
    other = services.child_register(
        region=Region.objects.get(code=BANYURIP),
        name="Anak Banyurip",
        sex="P",
        birth_date=datetime.date(2024, 1, 1),
    )
    errors = _errors(
        lambda: services.beneficiary_enrol(
            dashat=world["dashat"],
            category="baduta",
            child=other,
            start_on=datetime.date(2024, 2, 1),
        )
    )
    assert "child" in errors
    assert not DashatBeneficiary.objects.filter(child=other).exists()


def test_a_linked_child_is_not_named_twice(world):
    enrolled = DashatBeneficiary.objects.get(child=world["child"])
    assert enrolled.name == ""


def test_session_attendees_must_be_that_dashats_beneficiaries(world):
    stranger = services.beneficiary_enrol(
        dashat=world["medono_dashat"],
        category="catin",
        name="Orang Medono",
        start_on=datetime.date(2024, 1, 8),
    )
    errors = _errors(
        lambda: services.session_record(
            dashat=world["dashat"],
            date=datetime.date(2024, 1, 9),
            menu="Nasi, ikan",
            portions=10,
            beneficiaries_present=[world["catin"], stranger],
        )
    )
    assert "beneficiaries_present" in errors
    assert not world["dashat"].sessions.exists()

    session = services.session_record(
        dashat=world["dashat"],
        date=datetime.date(2024, 1, 9),
        menu="Nasi, ikan",
        portions=10,
        beneficiaries_present=[world["catin"]],
    )
    assert list(session.beneficiaries_present.all()) == [world["catin"]]


@pytest.mark.parametrize(
    ("causes", "field"),
    [([], "causes"), (["poverty", "luck"], "causes")],
)
def test_an_audit_needs_known_causes(world, causes, field):
    errors = _errors(
        lambda: services.audit_save(
            child=world["child"], audited_on=datetime.date(2025, 4, 1), causes=causes
        )
    )
    assert errors[field] == ["Pilih minimal satu penyebab dari daftar."]


def test_an_audit_keeps_each_cause_once_in_list_order(world):
    audit = services.audit_save(
        child=world["child"],
        audited_on=datetime.date(2025, 4, 1),
        causes=["environment", "poverty", "environment"],
        interventions=["referral", "food_aid"],
    )
    assert audit.causes == ["poverty", "environment"]
    assert audit.interventions == ["food_aid", "referral"]


def test_a_closed_audit_needs_a_closing_date_after_the_audit(world):
    missing = _errors(
        lambda: services.audit_save(
            audit=world["audit"],
            child=world["child"],
            audited_on=datetime.date(2025, 3, 20),
            causes=["poverty"],
            status="closed",
        )
    )
    early = _errors(
        lambda: services.audit_save(
            audit=world["audit"],
            child=world["child"],
            audited_on=datetime.date(2025, 3, 20),
            causes=["poverty"],
            status="closed",
            closed_on=datetime.date(2025, 3, 1),
        )
    )
    assert "closed_on" in missing and "closed_on" in early


# Pages


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("role", ["staf", "plkb"])
def test_staff_and_the_childs_plkb_see_names(client, world, role):
    code, detail = _page(
        client, world[role], reverse("dashat-detail", args=[world["dashat"].pk])
    )
    _code, audits = _page(client, world[role], reverse("audit-list"))

    assert code == 200
    assert CHILD_NAME in detail and CATIN_NAME in detail
    assert CHILD_NAME in audits
    enrol = reverse("dashat-enrol", args=[world["dashat"].pk])
    assert f'action="{enrol}"' in detail


def test_pimpinan_sees_no_personal_data_in_the_pages(client, world):
    pimpinan = world["pimpinan"]
    pages = [
        reverse("dashat-list"),
        reverse("dashat-detail", args=[world["dashat"].pk]),
        reverse("audit-list"),
    ]
    html = ""
    for url in pages:
        code, body = _page(client, pimpinan, url)
        assert code == 200, url
        html += body

    for secret in (CHILD_NAME, PARENT_NAME, CATIN_NAME, "jamban", "15 Maret 2023"):
        assert secret not in html
    assert f"Anak #{world['child'].pk}" in html
    assert f"Calon pengantin #{world['catin'].pk}" in html
    assert "Dashat Jenggot" in html
    assert "dashat-enrol" not in html and "/penerima/" not in html


def test_pimpinan_cannot_write_through_the_pages(client, world):
    client.force_login(world["pimpinan"])
    dashat = world["dashat"]

    assert client.get(reverse("dashat-create")).status_code == 403
    assert client.get(reverse("dashat-edit", args=[dashat.pk])).status_code == 403
    enrol = client.post(
        reverse("dashat-enrol", args=[dashat.pk]),
        {"penerima-category": "catin", "penerima-name": "X"},
    )
    assert enrol.status_code == 403
    audit = client.get(reverse("audit-create", args=[world["child"].pk]))
    assert audit.status_code == 403
    assert dashat.beneficiaries.count() == 2


def test_a_dashat_outside_the_plkbs_kecamatan_does_not_exist_for_them(client, world):
    client.force_login(world["plkb"])
    medono = world["medono_dashat"]

    assert client.get(reverse("dashat-detail", args=[medono.pk])).status_code == 404
    assert client.get(reverse("dashat-edit", args=[medono.pk])).status_code == 404
    assert "Dashat Medono" not in client.get(reverse("dashat-list")).content.decode()


def test_plkb_creates_a_dashat_and_records_a_session_on_the_phone(client, world):
    client.force_login(world["plkb"])
    created = client.post(
        reverse("dashat-create"),
        {
            "kampung": world["kampung"].pk,
            "name": "Dashat Kedua",
            "formed_on": "2024-05-01",
            "status": "active",
            "place": "Balai RW 3",
            "funding_source": "Dana desa",
        },
    )
    assert created.status_code == 302
    dashat = world["kampung"].dashats.get(name="Dashat Kedua")

    enrolled = client.post(
        reverse("dashat-enrol", args=[dashat.pk]),
        {
            "penerima-category": "balita",
            "penerima-child": world["child"].pk,
            "penerima-start_on": "2024-05-02",
        },
    )
    assert enrolled.status_code == 302
    beneficiary = dashat.beneficiaries.get()
    assert beneficiary.follow_up_end == datetime.date(2024, 5, 2) + FOLLOW_UP

    recorded = client.post(
        reverse("dashat-session", args=[dashat.pk]),
        {
            "sesi-date": "2024-05-03",
            "sesi-menu": "Bubur kacang hijau",
            "sesi-portions": "25",
            "sesi-beneficiaries_present": [beneficiary.pk],
        },
    )
    assert recorded.status_code == 302
    assert list(dashat.sessions.get().beneficiaries_present.all()) == [beneficiary]


def test_the_enrol_form_offers_only_children_of_the_kampungs_desa(client, world):
    services.child_register(
        region=Region.objects.get(code=BANYURIP),
        name="Anak Banyurip",
        sex="P",
        birth_date=datetime.date(2024, 1, 1),
    )
    _code, html = _page(
        client, world["staf"], reverse("dashat-detail", args=[world["dashat"].pk])
    )
    assert CHILD_NAME in html
    assert "Anak Banyurip" not in html


def test_a_balita_without_a_child_is_shown_as_a_form_error(client, world):
    client.force_login(world["plkb"])
    response = client.post(
        reverse("dashat-enrol", args=[world["dashat"].pk]),
        {"penerima-category": "balita", "penerima-start_on": "2024-05-02"},
    )
    assert response.status_code == 200
    assert "Baduta dan balita dihubungkan ke data anak." in response.content.decode()


def test_the_stunted_child_without_audit_is_offered_and_audited(client, world):
    world["audit"].delete()
    client.force_login(world["plkb"])
    listed = client.get(reverse("audit-list")).content.decode()
    url = reverse("audit-create", args=[world["child"].pk])
    assert url in listed

    form = client.get(url).content.decode()
    assert "tidak stunting" not in form
    saved = client.post(
        url,
        {
            "audited_on": "2025-04-01",
            "causes": ["parenting", "environment"],
            "interventions": ["nutrition_education"],
            "status": "in_progress",
            "next_follow_up_on": "2025-05-01",
        },
    )
    assert saved.status_code == 302
    audit = CaseAudit.objects.get(child=world["child"])
    assert audit.causes == ["parenting", "environment"]
    assert audit.interventions == ["nutrition_education"]


def test_an_audit_of_a_child_who_is_not_stunted_warns(client, world):
    tall = services.child_register(
        region=world["child"].region,
        name="Anak Tinggi",
        sex="P",
        birth_date=datetime.date(2023, 1, 1),
    )
    services.measurement_record(
        child=tall,
        measured_on=datetime.date(2024, 1, 1),
        weight_kg=9,
        height_cm=74,
        measured="lying",
    )
    _code, html = _page(client, world["staf"], reverse("audit-create", args=[tall.pk]))
    assert "tidak stunting" in html


def test_an_audit_without_a_cause_is_refused_on_the_page(client, world):
    client.force_login(world["staf"])
    response = client.post(
        reverse("audit-edit", args=[world["audit"].pk]),
        {"audited_on": "2025-03-20", "status": "open"},
    )
    assert response.status_code == 200
    world["audit"].refresh_from_db()
    assert world["audit"].causes == ["poverty"]
