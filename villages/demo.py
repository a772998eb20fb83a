"""Demo registry for Kota and Kabupaten Pekalongan, from five public news reports.

Each is cited by publisher, date and title (2023-2025).

Every value the sources do not give is marked in an `illustrative_note`. Loading
twice adds nothing.
"""

from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import transaction

from .boundaries import boundary_import
from .models import (
    BoundaryUpload,
    ClassificationBasis,
    ClassificationLevel,
    KampungKB,
    LaunchEvent,
    Region,
)
from .services import (
    kampung_classify,
    kampung_create,
    launch_record,
    region_load,
    target_set,
)

KOTA = "33.75"
KABUPATEN = "33.26"

SOURCE_000 = (
    "Pemkot Pekalongan, 'Tahun 2023 Pemkot Targetkan 13 Kelurahan Sandang Kampung KB', "
    "7 Juni 2023"
)
SOURCE_001 = (
    "ANTARA (Kutnadi), peluncuran kedua 13 Kampung KB Kota Pekalongan, Juni 2023"
)
SOURCE_002 = "'285 Kampung KB Di Lauching' (Yon), 30 Juli 2024"
SOURCE_003 = (
    "Dinkominfo Kota Pekalongan, 'Dinsos-P2KB Evaluasi dan Bina 27 Kampung KB', "
    "29 April 2025"
)
SOURCE_004 = (
    "Tribun-Pantura.com (Indra Dwi Purnomo), 'Dinsos-P2KB Kota Pekalongan Targetkan 27 "
    "Kampung KB Terbentuk pada Tahun 2024', 17 Juli 2023"
)

# Kota Pekalongan: 6 formed in 2022, 13 in 2023 (two launches), 8 in 2024.
KOTA_2022_KNOWN = ["Padukuhan Kraton", "Bandengan", "Jenggot"]
# The sources do not say which other three were formed in 2022: an example,
# marked illustrative.
KOTA_2022_GUESSED = ["Sapuro Kebulen", "Setono", "Banyurip"]
KOTA_LAUNCH_1 = ["Kauman", "Klego", "Kuripan Kertoharjo"]
KOTA_LAUNCH_2 = [
    "Medono",
    "Podosugih",
    "Tirto",
    "Pringrejo",
    "Bendan Kergon",
    "Kandang Panjang",
    "Panjang Baru",
    "Panjang Wetan",
    "Krapyak",
    "Degayu",
]
KOTA_2024 = [
    "Pasirkratonkramat",
    "Noyontaansari",
    "Poncol",
    "Gamer",
    "Kali Baros",
    "Buaran Kradenan",
    "Kuripan Yosorejo",
    "Sokoduwet",
]
KOTA_2022_DATE = date(2022, 7, 1)
KOTA_LAUNCH_1_DATE = date(2023, 6, 7)
# ANTARA reports the second launch on "Kamis" in mid-June 2023 without a date.
KOTA_LAUNCH_2_DATE = date(2023, 6, 15)
KOTA_2024_DATE = date(2024, 7, 1)

KAB_LAUNCH_DATE = date(2024, 7, 30)
# Kabupaten Pekalongan, 30 July 2024 (SOURCE_002): how many at each level.
KAB_LEVEL_COUNTS = [
    (ClassificationLevel.BERKELANJUTAN, 12),
    (ClassificationLevel.MANDIRI, 7),
    (ClassificationLevel.BERKEMBANG, 22),
    (ClassificationLevel.DASAR, 244),
]

# Kampung KB with a note of their own, beside the note of their group.
NOTE_KAMPUNG = {
    "Kauman": (
        "Dashat yang diresmikan pada pencanangan 7 Juni 2023 dicatat di Kampung KB "
        "ini; sumber tidak menyebut Kampung KB mana dari ketiganya yang memilikinya."
    ),
}

NOTE_CLASS_KOTA = (
    "Klasifikasi tidak disebut sumber; 'dasar' saat pencanangan adalah asumsi."
)


def _desa_by_name(kabkota_code):
    return {r.name: r for r in Region.objects.filter(kabkota_id=kabkota_code, level=4)}


def _form(
    region, formed_on, level, source, note, classification_note="", decided_by=""
):
    """Create a Kampung KB and its first classification unless it already exists."""
    existing = KampungKB.objects.filter(region=region).first()
    if existing:
        return existing, False
    kampung = kampung_create(
        region=region, formed_on=formed_on, source=source, illustrative_note=note
    )
    kampung_classify(
        kampung=kampung,
        level=level,
        effective_on=formed_on,
        basis=ClassificationBasis.LAUNCH,
        decided_by=decided_by,
        illustrative_note=classification_note,
    )
    return kampung, True


def _launch(*, date, organizer, kampungs, **fields):
    if LaunchEvent.objects.filter(date=date, organizer=organizer).exists():
        return None
    return launch_record(date=date, organizer=organizer, kampungs=kampungs, **fields)


def _load_kota():
    desa = _desa_by_name(KOTA)
    kota = Region.objects.get(code=KOTA)
    created = 0

    def form_all(names, formed_on, source, note):
        nonlocal created
        kampungs = []
        for name in names:
            kampung, made = _form(
                desa[name],
                formed_on,
                ClassificationLevel.DASAR,
                source,
                " ".join(filter(None, [note, NOTE_KAMPUNG.get(name, "")])),
                classification_note=NOTE_CLASS_KOTA,
                decided_by="Dinsos-P2KB Kota Pekalongan",
            )
            kampungs.append(kampung)
            created += made
        return kampungs

    form_all(
        KOTA_2022_KNOWN,
        KOTA_2022_DATE,
        f"{SOURCE_000}; {SOURCE_003}",
        "Sumber: sudah ada sebelum 2023 (dibentuk 2022 menurut Pemkot Pekalongan, 7 Juni 2023, dan "
        "Tribun-Pantura.com, 17 Juli 2023); tanggal 1 Juli 2022 ilustratif.",
    )
    form_all(
        KOTA_2022_GUESSED,
        KOTA_2022_DATE,
        SOURCE_004,
        "Sumber hanya menyebut 6 Kampung KB pada 2022 tanpa nama; kelurahan ini dan "
        "tanggalnya dipilih sebagai contoh (ilustratif).",
    )
    launch_1 = form_all(KOTA_LAUNCH_1, KOTA_LAUNCH_1_DATE, SOURCE_000, "")
    launch_2 = form_all(
        KOTA_LAUNCH_2,
        KOTA_LAUNCH_2_DATE,
        SOURCE_001,
        "Tanggal 15 Juni 2023 ilustratif: sumber menyebut hari Kamis pertengahan Juni 2023.",
    )
    form_all(
        KOTA_2024,
        KOTA_2024_DATE,
        f"{SOURCE_004}; {SOURCE_003}",
        "Sumber: 8 kelurahan terakhir dibentuk 2024; tanggal 1 Juli 2024 ilustratif.",
    )

    _launch(
        date=KOTA_LAUNCH_1_DATE,
        organizer=kota,
        kampungs=launch_1,
        place="Aula Kecamatan Pekalongan Timur",
        officials=(
            "Heri Kusyanto (Sekretaris Tim Pokja Pengendalian Penduduk BKKBN Provinsi "
            "Jawa Tengah); Yos Rosyidi (Kepala Dinsos-P2KB Kota Pekalongan)"
        ),
        notes="Launching 3 Kampung KB sekaligus peresmian Dapur Sehat Atasi Stunting (Dashat).",
        source=SOURCE_000,
    )
    _launch(
        date=KOTA_LAUNCH_2_DATE,
        organizer=kota,
        kampungs=launch_2,
        officials=(
            "Anita Heru Kusumorini (Plh. Sekretaris Daerah Kota Pekalongan); "
            "Yos Rosidi (Kepala Dinsos-P2KB Kota Pekalongan)"
        ),
        notes="Kegiatan kedua peluncuran Kampung KB 2023: 10 kelurahan di Pekalongan Barat dan Utara.",
        source=SOURCE_001,
        illustrative_note=(
            "Tanggal ilustratif (sumber: hari Kamis, pertengahan Juni 2023); tempat tidak disebut."
        ),
    )
    target_set(region=kota, year=2023, new_count=13, source=SOURCE_000)
    target_set(region=kota, year=2024, new_count=8, source=SOURCE_004)
    return created


def _load_kabupaten():
    kabupaten = Region.objects.get(code=KABUPATEN)
    codes = list(
        Region.objects.filter(kabkota=kabupaten, level=4)
        .order_by("code")
        .values_list("code", flat=True)
    )
    levels = [level for level, n in KAB_LEVEL_COUNTS for _ in range(n)]
    if len(levels) != len(codes):
        raise ValueError(
            f"Kabupaten Pekalongan has {len(codes)} desa/kelurahan, expected {len(levels)}."
        )
    regions = Region.objects.in_bulk(codes)
    created = 0
    kampungs = []
    # Which desa holds which level is not in the source: spread the levels over the
    # kabupaten with a fixed stride (97 is coprime with 285), so reloads agree.
    for i, level in enumerate(levels):
        code = codes[(i * 97) % len(codes)]
        kampung, made = _form(
            regions[code],
            KAB_LAUNCH_DATE,
            level,
            SOURCE_002,
            "Tanggal pencanangan = launching 30 Juli 2024; Kampung KB ini mungkin sudah "
            "terbentuk lebih awal (ilustratif).",
            classification_note="Jumlah per klasifikasi dari sumber; desa mana yang mana ilustratif.",
            decided_by="Pemerintah Kabupaten Pekalongan",
        )
        kampungs.append(kampung)
        created += made
    _launch(
        date=KAB_LAUNCH_DATE,
        organizer=kabupaten,
        kampungs=kampungs,
        place="Aula Setda Kabupaten Pekalongan",
        officials=(
            "Bupati Pekalongan Fadia Arafiq; Forkopimda; perwakilan Provinsi Jawa Tengah"
        ),
        notes=(
            "Launching Kampung KB 100%: 285 desa/kelurahan, 12 berkelanjutan (paripurna), "
            "7 mandiri, 22 berkembang, 244 dasar; pada peringatan Harganas."
        ),
        source=SOURCE_002,
    )
    return created


@transaction.atomic
def demo_load() -> int:
    """Load the Pekalongan demo registry; returns how many Kampung KB were created."""
    for prefix in (KOTA, KABUPATEN):
        if not Region.objects.filter(code=prefix).exists():
            region_load(prefix=prefix)
    return _load_kota() + _load_kabupaten()


# SCHEMATIC boundaries (made up, not official; see the files' "keterangan"), loaded
# through the same import as an office's upload so the dashboards show a map.
DEMO_BOUNDARY_FILES = (
    "kota_pekalongan_batas_skematis.geojson",
    "kabupaten_pekalongan_batas_skematis.geojson",
)


def boundary_demo_load() -> int:
    """Load the demo's schematic boundaries once; returns how many regions got one."""
    loaded = 0
    folder = Path(__file__).resolve().parent / "demo_data"
    for name in DEMO_BOUNDARY_FILES:
        if BoundaryUpload.objects.filter(file_name=name, uploaded_by=None).exists():
            continue
        path = folder / name
        with path.open("rb") as handle:
            upload = boundary_import(
                file=File(handle, name=name), user=None, schematic=True
            )
        loaded += upload.matched
    return loaded
