"""Forms of the evaluation pages; they validate, evaluations.services writes."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kampungkb.choices import choice_field
from kampungkb.models import User
from kampungkb.uploads import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES
from villages.forms import date_input

from .choices import (
    award_kampungs,
    eligible_kampungs,
    evaluation_regions,
    evaluators,
    participating_kampungs,
)
from .models import Award, Cycle, CycleStatus, RubricCriterion, RubricTemplate
from .rubric import scale_labels
from .services import (
    CYCLE_FIELDS_ANY_TIME,
    CYCLE_FIELDS_IN_DRAFT,
    CYCLE_FIELDS_UNTIL_CLOSED,
)

CYCLE_FIELDS = (
    "name",
    "year",
    "evaluated_on",
    "scoring_ends_on",
    "template",
    "min_age_years",
    "eligibility_counting",
    "threshold_berkembang",
    "threshold_mandiri",
    "threshold_berkelanjutan",
    "notes",
)


def _one_region_chosen(field, regions):
    """A user with one kab/kota finds it chosen (reads at most two rows)."""
    first_two = list(regions[:2])
    if len(first_two) == 1:
        field.initial = first_two[0]


class CycleForm(forms.ModelForm):
    """A cycle's details; fields its status has fixed are shown but not editable."""

    class Meta:
        model = Cycle
        fields = ("region", *CYCLE_FIELDS)
        widgets = {
            "evaluated_on": date_input(),
            "scoring_ends_on": date_input(),
            "eligibility_counting": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, regions, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].empty_label = _("Bawaan: indikator BKKBN")
        if self.instance.pk:
            del self.fields["region"]
            editable = set(CYCLE_FIELDS_ANY_TIME)
            if self.instance.status != CycleStatus.CLOSED:
                editable |= set(CYCLE_FIELDS_UNTIL_CLOSED)
            if self.instance.status == CycleStatus.DRAFT:
                editable |= set(CYCLE_FIELDS_IN_DRAFT)
            for name, field in self.fields.items():
                if name not in editable:
                    field.disabled = True
        else:
            self.fields["region"] = choice_field(
                evaluation_regions, regions, label=self.fields["region"].label
            )
            _one_region_chosen(self.fields["region"], regions)

    def cycle_fields(self):
        return {
            name: self.cleaned_data[name]
            for name in CYCLE_FIELDS
            if name in self.fields and not self.fields[name].disabled
        }


class ParticipantsForm(forms.Form):
    def __init__(self, *args, cycle, kampungs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kampungs"] = choice_field(
            eligible_kampungs,
            kampungs,
            context=cycle.pk,
            multiple=True,
            label=_("Kampung KB peserta"),
            required=False,
        )


class EvaluatorForm(forms.Form):
    def __init__(self, *args, cycle, accounts, kampungs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"] = choice_field(
            evaluators, accounts, label=_("Evaluator")
        )
        self.fields["kampungs"] = choice_field(
            participating_kampungs,
            kampungs,
            context=cycle.pk,
            multiple=True,
            label=_("Kampung KB yang dinilai"),
            help_text=_("Kosong: semua Kampung KB peserta."),
            required=False,
        )

    def assignment(self):
        return {
            "evaluator": self.cleaned_data["evaluator"],
            "kampungs": list(self.cleaned_data["kampungs"]) or None,
        }


class ScoreForm(forms.Form):
    """One evaluator's scores of every criterion of a Kampung KB."""

    def __init__(self, *args, criteria, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            current = scores.get(criterion.pk)
            # The value's meaning is its label; the template shows the number too.
            choices = scale_labels(criterion.scale_min, criterion.scale_max)
            if len(choices) <= 11:
                value_field = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,
                    empty_value=None,
                )
            else:
                value_field = forms.IntegerField(
                    min_value=criterion.scale_min,
                    max_value=criterion.scale_max,
                    required=False,
                )
            value_field.label = f"{criterion.code}. {criterion.name}"
            value_field.initial = current.value if current else None
            self.fields[f"nilai_{criterion.pk}"] = value_field
            self.fields[f"komentar_{criterion.pk}"] = forms.CharField(
                label=_("Komentar %(code)s") % {"code": criterion.code},
                required=False,
                initial=current.comment if current else "",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )

    def rows(self):
        """(criterion, value field, comment field) in the rubric's order."""
        return [
            (c, self[f"nilai_{c.pk}"], self[f"komentar_{c.pk}"]) for c in self.criteria
        ]

    def entries(self):
        return [
            (
                c,
                self.cleaned_data[f"nilai_{c.pk}"],
                self.cleaned_data[f"komentar_{c.pk}"],
            )
            for c in self.criteria
        ]


def _evidence_help():
    # Formatted when shown: `%` on a lazy text would fix the language at import.
    return gettext("PDF, JPEG atau PNG, paling besar %(mb)s MB.") % {
        "mb": EVIDENCE_MAX_BYTES // (1024 * 1024)
    }


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Bukti dukung"),
        help_text=lazy(_evidence_help, str)(),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join((*EVIDENCE_EXTENSIONS, "image/*"))}
        ),
    )
    criterion = forms.ModelChoiceField(
        label=_("Untuk kriteria"),
        queryset=None,
        required=False,
        empty_label=_("Umum (semua kriteria)"),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria
        self.fields["criterion"].label_from_instance = lambda c: f"{c.code}. {c.name}"


class AcceptForm(forms.Form):
    effective_on = forms.DateField(
        label=_("Berlaku sejak"), widget=date_input(), required=False
    )


class KrppaForm(forms.Form):
    linked = forms.TypedChoiceField(
        label=_("Terhubung dengan KRPPA"),
        choices=[("1", _("Ya")), ("0", _("Belum"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Catatan KRPPA"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class TemplateForm(forms.ModelForm):
    class Meta:
        model = RubricTemplate
        fields = (
            "name",
            "description",
            "weight_input",
            "weight_proses",
            "weight_output",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


CriterionFormSet = inlineformset_factory(
    RubricTemplate,
    RubricCriterion,
    fields=(
        "group",
        "code",
        "name",
        "guide",
        "weight",
        "scale_min",
        "scale_max",
        "order",
    ),
    widgets={"guide": forms.Textarea(attrs={"rows": 2})},
    extra=1,
    can_delete=True,
)


class TemplateCopyForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Salin dari"), queryset=None)
    name = forms.CharField(label=_("Nama templat baru"), max_length=150)

    def __init__(self, *args, templates, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = templates
        self.fields["region"] = choice_field(
            evaluation_regions, regions, label=_("Kabupaten/kota")
        )
        _one_region_chosen(self.fields["region"], regions)
        self.order_fields(["source", "region", "name"])


class AwardForm(forms.ModelForm):
    class Meta:
        model = Award
        fields = (
            "kampung",
            "level",
            "title",
            "rank",
            "year",
            "awarded_by",
            "cycle",
            "source",
        )
        widgets = {"source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, kampungs, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kampung"] = choice_field(
            award_kampungs, kampungs, label=self.fields["kampung"].label
        )
        self.fields["cycle"].queryset = cycles


def user_label(user: User) -> str:
    return user.get_full_name() or user.get_username()
