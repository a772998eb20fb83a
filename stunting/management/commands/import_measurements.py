"""Import a measurement file (CSV or XLSX) from the command line."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from kampungkb.access import can
from kampungkb.models import User
from stunting.importer import EXTENSIONS
from stunting.models import ImportBatch, ImportStatus
from stunting.services import measurement_import


class Command(BaseCommand):
    help = "Impor berkas pengukuran e-PPGBM (CSV atau XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            help="Pengunggah (wilayah kerjanya membatasi impor); bawaan: admin pertama",
        )
        parser.add_argument(
            "--save-valid-only",
            action="store_true",
            help="Simpan baris yang benar walau ada baris yang salah",
        )

    def handle(self, *args, file, user, save_valid_only, **options):
        if not file.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {file}")
        if file.suffix.lower() not in EXTENSIONS:
            raise CommandError("Pilih berkas .csv, .xlsx atau .xls.")
        uploader = self._uploader(user)
        with file.open("rb") as source:
            batch = ImportBatch.objects.create(
                uploaded_by=uploader,
                file_name=file.name,
                file_sha256=_sha256(file),
                file=File(source, name=file.name),
                save_valid_only=save_valid_only,
            )
        batch = measurement_import(batch=batch)
        for problem in batch.errors:
            row = problem["row"] if problem["row"] is not None else "-"
            self.stdout.write(
                f"baris {row}, kolom {problem['column']}: {problem['message']}"
            )
        self.stdout.write(
            f"{batch.get_status_display()}: {batch.total_rows} baris, "
            f"{batch.created_children} anak baru, "
            f"{batch.created_measurements} pengukuran baru, "
            f"{batch.skipped_rows} sudah ada, {batch.flagged_rows} z-score janggal"
        )
        if batch.status != ImportStatus.DONE:
            raise CommandError("Impor ditolak: tidak ada yang disimpan.", returncode=2)

    def _uploader(self, username):
        if username:
            uploader = User.objects.filter(username=username, is_active=True).first()
            if uploader is None:
                raise CommandError(f"Pengguna tidak ditemukan: {username}")
        else:
            uploader = User.objects.filter(is_superuser=True, is_active=True).first()
            if uploader is None:
                raise CommandError("Tidak ada admin; beri --user.")
        if not can(uploader, "measurement.import"):
            raise CommandError(f"{uploader.username} tidak boleh mengimpor pengukuran.")
        return uploader


def _sha256(path):
    import hashlib

    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()
