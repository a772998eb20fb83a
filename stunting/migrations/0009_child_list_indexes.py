"""Indexes of the children lists: their keyset order and the name-prefix search."""

from django.db import migrations, models

NAME_PREFIX = (
    "CREATE INDEX IF NOT EXISTS child_name_upper_prefix "
    "ON stunting_child (UPPER(name) text_pattern_ops)"
)


def create_name_prefix(apps, schema_editor):
    # text_pattern_ops lets LIKE 'SIT%' use the index under any collation; only
    # PostgreSQL has it (SQLite, the zero-setup default, scans its few rows).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NAME_PREFIX)


def drop_name_prefix(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS child_name_upper_prefix")


class Migration(migrations.Migration):
    dependencies = [
        ("stunting", "0008_measurement_partitioned_by_year"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="child",
            index=models.Index(fields=["region", "id"], name="child_region_id"),
        ),
        migrations.RunPython(create_name_prefix, drop_name_prefix),
    ]
