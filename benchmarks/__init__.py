"""The seeding benchmark of issue 7; run it with `python manage.py seed_benchmark` (see --help)."""
