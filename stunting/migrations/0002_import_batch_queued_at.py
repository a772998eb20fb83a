from django.db import migrations, models
from django.db.models import F


def earlier_batches_were_queued(apps, schema_editor):
    """Batches uploaded before this field was queued when they were uploaded."""
    apps.get_model("stunting", "ImportBatch").objects.update(queued_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("stunting", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="queued_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="masuk antrean"
            ),
        ),
        migrations.RunPython(earlier_batches_were_queued, migrations.RunPython.noop),
    ]
