"""Forms of the stunting pages; they validate, stunting.services writes."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kampungkb.choices import choice_field
from villages.forms import date_input

from .choices import child_desa, prevalence_regions
from .models import (
    Child,
    MeasuredPosition,
    MeasurementPlace,
    ReportedPrevalence,
    Sex,
)
from .nik import nik_is_valid, nik_normalise
from .selectors import PeriodKind
from .services import MEASUREMENT_LIMITS

FIRST_YEAR = 2015


class PeriodForm(forms.Form):
    """The period of the prevalence page: a year, a quarter or a month."""

    kind = forms.ChoiceField(
        label=_("Periode"),
        choices=[
            (PeriodKind.YEAR, _("Tahun")),
            (PeriodKind.QUARTER, _("Triwulan")),
            (PeriodKind.MONTH, _("Bulan")),
        ],
        initial=PeriodKind.YEAR,
    )
    year = forms.IntegerField(label=_("Tahun"), min_value=FIRST_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("Triwulan"),
        # T for triwulan; each spelled out so English can say Q1..Q4.
        choices=[
            (1, pgettext_lazy("quarter", "T1")),
            (2, pgettext_lazy("quarter", "T2")),
            (3, pgettext_lazy("quarter", "T3")),
            (4, pgettext_lazy("quarter", "T4")),
        ],
        coerce=int,
        required=False,
    )
    month = forms.TypedChoiceField(
        label=_("Bulan"),
        choices=[(m, f"{m:02d}") for m in range(1, 13)],
        coerce=int,
        required=False,
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == PeriodKind.QUARTER and not data.get("quarter"):
            self.add_error("quarter", _("Pilih triwulan."))
        if kind == PeriodKind.MONTH and not data.get("month"):
            self.add_error("month", _("Pilih bulan."))
        if data.get("year") and data["year"] > timezone.localdate().year:
            self.add_error("year", _("Tahun tidak boleh di masa depan."))
        return data

    def part(self):
        kind = self.cleaned_data["kind"]
        return {PeriodKind.QUARTER: "quarter", PeriodKind.MONTH: "month"}.get(kind)


class ChildForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Desa/kelurahan"))
    name = forms.CharField(label=_("Nama anak"), max_length=150)
    sex = forms.ChoiceField(
        label=_("Jenis kelamin"), choices=Sex.choices, widget=forms.RadioSelect
    )
    birth_date = forms.DateField(label=_("Tanggal lahir"), widget=date_input())
    nik = forms.CharField(
        label=_("NIK anak (boleh kosong)"),
        required=False,
        help_text=_("16 angka. Hanya sidik (hash) NIK yang disimpan."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24}
        ),
    )
    posyandu = forms.CharField(label=_("Posyandu"), max_length=150, required=False)
    parent_name = forms.CharField(
        label=_("Nama orang tua"), max_length=150, required=False
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = choice_field(
            child_desa, regions, label=_("Desa/kelurahan")
        )

    def clean_nik(self):
        nik = nik_normalise(self.cleaned_data["nik"]) or ""
        if nik and not nik_is_valid(nik):
            raise ValidationError(_("NIK harus 16 angka."))
        return nik

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > timezone.localdate():
            raise ValidationError(_("Tanggal lahir tidak boleh di masa depan."))
        return born


class ScoreForm(forms.Form):
    """The values that z-scores are computed from; shared by the form and the preview."""

    measured_on = forms.DateField(label=_("Tanggal ukur"), widget=date_input())
    weight_kg = forms.DecimalField(
        label=_("Berat badan (kg)"),
        max_digits=5,
        decimal_places=2,
        min_value=MEASUREMENT_LIMITS["weight_kg"][0],
        max_value=MEASUREMENT_LIMITS["weight_kg"][1],
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    height_cm = forms.DecimalField(
        label=_("Panjang/tinggi badan (cm)"),
        max_digits=5,
        decimal_places=1,
        min_value=MEASUREMENT_LIMITS["height_cm"][0],
        max_value=MEASUREMENT_LIMITS["height_cm"][1],
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    measured = forms.ChoiceField(
        label=_("Cara ukur"),
        choices=MeasuredPosition.choices,
        widget=forms.RadioSelect,
    )
    oedema = forms.BooleanField(
        label=_("Ada edema (bengkak) di kedua kaki"), required=False
    )

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child

    def clean_measured_on(self):
        day = self.cleaned_data["measured_on"]
        if day > timezone.localdate():
            raise ValidationError(_("Tanggal ukur tidak boleh di masa depan."))
        if day < self.child.birth_date:
            raise ValidationError(_("Tanggal ukur sebelum tanggal lahir."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("weight_kg") is None and data.get("height_cm") is None:
            if not self.has_error("weight_kg") and not self.has_error("height_cm"):
                self.add_error("weight_kg", _("Isi berat atau panjang/tinggi badan."))
        return data

    @property
    def age_days(self) -> int:
        return (self.cleaned_data["measured_on"] - self.child.birth_date).days


class MeasurementForm(ScoreForm):
    place = forms.ChoiceField(
        label=_("Tempat"), choices=MeasurementPlace.choices, widget=forms.RadioSelect
    )
    posyandu = forms.CharField(label=_("Posyandu"), max_length=150, required=False)

    field_order = [
        "measured_on",
        "weight_kg",
        "height_cm",
        "measured",
        "oedema",
        "place",
        "posyandu",
    ]

    @classmethod
    def initial_for(cls, child: Child, today: datetime.date) -> dict:
        """Today, the usual position for the child's age and the child's posyandu."""
        lying = (today - child.birth_date).days < 731
        return {
            "measured_on": today,
            "measured": MeasuredPosition.LYING if lying else MeasuredPosition.STANDING,
            "place": MeasurementPlace.POSYANDU,
            "posyandu": child.posyandu,
        }


class ReportedPrevalenceForm(forms.ModelForm):
    class Meta:
        model = ReportedPrevalence
        fields = [
            "region",
            "year",
            "source",
            "value_percent",
            "numerator",
            "denominator",
            "citation",
            "note",
        ]
        widgets = {
            "citation": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = choice_field(
            prevalence_regions, regions, label=_("Wilayah")
        )
