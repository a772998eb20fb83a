"""Stunting pages per role: who sees a child's personal fields, who may write."""

import datetime
import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from dashboards.refresh import snapshot_refresh
from kampungkb.models import Role
from kampungkb.services import user_create
from stunting import charts
from stunting.models import Child, Measurement, ReportedPrevalence
from stunting.nik import nik_hash
from stunting.services import child_register, measurement_record
from villages.models import Region

JENGGOT = "33.75.04.1004"
BANYURIP = "33.75.04.1002"  # the PLKB's kecamatan, not one of their desa
MEDONO = "33.75.01.1002"  # another kecamatan
NIK = "3375041503220001"
BIRTH = datetime.date(2022, 3, 15)
PERSONAL = ["Siti Rahmawati", "Ibu Aminah", NIK, "15 Maret 2022", "2022-03-15"]


class _Scripts(HTMLParser):
    """The src of every script and the content of every json_script on a page."""

    def __init__(self, html):
        super().__init__()
        self.sources, self.json, self._id = [], {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.sources.append(attrs["src"])
        if tag == "script" and attrs.get("type") == "application/json":
            self._id = attrs["id"]

    def handle_data(self, data):
        if self._id:
            self.json[self._id] = json.loads(data)
            self._id = None


@pytest.fixture
def people(kota_pekalongan):
    admin = get_user_model().objects.create_superuser("root", password="x-Long-pass-1")

    def account(username, role, codes):
        user, _password = user_create(
            actor=admin,
            username=username,
            role=role,
            regions=Region.objects.filter(code__in=codes),
        )
        return user

    return {
        "staf": account("staf", Role.STAF, ["33.75"]),
        "plkb": account("plkb", Role.PLKB, [JENGGOT]),
        "pimpinan": account("pimpinan", Role.PIMPINAN, ["33.75"]),
    }


@pytest.fixture
def siti(people):
    child = child_register(
        region=Region.objects.get(code=JENGGOT),
        name="Siti Rahmawati",
        sex="P",
        birth_date=BIRTH,
        nik=NIK,
        posyandu="Posyandu Melati",
        parent_name="Ibu Aminah",
    )
    measurement_record(
        child=child,
        measured_on=datetime.date(2024, 8, 12),
        weight_kg=Decimal("10.5"),
        height_cm=Decimal("80.0"),
        measured="standing",
    )
    return child


def _child(code, name):
    return child_register(
        region=Region.objects.get(code=code),
        name=name,
        sex="L",
        birth_date=datetime.date(2023, 1, 5),
    )


def _as(client, user):
    client.force_login(user)
    return client


def test_staff_and_the_childs_plkb_see_the_personal_fields(client, people, siti):
    for role in ("staf", "plkb"):
        _as(client, people[role])
        page = client.get(reverse("child-detail", args=[siti.pk])).content.decode()
        assert "Siti Rahmawati" in page
        assert "Ibu Aminah" in page
        assert "15 Maret 2022" in page
        # Only the hash is stored, and the page does not show even that.
        assert NIK not in page and nik_hash(NIK) not in page
        listing = client.get(reverse("child-list")).content.decode()
        assert "Siti Rahmawati" in listing


def test_an_official_sees_anak_id_and_never_the_personal_fields(client, people, siti):
    _as(client, people["pimpinan"])
    pages = [
        reverse("child-detail", args=[siti.pk]),
        reverse("child-list"),
        reverse("child-list") + "?q=Siti",
        reverse("stunting-prevalence", args=["33.75"]) + "?kind=tahun&year=2024",
        reverse("stunting-index"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for value in PERSONAL:
            assert value not in html, (url, value)
    detail = client.get(reverse("child-detail", args=[siti.pk])).content.decode()
    assert f"Anak #{siti.pk}" in detail
    assert "Perempuan" in detail
    assert "Catat pengukuran" not in detail


def test_an_official_may_not_register_measure_or_score(client, people, siti):
    _as(client, people["pimpinan"])
    assert client.get(reverse("child-create")).status_code == 403
    assert client.get(reverse("measurement-create", args=[siti.pk])).status_code == 403
    score = reverse("measurement-score", args=[siti.pk])
    assert client.get(score, {"measured_on": "2024-08-12"}).status_code == 403


def test_a_plkb_sees_names_only_in_their_own_desa(client, people, siti):
    neighbour = _child(BANYURIP, "Dewi Lestari")
    elsewhere = _child(MEDONO, "Budi Santoso")
    _as(client, people["plkb"])

    listing = client.get(reverse("child-list")).content.decode()
    assert "Siti Rahmawati" in listing
    assert "Dewi Lestari" not in listing
    assert f"Anak #{neighbour.pk}" in listing
    assert f"Anak #{elsewhere.pk}" not in listing
    # A name search only finds names the user may see.
    found = client.get(reverse("child-list"), {"q": "Dewi"}).content.decode()
    assert f"Anak #{neighbour.pk}" not in found

    neighbour_page = client.get(reverse("child-detail", args=[neighbour.pk]))
    assert neighbour_page.status_code == 200
    assert "Dewi Lestari" not in neighbour_page.content.decode()
    assert client.get(reverse("child-detail", args=[elsewhere.pk])).status_code == 404
    assert (
        client.get(reverse("measurement-create", args=[neighbour.pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("measurement-create", args=[elsewhere.pk])).status_code
        == 404
    )


def _registration(code, name="Rina Kartika", nik=""):
    return {
        "region": code,
        "name": name,
        "sex": "P",
        "birth_date": "2024-05-01",
        "nik": nik,
        "posyandu": "Posyandu Mawar",
        "parent_name": "Ibu Sari",
    }


def test_a_plkb_registers_a_child_only_in_their_desa(client, people):
    _as(client, people["plkb"])
    url = reverse("child-create")

    assert client.post(url, _registration(BANYURIP)).status_code == 403
    assert client.post(url, _registration(MEDONO)).status_code == 404
    assert not Child.objects.filter(name="Rina Kartika").exists()

    response = client.post(url, _registration(JENGGOT, nik="3375 0401 0524 0002"))
    child = Child.objects.get(name="Rina Kartika")
    assert response.status_code == 302
    assert response.url == reverse("child-detail", args=[child.pk])
    assert child.region_id == JENGGOT
    assert child.nik_hash == nik_hash("3375040105240002")


def test_registration_rejects_a_nik_that_is_not_16_digits(client, people):
    _as(client, people["staf"])
    response = client.post(
        reverse("child-create"), _registration(JENGGOT, nik="33750401")
    )
    assert response.status_code == 200
    assert "NIK harus 16 angka." in response.content.decode()
    assert not Child.objects.exists()


def _born_days_ago(days, sex="L"):
    return child_register(
        region=Region.objects.get(code=JENGGOT),
        name="Anak Uji",
        sex=sex,
        birth_date=timezone.localdate() - datetime.timedelta(days=days),
    )


def test_the_score_endpoint_gives_the_domain_check_value(client, people):
    boy = _born_days_ago(731)
    _as(client, people["plkb"])

    response = client.get(
        reverse("measurement-score", args=[boy.pk]),
        {
            "measured_on": timezone.localdate().isoformat(),
            "weight_kg": "10.0",
            "height_cm": "80.0",
            "measured": "standing",
        },
    )

    assert response.status_code == 200
    body = response.json()
    haz = next(i for i in body["indicators"] if i["code"] == "haz")
    assert body["age_days"] == 731
    assert haz["z"] == -2.33
    assert (haz["class"], haz["label"]) == ("pendek", "Pendek")
    assert not haz["implausible"]


def test_the_score_endpoint_says_what_is_wrong(client, people):
    boy = _born_days_ago(100)
    _as(client, people["plkb"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.get(
        reverse("measurement-score", args=[boy.pk]),
        {"measured_on": tomorrow.isoformat(), "measured": "sideways"},
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["measured_on"] == ["Tanggal ukur tidak boleh di masa depan."]
    assert "measured" in errors
    assert errors["weight_kg"] == ["Isi berat atau panjang/tinggi badan."]


def test_a_plkb_records_a_measurement_and_sees_it_on_the_child_page(client, people):
    boy = _born_days_ago(731)
    _as(client, people["plkb"])
    today = timezone.localdate()

    response = client.post(
        reverse("measurement-create", args=[boy.pk]),
        {
            "measured_on": today.isoformat(),
            "weight_kg": "10.0",
            "height_cm": "80.0",
            "measured": "standing",
            "place": "posyandu",
            "posyandu": "Posyandu Melati",
        },
    )

    assert response.status_code == 302
    measurement = Measurement.objects.get(child=boy)
    assert round(measurement.haz, 2) == -2.33
    assert measurement.haz_class == "pendek"
    assert measurement.entered_by == people["plkb"]
    page = client.get(response.url).content.decode()
    assert "-2,33" in page and "Pendek" in page

    again = client.post(
        reverse("measurement-create", args=[boy.pk]),
        {
            "measured_on": today.isoformat(),
            "height_cm": "81.0",
            "measured": "standing",
            "place": "posyandu",
        },
    )
    assert again.status_code == 200
    assert "Anak ini sudah diukur pada tanggal itu." in again.content.decode()


def test_the_growth_chart_has_the_childs_points_and_the_who_lines(client, people, siti):
    measurement_record(
        child=siti,
        measured_on=datetime.date(2025, 2, 10),
        weight_kg=Decimal("11.2"),
        height_cm=Decimal("85.0"),
        measured="standing",
    )
    _as(client, people["staf"])

    html = client.get(reverse("child-detail", args=[siti.pk])).content.decode()
    scripts = _Scripts(html)
    figure = scripts.json["growth-figure"]

    lines = [t for t in figure["data"] if t["name"].startswith("WHO")]
    assert sorted(t["y"][0] for t in lines) == [-3, -2, 0, 2]
    assert all(t["y"][0] == t["y"][1] for t in lines)
    child = next(t for t in figure["data"] if t["name"] == "Anak ini")
    hazes = [round(m.haz, 2) for m in siti.measurements.order_by("measured_on")]
    assert [round(z, 2) for z in child["y"]] == hazes
    assert child["x"] == [28.9, 34.9]
    # plotly.js from the app's static files, never from a CDN.
    plotly = [src for src in scripts.sources if "plotly" in src]
    assert len(plotly) == 1 and plotly[0].startswith("/static/js/plotly.min.")


def test_growth_figure_is_a_pure_dict():
    figure = charts.growth_figure(points=[(1.0, -0.5), (6.0, -2.2)])
    child = figure["data"][-1]
    assert (child["x"], child["y"]) == ([1.0, 6.0], [-0.5, -2.2])
    assert [t["y"] for t in figure["data"][:4]] == [[-3, -3], [-2, -2], [0, 0], [2, 2]]
    json.dumps(figure)


def test_the_prevalence_page_shows_measured_and_reported_apart(client, people, siti):
    kota = Region.objects.get(code="33.75")
    for year, source, value in [(2021, "ssgi", "20.6"), (2022, "ssgi", "23.1")]:
        ReportedPrevalence.objects.create(
            region=kota, year=year, source=source, value_percent=value, citation="x"
        )
    ReportedPrevalence.objects.create(
        region=kota, year=2024, source="other", value_percent="17.86", citation="y"
    )
    snapshot_refresh(years=[2024])  # the page reads the refresh's figures
    _as(client, people["pimpinan"])

    html = client.get(
        reverse("stunting-prevalence", args=["33.75"]), {"kind": "tahun", "year": 2024}
    ).content.decode()

    assert "Pekalongan Selatan" in html
    figure = _Scripts(html).json["prevalence-figure"]
    traces = {t["name"]: list(zip(t["x"], t["y"], strict=True)) for t in figure["data"]}
    assert traces["SSGI (survei)"] == [(2021, 20.6), (2022, 23.1)]
    assert traces["Lainnya"] == [(2024, 17.86)]
    # Siti's 2024 measurement (HAZ < -2) is the only one: 1 of 1 measured, far
    # below the 30 children a prevalence is shown from: no "100 %" anywhere.
    assert "Terukur (data pengukuran di aplikasi)" not in traces
    cards = html[html.index('class="kpis"') :]
    cards = cards[: cards.index("</section>")]
    # Stunting, severe stunting and coverage (1 of 1 registered child).
    assert cards.count("n terlalu kecil") == 3
    assert "100,00" not in html and "100.00" not in html
    assert "1/1" in html  # the counts stay in the table


def test_the_prevalence_page_draws_a_rate_from_the_minimum_on(
    client, people, siti, settings
):
    settings.DASHBOARD_MIN_DENOMINATOR = {**settings.DASHBOARD_MIN_DENOMINATOR}
    settings.DASHBOARD_MIN_DENOMINATOR["prevalence"] = 1
    settings.DASHBOARD_MIN_DENOMINATOR["coverage"] = 1
    snapshot_refresh(years=[2024])
    _as(client, people["pimpinan"])

    html = client.get(
        reverse("stunting-prevalence", args=["33.75"]), {"kind": "tahun", "year": 2024}
    ).content.decode()

    figure = _Scripts(html).json["prevalence-figure"]
    traces = {t["name"]: list(zip(t["x"], t["y"], strict=True)) for t in figure["data"]}
    assert traces["Terukur (data pengukuran di aplikasi)"] == [(2024, 100.0)]
    assert "n terlalu kecil" not in html[html.index('class="kpis"') :][:2000]
    assert "100,0 %" in html  # Siti, the one registered child, was measured


def test_the_prevalence_page_of_a_region_outside_scope_is_404(
    client, people, kab_pekalongan
):
    _as(client, people["plkb"])
    assert (
        client.get(reverse("stunting-prevalence", args=["33.75.01"])).status_code == 404
    )
    assert (
        client.get(reverse("stunting-prevalence", args=["33.75.04"])).status_code == 200
    )
    _as(client, people["pimpinan"])
    assert client.get(reverse("stunting-prevalence", args=["33.26"])).status_code == 404


def test_staff_add_a_reported_prevalence_and_a_plkb_may_not(client, people):
    form = {
        "region": "33.75",
        "year": 2023,
        "source": "eppgbm",
        "value_percent": "12.5",
        "numerator": "250",
        "denominator": "2000",
        "citation": "e-PPGBM Agustus 2023",
        "note": "",
    }
    _as(client, people["plkb"])
    assert client.get(reverse("reported-prevalence-create")).status_code == 403
    assert client.post(reverse("reported-prevalence-create"), form).status_code == 403

    _as(client, people["staf"])
    response = client.post(reverse("reported-prevalence-create"), form)
    assert response.status_code == 302
    row = ReportedPrevalence.objects.get()
    assert (row.region_id, row.year, row.source) == ("33.75", 2023, "eppgbm")
    listing = client.get(reverse("reported-prevalence-list")).content.decode()
    assert "e-PPGBM Agustus 2023" in listing

    duplicate = client.post(reverse("reported-prevalence-create"), form)
    assert duplicate.status_code == 200
    assert "Sudah ada angka dari sumber ini" in duplicate.content.decode()


def test_the_stunting_link_is_in_the_menu_for_readers(client, people):
    _as(client, people["pimpinan"])
    html = client.get(reverse("stunting-index")).content.decode()
    assert f'href="{reverse("stunting-index")}"' in html
    assert reverse("stunting-prevalence", args=["33.75"]) in html


def test_the_administrators_stunting_home_lists_the_kab_kota_with_measured_figures(
    client, people, siti
):
    client.force_login(get_user_model().objects.get(username="root"))
    url = reverse("stunting-index")
    prevalence = reverse("stunting-prevalence", args=["33.75"])
    # Read from the refresh's figures: nothing measured is listed before one.
    assert prevalence not in client.get(url).content.decode()

    snapshot_refresh(years=[2024])

    html = client.get(url).content.decode()
    assert f'href="{prevalence}"' in html
    assert "Kota Pekalongan" in html
