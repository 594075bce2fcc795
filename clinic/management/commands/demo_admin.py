import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "demo-admin-password"


class Command(BaseCommand):
    help = "Create (or reset) the demo superuser and print its login. For local demos only."

    def handle(self, *args, **options):
        username = os.environ.get("DEMO_ADMIN_USERNAME", DEFAULT_USERNAME)
        password = os.environ.get("DEMO_ADMIN_PASSWORD", DEFAULT_PASSWORD)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo admin: username {username!r}, password {password!r}."))
