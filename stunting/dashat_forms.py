"""Forms of the Dashat and case-audit pages; they validate, stunting.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kampungkb.choices import choice_field
from villages.forms import date_input

from .choices import dashat_kampungs
from .models import (
    AuditCause,
    AuditIntervention,
    AuditStatus,
    BeneficiaryCategory,
    Dashat,
    DashatBeneficiary,
)

DASHAT_FIELDS = ["name", "formed_on", "status", "place", "funding_source"]


class DashatForm(forms.ModelForm):
    """A Dashat's profile; the Kampung KB is chosen only when it is created."""

    class Meta:
        model = Dashat
        fields = ["kampung", *DASHAT_FIELDS]
        widgets = {"formed_on": date_input(), "status": forms.RadioSelect}

    def __init__(self, *args, kampungs, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["kampung"]
        else:
            self.fields["kampung"] = choice_field(
                dashat_kampungs, kampungs, label=self.fields["kampung"].label
            )

    def dashat_fields(self):
        names = DASHAT_FIELDS if self.instance.pk else ["kampung", *DASHAT_FIELDS]
        return {name: self.cleaned_data[name] for name in names}


class BeneficiaryForm(forms.Form):
    """Enrol a beneficiary: a named adult, or a child from the desa's register."""

    category = forms.ChoiceField(
        label=_("Kategori"), choices=BeneficiaryCategory.choices
    )
    name = forms.CharField(
        label=_("Nama"),
        max_length=150,
        required=False,
        help_text=_("Untuk calon pengantin, ibu hamil dan ibu menyusui."),
    )
    child = forms.ModelChoiceField(
        label=_("Anak"),
        queryset=None,
        required=False,
        help_text=_("Untuk baduta dan balita: anak yang tercatat di desa ini."),
    )
    start_on = forms.DateField(label=_("Mulai"), widget=date_input())

    def __init__(self, *args, children, child_label, **kwargs):
        super().__init__(*args, prefix="penerima", **kwargs)
        self.fields["child"].queryset = children
        self.fields["child"].label_from_instance = child_label


class SessionForm(forms.Form):
    """A day's cooking: menu, portions and which beneficiaries came."""

    date = forms.DateField(label=_("Tanggal"), widget=date_input())
    menu = forms.CharField(label=_("Menu"), widget=forms.Textarea(attrs={"rows": 2}))
    portions = forms.IntegerField(
        label=_("Jumlah porsi"), min_value=0, max_value=100_000
    )
    beneficiaries_present = forms.ModelMultipleChoiceField(
        label=_("Penerima yang hadir"),
        queryset=DashatBeneficiary.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, beneficiaries, beneficiary_label, **kwargs):
        super().__init__(*args, prefix="sesi", **kwargs)
        field = self.fields["beneficiaries_present"]
        field.queryset = beneficiaries
        field.label_from_instance = beneficiary_label


class AuditForm(forms.Form):
    """Causes and interventions as checkboxes, status and follow-up dates."""

    audited_on = forms.DateField(label=_("Tanggal audit"), widget=date_input())
    causes = forms.MultipleChoiceField(
        label=_("Penyebab"),
        choices=AuditCause.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    interventions = forms.MultipleChoiceField(
        label=_("Intervensi"),
        choices=AuditIntervention.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=AuditStatus.choices,
        initial=AuditStatus.OPEN,
        widget=forms.RadioSelect,
    )
    next_follow_up_on = forms.DateField(
        label=_("Tindak lanjut berikutnya"), required=False, widget=date_input()
    )
    closed_on = forms.DateField(
        label=_("Tanggal selesai"),
        required=False,
        widget=date_input(),
        help_text=_("Wajib diisi bila status Selesai."),
    )
    notes = forms.CharField(
        label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, audit=None, **kwargs):
        if audit is not None:
            kwargs["initial"] = {
                name: getattr(audit, name) for name in self.base_fields
            }
        super().__init__(*args, **kwargs)
