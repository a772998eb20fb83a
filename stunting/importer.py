"""Reading, checking and saving e-PPGBM measurement files (CSV, XLSX, XLS, HTML).

A file becomes columns of text; each chunk of rows is parsed column by column
(every distinct date, number or code is parsed once), checked with numpy masks
and scored in one `score_fields` call. Only the rows that pass are written, in
one transaction: on PostgreSQL by COPY into temporary tables and INSERT ...
SELECT ... ON CONFLICT DO NOTHING, elsewhere by bulk_create. A measurement is
unique per child and day, so a file imported twice adds nothing.

Problems are reported as {"row", "column", "message"}: the row as the user sees
it in a spreadsheet (the file's first row is row 1, captions above the header
included), the column's header as written.
NIK, names and birth dates never appear in messages or logs.
"""

import contextlib
import datetime
import gc
import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kampungkb.access import user_scope
from kampungkb.events import data_changed
from kampungkb.tabular import HEAD_ROWS, ImportFileError, data_rows, read_records
from kampungkb.tabular import problem as _problem
from villages.models import Region, RegionLevel

from . import compare
from .models import BALITA_MAX_DAYS, Child, ImportBatch, Measurement, WeightGain
from .nik import nik_hash, nik_is_valid, nik_normalise
from .services import MEASUREMENT_LIMITS, score_fields

EXTENSIONS = (".csv", ".xlsx", ".xls", ".html", ".htm")
CHUNK_ROWS = 20_000
# The batch keeps the first problems; a file with more is shown with a count.
MAX_ERRORS = 1000
TEXT_MAX = 150  # Child.name, posyandu and parent_name
MAX_IGNORED = 100  # header texts of unused columns kept in the report
CAPTION_MAX = 120  # of a caption above the header, as the batch page shows it
# Headers under which e-PPGBM writes no cell in its data rows (normalised).
_MISSING = ("totalpengukuran",)

# Field -> (label used when the column is missing, normalised header synonyms).
FIELDS = {
    "nik": ("NIK", ("nik", "nikanak", "nikbalita")),
    "name": ("nama", ("nama", "namaanak", "namabalita")),
    "sex": ("jenis kelamin", ("jk", "jeniskelamin", "kelamin", "sex", "lp")),
    "birth_date": ("tanggal lahir", ("tgllahir", "tanggallahir", "tgllhr")),
    "measured_on": (
        "tanggal ukur",
        ("tglukur", "tanggalukur", "tanggalpengukuran", "tglpengukuran"),
    ),
    "weight": ("berat", ("berat", "bb", "beratbadan")),
    "height": (
        "tinggi",
        ("tinggi", "tb", "tinggibadan", "panjangtinggi", "pbtb", "panjangtinggibadan"),
    ),
    "measured": ("cara ukur", ("caraukur", "carapengukuran")),
    "region_code": (
        "kode desa",
        ("kodedesa", "kodewilayah", "kodekelurahan", "kodedesakelurahan"),
    ),
    "desa": ("desa/kelurahan", ("desa", "kelurahan", "desakelurahan", "desakel")),
    "kecamatan": ("kecamatan", ("kecamatan", "kec")),
    "posyandu": ("posyandu", ("posyandu", "namaposyandu")),
    "parent_name": ("nama orang tua", ("namaortu", "namaorangtua", "ortu")),
    # Kept on the measurement where the file has them (e-PPGBM's columns).
    "lila": ("LiLA", ("lila", "lingkarlenganatas")),
    "weight_gain": ("Naik Berat Badan", ("naikberatbadan", "naikbb")),
    "vitamin_a": ("Jml Vit A", ("jmlvita", "jumlahvita", "vita", "vitamina")),
    "kia": ("KIA", ("kia", "bukukia")),
    "mother_class": ("Kelas Ibu Balita", ("kelasibubalita", "kelasibu")),
    # The other tool's z-scores, compared with ours (stunting.compare).
    "zs_waz": ("ZS BB/U", ("zsbbu",)),
    "zs_haz": ("ZS TB/U", ("zstbu",)),
    "zs_whz": ("ZS BB/TB", ("zsbbtb",)),
    # "1 Tahun - 7 Bulan - 23 Hari": checked against the two dates, not stored.
    "age_text": ("usia saat ukur", ("usiasaatukur", "usiasaatpengukuran")),
}
REQUIRED = ("name", "sex", "birth_date", "measured_on", "weight", "height")
_SYNONYMS = {syn: key for key, (_label, syns) in FIELDS.items() for syn in syns}

_SEX = {"l": "L", "laki-laki": "L", "laki laki": "L", "lakilaki": "L", "m": "L"}
_SEX |= {"male": "L", "1": "L", "p": "P", "perempuan": "P", "f": "P"}
_SEX |= {"female": "P", "2": "P"}
_POSITION = {"berdiri": "standing", "standing": "standing", "h": "standing"}
_POSITION |= {"terlentang": "lying", "telentang": "lying", "lying": "lying"}
_POSITION |= {"berbaring": "lying", "l": "lying"}
_WEIGHT_GAIN = {code.lower(): code for code in WeightGain.values}
_YES_NO = {"ya": True, "y": True, "1": True, "yes": True, "ada": True}
_YES_NO |= {"tidak": False, "t": False, "0": False, "no": False, "tdk": False}
VITAMIN_A_MAX = 10  # capsules by 5 years: two a year from 6 months

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]*)?$")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_EMPTY, _INVALID = 0, -1  # date ordinals and codes that are not a value
_MASKED = -2  # a NIK masked by the exporter
_MASKED_NIK = re.compile(r"[0-9]*\*[0-9*]*$")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width, not whitespace to str.strip
_AGE = re.compile(r"(\d{1,2})\s*tahun\W*(\d{1,2})\s*bulan\W*(\d{1,2})\s*hari$", re.I)
AGE_TOLERANCE_DAYS = 1


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a file's rows are in memory.

    The rows are hundreds of thousands of small lists and tuples without cycles;
    the collector would walk them again and again (a third of the checking time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- reading -------------------------------------------------------------------


@dataclass
class Table:
    """A file's data rows as text columns, keyed by field."""

    columns: dict[str, list[str]]
    headers: dict[str, str]  # field -> header as written in the file
    row_numbers: np.ndarray  # file row of each data row (first row = 1)
    # Rows not shifted like the file's others (see _shift), and what reading
    # found for the uploader (ImportBatch.report: captions, realigned).
    misaligned: np.ndarray | None = None
    report: dict = field(default_factory=dict)

    @property
    def size(self):
        return len(self.row_numbers)

    @property
    def has_nik(self):
        # A masked NIK ("02022**********") is never looked up.
        return any(v.strip() and "*" not in v for v in self.columns.get("nik", ()))

    @property
    def nik_header(self):
        return self.headers.get("nik") or FIELDS["nik"][0]


def _normalise_header(text):
    text = re.sub(r"\(.*?\)", "", str(text or "").lower())
    return re.sub(r"[^a-z0-9]", "", text)


def _header_field(text):
    key = _normalise_header(text)
    # "berat kg", "tinggi badan cm": a unit written without brackets.
    return _SYNONYMS.get(key) or _SYNONYMS.get(re.sub(r"(kg|cm)$", "", key))


def _header_index(cells):
    index, headers = {}, {}
    for i, text in enumerate(cells):
        key = _header_field(text)
        if key and key not in index:
            index[key], headers[key] = i, str(text).strip()
    return index, headers


def _missing(index):
    missing = [FIELDS[k][0] for k in REQUIRED if k not in index]
    if "region_code" not in index and "desa" not in index:
        missing.append(_("kode desa atau desa/kelurahan"))
    return missing


def read_table(data: bytes, file_name: str) -> Table:
    """Read a file into text columns; raise ImportFileError if unusable.

    The header is the first of the first rows that names every required
    column: captions above it (e-PPGBM's "Data Tanggal : ...") are skipped
    and listed in the table's report.
    """
    records = iter(read_records(data, file_name))
    head = list(itertools.islice(records, HEAD_ROWS))
    if not any("".join(cells).strip() for cells in head):
        raise ImportFileError(
            [_problem(1, "", _("Berkas kosong: tidak ada judul kolom."))]
        )
    found = [_header_index(cells) for cells in head]
    at = next((i for i, (index, _h) in enumerate(found) if not _missing(index)), None)
    if at is None:
        # Name what the likeliest header row lacks.
        at = max(range(len(found)), key=lambda i: (len(found[i][0]), -i))
        raise ImportFileError(
            [
                _problem(
                    at + 1,
                    label,
                    _("Kolom '%(column)s' tidak ditemukan.") % {"column": label},
                )
                for label in _missing(found[at][0])
            ]
        )
    index, headers = found[at]
    header = head[at]
    used = set(index.values())
    texts = (str(text or "").strip() for i, text in enumerate(header) if i not in used)
    report = {"ignored_columns": [t[:TEXT_MAX] for t in texts if t][:MAX_IGNORED]}
    captions = [
        {"row": i + 1, "text": " ".join(" ".join(cells).split())[:CAPTION_MAX]}
        for i, cells in enumerate(head[:at])
        if "".join(cells).strip()
    ]
    if captions:
        report["captions"] = captions
    width = len(header)
    rows, numbers = data_rows(
        itertools.chain(head[at + 1 :], records), width, first_row=at + 2
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    misaligned = np.zeros(len(rows), dtype=bool)
    if shift := _shift(header, index, columns):
        missing_at, shifted, straight = shift
        count = int(np.count_nonzero(shifted))
        if count > np.count_nonzero(straight):
            index = {k: i - 1 if i > missing_at else i for k, i in index.items()}
            report["realigned"] = {
                "rows": count,
                "column": str(header[missing_at]).strip(),
            }
            misaligned = straight
        else:
            misaligned = shifted  # a file aligned as it should be, but these rows
    return Table(
        columns={key: list(columns[i]) for key, i in index.items()},
        headers=headers,
        row_numbers=np.asarray(numbers, dtype=np.int64),
        misaligned=misaligned,
        report=report,
    )


def _shift(header, index, columns):
    """Find e-PPGBM's missing "Total Pengukuran" cell in the data rows.

    e-PPGBM writes no cell under that header, so every later value sits one
    column left of its own (and stays so when the file is saved again from
    Excel). The measurement date tells: which of its cell and the one to its
    left holds a date. Give the header index of the missing cell and the masks
    of the rows shifted and not shifted, or None if the file has no such header.
    """
    missing_at = next(
        (i for i, text in enumerate(header) if _normalise_header(text) in _MISSING),
        None,
    )
    date = index["measured_on"]
    if missing_at is None or date <= missing_at or not columns[date]:
        return None
    parsed = _Parsed(_date_ordinal)
    here = parsed.column(columns[date], np.int64) > 0
    left = parsed.column(columns[date - 1], np.int64) > 0
    return missing_at, left & ~here, here & ~left


# --- parsing columns -----------------------------------------------------------


class _Parsed(dict):
    """Parse each distinct cell once: files repeat dates, weights and codes a lot."""

    def __init__(self, parse):
        super().__init__()
        self.parse = parse

    def __missing__(self, text):
        value = self[text] = self.parse(text)
        return value

    def column(self, values, dtype):
        return np.fromiter(
            map(self.__getitem__, values), dtype=dtype, count=len(values)
        )


def _date_ordinal(text):
    text = text.strip()
    if not text:
        return _EMPTY
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
    elif match := _DMY_DATE.match(text):
        day, month, year = match.groups()
    else:
        return _INVALID
    try:
        return datetime.date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return _INVALID


def _number(text):
    text = text.strip().replace(",", ".")
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.inf  # stands for "not a number"; inf itself is refused too
    return value if math.isfinite(value) else math.inf


# Column key -> (Measurement field, unit).
_NUMBER_FIELDS = {
    "weight": ("weight_kg", "kg"),
    "height": ("height_cm", "cm"),
    "lila": ("lila_cm", "cm"),
}


def _decimal_text(value):
    """A limit as Indonesians write it: 0,5 and 60, not 0.50 and 60.00."""
    return f"{value.normalize():f}".replace(".", ",")


def _code(codes):
    return lambda text: (
        codes.get(" ".join(text.lower().split()), _INVALID) if text.strip() else ""
    )


def _nik_key(text):
    """Give a NIK cell's hash, None if empty, _MASKED or _INVALID if it is no NIK.

    e-PPGBM writes a non-breaking space after the NIK; the 2026 operasi timbang
    exports mask it ("02022**********"): such a child is found by name, birth
    date and desa/kelurahan, as one without a NIK.
    """
    nik = text.strip().strip(_INVISIBLE)
    if not (len(nik) == 16 and nik.isascii() and nik.isdigit()):
        nik = nik_normalise(nik)
    if not nik:
        return None
    if len(nik) <= 16 and _MASKED_NIK.match(nik):
        return _MASKED
    return nik_hash(nik) if nik_is_valid(nik) else _INVALID


def _age(text):
    """Give (years, months, days) of an age text; years is -2 if empty, _INVALID
    if it is no age."""
    text = text.strip()
    if not text:
        return (-2, 0, 0)
    match = _AGE.match(text)
    return tuple(map(int, match.groups())) if match else (_INVALID, 0, 0)


def _region_code(text):
    digits = re.sub(r"\D", "", text)
    if len(digits) != 10:
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def _iso(ordinal):
    return datetime.date.fromordinal(ordinal).isoformat()


# --- checking ------------------------------------------------------------------


@dataclass
class Checked:
    """What checking a file found: problems, and the rows ready to be written."""

    errors: list = field(default_factory=list)
    error_count: int = 0
    valid_rows: int = 0
    flagged_rows: int = 0
    # child key -> (nik_hash, name, sex, birth_date, region, posyandu, parent_name)
    new_children: dict = field(default_factory=dict)
    # child key (NIK hash, or (region, name, birth date)) -> id of a stored child
    child_ids: dict = field(default_factory=dict)
    # (child key, measured_on, weight, height, measured, posyandu, *score fields)
    measurements: list = field(default_factory=list)
    # The desa/kelurahan of the valid rows, and their earliest measurement day.
    regions: set = field(default_factory=set)
    earliest: datetime.date | None = None
    # Distinct NIKs looked up, and those of children outside the uploader's
    # region (counted for NikLookup, never listed), with their rows.
    niks_checked: int = 0
    niks_outside: int = 0
    outside_rows: int = 0
    # The file's own z-scores against ours; None when it has no ZS column.
    zscores: compare.Tally | None = None
    masked_nik_rows: int = 0

    def add(self, problem):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(problem)


SCORE_FIELDS = (
    "age_days",
    "height_adjusted_cm",
    "haz",
    "waz",
    "whz",
    "haz_class",
    "waz_class",
    "whz_class",
    "haz_implausible",
    "waz_implausible",
    "whz_implausible",
    "missing_reasons",
)


class Checker:
    """Check a table chunk by chunk for one uploader, against the stored registry."""

    def __init__(self, table: Table, user):
        self.table = table
        self.scope = user_scope(user).write
        self.in_scope = _Parsed(self._in_scope)  # per region code, asked per row
        self.today = timezone.localdate().toordinal()
        self.result = Checked()
        if any(f"zs_{name}" in table.headers for name in compare.COLUMNS):
            self.result.zscores = compare.Tally()
        # child key -> (birth ordinal, sex, first file row or None if stored)
        self.known = {}
        self.regions = {}  # region cell(s) -> (code or None, problem message or None)
        self.outside = set()  # NIK hashes of children outside the uploader's region
        self.parsers = {
            "date": _Parsed(_date_ordinal),
            "number": _Parsed(_number),
            "sex": _Parsed(_code(_SEX)),
            "measured": _Parsed(_code(_POSITION)),
            "weight_gain": _Parsed(_code(_WEIGHT_GAIN)),
            "yes_no": _Parsed(_code(_YES_NO)),
            # A child's NIK recurs on each of its rows: hash it once (HMAC is slow).
            "nik": _Parsed(_nik_key),
            "age": _Parsed(_age),
        }

    def run(self, progress=None) -> Checked:
        for start in range(0, self.table.size, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.table.size)
            self.check(start, stop)
            if progress:
                progress(stop)
        result = self.result
        result.niks_checked = sum(
            isinstance(h, str) for h in self.parsers["nik"].values()
        )
        result.niks_outside = len(self.outside)
        if result.outside_rows:
            # One count, not row by row: which row holds which NIK would tell
            # where each NIK is registered. First, so the error cap never drops it.
            result.error_count += 1
            result.errors.insert(
                0,
                _problem(
                    None,
                    self.table.nik_header,
                    ngettext(
                        "%(n)s baris: NIK sudah terdaftar di luar wilayah kerja "
                        "Anda; baris itu tidak disimpan.",
                        "%(n)s baris: NIK sudah terdaftar di luar wilayah kerja "
                        "Anda; baris itu tidak disimpan.",
                        result.outside_rows,
                    )
                    % {"n": result.outside_rows},
                ),
            )
        return result

    def _in_scope(self, code):
        if self.scope is None:
            return True
        return any(code == r.code or code.startswith(r.code + ".") for r in self.scope)

    def _column(self, key, start, stop):
        values = self.table.columns.get(key)
        return values[start:stop] if values is not None else [""] * (stop - start)

    def check(self, start, stop):
        n = stop - start
        rows = self.table.row_numbers[start:stop]
        raw = {key: self._column(key, start, stop) for key in FIELDS}
        bad = np.zeros(n, dtype=bool)

        def report(mask, key, message):
            """Record a problem for each row in mask.

            The message never quotes the cell: whatever column it was typed in, a
            NIK, a name or a birth date must not end up in the batch's problems.
            It says what the column expects instead.
            """
            hits = np.flatnonzero(mask)
            header = self.table.headers.get(key) or FIELDS[key][0]
            for i in hits:
                self.result.add(_problem(int(rows[i]), header, message))
            bad[hits] = True

        if self.table.misaligned is not None and self.table.misaligned.any():
            report(
                self.table.misaligned[start:stop],
                "measured_on",
                _(
                    "Baris ini bergeser satu kolom berbeda dengan baris lain dalam "
                    "berkas; isinya tidak di bawah judul kolom yang sama."
                ),
            )
        names = [v.strip() for v in raw["name"]]
        posyandu = [v.strip() for v in raw["posyandu"]]
        parents = [v.strip() for v in raw["parent_name"]]
        report(np.array([not v for v in names]), "name", _("Nama kosong."))
        too_long = _("Terlalu panjang (paling banyak 150 huruf).")
        for key, values in (
            ("name", names),
            ("posyandu", posyandu),
            ("parent_name", parents),
        ):
            report(np.array([len(v) > TEXT_MAX for v in values]), key, too_long)

        sex = np.array([self.parsers["sex"][v] for v in raw["sex"]], dtype=object)
        report(sex == "", "sex", _("Jenis kelamin kosong."))
        report(sex == _INVALID, "sex", _("Jenis kelamin tidak dikenal; isi L atau P."))
        measured = np.array(
            [self.parsers["measured"][v] for v in raw["measured"]], dtype=object
        )
        report(
            measured == _INVALID,
            "measured",
            _("Cara ukur tidak dikenal; isi berdiri atau telentang."),
        )

        dates = {}
        for key in ("birth_date", "measured_on"):
            dates[key] = self.parsers["date"].column(raw[key], np.int64)
            label = FIELDS[key][0]
            report(
                dates[key] == _EMPTY,
                key,
                _("%(label)s kosong.") % {"label": label.capitalize()},
            )
            report(
                dates[key] == _INVALID,
                key,
                _("Bukan tanggal; tulis dd/mm/yyyy atau yyyy-mm-dd."),
            )

        numbers, empty = {}, {}
        for key, (field_name, unit) in _NUMBER_FIELDS.items():
            values = self._parse("number", raw, key, float)
            report(np.isinf(values), key, _("Bukan angka; tulis angka seperti 9,5."))
            empty[key] = np.isnan(values)
            # Checked and scored as stored (decimal(5,2) kg, decimal(5,1) cm):
            # 999,999 rounds to 1000.00, which the column cannot hold.
            places = Measurement._meta.get_field(field_name).decimal_places
            numbers[key] = np.round(np.where(np.isinf(values), np.nan, values), places)
            low, high = MEASUREMENT_LIMITS[field_name]
            report(
                (numbers[key] < float(low)) | (numbers[key] > float(high)),
                key,
                _("Nilai harus antara %(low)s dan %(high)s %(unit)s.")
                % {
                    "low": _decimal_text(low),
                    "high": _decimal_text(high),
                    "unit": unit,
                },
            )
        report(
            empty["weight"] & empty["height"],
            "weight",
            _("Isi berat atau tinggi badan."),
        )
        extra = self._extra_fields(raw, report)

        region = self._regions(raw, report)
        hashes = self._nik_hashes(raw["nik"], report)
        self._check_dates(dates, report)
        if "age_text" in self.table.columns:
            self._check_age(raw["age_text"], dates, report)

        keys = [
            h if h else (r, name, b)
            for h, r, name, b in zip(
                hashes, region, names, dates["birth_date"].tolist(), strict=True
            )
        ]
        self._load_children(keys, region)
        self._check_same_child(keys, sex, dates["birth_date"], rows, bad, report)

        ok = np.flatnonzero(~bad)
        self.result.valid_rows += ok.size
        if not ok.size:
            return
        birth, measured_on = dates["birth_date"][ok], dates["measured_on"][ok]
        # Valid rows hold L/P and lying/standing/blank: the engine takes them as
        # integer codes (growth.score_columns), its fastest form.
        scores = score_fields(
            sex=np.where(sex[ok] == "L", 1, 2).astype(np.int8),
            age_days=(measured_on - birth).tolist(),
            weight_kg=numbers["weight"][ok],
            height_cm=numbers["height"][ok],
            measured=np.select(
                [measured[ok] == "lying", measured[ok] == "standing"], [1, 2], 0
            ).astype(np.int8),
            oedema=np.zeros(ok.size, dtype=bool),
        )
        scores["age_days"] = (measured_on - birth).tolist()
        if self.result.zscores is not None:
            self._compare(
                raw, ok, rows, scores, measured_on - birth, sex, numbers, measured
            )
        self.result.flagged_rows += int(
            np.count_nonzero(
                np.array(scores["haz_implausible"])
                | np.array(scores["waz_implausible"])
                | np.array(scores["whz_implausible"])
            )
        )
        iso = _Parsed(_iso)
        ok_list = ok.tolist()
        self.result.regions.update(region[i] for i in ok_list)
        earliest = datetime.date.fromordinal(int(measured_on.min()))
        if self.result.earliest is None or earliest < self.result.earliest:
            self.result.earliest = earliest
        for i in ok_list:
            key = keys[i]
            if key not in self.result.child_ids and key not in self.result.new_children:
                self.result.new_children[key] = (
                    hashes[i],
                    names[i],
                    sex[i],
                    iso[int(dates["birth_date"][i])],
                    region[i],
                    posyandu[i],
                    parents[i],
                )

        def nullable(values):
            return [None if math.isnan(v) else v for v in values.tolist()]

        self.result.measurements.extend(
            zip(
                [keys[i] for i in ok_list],
                map(iso.__getitem__, measured_on.tolist()),
                nullable(numbers["weight"][ok]),
                nullable(numbers["height"][ok]),
                [m or "" for m in measured[ok]],
                [posyandu[i] for i in ok_list],
                nullable(numbers["lila"][ok]),
                *(extra[name][ok].tolist() for name in _EXTRA_FIELDS),
                *(scores[name] for name in SCORE_FIELDS),
                strict=True,
            )
        )

    def _parse(self, parser, raw, key, dtype):
        """Parse a column; one the file lacks is all empty, with no work per row."""
        parse = self.parsers[parser]
        if key in self.table.headers:
            return parse.column(raw[key], dtype)
        return np.full(len(raw[key]), parse[""], dtype=dtype)

    def _extra_fields(self, raw, report):
        """Parse the weight-gain mark, Vitamin A, KIA and Kelas Ibu Balita columns."""
        gain = self._parse("weight_gain", raw, "weight_gain", object)
        report(
            gain == _INVALID,
            "weight_gain",
            _("Tanda naik berat badan tidak dikenal; isi N, T, O atau B."),
        )
        vitamin_a = self._parse("number", raw, "vitamin_a", float)
        given = ~np.isnan(vitamin_a)  # a non-number is inf: given, and refused
        whole = (
            given
            & (vitamin_a >= 0)
            & (vitamin_a <= VITAMIN_A_MAX)
            & (vitamin_a == np.floor(vitamin_a))
        )
        report(
            given & ~whole,
            "vitamin_a",
            _("Isi jumlah vitamin A sebagai bilangan bulat 0 sampai %(n)s.")
            % {"n": VITAMIN_A_MAX},
        )
        counts = np.where(whole, vitamin_a, 0).astype(int)
        fields = {
            "weight_gain": np.where(gain == _INVALID, "", gain),
            "vitamin_a_count": np.where(whole, counts, None),
        }
        for key, name in (
            ("kia", "has_kia_book"),
            ("mother_class", "attends_mother_class"),
        ):
            # True, False, "" (not given) or _INVALID, per row.
            values = self._parse("yes_no", raw, key, object)
            invalid = values == _INVALID
            report(invalid, key, _("Isi ya atau tidak (Y/T, 1/0)."))
            fields[name] = np.where(invalid | (values == ""), None, values)
        return fields

    def _compare(self, raw, ok, rows, scores, age, sex, numbers, measured):
        """Compare the file's own z-scores, where given, with ours (stunting.compare)."""
        theirs = {
            name: self.parsers["number"].column(raw[f"zs_{name}"], float)[ok]
            for name in compare.COLUMNS
            if f"zs_{name}" in self.table.headers
        }
        for values in theirs.values():
            values[np.isinf(values)] = np.nan  # not a number: not compared
        self.result.zscores.add(
            rows=rows[ok],
            theirs=theirs,
            scores=scores,
            age=np.asarray(age, dtype=float),
            sex=np.where(sex[ok] == "L", 1, 2).astype(np.int8),
            weight=numbers["weight"][ok],
            height=numbers["height"][ok],
            measured=np.select(
                [measured[ok] == "lying", measured[ok] == "standing"], [1, 2], 0
            ).astype(np.int8),
        )

    def _regions(self, raw, report):
        """Resolve each row's desa/kelurahan to a code; report unknown or out of scope."""
        if "region_code" in self.table.headers:
            cells = [(v.strip(),) for v in raw["region_code"]]
            key = "region_code"
        else:
            cells = [
                (" ".join(d.lower().split()), " ".join(k.lower().split()))
                for d, k in zip(raw["desa"], raw["kecamatan"], strict=True)
            ]
            key = "desa"
        missing = {c for c in set(cells) if c not in self.regions}
        if missing:
            self._resolve(missing, key)
        resolved = [self.regions[c] for c in cells]
        codes = [code for code, _problem_text in resolved]
        problems = {}
        for i, (_code_value, problem) in enumerate(resolved):
            if problem:
                problems.setdefault(problem, []).append(i)
        for problem, hits in problems.items():
            mask = np.zeros(len(cells), dtype=bool)
            mask[hits] = True
            report(mask, key, problem)
        return codes

    def _resolve(self, cells, key):
        unknown = _("Desa/kelurahan tidak dikenal.")
        outside = _("Desa/kelurahan di luar wilayah kerja Anda.")
        desa = Region.objects.filter(level=RegionLevel.DESA)
        if key == "region_code":
            wanted = {c: _region_code(c[0]) for c in cells}
            found = set(
                desa.filter(code__in={w for w in wanted.values() if w}).values_list(
                    "code", flat=True
                )
            )
            for cell, code in wanted.items():
                if not cell[0]:
                    self.regions[cell] = (None, _("Kode desa kosong."))
                elif code not in found:
                    self.regions[cell] = (None, unknown)
                elif not self._in_scope(code):
                    self.regions[cell] = (None, outside)
                else:
                    self.regions[cell] = (code, None)
            return
        matches = {}
        for code, name, kecamatan in (
            desa.annotate(lname=Lower("name"))
            .filter(lname__in={c[0] for c in cells})
            .values_list("code", "lname", "kecamatan__name")
        ):
            matches.setdefault(name, []).append((code, kecamatan.lower()))
        for cell in cells:
            name, kecamatan = cell
            found = [
                code
                for code, kec in matches.get(name, ())
                if not kecamatan or kec == kecamatan
            ]
            mine = [code for code in found if self._in_scope(code)]
            if not name:
                self.regions[cell] = (None, _("Desa/kelurahan kosong."))
            elif not found:
                self.regions[cell] = (None, unknown)
            elif not mine:
                self.regions[cell] = (None, outside)
            elif len(mine) > 1:
                self.regions[cell] = (
                    None,
                    _(
                        "Ada beberapa desa/kelurahan dengan nama ini; isi kecamatan "
                        "atau kode desa."
                    ),
                )
            else:
                self.regions[cell] = (mine[0], None)

    def _nik_hashes(self, values, report):
        hashes = [self.parsers["nik"][text] for text in values]
        invalid = np.fromiter((h == _INVALID for h in hashes), bool, len(hashes))
        report(invalid, "nik", _("NIK harus 16 angka."))
        self.result.masked_nik_rows += hashes.count(_MASKED)
        return [h if isinstance(h, str) else None for h in hashes]

    def _check_age(self, values, dates, report):
        """An age text must agree with the birth and measurement dates.

        The expected date is the birth date plus the years and months (the day
        kept, or the month's last day), plus the days; tools differ by a day at
        month ends. The message quotes neither the age nor the dates.
        """
        ages = np.array(
            [self.parsers["age"][v] for v in values], dtype=np.int64
        ).reshape(-1, 3)
        birth, measured = dates["birth_date"], dates["measured_on"]
        given = (ages[:, 0] >= 0) & (birth > 0) & (measured > 0)
        report(
            ages[:, 0] == _INVALID,
            "age_text",
            _("Usia tidak terbaca; tulis seperti 1 Tahun - 7 Bulan - 23 Hari."),
        )
        if not given.any():
            return
        epoch = datetime.date(1970, 1, 1).toordinal()
        born = (np.where(given, birth, epoch) - epoch).astype("datetime64[D]")
        month = born.astype("datetime64[M]")
        day = (born - month.astype("datetime64[D]")).astype(np.int64)
        target = month + (12 * ages[:, 0] + ages[:, 1])
        month_days = (
            (target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")
        ).astype(np.int64)
        expected = (
            target.astype("datetime64[D]")
            + np.minimum(day, month_days - 1)
            + ages[:, 2]
        ).astype(np.int64) + epoch
        report(
            given & (np.abs(expected - measured) > AGE_TOLERANCE_DAYS),
            "age_text",
            _(
                "Usia saat ukur tidak sesuai dengan tanggal lahir dan tanggal "
                "pengukuran (selisih lebih dari %(days)s hari)."
            )
            % {"days": AGE_TOLERANCE_DAYS},
        )

    def _check_dates(self, dates, report):
        birth, measured = dates["birth_date"], dates["measured_on"]
        birth_ok, measured_ok = birth > 0, measured > 0
        both = birth_ok & measured_ok
        age = measured - birth
        born_later = birth_ok & (birth > self.today)
        report(born_later, "birth_date", _("Tanggal lahir di masa depan."))
        report(
            measured_ok & (measured > self.today),
            "measured_on",
            _("Tanggal ukur di masa depan."),
        )
        report(
            both & ~born_later & (age < 0),
            "measured_on",
            _("Tanggal ukur sebelum tanggal lahir."),
        )
        report(
            both & (age > BALITA_MAX_DAYS),
            "birth_date",
            _("Umur saat diukur lebih dari 60 bulan (%(days)s hari): bukan balita.")
            % {"days": BALITA_MAX_DAYS},
        )

    def _load_children(self, keys, region):
        """Remember the stored children these rows name (by NIK, or name and desa)."""
        hashes = {k for k in keys if isinstance(k, str) and k not in self.known}
        regions = {
            r for k, r in zip(keys, region, strict=True) if not isinstance(k, str) and r
        }
        for key, pk, region_id, sex, birth in _children_by_nik(sorted(hashes)):
            self.known[key] = (birth.toordinal(), sex, None, region_id)
            self.result.child_ids[key] = pk
        if regions:
            wanted = {k for k in keys if not isinstance(k, str)}
            for pk, region_id, name, sex, birth in (
                Child.objects.filter(nik_hash__isnull=True, region_id__in=regions)
                .order_by()
                .values_list("id", "region_id", "name", "sex", "birth_date")
            ):
                key = (region_id, name, birth.toordinal())
                if key in wanted and key not in self.known:
                    self.known[key] = (key[2], sex, None, region_id)
                    self.result.child_ids[key] = pk

    def _check_same_child(self, keys, sex, birth, rows, bad, report):
        """Rows of one child must agree with each other and with the stored child."""
        differs, outside = (
            np.zeros(len(keys), dtype=bool),
            np.zeros(len(keys), dtype=bool),
        )
        first_rows = {}
        for i, (key, s, b) in enumerate(
            zip(keys, sex.tolist(), birth.tolist(), strict=True)
        ):
            if bad[i]:
                continue
            known = self.known.get(key)
            if known is None:
                self.known[key] = (b, s, int(rows[i]), None)
            elif known[3] is not None and not self.in_scope[known[3]]:
                outside[i] = True
                self.outside.add(key)
            elif (known[0], known[1]) != (b, s):
                differs[i] = True
                first_rows[i] = known[2]
        bad[outside] = True  # counted in run(), never reported row by row
        self.result.outside_rows += int(np.count_nonzero(outside))
        for i in np.flatnonzero(differs):
            mask = np.zeros(len(keys), dtype=bool)
            mask[i] = True
            if first_rows[i] is None:
                message = _(
                    "Tanggal lahir atau jenis kelamin berbeda dengan data anak yang sudah tercatat."
                )
            else:
                message = _(
                    "Tanggal lahir atau jenis kelamin berbeda dengan baris %(row)s untuk anak yang sama."
                ) % {"row": first_rows[i]}
            report(mask, "birth_date", message)


def _children_by_nik(hashes):
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands: far cheaper to build and plan.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nik_hash, id, region_id, sex, birth_date FROM stunting_child "
                "WHERE nik_hash = ANY(%s)",
                [hashes],
            )
            return cursor.fetchall()
    found = []
    for i in range(0, len(hashes), 5000):
        found += (
            Child.objects.filter(nik_hash__in=hashes[i : i + 5000])
            .order_by()
            .values_list("nik_hash", "id", "region_id", "sex", "birth_date")
        )
    return found


# --- writing -------------------------------------------------------------------

_CHILD_COLUMNS = (
    "nik_hash",
    "name",
    "sex",
    "birth_date",
    "region_id",
    "posyandu",
    "parent_name",
)
_EXTRA_FIELDS = (
    "weight_gain",
    "vitamin_a_count",
    "has_kia_book",
    "attends_mother_class",
)
_MEASUREMENT_COLUMNS = (
    "child_id",
    "measured_on",
    "weight_kg",
    "height_cm",
    "measured",
    "posyandu",
    "lila_cm",
    *_EXTRA_FIELDS,
    *SCORE_FIELDS,
)
_MEASUREMENT_TYPES = (
    "bigint",
    "date",
    "numeric(5,2)",
    "numeric(5,1)",
    "varchar(8)",
    "varchar(150)",
    "numeric(4,1)",
    "varchar(1)",
    "smallint",
    "boolean",
    "boolean",
    "integer",
    *["double precision"] * 4,
    *["varchar(20)"] * 3,
    *["boolean"] * 3,
    "varchar(200)",
)


@dataclass
class Written:
    created_children: int
    created_measurements: int


def write(checked: Checked, *, batch: ImportBatch) -> Written:
    """Save the checked rows in one transaction; a row already stored is left alone.

    Imported children and measurements get no django-simple-history row each and
    measurements no `entered_by`: the batch (uploader, file name, SHA-256, counts,
    time) is their provenance record, and measurements point to it. Writing a
    history row per imported row cost more than writing the rows themselves.
    """
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            children = _pg_children(checked, now)
            measurements = _pg_measurements(_measurement_rows(checked), batch, now)
        else:
            children = _orm_children(checked)
            measurements = _orm_measurements(_measurement_rows(checked), batch)
        if measurements:
            data_changed(region_codes=checked.regions, since=_changed_since(checked))
    return Written(created_children=children, created_measurements=measurements)


def _changed_since(checked):
    """The earliest day whose figures the import changes.

    A new child counts among the registered children of every year from their
    birth (the denominator of measurement coverage), not only from the day they
    were measured, as child_register says for a child entered by hand.
    """
    births = (date for _nik, _n, _s, date, *_rest in checked.new_children.values())
    return min([checked.earliest, *map(datetime.date.fromisoformat, births)])


def _measurement_rows(checked):
    ids = checked.child_ids
    return [(ids[r[0]], *r[1:]) for r in checked.measurements]


def _pg_copy(cursor, table, columns, rows):
    with cursor.connection.cursor().copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


def _pg_children(checked, now):
    if not checked.new_children:
        return 0
    keys = list(checked.new_children)
    columns = ", ".join(_CHILD_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE import_child (k integer, nik_hash varchar(64), "
            "name varchar(150), sex varchar(1), birth_date date, region_id varchar(13), "
            "posyandu varchar(150), parent_name varchar(150))"
        )
        _pg_copy(
            cursor,
            "import_child",
            ("k", *_CHILD_COLUMNS),
            ((k, *checked.new_children[key]) for k, key in enumerate(keys)),
        )
        cursor.execute(
            f"INSERT INTO stunting_child ({columns}, created_at, updated_at) "
            f"SELECT {columns}, %s, %s FROM import_child ORDER BY k "
            "ON CONFLICT DO NOTHING RETURNING id, nik_hash, region_id, name, birth_date",
            [now, now],
        )
        created = cursor.fetchall()
        for pk, key, region_id, name, birth in created:
            checked.child_ids[key or (region_id, name, birth.toordinal())] = pk
        if len(created) < len(keys):
            # Another import stored some of these children meanwhile: use theirs.
            cursor.execute(
                "SELECT i.k, c.id FROM import_child i JOIN stunting_child c "
                "ON c.nik_hash = i.nik_hash UNION ALL "
                "SELECT i.k, c.id FROM import_child i JOIN stunting_child c "
                "ON c.nik_hash IS NULL AND i.nik_hash IS NULL AND "
                "c.region_id = i.region_id AND c.name = i.name "
                "AND c.birth_date = i.birth_date"
            )
            for k, pk in cursor.fetchall():
                checked.child_ids[keys[k]] = pk
        # Dropped now, not at commit: the caller's transaction may go on.
        cursor.execute("DROP TABLE import_child")
    return len(created)


def _pg_measurements(rows, batch, now):
    columns = ", ".join(_MEASUREMENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE import_measurement ("
            + ", ".join(
                f"{c} {t}"
                for c, t in zip(_MEASUREMENT_COLUMNS, _MEASUREMENT_TYPES, strict=True)
            )
            + ")"
        )
        _pg_copy(cursor, "import_measurement", _MEASUREMENT_COLUMNS, rows)
        cursor.execute(
            f"INSERT INTO stunting_measurement ({columns}, oedema, place, "
            "import_batch_id, created_at) "
            f"SELECT {columns}, false, 'posyandu', %s, %s FROM import_measurement "
            "ON CONFLICT (child_id, measured_on) DO NOTHING",
            [batch.pk, now],
        )
        created = cursor.rowcount
        cursor.execute("DROP TABLE import_measurement")
    return created


def _orm_children(checked):
    children = [
        Child(**dict(zip(_CHILD_COLUMNS, values, strict=True)))
        for values in checked.new_children.values()
    ]
    # SQLite serialises writers, so the children looked up while checking are
    # still all there is.
    Child.objects.bulk_create(children, batch_size=2000)
    for key, child in zip(checked.new_children, children, strict=True):
        checked.child_ids[key] = child.pk
    return len(children)


def _orm_measurements(rows, batch):
    Measurement.objects.bulk_create(
        (
            Measurement(
                **dict(zip(_MEASUREMENT_COLUMNS, row, strict=True)), import_batch=batch
            )
            for row in rows
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    # Rows skipped as already stored keep their own batch, so these are exactly
    # the rows this import created.
    return Measurement.objects.filter(import_batch=batch).count()


# --- batches -------------------------------------------------------------------


def file_problem(upload, max_bytes):
    """Tell why an uploaded file cannot be imported (name, size), or None."""
    if not upload.name.lower().endswith(EXTENSIONS):
        return _("Pilih berkas .csv, .xlsx atau .xls.")
    if upload.size > max_bytes:
        return _("Berkas terlalu besar: paling besar %(mb)s MB.") % {
            "mb": max_bytes // (1024 * 1024)
        }
    return None


def batch_create(*, user, upload, save_valid_only=False) -> ImportBatch:
    """Store an uploaded file as a pending import batch of `user`."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return ImportBatch.objects.create(
        uploaded_by=user,
        file_name=upload.name[:255],
        file_sha256=digest.hexdigest(),
        file=upload,
        save_valid_only=save_valid_only,
    )
