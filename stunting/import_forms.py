"""The measurement-file upload form."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .importer import file_problem


class MeasurementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas pengukuran (.csv, .xlsx atau .xls)"),
        help_text=_(
            "Kolom seperti ekspor e-PPGBM: NIK, nama, jenis kelamin, tanggal lahir, "
            "tanggal ukur, berat, tinggi, cara ukur, kode desa (atau desa/kelurahan "
            "dan kecamatan), posyandu. Berkas ekspor e-PPGBM dapat diunggah apa "
            "adanya."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls,.html,.htm"}),
    )
    save_valid_only = forms.BooleanField(
        label=_("Simpan baris yang benar saja"),
        help_text=_(
            "Tanpa centang, tidak ada yang disimpan bila ada satu baris yang salah."
        ),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = file_problem(upload, settings.MEASUREMENT_UPLOAD_MAX_BYTES)
        if problem:
            raise forms.ValidationError(problem)
        return upload
