"""The sign-in page names the program, says what the app is for and where to get help."""

import html
import re

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "x-Very-long-pass-1"


def _text(response):
    body = re.sub(
        r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_sign_in_page_names_the_program_and_offers_help(client):
    response = client.get("/masuk/")
    text = _text(response)

    assert "Kampung Keluarga Berkualitas (Kampung KB)" in text
    assert "Dinsos-P2KB" in text
    assert "Pengendalian Penduduk dan Keluarga Berencana" in text
    assert "Belum punya akun?" in text and "Lupa kata sandi?" in text
    assert "Akun dibuat oleh staf Dinsos-P2KB kabupaten/kota Anda" in text
    body = response.content.decode()
    # The language switch, usable before signing in.
    assert 'action="/i18n/setlang/"' in body
    assert 'value="en"' in body and 'value="id"' in body


def test_the_sign_in_page_in_english(client):
    client.cookies["django_language"] = "en"
    text = _text(client.get("/masuk/"))

    assert "Log in" in text
    assert "Forgot your password?" in text
    assert "Lupa kata sandi?" not in text


def test_a_wrong_password_gets_the_apps_own_words(client, django_user_model):
    django_user_model.objects.create_user("plkb", password=PASSWORD, role="plkb")
    response = client.post("/masuk/", {"username": "plkb", "password": "salah"})

    assert response.status_code == 200
    text = _text(response)
    assert "Nama pengguna atau kata sandi salah." in text
    # Django's own Indonesian said "nama pengguna nama pengguna".
    assert "nama pengguna nama pengguna" not in text.lower()
    assert "Nama pengguna" in text and "Kata sandi" in text


def test_a_wrong_password_in_english(client, django_user_model):
    django_user_model.objects.create_user("plkb", password=PASSWORD, role="plkb")
    client.cookies["django_language"] = "en"
    text = _text(client.post("/masuk/", {"username": "plkb", "password": "wrong"}))

    assert "Wrong username or password." in text
