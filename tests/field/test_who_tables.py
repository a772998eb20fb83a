"""GET /lapangan/tabel-who.json: the WHO tables the phone scores with are the server's."""

import json

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse

from kampungkb.models import Role, User
from stunting import growth

URL = "/lapangan/tabel-who.json"


@pytest.fixture
def plkb(db):
    return User.objects.create_user("plkb.jenggot", role=Role.PLKB)


def _get(client, user, language=None):
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_url_is_the_contracts():
    assert reverse("field-who") == URL


def test_tables_are_growths_arrays_to_the_last_bit(client, plkb):
    body = _get(client, plkb)
    loaded = growth._tables()
    assert set(body["tables"]) == {"lhfa", "wfa", "wfl", "wfh"}
    for name in ("lhfa", "wfa", "wfl", "wfh"):
        table, ours = body["tables"][name], getattr(loaded, name)
        keys = {"L", "M", "S"} | ({"cm"} if name in ("wfl", "wfh") else set())
        assert set(table) == keys
        for key in keys:
            sent = np.asarray(table[key], dtype=float)
            assert sent.shape == getattr(ours, key).shape, (name, key)
            # Equal as doubles, not merely close: JSON floats read back exactly.
            assert np.array_equal(sent, getattr(ours, key)), (name, key)
    # Boys and girls, day 0 to 1826; 45-110 cm lying, 65-120 cm standing.
    assert len(body["tables"]["lhfa"]["M"]) == 2
    assert len(body["tables"]["wfa"]["S"][1]) == 1827
    assert body["tables"]["wfl"]["cm"][0] == 45.0
    assert body["tables"]["wfh"]["cm"][-1] == 120.0
    # DOMAIN.md's check value: a boy of 0 days at 49.8842 cm has HAZ 0.
    assert body["tables"]["lhfa"]["M"][0][0] == 49.8842


def test_rules_are_growths(client, plkb):
    assert _get(client, plkb)["rules"] == {
        "standing_from_days": 731,
        "position_adjustment_cm": 0.7,
        "implausible": {"haz": [-6, 6], "waz": [-6, 5], "whz": [-5, 5]},
    }


def test_labels_follow_the_language_the_user_chose(client, plkb):
    indonesian = _get(client, plkb)["labels"]
    english = _get(client, plkb, "en")["labels"]
    assert indonesian["indicators"] == {"haz": "TB/U", "waz": "BB/U", "whz": "BB/TB"}
    assert english["indicators"]["haz"] == "Height-for-age (HAZ)"
    assert indonesian["haz"]["pendek"] == "Pendek"
    assert english["haz"]["pendek"] == "Stunted"
    assert indonesian["whz"]["gizi_buruk"] == "Gizi buruk"
    assert english["whz"]["gizi_buruk"] == "Severely wasted"
    assert english["reasons"]["sex_missing"] == "Sex is missing"
    # Every code the scoring gives has a label, in the order growth gives reasons.
    assert list(indonesian["reasons"]) == list(growth.REASON_LABELS)
    assert set(indonesian["haz"]) == set(growth.HAZ_LABELS)
    assert set(indonesian["waz"]) == set(growth.WAZ_LABELS)
    assert set(indonesian["whz"]) == set(growth.WHZ_LABELS)
    # And back: one language's answer is not kept for the other.
    assert _get(client, plkb, "id")["labels"] == indonesian


def test_signed_out_gets_a_403_the_phone_can_read_not_the_sign_in_page(client, db):
    response = client.get(URL)
    assert response.status_code == 403
    body = response.json()
    assert body["signed_out"] is True
    assert body["detail"].startswith("Sesi Anda sudah berakhir")
    assert "tables" not in body


@pytest.mark.parametrize("role", [Role.STAF, Role.PIMPINAN, Role.EVALUATOR])
def test_other_roles_are_refused_as_the_field_app_is(client, db, role):
    client.force_login(User.objects.create_user("someone", role=role))
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json() == {"detail": "Aplikasi lapangan hanya untuk PLKB/PKB."}


def test_only_read(client, plkb):
    client.force_login(plkb)
    assert client.post(URL).status_code == 405
