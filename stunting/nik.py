"""NIK (Nomor Induk Kependudukan) handling: only a keyed hash is ever stored."""

import hashlib
import hmac
import re

from django.conf import settings

NIK_PATTERN = re.compile(r"^\d{16}$")


def nik_normalise(raw) -> str | None:
    """The 16 digits of a NIK as typed or exported (spaces, dots, a leading ' removed)."""
    if raw is None:
        return None
    digits = re.sub(r"[\s.'\-]", "", str(raw))
    if digits.endswith(".0") and digits[:-2].isdigit():
        digits = digits[:-2]
    return digits or None


def nik_is_valid(nik: str) -> bool:
    return bool(NIK_PATTERN.match(nik)) and nik != "0" * 16


def nik_hash(nik: str) -> str:
    """HMAC-SHA256 of a normalised NIK with the deployment's NIK_HASH_KEY."""
    key = settings.NIK_HASH_KEY.encode()
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()
