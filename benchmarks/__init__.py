"""The seeding benchmark, an app of its own: `python manage.py seed_benchmark` (see --help).

Its packages (model-bakery, factory_boy) are not runtime dependencies; the app is installed only where they are.
"""
