"""generate_synthetic: marked, deterministic synthetic data for measuring dashboards."""

import datetime
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboards import synthetic
from stunting.importer import SCORE_FIELDS
from stunting.models import Child, Dashat, ImportBatch, Measurement
from stunting.nik import nik_hash
from stunting.services import child_register, measurement_record, score_fields
from villages.models import (
    Classification,
    ClassificationLevel,
    FormationTarget,
    KampungKB,
    ProgramIntegration,
    Region,
)
from villages.services import kampung_create

pytestmark = pytest.mark.django_db

KOTA = "33.75"
CHILDREN = 300
PER_CHILD = 4
SEED = 7
MARK = f"DATA SINTETIS (generate_synthetic, seed {SEED})"


def _generate(*args, prefix=KOTA, children=CHILDREN, seed=SEED):
    """Run the command; prefix None: --country."""
    out = StringIO()
    where = ["--country"] if prefix is None else ["--prefix", prefix]
    call_command(
        "generate_synthetic",
        *where,
        "--children",
        str(children),
        "--seed",
        str(seed),
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def generated(kota_pekalongan):
    return _generate()


def _in_kota(model, path="region__kabkota"):
    return model.objects.filter(**{path: KOTA})


def test_counts_are_as_asked_and_reported(generated):
    assert _in_kota(Child).count() == CHILDREN
    assert _in_kota(Measurement, "child__region__kabkota").count() == 4 * CHILDREN
    kampungs = _in_kota(KampungKB).count()
    assert 0 < kampungs < 27  # a share of the 27 kelurahan, not all
    assert Classification.objects.count() >= kampungs
    assert ProgramIntegration.objects.exists()
    assert Dashat.objects.exists()
    assert sorted(
        FormationTarget.objects.filter(region=KOTA).values_list("year", flat=True)
    ) == list(range(2020, 2026))
    assert f"{kampungs:,} Kampung KB" in generated
    assert "300 children, 1,200 measurements" in generated
    assert "children 300 of 300, measurements: 1,200" in generated  # progress


def test_classification_history_starts_at_formation_and_only_moves_up(generated):
    ranks = {level: level.rank for level in ClassificationLevel}
    moved_up = 0
    for kampung in KampungKB.objects.prefetch_related("classifications"):
        history = sorted(kampung.classifications.all(), key=lambda c: c.effective_on)
        assert history[0].effective_on == kampung.formed_on
        levels = [ranks[ClassificationLevel(c.level)] for c in history]
        assert levels == sorted(set(levels))
        moved_up += len(history) > 1
        assert datetime.date(2016, 1, 14) <= kampung.formed_on
        assert history[-1].effective_on <= datetime.date(2025, 12, 31)
    assert moved_up


def test_every_child_is_measured_each_quarter_at_0_to_59_months(generated):
    dates = {}
    for child_id, birth, day, age in Measurement.objects.values_list(
        "child_id", "child__birth_date", "measured_on", "age_days"
    ):
        assert age == (day - birth).days
        assert 0 <= age <= 1826
        assert datetime.date(2023, 1, 1) <= day <= datetime.date(2025, 12, 31)
        dates.setdefault(child_id, []).append(day)
    assert len(dates) == CHILDREN
    for days in dates.values():
        days.sort()
        assert len(days) == PER_CHILD
        months = [12 * d.year + d.month for d in days]
        assert list(np.diff(months)) == [3] * (PER_CHILD - 1)
        assert len({d.day for d in days}) == 1


def test_z_scores_are_those_score_fields_gives(generated):
    rows = list(
        Measurement.objects.order_by("pk").values(
            "child__sex",
            "age_days",
            "weight_kg",
            "height_cm",
            "measured",
            "oedema",
            *SCORE_FIELDS,
        )
    )
    expected = score_fields(
        sex=[r["child__sex"] for r in rows],
        age_days=[r["age_days"] for r in rows],
        weight_kg=[r["weight_kg"] for r in rows],
        height_cm=[r["height_cm"] for r in rows],
        measured=[r["measured"] for r in rows],
        oedema=[r["oedema"] for r in rows],
    )
    for name, column in expected.items():
        assert [r[name] for r in rows] == column, name
    # Some slips are flagged, and measured stunting is of a plausible size.
    assert any(r["haz_implausible"] or r["waz_implausible"] for r in rows)
    latest = {}
    for m in Measurement.objects.valid_haz().order_by("measured_on"):
        latest[m.child_id] = m.haz
    stunted = sum(z < -2 for z in latest.values()) / len(latest)
    assert 0.1 <= stunted <= 0.3


def test_every_row_is_marked_synthetic_and_no_nik_is_stored(generated):
    for child in _in_kota(Child):
        assert child.name.startswith("Anak sintetis ")
        assert child.parent_name.startswith("Orang tua sintetis ")
        assert child.posyandu.endswith("(DATA SINTETIS)")
        assert child.nik_hash is None or len(child.nik_hash) == 64
    with_nik = _in_kota(Child).filter(nik_hash__isnull=False)
    assert with_nik.count() >= 0.9 * CHILDREN
    # A synthetic NIK starts with 00, a province no one has; only its hash is kept.
    first = _in_kota(Child).filter(nik_hash__isnull=False).order_by("name").first()
    digits = first.region_id.replace(".", "")
    assert with_nik.filter(nik_hash=nik_hash(f"00{digits}0001")).exists()
    assert not Measurement.objects.exclude(posyandu__endswith="(DATA SINTETIS)")
    assert not KampungKB.objects.exclude(source=MARK).exists()
    assert not KampungKB.objects.exclude(illustrative_note__startswith=MARK).exists()
    assert not Classification.objects.exclude(illustrative_note=MARK).exists()
    assert not ProgramIntegration.objects.exclude(notes=MARK).exists()
    assert not Dashat.objects.exclude(name__endswith="(DATA SINTETIS)").exists()
    assert not Dashat.objects.exclude(funding_source__endswith=MARK).exists()
    assert not FormationTarget.objects.exclude(source=MARK).exists()
    # Written like an import: no history row per generated row.
    assert not Child.history.exists()
    assert not Measurement.history.exists()
    assert not KampungKB.history.exists()


def test_an_administrator_owns_a_provenance_batch(kota_pekalongan, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    _generate()
    batch = ImportBatch.objects.get()
    assert batch.uploaded_by == admin
    assert batch.file_name.startswith(MARK)
    assert batch.status == "done"
    assert batch.created_measurements == 4 * CHILDREN
    assert not Measurement.objects.exclude(import_batch=batch).exists()


def _snapshot():
    return {
        "children": list(
            Child.objects.order_by("name").values_list(
                "name",
                "nik_hash",
                "sex",
                "birth_date",
                "region",
                "posyandu",
                "parent_name",
            )
        ),
        "measurements": list(
            Measurement.objects.order_by("child__name", "measured_on").values_list(
                "child__name",
                "measured_on",
                "weight_kg",
                "height_cm",
                "measured",
                "posyandu",
                *SCORE_FIELDS,
            )
        ),
        "kampung": list(
            KampungKB.objects.order_by("region").values_list(
                "region",
                "formed_on",
                "is_active",
                "deactivated_on",
                "web_kampung_kb_filled",
                "siga_k0_year",
                "rumah_dataku",
                "krppa_integrated",
            )
        ),
        "classifications": list(
            Classification.objects.order_by(
                "kampung__region", "effective_on"
            ).values_list("kampung__region", "level", "effective_on", "basis")
        ),
        "programs": list(
            ProgramIntegration.objects.order_by(
                "kampung__region", "program"
            ).values_list("kampung__region", "program", "since", "agency")
        ),
        "dashats": list(
            Dashat.objects.order_by("kampung__region").values_list(
                "kampung__region", "name", "formed_on", "status", "funding_source"
            )
        ),
        "targets": list(
            FormationTarget.objects.order_by("region", "year").values_list(
                "region", "year", "new_count"
            )
        ),
    }


def test_the_same_seed_gives_the_same_rows(generated):
    first = _snapshot()
    output = _generate("--replace")
    assert "Deleted from the earlier run: 1,200 measurements, 300 children" in output
    assert _snapshot() == first
    _generate("--replace", seed=SEED + 1)
    other = _snapshot()
    assert other["children"] != first["children"]
    assert other["measurements"] != first["measurements"]
    assert other["kampung"] != first["kampung"]


def test_a_second_run_without_replace_is_refused(generated):
    with pytest.raises(CommandError, match="--replace"):
        _generate()
    assert _in_kota(Child).count() == CHILDREN


def test_a_prefix_whose_regions_are_not_loaded_is_refused(kota_pekalongan):
    with pytest.raises(CommandError, match=r"load_regions --prefix 33\.26"):
        _generate(prefix="33.26")
    with pytest.raises(CommandError, match="No region has the code 33.99"):
        _generate(prefix="33.99")
    assert not Child.objects.exists() and not KampungKB.objects.exists()


def test_a_prefix_with_real_data_is_refused_unless_allowed(kota_pekalongan):
    medono = Region.objects.get(code__startswith=KOTA, name="Medono")
    real = kampung_create(region=medono, formed_on=datetime.date(2023, 6, 15))
    with pytest.raises(CommandError, match="real data"):
        _generate()
    assert KampungKB.objects.get() == real and not Child.objects.exists()

    _generate("--allow-real-data")
    real.refresh_from_db()
    assert real.source == "" and real.classifications.count() == 0
    assert KampungKB.objects.filter(source=MARK).exists()
    assert _in_kota(Child).count() == CHILDREN


def test_a_real_child_also_counts_as_real_data(kota_pekalongan):
    medono = Region.objects.get(code__startswith=KOTA, name="Medono")
    child_register(
        region=medono, name="Siti", sex="P", birth_date=datetime.date(2023, 3, 1)
    )
    with pytest.raises(CommandError, match="1 children"):
        _generate()


def test_replace_leaves_real_data_of_another_region_untouched(
    kota_pekalongan, kab_pekalongan
):
    desa = Region.objects.filter(kabkota="33.26", level=4).order_by("code").first()
    kampung = kampung_create(region=desa, formed_on=datetime.date(2024, 7, 30))
    child = child_register(
        region=desa,
        name="Anak sintetis 0000001",  # a real child may be named anything
        sex="L",
        birth_date=datetime.date(2023, 1, 10),
        posyandu="Posyandu Melati",
    )
    measurement = measurement_record(
        child=child,
        measured_on=datetime.date(2024, 1, 10),
        weight_kg=9,
        height_cm=74,
        measured="lying",
    )
    _generate()
    _generate("--replace", seed=SEED + 1)
    assert KampungKB.objects.filter(pk=kampung.pk, source="").exists()
    assert Child.objects.filter(region__kabkota="33.26").get() == child
    assert Measurement.objects.filter(child__region__kabkota="33.26").get() == (
        measurement
    )
    assert _in_kota(Child).count() == CHILDREN


def test_a_failed_run_leaves_nothing(kota_pekalongan, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic, "_count_stunting", fail)
    with pytest.raises(RuntimeError):
        _generate()
    assert not KampungKB.objects.exists()
    assert not Child.objects.exists() and not Measurement.objects.exists()
    assert not FormationTarget.objects.exists()


def test_measurements_per_child_must_fit_three_years_of_quarters(kota_pekalongan):
    with pytest.raises(CommandError, match="1-12"):
        _generate("--measurements-per-child", "13")


def _kampung_rows(prefix):
    return list(
        KampungKB.objects.filter(region__code__startswith=prefix + ".")
        .order_by("region")
        .values_list("region", "formed_on", "is_active", "rumah_dataku")
    )


def test_the_country_is_every_loaded_kabkota_and_each_keeps_its_own_rows(
    kota_pekalongan, kab_pekalongan, monkeypatch
):
    # The whole country is 83,762 desa: here the country is what is loaded, and
    # the check that every province's tree is loaded is left out.
    monkeypatch.setattr(synthetic, "_check_regions", lambda prefix: None)
    _generate()
    alone = _kampung_rows(KOTA)
    output = _generate("--replace", prefix=None, children=600)

    assert "SYNTHETIC data under Indonesia" in output
    assert "600 children, 2,400 measurements" in output
    for kab in (KOTA, "33.26"):
        assert Child.objects.filter(region__kabkota=kab).exists(), kab
        assert KampungKB.objects.filter(region__kabkota=kab, source=MARK).exists()
    # A kab/kota's Kampung KB come from its own generator: the same alone or
    # within the country.
    assert _kampung_rows(KOTA) == alone
    assert FormationTarget.objects.filter(region="33.26").count() == 6


def test_a_run_holds_one_kabkota_and_one_chunk_of_children_at_a_time(
    kota_pekalongan, kab_pekalongan, monkeypatch
):
    monkeypatch.setattr(synthetic, "CHUNK_CHILDREN", 64)
    monkeypatch.setattr(synthetic, "_check_regions", lambda prefix: None)
    desa_calls, chunks = [], []
    desa, child_plan = synthetic._desa, synthetic._child_plan

    def recording_desa(prefix, kabkota):
        got = desa(prefix, kabkota)
        desa_calls.append({code[:5] for code in got.codes})
        return got

    def recording_plan(*args, **kwargs):
        plan = child_plan(*args, **kwargs)
        chunks.append(plan.size)
        return plan

    monkeypatch.setattr(synthetic, "_desa", recording_desa)
    monkeypatch.setattr(synthetic, "_child_plan", recording_plan)
    _generate(prefix="33", children=500)

    assert desa_calls == [{"33.26"}, {KOTA}]
    assert max(chunks) == 64 and sum(chunks) == 500
    assert Child.objects.count() == 500
    assert Measurement.objects.count() == 4 * 500
