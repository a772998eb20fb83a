"""Forms for staff managing the accounts of their region."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from villages.forms import add_service_errors
from villages.models import Region, RegionLevel

from .access import require, scoped
from .choices import choice_field, choice_source
from .models import Role, User


def _label(name):
    return capfirst(User._meta.get_field(name).verbose_name)


def _writable(actor):
    require(actor, "user.manage")
    return scoped(Region.objects.order_by("code"), actor, write=True)


@choice_source("wilayah", "pengguna-desa")
def account_desa(actor, context=""):
    """The desa/kelurahan the actor may give a PLKB/PKB account."""
    return _writable(actor).filter(level=RegionLevel.DESA)


@choice_source("wilayah", "pengguna-wilayah")
def account_areas(actor, context=""):
    """The provinces, kab/kota and kecamatan the actor may give an account."""
    return _writable(actor).filter(level__lt=RegionLevel.DESA)


class UserForm(forms.Form):
    """An account's names, role and regions, offering only what the actor may grant.

    A PLKB/PKB works in desa/kelurahan (their field assignments); every other role
    in a province, kab/kota or kecamatan.
    """

    first_name = forms.CharField(
        label=_label("first_name"),
        max_length=150,
        required=False,
    )
    last_name = forms.CharField(
        label=_label("last_name"),
        max_length=150,
        required=False,
    )
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Peran"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label)
            for value, label in Role.choices
            if value != Role.ADMIN or actor.effective_role == Role.ADMIN
        ]
        self.fields["desa"] = choice_field(
            account_desa,
            account_desa(actor),
            multiple=True,
            required=False,
            label=_("Desa/kelurahan binaan (PLKB/PKB)"),
        )
        self.fields["areas"] = choice_field(
            account_areas,
            account_areas(actor),
            multiple=True,
            required=False,
            label=_("Wilayah kerja (staf, pimpinan, evaluator)"),
        )

    @property
    def region_key(self):
        return "desa" if self.cleaned_data.get("role") == Role.PLKB else "areas"

    def service_fields(self):
        """What the account services take, with the regions that fit the role."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("desa", "areas")
        }
        data["regions"] = list(self.cleaned_data[self.region_key])
        return data

    def add_errors(self, error: ValidationError):
        """Show a service's errors next to the fields; "regions" is the role's box."""
        if hasattr(error, "error_dict") and "regions" in error.error_dict:
            error = ValidationError(
                {
                    self.region_key if name == "regions" else name: errors
                    for name, errors in error.error_dict.items()
                }
            )
        add_service_errors(self, error)


class UserCreateForm(UserForm):
    username = forms.CharField(
        label=_label("username"),
        max_length=150,
        help_text=_("Huruf, angka, dan . _ - saja; misalnya plkb.jenggot."),
    )
    field_order = ["username"]


class UserUpdateForm(UserForm):
    is_active = forms.BooleanField(
        label=_("Akun aktif"),
        required=False,
        help_text=_("Akun nonaktif tidak dapat masuk; riwayatnya tetap tersimpan."),
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form with the app's own words (its Indonesian repeats itself)."""

    error_messages = {
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil, "
            "lalu coba lagi."
        ),
        "inactive": _(
            "Akun ini dinonaktifkan. Hubungi staf Dinsos-P2KB kabupaten/kota Anda."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Nama pengguna")
        self.fields["password"].label = _("Kata sandi")
