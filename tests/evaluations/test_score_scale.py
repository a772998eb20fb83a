"""Each score button says what its value means, in Indonesian and in English."""

import html
import re

import pytest
from django.urls import reverse

from .conftest import JENGGOT, criterion, participant

pytestmark = pytest.mark.django_db


def _scale(page, field):
    """The text of each radio button's label of one criterion, in order."""
    labels = re.findall(
        rf'<label><input type="radio" name="{field}"[^>]*>(.*?)</label>', page, re.S
    )
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in labels]


def _form(client, cycle, people, language="id"):
    client.force_login(people.eva)
    client.cookies["django_language"] = language
    jenggot = participant(cycle, JENGGOT)
    response = client.get(reverse("evaluation-score", args=[cycle.pk, jenggot.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_default_0_to_4_scale_names_every_value(client, cycle, people):
    page = _form(client, cycle, people)

    assert _scale(page, f"nilai_{criterion(cycle, 'I1').pk}") == [
        "0 tidak ada",
        "1 kurang",
        "2 cukup",
        "3 baik",
        "4 sangat baik",
    ]


def test_a_districts_own_scale_names_its_two_ends(client, cycle, people):
    page = _form(client, cycle, people)

    assert _scale(page, f"nilai_{criterion(cycle, 'P1').pk}") == [
        "1 terendah",
        "2",
        "3",
        "4",
        "5 tertinggi",
    ]


def test_the_scale_words_are_english_in_english(client, cycle, people):
    page = _form(client, cycle, people, language="en")

    assert _scale(page, f"nilai_{criterion(cycle, 'I1').pk}") == [
        "0 none",
        "1 poor",
        "2 fair",
        "3 good",
        "4 very good",
    ]
    assert _scale(page, f"nilai_{criterion(cycle, 'P1').pk}")[::4] == [
        "1 lowest",
        "5 highest",
    ]
