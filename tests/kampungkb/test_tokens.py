"""Finding 4: API tokens expire, and die with a password change, a reset or a
deactivation; the user sees and revokes their own token."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kampungkb.models import Role, User

PASSWORD = "Sandi-skrip-yang-panjang-7"


@pytest.fixture
def staf(kota_pekalongan):
    user = User.objects.create_user("staf.kota", password=PASSWORD, role=Role.STAF)
    user.regions.set([kota_pekalongan])
    return user


@pytest.fixture
def pimpinan(kota_pekalongan):
    user = User.objects.create_user("pimpinan", password=PASSWORD, role=Role.PIMPINAN)
    user.regions.set([kota_pekalongan])
    return user


def obtain(username="pimpinan", password=PASSWORD):
    return APIClient().post(
        reverse("api:token"), {"username": username, "password": password}
    )


def me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api:me"))


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_token_works_until_its_lifetime_ends_then_a_new_one_is_given(pimpinan):
    answer = obtain().json()
    created = Token.objects.get(user=pimpinan).created
    expires = datetime.datetime.fromisoformat(answer["expires"])
    assert expires == created + datetime.timedelta(days=30)
    assert me(answer["token"]).status_code == 200

    Token.objects.filter(user=pimpinan).update(
        created=timezone.now() - datetime.timedelta(days=30, seconds=1)
    )
    expired = me(answer["token"])

    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    assert "kedaluwarsa" in expired.json()["detail"]
    renewed = obtain().json()["token"]
    assert renewed != answer["token"]
    assert me(renewed).status_code == 200


def test_the_lifetime_is_a_setting(pimpinan, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 2
    key = obtain().json()["token"]
    Token.objects.filter(user=pimpinan).update(
        created=timezone.now() - datetime.timedelta(days=2, minutes=1)
    )

    assert me(key).status_code == 401


def test_a_reset_by_staff_revokes_the_token(staf, pimpinan):
    key = obtain().json()["token"]

    response = signed_in(staf).post(reverse("user-reset-password", args=[pimpinan.pk]))

    assert response.status_code == 200
    assert me(key).status_code == 401


def test_changing_ones_own_password_revokes_the_token(pimpinan):
    key = obtain().json()["token"]

    response = signed_in(pimpinan).post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Sandi-baru-yang-panjang-8",
            "new_password2": "Sandi-baru-yang-panjang-8",
        },
    )

    assert response.status_code == 302
    assert me(key).status_code == 401


def test_a_token_does_not_survive_deactivation_and_reactivation(staf, pimpinan):
    key = obtain().json()["token"]
    edit = reverse("user-edit", args=[pimpinan.pk])
    client = signed_in(staf)

    client.post(edit, {"role": Role.PIMPINAN, "areas": ["33.75"]})
    client.post(edit, {"role": Role.PIMPINAN, "areas": ["33.75"], "is_active": "on"})

    pimpinan.refresh_from_db()
    assert pimpinan.is_active
    assert me(key).status_code == 401


def test_a_password_set_in_the_admin_site_revokes_the_token(
    pimpinan, admin_client_logged_in
):
    key = obtain().json()["token"]

    response = admin_client_logged_in.post(
        reverse("admin:auth_user_password_change", args=[pimpinan.pk]),
        {
            "password1": "Sandi-admin-yang-panjang-9",
            "password2": "Sandi-admin-yang-panjang-9",
        },
    )

    assert response.status_code == 302
    assert me(key).status_code == 401


def test_signing_out_of_the_browser_keeps_the_scripts_token(pimpinan):
    key = obtain().json()["token"]
    browser = Client()
    browser.post(reverse("login"), {"username": "pimpinan", "password": PASSWORD})

    browser.post(reverse("logout"))

    assert me(key).status_code == 200


def test_the_user_sees_their_token_and_revokes_it_on_their_page(pimpinan):
    client = signed_in(pimpinan)
    url = reverse("api-token")
    assert "Anda tidak punya token API." in client.get(url).content.decode()
    key = obtain().json()["token"]

    page = client.get(url).content.decode()
    assert "Anda punya token API" in page
    assert key not in page
    response = client.post(url, follow=True)

    assert "Token API Anda sudah dicabut." in response.content.decode()
    assert "Anda tidak punya token API." in response.content.decode()
    assert me(key).status_code == 401


def test_the_user_sees_and_revokes_their_token_through_the_api(pimpinan):
    key = obtain().json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    status = client.get(reverse("api:my-token")).json()
    assert status["active"] is True
    assert status["expires"] == obtain().json()["expires"]
    assert "token" not in status
    assert client.delete(reverse("api:my-token")).status_code == 204

    assert me(key).status_code == 401
    session = APIClient()
    session.force_authenticate(pimpinan)
    assert session.get(reverse("api:my-token")).json() == {
        "active": False,
        "created": None,
        "expires": None,
    }
