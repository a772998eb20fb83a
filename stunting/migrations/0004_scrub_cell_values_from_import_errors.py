"""Remove the cell values that older imports quoted in their problems.

Before, a problem such as "Jenis kelamin '3375...' tidak dikenal" quoted the
cell, and a NIK or a name typed in the wrong column was kept in the batch. The
quoted part is dropped; the rest of the message (row, column, what was expected)
stays. The header's own problems (row 1) quote only the app's column labels.
"""

import re

from django.db import migrations

QUOTED = re.compile(r" ?'.*'")


def _scrubbed(message):
    text = QUOTED.sub("", message).strip()
    return text[:1].upper() + text[1:]


def scrub(apps, schema_editor):
    ImportBatch = apps.get_model("stunting", "ImportBatch")
    for batch in ImportBatch.objects.only("errors").iterator():
        errors = [
            {**p, "message": _scrubbed(p["message"])}
            if p.get("row") not in (None, 1) and "'" in p.get("message", "")
            else p
            for p in batch.errors
        ]
        if errors != batch.errors:
            ImportBatch.objects.filter(pk=batch.pk).update(errors=errors)


class Migration(migrations.Migration):
    dependencies = [("stunting", "0003_import_attempts_and_nik_lookups")]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
