import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kampungkb.models import Role, User
from tests.factories import ClassificationFactory, FieldOfficerFactory, KampungFactory
from villages.models import ClassificationLevel, OfficerAssignment, Region

JENGGOT = "33.75.04.1004"  # Pekalongan Selatan, the PLKB's assigned kelurahan
BANYURIP = "33.75.04.1002"  # Pekalongan Selatan, not assigned to the PLKB
MEDONO = "33.75.01.1002"  # Pekalongan Barat


@pytest.fixture
def registry(kota_pekalongan):
    """Three Kampung KB of Kota Pekalongan: two dasar, one mandiri."""
    kampungs = {}
    for code, level in [
        (JENGGOT, ClassificationLevel.DASAR),
        (BANYURIP, ClassificationLevel.MANDIRI),
        (MEDONO, ClassificationLevel.DASAR),
    ]:
        kampung = KampungFactory(region=Region.objects.get(code=code))
        ClassificationFactory(kampung=kampung, level=level)
        kampungs[code] = kampung
    return kampungs


def _user(username, role, regions=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(regions)
    return user


@pytest.fixture
def users(kota_pekalongan):
    """One account per role, working in Kota Pekalongan."""
    plkb = _user("plkb", Role.PLKB)
    OfficerAssignment.objects.create(
        officer=FieldOfficerFactory(user=plkb), region=Region.objects.get(code=JENGGOT)
    )
    return {
        "admin": User.objects.create_superuser("root"),
        "staf": _user("staf", Role.STAF, [kota_pekalongan]),
        "plkb": plkb,
        "pimpinan": _user("pimpinan", Role.PIMPINAN, [kota_pekalongan]),
        "evaluator": _user("evaluator", Role.EVALUATOR, [kota_pekalongan]),
    }


@pytest.fixture
def api(users):
    """An API client signed in with the token of the given role's account."""

    def client_for(role):
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
