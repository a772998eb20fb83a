"""Pages for one's own account and for staff managing the accounts of their region."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import choices, health, services, tokens
from .access import managed_users, require, scoped
from .forms import UserCreateForm, UserUpdateForm
from .models import Role, User
from .once import once_only

PAGE_SIZE = 50


class PasswordChange(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "kampungkb/password_change.html"
    success_url = reverse_lazy("home")
    success_message = gettext_lazy("Kata sandi Anda sudah diganti.")


@never_cache
def api_token(request):
    """Whether the user has an API token and until when; a POST revokes it."""
    if request.method == "POST":
        if tokens.token_revoke(user=request.user):
            messages.success(request, _("Token API Anda sudah dicabut."))
        return redirect("api-token")
    token = tokens.token_get(user=request.user)
    expires = token and tokens.token_expires(token)
    return render(
        request,
        "kampungkb/api_token.html",
        {"token": token, "expires": expires, "expired": token and expires <= now()},
    )


def _post(request):
    return request.POST if request.method == "POST" else None


def work_regions(user):
    """The regions an account works in: a PLKB's assigned desa, else its regions."""
    if user.role == Role.PLKB and hasattr(user, "field_officer"):
        return [a.region for a in user.field_officer.assignments.all()]
    return list(user.regions.all())


def _managed_user(request, pk):
    """An account the actor may manage: 404 outside their region, 403 for an
    account that is also someone else's (an administrator, or working elsewhere)."""
    require(request.user, "user.manage")
    user = get_object_or_404(scoped(User.objects, request.user, write=True), pk=pk)
    if not managed_users(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    return user


def user_list(request):
    require(request.user, "user.manage")
    users = (
        scoped(User.objects, request.user, write=True)
        .prefetch_related("regions", "field_officer__assignments__region")
        .order_by("username")
    )
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("halaman"))
    manageable = set(
        managed_users(request.user)
        .filter(pk__in=[user.pk for user in page])
        .values_list("pk", flat=True)
    )
    for user in page:
        user.work_regions = work_regions(user)
        user.manageable = user.pk in manageable
    return render(request, "kampungkb/user_list.html", {"page": page, "query": query})


@never_cache
@once_only
def user_create(request):
    require(request.user, "user.manage")
    form = UserCreateForm(_post(request), actor=request.user)
    if form.is_valid():
        try:
            user, password = services.user_create(
                actor=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_errors(exc)
        else:
            response = render(
                request,
                "kampungkb/user_password.html",
                {"account": user, "password": password, "created": True},
            )
            # A repeat of this form is sent to the account (kampungkb.once).
            response.once_location = reverse("user-edit", args=[user.pk])
            return response
    return render(request, "kampungkb/user_form.html", {"form": form})


def user_edit(request, pk):
    user = _managed_user(request, pk)
    regions = work_regions(user)
    form = UserUpdateForm(
        _post(request),
        actor=request.user,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "is_active": user.is_active,
            "desa" if user.role == Role.PLKB else "areas": regions,
        },
    )
    if form.is_valid():
        try:
            services.user_update(actor=request.user, user=user, **form.service_fields())
        except ValidationError as exc:
            form.add_errors(exc)
        else:
            messages.success(
                request, _("Akun %(username)s disimpan.") % {"username": user}
            )
            return redirect("user-list")
    return render(request, "kampungkb/user_form.html", {"form": form, "account": user})


@never_cache
def user_reset_password(request, pk):
    user = _managed_user(request, pk)
    if request.method == "POST":
        password = services.user_reset_password(actor=request.user, user=user)
        return render(
            request,
            "kampungkb/user_password.html",
            {"account": user, "password": password},
        )
    return render(request, "kampungkb/user_reset_confirm.html", {"account": user})


@never_cache
def choice_search(request, kind):
    """At most choices.SEARCH_LIMIT rows a form offers the user, matching ?q=: the
    form's own source (?sumber=, with ?konteks= such as a cycle) decides which rows
    and whom to refuse (403), exactly as the form does."""
    source = choices.SOURCES.get((kind, request.GET.get("sumber", "")))
    if source is None:
        raise Http404
    spec = choices.KINDS[kind]
    queryset = source(request.user, request.GET.get("konteks", ""))
    # A NUL cannot be sent to PostgreSQL; a longer text matches no name anyway.
    text = request.GET.get("q", "")[:100].replace("\x00", "")
    rows = spec.search(queryset, text)
    return JsonResponse(
        {
            "results": [
                {"code": spec.code_of(row), "label": spec.label(row)} for row in rows
            ],
            # Perhaps more match than shown: the box asks for more letters.
            "more": len(rows) >= choices.SEARCH_LIMIT,
        }
    )


@login_not_required
def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: the app's page, with its menu, says what to do.

    The field app's sync reads JSON only, so it is answered in JSON.
    """
    if request.path_info == reverse("field-sync"):
        return JsonResponse(
            {
                "detail": _(
                    "Permintaan ditolak (token CSRF tidak cocok); muat ulang "
                    "aplikasi lalu kirim lagi."
                ),
                "csrf": True,
            },
            status=403,
        )
    return render(request, "403_csrf.html", status=403)


@login_not_required
@never_cache
def healthz(request):
    """200 when the database, Redis, a worker and fresh figures are all there;
    503 with the reason otherwise. Says nothing about any user's data. Lists the
    read replicas and their lag, which fail nothing: reads fall back to the primary."""
    checks = health.report()
    healthy = all(check.ok for check in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "fail",
            "checks": {
                name: {"ok": check.ok, "detail": check.detail}
                for name, check in checks.items()
            },
            "replicas": health.replicas(),
        },
        status=200 if healthy else 503,
    )


class SignOutView(auth_views.LogoutView):
    """Sign out, and have the browser forget what it kept for this site.

    The field app keeps the PLKB's desa, children and unsent entries on the phone
    (IndexedDB, the service worker's cache); a shared posyandu phone must not
    hand them to the next person. The header clears them, the worker included.
    """

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
