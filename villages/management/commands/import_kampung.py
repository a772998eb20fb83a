"""Import the Kampung KB register (XLSX or CSV) from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kampungkb.access import can
from kampungkb.models import User
from villages.register import register_import


class Command(BaseCommand):
    help = "Impor register Kampung KB (XLSX atau CSV, seperti templatnya)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="Pengunggah: wilayah kerjanya membatasi impor, dan ia tercatat di riwayat",
        )
        parser.add_argument(
            "--save-valid-only",
            action="store_true",
            help="Simpan baris yang benar walau ada baris yang salah",
        )

    def handle(self, *args, file, user, save_valid_only, **options):
        if not file.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {file}")
        uploader = User.objects.filter(username=user, is_active=True).first()
        if uploader is None:
            raise CommandError(f"Pengguna tidak ditemukan: {user}")
        if not can(uploader, "kampung.add"):
            raise CommandError(f"{user} tidak boleh menambah Kampung KB.")
        report = register_import(
            user=uploader,
            data=file.read_bytes(),
            file_name=file.name,
            save_valid_only=save_valid_only,
        )
        for problem in report.problems:
            row = problem["row"] if problem["row"] is not None else "-"
            self.stdout.write(
                f"baris {row}, kolom {problem['column']}: {problem['message']}"
            )
        self.stdout.write(
            f"{report.rows} baris: {report.created} baru, {report.updated} diperbarui, "
            f"{report.unchanged} tidak berubah, {report.refused} ditolak"
        )
        if report.problems and not save_valid_only:
            raise CommandError("Impor ditolak: tidak ada yang disimpan.", returncode=2)
