"""Who may call the seeding API, and whether seeding is allowed here at all."""

from rest_framework.permissions import BasePermission

from clinic.models import Profile
from seeding.service import SEEDING_DISABLED_MESSAGE, is_seeding_enabled

NOT_ADMIN_MESSAGE = "Only admins may use the seeding API: a staff user, or a user whose profile has the role admin."


class IsSeedingAdmin(BasePermission):
    """A staff user, or a user whose profile has the role admin (000: "JWT token with admin role")."""

    message = NOT_ADMIN_MESSAGE

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_staff or Profile.objects.filter(user=user, role=Profile.Role.ADMIN).exists()


class SeedingEnabled(BasePermission):
    """Refuses every write where seeding is switched off, after the caller is known to be an admin."""

    message = SEEDING_DISABLED_MESSAGE

    def has_permission(self, request, view) -> bool:
        return is_seeding_enabled()
