"""The default rubric: BKKBN's success indicators of a Kampung KB (DOMAIN.md).

BKKBN (Modul Kampung KB) names the indicators in three groups but publishes no
numeric weights, so every criterion and group starts with weight 1 and a 0-4 scale;
a district changes them in its own copy of the template.
"""

from django.utils.translation import pgettext_lazy

from .models import CriterionGroup

BUILTIN_NAME = "Indikator keberhasilan Kampung KB (BKKBN)"
BUILTIN_DESCRIPTION = (
    "Disusun dari indikator keberhasilan Kampung KB BKKBN (input, proses, output). "
    "BKKBN tidak menerbitkan bobot resmi: semua bobot bawaan sama (1) dan skala 0-4. "
    "Salin templat ini untuk kabupaten/kota Anda lalu sesuaikan bobotnya."
)
# What each value of the default 0-4 scale means, shown beside every score button.
SCALE_WORDS = {
    0: pgettext_lazy("skala nilai", "tidak ada"),
    1: pgettext_lazy("skala nilai", "kurang"),
    2: pgettext_lazy("skala nilai", "cukup"),
    3: pgettext_lazy("skala nilai", "baik"),
    4: pgettext_lazy("skala nilai", "sangat baik"),
}


def scale_labels(scale_min, scale_max):
    """(value, meaning) for each value of a scale; "" where a value has no word.

    The default 0-4 scale has a word for every value; a district's own scale
    names its two ends.
    """
    if (scale_min, scale_max) == (min(SCALE_WORDS), max(SCALE_WORDS)):
        return list(SCALE_WORDS.items())
    words = {
        scale_min: pgettext_lazy("skala nilai", "terendah"),
        scale_max: pgettext_lazy("skala nilai", "tertinggi"),
    }
    return [(v, words.get(v, "")) for v in range(scale_min, scale_max + 1)]


# (group, code, name, what to look at)
BUILTIN_CRITERIA = [
    (
        CriterionGroup.INPUT,
        "I1",
        "Partisipasi pemangku kepentingan",
        "Keterlibatan lurah/kepala desa, OPD, tokoh masyarakat dan mitra.",
    ),
    (
        CriterionGroup.INPUT,
        "I2",
        "Jumlah kegiatan terintegrasi",
        "Kegiatan lintas sektor (OPD/mitra) yang dilaksanakan di Kampung KB.",
    ),
    (
        CriterionGroup.INPUT,
        "I3",
        "Sumber pendanaan",
        "Swadaya masyarakat, anggaran pemerintah, dan donor yang tidak mengikat.",
    ),
    (
        CriterionGroup.INPUT,
        "I4",
        "Sarana dan prasarana",
        "Sekretariat, Rumah DataKu, dan sarana kegiatan.",
    ),
    (
        CriterionGroup.PROSES,
        "P1",
        "Keaktifan seksi Pokja",
        "Delapan seksi Pokja Kampung KB berjalan.",
    ),
    (
        CriterionGroup.PROSES,
        "P2",
        "Pelaksanaan 8 fungsi keluarga",
        "Kegiatan yang mempraktikkan delapan fungsi keluarga.",
    ),
    (
        CriterionGroup.PROSES,
        "P3",
        "Frekuensi KIE dan konseling",
        "Komunikasi, informasi dan edukasi serta konseling kepada keluarga.",
    ),
    (
        CriterionGroup.PROSES,
        "P4",
        "Frekuensi pelayanan KB/KR",
        "Pelayanan keluarga berencana dan kesehatan reproduksi.",
    ),
    (
        CriterionGroup.PROSES,
        "P5",
        "Frekuensi pelayanan sektor lain",
        "Pelayanan dari sektor lain (kesehatan, sosial, ekonomi, pendidikan).",
    ),
    (
        CriterionGroup.PROSES,
        "P6",
        "Frekuensi pertemuan kelompok kegiatan",
        "Pertemuan kelompok kegiatan (BKB, BKR, BKL, UPPKA, PIK-R).",
    ),
    (
        CriterionGroup.PROSES,
        "P7",
        "Penggerakan masyarakat",
        "Mobilisasi masyarakat dalam kegiatan Kampung KB.",
    ),
    (
        CriterionGroup.OUTPUT,
        "O1",
        "Keluarga yang mempraktikkan 8 fungsi keluarga",
        "Bagian keluarga sasaran yang menjalankan delapan fungsi keluarga.",
    ),
]
