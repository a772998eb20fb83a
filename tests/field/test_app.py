"""The field app's shell, service worker and manifest, and sign-out clearing the device."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
from django.urls import reverse

from field import views
from kampungkb.models import Role
from kampungkb.services import user_create
from villages.models import Region

PASSWORD = "Sandi-uji-yang-panjang-1"
JENGGOT = "33.75.04.1004"


@pytest.fixture
def accounts(kota_pekalongan):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    made = {}
    for role, codes in (
        (Role.PLKB, [JENGGOT]),
        (Role.STAF, ["33.75"]),
        (Role.PIMPINAN, ["33.75"]),
    ):
        made[role], _password = user_create(
            actor=admin,
            username=f"{role}.uji",
            role=role,
            regions=Region.objects.filter(code__in=codes),
        )
    return made


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _static_name(url):
    """The name in the collected static files of a /static/ URL."""
    prefix = staticfiles_storage.base_url
    assert url.startswith(prefix), url
    return url[len(prefix) :]


def test_a_plkb_opens_the_shell_with_their_id_and_the_manifest(accounts):
    plkb = accounts[Role.PLKB]
    response = _client(plkb).get(reverse("field-app"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-user="{plkb.pk}"' in page
    assert f'href="{reverse("field-manifest")}"' in page
    # The count is the phone's to tell (IndexedDB), not the server's.
    assert "Menunggu dikirim: …" in page
    # The same labels as the web form.
    assert "Berat badan (kg)" in page and "Panjang/tinggi badan (cm)" in page
    # No inline script: the texts and settings are data, the code is files.
    for script in re.findall(r"<script([^>]*)>", page):
        assert "src=" in script or 'type="application/json"' in script, script
    config = json.loads(
        re.search(r'id="field-config" type="application/json">(.*?)</script>', page)[1]
    )
    assert config["user"] == plkb.pk
    assert config["urls"]["bundle"] == "/lapangan/paket/"
    assert config["urls"]["sync"] == "/lapangan/sinkron/"


@pytest.mark.parametrize("role", [Role.STAF, Role.PIMPINAN])
def test_others_are_refused_the_shell(accounts, role):
    response = _client(accounts[role]).get(reverse("field-app"))

    assert response.status_code == 403
    assert "Anda tidak berhak membuka halaman ini" in response.content.decode()


def test_the_shell_sends_a_signed_out_visitor_to_sign_in(db):
    response = Client().get(reverse("field-app"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/lapangan/")


def test_only_the_plkb_menu_links_to_the_field_app(accounts):
    link = f'href="{reverse("field-app")}"'
    # Only a PLKB's sign-out first looks for unsent field entries.
    check = f'data-field-user="{accounts[Role.PLKB].pk}"'
    page = _client(accounts[Role.PLKB]).get("/").content.decode()
    assert link in page and check in page
    for role in (Role.STAF, Role.PIMPINAN):
        page = _client(accounts[role]).get("/").content.decode()
        assert link not in page
        assert "data-field-user" not in page


def _worker(client=None):
    response = (client or Client()).get(reverse("field-sw"))
    body = response.content.decode()
    config = json.loads(re.search(r"const CONFIG = (.*);", body)[1])
    version = re.search(r'const VERSION = "(\w+)";', body)[1]
    return response, config, version


def test_the_service_worker_is_javascript_for_the_app_scope(accounts):
    response, config, _version = _worker(_client(accounts[Role.PLKB]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # Served from inside the scope it controls.
    scope = reverse("field-app")
    assert reverse("field-sw").startswith(scope)
    assert response["Service-Worker-Allowed"] == scope
    assert config["shell"] == scope


def test_the_service_worker_keeps_the_shell_files_that_exist(accounts):
    _response, config, _version = _worker()

    urls = config["precache"]
    for kept in ("/lapangan/", "/lapangan/manifest.webmanifest"):
        assert kept in urls
    assert "/lapangan/tabel-who.json" in urls
    statics = [url for url in urls if url.startswith(staticfiles_storage.base_url)]
    names = {
        re.sub(r"\.[0-9a-f]{12}\.", ".", _static_name(url)): _static_name(url)
        for url in statics
    }
    for name in (
        "css/app.css",
        "css/field.css",
        "js/field/app.js",
        "js/field/growth.js",
        "field/icon-192.png",
    ):
        # The hashed name of the deployed file: it exists, and is not the bare name.
        assert name in names, name
        assert names[name] != name
        assert staticfiles_storage.exists(names[name]), names[name]
    # The bundle and the sync are never kept in the Cache API.
    assert set(config["never"]) == {"/lapangan/paket/", "/lapangan/sinkron/"}
    assert not set(config["never"]) & set(urls)


def test_the_worker_version_changes_with_the_static_files(db, monkeypatch):
    _response, _config, before = _worker()
    assert _worker()[2] == before

    deployed = views.static
    monkeypatch.setattr(
        views, "static", lambda name: deployed(name).replace(".css", ".new.css")
    )

    assert _worker()[2] != before


def test_the_manifest_makes_the_app_installable(db):
    # Browsers ask for the manifest without cookies.
    response = Client().get(reverse("field-manifest"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["start_url"] == manifest["scope"] == "/lapangan/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b6e4f"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, icon in sizes.items():
        assert icon["type"] == "image/png"
        name = _static_name(icon["src"])
        assert staticfiles_storage.exists(name)
        with staticfiles_storage.open(name) as png:
            head = png.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(head[16:20], "big")
        assert f"{width}x{width}" == size


def test_the_manifest_speaks_english_when_asked(db, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    manifest = json.loads(client.get(reverse("field-manifest")).content)

    assert manifest["lang"] == "en"
    assert manifest["short_name"] == "KB Field"


def test_sign_out_clears_what_the_browser_kept(accounts):
    client = _client(accounts[Role.PLKB])

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get(reverse("field-app")).status_code == 302


def test_the_pages_allow_the_worker_and_the_manifest(accounts):
    policy = _client(accounts[Role.PLKB]).get(reverse("field-app"))[
        "Content-Security-Policy"
    ]

    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
