"""The Kampung KB register from a spreadsheet: its template and its import.

An import checks every row first (region, dates, classification, PLKB, scope) and
then writes each row through the same services as the pages, so every rule and
its message, and the history, are the pages' own. All or nothing by default; with
`save_valid_only` the valid rows are saved and the others listed.

A row whose Kampung KB already exists is compared with it: the same values are
"unchanged" (so the same file twice changes nothing); different values update it
through `kampung_update`/`kampung_classify` ("updated", kept in the history).
A blank optional cell keeps what is stored.
"""

import datetime
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from kampungkb.access import can, code_within, managed_users, user_scope
from kampungkb.exporting import safe_row
from kampungkb.models import Role
from kampungkb.tabular import ImportFileError, data_rows, problem, read_records

from . import services
from .models import (
    ClassificationBasis,
    ClassificationLevel,
    KampungKB,
    Region,
    RegionLevel,
    RumahDataKu,
)

# Column key, header in the template, what to write in it.
COLUMNS = (
    (
        "code",
        gettext_lazy("Kode wilayah"),
        gettext_lazy(
            "Kode Kemendagri desa/kelurahan, misalnya 33.26.01.2001. Kosongkan bila mengisi nama desa/kelurahan dan kecamatan."
        ),
    ),
    (
        "desa",
        gettext_lazy("Desa/Kelurahan"),
        gettext_lazy("Nama desa/kelurahan, bila kode wilayah kosong."),
    ),
    (
        "kecamatan",
        gettext_lazy("Kecamatan"),
        gettext_lazy("Nama kecamatan, bila kode wilayah kosong."),
    ),
    (
        "name",
        gettext_lazy("Nama Kampung KB"),
        gettext_lazy('Kosong: "Kampung KB" dan nama desa/kelurahan.'),
    ),
    (
        "formed_on",
        gettext_lazy("Tanggal pencanangan"),
        gettext_lazy("Wajib. Tanggal, misalnya 2024-07-30 atau 30/07/2024."),
    ),
    ("sk_number", gettext_lazy("Nomor SK"), gettext_lazy("Boleh kosong.")),
    ("sk_date", gettext_lazy("Tanggal SK"), gettext_lazy("Boleh kosong.")),
    (
        "level",
        gettext_lazy("Klasifikasi"),
        gettext_lazy(
            "dasar, berkembang, mandiri, berkelanjutan atau paripurna (sama dengan berkelanjutan)."
        ),
    ),
    (
        "level_on",
        gettext_lazy("Tanggal klasifikasi"),
        gettext_lazy("Kosong: tanggal pencanangan."),
    ),
    (
        "plkb",
        gettext_lazy("PLKB (nama pengguna)"),
        gettext_lazy(
            "Nama pengguna akun PLKB/PKB; ia ditugaskan di desa/kelurahan ini. Boleh kosong."
        ),
    ),
    (
        "web_kampung_kb_filled",
        gettext_lazy("Web Kampung KB terisi"),
        gettext_lazy("ya atau tidak."),
    ),
    (
        "siga_k0_year",
        gettext_lazy("Tahun K/0 SIGA terisi"),
        gettext_lazy("Tahun, misalnya 2024. Boleh kosong."),
    ),
    (
        "rumah_dataku",
        gettext_lazy("Rumah DataKu"),
        gettext_lazy("belum ada, sederhana, lengkap atau paripurna."),
    ),
    (
        "krppa_integrated",
        gettext_lazy("Terintegrasi KRPPA"),
        gettext_lazy("ya atau tidak."),
    ),
)
EXAMPLE = ("33.26.01.2001", "", "", "Kampung KB Contoh", "2024-07-30", "400/123/2024", "2024-07-01", "dasar", "2024-07-30", "plkb.contoh", "ya", "2024", "sederhana", "tidak")  # fmt: skip

# Which column shows a service's error about a model field.
FIELD_COLUMN = {
    "region": "code",
    "name": "name",
    "formed_on": "formed_on",
    "sk_number": "sk_number",
    "sk_date": "sk_date",
    "level": "level",
    "effective_on": "level_on",
    "siga_k0_year": "siga_k0_year",
}
YES = {"ya", "y", "yes", "1", "true", "sudah", "ada"}
NO = {"tidak", "t", "no", "n", "0", "false", "belum", "belum ada", "-"}
# Each row goes through the services inside the request: a register is a
# district's (285 in Kabupaten Pekalongan) or a province's, not the country's.
MAX_ROWS = 10_000
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _norm(text):
    return " ".join(str(text).split()).lower()


def template_xlsx() -> bytes:
    """The register template: the columns to fill, then a sheet explaining each."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Kampung KB")
    sheet.append(safe_row(str(header) for _key, header, _help in COLUMNS))
    guide = book.create_sheet(_("Petunjuk"))
    guide.append(safe_row([_("Kolom"), _("Isi")]))
    for _key, header, help_text in COLUMNS:
        guide.append(safe_row([str(header), str(help_text)]))
    guide.append([])
    guide.append(
        safe_row(
            [_("Contoh baris (contoh saja, jangan disalin ke lembar Kampung KB):")]
        )
    )
    guide.append(safe_row(str(header) for _key, header, _help in COLUMNS))
    guide.append(safe_row(EXAMPLE))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class RegisterReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    rows: int = 0  # data rows read
    saved: bool = False  # whether anything was written
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)

    def as_dict(self):
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "rows": self.rows,
            "saved": self.saved,
            "problems": self.problems,
            "ignored_columns": self.ignored_columns,
        }


class _RowError(Exception):
    def __init__(self, column, message):
        super().__init__(message)
        self.column, self.message = column, message


class _Rollback(Exception):
    pass


def register_import(
    *, user, data: bytes, file_name: str, save_valid_only=False
) -> RegisterReport:
    """Check and save a register file; the report says what happened to each row."""
    report = RegisterReport()
    try:
        records = read_records(data, file_name)
        header = next(records, [])
        columns, report.ignored_columns = _columns(header)
        rows, numbers = data_rows(records, len(header))
    except ImportFileError as exc:
        report.problems = exc.errors
        return report
    headers = {key: str(title) for key, title, _help in COLUMNS}
    missing = [] if "formed_on" in columns else [headers["formed_on"]]
    if "code" not in columns and not {"desa", "kecamatan"} <= set(columns):
        missing.append(headers["code"])
    if missing:
        report.problems = [
            problem(1, name, _("Kolom ini tidak ada di baris judul."))
            for name in missing
        ]
        return report

    report.rows = len(rows)
    if len(rows) > MAX_ROWS:
        report.problems = [
            problem(
                numbers[MAX_ROWS],
                "",
                _(
                    "Berkas berisi lebih dari %(n)s baris data; bagi menjadi "
                    "beberapa berkas."
                )
                % {"n": MAX_ROWS},
            )
        ]
        return report
    cells = [{key: row[i].strip() for key, i in columns.items()} for row in rows]
    checker = _Checker(user, cells)
    try:
        with transaction.atomic(), _history_by(user):
            for number, row in zip(numbers, cells, strict=True):
                try:
                    with transaction.atomic():
                        outcome = _save(user, checker.check(row))
                except _RowError as exc:
                    report.problems.append(
                        problem(number, headers[exc.column], exc.message)
                    )
                    report.refused += 1
                    continue
                except ValidationError as exc:
                    for column, message in _service_problems(exc):
                        report.problems.append(
                            problem(number, headers[column], message)
                        )
                    report.refused += 1
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
            if report.problems and not save_valid_only:
                raise _Rollback
    except _Rollback:
        # Nothing was saved: only the refused rows keep their count.
        report.created = report.updated = report.unchanged = 0
        return report
    report.saved = bool(report.created or report.updated)
    return report


def _columns(header):
    """Where each known column is, and the headers that are not ours."""
    wanted = {_norm(title): key for key, title, _help in COLUMNS}
    # Also the template's Indonesian headers, whatever the uploader's language.
    with translation.override("id"):
        wanted.update({_norm(title): key for key, title, _help in COLUMNS})
    columns, ignored = {}, []
    for i, title in enumerate(header):
        key = wanted.get(_norm(title))
        if key and key not in columns:
            columns[key] = i
        elif title.strip():
            ignored.append(title.strip())
    return columns, ignored


@contextmanager
def _history_by(user):
    """Record the uploader as the history's user, also outside a request (the command)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


def _service_problems(exc):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                yield FIELD_COLUMN.get(name, "code"), " ".join(error.messages)
    else:
        yield "code", " ".join(exc.messages)


class _Checker:
    """Turns a row's cells into values, looking regions and accounts up in bulk."""

    def __init__(self, user, rows):
        self.user = user
        self.write = user_scope(user).write
        codes = {r.get("code") for r in rows} - {"", None}
        self.by_code = Region.objects.in_bulk(
            [c for c in codes if re.fullmatch(r"[\d.]{2,13}", c)]
        )
        names = {_norm(r.get("desa", "")) for r in rows if not r.get("code")} - {""}
        self.by_name = {}
        for part in _chunks(names):
            for region in (
                Region.objects.filter(level=RegionLevel.DESA)
                .annotate(lname=Lower("name"))
                .filter(lname__in=part)
                .select_related("kecamatan")
            ):
                self.by_name.setdefault(_norm(region.name), []).append(region)
        usernames = {r.get("plkb") for r in rows} - {"", None}
        accounts = managed_users(user).filter(is_active=True)
        self.officers = {
            u.username: u
            for part in _chunks(usernames)
            for u in accounts.filter(username__in=part).select_related("field_officer")
        }
        regions = [*self.by_code, *(r.code for v in self.by_name.values() for r in v)]
        self.kampungs = {
            k.region_id: k
            for part in _chunks(regions)
            for k in KampungKB.objects.filter(region__in=part)
        }

    def check(self, row):
        values = {"region": self._region(row)}
        values["kampung"] = self.kampungs.get(values["region"].code)
        values["name"] = row.get("name", "")
        values["formed_on"] = _date(row, "formed_on")
        if values["formed_on"] is None:
            raise _RowError("formed_on", _("Tanggal pencanangan wajib diisi."))
        values["sk_number"] = row.get("sk_number", "")
        values["sk_date"] = _date(row, "sk_date")
        values["level"] = None
        if row.get("level"):
            try:
                values["level"] = ClassificationLevel.parse(row["level"])
            except ValueError as exc:
                raise _RowError("level", str(exc)) from None
        values["level_on"] = _date(row, "level_on") or values["formed_on"]
        values["officer"] = self._officer(row)
        values["readiness"] = _readiness(row)
        return values

    def _region(self, row):
        code = row.get("code", "")
        if code:
            region = self.by_code.get(code)
            if region is None or region.level != RegionLevel.DESA:
                raise _RowError(
                    "code",
                    _("Kode %(code)s bukan kode desa/kelurahan yang dikenal.")
                    % {"code": code},
                )
            candidates = [region]
        else:
            desa, kecamatan = row.get("desa", ""), _norm(row.get("kecamatan", ""))
            if not desa or not kecamatan:
                raise _RowError(
                    "code",
                    _("Isi kode wilayah, atau nama desa/kelurahan dan kecamatan."),
                )
            candidates = [
                r
                for r in self.by_name.get(_norm(desa), [])
                if _norm(r.kecamatan.name) == kecamatan
            ]
            if not candidates:
                raise _RowError(
                    "desa",
                    _("Desa/kelurahan %(desa)s di Kecamatan %(kec)s tidak ditemukan.")
                    % {"desa": desa, "kec": row["kecamatan"]},
                )
        mine = [r for r in candidates if code_within(r.code, self.write)]
        if not mine:
            raise _RowError(
                "code" if code else "desa",
                _("%(region)s di luar wilayah kerja Anda.")
                % {"region": f"{candidates[0].name} ({candidates[0].code})"},
            )
        if len(mine) > 1:
            raise _RowError(
                "desa",
                _(
                    "Lebih dari satu desa/kelurahan bernama ini: %(codes)s; isi kode wilayah."
                )
                % {"codes": ", ".join(r.code for r in mine)},
            )
        return mine[0]

    def _officer(self, row):
        username = row.get("plkb", "")
        if not username:
            return None
        account = self.officers.get(username)
        officer = getattr(account, "field_officer", None) if account else None
        if account is None or account.role != Role.PLKB or officer is None:
            raise _RowError(
                "plkb",
                _("%(username)s bukan akun PLKB/PKB di wilayah kerja Anda.")
                % {"username": username},
            )
        return officer


def _chunks(values, size=500):
    """Slices of a long list, each within SQLite's limit on query parameters."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _date(row, key):
    text = row.get(key, "")
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _RowError(
        key,
        _("'%(text)s' bukan tanggal; tulis misalnya 2024-07-30 atau 30/07/2024.")
        % {"text": text},
    )


def _yes_no(row, key):
    text = _norm(row.get(key, ""))
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise _RowError(key, _("Tulis ya atau tidak."))


def _readiness(row):
    """The readiness values the row gives; a blank cell is not given."""
    given = {
        "web_kampung_kb_filled": _yes_no(row, "web_kampung_kb_filled"),
        "krppa_integrated": _yes_no(row, "krppa_integrated"),
    }
    year = row.get("siga_k0_year", "")
    if year:
        if not year.isdigit():
            raise _RowError("siga_k0_year", _("Tulis tahun, misalnya 2024."))
        given["siga_k0_year"] = int(year)
    text = _norm(row.get("rumah_dataku", ""))
    if text:
        by_word = {_norm(label): value for value, label in RumahDataKu.choices}
        by_word.update({value: value for value in RumahDataKu.values})
        if text not in by_word:
            raise _RowError(
                "rumah_dataku",
                _("Tulis belum ada, sederhana, lengkap atau paripurna."),
            )
        given["rumah_dataku"] = by_word[text]
    return {k: v for k, v in given.items() if v is not None}


def _save(user, values):
    """Create or update one Kampung KB; gives which count the row goes to."""
    region, kampung = values["region"], values["kampung"]
    if not can(user, "kampung.add", region):
        raise _RowError("code", _("Anda tidak boleh menambah Kampung KB di sini."))
    outcome = "unchanged"
    if kampung is None:
        kampung = services.kampung_create(
            region=region,
            formed_on=values["formed_on"],
            name=values["name"],
            sk_number=values["sk_number"],
            sk_date=values["sk_date"],
        )
        outcome = "created"
    fields = {
        "formed_on": values["formed_on"],
        **{k: values[k] for k in ("name", "sk_number", "sk_date") if values[k]},
        **values["readiness"],
    }
    stored = KampungKB.objects.get(pk=kampung.pk)
    if any(getattr(stored, k) != v for k, v in fields.items()):
        services.kampung_update(
            kampung=stored,
            expected_version=stored.version,
            changed_by=user,
            **fields,
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    level, level_on = values["level"], values["level_on"]
    # An entry already in the history (current or not) is not added again.
    if (
        level
        and not kampung.classifications.filter(
            level=level, effective_on=level_on
        ).exists()
    ):
        services.kampung_classify(
            kampung=stored,
            level=level,
            effective_on=level_on,
            basis=ClassificationBasis.SK
            if values["sk_number"]
            else ClassificationBasis.LAUNCH,
            decision_ref=values["sk_number"],
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    officer = values["officer"]
    if officer and not officer.assignments.filter(region=region).exists():
        services.officer_assign(officer=officer, region=region)
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome
