from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DISABLED_MESSAGE = (
    "demo_admin creates a superuser with a published password, so it runs only where seeding is enabled "
    "(SEEDING_ENABLED, by default DEBUG)."
)
TAKEN_MESSAGE = (
    "A user named {username!r} already exists and is not the demo admin; demo_admin never changes a user "
    "it did not create. Pass another name: --username <name> (or DEMO_ADMIN_USERNAME)."
)


class Command(BaseCommand):
    help = (
        "Create the demo superuser (DEMO_ADMIN_USERNAME / DEMO_ADMIN_PASSWORD) and print its login. "
        "For local demos only: refuses unless seeding is enabled, and never changes an existing user."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=None, help="Default: DEMO_ADMIN_USERNAME (admin).")

    def handle(self, *args, username=None, **options):
        if not settings.SEEDING_ENABLED:
            raise CommandError(DISABLED_MESSAGE)
        username = username or settings.DEMO_ADMIN_USERNAME
        password = settings.DEMO_ADMIN_PASSWORD
        existing = get_user_model().objects.filter(username=username).first()
        if existing is None:
            get_user_model().objects.create_superuser(username, f"{username}@example.com", password)
            verb = "Created"
        elif existing.is_superuser and existing.check_password(password):
            verb = "Kept"  # made by an earlier demo_admin: it already has the demo login
        else:
            raise CommandError(TAKEN_MESSAGE.format(username=username))
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo admin: username {username!r}, password {password!r}."))
