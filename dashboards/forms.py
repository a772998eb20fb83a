"""Forms of the early-warning pages: the list's filters, an action, a rule."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import AlertActionKind, AlertKind, AlertStatus, Span


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua"))] + AlertStatus.choices,
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua"))] + AlertKind.choices
    )
    wilayah = forms.CharField(
        label=_("Kode wilayah"),
        required=False,
        max_length=13,
        help_text=_("Misalnya 33.75 atau 33.75.04.1004."),
    )


class AlertActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Tindakan"), choices=AlertActionKind.choices, widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib saat menutup: apa yang sudah dilakukan."),
    )

    def clean_note(self):
        # NUL bytes cannot be stored (PostgreSQL); a note is plain text.
        return self.cleaned_data["note"].replace("\x00", "").strip()


class AlertRuleForm(forms.Form):
    """The thresholds of one kind; only those the kind reads are shown."""

    active = forms.BooleanField(
        label=_("Aktif"),
        required=False,
        help_text=_(
            "Matikan untuk tidak memunculkan peringatan jenis ini di wilayah ini."
        ),
    )
    points = forms.DecimalField(
        label=_("Kenaikan lebih dari (poin persen)"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        error_messages={
            "min_value": _("Kenaikan paling kecil 0,1 poin persen."),
            "max_value": _("Kenaikan paling besar 100 poin persen."),
        },
    )
    min_children = forms.IntegerField(
        label=_("Minimal anak diukur di kedua periode"),
        max_value=100_000,
        error_messages={"max_value": _("Minimal anak paling banyak 100.000.")},
    )
    span = forms.ChoiceField(
        label=_("Bandingkan"),
        choices=[
            (Span.QUARTER, _("triwulan berturut-turut")),
            (Span.YEAR, _("tahun berturut-turut")),
        ],
    )
    haz_drop = forms.DecimalField(
        label=_("Penurunan TB/U lebih dari (SD)"),
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.1"),
        max_value=Decimal("5"),
        error_messages={
            "min_value": _("Penurunan paling kecil 0,10 SD."),
            "max_value": _("Penurunan paling besar 5,00 SD."),
        },
    )
    days = forms.IntegerField(
        label=_("Lebih dari (hari)"),
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": _("Isi paling sedikit 1 hari."),
            "max_value": _("Isi paling banyak 365 hari."),
        },
    )

    def __init__(self, *args, thresholds, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name != "active" and name not in thresholds:
                del self.fields[name]

    def clean_min_children(self):
        value = self.cleaned_data["min_children"]
        least = settings.DASHBOARD_MIN_DENOMINATOR["prevalence"]
        if value < least:
            raise forms.ValidationError(
                _(
                    "Minimal anak tidak boleh kurang dari %(least)s: angka stunting "
                    "dari anak yang lebih sedikit tidak ditampilkan."
                ),
                params={"least": least},
            )
        return value
