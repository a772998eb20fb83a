"""Every "one ..." rule is a database constraint, and a service that hits one says why.

The race itself (two requests at the same instant) needs PostgreSQL and lives in
tests/test_double_submit.py. Here, on any database: the same request twice in a
row gets the rule's message; the constraint refuses a duplicate written past
the service; and when a service's own check is bypassed (as it is for the
second of two simultaneous requests, whose check ran before the first's row was
committed) the constraint's IntegrityError comes back as that same message.
"""

import datetime
import types
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

from evaluations import services as evaluation_services
from evaluations.models import Award, AwardLevel
from kampungkb.integrity import violated_unique
from kampungkb.models import Role, User
from kampungkb.services import user_create
from stunting import services as stunting_services
from stunting.models import CaseAudit, Child, Dashat, Measurement, ReportedPrevalence
from tests.factories import ClassificationFactory, KampungFactory
from villages import services as village_services
from villages.models import (
    ClassificationProposal,
    FormationTarget,
    KampungKB,
    LaunchEvent,
    ProposalStatus,
    Region,
)

JENGGOT = "33.75.04.1004"
BIRTH = datetime.date(2022, 3, 15)


@pytest.fixture
def staf(kota_pekalongan):
    user = User.objects.create_user("staf", role=Role.STAF)
    user.regions.set([kota_pekalongan])
    return user


@pytest.fixture
def kampung(kota_pekalongan):
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    ClassificationFactory(kampung=kampung)
    return kampung


@pytest.fixture
def child(kampung):
    return stunting_services.child_register(
        region=kampung.region, name="Siti Rahmawati", sex="P", birth_date=BIRTH
    )


@pytest.fixture
def checks_blind(monkeypatch):
    """full_clean's unique checks see nothing, as for the second of two
    simultaneous requests: its check ran before the first's row was committed."""
    monkeypatch.setattr(
        models.Model, "validate_unique", lambda self, exclude=None: None
    )
    monkeypatch.setattr(
        models.Model, "validate_constraints", lambda self, exclude=None: None
    )


def _messages(error: ValidationError):
    """The messages by field, as a form shows them (no field: on top)."""
    if not hasattr(error, "error_dict"):
        return {NON_FIELD_ERRORS: error.messages}
    return error.message_dict


# What each rule's service is called with; calling it twice breaks the rule.
def _proposal(kampung, staf, child):
    return village_services.proposal_create(
        kampung=kampung,
        level="berkembang",
        effective_on=datetime.date(2024, 1, 2),
        reason="Pokja aktif",
        proposed_by=staf,
    )


def _measurement(kampung, staf, child):
    return stunting_services.measurement_record(
        child=child,
        measured_on=datetime.date(2024, 8, 12),
        weight_kg=Decimal("10.5"),
        height_cm=Decimal("80.0"),
        measured="standing",
    )


def _prevalence(kampung, staf, child):
    return stunting_services.reported_prevalence_save(
        region=kampung.region.kabkota,
        year=2023,
        source="eppgbm",
        value_percent=Decimal("12.5"),
        citation="e-PPGBM Agustus 2023",
    )


def _dashat(kampung, staf, child):
    return stunting_services.dashat_save(
        kampung=kampung, name="Dashat Melati", formed_on=datetime.date(2023, 6, 7)
    )


def _audit(kampung, staf, child):
    return stunting_services.audit_save(
        child=child, audited_on=datetime.date(2024, 8, 20), causes=["poverty"]
    )


def _award(kampung, staf, child):
    return evaluation_services.award_record(
        kampung=kampung, level=AwardLevel.PROVINSI, title="Juara II", year=2024
    )


def _launch(kampung, staf, child):
    return village_services.launch_record(
        date=datetime.date(2023, 6, 7),
        organizer=kampung.region.kecamatan,
        place="Aula Kecamatan",
        kampungs=[kampung],
    )


def _kampung(kampung, staf, child):
    return village_services.kampung_create(
        region=kampung.region, formed_on=datetime.date(2023, 6, 7)
    )


def _user(kampung, staf, child):
    return user_create(
        actor=staf,
        username="kader",
        role=Role.PIMPINAN,
        regions=[kampung.region.kabkota],
        password="x-Long-pass-1",
    )


PENDING = "Kampung KB ini masih punya usulan yang menunggu keputusan dinas."
# rule: (create twice, model, constraint, where the message goes, the message)
RULES = {
    "proposal": (
        _proposal,
        ClassificationProposal,
        "one_pending_proposal_per_kampung",
        NON_FIELD_ERRORS,
        PENDING,
    ),
    "measurement": (
        _measurement,
        Measurement,
        "one_measurement_per_child_per_day",
        NON_FIELD_ERRORS,
        "Anak ini sudah diukur pada tanggal itu.",
    ),
    "reported prevalence": (
        _prevalence,
        ReportedPrevalence,
        "one_reported_value_per_region_year_source",
        NON_FIELD_ERRORS,
        "Sudah ada angka dari sumber ini untuk wilayah dan tahun ini.",
    ),
    "dashat": (
        _dashat,
        Dashat,
        "dashat_name_unique_in_kampung",
        NON_FIELD_ERRORS,
        "Kampung KB ini sudah punya Dashat dengan nama ini.",
    ),
    "case audit": (
        _audit,
        CaseAudit,
        "one_case_audit_per_child_per_day",
        NON_FIELD_ERRORS,
        "Anak ini sudah punya audit kasus pada tanggal itu.",
    ),
    "award": (
        _award,
        Award,
        "award_once_per_kampung_level_year",
        NON_FIELD_ERRORS,
        "Penghargaan ini sudah tercatat untuk Kampung KB ini pada tingkat dan "
        "tahun itu.",
    ),
    "launch": (
        _launch,
        LaunchEvent,
        "one_launch_per_organizer_date_place",
        NON_FIELD_ERRORS,
        "Acara pencanangan wilayah ini pada tanggal dan tempat itu sudah tercatat.",
    ),
    "kampung": (
        _kampung,
        KampungKB,
        "region",
        "region",
        "Desa/kelurahan ini sudah memiliki Kampung KB.",
    ),
    "user": (
        _user,
        User,
        "username",
        "username",
        "Seorang pengguna dengan nama pengguna tersebut sudah ada.",
    ),
}


def _first(rule, kampung, staf, child):
    create, model = RULES[rule][:2]
    if model is not KampungKB:  # the fixture's Kampung KB is the first one
        create(kampung, staf, child)
    return model.objects.count()


@pytest.mark.parametrize("rule", RULES)
def test_the_same_create_twice_in_a_row_gets_the_rules_message(
    rule, kampung, staf, child
):
    create, model, _name, key, message = RULES[rule]
    count = _first(rule, kampung, staf, child)

    with pytest.raises(ValidationError) as refused:
        create(kampung, staf, child)

    assert message in _messages(refused.value)[key]
    assert model.objects.count() == count


@pytest.mark.parametrize("rule", RULES)
def test_past_its_check_the_constraint_gives_the_same_message(
    rule, kampung, staf, child, checks_blind, monkeypatch
):
    create, model, name, key, message = RULES[rule]
    count = _first(rule, kampung, staf, child)
    # proposal_create asks for a pending proposal itself: make it find none.
    monkeypatch.setattr(
        village_services, "ProposalStatus", types.SimpleNamespace(PENDING="-")
    )

    with pytest.raises(ValidationError) as refused:
        create(kampung, staf, child)

    assert message in _messages(refused.value)[key]
    assert model.objects.count() == count


@pytest.mark.parametrize("rule", RULES)
def test_the_database_refuses_a_copy_and_names_the_rule(rule, kampung, staf, child):
    create, model, name = RULES[rule][:3]
    _first(rule, kampung, staf, child)
    first = model.objects.order_by("-pk").first()
    copy = model.objects.get(pk=first.pk)
    copy.pk = None

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        copy.save(force_insert=True)

    assert violated_unique(refused.value, model) == name


def test_a_decided_proposal_leaves_room_for_a_new_one(kampung, staf, child):
    first = _proposal(kampung, staf, child)
    village_services.proposal_decide(
        proposal=first, approve=False, decided_by=staf, note="Belum cukup"
    )

    second = _proposal(kampung, staf, child)

    assert list(
        ClassificationProposal.objects.filter(kampung=kampung).values_list(
            "status", flat=True
        )
    ) == [ProposalStatus.PENDING, ProposalStatus.REJECTED]
    assert second.status == ProposalStatus.PENDING


def test_a_child_registered_twice_is_found_not_doubled(kampung, child):
    again = stunting_services.child_register(
        region=kampung.region, name=" Siti Rahmawati ", sex="P", birth_date=BIRTH
    )

    assert again == child
    assert Child.objects.count() == 1


def test_a_target_set_twice_is_replaced_not_doubled(kampung):
    kabkota = kampung.region.kabkota
    village_services.target_set(region=kabkota, year=2023, new_count=13)
    village_services.target_set(region=kabkota, year=2023, new_count=14)

    assert list(FormationTarget.objects.values_list("year", "new_count")) == [
        (2023, 14)
    ]


# The migrations that add the constraints, on a database that already broke them.

VILLAGES_BEFORE = (
    "villages",
    "0002_kampungkb_version_alter_classification_basis_and_more",
)
VILLAGES_AFTER = ("villages", "0003_one_pending_proposal_one_launch")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def latest_schema_after():
    """A test that migrates back leaves the schema as the next tests expect it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_newest_pending_proposal_and_rejects_the_rest(
    kampung, staf, latest_schema_after
):
    apps = _migrate(VILLAGES_BEFORE)
    proposal = apps.get_model("villages", "ClassificationProposal")
    older, newer = (
        proposal.objects.create(
            kampung_id=kampung.pk,
            level="berkembang",
            effective_on=datetime.date(2024, 1, 2),
            reason=reason,
            proposed_by_id=staf.pk,
        )
        for reason in ("Pertama", "Kedua")
    )

    after = _migrate(VILLAGES_AFTER).get_model("villages", "ClassificationProposal")

    # Read as the schema stands at that migration (later ones add columns).
    older, newer = (after.objects.get(pk=p.pk) for p in (older, newer))
    assert newer.status == ProposalStatus.PENDING
    assert older.status == ProposalStatus.REJECTED
    assert f"usulan #{newer.pk}" in older.decision_note


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_duplicate_launches_and_names_them(
    kampung, latest_schema_after
):
    apps = _migrate(VILLAGES_BEFORE)
    launch = apps.get_model("villages", "LaunchEvent")
    ids = sorted(
        launch.objects.create(
            date=datetime.date(2023, 6, 7), organizer_id="33.75.04", place="Aula"
        ).pk
        for _ in range(2)
    )

    with pytest.raises(RuntimeError) as refused:
        _migrate(VILLAGES_AFTER)

    assert f"1 duplicate launches (same organizer, date, place), ids: [{ids}]" in str(
        refused.value
    )
    # Once a person has removed the copy, the migration goes through.
    launch.objects.filter(pk=ids[1]).delete()
    _migrate(VILLAGES_AFTER)
    assert LaunchEvent.objects.count() == 1
