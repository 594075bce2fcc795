"""Logins for synthetic profiles: a Django user whose username is the profile's email."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

from clinic.models import Profile
from seeding.context import RunContext
from seeding.generators.identity import profile_identity, role_and_index, role_counts
from seeding.generators.registry import EntityGenerator, register
from seeding.ownership import record_logins


def _rows(ctx: RunContext, unit: int):
    identity = profile_identity(ctx, *role_and_index(ctx.request, unit))
    first, _, last = identity.full_name.partition(" ")
    # The password was hashed once for the whole run: hashing per user costs seconds per thousand.
    yield (
        ctx.password_hash,
        False,
        identity.email,
        first[:150],
        last[:150],
        identity.email,
        False,
        True,
        ctx.timestamp,
    )


def _link_profiles(ctx: RunContext, using: str) -> None:
    """Record the run's logins as its own, then link each profile to its login."""
    profiles = Profile.objects.using(using).filter(synthetic_run_id=ctx.run_id)
    record_logins(ctx.run_id, profiles.values("email"), using)
    logins = get_user_model().objects.using(using).filter(username=OuterRef("email")).values("id")[:1]
    profiles.update(user_id=Subquery(logins))


register(
    EntityGenerator(
        name="logins",
        model=get_user_model(),
        columns=(
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ),
        depends_on=("profiles",),
        units=lambda request: sum(role_counts(request).values()) if request.with_logins else 0,
        rows=_rows,
        after_write=_link_profiles,
    )
)
