"""Evidence files (PDF, JPEG, PNG) as users attach them: what is accepted, and how
one is served. Shared by the evaluations' evidence and the classification
proposals' evidence, so both check a file the same way."""

from pathlib import PurePosixPath

from django.http import FileResponse
from django.utils.translation import gettext as _

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Content type, the extensions it may carry, and how its content starts.
EVIDENCE_TYPES = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
}
EVIDENCE_EXTENSIONS = tuple(ext for exts, _m in EVIDENCE_TYPES.values() for ext in exts)


def evidence_problem(upload) -> tuple[str | None, str | None]:
    """(content type, None) for an acceptable file, else (None, why not).

    The type is read from the first bytes, not trusted from the name or the
    browser; the name's extension must agree with it.
    """
    if upload.size > EVIDENCE_MAX_BYTES:
        return None, _("Berkas lebih dari %(mb)s MB.") % {
            "mb": EVIDENCE_MAX_BYTES // (1024 * 1024)
        }
    if upload.size == 0:
        return None, _("Berkas kosong.")
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, (extensions, magics) in EVIDENCE_TYPES.items():
        if any(head.startswith(m) for m in magics):
            if suffix not in extensions:
                return None, _(
                    "Isi berkas tidak sesuai dengan ekstensinya (%(ext)s)."
                ) % {"ext": suffix or "-"}
            return content_type, None
    return None, _("Hanya berkas PDF, JPEG, atau PNG yang diterima.")


def evidence_suffix(content_type: str) -> str:
    """The extension a stored file gets: from its content, not its name."""
    return EVIDENCE_TYPES[content_type][0][0]


def evidence_response(file, *, content_type: str, filename: str) -> FileResponse:
    """Serve a stored evidence file: images open in the browser, a PDF is
    downloaded (never rendered by us), and nothing in it may run or be cached."""
    response = FileResponse(
        file.open("rb"),
        content_type=content_type,
        as_attachment=content_type == "application/pdf",
        filename=filename,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
