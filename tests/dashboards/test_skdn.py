"""Posyandu months (SKDN): the KBM rule, hand-counted marks per desa and month,
their roll-up, the one-desa selector against the refresh, and a rerun."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards.models import COUNTRY_CODE, SkdnFigure
from dashboards.refresh import snapshot_refresh
from kampungkb.models import Role, User
from stunting.models import Child, Measurement
from stunting.selectors import child_gain_marks
from stunting.weighing import age_months, gain_mark, kbm_grams
from villages.models import Region

D = datetime.date
MEDONO = "33.75.01.1002"
PODOSUGIH = "33.75.01.1003"
KAUMAN = "33.75.02.1004"
BORN = D(2023, 1, 15)  # 12-15 months old in 2024's first months: KBM 200 g


# --- the KBM rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "grams"),
    [
        (0, 800),
        (1, 800),
        (2, 900),
        (3, 800),
        (4, 600),
        (5, 500),
        (6, 400),
        (7, 400),
        (8, 300),
        (10, 300),
        (11, 200),
        (12, 200),
        (59, 200),
    ],
)
def test_kbm_by_age_band(months, grams):
    assert kbm_grams(months) == grams


@pytest.mark.parametrize(
    ("days", "months"),
    [(0, 0), (30, 0), (31, 1), (60, 1), (61, 2), (365, 11), (366, 12), (1826, 59)],
)
def test_age_in_completed_months(days, months):
    assert age_months(days) == months


@pytest.mark.parametrize(
    ("age_days", "previous", "weight", "mark"),
    [
        # 1 month (31-60 days): 800 g.
        (45, "4.00", "4.80", "N"),
        (45, "4.00", "4.79", "T"),
        # 2 months (61-91 days): 900 g.
        (61, "5.00", "5.90", "N"),
        (61, "5.00", "5.89", "T"),
        # 3 months: 800 g; 4: 600 g; 5: 500 g.
        (92, "6.00", "6.80", "N"),
        (92, "6.00", "6.79", "T"),
        (122, "6.00", "6.60", "N"),
        (122, "6.00", "6.59", "T"),
        (153, "6.00", "6.50", "N"),
        (153, "6.00", "6.49", "T"),
        # 6-7 months: 400 g (day 213 is the last of 6 months).
        (213, "7.00", "7.40", "N"),
        (213, "7.00", "7.39", "T"),
        # 8-10 months: 300 g (10 months: day 304; 11 months from day 335).
        (244, "8.00", "8.30", "N"),
        (244, "8.00", "8.29", "T"),
        (334, "8.00", "8.29", "T"),
        # 11 months and older: 200 g.
        (335, "8.00", "8.20", "N"),
        (335, "8.00", "8.19", "T"),
        (1826, "15.00", "15.20", "N"),
        (1826, "15.00", "14.00", "T"),
    ],
)
def test_gain_mark_at_each_band_boundary(age_days, previous, weight, mark):
    assert (
        gain_mark(
            weight_kg=Decimal(weight), age_days=age_days, previous_kg=Decimal(previous)
        )
        == mark
    )


def test_no_mark_by_the_rule_without_last_month():
    assert gain_mark(weight_kg=Decimal("8"), age_days=400, previous_kg=None) == ""


# --- hand-counted months ------------------------------------------------------------


def _child(code, number, born=BORN):
    return Child.objects.create(
        name=f"Anak {number}", sex="P", birth_date=born, region_id=code
    )


def _weigh(child, on, kg, *, mark="", waz=-1.0, implausible=False):
    return Measurement.objects.create(
        child=child,
        measured_on=on,
        weight_kg=None if kg is None else Decimal(kg),
        height_cm=75,
        age_days=(on - child.birth_date).days,
        weight_gain=mark,
        waz=waz,
        waz_implausible=implausible,
    )


@pytest.fixture
def weighings(kota_pekalongan):
    """Medono's children (Kota Pekalongan), 2024; their marks by month:

    a: Jan B, Feb N (+200 g, exactly the KBM), Mar T (+100), Apr T and 2T.
    b: Feb B; Apr O (weighed in February, not in March).
    c: weighed June 2023, then March 2024: O (an earlier weighing, before the
       refresh's window).
    d: the file's marks: Feb N (nothing to compute from), Mar T; Apr blank,
       +100 g: T by the rule, and 2T after the file's T.
    e: Feb B; twice in March (7.00, then 7.50): the latest counts, N (+300).
    f, g, h: first weighed in March (B); f's WAZ -3.2 is BGM, g's -6.5 is
       implausible, h's -3.0 is not below -3.
    k: measured without a weight in March: not weighed.
    i: born 1 January 2024: Jan B; Feb N (31 days, +800 g, the 1-month KBM);
       Mar T (60 days, still 1 month: +790 g < 800).
    r: Nov 2023 8.00, Dec 2023 8.00 (T), Jan 2024 8.10 (T): January's 2T needs
       December's mark, which needs November's weight.
    old: born 2018, past 59 months in 2024: neither S nor D.
    Podosugih (same kecamatan): p first weighed in March (B).
    Kauman (another kecamatan): q Feb B, Mar N (+300) and BGM (WAZ -3.5).
    S: Medono 11 children 0-59 months every month of 2024, Podosugih 1, Kauman 1.
    """
    kids = {name: _child(MEDONO, name) for name in "abcdefghkr"}
    kids["i"] = _child(MEDONO, "i", D(2024, 1, 1))
    kids["old"] = _child(MEDONO, "old", D(2018, 6, 1))
    a, b, c, d, e = (kids[n] for n in "abcde")
    _weigh(a, D(2024, 1, 10), "8.00")
    _weigh(a, D(2024, 2, 10), "8.20")
    _weigh(a, D(2024, 3, 10), "8.30")
    _weigh(a, D(2024, 4, 10), "8.30")
    _weigh(b, D(2024, 2, 5), "8.00")
    _weigh(b, D(2024, 4, 5), "8.50")
    _weigh(c, D(2023, 6, 1), "7.00")
    _weigh(c, D(2024, 3, 12), "8.00")
    _weigh(d, D(2024, 2, 8), "9.00", mark="N")
    _weigh(d, D(2024, 3, 8), "9.00", mark="T")
    _weigh(d, D(2024, 4, 8), "9.10")
    _weigh(e, D(2024, 2, 20), "7.20")
    _weigh(e, D(2024, 3, 3), "7.00")
    _weigh(e, D(2024, 3, 25), "7.50")
    _weigh(kids["f"], D(2024, 3, 15), "6.00", waz=-3.2)
    _weigh(kids["g"], D(2024, 3, 15), "6.00", waz=-6.5, implausible=True)
    _weigh(kids["h"], D(2024, 3, 15), "6.50", waz=-3.0)
    _weigh(kids["k"], D(2024, 3, 15), None)
    _weigh(kids["i"], D(2024, 1, 2), "3.20")
    _weigh(kids["i"], D(2024, 2, 1), "4.00")
    _weigh(kids["i"], D(2024, 3, 1), "4.79")
    _weigh(kids["r"], D(2023, 11, 10), "8.00")
    _weigh(kids["r"], D(2023, 12, 10), "8.00")
    _weigh(kids["r"], D(2024, 1, 10), "8.10")
    _weigh(kids["old"], D(2024, 3, 10), "15.00")
    _weigh(_child(PODOSUGIH, "p"), D(2024, 3, 10), "8.00")
    q = _child(KAUMAN, "q")
    _weigh(q, D(2024, 2, 10), "8.00")
    _weigh(q, D(2024, 3, 10), "8.30", waz=-3.5)
    return kids


def _counts(code, year, month):
    row = SkdnFigure.objects.filter(region_code=code, year=year, month=month).first()
    if row is None:
        return None
    return {
        "S": row.registered,
        "D": row.weighed,
        "N": row.gained,
        "T": row.not_gained,
        "O": row.not_weighed_last_month,
        "B": row.new,
        "2T": row.not_gained_twice,
        "BGM": row.below_red_line,
    }


def _c(s, d, n=0, t=0, o=0, b=0, t2=0, bgm=0):
    return {"S": s, "D": d, "N": n, "T": t, "O": o, "B": b, "2T": t2, "BGM": bgm}


MEDONO_2024 = {
    1: _c(11, 3, t=1, b=2, t2=1),  # a B, i B, r T + 2T
    2: _c(11, 5, n=3, b=2),  # a N, d N (file), i N; b B, e B
    3: _c(11, 8, n=1, t=3, o=1, b=3, bgm=1),  # e N; a, d, i T; c O; f g h B
    4: _c(11, 3, t=2, o=1, t2=2),  # a T 2T, d T 2T; b O
    5: _c(11, 0),
}


@pytest.mark.parametrize("month", [1, 2, 3, 4, 5])
def test_desa_months_counted_by_hand(weighings, month):
    snapshot_refresh(years=[2024])
    assert _counts(MEDONO, 2024, month) == MEDONO_2024[month]


def test_roll_up_to_kecamatan_kota_province_and_country(weighings):
    snapshot_refresh(years=[2023, 2024])
    assert _counts(PODOSUGIH, 2024, 3) == _c(1, 1, b=1)
    assert _counts(KAUMAN, 2024, 3) == _c(1, 1, n=1, bgm=1)
    assert _counts("33.75.01", 2024, 3) == _c(12, 9, n=1, t=3, o=1, b=4, bgm=1)
    assert _counts("33.75.02", 2024, 2) == _c(1, 1, b=1)
    kota_march = _c(13, 10, n=2, t=3, o=1, b=4, bgm=2)
    for code in ("33.75", "33", COUNTRY_CODE):
        assert _counts(code, 2024, 3) == kota_march
    assert _counts("33.75", 2024, 2) == _c(13, 6, n=3, b=3)
    assert _counts("33.75", 2024, 4) == _c(13, 3, t=2, o=1, t2=2)
    row = SkdnFigure.objects.get(region_code="33.75.01", year=2024, month=3)
    assert (row.parent_code, row.level) == ("33.75", 3)
    # The year before: r's November (B) and December (T); c's June (B).
    assert _counts(MEDONO, 2023, 12) == _c(11 - 1, 1, t=1)
    assert _counts(MEDONO, 2023, 6)["B"] == 1


def test_rerun_replaces_the_rows(weighings):
    snapshot_refresh(years=[2024])
    first = SkdnFigure.objects.filter(year=2024).count()
    Measurement.objects.filter(child=weighings["f"]).delete()
    snapshot_refresh(years=[2024])
    assert SkdnFigure.objects.filter(year=2024).count() == first
    assert _counts(MEDONO, 2024, 3) == _c(11, 7, n=1, t=3, o=1, b=2)


def test_partial_refresh_keeps_the_other_kabkota(weighings, kab_pekalongan):
    snapshot_refresh(years=[2024])
    other = Region.objects.filter(kabkota="33.26", level=4).first()
    _weigh(_child(other.code, "z"), D(2024, 3, 3), "9.00")
    snapshot_refresh(years=[2024], within=["33.26"])
    assert _counts(other.code, 2024, 3) == _c(1, 1, b=1)
    assert _counts(MEDONO, 2024, 3) == MEDONO_2024[3]
    assert _counts("33", 2024, 3) == _c(14, 11, n=2, t=3, o=1, b=5, bgm=2)


def test_one_desa_selector_matches_the_refresh(weighings):
    snapshot_refresh(years=[2024])
    medono = Region.objects.get(code=MEDONO)
    kids = weighings
    for month in (1, 2, 3, 4):
        marks = child_gain_marks(region=medono, year=2024, month=month)
        counted = _counts(MEDONO, 2024, month)
        assert len(marks) == counted["D"]
        for letter in "NTOB":
            assert sum(m.mark == letter for m in marks) == counted[letter]
        assert sum(m.not_gained_twice for m in marks) == counted["2T"]
        assert sum(m.below_red_line for m in marks) == counted["BGM"]
    march = {m.child_id: m for m in child_gain_marks(region=medono, year=2024, month=3)}
    by_name = {
        name: (march[kid.pk].mark, march[kid.pk].from_file)
        for name, kid in kids.items()
        if kid.pk in march
    }
    assert by_name == {
        "a": ("T", False),
        "c": ("O", False),
        "d": ("T", True),
        "e": ("N", False),
        "f": ("B", False),
        "g": ("B", False),
        "h": ("B", False),
        "i": ("T", False),
    }
    assert march[kids["e"].pk].weight_kg == Decimal("7.50")
    assert [m.child_id for m in march.values() if m.below_red_line] == [kids["f"].pk]
    april = child_gain_marks(region=medono, year=2024, month=4)
    assert {m.child_id for m in april if m.not_gained_twice} == {
        kids["a"].pk,
        kids["d"].pk,
    }
    # January looks back into December and November of the year before.
    january = {
        m.child_id: m for m in child_gain_marks(region=medono, year=2024, month=1)
    }
    assert january[kids["r"].pk].mark == "T"
    assert january[kids["r"].pk].not_gained_twice


# --- the page -------------------------------------------------------------------------


def _reader(client, username, role, codes):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    client.force_login(user)
    return client


def _row(html, table_id, label):
    """The cells of the row of `label` in the table `table_id`, as text."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    for row in table.split("<tr")[1:]:
        if f">{label}<" in row:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    raise AssertionError(f"no row {label} in {table_id}")


def test_the_page_shows_each_month_with_its_n(weighings, client, settings):
    settings.DASHBOARD_MIN_DENOMINATOR = {
        **settings.DASHBOARD_MIN_DENOMINATOR,
        "coverage": 10,
    }
    snapshot_refresh(years=[2024])
    _reader(client, "pimpinan.kota", Role.PIMPINAN, ["33.75"])
    response = client.get(reverse("dashboard-skdn", args=[MEDONO]) + "?tahun=2024")
    assert response.status_code == 200
    html = response.content.decode()
    # S, D, N, T, O, B, 2T, BGM, D/S, N/D. March: D/S 8/11; N/D has 4 (N + T) < 10.
    march = _row(html, "skdn-months", "Maret")
    assert march[1:9] == ["11", "8", "1", "3", "1", "3", "0", "1"]
    assert march[9] == "72,7 % (8/11)"
    assert march[10] == "n terlalu kecil (n = 4)"
    april = _row(html, "skdn-months", "April")
    assert april[1:9] == ["11", "3", "0", "2", "1", "0", "2", "0"]
    assert _row(html, "skdn-months", "Mei")[9:] == ["0,0 % (0/11)", "–"]
    # Opens on the latest month with weighings (April): its definitions below.
    assert 'aria-current="true"><th scope="row"><a href="?tahun=2024&amp;bulan=4"' in (
        html
    )
    assert "O) dan yang baru pertama kali ditimbang (B) tidak masuk penyebut" in html
    figure = response.context["figure"]
    assert [trace["name"] for trace in figure["data"]] == [
        "D/S (partisipasi penimbangan)",
        "N/D (naik berat badan)",
    ]
    assert figure["data"][0]["y"][2] == pytest.approx(100 * 8 / 11)
    assert figure["data"][1]["y"][2] is None  # too small: no point
    assert figure["data"][1]["text"][2] == "n terlalu kecil (n = 4 anak)"


def test_the_page_lists_child_regions_with_links_down(weighings, client):
    snapshot_refresh(years=[2024])
    _reader(client, "pimpinan.kota", Role.PIMPINAN, ["33.75"])
    url = reverse("dashboard-skdn", args=["33.75"]) + "?tahun=2024&bulan=3"
    html = client.get(url).content.decode()
    barat = _row(html, "skdn-children", "Kecamatan Pekalongan Barat")
    assert barat[1:9] == ["12", "9", "1", "3", "1", "4", "0", "1"]
    assert (
        reverse("dashboard-skdn", args=["33.75.01"]) + "?tahun=2024&amp;bulan=3"
    ) in html
    assert _row(html, "skdn-children", "Jumlah")[1:3] == ["13", "10"]
    dashboard = client.get(reverse("dashboard", args=["33.75"])).content.decode()
    assert reverse("dashboard-skdn", args=["33.75"]) in dashboard
    stunting = client.get(reverse("stunting-prevalence", args=["33.75"]))
    assert reverse("dashboard-skdn", args=["33.75"]) in stunting.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?tahun=abc&bulan=13", 200),
        ("?tahun=99999&bulan=-1", 200),
        ("?bulan=0", 200),
        ("?bulan=%00", 400),  # the project's NUL-byte guard answers before the view
    ],
)
def test_bad_picks_fall_back(weighings, client, query, status):
    _reader(client, "pimpinan.kota", Role.PIMPINAN, ["33.75"])
    response = client.get(reverse("dashboard-skdn", args=["33.75"]) + query)
    assert response.status_code == status


def test_the_page_keeps_to_the_readers_region(weighings, kab_pekalongan, client):
    _reader(client, "pimpinan.kab", Role.PIMPINAN, ["33.26"])
    assert client.get(reverse("dashboard-skdn", args=["33.75"])).status_code == 404
    assert client.get(reverse("dashboard-skdn", args=[MEDONO])).status_code == 404
    assert client.get(reverse("dashboard-skdn", args=["33.26"])).status_code == 200


def test_the_page_reads_only_a_few_rows(
    weighings, client, django_assert_max_num_queries
):
    snapshot_refresh(years=[2024])
    _reader(client, "pimpinan.kota", Role.PIMPINAN, ["33.75"])
    url = reverse("dashboard-skdn", args=["33.75"]) + "?tahun=2024&bulan=3"
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
