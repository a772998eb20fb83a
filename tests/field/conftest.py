"""A PLKB of Jenggot with a child, a Dashat and a Kampung KB; a second PLKB of Medono."""

import datetime
import json
import uuid

import pytest

from kampungkb.models import Role, User
from stunting import services
from tests.factories import FieldOfficerFactory, KampungFactory
from villages.models import OfficerAssignment, Region

JENGGOT = "33.75.04.1004"
MEDONO = "33.75.01.1002"
BIRTH = datetime.date(2024, 5, 1)
DAY = datetime.date(2025, 11, 5)


def account(username, role, codes=()):
    user = User.objects.create_user(username, role=role, first_name=username.title())
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


def plkb_of(username, code):
    user = account(username, Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=user), region=Region.objects.get(code=code)
    )
    return user


@pytest.fixture
def world(kota_pekalongan):
    plkb = plkb_of("plkb", JENGGOT)
    other = plkb_of("plkb2", MEDONO)
    jenggot, medono = (Region.objects.get(code=c) for c in (JENGGOT, MEDONO))
    kampung = KampungFactory(region=jenggot)
    child = services.child_register(
        region=jenggot, name="Ani", sex="P", birth_date=BIRTH, parent_name="Siti"
    )
    dashat = services.dashat_save(
        kampung=kampung, name="Dashat Mawar", formed_on=datetime.date(2024, 6, 1)
    )
    balita = services.beneficiary_enrol(
        dashat=dashat, category="balita", child=child, start_on=DAY
    )
    medono_kampung = KampungFactory(region=medono)
    medono_child = services.child_register(
        region=medono, name="Bayu", sex="L", birth_date=BIRTH
    )
    return {
        "plkb": plkb,
        "other": other,
        "staf": account("staf", Role.STAF, ["33.75"]),
        "pimpinan": account("pimpinan", Role.PIMPINAN, ["33.75"]),
        "kampung": kampung,
        "child": child,
        "dashat": dashat,
        "balita": balita,
        "medono_kampung": medono_kampung,
        "medono_child": medono_child,
        "medono_dashat": services.dashat_save(
            kampung=medono_kampung, name="Dashat Medono", formed_on=BIRTH
        ),
    }


def new_id():
    return str(uuid.uuid4())


def measurement_entry(child, *, id=None, **data):
    values = {
        "measured_on": DAY.isoformat(),
        "weight_kg": "9.4",
        "height_cm": "76.2",
        "measured": "lying",
        "oedema": False,
        "place": "posyandu",
        "posyandu": "Mawar 1",
    }
    values.update(data)
    return {
        "id": id or new_id(),
        "kind": "measurement",
        "child": child.pk,
        "child_sex": child.sex,
        "child_birth_date": child.birth_date.isoformat(),
        "resolve": None,
        "phone_z": {"haz": -1.2, "waz": None, "whz": 0.5},
        "data": values,
    }


def send(client, entries, device="dev-1"):
    return client.post(
        "/lapangan/sinkron/",
        json.dumps({"device": device, "entries": entries}),
        content_type="application/json",
    )
