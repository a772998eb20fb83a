import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Benar-sekali-2025"


def test_production_mode_passes_check_deploy_without_warnings():
    # A clean production environment: none of the test run's own switches.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DATABASE_URL") and not key.startswith("DJANGO_")
    }
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        NIK_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="kampungkb.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_requires_its_own_nik_hash_key():
    env = dict(os.environ, PRODUCTION="1", SECRET_KEY="x" * 60)
    env.pop("NIK_HASH_KEY", None)
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", "import kampungkb.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "NIK_HASH_KEY must be set when PRODUCTION=1" in result.stderr


def test_production_mode_refuses_debug():
    env = dict(
        os.environ,
        PRODUCTION="1",
        DEBUG="1",
        SECRET_KEY="x" * 60,
        NIK_HASH_KEY="k" * 40,
    )
    result = subprocess.run(
        [sys.executable, "-c", "import kampungkb.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PRODUCTION=1 cannot run with DEBUG on" in result.stderr


@pytest.fixture
def account(db):
    return get_user_model().objects.create_user("petugas", password=PASSWORD)


def _sign_in(client, password):
    return client.post(reverse("login"), {"username": "petugas", "password": password})


def test_a_right_password_signs_in(client, account):
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == account


def test_a_wrong_password_says_so_next_to_the_form(client, account):
    response = _sign_in(client, "salah")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_five_failures_lock_the_account_even_for_the_right_password(client, account):
    for _ in range(5):
        _sign_in(client, "salah")
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "Akun dikunci sementara" in response.content.decode()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_forms_refuse_posts_without_the_csrf_token(account):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("login"), {"username": "petugas", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_session_cookie_is_http_only_and_pages_deny_framing(client, account):
    response = _sign_in(client, PASSWORD)
    assert response.cookies["sessionid"]["httponly"]
    page = client.get(reverse("home"))
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
