from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    """The seeding API's throttles count in the cache: with Django's database cache, `migrate` makes its table,
    so that a login or a seeding call never meets a missing table. Other caches have no table to make."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("seeding", "0004_sharded_runs"),
    ]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
