import datetime

import pytest
from django.urls import reverse

from kampungkb.models import Role, User
from kampungkb.services import user_create
from tests.factories import (
    ClassificationFactory,
    KampungFactory,
    PokjaMemberFactory,
)
from villages.models import (
    Classification,
    ClassificationBasis,
    ClassificationProposal,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    PokjaRole,
    Program,
    ProgramIntegration,
    ProposalStatus,
    Region,
)

JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"  # same kecamatan, not assigned to the PLKB
MEDONO = "33.75.01.1002"  # another kecamatan


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("root", password="x-Very-long-pass-1")


@pytest.fixture
def accounts(kota_pekalongan, admin):
    """One account per role for Kota Pekalongan; the PLKB accompanies Jenggot."""

    def make(username, role, codes):
        user, _password = user_create(
            actor=admin,
            username=username,
            role=role,
            regions=Region.objects.filter(code__in=codes),
        )
        return user

    return {
        "staf": make("staf", Role.STAF, ["33.75"]),
        "plkb": make("plkb", Role.PLKB, [JENGGOT]),
        "pimpinan": make("pimpinan", Role.PIMPINAN, ["33.75"]),
    }


@pytest.fixture
def kampungs(kota_pekalongan):
    made = {
        code: KampungFactory(region=Region.objects.get(code=code))
        for code in (JENGGOT, BANYURIP, MEDONO)
    }
    for kampung in made.values():
        ClassificationFactory(kampung=kampung)
    return made


def signed_in(client, user):
    client.force_login(user)
    return client


def profile_data(kampung, **changes):
    data = {
        "name": kampung.name,
        "formed_on": kampung.formed_on.isoformat(),
        "sk_number": kampung.sk_number,
        "sk_date": "",
        "secretariat_address": kampung.secretariat_address,
        "siga_k0_year": "",
        "rumah_dataku": kampung.rumah_dataku,
        "version": kampung.version,
    }
    data.update(changes)
    return data


def test_plkb_edits_own_profile_and_the_history_shows_the_change(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["plkb"])
    url = reverse("kampung-edit", args=[kampung.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url, profile_data(kampung, secretariat_address="Jl. Jenggot 12"), follow=True
    )

    assert response.status_code == 200
    kampung.refresh_from_db()
    assert kampung.secretariat_address == "Jl. Jenggot 12"
    page = response.content.decode()
    assert "Profil Kampung KB disimpan." in page
    assert "Riwayat perubahan" in page
    history = page[page.index('id="riwayat"') :]
    assert "Alamat sekretariat" in history
    assert "Jl. Jenggot 12" in history
    assert "plkb" in history


def test_a_plkb_gets_404_outside_their_kecamatan_and_403_in_an_unassigned_desa(
    client, accounts, kampungs
):
    signed_in(client, accounts["plkb"])
    other_kecamatan = kampungs[MEDONO].pk
    unassigned = kampungs[BANYURIP].pk

    assert (
        client.get(reverse("kampung-detail", args=[other_kecamatan])).status_code == 404
    )
    assert (
        client.get(reverse("kampung-edit", args=[other_kecamatan])).status_code == 404
    )
    assert client.get(reverse("kampung-detail", args=[unassigned])).status_code == 200
    for name in ("kampung-edit", "pokja-edit", "program-edit", "proposal-create"):
        assert client.get(reverse(name, args=[unassigned])).status_code == 403


def test_an_official_sees_no_edit_controls_and_cannot_edit(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["pimpinan"])

    page = client.get(reverse("kampung-detail", args=[kampung.pk])).content.decode()

    for name in ("kampung-edit", "pokja-edit", "program-edit", "proposal-create"):
        assert reverse(name, args=[kampung.pk]) not in page
    for name in ("user-list", "proposal-list", "officer-list", "target-list"):
        assert reverse(name) not in page
    response = client.post(
        reverse("kampung-edit", args=[kampung.pk]), profile_data(kampung)
    )
    assert response.status_code == 403


def test_the_plkb_sees_the_edit_links_of_their_kampung(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["plkb"])

    page = client.get(reverse("kampung-detail", args=[kampung.pk])).content.decode()

    for name in ("kampung-edit", "pokja-edit", "program-edit", "proposal-create"):
        assert reverse(name, args=[kampung.pk]) in page


def test_a_second_save_from_the_same_page_version_is_refused_and_keeps_the_input(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    url = reverse("kampung-edit", args=[kampung.pk])
    signed_in(client, accounts["plkb"])
    first_tab = profile_data(kampung, name="Kampung KB Jenggot Sejahtera")
    second_tab = profile_data(kampung, name="Kampung KB Jenggot Makmur")

    assert client.post(url, first_tab).status_code == 302
    response = client.post(url, second_tab)

    assert response.status_code == 200
    page = response.content.decode()
    assert "sudah diubah orang lain" in page
    assert 'value="Kampung KB Jenggot Makmur"' in page
    kampung.refresh_from_db()
    assert kampung.name == "Kampung KB Jenggot Sejahtera"


def test_profile_errors_show_next_to_the_field(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    # The SK is staff's to change (issue 13); readiness has its own form.
    signed_in(client, accounts["staf"])
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    response = client.post(
        reverse("kampung-edit", args=[kampung.pk]),
        profile_data(kampung, sk_date=tomorrow.isoformat()),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Tanggal SK tidak boleh di masa depan." in errors["sk_date"]
    assert 'id="id_sk_date_error"' in response.content.decode()
    signed_in(client, accounts["plkb"])
    response = client.post(
        reverse("kampung-readiness", args=[kampung.pk]),
        profile_data(kampung, siga_k0_year="abc"),
    )
    assert response.status_code == 200
    assert "siga_k0_year" in response.context["form"].errors


def pokja_data(kampung, rows, existing=()):
    data = {
        "kampung-version": kampung.version,
        "pokja-TOTAL_FORMS": len(existing) + len(rows),
        "pokja-INITIAL_FORMS": len(existing),
        "pokja-MIN_NUM_FORMS": 0,
        "pokja-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate([*existing, *rows]):
        for key, value in row.items():
            data[f"pokja-{i}-{key}"] = value
    return data


def test_two_chairs_for_one_post_is_a_form_error_not_a_crash(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["plkb"])
    url = reverse("pokja-edit", args=[kampung.pk])
    rows = [
        {"role": PokjaRole.KETUA, "seksi": "", "name": "Siti"},
        {"role": PokjaRole.KETUA, "seksi": "", "name": "Budi"},
        {"role": PokjaRole.KETUA_SEKSI, "seksi": "", "name": "Ani"},
    ]

    response = client.post(url, pokja_data(kampung, rows))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Jabatan ini sudah terisi di Pokja Kampung KB ini." in page
    assert "Seksi wajib diisi untuk ketua seksi" in page
    assert not PokjaMember.objects.filter(kampung=kampung).exists()


def test_a_new_chair_next_to_a_saved_one_is_refused(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    ketua = PokjaMemberFactory(kampung=kampung, role=PokjaRole.KETUA, name="Siti")
    signed_in(client, accounts["plkb"])
    existing = [{"id": ketua.pk, "role": "ketua", "seksi": "", "name": "Siti"}]

    response = client.post(
        reverse("pokja-edit", args=[kampung.pk]),
        pokja_data(kampung, [{"role": "ketua", "name": "Budi"}], existing),
    )

    assert response.status_code == 200
    assert "Jabatan ini sudah terisi" in response.content.decode()
    assert list(kampung.pokja.values_list("name", flat=True)) == ["Siti"]


def test_pokja_rows_are_added_changed_and_deleted_in_one_save(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    ketua = PokjaMemberFactory(kampung=kampung, role=PokjaRole.KETUA, name="Siti")
    bendahara = PokjaMemberFactory(kampung=kampung, role=PokjaRole.BENDAHARA)
    signed_in(client, accounts["plkb"])
    existing = [
        {"id": bendahara.pk, "role": "bendahara", "name": "X", "DELETE": "on"},
        {"id": ketua.pk, "role": "ketua", "seksi": "", "name": "Siti Aminah"},
    ]
    new = [
        {"role": "ketua_seksi", "seksi": "ekonomi", "name": "Ani"},
        {"role": "", "seksi": "", "name": ""},
    ]

    response = client.post(
        reverse("pokja-edit", args=[kampung.pk]), pokja_data(kampung, new, existing)
    )

    assert response.status_code == 302
    assert sorted(kampung.pokja.values_list("name", flat=True)) == [
        "Ani",
        "Siti Aminah",
    ]
    kampung.refresh_from_db()
    assert kampung.version == 2
    history = client.get(reverse("kampung-detail", args=[kampung.pk])).context[
        "history"
    ]
    kinds = {(entry.kind, entry.subject.split(":")[0]) for entry in history}
    assert ("-", "Pengurus Pokja") in kinds
    assert ("+", "Pengurus Pokja") in kinds
    assert ("~", "Pengurus Pokja") in kinds


def test_the_program_checklist_adds_and_removes_programs(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    ProgramIntegration.objects.create(kampung=kampung, program=Program.NIB)
    signed_in(client, accounts["plkb"])
    url = reverse("program-edit", args=[kampung.pk])
    data = {"kampung-version": kampung.version}
    data.update(
        {
            "bpjs-present": "on",
            "bpjs-agency": "BPJS Kesehatan",
            "bpjs-since": "2023-07-01",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    rows = {p.program: p for p in kampung.programs.all()}
    assert set(rows) == {Program.BPJS}
    assert rows[Program.BPJS].agency == "BPJS Kesehatan"


def test_a_stale_program_checklist_is_refused(client, accounts, kampungs):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["plkb"])
    url = reverse("program-edit", args=[kampung.pk])
    stale = {"kampung-version": kampung.version, "bpjs-present": "on"}
    client.post(url, {"kampung-version": kampung.version, "nib-present": "on"})

    response = client.post(url, stale)

    assert response.status_code == 200
    assert "sudah diubah orang lain" in response.content.decode()
    assert list(kampung.programs.values_list("program", flat=True)) == ["nib"]


def test_a_plkb_proposal_approved_by_staff_writes_the_classification(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    signed_in(client, accounts["plkb"])
    response = client.post(
        reverse("proposal-create", args=[kampung.pk]),
        {
            "level": "berkembang",
            "effective_on": "2024-01-15",
            "reason": "Pokja aktif dan 6 program terintegrasi.",
        },
    )
    assert response.status_code == 302
    proposal = ClassificationProposal.objects.get(kampung=kampung)

    signed_in(client, accounts["staf"])
    listing = client.get(reverse("proposal-list")).content.decode()
    assert reverse("proposal-decide", args=[proposal.pk]) in listing
    response = client.post(
        reverse("proposal-decide", args=[proposal.pk]), {"decision": "approve"}
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    current = kampung.current_classification()
    assert current.level == "berkembang"
    assert current.basis == ClassificationBasis.PROPOSAL
    assert current == proposal.classification


def test_rejecting_a_proposal_needs_a_note_next_to_the_field(
    client, accounts, kampungs
):
    kampung = kampungs[JENGGOT]
    proposal = ClassificationProposal.objects.create(
        kampung=kampung,
        level="mandiri",
        effective_on=datetime.date(2024, 1, 1),
        reason="Alasan",
        proposed_by=accounts["plkb"],
    )
    signed_in(client, accounts["staf"])
    url = reverse("proposal-decide", args=[proposal.pk])

    response = client.post(url, {"decision": "reject", "decision_note": " "})

    assert response.status_code == 200
    assert response.context["form"].errors["decision_note"] == [
        "Tuliskan alasan penolakan."
    ]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert Classification.objects.filter(kampung=kampung).count() == 1


def test_the_plkb_cannot_decide_nor_reach_staff_pages(client, accounts, kampungs):
    proposal = ClassificationProposal.objects.create(
        kampung=kampungs[JENGGOT],
        level="mandiri",
        effective_on=datetime.date(2024, 1, 1),
        reason="Alasan",
        proposed_by=accounts["plkb"],
    )
    signed_in(client, accounts["plkb"])

    assert (
        client.post(
            reverse("proposal-decide", args=[proposal.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    for name in ("proposal-list", "launch-create", "officer-list", "user-list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("target-list"), {}).status_code == 403


def test_staff_record_a_launch_with_scoped_choices(client, accounts, kampungs):
    signed_in(client, accounts["staf"])
    url = reverse("launch-create")
    form = client.get(url).context["form"]
    assert set(form.fields["kampungs"].queryset) == set(kampungs.values())
    organizers = set(form.fields["organizer"].queryset.values_list("code", flat=True))
    assert organizers == {"33.75", "33.75.01", "33.75.02", "33.75.03", "33.75.04"}

    response = client.post(
        url,
        {
            "date": "2023-06-07",
            "place": "Aula Kecamatan Pekalongan Timur",
            "organizer": "33.75",
            "kampungs": [kampungs[JENGGOT].pk, kampungs[MEDONO].pk],
        },
    )

    assert response.status_code == 302
    event = LaunchEvent.objects.get()
    assert set(event.kampungs.all()) == {kampungs[JENGGOT], kampungs[MEDONO]}

    response = client.post(
        reverse("launch-edit", args=[event.pk]),
        {"date": "2023-06-08", "organizer": "33.75.02", "kampungs": []},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.date == datetime.date(2023, 6, 8)
    assert not event.kampungs.exists()


def test_an_organizer_outside_the_scope_is_refused(client, accounts, kab_pekalongan):
    signed_in(client, accounts["staf"])

    response = client.post(
        reverse("launch-create"), {"date": "2023-06-07", "organizer": "33.26"}
    )

    assert response.status_code == 200
    assert "organizer" in response.context["form"].errors
    assert not LaunchEvent.objects.exists()


def test_staff_set_and_replace_a_yearly_target(client, accounts):
    signed_in(client, accounts["staf"])
    url = reverse("target-list")
    data = {"region": "33.75", "year": 2023, "new_count": 13}

    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "new_count": 14}).status_code == 302
    response = client.post(url, {**data, "year": 1999})

    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    page = client.get(url).content.decode()
    assert ">14<" in page


def test_staff_assign_a_desa_and_cannot_remove_the_last_one(client, accounts):
    officer = accounts["plkb"].field_officer
    signed_in(client, accounts["staf"])
    assert officer.name in client.get(reverse("officer-list")).content.decode()
    url = reverse("officer-detail", args=[officer.pk])

    assert client.post(url, {"region": BANYURIP}).status_code == 302
    response = client.post(url, {"region": "33.75.04"})  # a kecamatan, not a desa
    assert response.status_code == 200
    assert "region" in response.context["form"].errors

    first, second = officer.assignments.order_by("region")
    client.post(reverse("officer-unassign", args=[first.pk]))
    last = client.post(reverse("officer-unassign", args=[second.pk]), follow=True)
    assert "satu-satunya desa/kelurahan" in last.content.decode()
    assert list(OfficerAssignment.objects.filter(officer=officer)) == [second]


def test_the_profile_page_costs_a_bounded_number_of_queries(
    client, accounts, kampungs, django_assert_max_num_queries
):
    kampung = kampungs[JENGGOT]
    for i in range(15):
        PokjaMemberFactory(kampung=kampung, role=PokjaRole.PELINDUNG, name=f"P{i}")
    PokjaMember.objects.filter(kampung=kampung).update(position="Lurah")
    for member in PokjaMember.objects.filter(kampung=kampung):
        member.position = "Camat"
        member.save()
    signed_in(client, accounts["plkb"])

    with django_assert_max_num_queries(30):
        response = client.get(reverse("kampung-detail", args=[kampung.pk]))

    # The Kampung KB and its classification created, 15 members created and changed.
    assert len(response.context["history"]) == 32


def test_with_too_many_regions_for_a_list_the_code_is_typed(
    client, accounts, kampungs, kab_pekalongan, settings
):
    settings.CHOICE_SEARCH_THRESHOLD = 3
    signed_in(client, accounts["staf"])
    url = reverse("launch-create")
    assert 'placeholder="33.75.04.1004"' in client.get(url).content.decode()

    outside = client.post(url, {"date": "2023-06-07", "organizer": "33.26"})
    assert "organizer" in outside.context["form"].errors
    inside = client.post(url, {"date": "2023-06-07", "organizer": " 33.75.04 "})

    assert inside.status_code == 302
    assert LaunchEvent.objects.get().organizer_id == "33.75.04"
