from django.apps import AppConfig


class SeedingConfig(AppConfig):
    name = "seeding"
    verbose_name = "Synthetic data"

    def ready(self) -> None:
        from seeding import signals  # noqa: F401  (connects the receivers)
