"""What a PLKB's phone keeps: their desa, Kampung KB, Dashat and children.

A fixed number of queries whatever the number of children: the latest
measurements of every child come in one query, numbered by a window function.
"""

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from kampungkb.access import user_scope
from stunting.models import (
    Child,
    Dashat,
    DashatBeneficiary,
    MeasuredPosition,
    Measurement,
    MeasurementPlace,
    Sex,
)
from villages.models import KampungKB

# The latest measurements of each child the phone shows beside a new one.
MEASUREMENTS_KEPT = 3
# What one sync may carry (field.api refuses more).
MAX_ENTRIES = 200


def child_version(child: Child) -> str:
    """What the phone sends back to say which state of the child it read."""
    return child.updated_at.isoformat()


def _choices(choices):
    return [[value, str(label)] for value, label in choices.choices]


def _number(value):
    return None if value is None else str(value)


def measurement_data(m: Measurement) -> dict:
    return {
        "id": m.pk,
        "measured_on": m.measured_on.isoformat(),
        "weight_kg": _number(m.weight_kg),
        "height_cm": _number(m.height_cm),
        "measured": m.measured,
        "oedema": m.oedema,
        "haz": m.haz,
        "waz": m.waz,
        "whz": m.whz,
        "haz_class": m.haz_class,
        "waz_class": m.waz_class,
        "whz_class": m.whz_class,
    }


def _beneficiary_label(b: DashatBeneficiary) -> str:
    name = b.child.name if b.child_id else b.name
    return f"{b.get_category_display()}: {name}"


def _latest_measurements(codes) -> dict:
    numbered = (
        Measurement.objects.filter(child__region__in=codes)
        .annotate(
            n=Window(
                RowNumber(),
                partition_by=[F("child_id")],
                order_by=[F("measured_on").desc(), F("id").desc()],
            )
        )
        .filter(n__lte=MEASUREMENTS_KEPT)
        .order_by("child_id", "n")
    )
    by_child = {}
    for m in numbered:
        by_child.setdefault(m.child_id, []).append(measurement_data(m))
    return by_child


def field_bundle(*, user) -> dict:
    """Give the data a PLKB's phone keeps offline: only their own desa."""
    desa = sorted(user_scope(user).write or (), key=lambda r: r.code)
    codes = [r.code for r in desa]
    kampungs = {
        k.region_id: k
        for k in KampungKB.objects.filter(region__in=codes).prefetch_related(
            Prefetch(
                "dashats",
                queryset=Dashat.objects.order_by("name").prefetch_related(
                    Prefetch(
                        "beneficiaries",
                        queryset=DashatBeneficiary.objects.select_related(
                            "child"
                        ).order_by("start_on", "pk"),
                    )
                ),
            )
        )
    }
    children = Child.objects.filter(region__in=codes).order_by("region", "name", "pk")
    latest = _latest_measurements(codes)
    return {
        "fetched_at": timezone.localtime().isoformat(),
        "user": {
            "id": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
        },
        "desa": [_desa(region, kampungs.get(region.code)) for region in desa],
        "children": [
            {
                "id": c.pk,
                "name": c.name,
                "sex": c.sex,
                "birth_date": c.birth_date.isoformat(),
                "region": c.region_id,
                "posyandu": c.posyandu,
                "parent_name": c.parent_name,
                "version": child_version(c),
                "measurements": latest.get(c.pk, []),
            }
            for c in children
        ],
        "choices": {
            "sex": _choices(Sex),
            "measured": _choices(MeasuredPosition),
            "place": _choices(MeasurementPlace),
        },
        "max_entries": MAX_ENTRIES,
    }


def _desa(region, kampung) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "kecamatan": region.kecamatan.name if region.kecamatan_id else "",
        "kampung": {"id": kampung.pk, "name": kampung.name} if kampung else None,
        "dashats": [
            {
                "id": d.pk,
                "name": d.name,
                "beneficiaries": [
                    {
                        "id": b.pk,
                        "label": _beneficiary_label(b),
                        "child": b.child_id,
                    }
                    for b in d.beneficiaries.all()
                ],
            }
            for d in (kampung.dashats.all() if kampung else ())
        ],
    }
