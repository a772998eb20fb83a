"""Forms of the data-entry pages; they validate, the services in services.py write."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kampungkb.choices import choice_field
from kampungkb.uploads import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES

from .choices import (
    assignment_desa,
    kampung_create_desa,
    launch_kampungs,
    launch_organizers,
    target_regions,
)
from .models import (
    SHARED_POKJA_ROLES,
    ClassificationLevel,
    ClassificationProposal,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    Program,
    ProgramIntegration,
)
from .services import (
    KAMPUNG_OFFICIAL_FIELDS,
    KAMPUNG_PROFILE_FIELDS,
    KAMPUNG_READINESS_FIELDS,
)


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def date_input():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def add_service_errors(form, error: ValidationError):
    """Show a service's ValidationError next to the fields it names, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class KampungForm(forms.ModelForm):
    """Profile of a Kampung KB, with the version the page was built from.

    The formation date and SK are shown but locked (disabled: a posted value is
    ignored) for those who may not change them; the service refuses them too.
    """

    version = forms.IntegerField(label=_("Versi halaman"), widget=forms.HiddenInput)

    class Meta:
        model = KampungKB
        fields = KAMPUNG_PROFILE_FIELDS
        widgets = {
            "formed_on": date_input(),
            "sk_date": date_input(),
            "secretariat_address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, official=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        if not official:
            for name in KAMPUNG_OFFICIAL_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Hanya staf dinas yang dapat mengubahnya."
                )

    def profile_fields(self):
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields
            if not self.fields[name].disabled
        }


class ReadinessForm(KampungForm):
    """Readiness of a Kampung KB (Web Kampung KB, K/0, Rumah DataKu, KRPPA)."""

    class Meta:
        model = KampungKB
        fields = KAMPUNG_READINESS_FIELDS
        widgets = {"rumah_dataku": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        kwargs.pop("official", None)
        super().__init__(*args, official=True, **kwargs)


class VersionForm(forms.Form):
    """The Kampung KB version a Pokja or program page was built from."""

    version = forms.IntegerField(label=_("Versi halaman"), widget=forms.HiddenInput)


class PokjaMemberForm(forms.ModelForm):
    class Meta:
        model = PokjaMember
        fields = ("role", "seksi", "name", "position")


class BasePokjaFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Django checks a conditional unique constraint against the database only,
        # so two new rows for the same post would pass and then fail on save.
        taken = set()
        for form in self.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            role = form.cleaned_data.get("role")
            if not role or role in SHARED_POKJA_ROLES:
                continue
            post = (role, form.cleaned_data["seksi"])
            if post in taken:
                form.add_error(
                    "role", _("Jabatan ini sudah terisi di Pokja Kampung KB ini.")
                )
            taken.add(post)


PokjaFormSet = inlineformset_factory(
    KampungKB,
    PokjaMember,
    form=PokjaMemberForm,
    formset=BasePokjaFormSet,
    extra=2,
    can_delete=True,
)


class ProgramForm(forms.ModelForm):
    """One row of the program checklist: ticked when the program is integrated."""

    present = forms.BooleanField(label=_("Sudah terintegrasi"), required=False)

    class Meta:
        model = ProgramIntegration
        fields = ("since", "agency", "notes")
        widgets = {"since": date_input(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].initial = self.instance.pk is not None

    @property
    def program_label(self):
        return self.instance.get_program_display()


class ProgramChecklist:
    """The eleven programs of a Kampung KB as one form; save() writes the differences.

    It quacks like a model formset so services.kampung_children_save can save it
    inside the same transaction that claims the Kampung KB's version.
    """

    def __init__(self, data=None, *, kampung):
        existing = {p.program: p for p in kampung.programs.all()}
        self.forms = [
            ProgramForm(
                data,
                prefix=choice.value,
                instance=existing.get(choice.value)
                or ProgramIntegration(kampung=kampung, program=choice.value),
            )
            for choice in Program
        ]

    def __iter__(self):
        return iter(self.forms)

    def is_valid(self):
        return all([form.is_valid() for form in self.forms])

    def total_error_count(self):
        return sum(len(form.errors) for form in self.forms)

    def save(self):
        saved = []
        for form in self.forms:
            if form.cleaned_data["present"]:
                if form.has_changed():
                    saved.append(form.save())
            elif form.instance.pk:
                form.instance.delete()
        return saved


def _evidence_help():
    # Formatted when shown: `%` on a lazy text would fix the language at import.
    return gettext(
        "SK, foto kegiatan atau laporan: PDF, JPEG atau PNG, paling besar %(mb)s MB."
    ) % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}


class ProposalForm(forms.Form):
    level = forms.ChoiceField(
        label=_label(ClassificationProposal, "level"),
        choices=ClassificationLevel.choices,
    )
    effective_on = forms.DateField(
        label=_label(ClassificationProposal, "effective_on"), widget=date_input()
    )
    reason = forms.CharField(
        label=_label(ClassificationProposal, "reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tuliskan capaian yang mendukung usulan ini."),
    )
    evidence = forms.FileField(
        label=_("Bukti dukung (tidak wajib)"),
        required=False,
        help_text=lazy(_evidence_help, str)(),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join((*EVIDENCE_EXTENSIONS, "image/*"))}
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[("approve", _("Setujui")), ("reject", _("Tolak"))],
        widget=forms.HiddenInput,
    )
    decision_note = forms.CharField(
        label=_label(ClassificationProposal, "decision_note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib diisi bila usulan ditolak."),
    )


class LaunchForm(forms.ModelForm):
    """A launch ceremony; only regions and Kampung KB the user may change are offered."""

    source_url = forms.URLField(
        label=_label(LaunchEvent, "source_url"), required=False, assume_scheme="https"
    )

    class Meta:
        model = LaunchEvent
        fields = (
            "date",
            "place",
            "organizer",
            "kampungs",
            "officials",
            "notes",
            "source",
            # source_url is declared above instead: the model's default form field
            # would warn about the http/https default changing in Django 6.
        )
        widgets = {
            "date": date_input(),
            "officials": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "source": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organizers, kampungs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"] = choice_field(
            launch_organizers, organizers, label=self.fields["organizer"].label
        )
        self.fields["kampungs"] = choice_field(
            launch_kampungs,
            kampungs.order_by("region"),
            multiple=True,
            label=self.fields["kampungs"].label,
            required=False,
        )
        # Kampung KB launched here that this user may not change stay launched.
        self.kept_kampungs = (
            list(self.instance.kampungs.exclude(pk__in=kampungs.values("pk")))
            if self.instance.pk
            else []
        )

    def launch_fields(self):
        data = dict(self.cleaned_data)
        data["kampungs"] = [*data["kampungs"], *self.kept_kampungs]
        return data


class TargetForm(forms.Form):
    """A yearly target; a plain form since setting a year again replaces it."""

    year = forms.IntegerField(
        label=_label(FormationTarget, "year"), min_value=2014, max_value=2100
    )
    new_count = forms.IntegerField(
        label=_label(FormationTarget, "new_count"), min_value=0
    )
    source = forms.CharField(
        label=_label(FormationTarget, "source"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = choice_field(
            target_regions, regions, label=_label(FormationTarget, "region")
        )
        self.order_fields(["region"])


class AssignForm(forms.Form):
    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = choice_field(
            assignment_desa, regions, label=_label(OfficerAssignment, "region")
        )
        self.fields["assigned_on"] = forms.DateField(
            label=_label(OfficerAssignment, "assigned_on"),
            required=False,
            widget=date_input(),
        )


class RegisterUploadForm(forms.Form):
    """A Kampung KB register file, checked and saved by villages.register."""

    file = forms.FileField(
        label=_("Berkas register Kampung KB (.xlsx atau .csv)"),
        help_text=_("Isi templat: satu baris per Kampung KB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.xls"}),
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
        limit = settings.MEASUREMENT_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("Berkas terlalu besar: paling besar %(mb)s MB.")
                % {"mb": limit // (1024 * 1024)}
            )
        return upload


class KampungCreateForm(forms.Form):
    """One new Kampung KB with its first classification."""

    name = forms.CharField(
        label=_label(KampungKB, "name"),
        max_length=150,
        required=False,
        help_text=_('Kosong: "Kampung KB" dan nama desa/kelurahan.'),
    )
    formed_on = forms.DateField(
        label=_label(KampungKB, "formed_on"), widget=date_input()
    )
    sk_number = forms.CharField(
        label=_label(KampungKB, "sk_number"), max_length=100, required=False
    )
    sk_date = forms.DateField(
        label=_label(KampungKB, "sk_date"), required=False, widget=date_input()
    )
    level = forms.ChoiceField(
        label=_("Klasifikasi awal"), choices=ClassificationLevel.choices
    )
    effective_on = forms.DateField(
        label=_("Tanggal klasifikasi"),
        required=False,
        widget=date_input(),
        help_text=_("Kosong: tanggal pencanangan."),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = choice_field(
            kampung_create_desa, regions, label=_label(KampungKB, "region")
        )
        self.order_fields(["region"])


class BoundaryUploadForm(forms.Form):
    """A boundary file of kecamatan or desa/kelurahan, read by villages.boundaries."""

    file = forms.FileField(
        label=_("Berkas batas wilayah (GeoJSON, Shapefile .zip, KML/KMZ)"),
        help_text=_(
            "Satu fitur per kecamatan atau desa/kelurahan, koordinat WGS84 (derajat). "
            "Shapefile: .shp, .shx, .dbf dan .prj dalam satu .zip."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".geojson,.json,.zip,.kml,.kmz"}
        ),
    )


class ActivityForm(forms.ModelForm):
    """An activity held at a Kampung KB; the Kampung KB is the page's."""

    class Meta:
        model = KampungActivity
        fields = ["held_on", "title", "note", "participants"]
        widgets = {"held_on": date_input(), "note": forms.Textarea(attrs={"rows": 3})}
