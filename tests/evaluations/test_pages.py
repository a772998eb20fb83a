"""The evaluation pages: what each role sees and can do, scoring, results, export."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import Award, RubricTemplate, Score
from villages.models import Classification, ClassificationBasis

from .conftest import JENGGOT, KURIPAN, MEDONO, criterion, participant, score_all

pytestmark = pytest.mark.django_db

FULL = {"I1": 4, "I2": 4, "P1": 5, "O1": 9}


def _as(client, user):
    client.force_login(user)
    return client


def _text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_top_bar_links_evaluations_for_roles_that_may_see_them(client, people):
    for user in (people.staf, people.pimpinan, people.eva, people.plkb, people.admin):
        assert 'href="/evaluasi/"' in _text(_as(client, user).get("/", follow=True))


def test_an_evaluator_lists_only_the_cycles_and_kampung_kb_assigned(
    client, cycle, people
):
    page = _text(_as(client, people.evi).get(reverse("evaluation-list")))
    assert cycle.name in page and "2 Kampung KB ditugaskan kepada Anda" in page

    detail = _text(client.get(reverse("evaluation-detail", args=[cycle.pk])))
    assert "Kampung KB Jenggot" in detail and "Kampung KB Medono" in detail
    assert "Kuripan Kertoharjo" not in detail
    kuripan = participant(cycle, KURIPAN)
    assert (
        client.get(
            reverse("evaluation-participant", args=[cycle.pk, kuripan.pk])
        ).status_code
        == 404
    )


def test_an_evaluator_scores_a_kampung_kb_on_the_page(client, cycle, people):
    jenggot = participant(cycle, JENGGOT)
    url = reverse("evaluation-score", args=[cycle.pk, jenggot.pk])
    form = _text(_as(client, people.eva).get(url))
    assert "I1. Kriteria I1" in form and 'type="radio"' in form

    data = {}
    for code, value in {"I1": 3, "I2": 2}.items():
        data[f"nilai_{criterion(cycle, code).pk}"] = value
    data[f"komentar_{criterion(cycle, 'I1').pk}"] = "Lurah hadir setiap rapat."
    response = client.post(url, data)

    assert response.status_code == 302
    assert sorted(
        Score.objects.filter(evaluator=people.eva).values_list(
            "criterion__code", "value", "comment"
        )
    ) == [("I1", 3, "Lurah hadir setiap rapat."), ("I2", 2, "")]
    progress = _text(client.get(response["Location"]))
    assert "2 dari 8 nilai (2 evaluator)" in progress
    assert "Lurah hadir setiap rapat." in progress


def test_the_scoring_page_is_read_only_once_the_cycle_closes(client, cycle, people):
    jenggot = participant(cycle, JENGGOT)
    services.cycle_close(cycle=cycle)
    url = reverse("evaluation-score", args=[cycle.pk, jenggot.pk])

    page = _text(_as(client, people.eva).get(url))
    response = client.post(url, {f"nilai_{criterion(cycle, 'I1').pk}": 4})

    assert "nilai dan bukti dukung terkunci" in page
    assert response.status_code == 200
    assert "terkunci" in response.content.decode()
    assert not Score.objects.exists()


def test_staff_may_not_score_and_an_evaluator_may_not_manage(client, cycle, people):
    jenggot = participant(cycle, JENGGOT)
    assert (
        _as(client, people.staf)
        .get(reverse("evaluation-score", args=[cycle.pk, jenggot.pk]))
        .status_code
        == 403
    )
    assert (
        _as(client, people.eva)
        .post(reverse("evaluation-close", args=[cycle.pk]))
        .status_code
        == 403
    )
    assert client.get(reverse("evaluation-results", args=[cycle.pk])).status_code == 403


def test_staff_create_a_cycle_with_every_active_kampung_kb(
    client, kota, kampungs, people
):
    response = _as(client, people.staf).post(
        reverse("evaluation-create"),
        {
            "region": kota.pk,
            "name": "Evaluasi 2026",
            "year": 2026,
            "evaluated_on": "2026-04-28",
            "min_age_years": 3,
            "eligibility_counting": "date",
            "threshold_berkembang": "50",
            "threshold_mandiri": "70",
            "threshold_berkelanjutan": "85",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = _text(client.get(response["Location"]))
    assert "Kampung KB peserta" in detail and "(4)" in detail
    assert "Indikator keberhasilan Kampung KB (BKKBN)" in detail


def test_thresholds_that_do_not_rise_are_refused_on_the_form(client, cycle, people):
    response = _as(client, people.staf).post(
        reverse("evaluation-edit", args=[cycle.pk]),
        {
            "name": cycle.name,
            "year": 2025,
            "evaluated_on": "2025-04-29",
            "min_age_years": 3,
            "eligibility_counting": "date",
            "threshold_berkembang": "70",
            "threshold_mandiri": "70",
            "threshold_berkelanjutan": "85",
        },
    )
    assert response.status_code == 200
    assert "Ambang klasifikasi harus naik" in response.content.decode()


def _closed(cycle, people):
    score_all(cycle, JENGGOT, people.eva, FULL)  # 97.5
    score_all(cycle, JENGGOT, people.evi, FULL)
    score_all(cycle, KURIPAN, people.eva, {"I1": 2, "I2": 2, "P1": 3, "O1": 5})  # 50
    score_all(cycle, MEDONO, people.eva, {"I1": 2, "I2": 2, "P1": 3, "O1": 5})  # 50
    return services.cycle_close(cycle=cycle, closed_by=people.staf)


def test_staff_close_the_cycle_and_see_ranking_and_province_list(client, cycle, people):
    score_all(cycle, JENGGOT, people.eva, FULL)  # 97.5
    score_all(cycle, KURIPAN, people.eva, {"I1": 2, "I2": 2, "P1": 3, "O1": 5})  # 50
    score_all(cycle, MEDONO, people.eva, {"I1": 2, "I2": 2, "P1": 3, "O1": 5})  # 50

    page = _as(client, people.staf).post(
        reverse("evaluation-close", args=[cycle.pk]), follow=True
    )

    text = _text(page)
    assert "Siklus ditutup; nilai terkunci." in text
    assert "Hasil dan peringkat" in text
    # Only Jenggot (formed 29 April 2022) is three years old on 29 April 2025.
    province = text.split('id="provinsi"')[1].split("</section>")[0]
    assert "Kampung KB Jenggot" in province and "Medono" not in province
    assert "nilai 97,50, peringkat 1" in province  # Indonesian decimal comma
    ranking = text.split("<h2>Peringkat</h2>")[1]
    assert ranking.index("Jenggot") < ranking.index("Kuripan") < ranking.index("Medono")
    assert ranking.count('<td class="num">2</td>') == 2  # Kuripan, Medono tie at 50
    assert "(1, 2, 2, 4)" in text  # the formula says how ties rank


def test_staff_accept_a_suggestion_from_the_results(client, cycle, people, kampungs):
    _closed(cycle, people)
    jenggot = participant(cycle, JENGGOT)

    response = _as(client, people.staf).post(
        reverse("evaluation-accept", args=[cycle.pk, jenggot.pk]),
        {"effective_on": "2025-05-02", "next_page": "hasil"},
        follow=True,
    )

    assert "riwayat klasifikasi diperbarui" in _text(response)
    entry = Classification.objects.get(basis=ClassificationBasis.EVALUATION)
    assert (entry.kampung, entry.level) == (kampungs[JENGGOT], "berkelanjutan")
    history = _text(client.get(reverse("kampung-detail", args=[kampungs[JENGGOT].pk])))
    assert "Hasil evaluasi: Evaluasi dan Pembinaan Kampung KB 2025" in history


def test_the_results_export_to_excel_with_numbers_as_numbers(client, cycle, people):
    _closed(cycle, people)

    response = _as(client, people.staf).get(
        reverse("evaluation-export", args=[cycle.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    rows = list(book["Hasil"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Peringkat", "Kampung KB", "Kode wilayah")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Kampung KB"] == "Kampung KB Jenggot"
    assert first["Peringkat"] == 1
    assert first["Nilai total"] == pytest.approx(97.5)
    assert isinstance(first["Nilai total"], float | int)
    assert first["Memenuhi syarat provinsi"] == "Ya"
    assert first["Tanggal pencanangan"] == datetime.datetime(2022, 4, 29)
    assert [r[0] for r in rows[1:]] == [1, 2, 2, None]
    criteria = list(book["Rata-rata per kriteria"].iter_rows(values_only=True))
    assert criteria[1][:3] == (1, "Kampung KB Jenggot", 4)
    assert "Keterangan" in book.sheetnames


def test_the_printable_page_has_no_menu_and_the_whole_ranking(client, cycle, people):
    _closed(cycle, people)
    text = _text(
        _as(client, people.pimpinan).get(
            reverse("evaluation-results-print", args=[cycle.pk])
        )
    )
    assert 'class="topnav"' not in text
    assert "Kampung KB Jenggot" in text and "Kampung KB Medono" in text
    assert "Cara menghitung" in text


def test_a_plkb_sees_their_kampung_kb_results_only_after_the_cycle_closes(
    client, cycle, people
):
    jenggot = participant(cycle, JENGGOT)
    _as(client, people.plkb)
    assert cycle.name not in _text(client.get(reverse("evaluation-list")))
    assert client.get(reverse("evaluation-detail", args=[cycle.pk])).status_code == 404

    _closed(cycle, people)

    assert cycle.name in _text(client.get(reverse("evaluation-list")))
    results = _text(client.get(reverse("evaluation-results", args=[cycle.pk])))
    assert "Kampung KB Jenggot" in results and "Medono" not in results
    sheet = _text(
        client.get(reverse("evaluation-participant", args=[cycle.pk, jenggot.pk]))
    )
    assert "97,50" in sheet
    assert "eva:" not in sheet  # averages and comments, without evaluators' names
    medono = participant(cycle, MEDONO)
    assert (
        client.get(
            reverse("evaluation-participant", args=[cycle.pk, medono.pk])
        ).status_code
        == 404
    )


def test_staff_copy_the_bkkbn_template_and_change_a_weight(client, kota, people):
    _as(client, people.staf)
    response = client.post(
        reverse("evaluation-template-copy"),
        {
            "source": services.template_builtin().pk,
            "region": kota.pk,
            "name": "Rubrik Kota Pekalongan",
        },
    )
    assert response.status_code == 302
    copy = RubricTemplate.objects.get(name="Rubrik Kota Pekalongan")
    assert copy.region == kota and copy.criteria.count() == 12
    criteria = list(copy.criteria.all())
    data = {
        "name": copy.name,
        "description": "",
        "weight_input": "2",
        "weight_proses": "3",
        "weight_output": "5",
        "kriteria-TOTAL_FORMS": len(criteria),
        "kriteria-INITIAL_FORMS": len(criteria),
        "kriteria-MIN_NUM_FORMS": 0,
        "kriteria-MAX_NUM_FORMS": 1000,
    }
    for i, c in enumerate(criteria):
        for name in (
            "group",
            "code",
            "name",
            "guide",
            "scale_min",
            "scale_max",
            "order",
        ):
            data[f"kriteria-{i}-{name}"] = getattr(c, name)
        data[f"kriteria-{i}-weight"] = "2.5" if c.code == "P1" else c.weight
        data[f"kriteria-{i}-id"] = c.pk
        data[f"kriteria-{i}-template"] = copy.pk
    response = client.post(reverse("evaluation-template", args=[copy.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    copy.refresh_from_db()
    assert (copy.weight_input, copy.weight_proses, copy.weight_output) == (2, 3, 5)
    assert str(copy.criteria.get(code="P1").weight) == "2.50"
    # The shared default is the administrators' to change.
    builtin = services.template_builtin()
    assert (
        client.get(reverse("evaluation-template", args=[builtin.pk])).status_code == 403
    )


def test_staff_record_an_award(client, kampungs, people):
    response = _as(client, people.staf).post(
        reverse("evaluation-awards"),
        {
            "kampung": kampungs[JENGGOT].pk,
            "level": "provinsi",
            "title": "Juara II",
            "rank": 2,
            "year": 2024,
            "awarded_by": "Provinsi Jawa Tengah",
        },
    )
    assert response.status_code == 302
    assert Award.objects.get().title == "Juara II"
    page = _text(client.get(reverse("evaluation-awards")))
    assert "Juara II" in page and "Provinsi Jawa Tengah" in page
    assert client.get(reverse("evaluation-awards")).status_code == 200
    assert _as(client, people.eva).get(reverse("evaluation-awards")).status_code == 403


@pytest.mark.parametrize(
    "model",
    [
        "rubrictemplate",
        "cycle",
        "participant",
        "evaluatorassignment",
        "score",
        "evidence",
        "award",
    ],
)
def test_the_admin_lists_every_evaluation_model(client, cycle, people, model):
    response = _as(client, people.admin).get(f"/admin/evaluations/{model}/")
    assert response.status_code == 200


def test_an_evaluators_home_page_points_to_the_evaluations(client, people):
    text = _text(_as(client, people.eva).get("/"))
    assert "Buka evaluasi" in text
    assert "belum memiliki wilayah kerja" not in text


def test_the_results_page_is_in_english_when_asked(client, cycle, people):
    _closed(cycle, people)
    client.force_login(people.staf)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    text = _text(client.get(reverse("evaluation-results", args=[cycle.pk])))

    assert "Results and ranking" in text
    assert "Eligible for the province round" in text
    assert "Equal totals share a rank" in text
    assert "score 97.50, rank 1" in text
