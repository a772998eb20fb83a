"""Writes for children and their measurements; z-scores come from stunting.growth."""

import math

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import growth
from .models import Child, Measurement
from .nik import nik_hash, nik_is_valid, nik_normalise


def score_fields(*, sex, age_days, weight_kg, height_cm, measured, oedema) -> dict:
    """Score columns of measurements; give Measurement's computed fields as columns.

    The single form and the file import both go through here, so a measurement
    gets the same numbers however it arrives.
    """
    cols = growth.score_columns(
        sex=sex,
        age_days=age_days,
        weight_kg=[None if w is None else float(w) for w in weight_kg],
        height_cm=[None if h is None else float(h) for h in height_cm],
        measured=[m or None for m in measured],
        oedema=oedema,
    )

    def floats(values):
        return [None if math.isnan(v) else float(v) for v in values]

    reasons = [
        " ".join(
            f"{name}:{cols[f'{name}_reason'][i]}"
            for name in growth.INDICATORS
            if cols[f"{name}_reason"][i] is not None
        )
        for i in range(len(cols["haz"]))
    ]
    fields = {
        "height_adjusted_cm": floats(cols["adjusted_height_cm"]),
        "missing_reasons": reasons,
    }
    for name in growth.INDICATORS:
        fields[name] = floats(cols[name])
        fields[f"{name}_class"] = [c or "" for c in cols[f"{name}_class"]]
        fields[f"{name}_implausible"] = [
            bool(f) for f in np.asarray(cols[f"{name}_flag"])
        ]
    return fields


@transaction.atomic
def child_register(
    *,
    region,
    name: str,
    sex: str,
    birth_date,
    nik: str = "",
    posyandu="",
    parent_name="",
) -> Child:
    """Find a child by NIK (or by name, birth date and desa) or register a new one."""
    normalised = nik_normalise(nik)
    if normalised and not nik_is_valid(normalised):
        raise ValidationError({"nik": _("NIK harus 16 angka.")})
    key = nik_hash(normalised) if normalised else None
    existing = (
        Child.objects.filter(nik_hash=key).first()
        if key
        else Child.objects.filter(
            nik_hash__isnull=True,
            region=region,
            name=name.strip(),
            birth_date=birth_date,
        ).first()
    )
    if existing:
        return existing
    child = Child(
        nik_hash=key,
        name=name.strip(),
        sex=sex,
        birth_date=birth_date,
        region=region,
        posyandu=posyandu,
        parent_name=parent_name,
    )
    child.full_clean()
    child.save()
    return child


@transaction.atomic
def measurement_record(
    *,
    child: Child,
    measured_on,
    weight_kg,
    height_cm,
    measured: str,
    oedema: bool = False,
    place: str = "posyandu",
    posyandu: str = "",
    entered_by=None,
) -> Measurement:
    """Record one measurement with its z-scores, classes and plausibility flags."""
    age_days = (measured_on - child.birth_date).days if measured_on else None
    measurement = Measurement(
        child=child,
        measured_on=measured_on,
        weight_kg=weight_kg,
        height_cm=height_cm,
        measured=measured,
        oedema=oedema,
        place=place,
        posyandu=posyandu,
        entered_by=entered_by,
        age_days=age_days if age_days is not None else 0,
    )
    measurement.full_clean(exclude=["age_days"])
    scores = score_fields(
        sex=[child.sex],
        age_days=[age_days],
        weight_kg=[weight_kg],
        height_cm=[height_cm],
        measured=[measured],
        oedema=[oedema],
    )
    for name, column in scores.items():
        setattr(measurement, name, column[0])
    measurement.save()
    return measurement
