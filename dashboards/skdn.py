"""Posyandu months (SKDN) as the page shows them: counts and the two rates.

Pure functions of SkdnFigure rows (dashboards.selectors); the rates follow the
registry's small-number rule (SKDN_PARTICIPATION, SKDN_GAIN: Indicator.too_small).
"""

from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from .indicators import SKDN_GAIN, SKDN_PARTICIPATION, Indicator
from .models import SkdnFigure

# What each letter counts, where users read the figures.
DEFINITIONS = (
    ("S", _("Balita 0–59 bulan yang terdaftar di wilayah itu pada bulan itu.")),
    ("D", _("Balita 0–59 bulan yang ditimbang dalam bulan itu (sekali per anak).")),
    (
        "N",
        _(
            "Ditimbang bulan ini dan bulan lalu, dan berat badannya naik paling "
            "sedikit sebesar Kenaikan Berat Badan Minimal (KBM) untuk umurnya."
        ),
    ),
    ("T", _("Ditimbang bulan ini dan bulan lalu, kenaikannya kurang dari KBM.")),
    ("O", _("Ditimbang bulan ini, tidak ditimbang bulan lalu.")),
    ("B", _("Baru pertama kali ditimbang.")),
    ("2T", _("Tidak naik (T) bulan ini dan bulan lalu.")),
    (
        "BGM",
        _("Bawah Garis Merah: z-score BB/U yang sah pada penimbangan itu < −3."),
    ),
)
KBM_NOTE = _(
    "Tanda N/T/O/B dari berkas e-PPGBM dipakai apa adanya; bila kosong, dihitung "
    "dari penimbangan terakhir tiap bulan dengan tabel KBM KMS (Permenkes "
    "155/2010, Buku KIA): 1 bulan 800 g, 2 bulan 900 g, 3 bulan 800 g, 4 bulan "
    "600 g, 5 bulan 500 g, 6–7 bulan 400 g, 8–10 bulan 300 g, 11 bulan ke atas "
    "200 g."
)


@dataclass(frozen=True)
class Rate:
    """A rate over its n: `percent` is None without a denominator or when the
    denominator is too small to show (`small`)."""

    numerator: int
    denominator: int
    percent: float | None
    small: bool


def rate(indicator: Indicator, numerator: int, denominator: int) -> Rate:
    small = indicator.too_small(denominator)
    percent = None
    if denominator and not small:
        percent = 100 * numerator / denominator
    return Rate(numerator, denominator, percent, small)


@dataclass(frozen=True)
class SkdnRow:
    """One month, or one region in a month, as a table row."""

    label: str
    url: str
    registered: int
    weighed: int
    gained: int
    not_gained: int
    not_weighed_last_month: int
    new: int
    not_gained_twice: int
    below_red_line: int
    participation: Rate
    gain: Rate

    @property
    def has_data(self) -> bool:
        return bool(self.registered or self.weighed)


_COUNTS = (
    "registered",
    "weighed",
    "gained",
    "not_gained",
    "not_weighed_last_month",
    "new",
    "not_gained_twice",
    "below_red_line",
)


def skdn_row(*, label: str, figure: SkdnFigure | None, url: str = "") -> SkdnRow:
    """A table row from a stored figure; no figure counts zero everywhere."""
    counts = {name: getattr(figure, name, 0) or 0 for name in _COUNTS}
    return SkdnRow(
        label=label,
        url=url,
        **counts,
        participation=rate(SKDN_PARTICIPATION, counts["weighed"], counts["registered"]),
        gain=rate(SKDN_GAIN, counts["gained"], counts["gained"] + counts["not_gained"]),
    )


def year_rows(figures: dict[int, SkdnFigure]) -> list[SkdnRow]:
    """The twelve months of a year, in order, from {month: figure}."""
    return [
        skdn_row(label=str(MONTHS[month]), figure=figures.get(month))
        for month in range(1, 13)
    ]
