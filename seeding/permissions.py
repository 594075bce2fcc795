"""Who may seed: one rule, read by the API, the admin and any other front-end.

Generating needs clinic.add_profile; clearing and undoing need clinic.delete_profile (superusers have
both). A real, active user whose own profile has the role admin may do both. A login that a seeding run
created, or a profile that one wrote, never grants anything.
"""

from django.conf import settings
from rest_framework.permissions import BasePermission

from clinic.models import Profile
from seeding.models import SyntheticLogin
from seeding.service import SEEDING_DISABLED_MESSAGE, is_seeding_enabled

GENERATE_PERMISSION = "clinic.add_profile"
CLEAR_PERMISSION = "clinic.delete_profile"
GENERATE_REFUSED_MESSAGE = (
    "Generating synthetic data needs the clinic.add_profile permission, or a real profile with the role admin."
)
CLEAR_REFUSED_MESSAGE = (
    "Clearing or undoing synthetic data needs the clinic.delete_profile permission, "
    "or a real profile with the role admin."
)
NOT_SEEDING_ADMIN_MESSAGE = (
    "Only seeding admins (clinic.add_profile or clinic.delete_profile, or a real profile with the role admin) "
    "may read this."
)


def may_generate(user) -> bool:
    return _is_real_active_user(user) and (user.has_perm(GENERATE_PERMISSION) or _has_real_admin_profile(user))


def may_clear(user) -> bool:
    """Clearing all synthetic data, clearing before a run, and undoing a run."""
    return _is_real_active_user(user) and (user.has_perm(CLEAR_PERMISSION) or _has_real_admin_profile(user))


def is_seeding_admin(user) -> bool:
    """May do at least one of the two: enough to read the run history and the API's schema."""
    return may_generate(user) or may_clear(user)


def _is_real_active_user(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return not SyntheticLogin.objects.filter(user=user).exists()


def _has_real_admin_profile(user) -> bool:
    return Profile.objects.filter(user=user, role=Profile.Role.ADMIN, synthetic_run_id__isnull=True).exists()


class MayGenerate(BasePermission):
    message = GENERATE_REFUSED_MESSAGE

    def has_permission(self, request, view) -> bool:
        return may_generate(request.user)


class MayClear(BasePermission):
    message = CLEAR_REFUSED_MESSAGE

    def has_permission(self, request, view) -> bool:
        return may_clear(request.user)


class IsSeedingAdmin(BasePermission):
    message = NOT_SEEDING_ADMIN_MESSAGE

    def has_permission(self, request, view) -> bool:
        return is_seeding_admin(request.user)


class MayReadSchema(BasePermission):
    """The schema and docs: open in development, for seeding admins only when DEBUG is false."""

    message = NOT_SEEDING_ADMIN_MESSAGE

    def has_permission(self, request, view) -> bool:
        return settings.DEBUG or is_seeding_admin(request.user)


class SeedingEnabled(BasePermission):
    """Refuses every write where seeding is switched off, after the caller is known to be allowed."""

    message = SEEDING_DISABLED_MESSAGE

    def has_permission(self, request, view) -> bool:
        return is_seeding_enabled()
