"""Every CSV and XLSX export writes people's text as text, never as a formula.

A PLKB named a Kampung KB `=HYPERLINK("http://evil","klik")` and it became a live
link in the officials' results workbook. Text starting with = + - @ (also after
spaces), a tab or a carriage return now gets a leading single quote; numbers stay
numbers.
"""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dashboards.refresh import snapshot_refresh
from evaluations import services
from kampungkb.exporting import safe_cell, safe_row
from kampungkb.models import Role, User
from tests.evaluations.conftest import make_template, score_all
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import ClassificationLevel, Region, RegionLevel

DANGEROUS = [
    '=HYPERLINK("http://evil","klik")',
    "+1+1",
    "-1+2",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


def _user(username, role, regions=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(regions)
    return user


def _in_xlsx(text):
    """`text` quoted, as read back (openpyxl with lxml keeps a carriage return)."""
    return "'" + text


def _formulas(book):
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_safe_cell_quotes_text_that_could_run_and_leaves_the_rest():
    for text in DANGEROUS:
        assert safe_cell(text) == "'" + text
    for harmless in ["Kampung KB Jenggot", "", "33.75.04", "a=b", "Rp -5"]:
        assert safe_cell(harmless) == harmless
    # Numbers stay numbers, negative ones too; dates and empty cells as they are.
    day = datetime.date(2025, 4, 29)
    assert safe_row([-1, -2.5, 0, None, day]) == [-1, -2.5, 0, None, day]


@pytest.fixture
def closed_cycle(kota_pekalongan):
    """A closed cycle whose Kampung KB, cycle and criterion names are formulas."""
    kelurahan = Region.objects.filter(
        level=RegionLevel.DESA, code__startswith="33.75."
    ).order_by("code")[: len(DANGEROUS)]
    for region, name in zip(kelurahan, DANGEROUS, strict=True):
        kampung = KampungFactory(
            region=region,
            name=name,
            formed_on=datetime.date(2022, 4, 29),
        )
        ClassificationFactory(kampung=kampung, level=ClassificationLevel.DASAR)
    template = make_template()
    template.criteria.filter(code="I1").update(name="=1+1")
    template.criteria.filter(code="O1").update(code="@O1")
    staf = _user("staf.kota", Role.STAF, [kota_pekalongan])
    eva = _user("eva", Role.EVALUATOR, [kota_pekalongan])
    cycle = services.cycle_create(
        region=kota_pekalongan,
        name='=HYPERLINK("http://evil","siklus")',
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        template=template,
        created_by=staf,
    )
    services.evaluator_assign(cycle=cycle, evaluator=eva)
    cycle = services.cycle_open(cycle=cycle)
    for region in kelurahan:
        score_all(cycle, region.code, eva, {"I1": 4, "I2": 3, "P1": 5, "@O1": 7})
    services.cycle_close(cycle=cycle, closed_by=staf)
    return cycle, staf


def test_the_evaluation_results_workbook_has_no_formula(client, closed_cycle):
    cycle, staf = closed_cycle
    client.force_login(staf)

    response = client.get(reverse("evaluation-export", args=[cycle.pk]))

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert _formulas(book) == []
    rows = list(book["Hasil"].iter_rows(values_only=True))
    named = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(named) == {_in_xlsx(name) for name in DANGEROUS}
    for row in named.values():
        assert isinstance(row["Peringkat"], int)
        assert isinstance(row["Nilai total"], float | int)
        assert row["Nilai total"] > 0
    criteria = list(book["Rata-rata per kriteria"].iter_rows(values_only=True))
    assert {row[1] for row in criteria[1:]} == set(named)
    assert all(
        isinstance(value, float | int) for row in criteria[1:] for value in row[2:]
    )
    about = list(book["Keterangan"].iter_rows(values_only=True))
    assert about[0][:2] == ("Siklus", _in_xlsx(cycle.name))
    assert any(row[:2] == ("I1", "'=1+1") for row in about)
    assert any(row[0] == "'@O1" for row in about)


@pytest.fixture
def dashboard_reader(kota_pekalongan, client):
    """A pimpinan of the province whose child region's name is `name`."""
    KampungFactory(region=Region.objects.get(code="33.75.04.1004"))
    snapshot_refresh(years=[2024])
    client.force_login(
        _user("pimpinan", Role.PIMPINAN, [Region.objects.get(code="33")])
    )

    def rename(name):
        # Region names come from official data, but an administrator may edit them.
        Region.objects.filter(code__in=["33", "33.75"]).update(name=name)
        return client

    return rename


@pytest.mark.parametrize("name", DANGEROUS)
@pytest.mark.parametrize(("decimal", "delimiter"), [("koma", ";"), ("titik", ",")])
def test_the_dashboard_csv_quotes_a_region_name_that_could_run(
    dashboard_reader, name, decimal, delimiter
):
    client = dashboard_reader(name)

    response = client.get(f"/dashboard/33/ekspor.csv?tahun=2024&desimal={decimal}")

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    (row,) = rows
    assert row[0] == "'" + name
    assert row[1] == "33.75"
    assert row[header.index("Kampung KB terbentuk (jumlah)")] == "1"


@pytest.mark.parametrize("name", DANGEROUS)
def test_the_dashboard_xlsx_has_no_formula(dashboard_reader, name):
    client = dashboard_reader(name)

    response = client.get("/dashboard/33/ekspor.xlsx?tahun=2024")

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert _formulas(book) == []
    sheet = book.worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    (row,) = rows
    assert row[0] == _in_xlsx(name)
    assert row[header.index("Kampung KB terbentuk (jumlah)")] == 1
    notes = dict(book["Keterangan"].iter_rows(values_only=True))
    assert notes["Wilayah"] == _in_xlsx(f"{name} (33)")
