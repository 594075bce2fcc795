"""A synthetic profile deleted by any means (the admin's "delete selected", a shell) takes its synthetic login."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete
from django.dispatch import receiver

from clinic.models import Profile


@receiver(post_delete, sender=Profile, dispatch_uid="seeding-delete-synthetic-login")
def delete_synthetic_login(sender, instance: Profile, using: str, **kwargs) -> None:
    # Only a login a run created (it has a SyntheticLogin record): a person's own login on the profile stays.
    if instance.synthetic_run_id and instance.user_id:
        get_user_model()._base_manager.using(using).filter(pk=instance.user_id, synthetic_login__isnull=False).delete()
