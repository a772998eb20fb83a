"""Create forms are sent once: a double-tap or a resend gets the first one's result.

Each create form carries a one-time token (templates/includes/once.html). The
view, wrapped in `once_only`, claims the token by inserting it, in the same
transaction as the record it creates. A second request with the same token
waits on PostgreSQL's unique index until the first commits, then finds the
token taken and is sent where the first was sent (the new record) instead of
creating it again. A first request refused with form errors rolls its claim
back, so the corrected form can be sent with the same token.
"""

import datetime
import re
import uuid
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubmittedForm

FIELD = "once_token"
_TOKEN = re.compile(r"[0-9a-f]{32}")
# Long enough for a browser's resend of a form left open; then the row goes.
KEEP = datetime.timedelta(days=1)


def new_token() -> str:
    """A fresh token for one rendering of a create form."""
    return uuid.uuid4().hex


def _location(response) -> str:
    """Where a successful response leads: its redirect, or what the view named.

    A view whose success is a page, not a redirect (a new account's one-time
    password), sets `response.once_location` to the record's page.
    """
    if hasattr(response, "once_location"):
        return str(response.once_location)
    if response.status_code in (301, 302, 303):
        return response["Location"]
    return ""


def once_only(view):
    """Make a create view answer a repeat of the same form with the first's result."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not _TOKEN.fullmatch(token) or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    SubmittedForm.objects.create(token=token, user=request.user)
            except IntegrityError:
                first = SubmittedForm.objects.filter(
                    token=token, user=request.user
                ).first()
                if first is None or not first.location:
                    # Not this user's token: judge the form on its own.
                    return view(request, *args, **kwargs)
                messages.info(
                    request, _("Formulir ini sudah terkirim; ini hasil kiriman itu.")
                )
                return redirect(first.location)
            SubmittedForm.objects.filter(
                user=request.user, created_at__lt=timezone.now() - KEEP
            ).delete()
            response = view(request, *args, **kwargs)
            location = _location(response)
            if location:
                SubmittedForm.objects.filter(token=token).update(location=location)
            else:
                # Refused (form errors): free the token for the corrected form.
                transaction.set_rollback(True)
        return response

    return wrapper
