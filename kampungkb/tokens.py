"""API tokens (DRF's authtoken): a lifetime, and revocation.

A token lasts API_TOKEN_LIFETIME_DAYS from its creation and then gets 401; asking
/api/token/ again gives a new one. Setting a password (by its owner, by staff, in
the admin site) or deactivating the account deletes the token (models.User.save).
A browser sign-out does not: the token belongs to a script the user runs, and
they revoke it themselves on /akun/token/ or with DELETE /api/me/token/.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def _lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


def token_expires(token: Token) -> datetime:
    return token.created + _lifetime()


def token_get(*, user) -> Token | None:
    """The user's token, if they have one (it may have expired)."""
    return Token.objects.filter(user=user).first()


def token_issue(*, user) -> Token:
    """The user's token: the current one, or a new one if it is missing or expired."""
    Token.objects.filter(user=user, created__lte=timezone.now() - _lifetime()).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user) -> bool:
    """Delete the user's token; whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused (401) once the token has expired."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("Token sudah kedaluwarsa. Minta token baru di /api/token/.")
            )
        return user, token
