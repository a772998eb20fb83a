"""Where evidence files are stored. Kept apart from models.py so migrations can
import it without loading the app's models."""

import secrets
from pathlib import PurePosixPath


def evidence_path(instance, filename):
    """A random name under the cycle's folder; the uploader's file name is not used."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evaluations/evidence/{instance.participant.cycle_id}/{secrets.token_hex(16)}{suffix}"
