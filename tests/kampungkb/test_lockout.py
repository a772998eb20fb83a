"""Finding 12: failed sign-ins lock an account for one address only, and slow an
address that guesses across accounts; the address comes from the proxy's header
only when that proxy is configured as trusted."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kampungkb.models import Role, User

PASSWORD = "Sandi-yang-benar-2025"
ATTACKER = "203.0.113.9"
STAFF_OFFICE = "198.51.100.20"
PROXY = "127.0.0.1"


@pytest.fixture
def staf(db):
    return User.objects.create_user("staf.kota", password=PASSWORD, role=Role.STAF)


@pytest.fixture
def behind_nginx(settings):
    """One nginx of ours in front: every request comes from its loopback address."""
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(password, *, username="staf.kota", remote=PROXY, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(
        reverse("login"), {"username": username, "password": password}, **headers
    )


def test_behind_the_proxy_a_stranger_cannot_lock_out_a_staff_member(staf, behind_nginx):
    assert sign_in("salah", forwarded=ATTACKER).status_code == 200
    for _ in range(4):
        sign_in("salah", forwarded=ATTACKER)
    assert sign_in(PASSWORD, forwarded=ATTACKER).status_code == 429

    assert sign_in(PASSWORD, forwarded=STAFF_OFFICE).status_code == 302


def test_what_the_client_puts_in_the_header_itself_does_not_count(staf, behind_nginx):
    # nginx appends the address it saw to whatever the client sent.
    for i in range(5):
        sign_in("salah", forwarded=f"10.0.0.{i}, {ATTACKER}")

    assert sign_in(PASSWORD, forwarded=f"10.9.9.9, {ATTACKER}").status_code == 429
    assert sign_in(PASSWORD, forwarded=STAFF_OFFICE).status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(staf):
    for i in range(5):
        sign_in("salah", remote=ATTACKER, forwarded=f"10.0.0.{i}")

    assert sign_in(PASSWORD, remote=ATTACKER, forwarded="10.9.9.9").status_code == 429
    assert sign_in(PASSWORD, remote=STAFF_OFFICE, forwarded=ATTACKER).status_code == 302


def test_a_header_that_is_no_address_falls_back_to_the_connection(staf, behind_nginx):
    response = sign_in("salah", remote=ATTACKER, forwarded="bukan-alamat")

    assert response.status_code == 200
    assert sign_in(PASSWORD, remote=STAFF_OFFICE, forwarded="").status_code == 302


def test_an_address_guessing_across_accounts_is_refused_there_only(staf, behind_nginx):
    for i in range(20):
        sign_in("salah", username=f"tebakan{i}", forwarded=ATTACKER)

    # The right password of an account it never tried, from that address: refused.
    response = sign_in(PASSWORD, forwarded=ATTACKER)
    assert response.status_code == 429
    assert "Akun dikunci sementara" in response.content.decode()
    assert sign_in(PASSWORD, forwarded=STAFF_OFFICE).status_code == 302


def test_the_api_token_counts_failures_per_address_too(staf, behind_nginx):
    def token(password, address):
        return APIClient().post(
            reverse("api:token"),
            {"username": "staf.kota", "password": password},
            HTTP_X_FORWARDED_FOR=address,
        )

    assert token("salah", ATTACKER).status_code == 400
    for _ in range(4):
        token("salah", ATTACKER)
    assert token(PASSWORD, ATTACKER).status_code == 429

    assert token(PASSWORD, STAFF_OFFICE).status_code == 200
