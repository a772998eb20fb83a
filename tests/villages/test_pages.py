"""What people see on the registry pages and in the admin, after `load_demo`."""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import FieldOfficerFactory
from villages.models import ClassificationBasis, KampungKB, OfficerAssignment, Region
from villages.services import kampung_classify, kampung_deactivate

JENGGOT = "33.75.04.1004"
LEVEL_HEADERS = ["Dasar", "Berkembang", "Mandiri", "Berkelanjutan (Paripurna)"]
ADMIN_MODELS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)

# Every test here reads the demo registry, loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_module")]


class _Page(HTMLParser):
    """The tables of a page as rows of cell text, and the URLs it loads."""

    LOADING = {"script": "src", "img": "src", "link": "href", "iframe": "src"}

    def __init__(self, html):
        super().__init__()
        self.tables = []
        self.loads = []
        self.links = []
        self._row = None
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in self.LOADING and attrs.get(self.LOADING[tag]):
            self.loads.append(attrs[self.LOADING[tag]])
        if tag in ("source", "video", "audio", "embed") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def _kampung(code):
    return KampungKB.objects.get(region_id=code)


def _delete_with_dependants(obj):
    """Delete a row and whatever other apps keep of it behind PROTECT (the demo's
    evaluation of Jenggot and its award), so a kelurahan can lose its Kampung KB."""
    while True:
        try:
            with transaction.atomic():
                obj.delete()
            return
        except ProtectedError as error:
            for dependant in error.protected_objects:
                _delete_with_dependants(dependant)


@pytest.fixture
def user_client(admin_client_logged_in):
    return admin_client_logged_in


# Admin


@pytest.mark.parametrize(("app", "model"), ADMIN_MODELS)
def test_every_admin_changelist_and_add_page_opens(user_client, app, model):
    _get(user_client, reverse(f"admin:{app}_{model}_changelist"))
    add_url = reverse(f"admin:{app}_{model}_add")
    model_admin = admin.site._registry[apps.get_model(app, model)]
    request = user_client.get(add_url).wsgi_request
    if model_admin.has_add_permission(request):
        _get(user_client, add_url)
    else:
        # Logs kept by a library (django-axes) are read-only, also for administrators.
        assert user_client.get(add_url).status_code == 403


@pytest.mark.parametrize(("app", "model"), ADMIN_MODELS)
def test_every_filter_sort_and_page_link_of_an_admin_list_works(
    user_client, app, model
):
    url = reverse(f"admin:{app}_{model}_changelist")
    queries = {
        href for href in _Page(_get(user_client, url)).links if href.startswith("?")
    }
    for query in sorted(queries):
        response = user_client.get(url + query)
        # An admin list answers a broken filter with a redirect to "?e=1".
        assert response.status_code == 200, url + query


def _result_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", 312),
        ("?klasifikasi=mandiri", 7),
        ("?klasifikasi=berkelanjutan", 12),
        ("?klasifikasi=dasar", 27 + 244),
        ("?klasifikasi=none", 0),
        ("?kabkota=33.26", 285),
        ("?kabkota=33.75", 27),
        ("?kabkota=33.26&klasifikasi=berkembang", 22),
        ("?q=Jenggot", 1),
        ("?q=33.75", 27),
        ("?q=33.75.04", 6),
        ("?formed_on__year=2023", 13),
        ("?is_active__exact=1", 312),
        ("?is_active__exact=0", 0),
        ("?rumah_dataku__exact=none", 312),
        ("?krppa_integrated__exact=0", 312),
    ],
)
def test_kampung_admin_filters_and_search(user_client, query, count):
    url = reverse("admin:villages_kampungkb_changelist") + query
    assert _result_count(user_client, url) == count


def test_kampung_admin_list_shows_the_current_classification(user_client):
    html = _get(
        user_client, reverse("admin:villages_kampungkb_changelist") + "?q=Jenggot"
    )
    header, row = _Page(html).tables[-1]
    cells = dict(zip(header, row, strict=True))
    assert cells["Nama"] == "Kampung KB Jenggot"
    assert cells["Kode wilayah"] == JENGGOT
    assert cells["Kabupaten/kota"] == "Kota Pekalongan"
    assert cells["Klasifikasi"] == "Dasar"


@pytest.mark.parametrize(
    ("query", "count"),
    [("?q=33.75", 32), ("?q=Jenggot", 1), ("?level__exact=3", 23)],
)
def test_region_admin_search_and_filters(user_client, query, count):
    url = reverse("admin:villages_region_changelist") + query
    assert _result_count(user_client, url) == count


def test_launch_admin_search_keeps_the_number_of_kampung(user_client):
    response = user_client.get(
        reverse("admin:villages_launchevent_changelist") + "?q=Kauman"
    )
    assert response.status_code == 200
    # Kauman is a kelurahan of Kota Pekalongan and a desa of Kabupaten Pekalongan;
    # the search must not inflate the number of Kampung KB launched.
    launches = list(response.context["cl"].result_list)
    assert [(str(e.date), e.n_kampung) for e in launches] == [
        ("2024-07-30", 285),
        ("2023-06-07", 3),
    ]


def test_region_and_kampung_change_pages_open(user_client):
    html = _get(
        user_client, reverse("admin:villages_region_change", args=[quote(JENGGOT)])
    )
    assert "Jenggot" in html
    kampung = _kampung(JENGGOT)
    html = _get(
        user_client, reverse("admin:villages_kampungkb_change", args=[kampung.pk])
    )
    assert "Kampung KB Jenggot" in html
    assert "Dinsos-P2KB Kota Pekalongan" in html  # the classification inline


def test_kampung_admin_region_picker_offers_only_desa(user_client):
    response = user_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "villages",
            "model_name": "kampungkb",
            "field_name": "region",
            "term": "Pekalongan",
        },
    )
    assert response.status_code == 200
    # "Pekalongan" names kab/kota and kecamatan, none of which may hold a Kampung KB.
    assert response.json()["results"] == []

    response = user_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "villages",
            "model_name": "kampungkb",
            "field_name": "region",
            "term": "33.75.04",
        },
    )
    assert [r["id"] for r in response.json()["results"]] == [
        "33.75.04.1002",
        "33.75.04.1003",
        "33.75.04.1004",
        "33.75.04.1006",
        "33.75.04.1008",
        "33.75.04.1010",
    ]


# Registry pages


def test_registry_start_lists_the_province_and_the_kabkota_with_kampung_kb(
    user_client,
):
    html = _get(user_client, reverse("registry"))
    page = _Page(html)
    header, *rows = page.tables[0]
    assert header == ["Wilayah", "Desa/kel.", "Kampung KB", *LEVEL_HEADERS]
    assert rows[0] == ["Jawa Tengah 33", "312", "312", "271", "22", "7", "12"]
    assert 'href="/wilayah/33.75/">Kota Pekalongan</a>' in html
    assert 'href="/wilayah/33.26/">Kabupaten Pekalongan</a>' in html


def test_kota_page_lists_its_kecamatan_and_27_kampung_kb(user_client):
    html = _get(user_client, "/wilayah/33.75/")
    assert '<span class="kpi-value">27</span>' in html
    summary, formation, kampungs = _Page(html).tables
    assert summary[0] == ["Wilayah", "Desa/kel.", "Kampung KB", *LEVEL_HEADERS]
    assert summary[1:] == [
        ["Kecamatan Pekalongan Barat 33.75.01", "7", "7", "7", "0", "0", "0"],
        ["Kecamatan Pekalongan Timur 33.75.02", "7", "7", "7", "0", "0", "0"],
        ["Kecamatan Pekalongan Utara 33.75.03", "7", "7", "7", "0", "0", "0"],
        ["Kecamatan Pekalongan Selatan 33.75.04", "6", "6", "6", "0", "0", "0"],
        ["Jumlah", "27", "27", "27", "0", "0", "0"],
    ]
    for code in ("33.75.01", "33.75.02", "33.75.03", "33.75.04"):
        assert f'href="/wilayah/{code}/"' in html
    assert formation[1:] == [
        ["2022", "–", "6", "tanpa target"],
        ["2023", "13", "13", "tercapai"],
        ["2024", "8", "8", "tercapai"],
    ]
    assert len(kampungs) == 1 + 27
    jenggot_row = next(r for r in kampungs if r[0] == "Kampung KB Jenggot")
    assert jenggot_row[1] == "Kelurahan Jenggot"
    assert jenggot_row[3] == "Dasar"
    assert f'href="/kampung/{_kampung(JENGGOT).pk}/"' in html


def test_kecamatan_page_lists_its_six_kelurahan_and_their_kampung_kb(user_client):
    html = _get(user_client, "/wilayah/33.75.04/")
    assert '<span class="kpi-value">6</span>' in html
    desa = _Page(html).tables[0]
    assert [row[0] for row in desa[1:]] == [
        "Kelurahan Banyurip 33.75.04.1002",
        "Kelurahan Buaran Kradenan 33.75.04.1003",
        "Kelurahan Jenggot 33.75.04.1004",
        "Kelurahan Kuripan Kertoharjo 33.75.04.1006",
        "Kelurahan Kuripan Yosorejo 33.75.04.1008",
        "Kelurahan Sokoduwet 33.75.04.1010",
    ]
    for code in ("33.75.04.1002", JENGGOT, "33.75.04.1010"):
        assert f'href="/wilayah/{code}/"' in html
        kampung = _kampung(code)
        assert f'href="/kampung/{kampung.pk}/">{kampung.name}</a>' in html
    # Breadcrumbs lead back up the tree.
    assert 'href="/wilayah/33/">Jawa Tengah</a>' in html
    assert 'href="/wilayah/33.75/">Kota Pekalongan</a>' in html


def test_kecamatan_page_shows_a_kelurahan_without_kampung_kb(user_client):
    _delete_with_dependants(_kampung(JENGGOT))
    html = _get(user_client, "/wilayah/33.75.04/")
    assert '<span class="kpi-value">5</span>' in html
    jenggot_row = next(r for r in _Page(html).tables[0] if "Jenggot" in r[0])
    assert jenggot_row[1:] == ["belum ada Kampung KB"]


def test_kabupaten_page_counts_its_levels(user_client):
    html = _get(user_client, "/wilayah/33.26/")
    summary = _Page(html).tables[0]
    assert summary[-1] == ["Jumlah", "285", "285", "244", "22", "7", "12"]
    assert len(summary) == 1 + 19 + 1


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return len(queries)


def test_region_pages_cost_the_same_queries_for_27_or_285_kampung(user_client):
    # Kota Pekalongan lists 27 Kampung KB, Kabupaten Pekalongan 285.
    assert _query_count(user_client, "/wilayah/33.75/") == _query_count(
        user_client, "/wilayah/33.26/"
    )
    kab_kecamatan = Region.objects.filter(kabkota_id="33.26", level=3)
    largest = max(kab_kecamatan, key=lambda k: k.children.count())
    assert _query_count(user_client, "/wilayah/33.75.04/") == _query_count(
        user_client, f"/wilayah/{largest.code}/"
    )


def test_province_page_opens(user_client):
    html = _get(user_client, "/wilayah/33/")
    assert "Kota Pekalongan" in html
    assert "Kabupaten Pekalongan" in html


def test_kelurahan_page_links_to_its_kampung_kb(user_client):
    html = _get(user_client, f"/wilayah/{JENGGOT}/")
    kampung = _kampung(JENGGOT)
    assert f'href="/kampung/{kampung.pk}/">Kampung KB Jenggot</a>' in html


def test_kelurahan_without_kampung_kb_says_so(user_client):
    _delete_with_dependants(_kampung(JENGGOT))
    html = _get(user_client, f"/wilayah/{JENGGOT}/")
    assert "Desa/kelurahan ini belum memiliki Kampung KB." in html


def test_kampung_profile_shows_identity_and_history(user_client):
    kampung = _kampung(JENGGOT)
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert "<h1>Kampung KB Jenggot</h1>" in html
    assert "Kelurahan Jenggot, Kecamatan Pekalongan Selatan, Kota Pekalongan" in html
    assert "Data ilustratif:" in html
    history = _Page(html).tables[0]
    assert len(history) == 2
    assert history[1][1] == "Dasar"


def test_profile_shows_the_accompanying_field_officer(user_client):
    kampung = _kampung(JENGGOT)
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert "belum ditugaskan" in html
    officer = FieldOfficerFactory(name="Siti Aminah")
    OfficerAssignment.objects.create(officer=officer, region=kampung.region)
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert "Siti Aminah (PLKB)" in html


def test_profile_shows_berkelanjutan_as_paripurna(user_client):
    kampung = (
        KampungKB.objects.in_region(Region.objects.get(code="33.26"))
        .with_current_level()
        .filter(current_level="berkelanjutan")
        .first()
    )
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert (
        '<span class="badge level-berkelanjutan">Berkelanjutan (Paripurna)</span>'
        in (html)
    )
    assert "Aula Setda Kabupaten Pekalongan" in html


def test_profile_of_a_kampung_launched_on_7_june_2023(user_client):
    kampung = KampungKB.objects.get(region__kabkota_id="33.75", region__name="Klego")
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert "Aula Kecamatan Pekalongan Timur" in html
    assert "Data ilustratif:" not in html
    # Kauman's profile says the one thing chosen there: which one holds the Dashat.
    kauman = KampungKB.objects.get(region__kabkota_id="33.75", region__name="Kauman")
    html = _get(user_client, f"/kampung/{kauman.pk}/")
    assert "Data ilustratif:</strong> Dashat yang diresmikan" in html


def test_a_deactivated_kampung_is_shown_as_inactive(user_client):
    kampung = _kampung(JENGGOT)
    kampung_deactivate(kampung=kampung, on=kampung.formed_on, reason="Uji coba")
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    assert "nonaktif" in html
    assert "Uji coba" in html
    html = _get(user_client, "/wilayah/33.75.04/")
    assert '<span class="kpi-value">5</span>' in html
    jenggot_row = next(r for r in _Page(html).tables[0] if "Jenggot" in r[0])
    assert jenggot_row[1] == "Kampung KB Jenggot nonaktif"
    html = _get(user_client, "/wilayah/33.75/")
    assert '<span class="kpi-value">26</span>' in html


def test_profile_shows_the_latest_classification(user_client):
    kampung = _kampung(JENGGOT)
    kampung_classify(
        kampung=kampung,
        level="berkembang",
        effective_on=kampung.formed_on.replace(year=2024),
        basis=ClassificationBasis.EVALUATION,
    )
    html = _get(user_client, f"/kampung/{kampung.pk}/")
    lead = html.split('<p class="lead">', 1)[1].split("</p>", 1)[0]
    assert "Berkembang" in lead
    assert "Dasar" not in lead


@pytest.mark.parametrize("url", ["/wilayah/99.99/", "/wilayah/33.75.09/"])
def test_unknown_region_is_not_found(user_client, url):
    assert user_client.get(url).status_code == 404


def test_unknown_kampung_is_not_found(user_client):
    missing = KampungKB.objects.order_by("-pk").first().pk + 1
    assert user_client.get(f"/kampung/{missing}/").status_code == 404


# Access


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/wilayah/",
        "/wilayah/33.75/",
        f"/wilayah/{JENGGOT}/",
        "/kampung/1/",
        "/admin/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    location = response["Location"]
    if url == "/admin/":
        assert location.startswith("/admin/login/")
    else:
        assert location == f"/masuk/?next={url}"


def test_sign_in_page_opens_for_anonymous_visitors(client):
    html = _get(client, "/masuk/")
    assert "<h1>Masuk</h1>" in html


def test_signing_in_leads_to_the_users_region(client, django_user_model):
    user = django_user_model.objects.create_user(
        "pimpinan", password="x-Very-long-pass-1", role="pimpinan"
    )
    user.regions.set([Region.objects.get(code="33")])
    response = client.post(
        "/masuk/", {"username": "pimpinan", "password": "x-Very-long-pass-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    # "/" is the dashboard of their one region, linking to its registry page.
    home = _get(client, "/")
    assert "<h1>Jawa Tengah" in home
    assert 'href="/wilayah/33/"' in home
    registry = client.get(reverse("registry"), follow=True)
    assert registry.redirect_chain == [("/wilayah/33/", 302)]
    assert "Jawa Tengah" in registry.content.decode()


# Nothing loads from the internet


def _external(loads):
    return [u for u in loads if u.startswith(("http:", "https:", "//"))]


def test_pages_load_nothing_from_other_hosts(user_client):
    kampung = _kampung(JENGGOT)
    urls = [
        "/",
        reverse("registry"),
        "/wilayah/33.75/",
        "/wilayah/33.75.04/",
        f"/wilayah/{JENGGOT}/",
        f"/kampung/{kampung.pk}/",
        reverse("admin:index"),
        reverse("admin:villages_kampungkb_changelist"),
        reverse("admin:villages_kampungkb_change", args=[kampung.pk]),
    ]
    for url in urls:
        loads = _Page(_get(user_client, url)).loads
        assert loads, url
        assert _external(loads) == [], url


def test_sign_in_page_loads_nothing_from_other_hosts(client):
    loads = _Page(_get(client, "/masuk/")).loads
    assert loads
    assert _external(loads) == []


# Languages


def test_pages_are_indonesian_by_default(user_client):
    html = _get(user_client, "/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in html
    assert "Keluar" in html
    assert "Administrasi situs" in _get(user_client, reverse("admin:index"))


def test_english_can_be_chosen(user_client):
    response = user_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/wilayah/33.75/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/wilayah/33.75/"
    html = _get(user_client, "/wilayah/33.75/")
    assert '<html lang="en">' in html
    assert "Log out" in html
    assert "Keluar" not in html
    html = _get(user_client, reverse("admin:index"))
    assert "Site administration" in html
    assert "Administrasi situs" not in html


def test_english_can_be_chosen_on_the_sign_in_page(client):
    # The language buttons are on the sign-in page too, where nobody is signed in.
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    assert response["Location"] == "/masuk/"
    assert '<html lang="en">' in _get(client, "/masuk/")
