"""Weights and heights are checked after rounding against the column and a plausible
range, wherever they come from (finding 11): "999,999" rounded to 1000.00 and
overflowed decimal(5,2) on PostgreSQL. Run these on PostgreSQL too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from stunting.models import ImportStatus, Measurement
from stunting.services import MEASUREMENT_LIMITS
from tests.stunting.test_api import api, world  # noqa: F401 (fixtures)
from tests.stunting.test_import import (
    accounts,  # noqa: F401 (fixture)
    admin,  # noqa: F401 (fixture)
    csv_bytes,
    row,
    run_import,
)
from tests.stunting.test_pages import _born_days_ago, people  # noqa: F401


def test_the_limits_never_exceed_what_the_columns_hold():
    for name, (low, high) in MEASUREMENT_LIMITS.items():
        field = Measurement._meta.get_field(name)
        assert 0 < low < high
        assert high < 10 ** (field.max_digits - field.decimal_places)


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"BB (kg)": "999,999"}, "BB (kg)", "Nilai harus antara 0,5 dan 60 kg."),
        ({"BB (kg)": "60,006"}, "BB (kg)", "Nilai harus antara 0,5 dan 60 kg."),
        ({"BB (kg)": "0,3"}, "BB (kg)", "Nilai harus antara 0,5 dan 60 kg."),
        ({"TB (cm)": "9999,99"}, "TB (cm)", "Nilai harus antara 30 dan 150 cm."),
        ({"TB (cm)": "150,06"}, "TB (cm)", "Nilai harus antara 30 dan 150 cm."),
        ({"TB (cm)": "-75"}, "TB (cm)", "Nilai harus antara 30 dan 150 cm."),
    ],
)
def test_an_imported_value_is_checked_after_rounding(
    accounts,  # noqa: F811
    changes,
    column,
    message,
):
    batch = run_import(
        accounts["staf"], csv_bytes([row(1, **changes), row(2)]), save_valid_only=True
    )

    assert batch.status == ImportStatus.DONE
    assert batch.errors == [{"row": 2, "column": column, "message": message}]
    assert batch.created_measurements == 1


def test_imported_values_at_the_limits_are_saved(accounts):  # noqa: F811
    rows = [
        row(1, **{"BB (kg)": "60,004", "TB (cm)": "150,04"}),
        row(2, **{"BB (kg)": "0,5", "TB (cm)": "30"}),
    ]
    batch = run_import(accounts["staf"], csv_bytes(rows))

    assert batch.status == ImportStatus.DONE, batch.errors
    stored = sorted(Measurement.objects.values_list("weight_kg", "height_cm"))
    assert [(str(w), str(h)) for w, h in stored] == [
        ("0.50", "30.0"),
        ("60.00", "150.0"),
    ]


@pytest.mark.parametrize("weight", ["999.999", "999,999", "999.99", "60.01"])
def test_the_measurement_form_refuses_a_weight_out_of_range(
    client,
    people,  # noqa: F811
    weight,
):
    boy = _born_days_ago(400)
    client.force_login(people["plkb"])

    response = client.post(
        reverse("measurement-create", args=[boy.pk]),
        {
            "measured_on": timezone.localdate().isoformat(),
            "weight_kg": weight,
            "height_cm": "75.0",
            "measured": "lying",
            "place": "posyandu",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["weight_kg"]
    assert not Measurement.objects.exists()


def test_the_score_preview_names_the_limit(client, people):  # noqa: F811
    boy = _born_days_ago(400)
    client.force_login(people["plkb"])

    response = client.get(
        reverse("measurement-score", args=[boy.pk]),
        {
            "measured_on": timezone.localdate().isoformat(),
            "weight_kg": "61",
            "height_cm": "151",
            "measured": "lying",
        },
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "60" in errors["weight_kg"][0]
    assert "150" in errors["height_cm"][0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", "999.99"),  # fits decimal(5,2), but no child weighs that
        ("weight_kg", "999.999"),
        ("weight_kg", "0.1"),
        ("height_cm", "9999.9"),
        ("height_cm", "1"),
    ],
)
def test_the_measurement_api_refuses_values_out_of_range(
    api,  # noqa: F811
    world,  # noqa: F811
    field,
    value,
):
    values = {"weight_kg": "10.5", "height_cm": "82.0", field: value}
    response = api("plkb").post(
        "/api/measurements/",
        {
            "child": world["child"].pk,
            "measured_on": str(world["child"].birth_date + datetime.timedelta(800)),
            "measured": "standing",
            **values,
        },
    )

    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}
    assert Measurement.objects.count() == 1  # the world's own measurement
